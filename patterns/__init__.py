"""Rules and word lists as data.

Each ``*.yaml`` file in this folder is read by one extractor module; the Python
code never hard-codes a keyword. ``load(name)`` returns the parsed file and is
cached, so every extractor reads its rules once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

PATTERN_DIR = Path(__file__).resolve().parent


class PatternError(ValueError):
    """A pattern file is missing or malformed."""


@functools.lru_cache(maxsize=None)
def load(name: str) -> Any:
    """Load ``patterns/<name>.yaml`` (or ``.json``)."""
    for suffix in (".yaml", ".yml", ".json"):
        path = PATTERN_DIR / f"{name}{suffix}"
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                try:
                    return yaml.safe_load(fh)
                except yaml.YAMLError as exc:  # pragma: no cover - data error
                    raise PatternError(f"{path}: {exc}") from exc
    raise PatternError(f"no pattern file named {name!r} in {PATTERN_DIR}")


def path(name: str) -> Path:
    """Path of a data file in this folder (e.g. the jieba user dictionary)."""
    p = PATTERN_DIR / name
    if not p.exists():
        raise PatternError(f"no pattern file {name!r} in {PATTERN_DIR}")
    return p


def alternation(words: list[str]) -> str:
    """A regex alternation of literal words, longest first."""
    import regex

    return "|".join(regex.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))
