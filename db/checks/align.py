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
from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

import regex
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .context import CheckContext, ReportView, rules

_UNIT_END = regex.compile(r"[。！？!?;；]+[”’」』\"')）]*|\n+")
_KEEP = regex.compile(r"[\p{Han}A-Za-z0-9%.]")


@dataclass
class Unit:
    view: ReportView
    idx: int
    ns: int
    ne: int
    key: str  # letters only (no punctuation): what is compared
    pos: list[int]  # normalised index of each key character

    @property
    def text(self) -> str:
        return self.view.text[self.ns:self.ne]


@dataclass
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
    for ns, ne in spans:
        pos = [i for i in range(ns, ne) if _KEEP.match(text[i])]
        key = "".join(text[i] for i in pos)
        if len(key) >= _cfg()["min_unit"]:
            out.append(Unit(view, len(out), ns, ne, key, pos))
    view.cache["units"] = out
    return out


def _shingles(key: str, k: int) -> set[str]:
    if len(key) < k:
        return {key}
    return {key[i:i + k] for i in range(len(key) - k + 1)}


def _span_of(unit: Unit, k0: int, k1: int) -> tuple[int, int]:
    """Normalised span of key characters ``[k0, k1)`` of a unit."""
    k1 = max(k1, k0 + 1)
    return unit.pos[k0], unit.pos[min(k1, len(unit.pos)) - 1] + 1


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
    """For each pair of reports (earlier, later), the matched stretches."""
    if "alignments" in ctx.cache:
        return ctx.cache["alignments"]
    cfg = _cfg()
    k = cfg["shingle"]
    ratio_min = cfg["unit_ratio"]
    max_df = cfg["max_shingle_reports"]
    max_cands = cfg["max_unit_reports"]
    order = {v.id: i for i, v in enumerate(ctx.views)}
    all_units = {v.id: units(v) for v in ctx.views}
    unit_shingles = {(v.id, u.idx): _shingles(u.key, k) for v in ctx.views for u in all_units[v.id]}
    # document frequency of each shingle: one printed in many reports is boilerplate
    # (stock sentences, a template) and is no evidence that two reports share a text
    df: dict[str, int] = defaultdict(int)
    for v in ctx.views:
        in_report: set[str] = set()
        for u in all_units[v.id]:
            in_report |= unit_shingles[(v.id, u.idx)]
        for sh in in_report:
            df[sh] += 1
    index: dict[str, list[Unit]] = defaultdict(list)
    for v in ctx.views:
        for u in all_units[v.id]:
            for sh in unit_shingles[(v.id, u.idx)]:
                if df[sh] <= max_df:
                    index[sh].append(u)
    result: dict[tuple[int, int], list[Match]] = defaultdict(list)
    for v in ctx.views:
        for ua in all_units[v.id]:
            sh = unit_shingles[(v.id, ua.idx)]
            hits: dict[tuple[int, int], int] = defaultdict(int)
            for s in sh:
                for ub in index.get(s, ()):
                    if order[ub.view.id] > order[v.id]:
                        hits[(ub.view.id, ub.idx)] += 1
            need = max(2, int(0.2 * len(sh)))
            cands = sorted(((rid, idx) for (rid, idx), n in hits.items() if n >= need),
                           key=lambda c: (order[c[0]], c[1]))  # the same result whatever the hash seed
            if len({rid for rid, _ in cands}) > max_cands:
                continue  # a stock sentence found in many reports: not a shared text
            best: dict[int, Match] = {}
            for rid, idx in cands:
                ub = all_units[rid][idx]
                m = _best_match(ua, ub, ratio_min)
                if m and (rid not in best or m.score > best[rid].score):
                    best[rid] = m
            for rid, m in best.items():
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


@dataclass
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
