"""sum_mismatch: stated parts that do not add up to the stated total.

Two shapes of "total, then parts" are read from the text:

1. a part cue (其中, 分别为 …) after a total, in the same sentence or starting
   the next one, followed by a run of clauses that each hold a figure::

       项目总数为347个 … 其中，新开工项目173个，…；续建项目156个，…；在谈签约项目54个

2. a total with a total word (现有, 共有 …) followed by parallel paragraphs
   that each open with their own count of the same thing::

       现有七期“三个一批”项目37个，总投资约465亿元。
       “签约一批”项目6个 …，总投资166亿元 …
       “开工一批”项目24个 …，总投资228.35亿元 …

Parts are grouped by what they measure (counts by measure word and noun,
money by currency); a total is chosen among the figures of the same kind by
the label it shares with the parts (``计划投资额`` for ``年度计划投资``). Money
figures may each be rounded to their last written digit; qualified figures
(约, 以上 …) give ranges. A sum above the total is always a mismatch; a sum
below it only when the list is said to be complete (分别为) or every part is a
category of a complete split (新开工 / 续建 / 在谈签约).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

import regex

from db.models import Inconsistency

from .context import CheckContext, ReportView, make_item, rules
from .quantities import Quantity, common_run, format_value, nouns_compatible, scan, unit_key

INF = Decimal("Infinity")


@dataclass
class SumCheck:
    """One total with its parts, as read from the text."""

    view: ReportView
    total: Quantity
    parts: list[Quantity]
    shape: str  # "cue" or "parallel"
    exhaustive: bool
    consistent: bool = True
    direction: str = ""  # "over" (sum above total) or "under"
    sum_value: Decimal = Decimal(0)
    difference: Decimal = Decimal(0)
    candidates: list[Quantity] = field(default_factory=list)


def _cfg() -> dict:
    return rules()["sums"]


def _bounds(q: Quantity, rounding: bool) -> tuple[Decimal, Decimal]:
    rel = Decimal(str(_cfg()["approx_relative"]))
    v = q.value
    tol = q.ulp if rounding else Decimal(0)
    if q.qualifier == "approx":
        return v * (1 - rel) - tol, v * (1 + rel) + tol
    if q.qualifier == "over":
        return v - tol, INF
    if q.qualifier == "under":
        return Decimal(0), v + tol
    return v - tol, v + tol


def _rounding(q: Quantity) -> bool:
    return q.cls != "count" and bool(_cfg().get("money_rounding", True))


def _partition_label(label: str) -> bool:
    return any(w in label for w in _cfg()["partition_labels"])


def judge(total: Quantity, parts: list[Quantity]) -> tuple[bool, str, Decimal, Decimal]:
    """(consistent, direction, sum, difference) of a total and its parts."""
    rounding = _rounding(total)
    lo = hi = Decimal(0)
    s = Decimal(0)
    for p in parts:
        a, b = _bounds(p, rounding)
        lo += a
        hi += b
        s += p.value
    t_lo, t_hi = _bounds(total, rounding)
    if lo > t_hi:
        return False, "over", s, s - total.value
    if hi < t_lo:
        return False, "under", s, total.value - s
    return True, "", s, s - total.value


def _label_score(total: Quantity, parts: list[Quantity]) -> int:
    return max((common_run(total.label, p.label) for p in parts), default=0)


def _choose(totals: list[Quantity], parts: list[Quantity], cue_at: int) -> tuple[Optional[Quantity], list[Quantity]]:
    """The total the parts belong to, or None when that is unclear."""
    k = unit_key(parts[0])
    cands = [t for t in totals if unit_key(t) == k and all(nouns_compatible(t, p) for p in parts)]
    if not cands:
        return None, []
    for t in cands:
        if judge(t, parts)[0]:
            return t, cands
    scored = sorted(cands, key=lambda t: (_label_score(t, parts), t.ns), reverse=True)
    best = scored[0]
    if len(cands) > 1:
        if _label_score(best, parts) < 2:
            return None, cands
        if len(scored) > 1 and _label_score(scored[1], parts) == _label_score(best, parts):
            return None, cands
    elif best.label and any(p.label for p in parts) and _label_score(best, parts) == 0 and best.cls != "count":
        return None, cands
    return best, cands


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    s = start
    for m in regex.finditer(r"[,;:、]", text[start:end]):
        e = start + m.start()
        out.append((s, e))
        s = start + m.end()
    out.append((s, end))
    return out


def _cue_groups(view: ReportView, qs: list[Quantity]):
    cfg = _cfg()
    cues = sorted(cfg["part_cues"], key=len, reverse=True)
    cue_re = regex.compile("|".join(regex.escape(c) for c in cues))
    for si, (s, e) in enumerate(view.sentences):
        hits = []
        for m in cue_re.finditer(view.text, s, e):
            cs = view.clause_start(m.start(), s)
            if m.start() - cs <= cfg["cue_lead_max"]:
                hits.append(m)
            elif any(cs <= q.ns and 0 <= m.start() - q.ne <= cfg["total_before_cue"] for q in qs):
                hits.append(m)  # 开工的36个项目分别为…: the total right before the cue
        for hi_, m in enumerate(hits):
            region_end = hits[hi_ + 1].start() if hi_ + 1 < len(hits) else e
            parts: list[Quantity] = []
            started = False
            for c0, c1 in _clauses(view.text, m.end(), region_end):
                inside = [q for q in qs if q.ns >= c0 and q.ne <= c1 + 1]
                if not inside:
                    if not started and not view.text[c0:c1].strip():
                        continue
                    break
                if not started and inside[0].ns - m.end() > cfg["first_part_within"]:
                    break
                started = True
                parts.extend(inside)
            if not parts:
                continue
            # the total stands before the cue in the same ;-segment (or, when the
            # cue opens its sentence, in the sentence before)
            seg = max(s, view.text.rfind(";", s, m.start()) + 1)
            totals = [q for q in qs if q.ns >= seg and q.ne <= m.start()]
            if not totals and si > 0 and seg == s:
                ps, pe = view.sentences[si - 1]
                totals = [q for q in qs if q.ns >= ps and q.ne <= pe]
            exhaustive = m.group() in cfg["exhaustive_cues"]
            yield totals, parts, exhaustive, m.start()


def _parallel_groups(view: ReportView, qs: list[Quantity]):
    cfg = _cfg()
    total_cues = cfg["total_cues"]
    paras = view.paragraphs
    for pi, (ps, pe) in enumerate(paras):
        for t in [q for q in qs if ps <= q.ns < pe and q.cls == "count"]:
            clause = view.text[view.clause_start(t.ns, ps):t.ns]
            if not any(c in clause for c in total_cues):
                continue
            heads: list[tuple[Quantity, tuple[int, int]]] = []
            for ps2, pe2 in paras[pi + 1:]:
                head = next((q for q in qs if ps2 <= q.ns < pe2), None)
                if (
                    head is None
                    or head.ns - ps2 > cfg["parallel_head_within"]
                    or regex.search(r"\d|截至|截止", view.text[ps2:head.ns])  # a dated paragraph, not a list entry
                    or unit_key(head) != unit_key(t)
                    or not nouns_compatible(head, t)
                    or any(h.label == head.label for h, _ in heads)
                ):
                    break
                heads.append((head, (ps2, pe2)))
            if len(heads) < 2:
                continue
            # a longer run of paragraphs may go on past the list: the shortest run
            # of at least two that adds up is the list
            for n in range(2, len(heads) + 1):
                if judge(t, [h for h, _ in heads[:n]])[0]:
                    heads = heads[:n]
                    break
            yield [t], [h for h, _ in heads], False, t.ns
            # money: the total's amounts against each paragraph's best-matching amount
            ts, te = view.sentence_at(t.ns)
            for tm in [q for q in qs if ts <= q.ns < te and q.cls == "money"]:
                mparts = []
                for _, (ps2, pe2) in heads:
                    cands = [q for q in qs if ps2 <= q.ns < pe2 and unit_key(q) == unit_key(tm)]
                    cands = [q for q in cands if common_run(q.label, tm.label) >= 2]
                    if not cands:
                        break
                    mparts.append(max(cands, key=lambda q: (common_run(q.label, tm.label), -q.ns)))
                if len(mparts) == len(heads):
                    yield [tm], mparts, False, tm.ns


def find_sums(view: ReportView) -> list[SumCheck]:
    """Every total-and-parts structure of one report, judged."""
    if "sums" in view.cache:
        return view.cache["sums"]
    # percentages do not add up; a figure qualifying a noun (总投资超1亿美元的…项目) is
    # an attribute, not a part
    qs = [q for q in scan(view) if q.arabic and not q.is_range and q.cls != "percent"
          and not view.text.startswith("的", q.ne)]
    found: list[SumCheck] = []
    seen = set()
    groups = [(g, "cue") for g in _cue_groups(view, qs)] + [(g, "parallel") for g in _parallel_groups(view, qs)]
    for (totals, parts, exhaustive, at), shape in groups:
        by_key: dict[tuple, list[Quantity]] = {}
        for p in parts:
            by_key.setdefault(unit_key(p), []).append(p)
        for key, ps in by_key.items():
            if len(ps) < 2:
                continue
            if not all(nouns_compatible(a, b) for a in ps for b in ps):
                continue
            total, cands = _choose(totals, ps, at)
            if total is None:
                continue
            sig = (total.ns, tuple(p.ns for p in ps))
            if sig in seen:
                continue
            seen.add(sig)
            ok, direction, s, diff = judge(total, ps)
            if not ok and direction == "under":
                complete = exhaustive or all(_partition_label(p.label) for p in ps)
                if not complete:
                    ok = True  # 其中 may list some categories only
            found.append(SumCheck(view, total, ps, shape, exhaustive, ok, direction, s, diff, cands))
    view.cache["sums"] = found
    return found


def _message(sc: SumCheck) -> str:
    t = sc.total
    terms = " + ".join(format_value(p) for p in sc.parts)
    total_txt = format_value(t)
    q = {"approx": "约", "over": "超过", "under": "不足"}.get(t.qualifier, "")
    more = "多" if sc.direction == "over" else "少"
    return (
        f"{terms} = {format_value(t, sc.sum_value)}，与所述总数 {q}{total_txt} 不符"
        f"（分项之和{more} {format_value(t, abs(sc.difference))}）"
    )


def check_view(view: ReportView) -> list[Inconsistency]:
    """The sum items of one report."""
    out = []
    for sc in find_sums(view):
        if sc.consistent:
            continue
        ev = [view.evidence(sc.total.ns, sc.total.ne, note="总数")]
        ev += [view.evidence(p.ns, p.ne, note="分项") for p in sc.parts]
        out.append(
            make_item(
                "sum_mismatch",
                _message(sc),
                ev,
                details={
                    "total": str(sc.total.value),
                    "total_text": sc.total.text,
                    "parts": [str(p.value) for p in sc.parts],
                    "sum": str(sc.sum_value),
                    "difference": str(sc.difference),
                    "direction": sc.direction,
                    "unit": sc.total.unit,
                    "class": sc.total.cls,
                    "shape": sc.shape,
                },
            )
        )
    return out


def check(ctx: CheckContext) -> list[Inconsistency]:
    return [it for view in ctx.views for it in check_view(view)]
