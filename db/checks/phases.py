"""phase_conflict: reports disagree on a project's stage.

For every registry project (or, without a registry, every core name) each
report's stage statements are collected: the stage of each ``project``
mention, dated by a date in its sentence or else by the report's reference
date. Plans and targets (力争, 确保, 计划 …, or a deadline such as 9月底前)
are not statements of the stage reached. A round list (``第五期开工项目``)
says a stage was reached at some time before the report; it counts for what
an earlier report established, but a later report's round list does not
claim the project's current stage.

Two disagreements are reported:

* going backwards: a clearly later report (``phases.regression_days``) whose
  most advanced stage is earlier than what an earlier report already said
  (开工 in 2023 after 投产 in 2022);
* same time, different stages: two reports of the same days
  (``phases.same_time_days``) stating different stages, where neither report
  mentions the other's stage at all.

Normal progress (签约, then 开工) is not a conflict.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

from db.models import Inconsistency
from extract.models import PHASE_ORDER

from .context import CheckContext, ReportView, make_item, rules
from .dates import PHASE_WORDS, date_near, has_deadline


def _cfg() -> dict:
    return rules()["phases"]


def is_target(view: ReportView, start: int) -> bool:
    """Is a mention at original offset ``start`` part of a plan or target?"""
    cues = _cfg()["target_cues"]
    ni = view.norm_index(start)
    ss, _ = view.sentence_at(min(ni, max(0, len(view.text) - 1)))
    before = view.text[ss:ni]
    return any(c in before for c in cues)


@dataclass(slots=True)
class Statement:
    view: ReportView
    idx: int
    fact: object
    phase: str
    when: _dt.date
    explicit: bool
    round_list: bool


def _statements(ctx: CheckContext) -> dict[tuple, list[Statement]]:
    from .duplicates import in_garbled
    from .names import project_keys

    keys = project_keys(ctx)
    out: dict[tuple, list[Statement]] = defaultdict(list)
    targets: dict[tuple, dict[int, int]] = defaultdict(dict)  # key -> report -> lowest target stage
    for view in ctx.views:
        for idx, f in view.facts("project"):
            if not f.phase or in_garbled(view, f.start, f.end):
                continue
            key = keys[(view.id, idx)]
            if is_target(view, f.start) or has_deadline(view, f.start, f.end):
                t = targets[key]
                t[view.id] = min(t.get(view.id, 99), PHASE_ORDER[f.phase])
                continue
            d = date_near(view, f.start, f.end)
            if d is not None and d.date_start is not None:
                when, explicit = d.date_end or d.date_start, True
            elif view.date is not None:
                when, explicit = view.date, False
            else:
                continue
            out[key].append(Statement(view, idx, f, f.phase, when, explicit, bool(f.batch_list or f.batch)))
    # a report that sets a stage as a target has not reached it: its loose
    # statements of that stage or a later one (推进…建设 next to 9月底前开工) do not count
    for key, sts in out.items():
        t = targets.get(key, {})
        out[key] = [s for s in sts if PHASE_ORDER[s.phase] < t.get(s.view.id, 99)]
    return out


def _backwards(earlier: str, later: str) -> bool:
    """Is ``later`` an earlier stage than ``earlier``? Building goes on after a
    start or topping-out, so 在建 after 开工/封顶 is not going backwards."""
    if PHASE_ORDER[later] >= PHASE_ORDER[earlier]:
        return False
    ongoing = _cfg()["ongoing_stages"]
    return not (later in ongoing and earlier in ongoing)


def _top(sts: list[Statement], allow_round: bool) -> Optional[Statement]:
    cands = [s for s in sts if allow_round or not s.round_list]
    if not cands:
        return None
    return max(cands, key=lambda s: (PHASE_ORDER[s.phase], s.when))


def check(ctx: CheckContext) -> list[Inconsistency]:
    cfg = _cfg()
    out = []
    for key, sts in _statements(ctx).items():
        if not sts:
            continue
        by_report: dict[int, list[Statement]] = defaultdict(list)
        for s in sts:
            by_report[s.view.id].append(s)
        reports = sorted(by_report, key=lambda rid: (by_report[rid][0].view.date or _dt.date.min, rid))
        found = None
        for i, ra in enumerate(reports):
            for rb in reports[i + 1:]:
                early, late = by_report[ra], by_report[rb]
                ta = _top(early, allow_round=True)
                tb = _top(late, allow_round=False)
                if ta is None or tb is None:
                    continue
                gap = (tb.when - ta.when).days
                need = 0 if (ta.explicit and tb.explicit) else cfg["regression_days"]
                if _backwards(ta.phase, tb.phase) and gap > need:
                    found = ("backwards", ta, tb)
                    break
                va, vb = early[0].view.date, late[0].view.date
                if va and vb and abs((vb - va).days) <= cfg["same_time_days"]:
                    pa = {s.phase for s in early if not s.round_list}
                    pb = {s.phase for s in late if not s.round_list}
                    alla = {s.phase for s in early}
                    allb = {s.phase for s in late}
                    if pa and pb and not (pa & allb) and not (pb & alla):
                        same_day = ta.explicit == tb.explicit and (not ta.explicit or ta.when == tb.when)
                        if same_day:
                            found = ("same_time", _top(early, False), tb)
                            break
            if found:
                break
        if not found:
            continue
        how, a, b = found
        pid = key[1] if key[0] == "id" else None
        name = ctx.projects[pid].name if pid in ctx.projects else "".join(a.fact.name.split())
        wa, wb = PHASE_WORDS.get(a.phase, a.phase), PHASE_WORDS.get(b.phase, b.phase)
        if how == "backwards":
            msg = (f"项目「{name}」的阶段前后矛盾：{a.view.name}（{a.when}）已是「{wa}」，"
                   f"较晚的 {b.view.name}（{b.when}）却是「{wb}」")
        else:
            msg = (f"项目「{name}」在同一时间的两篇报道中阶段不同：{a.view.name} 为「{wa}」，"
                   f"{b.view.name} 为「{wb}」")
        ev = [
            a.view.evidence_orig(a.fact.start, a.fact.end, note=f"{a.view.name}（{a.when}）：{wa}"),
            b.view.evidence_orig(b.fact.start, b.fact.end, note=f"{b.view.name}（{b.when}）：{wb}"),
        ]
        out.append(make_item("phase_conflict", msg, ev, project_id=pid,
                             details={"how": how, "phases": [a.phase, b.phase],
                                      "dates": [a.when.isoformat(), b.when.isoformat()]}))
    return out
