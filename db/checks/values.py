"""value_conflict: the same fact given different values.

Two sources of "the same fact":

1. **Reused passages** (:mod:`.align`): a sentence printed in two reports,
   perhaps edited. Each figure of one version is paired with the figure at the
   same place in the other (through the character diff); a different value or
   qualifier (``290亿元`` / ``突破290亿元``) is a conflict, while the same value
   written differently (``4个`` / ``四个``, ``100%`` / ``百分百``) is not. A word
   swapped inside a term that names a figure (``入税率`` / ``入库率``) is a
   conflict too. A changed figure is an update, not a conflict, when a date in
   the sentence changed as well, or when the reports are far apart and the
   sentence speaks of a time (目前, 截至, 今年 …).
2. **One registry project's investment** in different mentions
   (``总投资180亿元的国电投…项目``): values that cannot both be true after
   rounding and qualifiers (约, 超过 …) conflict. Targets are not compared
   with results.
"""

from __future__ import annotations

import bisect
from decimal import Decimal
from typing import Optional

import regex

from db.models import Inconsistency

from .align import Change, Match, alignments, changes
from .context import CheckContext, ReportView, fmt_decimal, make_item, rules
from .quantities import Quantity, format_value, scan, unit_key
from .versions import _passages, passage_spans

_DATEISH = regex.compile(r"\d+(?:年|月|日|季度)|[一二三四上下]季度|[上下]半年|今年|去年|明年|昨日|今日")


def _cfg() -> dict:
    return rules()["values"]


def _pos_map(changes_ops, a0: int, b0: int):
    """Map an A index to a B index through difflib opcodes (A/B local offsets)."""
    starts = [op[1] for op in changes_ops]

    def f(i: int) -> int:
        k = bisect.bisect_right(starts, i - a0) - 1
        if k < 0:
            return b0
        tag, i1, i2, j1, j2 = changes_ops[k]
        if tag == "equal":
            return b0 + j1 + (i - a0 - i1)
        return b0 + j1

    return f


def _opcodes(a: str, b: str):
    import difflib

    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def _compatible(qa: Quantity, qb: Quantity) -> bool:
    return qa.value == qb.value and qa.qualifier == qb.qualifier and qa.value_max == qb.value_max


def _sentence_has_time(view: ReportView, ni: int) -> bool:
    s, e = view.sentence_at(ni)
    t = view.text[s:e]
    return any(w in t for w in _cfg()["time_words"]) or bool(_DATEISH.search(t))


def _date_changed(ops, a_text: str, b_text: str, a_local: tuple[int, int]) -> bool:
    """Did an edit touching the same sentence change a date-like word?"""
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        if _DATEISH.search(a_text[max(0, i1 - 3):i2 + 3]) or _DATEISH.search(b_text[max(0, j1 - 3):j2 + 3]):
            if i1 <= a_local[1] and i2 >= a_local[0] - 40:
                return True
    return False


def _term(text: str, s: int, e: int) -> tuple[int, int]:
    delims = set(_cfg()["term_delimiters"])
    tmax = _cfg()["term_max"]
    i = s
    while i > 0 and text[i - 1] not in delims and s - i < tmax:
        i -= 1
    j = e
    while j < len(text) and text[j] not in delims and j - e < tmax:
        j += 1
    return i, j


def _is_metric_term(term: str) -> bool:
    return any(term.endswith(sfx) for sfx in _cfg()["metric_suffixes"])


def _region_conflicts(a: ReportView, b: ReportView, a_span, b_span) -> list[Inconsistency]:
    out = []
    a_text = a.text[a_span[0]:a_span[1]]
    b_text = b.text[b_span[0]:b_span[1]]
    ops = _opcodes(a_text, b_text)
    if all(op[0] == "equal" for op in ops):
        return out
    fmap = _pos_map(ops, a_span[0], b_span[0])
    qa_all = [q for q in scan(a) if a_span[0] <= q.ns and q.ne <= a_span[1]]
    qb_all = [q for q in scan(b) if b_span[0] <= q.ns and q.ne <= b_span[1]]
    far_apart = (
        a.date is not None and b.date is not None and abs((b.date - a.date).days) > _cfg()["update_days"]
    )
    for qa in qa_all:
        local = (qa.ns - a_span[0], qa.ne - a_span[0])
        mb0, mb1 = fmap(qa.num_s), fmap(max(qa.num_e - 1, qa.num_s)) + 1
        cands = [
            q for q in qb_all
            if unit_key(q) == unit_key(qa) and q.ns <= mb1 + 2 and q.ne >= mb0 - 2
        ]
        if len(cands) != 1:
            continue
        qb = cands[0]
        if _compatible(qa, qb):
            continue
        if _date_changed(ops, a_text, b_text, local):
            continue
        if far_apart and (_sentence_has_time(a, qa.ns) or _sentence_has_time(b, qb.ns)):
            continue
        out.append(_figure_item(a, qa, b, qb))
    # a word swapped inside a term that names a figure
    for tag, i1, i2, j1, j2 in ops:
        if tag != "replace" or i2 - i1 > 3 or j2 - j1 > 3:
            continue
        ta = _term(a_text, i1, i2)
        tb = _term(b_text, j1, j2)
        term_a, term_b = a_text[ta[0]:ta[1]], b_text[tb[0]:tb[1]]
        if term_a == term_b or not (_is_metric_term(term_a) and _is_metric_term(term_b)):
            continue
        if regex.search(r"\d", term_a + term_b):
            continue  # figures are compared above
        out.append(_term_item(a, (a_span[0] + ta[0], a_span[0] + ta[1]), term_a,
                              b, (b_span[0] + tb[0], b_span[0] + tb[1]), term_b))
    return out


def _qual(q: Quantity) -> str:
    return {"approx": "约", "over": "超过", "under": "不足"}.get(q.qualifier, "")


def _figure_item(a: ReportView, qa: Quantity, b: ReportView, qb: Quantity) -> Inconsistency:
    label = qa.label or qb.label
    if qa.value == qb.value:
        what = f"限定词不同：{a.name} 写作「{qa.text}」（{_qual(qa) or '确数'}），{b.name} 写作「{qb.text}」（{_qual(qb) or '确数'}）"
    else:
        what = f"{a.name} 为 {_qual(qa)}{format_value(qa)}，{b.name} 为 {_qual(qb)}{format_value(qb)}"
    msg = f"同一句话在两篇报道中数值不一（{label}）：{what}"
    ev = [a.evidence(qa.ns, qa.ne, note=a.name), b.evidence(qb.ns, qb.ne, note=b.name)]
    return make_item("value_conflict", msg, ev, details={
        "source": "reused_sentence", "label": label,
        "values": [str(qa.value), str(qb.value)], "qualifiers": [qa.qualifier, qb.qualifier],
    })


def _term_item(a: ReportView, sa, term_a: str, b: ReportView, sb, term_b: str) -> Inconsistency:
    msg = f"同一段文字在两篇报道中指标名称不一：{a.name} 为「{term_a}」，{b.name} 为「{term_b}」，其中一处可能有误"
    ev = [a.evidence(*_widen(a, sa), note=a.name), b.evidence(*_widen(b, sb), note=b.name)]
    return make_item("value_conflict", msg, ev, details={"source": "reused_term", "terms": [term_a, term_b]})


def _widen(view: ReportView, span, n: int = 4) -> tuple[int, int]:
    s, e = span
    return max(0, s - n), min(len(view.text), e + n)


def _aligned_conflicts(ctx: CheckContext) -> list[Inconsistency]:
    out = []
    views = {v.id: v for v in ctx.views}
    ratio = _cfg()["same_sentence_ratio"]
    from .versions import pair_versions

    versions = {(vp.a.id, vp.b.id) for vp in pair_versions(ctx) if vp.is_version}
    for (ida, idb), ms in alignments(ctx).items():
        a, b = views[ida], views[idb]
        for p in _passages(ms):
            if len(p.matches) == 1 and p.matches[0].score < ratio:
                continue
            if (ida, idb) not in versions and sum(len(m.a.key) for m in p.matches) < _cfg()["min_reused_chars"]:
                continue  # a short stock sentence in two unrelated reports (…同比增长X%)
            sa, sb = passage_spans(p)
            out.extend(_region_conflicts(a, b, sa, sb))
    return out


# -- one project's investment --------------------------------------------------

def _investment_words() -> list[str]:
    return sorted(_cfg()["investment_words"], key=len, reverse=True)


def _investment_amount(view: ReportView, fact) -> Optional[tuple[int, int, int, str, bool]]:
    """(orig start, orig end, yuan, qualifier, target) of the amount stated for a project mention."""
    ss = fact.sentence_start if fact.sentence_start is not None else max(0, fact.start - 40)
    se = fact.sentence_end if fact.sentence_end is not None else fact.end + 40
    best = None
    for _, am in view.facts_in("amount", ss, se):
        if am.role not in _cfg()["investment_roles"] or am.value_yuan is None:
            continue
        # 总投资180亿元的X项目 (before, joined by 的) or X项目，总投资180亿元 (right after)
        if am.end <= fact.start:
            between = view.original[am.end:fact.start]
            if len(between) <= 2 and between.strip() in ("的", ""):
                best = am
        elif am.start >= fact.end:
            between = view.original[fact.end:am.start]
            if len(between) <= 8 and any(w in between for w in _investment_words()) and not regex.search(r"[。;；]", between):
                best = best or am
    if best is None:
        return None
    return best.start, best.end, best.value_yuan, best.qualifier, best.target


def _project_key(ctx: CheckContext, view: ReportView, idx: int, fact) -> Optional[tuple]:
    from .names import project_keys

    return project_keys(ctx).get((view.id, idx))


def _interval(value: int, qualifier: str, text: str) -> tuple[Decimal, Decimal]:
    from .quantities import _half_ulp

    m = regex.search(r"\d[\d,]*(?:\.\d+)?[万亿]*", text)
    tol = Decimal(0)
    if m:
        unit_factor = Decimal(1)
        tol = _half_ulp(m.group(), unit_factor)
        # _half_ulp already multiplies by 万/亿 in the written number
    v = Decimal(value)
    rel = Decimal(str(rules()["sums"]["approx_relative"]))
    if qualifier == "approx":
        return v * (1 - rel) - tol, v * (1 + rel) + tol
    if qualifier == "over":
        return v - tol, Decimal("Infinity")
    if qualifier == "under":
        return Decimal(0), v + tol
    return v - tol, v + tol


def _investment_conflicts(ctx: CheckContext) -> list[Inconsistency]:
    groups: dict[tuple, list] = {}
    for view in ctx.views:
        for idx, fact in view.facts("project"):
            amt = _investment_amount(view, fact)
            if amt is not None:
                s, e, yuan, qual, target = amt
                text = view.original[s:e]
            elif fact.investment_yuan is not None:
                s, e, yuan, qual, target, text = fact.start, fact.end, fact.investment_yuan, "exact", False, ""
            else:
                continue
            key = _project_key(ctx, view, idx, fact)
            if key is None:
                continue
            groups.setdefault(key, []).append((view, fact, s, e, yuan, qual, target, text))
    out = []
    for key, items in groups.items():
        for target in (False, True):
            its = [i for i in items if i[6] == target]
            if len(its) < 2:
                continue
            base = its[0]
            lo0, hi0 = _interval(base[4], base[5], base[7])
            for other in its[1:]:
                lo1, hi1 = _interval(other[4], other[5], other[7])
                if lo1 <= hi0 and lo0 <= hi1:
                    continue
                v0, f0 = base[0], base[1]
                v1, f1 = other[0], other[1]
                name = ctx.projects[key[1]].name if key[0] == "id" and key[1] in ctx.projects else f0.name
                msg = (
                    f"项目「{name}」的总投资前后不一：{v0.name} 为 {v0.original[base[2]:base[3]] or fmt_decimal(Decimal(base[4]))}，"
                    f"{v1.name} 为 {v1.original[other[2]:other[3]] or fmt_decimal(Decimal(other[4]))}"
                )
                ev = [
                    v0.evidence_orig(min(base[2], f0.start), max(base[3], f0.end), note=v0.name),
                    v1.evidence_orig(min(other[2], f1.start), max(other[3], f1.end), note=v1.name),
                ]
                out.append(make_item("value_conflict", msg, ev, project_id=key[1] if key[0] == "id" else None,
                                     details={"source": "project_investment", "values": [base[4], other[4]]}))
                break
    return out


def check(ctx: CheckContext) -> list[Inconsistency]:
    return _aligned_conflicts(ctx) + _investment_conflicts(ctx)
