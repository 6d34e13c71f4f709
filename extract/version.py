"""Which extractors produced a set of facts.

``extractor_version()`` is the package version plus a short digest of everything
extraction reads: the code in ``extract/``, the rule files in ``patterns/`` and
the shipped NER model. Facts extracted elsewhere (a cluster run, an older
install) carry it, and ``xiangmu ingest`` stores them as they are only when it
equals its own; otherwise it extracts again, so a registry never mixes the
output of two rule sets without saying so.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

_EXTRACT = Path(__file__).resolve().parent
_PATTERNS = _EXTRACT.parent / "patterns"
_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".txt", ".cfg", ".bin", ""}


def package_version() -> str:
    try:
        from importlib.metadata import version

        return version("xiangmu")
    except Exception:  # not installed (running from a source tree)
        return "0+src"


def _files() -> list[Path]:
    out = []
    for base in (_EXTRACT, _PATTERNS):
        if not base.is_dir():
            continue
        for p in base.rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts and p.suffix in _SUFFIXES:
                out.append(p)
    return sorted(out, key=lambda p: p.relative_to(_EXTRACT.parent).as_posix())


@functools.lru_cache(maxsize=1)
def extractor_version() -> str:
    """``"<package version>+<12 hex digits>"``; equal only for identical extractors."""
    h = hashlib.sha256()
    for p in _files():
        h.update(p.relative_to(_EXTRACT.parent).as_posix().encode("utf-8"))
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return f"{package_version()}+{h.hexdigest()[:12]}"
