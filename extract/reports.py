"""Turn a file into a report: its text plus what the file itself says (title, date).

``.txt``/``.md`` files are decoded by :mod:`extract.loader`; an optional front
matter block (``---`` / ``date: 2023-01-29`` / ``title: …`` / ``---``) at the top
gives the publication date and title without changing the text or offsets.
``.html``/``.htm`` pages go through :mod:`extract.html`, which keeps the article
body and the page's own title and date.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import regex

from .loader import DEFAULT_MAX_BYTES, LoadError, read_file

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}

_FRONT = regex.compile(r"\A---\n(.*?)\n---\n", regex.S)
_FM_LINE = regex.compile(r"^(date|title|url|published|发布日期|标题)\s*[:：]\s*(.+?)\s*$", regex.M)


@dataclass
class Report:
    path: Optional[str]
    text: str
    title: Optional[str] = None
    date: Optional[_dt.date] = None
    url: Optional[str] = None
    encoding: Optional[str] = None
    source_format: str = "txt"


def parse_iso_date(value: str) -> Optional[_dt.date]:
    m = regex.search(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", value)
    if not m:
        return None
    try:
        return _dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def front_matter(text: str) -> dict[str, str]:
    m = _FRONT.match(text)
    if not m:
        return {}
    return {k.lower(): v for k, v in _FM_LINE.findall(m.group(1))}


def report_from_text(text: str, path: Optional[str] = None, encoding: Optional[str] = None) -> Report:
    fm = front_matter(text)
    date = None
    for key in ("date", "published", "发布日期"):
        if key in fm:
            date = parse_iso_date(fm[key])
            if date:
                break
    title = fm.get("title") or fm.get("标题")
    return Report(path=path, text=text, title=title, date=date, url=fm.get("url"), encoding=encoding)


def load_report(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Report:
    """Load one report file; raise :class:`LoadError` with a clear reason on failure."""
    p = Path(path)
    suffix = p.suffix.lower()
    if p.is_dir():
        raise LoadError(str(path), "unreadable", "这是一个目录，不是文件")
    decoded = read_file(p, max_bytes=max_bytes)
    if suffix in HTML_SUFFIXES or _looks_like_html(decoded.text):
        from .html import html_to_report

        rep = html_to_report(decoded.text, path=str(path))
        rep.encoding = decoded.encoding
        return rep
    return report_from_text(decoded.text, str(path), decoded.encoding)


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith("<!doctype html") or head.startswith("<html") or (
        "<body" in head and "</" in head
    )
