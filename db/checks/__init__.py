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
"""

from __future__ import annotations

import datetime as _dt
import importlib
from typing import Iterable, Optional, Union

from db.models import Inconsistency, RegistryProject, StoredReport

from .context import CheckContext

#: check modules, in report order
CHECKS = ["sums", "rates", "values", "names", "phases", "dates", "roles", "duplicates", "versions"]

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
    items: list[Inconsistency] = []
    for name in CHECKS:
        mod = importlib.import_module(f"{__name__}.{name}")
        got = mod.check(ctx)
        if wanted is not None:
            got = [it for it in got if it.kind in wanted]
        items.extend(got)
    items = [cap_evidence(it) for it in _dedupe(items)]
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


def _dedupe(items: list[Inconsistency]) -> list[Inconsistency]:
    seen = set()
    out = []
    for it in items:
        sig = (it.kind, tuple(sorted((e.path, e.start, e.end) for e in it.evidence)))
        if sig in seen:
            continue
        seen.add(sig)
        out.append(it)
    return out


__all__ = ["run_checks", "CHECKS", "sort_items", "cap_evidence", "CheckContext"]
