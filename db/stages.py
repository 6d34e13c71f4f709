"""Stage history: dated stage events of project mentions (pure; no database).

Every project mention that states a stage (its ``phase``, and for an item of a
"三个一批" list also the list's stage) becomes a :class:`StageEvent`: the stage,
the date it was reached and how precisely that date is known
(``date_precision``), or, for a plan or target, the date it is planned for. The
rules — which date governs a mention, which words make a target, how a round's
event is recognised — are data in ``patterns/stages.yaml``; read that file for
the order of preference.

:func:`report_stages` dates every project mention of one report from the
report's sentences (their text, date facts and project facts);
:func:`first_reached` picks, for one project, the event each stage was first
reached by. :mod:`db.reconcile` stores both; :mod:`db.query` filters on them.

Precision values (``StageEvent.precision``):

``exact``        a date fact governs the stage (in its clause, or opening an
                 earlier clause); ``date_start``/``date_end`` give the day or span;
``round``        the date of the "三个一批" round event the item belongs to;
``asof``         reached by ``date_end`` (an as-of date: 截至2022年底);
``approximate``  reached by ``date_end``, the report's reference date;
``target``       not reached: planned for ``date_end`` (or no date).
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

import regex

import patterns
from extract.normalize import fold_width
from extract.numbers import parse_number
from extract.phases import blank, continues_subject, phase_of_clause

#: precisions whose date range is known (the stage was reached within it)
KNOWN = ("exact", "round")
#: precisions that only bound the date from above (reached by then)
BOUND = ("asof", "approximate")
PRECISIONS = KNOWN + BOUND + ("target",)


# --- rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    delimiters: frozenset
    leading_prefix_max: int
    target_re: Any
    not_target_re: Any
    target_start_re: Any
    round_label: Any
    round_event: Any
    round_not: Any
    list_phase: dict
    never_target: frozenset


@functools.lru_cache(maxsize=1)
def rules() -> Rules:
    d = patterns.load("stages")
    words = list(d.get("target_words", []))
    return Rules(
        delimiters=frozenset(d.get("clause_delimiters", ",;:")),
        leading_prefix_max=int(d.get("leading_prefix_max", 2)),
        target_re=regex.compile(patterns.alternation(words)) if words else regex.compile("(?!)"),
        not_target_re=regex.compile(patterns.alternation(d.get("not_target", [])) or "(?!)"),
        target_start_re=regex.compile(r"^(?:" + (patterns.alternation(words) or "(?!)") + ")"),
        round_label=regex.compile(d["round_label"]),
        round_event=regex.compile(d["round_event"]),
        round_not=regex.compile(d["round_not"]),
        list_phase=dict(d.get("list_phase", {})),
        never_target=frozenset(d.get("never_target", [])),
    )


# --- inputs and outputs -------------------------------------------------------------------


@dataclass(frozen=True)
class DateRef:
    """A date fact: offsets into the report, its dates and kind."""

    id: Any
    start: int
    end: int
    text: str
    date_start: Optional[_dt.date]
    date_end: Optional[_dt.date]
    granularity: str = "day"
    date_kind: str = "point"


@dataclass(frozen=True)
class ProjectRef:
    """A project mention: offsets into the report and what the extractor read."""

    id: Any
    start: int
    end: int
    text: str
    phase: Optional[str] = None
    batch: Optional[int] = None
    batch_list: Optional[str] = None


@dataclass
class Sentence:
    """One sentence of a report (``start``: its offset in the report) with the
    date and project facts that stand in it."""

    start: int
    text: str
    dates: list[DateRef] = field(default_factory=list)
    projects: list[ProjectRef] = field(default_factory=list)


@dataclass(frozen=True)
class StageEvent:
    """A stage a mention states: reached (with how its date is known) or targeted."""

    fact_id: Any
    phase: str
    reached: bool
    precision: str
    date_start: Optional[_dt.date]
    date_end: Optional[_dt.date]
    granularity: Optional[str] = None
    basis: str = ""  # the words the date comes from (a date's text, a round label)
    basis_fact_id: Any = None  # the date fact, when the date comes from one
    origin: str = "stated"  # stated: the mention's own stage; list: its round list's stage
    round: Optional[int] = None

    @property
    def date(self) -> Optional[_dt.date]:
        """The day the stage was reached by (the end of a span) or is planned for."""
        return self.date_end or self.date_start


@dataclass(frozen=True)
class MentionDating:
    """What reconciliation needs of a mention: its date (``source``: ``sentence``,
    ``asof``, ``round``, ``report``, ``target``), whether it states a target, and
    its stage events."""

    date: Optional[_dt.date]
    source: Optional[str]
    is_target: bool
    events: tuple[StageEvent, ...] = ()


_SOURCE_OF = {"exact": "sentence", "round": "round", "asof": "asof", "approximate": "report", "target": "target"}


# --- clauses ------------------------------------------------------------------------------


def clauses(text: str) -> list[tuple[int, int]]:
    """Clause spans of a sentence (offsets into ``text``); delimiters inside
    brackets do not split."""
    r = rules()
    folded = fold_width(text)
    out, start, depth = [], 0, 0
    for i, ch in enumerate(folded):
        if ch in "([【〔":
            depth += 1
        elif ch in ")]】〕" and depth:
            depth -= 1
        elif ch in r.delimiters and depth == 0:
            out.append((start, i))
            start = i + 1
    out.append((start, len(text)))
    return out


def _squeeze(s: str) -> str:
    return "".join(fold_width(s).split())


class _View:
    """A sentence with its clauses and the clause of every offset."""

    def __init__(self, sent: Sentence):
        self.sent = sent
        self.spans = clauses(sent.text)
        self._phase: dict[int, Optional[str]] = {}

    def clause_of(self, pos: int) -> int:
        rel = pos - self.sent.start
        for i, (s, e) in enumerate(self.spans):
            if rel < e or (rel == e and i == len(self.spans) - 1):
                return i
        return len(self.spans) - 1

    def text(self, ci: int) -> str:
        s, e = self.spans[ci]
        return self.sent.text[s:e]

    def has_project(self, ci: int, other_than: Any = None) -> bool:
        return any(self.clause_of(p.start) == ci and p.id != other_than for p in self.sent.projects)

    def phase(self, ci: int) -> Optional[str]:
        """The stage a clause states, project names blanked (extract.phases rules)."""
        if ci not in self._phase:
            s, _ = self.spans[ci]
            off = self.sent.start + s
            spans = [(p.start, p.end) for p in self.sent.projects]
            self._phase[ci] = phase_of_clause(_squeeze(blank(self.text(ci), spans, off)))
        return self._phase[ci]

    def dates_in(self, ci: int) -> list[DateRef]:
        return [d for d in self.sent.dates if self.clause_of(d.start) == ci and (d.date_start or d.date_end)]

    def opening_date(self, ci: int) -> Optional[DateRef]:
        """The date a clause opens with (at most ``leading_prefix_max`` characters before it)."""
        ds = self.dates_in(ci)
        if not ds:
            return None
        d = min(ds, key=lambda d: d.start)
        s, _ = self.spans[ci]
        before = self.sent.text[s: d.start - self.sent.start]
        before = "".join(ch for ch in before if not ch.isspace() and ch not in "“”\"'‘’()（）[]【】—-")
        return d if len(before) <= rules().leading_prefix_max else None

    def leading_date(self, before: Optional[int] = None) -> Optional[DateRef]:
        """The date that governs the clauses from where it opens a clause to the
        next clause that opens with a date: the nearest such date in a clause
        before clause ``before`` (default: the sentence's opening date)."""
        if before is None:
            return self.opening_date(0)
        for j in range(before - 1, -1, -1):
            d = self.opening_date(j)
            if d is not None:
                return d
        return None

    def targeted(self, ci: int) -> bool:
        r = rules()
        t = r.not_target_re.sub("", _squeeze(self.text(ci)))
        return bool(r.target_re.search(t))

    def opens_with_target(self, ci: int) -> bool:
        return bool(rules().target_start_re.match(_squeeze(self.text(ci))))


# --- rounds ------------------------------------------------------------------------------


def _round_number(token: str) -> Optional[int]:
    v = parse_number(token)
    try:
        return int(v) if v is not None else None
    except (TypeError, ValueError):
        return None


def round_dates(sentences: Iterable[Sentence]) -> dict[int, DateRef]:
    """Round number -> the date fact giving the day of that "三个一批" round's
    event, when the report states it (the most often stated day, then the earliest)."""
    r = rules()
    found: dict[int, list[DateRef]] = {}
    for sent in sentences:
        if not sent.dates:
            continue
        view = None
        for m in r.round_label.finditer(fold_width(sent.text)):
            n = _round_number(m.group("n"))
            if n is None:
                continue
            view = view or _View(sent)
            ci = view.clause_of(sent.start + m.start())
            ctext = _squeeze(view.text(ci))
            if not r.round_event.search(ctext) or r.round_not.search(ctext):
                continue
            days = [d for d in view.dates_in(ci) if d.granularity == "day" and d.date_kind == "point"]
            lead = view.leading_date(ci)
            if not days and lead is not None and lead.granularity == "day" and lead.date_kind == "point":
                if r.round_not.search(_squeeze(view.text(view.clause_of(lead.start)))):
                    continue
                days = [lead]
            if days:
                found.setdefault(n, []).append(min(days, key=lambda d: abs(d.start - sent.start - m.start())))
    out = {}
    for n, ds in found.items():
        count = Counter(d.date_start for d in ds)
        best = sorted(count, key=lambda day: (-count[day], day))[0]
        out[n] = next(d for d in ds if d.date_start == best)
    return out


# --- dating one mention ----------------------------------------------------------------------


def _stage_clause(view: _View, p: ProjectRef, phase: str) -> int:
    """The clause whose stage word states ``phase`` for mention ``p``: its own
    clause, a following clause that goes on about it (or gives its investment),
    or an earlier clause without other projects (a list heading); else its own."""
    ci = view.clause_of(p.start)
    if view.phase(ci) == phase:
        return ci
    for j in range(ci + 1, len(view.spans)):
        if view.has_project(j, p.id):
            break
        t = _squeeze(view.text(j))
        if view.phase(j) == phase and continues_subject(t):
            return j
        if not (continues_subject(t) or t.startswith(("总投资", "计划总投资", "投资"))):
            break
    for j in range(ci - 1, -1, -1):
        if not view.has_project(j) and view.phase(j) == phase:
            return j
    return ci


def _event(p: ProjectRef, phase: str, precision: str, d: Optional[DateRef] = None, *, origin: str = "stated",
           reference: Optional[_dt.date] = None, basis: str = "", round_no: Optional[int] = None) -> StageEvent:
    if precision in KNOWN:
        start, end, gran = d.date_start or d.date_end, d.date_end or d.date_start, d.granularity
    elif precision == "approximate":
        start, end, gran = None, reference, None
    elif d is not None:  # asof, or a target's planned date
        if d.date_kind in ("asof", "deadline"):
            start, end = None, d.date_end or d.date_start
        else:
            start, end = d.date_start or d.date_end, d.date_end or d.date_start
        gran = d.granularity
    else:
        start = end = gran = None
    return StageEvent(
        fact_id=p.id, phase=phase, reached=precision != "target", precision=precision, date_start=start,
        date_end=end, granularity=gran, basis=basis or (d.text if d is not None else ""),
        basis_fact_id=d.id if d is not None else None, origin=origin, round=round_no,
    )


def _stated_event(view: _View, p: ProjectRef, phase: str, rounds: dict[int, DateRef],
                  reference: Optional[_dt.date]) -> StageEvent:
    ci = view.clause_of(p.start)
    sc = _stage_clause(view, p, phase)
    near = [(0, d) for d in view.dates_in(sc)] + ([(1, d) for d in view.dates_in(ci)] if ci != sc else [])
    lead = view.leading_date(min(ci, sc))
    lead_ok = lead is not None
    # an opening date that is another round's event does not date an item labelled with its own round
    if lead_ok and p.batch is not None and any(
        n != p.batch and rd.date_start == lead.date_start for n, rd in rounds.items()
    ):
        lead_ok = False
    # a target: a deadline governs it, or a target word stands in its clauses
    deadlines = [d for _, d in near if d.date_kind == "deadline"]
    if lead_ok and lead.date_kind == "deadline":
        deadlines.append(lead)
    # the clauses that say it is planned: its own, its stage's, an opening clause of
    # its own that starts with a target word (力争年底前，…)
    planning = [c for c in dict.fromkeys((sc, ci)) if view.targeted(c)]
    if min(ci, sc) > 0 and view.opens_with_target(0):
        planning.append(0)
    # and a later clause that plans this very stage (A项目总投资5亿元，计划5月底前开工)
    for j in range(max(ci, sc) + 1, len(view.spans)):
        if view.has_project(j, p.id):
            break
        if view.phase(j) == phase:
            later = [d for d in view.dates_in(j) if d.date_kind == "deadline"]
            if later or view.targeted(j):
                deadlines += later
                planning.append(j)
                break
    if (deadlines or planning) and phase not in rules().never_target:
        # planned for: a deadline, else a date of a planning clause, else one of its clauses
        plan = deadlines[0] if deadlines else None
        for c in planning:
            if plan is None and view.dates_in(c):
                plan = min(view.dates_in(c), key=lambda d: abs(d.start - p.start))
        if plan is None and near:
            plan = min(near, key=lambda x: (x[0], abs(x[1].start - p.start)))[1]
        return _event(p, phase, "target", plan or (lead if lead_ok else None))
    # 1. a point or span date of the stage's or the mention's clause, then an as-of one
    spans = sorted(
        ((k, abs(d.start - p.start), d) for k, d in near if d.date_kind in ("point", "span")),
        key=lambda x: (x[0], x[1]),
    )
    chosen = None
    if spans:
        chosen = ("exact", spans[0][2])
    else:
        asofs = sorted(((k, abs(d.start - p.start), d) for k, d in near if d.date_kind == "asof"),
                       key=lambda x: (x[0], x[1]))
        if asofs:
            chosen = ("asof", asofs[0][2])
    # 2. a date opening an earlier clause
    if chosen is None and lead_ok and lead.date_kind in ("point", "span", "asof"):
        chosen = ("asof" if lead.date_kind == "asof" else "exact", lead)
        rd = rounds.get(p.batch) if p.batch is not None else None
        if rd is not None and rd.date_start == lead.date_start and rules().list_phase.get(p.batch_list or "") == phase:
            # the opening date is the day of the item's own round
            return _event(p, phase, "round", lead, round_no=p.batch)
    if chosen is not None:
        prec, d = chosen
        if prec == "exact" and reference is not None and (d.date_start or d.date_end) > reference:
            # a day after the report's own date has not been reached yet
            return _event(p, phase, "target", d)
        return _event(p, phase, prec, d)
    # 3. the date of the item's round
    list_phase = rules().list_phase.get(p.batch_list or "")
    if p.batch is not None and list_phase == phase and p.batch in rounds:
        return _event(p, phase, "round", rounds[p.batch], round_no=p.batch)
    # 4. an as-of date elsewhere in the sentence, where the same stage is counted
    for j in range(len(view.spans)):
        if j in (ci, sc) or view.phase(j) != phase:
            continue
        asofs = [d for d in view.dates_in(j) if d.date_kind == "asof"]
        if asofs:
            return _event(p, phase, "asof", asofs[0])
    # 5. the report's date
    return _event(p, phase, "approximate", reference=reference, basis="报道日期" if reference else "")


def _list_event(view: _View, p: ProjectRef, phase: str, rounds: dict[int, DateRef],
                reference: Optional[_dt.date]) -> StageEvent:
    """The stage of the round list an item belongs to (作为第五期开工项目，X封顶)."""
    if view.targeted(view.clause_of(p.start)):
        return _event(p, phase, "target", origin="list", round_no=p.batch)
    if p.batch is not None and p.batch in rounds:
        return _event(p, phase, "round", rounds[p.batch], origin="list", round_no=p.batch)
    return _event(p, phase, "approximate", origin="list", reference=reference,
                  basis="报道日期" if reference else "", round_no=p.batch)


def _plain_dating(view: _View, p: ProjectRef, reference: Optional[_dt.date]) -> MentionDating:
    """The date of a mention that states no stage: a date of its clause, else a
    date opening an earlier clause, else the report's."""
    ci = view.clause_of(p.start)
    near = sorted(
        (d for d in view.dates_in(ci) if d.date_kind != "deadline"),
        key=lambda d: (d.date_kind == "asof", abs(d.start - p.start)),
    )
    lead = view.leading_date(ci)
    d = near[0] if near else (lead if lead is not None and lead.date_kind != "deadline" else None)
    target = view.targeted(ci)
    if d is not None:
        return MentionDating(d.date_end or d.date_start, "asof" if d.date_kind == "asof" else "sentence", target)
    return MentionDating(reference, "report" if reference else None, target)


def report_stages(sentences: Sequence[Sentence], reference_date: Optional[_dt.date]) -> dict[Any, MentionDating]:
    """Project fact id -> its date and stage events, for every project fact of one report."""
    rounds = round_dates(sentences)
    lp = rules().list_phase
    out: dict[Any, MentionDating] = {}
    for sent in sentences:
        if not sent.projects:
            continue
        view = _View(sent)
        for p in sent.projects:
            events = []
            if p.phase:
                events.append(_stated_event(view, p, p.phase, rounds, reference_date))
            list_phase = lp.get(p.batch_list or "")
            if list_phase and list_phase != p.phase:
                events.append(_list_event(view, p, list_phase, rounds, reference_date))
            if events and events[0].origin == "stated":
                e = events[0]
                out[p.id] = MentionDating(e.date or reference_date, _SOURCE_OF[e.precision] if e.date else
                                          ("report" if reference_date else None), not e.reached, tuple(events))
            else:
                plain = _plain_dating(view, p, reference_date)
                out[p.id] = MentionDating(plain.date, plain.source, plain.is_target, tuple(events))
    return out


# --- a project's stages -------------------------------------------------------------------------


def _first_key(e: StageEvent) -> tuple:
    end = e.date_end or e.date_start or _dt.date.max
    start = e.date_start.toordinal() if e.date_start else 0
    return (end, e.precision not in KNOWN, -start)


def first_reached(events: Iterable[StageEvent]) -> dict[str, StageEvent]:
    """Stage -> the event it was first reached by: the one with the earliest
    day it was reached by (the end of its date range), a known date before a
    bound on the same day. Later restatements (a round list repeating a start)
    do not move it; targets never count. Events are taken in the order given
    for ties."""
    best: dict[str, StageEvent] = {}
    for e in events:
        if not e.reached:
            continue
        cur = best.get(e.phase)
        if cur is None or _first_key(e) < _first_key(cur):
            best[e.phase] = e
    return best


def in_window(e: StageEvent, since: Optional[_dt.date], until: Optional[_dt.date],
              include_approximate: bool = False) -> bool:
    """Whether a reached stage is known to fall within ``[since, until]``: its
    whole date range does; a stage known only as "reached by" a day counts (by
    that day) only with ``include_approximate``. Mirrors the SQL of
    :func:`db.query.list_projects`."""
    if not e.reached:
        return False
    if e.precision in KNOWN:
        lo, hi = e.date_start, e.date_end
    elif include_approximate and e.precision in BOUND:
        lo = hi = e.date_end
    else:
        return False
    if lo is None or hi is None:
        return False
    return (since is None or lo >= since) and (until is None or hi <= until)
