"""date_conflict: the same event dated differently.

Events are (a) a project reaching a stage (签约, 开工, 封顶 …) with a date in
the same sentence, keyed by registry project (or core name) and stage, and
(b) named events (``第七期“三个一批”项目建设活动``, ``2023年高质量发展大会``:
``events.names`` in ``patterns/checks.yaml``) with a date in their sentence.
Two dates of one event that cannot both be right are a conflict. When one of
the two was written without a year (``1月28日``), only month and day are
compared, so a wrongly inferred year is not reported as a conflict. Targets
and deadlines (``9月底前开工``) are not events.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator, Optional

import regex

from db.models import Inconsistency

from .context import CheckContext, ReportView, make_item, rules

_YEAR = regex.compile(r"\d{4}\s*年|[今去明前]年|上年|本年")


def _cfg() -> dict:
    return rules()["events"]


@dataclass(slots=True)
class Dated:
    view: ReportView
    key: tuple
    label: str
    start: Optional[_dt.date]
    end: Optional[_dt.date]
    has_year: bool
    date_span: tuple[int, int]  # original span of the date fact
    event_span: tuple[int, int]  # original span of the project / event name


def date_near(view: ReportView, start: int, end: int, window: Optional[int] = None):
    """The date fact of the sentence nearest to ``[start, end)`` (original offsets), or None.

    Deadlines and as-of dates are left out: they are not the date of an event.
    """
    window = _cfg()["date_window"] if window is None else window
    ni = view.norm_index(start)
    ss, se = view.sentence_at(min(ni, max(0, len(view.text) - 1)))
    os_, oe = view.orig_span(ss, se)
    best = None
    best_d = None
    for _, f in view.facts_in("date", os_, oe):
        if f.date_kind in ("deadline", "asof") or f.date_start is None:
            continue
        if f.end <= start:
            d = start - f.end
        elif f.start >= end:
            d = f.start - end
        else:
            continue
        if d > window:
            continue
        if best_d is None or d < best_d:
            best, best_d = f, d
    return best


def has_deadline(view: ReportView, start: int, end: Optional[int] = None) -> bool:
    """Is there a deadline (…前) for the mention at ``[start, end)``: before it in its
    sentence, or after it in the same clause (``机械所二期项目9月底前开工``)?"""
    end = start if end is None else end
    ni = view.norm_index(start)
    ss, se = view.sentence_at(min(ni, max(0, len(view.text) - 1)))
    os_, oe = view.orig_span(ss, se)
    ce = view.norm_index(end)
    while ce < se and view.text[ce] not in ",;:。!?\n":  # a list (、) stays one clause
        ce += 1
    clause_end = view.orig_span(ce, min(ce + 1, len(view.text)))[0] if ce < len(view.text) else oe
    for _, f in view.facts_in("date", os_, oe):
        if f.date_kind != "deadline":
            continue
        if f.end <= start or f.start < clause_end:
            return True
    return False


@functools.lru_cache(maxsize=1)
def _event_res() -> list[regex.Pattern]:
    num = r"(?:\d+|[一二三四五六七八九十百]+)"
    return [regex.compile(p.replace("{N}", num)) for p in _cfg()["names"]]


def _event_key(text: str) -> str:
    return regex.sub(r"[“”\"'\s]", "", text)


def _named_events(view: ReportView) -> list[Dated]:
    out = []
    for rx in _event_res():
        for m in rx.finditer(view.text):
            os_, oe = view.orig_span(m.start(), m.end())
            f = date_near(view, os_, oe)
            if f is None:
                continue
            out.append(Dated(view, ("event", _event_key(m.group())), _event_key(m.group()), f.date_start,
                             f.date_end or f.date_start, bool(_YEAR.search(f.text)), (f.start, f.end), (os_, oe)))
    return out


def _stage_events(ctx: CheckContext, view: ReportView) -> list[Dated]:
    from .duplicates import in_garbled
    from .names import project_keys
    from .phases import is_target

    keys = project_keys(ctx)
    out = []
    for idx, f in view.facts("project"):
        if not f.phase or f.batch_list or in_garbled(view, f.start, f.end):
            continue
        if is_target(view, f.start) or has_deadline(view, f.start, f.end):
            continue
        d = date_near(view, f.start, f.end)
        if d is None or d.granularity not in ("day",):
            continue
        k = keys[(view.id, idx)]
        key = ("project", k[1] if k[0] == "id" else k, f.phase)
        out.append(Dated(view, key, "".join(f.name.split()), d.date_start, d.date_end or d.date_start,
                         bool(_YEAR.search(d.text)), (d.start, d.end), (f.start, f.end)))
    return out


def _agree(a: Dated, b: Dated) -> bool:
    if a.start is None or b.start is None:
        return True
    if not (a.has_year and b.has_year):
        # compare month and day only: a year was inferred
        return (a.start.month, a.start.day) == (b.start.month, b.start.day) or (
            a.end and b.end and a.start <= b.end and b.start <= a.end
        )
    return a.start <= (b.end or b.start) and b.start <= (a.end or a.start)


PHASE_WORDS = {
    "planned": "谋划", "signed": "签约", "land": "摘牌", "started": "开工", "under_construction": "在建",
    "topped_out": "封顶", "completed": "竣工", "in_production": "投产", "at_capacity": "达效",
}


def iter_check(ctx: CheckContext) -> Iterator[Inconsistency]:
    """The items one at a time (an event or a person in many reports carries much evidence)."""
    groups: dict[tuple, list[Dated]] = defaultdict(list)
    for view in ctx.views:
        for d in _named_events(view) + _stage_events(ctx, view):
            groups[d.key].append(d)
    for key, ds in groups.items():
        conflicts = []
        for i in range(len(ds)):
            for j in range(i + 1, len(ds)):
                if not _agree(ds[i], ds[j]):
                    conflicts.append((ds[i], ds[j]))
        if not conflicts:
            continue
        a, b = conflicts[0]
        if key[0] == "project":
            pid = key[1] if isinstance(key[1], int) else None
            name = ctx.projects[pid].name if pid in ctx.projects else a.label
            what = f"项目「{name}」{PHASE_WORDS.get(key[2], key[2])}"
        else:
            pid = None
            what = a.label
        dates = sorted({d.start.isoformat() for d in ds if d.start})
        msg = f"{what}的日期前后不一：" + " / ".join(dates)
        ev = []
        for d in ds:
            s = min(d.date_span[0], d.event_span[0])
            e = max(d.date_span[1], d.event_span[1])
            ev.append(d.view.evidence_orig(s, e, note=f"{d.view.name}：{d.start}"))
        yield make_item("date_conflict", msg, ev, project_id=pid, details={"event": what, "dates": dates})


def check(ctx: CheckContext) -> list[Inconsistency]:
    return list(iter_check(ctx))
