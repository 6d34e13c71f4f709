"""Consistency checks over the registry: contradictions an editor should see.

Every check is a pure function over :class:`~db.models.StoredReport` objects
(text + facts + registry assignment) and returns
:class:`~db.models.Inconsistency` items; nothing here reads SQL. One module
per kind:

==================  =========================================================
``sums``            sum_mismatch: parts that do not add up to the total
``rates``           rate_mismatch: a rate against its numerator/denominator
``values``          value_conflict: the same fact with different values
``names``           name_variant: one project or place written two ways
``phases``          phase_conflict: a project's stage going backwards
``dates``           date_conflict: one event with two dates
``roles``           role_change: one person with two titles
``duplicates``      duplicate_text: a passage printed twice in one report
``versions``        article_version: two reports that are one text
==================  =========================================================

The words and tolerances they use live in ``patterns/checks.yaml``.

Scale (a registry of many thousand reports): the checks that read one report
at a time (``check_view``) run in a single pass over the reports and drop
what only they needed; the others run in an order that lets shared caches
(sentence alignment, units) go as soon as their last user is done, and hand
their items over one at a time (``iter_check``) so each is capped at once.
Cross-report comparisons are blocked (shingle index, name keys) so that the
work grows with the number of reports, not with its square.
"""

from __future__ import annotations

import datetime as _dt
import importlib
from typing import Iterable, Optional, Union

from db.models import Inconsistency, RegistryProject, StoredReport

from .context import CheckContext

#: check modules, in report order
CHECKS = ["sums", "rates", "values", "names", "phases", "dates", "roles", "duplicates", "versions"]

#: checks that read one report at a time (``check_view(view)``): run in one pass
#: over the reports, after which what only they needed is dropped (:data:`_SCRATCH`)
PER_REPORT = ("sums", "rates", "duplicates")

#: per-report caches only the per-report checks keep (value_conflict scans again
#: the few reports it compares); the rest (units, people, duplicate items) stay
_SCRATCH = ("quantities", "sums", "rates")

#: the order the other checks run in: those that share a cache run one after the
#: other, so that it can be dropped (:data:`_DONE_WITH`). The report's order is
#: still :data:`CHECKS` (items are put back in that order before sorting).
_RUN_ORDER = ["values", "versions", "names", "phases", "dates", "roles"]

#: caches no check run later needs, dropped once a check has run:
#: (keys of the context's cache, keys of every report's cache)
_DONE_WITH = {
    "versions": (("alignments", "versions", "unit_chars"), ("units", "quantities")),
    "names": (("spelling_pairs",), ()),
    "roles": ((), ("people",)),
}

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _since_date(since) -> Optional[_dt.date]:
    if since is None or since == "":
        return None
    if isinstance(since, _dt.datetime):
        return since.date()
    if isinstance(since, _dt.date):
        return since
    return _dt.date.fromisoformat(str(since)[:10])


def sort_items(items: list[Inconsistency]) -> list[Inconsistency]:
    """Most serious first, then in the GUIDE's order of kinds, then by place."""
    from .context import rules

    kinds = list(rules()["severities"])

    def key(it: Inconsistency):
        e = it.evidence[0] if it.evidence else None
        return (
            _SEVERITY_ORDER.get(it.severity, 9),
            kinds.index(it.kind) if it.kind in kinds else 99,
            e.path if e else "",
            e.start if e else 0,
        )

    return sorted(items, key=key)


def run_checks(
    reports: list[StoredReport],
    projects: Optional[list[RegistryProject]] = None,
    since: Union[None, str, _dt.date] = None,
    kinds: Optional[Iterable[str]] = None,
) -> list[Inconsistency]:
    """Run every check (or those of ``kinds``) and return the items, most serious first.

    ``since``: keep only items that involve at least one report whose
    reference date is on or after that date (reports without a date count
    as new).
    """
    ctx = CheckContext.build(reports, projects)
    wanted = set(kinds) if kinds else None
    mods = {name: importlib.import_module(f"{__name__}.{name}") for name in CHECKS}
    got: dict[str, list[tuple[tuple, Inconsistency]]] = {}

    def keep(name: str, found: Iterable[Inconsistency]) -> None:
        # each item is capped as it comes (a name in 400 reports does not keep
        # 400 spans alive); what tells duplicates apart is taken before capping
        out = got.setdefault(name, [])
        for it in found:
            if wanted is None or it.kind in wanted:
                out.append((_signature(it), cap_evidence(it)))

    per_report = [name for name in CHECKS if name in PER_REPORT]
    for view in ctx.views:
        for name in per_report:
            keep(name, mods[name].check_view(view))
        for key in _SCRATCH:
            view.cache.pop(key, None)
    for name in _RUN_ORDER + [n for n in CHECKS if n not in PER_REPORT and n not in _RUN_ORDER]:
        mod = mods[name]
        keep(name, mod.iter_check(ctx) if hasattr(mod, "iter_check") else mod.check(ctx))
        ctx_keys, view_keys = _DONE_WITH.get(name, ((), ()))
        for key in ctx_keys:
            ctx.cache.pop(key, None)
        for view in ctx.views:
            for key in view_keys:
                view.cache.pop(key, None)
    seen: set = set()
    items: list[Inconsistency] = []
    for name in CHECKS:  # the first of two items with the same evidence is kept, in report order
        for sig, it in got.get(name, ()):
            if sig not in seen:
                seen.add(sig)
                items.append(it)
    del got, ctx
    day = _since_date(since)
    if day is not None:
        items = [it for it in items if any(e.reference_date is None or e.reference_date >= day for e in it.evidence)]
    return sort_items(items)


def cap_evidence(item: Inconsistency, limit: Optional[int] = None) -> Inconsistency:
    """At most ``limit`` evidence spans (``report.max_evidence`` in checks.yaml).

    A finding repeated in many reports (one name in 40 reports) stays one
    item an editor can read: the spans kept are the first of each distinct
    text and each report, then the rest in order; ``details`` says how many
    spans there were (``evidence_total``) and how many are left out
    (``evidence_omitted``).
    """
    from .context import rules

    limit = limit or rules()["report"]["max_evidence"]
    ev = item.evidence
    if len(ev) <= limit:
        return item
    keep: list[int] = []
    seen_text: set = set()
    seen_report: set = set()
    for i, e in enumerate(ev):
        if len(keep) < limit and e.text not in seen_text:
            keep.append(i)
            seen_text.add(e.text)
            seen_report.add(e.path)
    for i, e in enumerate(ev):
        if len(keep) < limit and i not in keep and e.path not in seen_report:
            keep.append(i)
            seen_report.add(e.path)
    for i in range(len(ev)):
        if len(keep) >= limit:
            break
        if i not in keep:
            keep.append(i)
    kept = [ev[i] for i in sorted(keep)]
    details = dict(item.details)
    details["evidence_total"] = len(ev)
    details["evidence_omitted"] = len(ev) - len(kept)
    return item.model_copy(update={"evidence": kept, "details": details})


def _signature(it: Inconsistency) -> tuple:
    """Two items with the same kind and the same evidence spans are one."""
    return (it.kind, tuple(sorted((e.path, e.start, e.end) for e in it.evidence)))


__all__ = ["run_checks", "CHECKS", "PER_REPORT", "sort_items", "cap_evidence", "CheckContext"]
