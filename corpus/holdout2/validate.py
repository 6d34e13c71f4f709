#!/usr/bin/env python3
"""Check the second held-out set (holdout2) gold files against their articles.

Usage: python corpus/holdout2/validate.py [GOLD.json ...]   (default: every holdout2/gold/*.json)

The same checks as ``corpus/holdout/validate.py`` (which this reuses), pointed at
this folder, with articles of 2000-3500 characters.
"""
import importlib.util
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("holdout_validate", HERE.parent / "holdout" / "validate.py")
_base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_base)

if __name__ == "__main__":
    sys.exit(_base.main(sys.argv[1:], here=HERE, min_len=2000))
