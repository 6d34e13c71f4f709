"""Stage words -> project phase (rules in ``patterns/phases.yaml``).

:func:`phase_of_clause` reads a clause in which the project names are blanked out
(replaced by ``P``) and returns the first phase whose rule matches, or ``None``.
:func:`relative`, :func:`continues_subject` and :func:`expectation` tell the project
rules which clause of a sentence states the stage (a relative clause before the name is
background; a following clause that opens without a subject of its own is the
predicate; a clause that only expects a stage does not replace a stated fact).
"""

from __future__ import annotations

import functools
from typing import Iterable, Optional

import regex

import patterns

from .memo import text_cache

PLACEHOLDER = "P"


@functools.lru_cache(maxsize=1)
def _rules():
    data = patterns.load("phases")
    ignore = regex.compile("|".join(f"(?:{p})" for p in data.get("ignore", [])))
    rules = [(r["phase"], regex.compile(r["pattern"])) for r in data["rules"]]
    events = []
    for phase, words in (data.get("event_words") or {}).items():
        for w in words:
            events.append((w, phase))
    events.sort(key=lambda x: -len(x[0]))
    event_re = regex.compile(patterns.alternation([w for w, _ in events])) if events else None
    return ignore, rules, set(data.get("list_override", [])), dict(events), event_re


@functools.lru_cache(maxsize=1)
def event_context() -> tuple[int, tuple]:
    data = patterns.load("phases")
    return int(data.get("event_window", 6)), tuple(data.get("event_not_followed_by", []))


def blank(text: str, spans: Iterable[tuple[int, int]], offset: int = 0) -> str:
    """``text`` with each span (absolute, shifted by ``offset``) replaced by one ``P``."""
    n = len(text)
    # only the spans that reach into ``text``, in order (the others change nothing)
    inside = sorted((s - offset, e - offset) for s, e in spans if e > offset and s - offset < n)
    if not inside:
        return text
    out = []
    pos = 0
    for s, e in inside:
        if e <= pos:
            continue
        s = max(s, pos)
        out.append(text[pos:s])
        out.append(PLACEHOLDER)
        pos = e
    out.append(text[pos:])
    return "".join(out)


def clean(clause: str) -> str:
    ignore = _rules()[0]
    return ignore.sub("", clause) if ignore.pattern else clause


@text_cache(8192)  # pure: the rules ask about the same clause several times
def phase_of_clause(clause: str) -> Optional[str]:
    """Phase stated by a clause with project names already blanked to ``P``."""
    _, rules, _, _, _ = _rules()
    c = clean(clause)
    for phase, rx in rules:
        if rx.search(c):
            return phase
    return None


@functools.lru_cache(maxsize=1)
def _relative_re():
    return regex.compile(patterns.load("phases").get("relative_marker", "(?!)"))


@functools.lru_cache(maxsize=1)
def _predicate_re():
    return regex.compile(patterns.load("phases").get("predicate_start", "(?!)"))


def continues_subject(clause: str) -> bool:
    """Whether a following clause goes on about the project named before it."""
    return bool(_predicate_re().match(clause.lstrip(" “\"")))


@functools.lru_cache(maxsize=1)
def _expect_words() -> tuple:
    return tuple(patterns.load("phases").get("expectation_words", []))


def expectation(clause: str) -> bool:
    """Whether a clause only expects a stage (即将交付, 预计年底投用)."""
    return any(w in clause for w in _expect_words())


def relative(before: str) -> bool:
    """Whether the text before a name ends in a relative clause ("去年签约的" + name)."""
    return bool(_relative_re().search(before.rstrip(" “\"")))


def overrides_list(phase: Optional[str]) -> bool:
    """Whether a phase read after a list's items replaces the list's own phase."""
    return phase in _rules()[2]


def event_words(text: str):
    """``(start, end, word, phase)`` of each stage word in ``text`` (ignored phrases excluded)."""
    ignore, _, _, phases, event_re = _rules()
    if event_re is None:
        return []
    masked = [False] * len(text)
    if ignore.pattern:
        for m in ignore.finditer(text):
            for i in range(m.start(), m.end()):
                masked[i] = True
    out = []
    for m in event_re.finditer(text):
        if any(masked[m.start():m.end()]):
            continue
        out.append((m.start(), m.end(), m.group(), phases[m.group()]))
    return out
