"""What every check works on: the reports with their normalised view.

A :class:`ReportView` wraps one :class:`~db.models.StoredReport` with the
normalised text of :mod:`extract.normalize` (half-width punctuation, no PDF
line wraps), its paragraphs and sentences, and turns normalised spans back
into :class:`~db.models.Evidence` whose ``text`` is exactly
``report.text[start:end]``. A :class:`CheckContext` holds all views, the
registry projects, the rules of ``patterns/checks.yaml`` and caches shared by
several checks (sentence alignment between reports).
"""

from __future__ import annotations

import bisect
import datetime as _dt
import functools
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import regex

import patterns
from db.models import Evidence, Inconsistency, RegistryProject, StoredReport
from extract.normalize import NormText, normalise


@functools.lru_cache(maxsize=1)
def rules() -> dict:
    """The parsed ``patterns/checks.yaml``."""
    return patterns.load("checks")


def severity(kind: str) -> str:
    return rules()["severities"][kind]


def kind_label(kind: str) -> str:
    return rules()["labels"]["kinds"].get(kind, kind)


def severity_label(sev: str) -> str:
    return rules()["labels"]["severities"].get(sev, sev)


_SENT_END = regex.compile(r"[。！？!?]+[”’」』\"')）]*|\n+")
_CLAUSE_END = regex.compile(r"[,，;；:：、。！？!?\n]")


def _spans(text: str, pattern: regex.Pattern, start: int = 0, end: Optional[int] = None) -> list[tuple[int, int]]:
    end = len(text) if end is None else end
    out = []
    s = start
    for m in pattern.finditer(text, start, end):
        e = m.end() if m.group().strip() else m.start()
        if e > s and text[s:e].strip():
            out.append((s, e))
        s = m.end()
    if s < end and text[s:end].strip():
        out.append((s, end))
    return out


class ReportView:
    """One report, normalised, with helpers to cite it."""

    def __init__(self, report: StoredReport):
        self.report = report
        self.original = report.text
        self.norm: NormText = normalise(report.text)
        self.text = self.norm.text
        self.paragraphs = _spans(self.text, regex.compile(r"\n+"))
        self.sentences = _spans(self.text, _SENT_END)
        self._sent_starts = [s for s, _ in self.sentences]
        self._para_starts = [s for s, _ in self.paragraphs]
        self._by_kind: Optional[dict[str, list[tuple[int, Any]]]] = None
        self.cache: dict[str, Any] = {}

    # -- identity -----------------------------------------------------------
    @property
    def id(self) -> int:
        return self.report.id

    @property
    def path(self) -> str:
        return self.report.path

    @property
    def name(self) -> str:
        return os.path.basename(self.report.path)

    @property
    def date(self) -> Optional[_dt.date]:
        return self.report.reference_date

    # -- structure ------------------------------------------------------------
    def sentence_index(self, ni: int) -> int:
        return max(0, bisect.bisect_right(self._sent_starts, ni) - 1)

    def sentence_at(self, ni: int) -> tuple[int, int]:
        if not self.sentences:
            return (0, len(self.text))
        return self.sentences[self.sentence_index(ni)]

    def paragraph_index(self, ni: int) -> int:
        return max(0, bisect.bisect_right(self._para_starts, ni) - 1)

    def paragraph_at(self, ni: int) -> tuple[int, int]:
        if not self.paragraphs:
            return (0, len(self.text))
        return self.paragraphs[self.paragraph_index(ni)]

    def clause_start(self, ni: int, floor: int = 0) -> int:
        """Normalised index where the clause containing ``ni`` starts."""
        i = ni
        while i > floor and not _CLAUSE_END.match(self.text[i - 1]):
            i -= 1
        return i

    def clause_end(self, ni: int, ceil: Optional[int] = None) -> int:
        ceil = len(self.text) if ceil is None else ceil
        i = ni
        while i < ceil and not _CLAUSE_END.match(self.text[i]):
            i += 1
        return i

    # -- offsets ------------------------------------------------------------
    def orig_span(self, nstart: int, nend: int) -> tuple[int, int]:
        return self.norm.span(nstart, nend)

    def norm_index(self, orig: int) -> int:
        return self.norm.norm_index(orig)

    def evidence(self, nstart: int, nend: int, note: Optional[str] = None) -> Evidence:
        """Evidence for the normalised span ``[nstart, nend)``."""
        start, end = self.norm.span(nstart, nend)
        return self.evidence_orig(start, end, note)

    def evidence_orig(self, start: int, end: int, note: Optional[str] = None) -> Evidence:
        """Evidence for the original span ``[start, end)`` (a fact's own offsets)."""
        ni = self.norm.norm_index(start)
        ss, se = self.sentence_at(min(ni, max(0, len(self.text) - 1)))
        os_, oe = self.norm.span(ss, se)
        os_, oe = min(os_, start), max(oe, end)
        return Evidence(
            path=self.path,
            start=start,
            end=end,
            text=self.original[start:end],
            report_id=self.id,
            sentence_start=os_,
            sentence_end=oe,
            reference_date=self.date,
            note=note,
        )

    # -- facts ----------------------------------------------------------------
    def facts(self, kind: str) -> list[tuple[int, Any]]:
        """``(index into report.facts, fact)`` of every fact of ``kind``, in stored order.

        Built once per report (the checks ask for the same kind for every
        mention); the list is shared: do not change it.
        """
        by_kind = self._by_kind
        if by_kind is None:
            by_kind = self._by_kind = {}
            for i, f in enumerate(self.report.facts):
                by_kind.setdefault(f.kind, []).append((i, f))
        got = by_kind.get(kind)
        if got is None:
            loaded = getattr(self.report, "fact_kinds", None)
            if loaded is not None and kind not in loaded:
                raise KeyError(f"facts of kind {kind!r} were not loaded (CHECK_FACT_KINDS)")
            return []
        return got

    def facts_in(self, kind: str, start: int, end: int) -> list[tuple[int, Any]]:
        """Facts of ``kind`` whose original span overlaps ``[start, end)``."""
        return [(i, f) for i, f in self.facts(kind) if f.start < end and f.end > start]

    def fact_norm_span(self, fact) -> tuple[int, int]:
        ns = self.norm.norm_index(fact.start)
        ne = self.norm.norm_index(fact.end)
        return ns, max(ne, ns)


#: the fact kinds the checks read; a registry loaded for the checks (:func:`light_report`)
#: holds only these (asking a report for another kind is then an error, not an empty list)
CHECK_FACT_KINDS = ("amount", "date", "organisation", "person", "project")


class CheckReport(StoredReport):
    """A :class:`~db.models.StoredReport` loaded for the checks: only the facts of
    ``fact_kinds``, each a :class:`LightFact` (indices into ``facts`` and
    ``project_of`` count those facts only)."""

    fact_kinds: Optional[tuple[str, ...]] = None


class LightFact:
    """A fact's fields as plain attributes: what the checks read of a pydantic
    fact, in a fraction of its memory (no field dict, no fields-set)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={getattr(self, k)!r}' for k in self.__slots__)})"


@functools.lru_cache(maxsize=None)
def _light_class(model: type) -> type:
    return type(f"Light{model.__name__}", (LightFact,), {"__slots__": tuple(model.model_fields)})


def light_fact(fact) -> LightFact:
    """The same fact as a :class:`LightFact` (same attribute names and values)."""
    cls = _light_class(type(fact))
    out = cls()
    for k in cls.__slots__:
        setattr(out, k, getattr(fact, k))
    return out


@functools.lru_cache(maxsize=1)
def _models_by_kind() -> dict[str, type]:
    import typing

    from extract.models import Fact

    union = typing.get_args(Fact)[0]
    return {m.model_fields["kind"].default: m for m in typing.get_args(union)}


@functools.lru_cache(maxsize=None)
def _light_defaults(kind: str) -> tuple[type, tuple[tuple[str, Any, bool], ...]]:
    model = _models_by_kind()[kind]
    fields = []
    for name, info in model.model_fields.items():
        is_date = name in ("date_start", "date_end")
        fields.append((name, None if info.is_required() else info.default, is_date))
    return _light_class(model), tuple(fields)


def light_fact_from_fields(d: dict, memo: Optional[dict] = None) -> LightFact:
    """A :class:`LightFact` straight from a stored fact's fields (``db.store.fact_fields``):
    what validating them as the pydantic fact gives (defaults filled, ISO dates as
    dates), without building the pydantic object. ``memo``: a dict shared by many
    calls so that equal strings, numbers and dates are held once."""
    cls, fields = _light_defaults(d["kind"])
    out = cls()
    for name, default, is_date in fields:
        v = d.get(name, default)
        if is_date and isinstance(v, str):
            v = _dt.date.fromisoformat(v)
        if memo is not None and v is not None and type(v) is not bool:
            # one object per (type, value): True == 1 must not share a slot with 1
            v = memo.setdefault(type(v), {}).setdefault(v, v)
        setattr(out, name, v)
    return out


def light_report(report: StoredReport, kinds=CHECK_FACT_KINDS) -> CheckReport:
    """``report`` with only the facts the checks read, as :class:`LightFact` (``project_of`` re-indexed)."""
    keep = [i for i, f in enumerate(report.facts) if f.kind in kinds]
    new_index = {old: new for new, old in enumerate(keep)}
    return CheckReport.model_construct(
        id=report.id, path=report.path, title=report.title, text=report.text, sha256=report.sha256,
        reference_date=report.reference_date, reference_date_source=report.reference_date_source,
        facts=[light_fact(report.facts[i]) for i in keep],
        project_of={new_index[i]: pid for i, pid in report.project_of.items() if i in new_index},
        fact_kinds=tuple(kinds),
    )


@dataclass
class CheckContext:
    views: list[ReportView]
    projects: dict[int, RegistryProject] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, reports: Iterable[StoredReport], projects: Optional[Iterable[RegistryProject]] = None) -> "CheckContext":
        views = [ReportView(r) for r in reports]
        views.sort(key=lambda v: (v.date or _dt.date.min, v.id))
        return cls(views=views, projects={p.id: p for p in (projects or [])})

    def view(self, report_id: int) -> ReportView:
        for v in self.views:
            if v.id == report_id:
                return v
        raise KeyError(report_id)

    @property
    def rules(self) -> dict:
        return rules()


def make_item(kind: str, message: str, evidence: list[Evidence], *, project_id: Optional[int] = None,
              details: Optional[dict] = None, sev: Optional[str] = None) -> Inconsistency:
    return Inconsistency(
        kind=kind,
        severity=sev or severity(kind),
        message=message,
        evidence=evidence,
        project_id=project_id,
        details=details or {},
    )


def fmt_decimal(value) -> str:
    """A Decimal without a useless exponent or trailing zeros (132.80 -> 132.8)."""
    from decimal import Decimal

    if value is None:
        return "?"
    d = Decimal(value)
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    s = format(d.normalize(), "f")
    return s
