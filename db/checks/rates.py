"""rate_mismatch: a stated rate against its own numerator and denominator.

``收集各类企业问题616个，推动问题解决608个，问题解决率98.7%``: the rate's
word (问题解决率) names what is counted on top (解决 → 608个) and the count
it is taken of is an earlier figure of the same measure word that does not
carry that word (616个). 608 / 616 = 98.70 %, within the rounding of the
stated 98.7 %: consistent. The cue words of each rate live in
``patterns/checks.yaml`` (``rates.metrics``); any other ``…率`` uses the two
characters before 率 as its numerator cue.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from db.models import Inconsistency

from .context import CheckContext, ReportView, fmt_decimal, make_item, rules
from .quantities import Quantity, nouns_compatible, scan, unit_key


@dataclass
class RateCheck:
    view: ReportView
    rate: Quantity
    metric: str
    numerator: Quantity
    denominator: Quantity
    computed: Decimal
    consistent: bool


def _cfg() -> dict:
    return rules()["rates"]


def _metric(q: Quantity) -> Optional[str]:
    """The rate word right before a percentage (问题解决率, 达效率), if any."""
    label = q.label
    words = [m["metric"] for m in _cfg()["metrics"]] + list(_cfg()["other_metric_words"])
    for w in sorted(words, key=len, reverse=True):
        if label.endswith(w):
            return w
    if label.endswith("率") and len(label) >= 3:
        # the shortest tail that is a word: two characters before 率
        return label[-3:]
    return None


def _cues(metric: str) -> tuple[list[str], list[str]]:
    for m in _cfg()["metrics"]:
        if m["metric"] == metric:
            num = list(m.get("numerator") or [])
            den = list(m.get("denominator") or [])
            if num:
                return num, den
    stem = metric[:-1] if metric.endswith("率") else metric
    return ([stem[-2:]] if len(stem) >= 2 else []), []


def _has_subject(words: str) -> bool:
    """Does the text before a rate word name what the rate is of (企业, 项目 …)?"""
    return any(w in words for w in _cfg()["subject_words"])


def _clause_text(view: ReportView, q: Quantity) -> str:
    s = view.clause_start(q.ns)
    return view.text[s:q.ns] + view.text[q.ne:view.clause_end(q.ne)]


def find_rates(view: ReportView) -> list[RateCheck]:
    if "rates" in view.cache:
        return view.cache["rates"]
    cfg = _cfg()
    qs = [q for q in scan(view) if not q.is_range]
    found = []
    for rate in [q for q in qs if q.cls == "percent" and q.arabic]:
        metric = _metric(rate)
        if not metric or any(metric.endswith(s) or metric == s for s in cfg["skip_metrics"]):
            continue
        num_cues, den_cues = _cues(metric)
        if not num_cues:
            continue
        si = view.sentence_index(rate.ns)
        pi = view.paragraph_index(rate.ns)
        # a rate with its own subject (规上工业企业开工率) speaks of its own sentence
        # only; a bare rate word (达效率, 问题解决率) may refer to figures just before
        subject = rate.label[: -len(metric)] if rate.label.endswith(metric) else rate.label
        back = 0 if _has_subject(subject) else cfg["sentences_back"]
        first = max(0, si - back)
        window_start = view.sentences[first][0] if view.sentences else 0
        ps, _ = view.paragraphs[pi] if view.paragraphs else (0, 0)
        window_start = max(window_start, ps)
        before = [q for q in qs if window_start <= q.ns < rate.ns and q.cls != "percent" and q.arabic]
        numerator = None
        for q in reversed(before):
            clause = _clause_text(view, q)
            if any(c in clause for c in num_cues):
                numerator = q
                break
        if numerator is None:
            continue
        num_clause = _clause_text(view, numerator)
        best, best_score = None, 0
        for q in reversed([q for q in before if q.ns < numerator.ns]):
            if unit_key(q) != unit_key(numerator) or not nouns_compatible(q, numerator):
                continue
            if q.value < numerator.value or q.value == 0:
                continue
            clause = _clause_text(view, q)
            has_den = any(c in clause for c in den_cues)
            if any(c in clause for c in num_cues) and not has_den:
                continue
            # the count the rate is taken of: named again in the numerator's clause
            # (新开工项目62个 … 新开工项目已开工41个), or carrying a denominator word
            score = (2 if q.label and len(q.label) >= 2 and q.label[-4:] in num_clause else 0) + (1 if has_den else 0)
            if score > best_score:
                best, best_score = q, score
        denominator = best
        if denominator is None:
            continue
        computed = numerator.value / denominator.value * 100
        tol = rate.ulp + Decimal(str(cfg["epsilon"]))
        if numerator.qualifier != "exact" or denominator.qualifier != "exact":
            continue  # 320余项: no exact share to compute
        if rate.qualifier == "approx":
            tol += Decimal(str(cfg["approx_points"]))
        if rate.qualifier == "over":
            ok = computed >= rate.value - tol
        elif rate.qualifier == "under":
            ok = computed <= rate.value + tol
        else:
            ok = abs(computed - rate.value) <= tol
        found.append(RateCheck(view, rate, metric, numerator, denominator, computed, ok))
    view.cache["rates"] = found
    return found


def check_view(view: ReportView) -> list[Inconsistency]:
    """The rate items of one report."""
    out = []
    for rc in find_rates(view):
        if rc.consistent:
            continue
        comp = rc.computed.quantize(Decimal("0.01"))
        msg = (
            f"{fmt_decimal(rc.numerator.value)} / {fmt_decimal(rc.denominator.value)} = {fmt_decimal(comp)}%，"
            f"与所述{rc.metric} {rc.rate.text} 不符"
        )
        ev = [
            view.evidence(rc.rate.ns, rc.rate.ne, note="比率"),
            view.evidence(rc.numerator.ns, rc.numerator.ne, note="分子"),
            view.evidence(rc.denominator.ns, rc.denominator.ne, note="分母"),
        ]
        out.append(
            make_item(
                "rate_mismatch",
                msg,
                ev,
                details={
                    "metric": rc.metric,
                    "stated": str(rc.rate.value),
                    "computed": str(comp),
                    "numerator": str(rc.numerator.value),
                    "denominator": str(rc.denominator.value),
                },
            )
        )
    return out


def check(ctx: CheckContext) -> list[Inconsistency]:
    return [it for view in ctx.views for it in check_view(view)]
