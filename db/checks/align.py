"""Sentence alignment between reports: which passages of one report reappear
(perhaps edited) in another.

A report is cut into units (sentences and ``；`` clauses of the normalised
text). Units of different reports that share character shingles are compared
with rapidfuzz (only shingles found in few reports count: stock phrases and
template sentences printed in many reports are no sign of a shared text, and
skipping them keeps the comparison linear in the number of reports); a unit matches the whole of another unit (``ratio``) or a
stretch of a longer one (``partial_ratio`` alignment, for when one version
joined two sentences). Within a matched pair, :func:`changes` lists the edits
(difflib opcodes on the normalised text), ignoring punctuation-only edits.

Used by :mod:`.versions` (two reports that are versions of one text) and
:mod:`.values` (the same sentence with a different figure).
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import chain
from typing import Optional

import regex
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .context import CheckContext, ReportView, rules

_UNIT_END = regex.compile(r"[。！？!?;；]+[”’」』\"')）]*|\n+")
_KEEP = regex.compile(r"[\p{Han}A-Za-z0-9%.]")


@dataclass(eq=False)
class Unit:
    __slots__ = ("view", "idx", "ns", "ne", "key")

    view: ReportView
    idx: int
    ns: int
    ne: int
    key: str  # letters only (no punctuation): what is compared

    @property
    def pos(self) -> list[int]:
        """Normalised index of each key character (worked out when asked: rarely needed)."""
        return [m.start() for m in _KEEP.finditer(self.view.text, self.ns, self.ne)]

    @property
    def text(self) -> str:
        return self.view.text[self.ns:self.ne]


@dataclass(slots=True)
class Match:
    """Stretch ``a`` of report A's unit matches stretch ``b`` of report B's unit."""

    a: Unit
    b: Unit
    a_span: tuple[int, int]  # normalised span in A
    b_span: tuple[int, int]
    score: float

    @property
    def a_text(self) -> str:
        return self.a.view.text[self.a_span[0]:self.a_span[1]]

    @property
    def b_text(self) -> str:
        return self.b.view.text[self.b_span[0]:self.b_span[1]]


def _cfg() -> dict:
    return rules()["versions"]


def units(view: ReportView) -> list[Unit]:
    """The report's units (cached on the report)."""
    if "units" not in view.cache:
        view.cache["units"] = _units(view)
    return view.cache["units"]


def _units(view: ReportView) -> list[Unit]:
    """The report's units, not cached (the cached ones when there are)."""
    if "units" in view.cache:
        return view.cache["units"]
    out = []
    s = 0
    text = view.text
    spans = []
    for m in _UNIT_END.finditer(text):
        e = m.end() if m.group().strip() else m.start()
        if e > s:
            spans.append((s, e))
        s = m.end()
    if s < len(text):
        spans.append((s, len(text)))
    min_unit = _cfg()["min_unit"]
    for ns, ne in spans:
        key = "".join(_KEEP.findall(text, ns, ne))
        if len(key) >= min_unit:
            out.append(Unit(view, len(out), ns, ne, key))
    return out


def unit_chars(ctx: CheckContext, view: ReportView) -> int:
    """Characters compared in a report (the key characters of all its units)."""
    got = ctx.cache.get("unit_chars", {}).get(view.id)
    if got is None:
        got = sum(len(u.key) for u in _units(view))
    return got


def _shingles(key: str, k: int) -> set[str]:
    if len(key) < k:
        return {key}
    return {key[i:i + k] for i in range(len(key) - k + 1)}


def _span_of(unit: Unit, k0: int, k1: int) -> tuple[int, int]:
    """Normalised span of key characters ``[k0, k1)`` of a unit."""
    k1 = max(k1, k0 + 1)
    pos = unit.pos
    return pos[k0], pos[min(k1, len(pos)) - 1] + 1


def _best_match(ua: Unit, ub: Unit, ratio_min: float) -> Optional[Match]:
    r = fuzz.ratio(ua.key, ub.key)
    if r >= ratio_min:
        return Match(ua, ub, (ua.ns, ua.ne), (ub.ns, ub.ne), r)
    short, long_ = (ua, ub) if len(ua.key) <= len(ub.key) else (ub, ua)
    if len(short.key) < 12 or len(long_.key) < len(short.key) * 1.3:
        return None
    al = fuzz.partial_ratio_alignment(short.key, long_.key, score_cutoff=88)
    if al is None:
        return None
    lspan = _span_of(long_, al.dest_start, al.dest_end)
    if short is ua:
        return Match(ua, ub, (ua.ns, ua.ne), lspan, al.score)
    return Match(ua, ub, lspan, (ub.ns, ub.ne), al.score)


def alignments(ctx: CheckContext) -> dict[tuple[int, int], list[Match]]:
    """For each pair of reports (earlier, later), the matched stretches.

    Two passes over the reports, each cutting a report into units again
    rather than keeping every report's units: the first counts in how many
    reports each shingle stands; the second goes from the last report to the
    first, looks each unit up in the index of the rare shingles of the
    reports after it, then adds the report's units to that index. Only a unit
    with two rare shingles can ever be a candidate (two shared shingles at
    least), so only those are indexed. Memory: the distinct shingles and the
    indexed units, not all units nor any unit's shingle set.
    """
    if "alignments" in ctx.cache:
        return ctx.cache["alignments"]
    cfg = _cfg()
    k = cfg["shingle"]
    ratio_min = cfg["unit_ratio"]
    max_df = cfg["max_shingle_reports"]
    max_cands = cfg["max_unit_reports"]
    order = {v.id: i for i, v in enumerate(ctx.views)}
    chars: dict[int, int] = {}
    # document frequency of each shingle: one printed in many reports is boilerplate
    # (stock sentences, a template) and is no evidence that two reports share a text
    df: Counter = Counter()
    for v in ctx.views:
        in_report: set[str] = set()
        n = 0
        for u in _units(v):
            in_report |= _shingles(u.key, k)
            n += len(u.key)
        chars[v.id] = n
        df.update(in_report)
    rare: set[str] = {sh for sh, n in df.items() if n <= max_df}
    del df
    ctx.cache["unit_chars"] = chars
    # postings of the rare shingles: numbers (into ``posted``) of the units of
    # the reports after the one being looked up
    index: dict[str, list[int]] = defaultdict(list)
    posted: list[Unit] = []
    found: dict[int, list[tuple[int, Match]]] = {}  # report id -> (report B id, match) in unit order
    for v in reversed(ctx.views):
        mine: list[tuple[int, Match]] = []
        own: list[tuple[Unit, set[str]]] = []
        for ua in _units(v):
            sh = _shingles(ua.key, k)
            keys = sh & rare
            if len(keys) < 2:
                continue  # fewer than two rare shingles: never a candidate, finds none
            own.append((ua, keys))
            hits = Counter(chain.from_iterable(index[s] for s in keys if s in index))
            need = max(2, int(0.2 * len(sh)))
            cands = sorted((posted[g] for g, n in hits.items() if n >= need),
                           key=lambda u: (order[u.view.id], u.idx))  # the same result whatever the hash seed
            if len({u.view.id for u in cands}) > max_cands:
                continue  # a stock sentence found in many reports: not a shared text
            best: dict[int, Match] = {}
            for ub in cands:
                rid = ub.view.id
                m = _best_match(ua, ub, ratio_min)
                if m and (rid not in best or m.score > best[rid].score):
                    best[rid] = m
            mine.extend(best.items())
        found[v.id] = mine
        for u, keys in own:
            g = len(posted)
            posted.append(u)
            for s in keys:
                index[s].append(g)
    del index, posted, rare
    result: dict[tuple[int, int], list[Match]] = defaultdict(list)
    for v in ctx.views:  # pairs in the order of their first match, earlier report first
        for rid, m in found.pop(v.id):
            result[(v.id, rid)].append(m)
    # one stretch of B is matched by one stretch of A only (best score wins)
    for key, ms in result.items():
        ms.sort(key=lambda m: -m.score)
        kept: list[Match] = []
        for m in ms:
            if any(_overlaps(m.b_span, o.b_span) for o in kept):
                continue
            kept.append(m)
        kept.sort(key=lambda m: m.a_span[0])
        result[key] = kept
    ctx.cache["alignments"] = dict(result)
    return ctx.cache["alignments"]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@dataclass(slots=True)
class Change:
    tag: str  # replace, delete (only in A), insert (only in B)
    a_span: tuple[int, int]
    b_span: tuple[int, int]
    a_text: str
    b_text: str


def _is_punct(s: str) -> bool:
    return not any(_KEEP.match(ch) for ch in s)


def changes(m: Match) -> list[Change]:
    """The edits between the two stretches of a match (punctuation-only edits skipped)."""
    a, b = m.a_text, m.b_text
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out = []
    a0, b0 = m.a_span[0], m.b_span[0]
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        if _is_punct(a[i1:i2]) and _is_punct(b[j1:j2]):
            continue
        out.append(Change(tag, (a0 + i1, a0 + i2), (b0 + j1, b0 + j2), a[i1:i2], b[j1:j2]))
    return out


def similarity(a: str, b: str) -> float:
    return Indel.normalized_similarity(a, b)
