"""The report's reference (publication) date.

:func:`infer_reference_date` returns ``(date, source)``:

1. ``"given"``: the file says it itself, in a front-matter block at the top
   (``---`` / ``date: 2023-01-29`` / ``---``) or a dateline in its first lines
   (``2023年1月29日 星期日``, ``发布时间：2023-01-29``), also a page or web
   header with other matter on the line (``驻马店日报 ２０２４年１月８日 星期一
   第０３版``, ``来源：商丘日报 2023-08-11``; full-width digits are folded);
2. ``"inferred"``: read from the text the way an editor dates a clipping:

   * the **year** (what matters most: relative expressions resolve against
     it) from explicit years. Full dates of past events and as-of dates bound
     it from below (``截至2022年底`` → 2023 or later; ``2023年1月28日，…举行``);
     year mentions vote for their year (``2022年计划投资额``), historical ones
     (``成立于2017年``, ``从2021年开始``) only bound it. A text with no year of
     its own is dated by its campaign and policy words
     (``patterns/dates_eras.yaml``: ``保交楼`` 2022-2023, ``新质生产力`` from 2023),
     with working days (Chinese public holidays and make-up working days,
     from the ``chinese_calendar`` package) as a tie-breaker for the dated events;
   * the **day**: the day after the latest dated past event (``6月25日，…签约``),
     one more when a separate ``昨日`` speaks of a later day, and not before the
     end of data periods the text reports as finished (``截至5月31日``,
     ``1-5月份…完成``, ``一季度…完成``, ``上半年已签约``).
3. ``(None, None)`` when nothing fixes a year.

Weights and word lists are in ``patterns/dates_refdate.yaml`` and
``patterns/dates_eras.yaml``.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections import Counter
from typing import Optional

import regex

import patterns

from . import dates as D
from .normalize import fold_width

DateOrNone = Optional[_dt.date]


@functools.lru_cache(maxsize=1)
def _cfg() -> dict:
    return patterns.load("dates_refdate")


@functools.lru_cache(maxsize=1)
def _eras() -> list[dict]:
    return list(patterns.load("dates_eras")["terms"])


# ------------------------------------------------------------ the file's own --

_FULL = (
    r"(?P<y>\d{4})\s*(?:年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    r"|[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2}))"
)
_TIME = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_WEEKDAY = r"(?:\s*[,，、]?\s*[(（]?\s*(?:星期|礼拜|周)[一二三四五六日天]\s*[)）]?)?"


def _mkdate(m) -> DateOrNone:
    y = int(m.group("y"))
    mo = int(m.group("m") or m.group("m2"))
    d = int(m.group("d") or m.group("d2"))
    try:
        return _dt.date(y, mo, d)
    except ValueError:
        return None


def from_file(original: str) -> DateOrNone:
    """A date the report states about itself (front matter or dateline)."""
    cfg = _cfg()
    text = fold_width(original.lstrip("\ufeff"))
    stripped = text.lstrip()
    if stripped.startswith("---\n"):
        end = stripped.find("\n---", 4)
        if end > 0:
            keys = patterns.alternation(cfg["front_matter_keys"])
            for line in stripped[4:end].splitlines():
                m = regex.match(rf"\s*(?:{keys})\s*[:：]\s*[\"']?{_FULL}", line, regex.I)
                if m:
                    return _mkdate(m)
    labels = patterns.alternation(cfg["dateline_labels"])
    alone = regex.compile(rf"\s*(?:(?:{labels})\s*[:：]?\s*)?{_FULL}{_TIME}{_WEEKDAY}\s*$")
    labelled = regex.compile(rf"(?:{labels})\s*[:：]\s*{_FULL}")
    lines = [l for l in text.split("\n") if l.strip()][: int(cfg["dateline_lines"])]
    for line in lines:
        m = alone.match(line) or labelled.search(line) or _header_date(line)
        if m:
            d = _mkdate(m)
            if d:
                return d
    return None


@functools.lru_cache(maxsize=1)
def _header_rx():
    cfg = _cfg()
    words = "|".join(f"(?:{w})" for w in cfg.get("header_words") or [])
    return (
        regex.compile(rf"(?<!\d){_FULL}(?!\d)"),
        regex.compile(rf"(?:{words})|(?<!\d)\d{{1,2}}:\d{{2}}(?!\d)") if words else None,
        set(cfg.get("header_sentence_punct") or ""),
        int(cfg.get("header_max_chars") or 0),
    )


def _header_date(line: str):
    """The full date of a page or web header line (``驻马店日报 2024年1月8日 星期一
    第03版``, ``来源：商丘日报 2023-08-11``), or None for a body line or title."""
    date_rx, word_rx, punct, max_chars = _header_rx()
    s = line.strip()
    if word_rx is None or not s or len(s) > max_chars or any(ch in punct for ch in s):
        return None
    m = date_rx.search(s)
    if m is None:
        return None
    rest = s[: m.start()] + " " + s[m.end():]
    return m if word_rx.search(rest) else None


# --------------------------------------------------------------- inference --


def _is_workday(d: _dt.date) -> bool:
    try:
        import chinese_calendar

        return bool(chinese_calendar.is_workday(d))
    except Exception:  # package missing or year outside its tables
        return d.isoweekday() <= 5


def _era_scores(text: str, years: range) -> Counter:
    w = _cfg()["weights"]
    sc: Counter = Counter()
    for term in _eras():
        if str(term["word"]) not in text:
            continue
        lo = int(term["from"])
        hi = int(term["to"]) if term.get("to") is not None else years.stop - 1
        peak = set(term.get("peak") or [])
        for y in years:
            if lo <= y <= hi:
                sc[y] += float(w["era_term"]) + (float(w["era_peak"]) if y in peak else 0.0)
    return sc


def _explicit_end(ex: D.Expr) -> DateOrNone:
    return D.resolve(ex, None).end


def infer_from_text(text: str, today: Optional[_dt.date] = None) -> DateOrNone:
    """The publication date as read from the normalised ``text``; None if no year can be told."""
    cfg = _cfg()
    w = cfg["weights"]
    today = today or _dt.date.today()
    exprs = D.find_doc(text)
    hist_before = cfg["historical_before"]
    hist_after = cfg["historical_after"]
    moments = set(cfg.get("past_moment_parts") or [])

    votes: Counter = Counter()
    lb: DateOrNone = None  # the report is not older than this
    lb_year: Optional[int] = None

    def raise_lb(d: DateOrNone):
        nonlocal lb
        if d is not None and (lb is None or d > lb):
            lb = d

    for ex in exprs:
        a = ex.a
        if a.year is None:
            continue
        y = a.year
        before = text[max(0, ex.s - 4):ex.s]
        after = text[ex.e:ex.e + 3]
        if ex.kind == "asof":
            end = _explicit_end(ex)
            raise_lb(end + _dt.timedelta(days=1) if end else None)
            continue
        if a.unit == "ypart" and a.ypart in moments and ex.kind == "point" and ex.b is None and not ex.future:
            end = _explicit_end(ex)  # 2023年末，…达到…: the report is later
            raise_lb(end + _dt.timedelta(days=1) if end else None)
            continue
        historical = any(before.endswith(x) for x in hist_before) or any(after.startswith(x) for x in hist_after)
        if historical:
            lb_year = max(lb_year or y, y)
            if ex.since:
                votes[y] += float(w["since_year"])
            continue
        if ex.kind == "deadline" or ex.future:
            votes[y] += float(w["future_year"])
            continue
        if a.unit == "day" and ex.b is None and a.month is not None:
            votes[y] += float(w["past_full_date"])
            raise_lb(D.resolve(ex, None).start)
            continue
        votes[y] += float(w["since_year"] if ex.since else w["neutral_year"])

    floor_year = max([x for x in (lb_year, lb.year if lb else None) if x is not None], default=None)
    hi_year = today.year
    if lb is not None and lb.year <= hi_year + 1:
        # the report is not older than lb and usually not much later: its year
        # is a candidate of its own (2021年末 … 到2025年底: 2022, not 2025)
        votes[lb.year] += float(w.get("lower_bound_year", 0))
    if votes:
        cands = [y for y in votes if (floor_year is None or y >= floor_year) and y <= hi_year + 1]
        if lb is not None and lb.year not in cands:
            cands.append(lb.year)
        if not cands:
            cands = [floor_year] if floor_year is not None else list(votes)
        span = range(min(cands), max(cands) + 1)
        era = _era_scores(text, span)
        best_y = max(cands, key=lambda y: (votes[y] + 0.01 * era[y], y))
    else:
        lo = floor_year if floor_year is not None else min((int(t["from"]) for t in _eras()), default=hi_year)
        span = range(lo, hi_year + 1)
        era = _era_scores(text, span)
        if not era:
            return None
        # the words must single out a year (or two, for the working days to
        # decide): words in use for many years at once date nothing
        top = max(era.values())
        tops = [y for y in span if era[y] == top]
        if len(tops) > int(_cfg()["max_era_tie"]):
            return None
        wk = _weekday_scores(text, exprs, span)
        best_y = max(tops, key=lambda y: (wk[y], y))
    return _day(text, exprs, best_y, lb)


def _yearless_events(text: str, exprs: list[D.Expr]) -> list[D.Expr]:
    """Year-less day-level dates of past events (not goals, not deadlines)."""
    out = []
    for ex in exprs:
        a = ex.a
        if ex.b is not None or ex.kind != "point" or ex.future:
            continue
        if a.unit == "day" and a.month is not None and a.year is None and a.yrel is None and ex.inherit_year is None:
            out.append(ex)
    return out


def _weekday_scores(text: str, exprs: list[D.Expr], years: range) -> Counter:
    w = _cfg()["weights"]
    sc: Counter = Counter()
    for ex in _yearless_events(text, exprs):
        if ex.a.lunar:
            continue
        for y in years:
            d = D._safe_date(y, ex.a.month, ex.a.day)
            if d is None:
                continue
            sc[y] += float(w["workday"]) if _is_workday(d) else float(w["offday"])
    return sc


def _day(text: str, exprs: list[D.Expr], year: int, lb: DateOrNone) -> _dt.date:
    cfg = _cfg()
    provisional = _dt.date(year, 3, 1)
    events: list[_dt.date] = []
    # full dates of past events in the chosen year
    for ex in exprs:
        a = ex.a
        if ex.b is None and ex.kind == "point" and not ex.future and a.unit == "day" and a.year == year \
                and a.month is not None:
            d = D.resolve(ex, None).start
            if d:
                events.append(d)
    # year-less dates of past events: where the year turns between them, the
    # earlier-looking ones belong to the year before (12月28日 … 1月3日)
    yl = _yearless_events(text, exprs)
    greg = sorted({(ex.a.month, ex.a.day) for ex in yl if not ex.a.lunar})
    if greg:
        doy = [(_dt.date(2001, m, min(d, 28 if m == 2 else d)) - _dt.date(2001, 1, 1)).days for m, d in greg]
        gaps = [((doy[(k + 1) % len(doy)] - doy[k]) % 365, k) for k in range(len(doy))]
        _, last = max(gaps) if len(doy) > 1 else (0, 0)
        m, d = greg[last]
        ev = D._safe_date(year, m, d)
        if ev:
            events.append(ev)
    for ex in yl:
        if ex.a.lunar:
            d = D.resolve(ex, provisional).start
            if d and d.year == year:
                events.append(d)
    # finished data periods and as-of dates
    open_days = set()  # 截至2月19日: data counted to a day, so February was not over yet
    for ex in exprs:
        if not ex.future and ex.kind == "asof" and ex.a.unit == "day":
            end = D.resolve(ex, provisional).end
            if end and end.year == year:
                open_days.add(end)
    for ex in exprs:
        if ex.future:
            continue
        if ex.kind == "asof":
            end = D.resolve(ex, provisional).end
            if end and end.year in (year, year - 1):
                lb = max(lb, end + _dt.timedelta(days=1)) if lb else end + _dt.timedelta(days=1)
        elif ex.a.unit in ("month", "quarter", "half") and ex.a.mrel is None and ex.a.qrel is None \
                and _finished(text, ex):
            res = D.resolve(ex, provisional)
            if res.end and any(d.month == res.end.month and d < res.end for d in open_days):
                continue  # a day-level as-of date inside the period's last month: still open
            if res.end and res.end.year == year and (ex.a.year in (None, year)):
                nxt = res.end + _dt.timedelta(days=1)
                lb = max(lb, nxt) if lb else nxt
    ref = None
    if events:
        anchor = max(events)
        ref = anchor + _dt.timedelta(days=int(cfg["days_after_event"]))
        if _separate_yesterday(text, exprs):
            ref += _dt.timedelta(days=1)
    if lb is not None and lb.year == year and (ref is None or lb > ref):
        ref = lb
    if ref is None:
        ref = _dt.date(year, 7, 1)
    return ref


def _finished(text: str, ex: D.Expr) -> bool:
    """Does the sentence report the period as over (1-5月份，…完成投资…，增速115%;
    上半年已签约…) with no goal word in it?"""
    cfg = _cfg()
    r = D.rules()
    a, b = D.clause(text, ex.s, ex.e, D._SENT_END)
    sent = D._mask(text[a:b], r)
    if any(w in sent for w in r.future_markers):
        return False
    rest = D._mask(text[ex.e:b], r)
    return any(w in rest for w in cfg["finished_markers"])


def _separate_yesterday(text: str, exprs: list[D.Expr]) -> bool:
    words = _cfg()["yesterday_words"]
    days = [ex for ex in exprs if ex.a.unit == "day" and ex.a.drel is None]
    for ex in exprs:
        if ex.a.drel is not None and text[ex.s:ex.e] in words:
            near = any(abs(o.s - ex.e) <= 6 or abs(ex.s - o.e) <= 6 for o in days)
            if not near:
                return True
    return False


def infer_reference_date(doc) -> tuple[DateOrNone, Optional[str]]:
    """``(date, "given")`` from the file itself, else ``(date, "inferred")`` from
    the text, else ``(None, None)``."""
    d = from_file(doc.original)
    if d is not None:
        return d, "given"
    d = infer_from_text(doc.text)
    if d is not None:
        return d, "inferred"
    return None, None
