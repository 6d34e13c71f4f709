"""Dates: points and spans of calendar time, resolved against the report's date.

``extract(doc)`` returns one :class:`~extract.models.DateFact` per expression
that names calendar time (corpus/GUIDE.md, "dates"):

* full and partial dates (``2023年1月28日``, ``6月25日``, ``5月9日下午`` → the date
  part), numeric dates (``2023-01-29``), lunar dates (``正月初七``, converted to
  the Gregorian calendar, ``lunar=True``), relative days (``昨日``, ``前天``) and
  weekdays (``上周一``), ``relative=True``;
* months (``3月份``), parts of months (``上旬``, ``月底``: month granularity,
  narrower start/end), quarters (``一季度``, ``首季``, ``前三季度``), halves
  (``上半年``), years (``2022年``, ``今年``, ``过去一年``, ``全年``), parts of years
  (``年初`` = the first quarter, as the gold annotations take it), decades;
* ranges (``1-5月份``, ``1月至8月``, ``2022年至2024年``, ``从一月十日到十二日``);
* kinds: ``asof`` (``截至5月31日``) and ``deadline`` (``8月底前``) have no start.

Two layers: :func:`find` reads expressions without resolving them (also used
by :mod:`extract.refdate` to infer the report's date), :func:`resolve` turns one
into start/end/granularity for a reference date.

Year-less dates resolve to the reference year, except (documented rule) a
month or day that would then lie more than ``past_shift_days`` after the
reference date in a clause without a goal word is read as last year's
(``12月25日`` in a January report), and a goal date (``力争3月底前``) more than
``future_shift_days`` before the reference date as next year's. A year named
just before in the same clause wins (``2022年公司仅上半年`` → 2022's first half).
Lunar dates take the lunar year that puts them nearest the reference date.
``年底`` / ``年末`` name the year-end day (a point, 12-31; with 截至 / 前 the
year's end at year granularity); ``近三年`` and other rolling windows are read
but not output (durations); a deadline (``6月底前``) is kept before a number
that counts something else (``6月底前一批项目``).
Without a reference date, expressions that need one get null start/end.

Every word list lives in ``patterns/dates.yaml``; this module is the engine.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Optional

import regex

import patterns

from .memo import text_cache
from .models import DateFact
from .numbers import engines_agree, re_twin, start_chars, word_groups
from .numbers import parse_number

GRAN_ORDER = {"day": 0, "month": 1, "quarter": 2, "half": 3, "year": 4}

# ---------------------------------------------------------------- rules ------


def _alt(words) -> str:
    return patterns.alternation(list(words))


def _strings(x):
    """Every string (keys and values) inside the nested rule data ``x``."""
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from _strings(v)


class Rules:
    """The compiled form of patterns/dates.yaml."""

    def __init__(self, d: dict):
        self.d = d
        self.rel_years: dict[str, int] = d["relative_years"]
        self.rel_months: dict[str, int] = d["relative_months"]
        self.rel_days: dict[str, int] = d["relative_days"]
        self.month_parts: dict[str, list] = d["month_parts"]
        self.year_parts: dict[str, dict] = d["year_parts"]
        self.lunar_months: dict[str, int] = d["lunar_months"]
        self.lunar_words: dict[str, list] = d["lunar_words"]
        self.quarter_numbers = {str(k): v for k, v in d["quarter_numbers"].items()}
        self.quarter_words: dict[str, int] = d["quarter_words"]
        self.rel_quarters: dict[str, int] = d["relative_quarters"]
        self.halves: dict[str, int] = d["halves"]
        self.phrases: dict[str, dict] = d["phrases"]
        self.weekday_days: dict[str, int] = d["weekday_days"]
        self.week_offsets: dict[str, int] = d["week_offsets"]
        self.rel_centuries: dict[str, int] = d["relative_centuries"]
        self.year_min, self.year_max = int(d["year_min"]), int(d["year_max"])
        self.recent_is_date = bool(d.get("recent_years_are_dates", True))
        self.past_shift = dt.timedelta(days=int(d["past_shift_days"]))
        self.future_shift = dt.timedelta(days=int(d["future_shift_days"]))
        self.future_markers = list(d["future_markers"])
        self.marker_exceptions = list(d.get("marker_exceptions", []))
        self.past_markers = list(d["past_markers"])
        # one search instead of a test per word (any(w in s for w in words))
        words_rx = lambda ws: regex.compile(_alt(ws)) if ws else None  # noqa: E731
        self.FUTURE_WORDS = words_rx(self.future_markers)
        self.PAST_WORDS = words_rx(self.past_markers)
        self.EXCEPTION_WORDS = words_rx(self.marker_exceptions)

        a = _alt
        conn = a(d["range_connectors"])
        self.CONN = regex.compile(rf"(?:{conn})")
        self.REL_YEAR = regex.compile(rf"(?:{a(self.rel_years)})")
        self.REL_MONTH = regex.compile(rf"(?:{a(self.rel_months)})")
        self.REL_DAY = regex.compile(rf"(?:{a(self.rel_days)})")
        self.REL_QUARTER = regex.compile(rf"(?:{a(self.rel_quarters)})")
        self.QUARTER_WORD = regex.compile(rf"(?:{a(self.quarter_words)})")
        self.HALF = regex.compile(rf"(?:{a(self.halves)})")
        self.HALF_COLLOC = regex.compile(rf"半年(?=(?:{a(x[2:] for x in d['half_year_collocations'])}))")
        self.YEAR_PART = regex.compile(rf"(?:{a(self.year_parts)})")
        self.WITHIN_YEAR = regex.compile(rf"(?<![\d零〇一二两三四五六七八九十百几多数半])(?:{a(d['within_year'])})")
        self.PHRASE = regex.compile(rf"(?:{a(self.phrases)})")
        self.LUNAR_WORD = regex.compile(rf"(?:{a(self.lunar_words)})")
        self.WHOLE_YEAR = regex.compile(rf"(?:{a(d['whole_year'])})")
        self.PAST_YEAR = regex.compile(rf"(?:{a(d['past_year'])})")
        self.RECENT = regex.compile(
            rf"(?:{a(d['recent_years_prefixes'])})(?P<n>[2-9]|1\d|[两二三四五六七八九十])年(?![内底初末度])"
        )
        lm = a(self.lunar_months)
        self.MONTH = regex.compile(
            rf"(?:(?P<am>(?<![\d.])(?:1[0-2]|0?[1-9])(?!\d))|(?P<cm>十[一二]|十|[一二三四五六七八九])|(?P<lm>{lm}))月"
        )
        self.MPART = regex.compile(rf"(?:{a(self.month_parts)})")
        self.ADAY = regex.compile(r"(?<![\d.])(?:3[01]|[12]\d|0?[1-9])(?!\d)")
        self.CDAY = regex.compile(r"(?:三十一|三十|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|廿[一二三四五六七八九]?|[一二三四五六七八九])")
        self.LDAY = regex.compile(r"初(?:十|[一二三四五六七八九])")
        self.DSUF = regex.compile(rf"(?:{a(d['day_suffixes'])})")
        self.YEAR4 = regex.compile(r"(?<![\d.])(\d{4})年")
        self.YEAR2 = regex.compile(r"(?<![\d.])(\d{2})年")
        self.YEARCN = regex.compile(r"([零〇一二三四五六七八九]{2,4})年")
        self.YEARK = regex.compile(r"([一二两]千(?:零[一二三四五六七八九]|零?[一二三四五六七八九]?十[一二三四五六七八九]?)?)年")
        self.QUARTER = regex.compile(
            rf"(?:(?P<cum>{regex.escape(d['cumulative_prefix'])})|(?P<ord>第))?(?P<q>[一二三四1-4])个?季度(?P<end>末)?"
        )
        self.QLATIN = regex.compile(r"(?<![A-Za-z0-9])Q(?P<q>[1-4])(?![A-Za-z0-9])")
        self.CUM_MONTHS = regex.compile(r"前(?P<n>1[0-2]|[1-9]|十[一二]?|[一二两三四五六七八九])个月")
        wd = a(d["weekday_words"])
        days = "".join(self.weekday_days)
        self.WEEKDAY = regex.compile(
            rf"(?P<last>{a(d['last_weekday_prefixes'])})?(?P<off>{a(self.week_offsets)})?(?P<w>{wd})(?P<d>[{days}])"
        )
        self.DECADE = regex.compile(
            rf"(?:(?P<rc>{a(self.rel_centuries)})|(?P<c>\d{{2}}|[一二]?十[一二三四五六七八九]?)世纪)?"
            rf"(?P<dec>[1-9]0|[一二三四五六七八九]十|零零)年代"
        )
        self.BARE_YEAR_RANGE = regex.compile(
            rf"(?P<from>{a(d['range_prefixes'])})?(?P<y1>(?<![\d.])\d{{4}})(?P<n1>年)?(?P<c>{conn})(?P<y2>\d{{4}})(?!\d)(?P<n2>年)?"
        )
        self.MONTH_RANGE = regex.compile(
            rf"(?P<m1>(?<![\d.])(?:1[0-2]|0?[1-9])|十[一二]?|[一二三四五六七八九])(?P<y1>月)?(?P<c>{conn})"
            rf"(?P<m2>(?:1[0-2]|0?[1-9])(?!\d)|十[一二]?|[一二三四五六七八九])月(?P<fen>份)?"
        )
        self.Q_RANGE = regex.compile(rf"(?P<q1>[一二三四1-4])(?:季度)?(?P<c>{conn})(?P<q2>[一二三四1-4])季度")
        self.NUMERIC = regex.compile(
            r"(?<![\d.])(?:(?P<y>\d{4})(?P<s>[-/.])(?P<m>1[0-2]|0?[1-9])(?P=s)(?P<d>3[01]|[12]\d|0?[1-9])"
            r"|(?P<y_>\d{4}) (?P<m_>1[0-2]|0[1-9]) (?P<d_>3[01]|[12]\d|0[1-9])"
            r"|(?P<dd>3[01]|[12]\d|0?[1-9])(?P<s2>[-/.])(?P<mm>1[0-2]|0?[1-9])(?P=s2)(?P<yy>\d{4}))(?!\d|[./]\d)"
        )
        self.ASOF = regex.compile(rf"(?:{a(d['asof_prefixes'])})$")
        self.TO_END = regex.compile(rf"(?:{a(d['deadline_prefixes'])})$")
        self.RANGE_PREFIX = regex.compile(rf"(?:{a(d['range_prefixes'])})$")
        dl_block = a(d["deadline_blockers"])
        for pat in d.get("deadline_blocker_patterns") or []:
            dl_block += f"|(?:{pat})"
        self.DEADLINE = regex.compile(rf"(?:{a(d['deadline_suffixes'])})(?!{dl_block})")
        self.UNTIL_NOW = regex.compile(rf"(?:{a(d['until_now'])})")
        self.BETWEEN_CONN = regex.compile(rf"(?:{a(d['between_connectors'])})")
        self.BETWEEN_SUF = regex.compile(rf"(?:{a(d['between_suffixes'])})")
        self.AFTER_BEFORE = regex.compile(rf"(?:{a(d['after_before'])})")
        self.BEFORE_AFTER = regex.compile(rf"(?:{a(d['before_after'])})")
        self.WEEKDAY_TAIL = regex.compile(rf"[,，]?(?:[(（]?)(?:{wd})[{days}](?:[)）])?")
        self.year_part_blockers = set(d["year_part_blockers"])
        self.month_part_blockers = set(d["month_part_blockers"])
        self.bare_day_followers = list(d["bare_day_followers"])
        self.day_blockers = list(d["day_blockers"])
        self.rd_after = list(d["relative_day_blockers_after"])
        self.rd_before = list(d["relative_day_blockers_before"])
        self.wd_before = list(d["weekday_blockers_before"])
        self.blockers_after = list(d["blockers_after"])
        self.blockers_before = list(d["blockers_before"])
        self.cn_month_blockers_before = list(d["cn_month_blockers_before"])
        self.rel_year_blockers_before = list(d["relative_year_blockers_before"])
        self.rel_year_blockers_after = list(d["relative_year_blockers_after"])
        self.rel_year_word_blockers = {w: tuple(v) for w, v in (d.get("relative_year_word_blockers_before") or {}).items()}
        self.future_list_words = list(d["future_list_words"])
        self.LIST_WORDS = words_rx(self.future_list_words + self.future_markers)
        self.recurring = list(d["recurring_prefixes"])
        self.lunar_markers = list(d["lunar_markers"])
        self.bare_day_after = list(d["bare_day_after"])
        self.since = list(d["since_suffixes"])
        self.goal_only_deadline = set(d["goal_only_deadline_suffixes"])
        self.next_year_words = list(d["next_year_words"])
        starts = set("0123456789零〇一二两三四五六七八九十廿")
        for group in (self.rel_years, self.rel_months, self.rel_days, self.rel_quarters, self.quarter_words,
                      self.halves, self.year_parts, self.phrases, self.lunar_words, self.week_offsets,
                      self.rel_centuries):
            starts.update(w[0] for w in group)
        for key in ("whole_year", "past_year", "recent_years_prefixes", "within_year", "weekday_words",
                    "last_weekday_prefixes", "range_prefixes"):
            starts.update(w[0] for w in d[key])
        starts.update(self.lunar_months)
        starts.update("前第首Q半")
        starts.update(w[0] for w in d["lunar_markers"])
        self.start_chars = starts
        # Speed-up (find): a digit right after another digit or "." can only start
        # the few patterns without a digit look-behind (年代, 世纪, 季度, quarter ranges).
        # Any listed word that starts with a digit is kept as a possible start too.
        # (quarter_numbers only feed the [1-4] classes above)
        digit_words = sorted({w for k, v in d.items() if k != "quarter_numbers" for w in _strings(v)
                              if w[:1] in "0123456789"}, key=len, reverse=True)
        inner = rf"\d{{2}}世纪|[1-9]0年代|[1-4]个?季度|[1-4](?:季度)?(?:{conn})"
        if digit_words:
            inner += "|" + "|".join(regex.escape(w) for w in digit_words)
        self.INNER_DIGIT = regex.compile(inner)
        # Speed-up (find): the second parse (bare number day, 10月12-15日) can only win
        # where a day number right after 月 is followed by a range connector.
        self.BARE_DAY_END = regex.compile(rf"月\n?(?:3[01]|[12]\d|0?[1-9])(?!\d)(?=(?:{conn}))")
        # Speed-up (find): every candidate that Parser.ranges / Parser.atom can return
        # at i starts with a match at i of one of these patterns (the first pattern
        # each parse path tries there), so positions where none matches are skipped.
        # The union only has to be a superset: each path still checks everything.
        gates = [self.YEAR4, self.YEARK, self.YEARCN, self.YEAR2, self.REL_YEAR, self.MONTH, self.QUARTER,
                 self.QLATIN, self.QUARTER_WORD, self.HALF, self.YEAR_PART, self.CUM_MONTHS, self.REL_DAY,
                 self.REL_MONTH, self.REL_QUARTER, self.WEEKDAY, self.LUNAR_WORD, self.PHRASE, self.DECADE,
                 self.PAST_YEAR, self.RECENT, self.WHOLE_YEAR, self.WITHIN_YEAR, self.HALF_COLLOC, self.NUMERIC,
                 self.MONTH_RANGE, self.Q_RANGE, self.BARE_YEAR_RANGE]
        alts = [_renamed(rx.pattern, f"g{k}_") for k, rx in enumerate(gates)]
        alts.append(f"(?:{_renamed(self.ADAY.pattern, 'ad_')})(?:{self.DSUF.pattern})")
        alts.append(f"(?:{_renamed(self.CDAY.pattern, 'cd_')})(?:{self.DSUF.pattern})")
        if self.lunar_markers:
            alts.append(a(self.lunar_markers))
        self.START_ANY = regex.compile("|".join(f"(?:{x})" for x in alts))
        # … and, per first character, only the alternatives that can start with it
        # (a partial match of that one character; look-behinds are negative only, so
        # they cannot fail on an empty left context)
        compiled = [regex.compile(x) for x in alts]
        by_set: dict[tuple, object] = {}
        self.start_gate: dict[str, object] = {}
        for ch in sorted(starts):
            keep = tuple(k for k, rx in enumerate(compiled) if rx.match(ch, partial=True))
            if keep not in by_set:
                by_set[keep] = regex.compile("|".join(f"(?:{alts[k]})" for k in keep)).match if keep else None
            self.start_gate[ch] = by_set[keep]
        # The characters the tables below are computed over: every character the
        # rules and patterns name, and ASCII (any other character is let through).
        universe = set(starts) | {chr(k) for k in range(32, 127)} | {"\n"}
        for w in _strings(d):
            universe.update(str(w))
        pats = [v for v in vars(self).values() if isinstance(v, regex.Pattern)]
        for rx in pats:
            universe.update(rx.pattern)
        # Where find tries a date (START_CHAR): a start character, but an ASCII digit
        # right after another or a "." only where INNER_DIGIT matches (the test a loop
        # over every character made), and only where the next character can continue a
        # date (the same test as the start gate, done by the regex engine):
        # * a character other than a digit: a two-character partial match of its gate
        #   tells which next characters can follow (all of them when a character
        #   outside the universe could);
        # * a digit: the first character after its run of digits must be one the date
        #   patterns put after digits (年, 月, a day suffix, 季 …, a range connector, a
        #   date separator, what follows the digits of a listed word). Checked below
        #   on sample numbers; when the check fails there is no such test.
        ascii_digits = "0123456789"
        outside = "\ue000\u3000\u9f98\u0663\uff13"  # no pattern names these (two are \d)
        branches = []
        for ch in sorted(starts):
            g = self.start_gate[ch]
            if g is None or ch in ascii_digits:
                continue
            if g(ch) or any(g(ch + x, partial=True) for x in outside):
                branches.append(regex.escape(ch))
                continue
            nxt = "".join(regex.escape(x) for x in sorted(universe) if g(ch + x, partial=True))
            if nxt:
                branches.append(f"{regex.escape(ch)}(?=[{nxt}])")
        follow = set("年月世个季-/. ")
        follow.update(w[:1] for w in list(d["day_suffixes"]) + list(d["range_connectors"]))
        follow.update(w.lstrip(ascii_digits)[:1] for w in digit_words)
        follow.discard("")
        for num in ("0", "1", "2", "3", "4", "5", "9", "01", "10", "12", "20", "31", "80", "2023", "1999"):
            g = self.start_gate.get(num[0])
            if g is not None and any(g(num + x, partial=True) for x in universe | set(outside)
                                     if x not in follow and not x.isdecimal()):
                follow = None  # a date pattern goes on after digits with another character
                break
        digits = "".join(c for c in ascii_digits if self.start_gate.get(c) is not None)
        digit_next = f"(?=\\d*[{''.join(regex.escape(x) for x in sorted(follow))}])" if follow else ""
        self.START_CHAR = regex.compile(
            "(?=[" + "".join(regex.escape(c) for c in sorted(starts)) + "])(?:"
            + "|".join(branches + [f"(?<![0-9.])[{digits}]{digit_next}", f"(?=(?:{inner}))[0-9]"]) + ")"
        )
        # Speed-up (Parser.m): characters no match of a pattern can start with, for the
        # patterns where a one-character partial match tells (no anchors, no positive
        # look-behind). Characters outside the universe still run the pattern.
        self.no_start: dict = {}
        for rx in pats:
            can = start_chars(rx, universe)
            if can is not None:
                self.no_start[rx] = frozenset(universe) - can

        def none_of(*rxs) -> frozenset:
            """Characters none of ``rxs`` can start a match with."""
            sets = [self.no_start.get(rx) for rx in rxs]
            return frozenset.intersection(*sets) if all(x is not None for x in sets) else frozenset()

        # … and for the groups of patterns that Parser methods try first at a position
        self.skip_year = none_of(self.YEAR4, self.YEARK, self.YEARCN, self.YEAR2, self.REL_YEAR)
        self.skip_after = none_of(self.MONTH, self.QUARTER, self.QLATIN, self.QUARTER_WORD, self.HALF,
                                  self.YEAR_PART, self.CUM_MONTHS)
        self.skip_others = none_of(self.REL_DAY, self.REL_MONTH, self.REL_QUARTER, self.WEEKDAY, self.LUNAR_WORD,
                                   self.PHRASE, self.DECADE, self.PAST_YEAR, self.RECENT, self.WHOLE_YEAR,
                                   self.WITHIN_YEAR, self.HALF_COLLOC, self.ADAY, self.CDAY)
        self.bare_day_reach = (max(map(len, self.lunar_markers), default=0)
                               + max(7, max(map(len, self.rel_years), default=0)) + 1
                               + max(3, max(map(len, self.lunar_months), default=0) + 1) + 1 + 2 + 2)
        # Speed-up (Parser.m, find): the patterns again, compiled by the standard
        # ``re`` where that reads them the same way (numbers.re_twin); ``re`` matches
        # these patterns several times faster. Used on texts where the two engines'
        # character tables agree (see engines_agree); else the ``regex`` ones run.
        twins = {rx: re_twin(rx) for rx in vars(self).values() if isinstance(rx, regex.Pattern)}
        self.match_slow = {rx: (self.no_start.get(rx), rx.match) for rx in twins}
        self.match_fast = {rx: (self.no_start.get(rx), (tw or rx).match) for rx, tw in twins.items()}
        start_twin = twins.get(self.START_CHAR)
        self.start_search_fast = (start_twin or self.START_CHAR).search
        gate_twins = {}
        for g in set(self.start_gate.values()):
            if g is not None:
                tw = re_twin(g.__self__)
                gate_twins[g] = tw.match if tw is not None else g
        self.start_gate_fast = {ch: (gate_twins[g] if g is not None else None) for ch, g in self.start_gate.items()}


def _renamed(pattern: str, prefix: str) -> str:
    """``pattern`` with its named groups prefixed, so that several can share one regex."""
    pattern = regex.sub(r"\(\?P<(\w+)>", lambda m: f"(?P<{prefix}{m.group(1)}>", pattern)
    return regex.sub(r"\(\?P=(\w+)\)", lambda m: f"(?P={prefix}{m.group(1)})", pattern)


@functools.lru_cache(maxsize=1)
def rules() -> Rules:
    return Rules(patterns.load("dates"))


# ------------------------------------------------------------ structures -----


def _replace(obj, **changes):
    """``dataclasses.replace`` for the plain dataclasses below (no ``__post_init__``,
    no init-only fields), without the cost of calling ``__init__``."""
    new = object.__new__(obj.__class__)
    attrs = new.__dict__
    attrs.update(obj.__dict__)
    attrs.update(changes)
    return new


@dataclass
class Spec:
    """What one end of a date expression pins down (nothing resolved yet)."""

    unit: str  # day, month, quarter, half, year, ypart, weekday, decade, recent, phrase, within
    year: Optional[int] = None  # explicit year
    yrel: Optional[int] = None  # 今年 = 0, 去年 = -1
    month: Optional[int] = None
    mrel: Optional[int] = None  # 本月 = 0
    day: Optional[int] = None
    drel: Optional[int] = None  # 昨日 = -1
    lunar: bool = False
    mpart: Optional[tuple] = None  # (first day, last day or "end")
    quarter: Optional[int] = None
    qrel: Optional[int] = None
    q_upto: bool = False  # 前三季度
    q_end: bool = False  # 三季度末
    half: Optional[int] = None
    ypart: Optional[str] = None  # 年初 …
    m_upto: Optional[int] = None  # 前5个月
    weekday: Optional[int] = None
    week_off: Optional[int] = None
    last_weekday: bool = False
    decade: Optional[tuple] = None  # (century start or None, decade digit, relative century or None)
    recent: Optional[int] = None  # 近三年
    past_year: bool = False
    whole_year: bool = False
    phrase: Optional[str] = None
    bare_day: bool = False  # 28日 without a month
    next_year: bool = False  # end of a range written 次年2月: the year after the start's

    @property
    def explicit_year(self) -> bool:
        return self.year is not None

    @property
    def relative(self) -> bool:
        return any(
            x is not None for x in (self.yrel, self.mrel, self.drel, self.qrel, self.week_off, self.recent)
        ) or self.past_year or self.whole_year or self.phrase is not None or (
            self.weekday is not None
        ) or self.unit == "within"


@dataclass
class Expr:
    """One date expression found in the normalised text."""

    s: int
    e: int
    a: Spec
    b: Optional[Spec] = None  # end of a range
    until_now: bool = False  # 2021年至今
    kind: str = "point"  # point/span/asof/deadline (point/span settled at resolution)
    since: bool = False  # followed by 以来
    future: bool = False  # a goal word in the clause
    past: bool = False  # a finished-event word in the clause
    inherit_year: Optional[int] = None  # year named before it in the same clause (absolute)
    inherit_yrel: Optional[int] = None
    tail: int = 0  # end of words read with the date but not part of its text (a weekday)

    @property
    def lunar(self) -> bool:
        return self.a.lunar or bool(self.b and self.b.lunar)

    @property
    def relative(self) -> bool:
        return self.a.relative or bool(self.b and self.b.relative) or self.until_now

    @property
    def has_year(self) -> bool:
        """Does the expression fix its own year (explicit or relative)?"""
        return self.a.year is not None or self.a.yrel is not None


# -------------------------------------------------------------- parsing ------


def _cn_int(s: str) -> Optional[int]:
    if s.isdigit():
        return int(s)
    s = s.replace("廿", "二十").replace("卅", "三十")
    v = parse_number(s)
    if v is None or v != v.to_integral_value():
        return None
    return int(v)


def _year_value(tok: str, kind: str) -> Optional[int]:
    if kind == "4":
        return int(tok)
    if kind == "2":
        v = int(tok)
        return 2000 + v if v < 50 else 1900 + v
    if kind == "cn":
        digits = "".join(str(_cn_int(c) if c not in "零〇" else 0) for c in tok)
        v = int(digits)
        if len(tok) == 2:
            return 2000 + v if v < 50 else 1900 + v
        return v
    v = _cn_int(tok)
    return v


class Parser:
    def __init__(self, text: str, r: Rules):
        self.t = text
        self.r = r
        self.n = len(text)
        self.no_start = r.no_start
        self._years: dict = {}
        self.fast = engines_agree(text)
        self._match = r.match_fast if self.fast else r.match_slow

    # -- small helpers -------------------------------------------------------
    def m(self, rx, i):
        got = self._match.get(rx)
        if got is None:
            return rx.match(self.t, i)
        no, match = got
        if no is not None and i < self.n and self.t[i] in no:
            return None
        return match(self.t, i)

    def starts(self, i: int, words) -> Optional[str]:
        """The longest of ``words`` at ``i`` (None when none; falsy either way)."""
        t = self.t
        for w in word_groups(words)[0].get(t[i:i + 1], ()):
            if t.startswith(w, i):
                return w
        return None

    def ends_with(self, i: int, words) -> Optional[str]:
        """The longest of ``words`` ending at ``i`` (None when none; falsy either way)."""
        if i <= 0:
            return None
        t = self.t
        for w in word_groups(words)[1].get(t[i - 1:i], ()):
            if i - len(w) >= 0 and t.startswith(w, i - len(w)):
                return w
        return None

    # -- years -----------------------------------------------------------------
    def year(self, i: int) -> list[tuple[int, dict]]:
        """Possible year prefixes at ``i``: (end, info). (Read once per position:
        callers only read the list.)"""
        got = self._years.get(i)
        if got is None:
            got = self._years[i] = self._year(i)
        return got

    def _year(self, i: int) -> list[tuple[int, dict]]:
        r = self.r
        if i < self.n and self.t[i] in r.skip_year:
            return []  # no year pattern can start here
        out = []
        mm = self.m(r.YEAR4, i)
        if mm:
            v = int(mm.group(1))
            if r.year_min <= v <= r.year_max:
                out.append((mm.end(), {"year": v, "digits": True}))
        mm = self.m(r.YEARK, i)
        if mm:
            v = _cn_int(mm.group(1))
            if v and r.year_min <= v <= r.year_max:
                out.append((mm.end(), {"year": v, "digits": True}))
        mm = self.m(r.YEARCN, i)
        if mm and (i == 0 or self.t[i - 1] not in "零〇一二两三四五六七八九十百千"):
            tok = mm.group(1)
            v = _year_value(tok, "cn")
            if len(tok) == 4:
                out.append((mm.end(), {"year": v, "digits": True}))
            elif len(tok) == 3:
                out.append((mm.end(), {"year": v, "digits": True, "needs_month": True}))
            elif tok[0] in "零〇":
                out.append((mm.end(), {"year": v, "digits": True}))
            else:
                out.append((mm.end(), {"year": v, "digits": True, "needs_month": True}))
        mm = self.m(r.YEAR2, i)
        if mm:
            tok = mm.group(1)
            info = {"year": _year_value(tok, "2"), "digits": True}
            if tok[0] != "0":
                info["needs_month"] = True
            out.append((mm.end(), info))
        mm = self.m(r.REL_YEAR, i)
        if mm and not self.ends_with(i, r.rel_year_blockers_before) and not self.starts(mm.end(), r.rel_year_blockers_after) \
                and not self.ends_with(i, r.rel_year_word_blockers.get(mm.group(), ())):
            out.append((mm.end(), {"yrel": r.rel_years[mm.group()]}))
        return out

    # -- after a year (or alone) -------------------------------------------------
    def month_tail(self, i: int, had_year: bool, allow_bare_num_day: bool = False) -> list[tuple[int, Spec]]:
        r = self.r
        mm = self.m(r.MONTH, i)
        out = []
        if not mm:
            return out
        if mm.group("cm") and not had_year:
            if self.ends_with(i, r.cn_month_blockers_before) or (i > 0 and self.t[i - 1] in "零〇一二两三四五六七八九十百千个"):
                return out
            nxt2 = self.t[mm.end() + 1:mm.end() + 2]
            if self.t[mm.end():mm.end() + 1] == "一" and nxt2 and not self.m(r.DSUF, mm.end() + 1) \
                    and not self.m(r.CDAY, mm.end() + 1) and ("\u4e00" <= nxt2 <= "\u9fff"):
                return out  # 一月一观摩: once a month
        lunar_name = bool(mm.group("lm"))
        p = mm.end()
        if self.t[p:p + 1] == "\n" and self.m(r.ADAY, p + 1) and self.m(r.DSUF, self.m(r.ADAY, p + 1).end()):
            p += 1  # a line break left between month and day (10月\n12日)
        if mm.group("am"):
            month = int(mm.group("am"))
        elif mm.group("cm"):
            month = _cn_int(mm.group("cm"))
        else:
            month = r.lunar_months[mm.group("lm")]
        base = Spec("month", month=month, lunar=lunar_name)
        # day
        day_found = False
        if not lunar_name:
            dm = self.m(r.ADAY, p)
            if dm:
                sm = self.m(r.DSUF, dm.end())
                if sm and not self.starts(sm.end(), r.day_blockers):
                    out.append((sm.end(), _replace(base, unit="day", day=int(dm.group()))))
                    day_found = True
                elif allow_bare_num_day:
                    out.append((dm.end(), _replace(base, unit="day", day=int(dm.group()))))
                    day_found = True
        lm = self.m(r.LDAY, p)
        if lm and (mm.group("cm") or lunar_name):
            end = lm.end()
            sm = self.m(r.DSUF, end)
            if sm:
                end = sm.end()
            out.append((end, _replace(base, unit="day", day=_cn_int(lm.group()[1:]), lunar=True)))
            day_found = True
        elif not day_found:
            cm = self.m(r.CDAY, p)
            if cm:
                v = _cn_int(cm.group())
                sm = self.m(r.DSUF, cm.end())
                if sm and not self.starts(sm.end(), r.day_blockers):
                    out.append((sm.end(), _replace(base, unit="day", day=v)))
                elif lunar_name or mm.group("cm"):
                    # 八月十五, 正月十五: a day without 日 only before punctuation or the
                    # end of the text (一月一观摩 is "once a month"); lunar month names
                    # also before other words (正月十五前后)
                    nxt = self.t[cm.end():cm.end() + 1]
                    if not nxt or not (nxt.isalnum() or "\u4e00" <= nxt <= "\u9fff") or (
                            lunar_name and nxt not in "个家万亿元年月日号项条名人次倍份期批届座所只台吨"):
                        out.append((cm.end(), _replace(base, unit="day", day=v)))
        if not day_found and p == mm.end():
            pm = self.m(r.MPART, p)
            if pm:
                w = pm.group()
                nxt = self.t[pm.end():pm.end() + 1]
                if w not in ("初", "中") or nxt not in r.month_part_blockers:
                    d1, d2 = r.month_parts[w]
                    out.append((pm.end(), _replace(base, mpart=(int(d1), d2))))
        if lunar_name:
            return out  # 正月 / 腊月 alone name a season loosely, not a date
        p = end = mm.end()
        if self.t.startswith("份", p):
            end = p + 1
        out.append((end, base))
        return out

    def rel_month_tail(self, i: int) -> list[tuple[int, Spec]]:
        """本月, 上个月底, 本月十日."""
        r = self.r
        t = self.t
        out = []
        mm = self.m(r.REL_MONTH, i)
        if not mm:
            return out
        base = Spec("month", mrel=r.rel_months[mm.group()])
        out.append((mm.end(), base))
        p = mm.end()
        pm = self.m(r.MPART, p)
        if pm and (pm.group() not in ("初", "中") or t[pm.end():pm.end() + 1] not in r.month_part_blockers):
            d1, d2 = r.month_parts[pm.group()]
            out.append((pm.end(), _replace(base, mpart=(int(d1), d2))))
        for rx in (r.ADAY, r.CDAY):
            dm = self.m(rx, p)
            if dm:
                sm = self.m(r.DSUF, dm.end())
                v = _cn_int(dm.group())
                if sm and v and not self.starts(sm.end(), r.day_blockers):
                    out.append((sm.end(), _replace(base, unit="day", day=v)))
        return out

    def quarter_tail(self, i: int) -> list[tuple[int, Spec]]:
        r = self.r
        out = []
        mm = self.m(r.QUARTER, i)
        if mm:
            q = r.quarter_numbers[mm.group("q")]
            if mm.group("cum"):
                if q >= 2:
                    out.append((mm.end(), Spec("quarter", quarter=q, q_upto=True)))
            else:
                out.append((mm.end(), Spec("quarter", quarter=q, q_end=bool(mm.group("end")))))
        mm = self.m(r.QLATIN, i)
        if mm:
            out.append((mm.end(), Spec("quarter", quarter=int(mm.group("q")))))
        mm = self.m(r.QUARTER_WORD, i)
        if mm:
            end = mm.end()
            q_end = self.t.startswith("末", end)
            out.append((end + q_end, Spec("quarter", quarter=r.quarter_words[mm.group()], q_end=q_end)))
        return out

    def after_year(self, i: int, had_year: bool, year_digits: bool) -> list[tuple[int, Spec]]:
        r = self.r
        if not had_year and i < self.n and self.t[i] in r.skip_after:
            return []  # no pattern tried below can start here
        out = []
        out += self.month_tail(i, had_year)
        if had_year:
            out += self.rel_month_tail(i)
        out += self.quarter_tail(i)
        mm = self.m(r.HALF, i)
        if mm:
            out.append((mm.end(), Spec("half", half=r.halves[mm.group()])))
        mm = self.m(r.YEAR_PART, i)
        if mm and self.t[mm.end():mm.end() + 1] not in r.year_part_blockers:
            out.append((mm.end(), Spec("ypart", ypart=mm.group())))
        mm = self.m(r.CUM_MONTHS, i)
        if mm:
            out.append((mm.end(), Spec("month", m_upto=_cn_int(mm.group("n")))))
        if had_year and i < self.n and self.t[i] in "初底末" and self.t[i - 1:i] == "年":
            # 2023年初 / 2022年底: the year's 年 is shared
            if self.t[i] != "初" or self.t[i + 1:i + 2] not in r.year_part_blockers:
                key = "年" + self.t[i]
                if key in r.year_parts:
                    out.append((i + 1, Spec("ypart", ypart=key)))
        if had_year:
            mm = self.m(r.WHOLE_YEAR, i)
            if mm:
                out.append((mm.end(), Spec("year")))
        return out

    def calendar(self, i: int, allow_bare_num_day: bool = False) -> list[tuple[int, Spec]]:
        lm = self.starts(i, self.r.lunar_markers)
        if lm:
            # 农历2015年十月初一: a lunar date, the marker is part of it
            return [(e, _replace(sp, lunar=True)) for e, sp in self._calendar(i + len(lm), allow_bare_num_day)
                    if sp.unit == "day" and sp.month is not None]
        out = self._calendar(i, allow_bare_num_day)
        # 2015年农历正月初一
        for yend, info in self.year(i):
            lm = self.starts(yend, self.r.lunar_markers)
            if lm:
                for e, sp in self.month_tail(yend + len(lm), True):
                    if sp.unit == "day":
                        out.append((e, _replace(sp, lunar=True, year=info.get("year"), yrel=info.get("yrel"))))
        return out

    def _calendar(self, i: int, allow_bare_num_day: bool = False) -> list[tuple[int, Spec]]:
        out = []
        for yend, info in self.year(i):
            if self.t[yend:yend + 1] == "\n" and info.get("digits") and self.m(self.r.MONTH, yend + 1):
                yend += 1  # a line break left between year and month (2023年\n12月)
            if info.get("needs_month"):
                tails = self.month_tail(yend, True, allow_bare_num_day=allow_bare_num_day)
                tails = [(e, sp) for e, sp in tails if sp.month is not None]
            else:
                tails = self.after_year(yend, True, bool(info.get("digits")))
                if allow_bare_num_day:
                    tails += self.month_tail(yend, True, allow_bare_num_day=True)
            for end, spec in tails:
                out.append((end, _replace(spec, year=info.get("year"), yrel=info.get("yrel"))))
            if not info.get("needs_month"):
                out.append((yend, Spec("year", year=info.get("year"), yrel=info.get("yrel"))))
        tails = self.after_year(i, False, False)
        if allow_bare_num_day:
            tails += self.month_tail(i, False, allow_bare_num_day=True)
        out += tails
        return out

    def others(self, i: int) -> list[tuple[int, Spec]]:
        r = self.r
        t = self.t
        if i < self.n and t[i] in r.skip_others:
            return []  # no pattern tried below can start here
        out = []
        mm = self.m(r.REL_DAY, i)
        if mm and not self.starts(mm.end(), r.rd_after) and not self.ends_with(i, r.rd_before):
            out.append((mm.end(), Spec("day", drel=r.rel_days[mm.group()])))
        out += self.rel_month_tail(i)
        mm = self.m(r.REL_QUARTER, i)
        if mm:
            out.append((mm.end(), Spec("quarter", qrel=r.rel_quarters[mm.group()])))
        mm = self.m(r.WEEKDAY, i)
        if mm and not self.ends_with(i, r.wd_before):
            w = mm.group("w")
            ok = True
            if w == "周" and not mm.group("off") and not mm.group("last"):
                # 周一 … 周日: not inside words (周边 is not matched anyway); 周末 is a week.
                ok = not (i > 0 and t[i - 1] in "每一两三四五六七八九十几本上下这")
            if ok:
                off = r.week_offsets.get(mm.group("off")) if mm.group("off") else None
                out.append((mm.end(), Spec("day", weekday=r.weekday_days[mm.group("d")], week_off=off,
                                           last_weekday=bool(mm.group("last")))))
        mm = self.m(r.LUNAR_WORD, i)
        if mm:
            lmn, ld = r.lunar_words[mm.group()]
            out.append((mm.end(), Spec("day", month=int(lmn), day=int(ld), lunar=True)))
            # 雍正四年大年三十 etc. are not handled (regnal years are out of scope)
        mm = self.m(r.PHRASE, i)
        if mm:
            out.append((mm.end(), Spec("phrase", phrase=mm.group())))
        mm = self.m(r.DECADE, i)
        if mm:
            dec = mm.group("dec")
            digit = 0 if dec == "零零" else (int(dec[0]) if dec[0].isdigit() else _cn_int(dec) // 10)
            cent = None
            if mm.group("c"):
                c = _cn_int(mm.group("c"))
                if c:
                    cent = (c - 1) * 100
            out.append((mm.end(), Spec("decade", decade=(cent, digit, r.rel_centuries.get(mm.group("rc") or "")))))
        mm = self.m(r.PAST_YEAR, i)
        if mm:
            out.append((mm.end(), Spec("year", past_year=True)))
        mm = self.m(r.RECENT, i)
        if mm:
            n = _cn_int(mm.group("n"))
            if n and n >= 2:
                out.append((mm.end(), Spec("recent", recent=n)))
        mm = self.m(r.WHOLE_YEAR, i)
        if mm:
            out.append((mm.end(), Spec("year", whole_year=True)))
        mm = self.m(r.WITHIN_YEAR, i)
        if mm:
            out.append((mm.end(), Spec("within")))
        mm = self.m(r.HALF_COLLOC, i)
        if mm and not (i > 0 and t[i - 1] in "上下"):
            out.append((mm.end(), Spec("half", half=1)))
        # bare day: 28日, 12号 (the month comes from the reference date)
        for rx in (r.ADAY, r.CDAY):
            dm = self.m(rx, i)
            if not dm:
                continue
            if rx is r.CDAY and i > 0 and t[i - 1] in "零〇一二两三四五六七八九十百千":
                continue
            sm = self.m(r.DSUF, dm.end())
            if not sm:
                continue
            if i > 0 and (t[i - 1] in "月." or t[i - 1].isdigit()):
                continue
            rest = sm.end()
            nxt = t[rest:rest + 1]
            prev = t[i - 1:i]
            follows = (
                rest >= self.n
                or not (nxt.isalnum() or "\u4e00" <= nxt <= "\u9fff")
                or self.starts(rest, r.bare_day_followers)
                or (sm.group() == "日" and (
                    i == 0
                    or not (prev.isalnum() or "\u4e00" <= prev <= "\u9fff")
                    or self.ends_with(i, r.bare_day_after)))
            )
            if follows and not self.starts(rest, r.day_blockers):
                v = _cn_int(dm.group())
                if v and 1 <= v <= 31:
                    out.append((rest, Spec("day", day=v, bare_day=True)))
        return out

    def numeric(self, i: int) -> list[tuple[int, Spec]]:
        mm = self.m(self.r.NUMERIC, i)
        if not mm:
            return []
        g = mm.groupdict()
        if g["y"]:
            y, m, d = int(g["y"]), int(g["m"]), int(g["d"])
        elif g["y_"]:
            y, m, d = int(g["y_"]), int(g["m_"]), int(g["d_"])
        else:
            y, m, d = int(g["yy"]), int(g["mm"]), int(g["dd"])
        if not (self.r.year_min <= y <= self.r.year_max):
            return []
        return [(mm.end(), Spec("day", year=y, month=m, day=d))]

    def ranges(self, i: int) -> list[tuple[int, int, Spec, Spec]]:
        """Ranges written as one token (1-5月份, 2022-2024年, 从2016到2018): (start, end, a, b)."""
        r = self.r
        out = []
        for yend, info in [(i, {})] + self.year(i):
            mm = self.m(r.MONTH_RANGE, yend)
            if mm and (info or yend == i):
                m1, m2 = _cn_int(mm.group("m1")), _cn_int(mm.group("m2"))
                if m1 and m2 and 1 <= m1 < m2 <= 12 and not (mm.group("m1").isdigit() != mm.group("m2").isdigit()):
                    a = Spec("month", month=m1, year=info.get("year"), yrel=info.get("yrel"))
                    b = Spec("month", month=m2, year=info.get("year"), yrel=info.get("yrel"))
                    out.append((i, mm.end(), a, b))
            qm = self.m(r.Q_RANGE, yend)
            if qm and (info or yend == i):
                q1, q2 = r.quarter_numbers[qm.group("q1")], r.quarter_numbers[qm.group("q2")]
                if q1 < q2:
                    out.append((i, qm.end(), Spec("quarter", quarter=q1, year=info.get("year"), yrel=info.get("yrel")),
                                Spec("quarter", quarter=q2, year=info.get("year"), yrel=info.get("yrel"))))
        mm = self.m(r.BARE_YEAR_RANGE, i)
        if mm and (mm.group("from") or mm.group("n2") or mm.group("n1")):
            y1, y2 = int(mm.group("y1")), int(mm.group("y2"))
            if r.year_min <= y1 < y2 <= r.year_max:
                out.append((i, mm.end(), Spec("year", year=y1), Spec("year", year=y2)))
        return out

    # -- one expression at i -------------------------------------------------------
    def atom(self, i: int, allow_bare_num_day: bool = False) -> Optional[tuple[int, Spec]]:
        cands = self.calendar(i, allow_bare_num_day) + self.others(i) + self.numeric(i)
        cands = [c for c in cands if c[0] > i and self._ok(i, c[0], c[1])]
        if not cands:
            return None
        return max(cands, key=lambda c: (c[0], _specificity(c[1])))

    def _ok(self, s: int, e: int, spec: Spec) -> bool:
        r = self.r
        if self.starts(e, r.blockers_after):
            return False
        if s > 0 and self.t[s - 1] in r.blockers_before and spec.unit in ("year", "month", "day") and spec.weekday is None:
            return False
        if spec.unit == "year" and spec.year is not None and s > 0 and self.t[s - 1].isdigit():
            return False
        if spec.unit in ("month", "day") and spec.year is None and spec.yrel is None and self.ends_with(s, r.recurring):
            return False  # 每月15日, 每年12月: recurring, not a calendar date
        return True


def _specificity(spec: Spec) -> int:
    return {"day": 5, "month": 4, "quarter": 3, "half": 2, "ypart": 2}.get(spec.unit, 1)


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]




def find(text: str) -> list[Expr]:
    """Date expressions in the normalised ``text``, unresolved, left to right."""
    r = rules()
    p = Parser(text, r)
    n = len(text)
    out: list[Expr] = []
    bare_ends = [m.end() for m in r.BARE_DAY_END.finditer(text, overlapped=True)]
    reach = r.bare_day_reach
    next_start = r.start_search_fast if p.fast else r.START_CHAR.search
    gates = r.start_gate_fast if p.fast else r.start_gate
    i = 0
    while i < n:
        g = next_start(text, i)
        if g is None:
            break
        i = g.start()
        c = text[i]
        gate = gates[c]
        if gate is None or not gate(text, i):
            i += 1
            continue
        best = None  # (end, Expr)
        for s, e, a, b in p.ranges(i):
            if best is None or e > best[0]:
                best = (e, Expr(s, e, a, b, kind="span"))
        at = p.atom(i)
        if at is not None:
            e, spec = at
            ex = Expr(i, e, spec)
            ex = _extend_range(p, ex)
            if best is None or ex.e > best[0]:
                best = (ex.e, ex)
        if bare_ends:
            k = bisect.bisect_right(bare_ends, i)
            at2 = p.atom(i, allow_bare_num_day=True) if k < len(bare_ends) and bare_ends[k] <= i + reach else None
        else:
            at2 = None
        if at2 is not None and (at is None or at2[0] > at[0]) and p.m(r.CONN, at2[0]):
            ex = _extend_range(p, Expr(i, at2[0], at2[1]))
            if ex.b is not None and ex.b.unit == "day" and (best is None or ex.e > best[0]):
                best = (ex.e, ex)
        if best is None:
            i += 1
            continue
        ex = _markers(p, best[1])
        i = max(ex.e, ex.tail)
        if ex.a.unit == "recent" and ex.b is None and not r.recent_is_date:
            continue  # 近三年: read, but a rolling window is no date (patterns/dates.yaml)
        out.append(ex)
    return out


def _extend_range(p: Parser, ex: Expr) -> Expr:
    """A 至 B, A 与 B 间, A 之后 B 之前, A 至今."""
    r = p.r
    j = ex.e
    um = p.m(r.UNTIL_NOW, j)
    if um:
        return _replace(ex, e=um.end(), until_now=True, kind="span")
    cm = p.m(r.CONN, j)
    if cm:
        k = cm.end()
        ny = p.starts(k, r.next_year_words)
        if ny and ex.a.year is None and ex.a.unit in ("day", "month"):
            at = p.atom(k + len(ny))
            if at is not None and at[1].year is None and at[1].yrel is None and _compatible(ex.a, at[1]):
                return _replace(ex, e=at[0], b=_replace(at[1], next_year=True), kind="span")
        at = p.atom(cm.end(), allow_bare_num_day=True) if cm.end() < p.n else None
        if at is None and ex.a.unit == "day" and ex.a.day is not None:
            # 从一月十日到十二日: a bare day after the connector
            at = p.atom(cm.end())
        if at is not None and _compatible(ex.a, at[1]):
            return _replace(ex, e=at[0], b=at[1], kind="span")
    # A 与 B 之间: 2007年与2009年间
    bm = p.m(r.BETWEEN_CONN, j)
    if bm:
        at = p.atom(bm.end())
        if at is not None and _compatible(ex.a, at[1]):
            sm = p.m(r.BETWEEN_SUF, at[0])
            if sm:
                return _replace(ex, e=sm.end(), b=at[1], kind="span")
    am = p.m(r.AFTER_BEFORE, j)
    if am:
        at = p.atom(am.end())
        if at is not None and _compatible(ex.a, at[1]):
            bm2 = p.m(r.BEFORE_AFTER, at[0])
            if bm2:
                return _replace(ex, e=bm2.end(), b=at[1], kind="span")
    return ex


def _compatible(a: Spec, b: Spec) -> bool:
    if a.unit == "year" and b.unit == "year":
        return a.year is not None and b.year is not None
    if a.unit == "day":
        return b.unit == "day" and b.weekday is None and b.drel is None and not (a.bare_day and b.month is not None)
    if a.unit == "month" and a.m_upto is None:
        return b.unit == "month" and b.m_upto is None and b.mrel is None and (b.month is not None)
    if a.unit == "quarter":
        return b.unit == "quarter" and not (a.q_upto or b.q_upto)
    return False


def _markers(p: Parser, ex: Expr) -> Expr:
    """Prefixes and suffixes that are part of the expression or set its kind."""
    r = p.r
    t = p.t
    s, e = ex.s, ex.e
    kind = ex.kind
    # range written with 从
    if ex.b is not None:
        pm = r.RANGE_PREFIX.search(t, max(0, s - 1), s)
        if pm:
            s = pm.start()
    # as-of
    am = r.ASOF.search(t, max(0, s - 4), s)
    if am and ex.b is None:
        s = am.start()
        kind = "asof"
    elif ex.b is None:
        dm = p.m(r.DEADLINE, e)
        if dm:
            goal_only = dm.group() in r.goal_only_deadline
            if not goal_only or _tense(t, _replace(ex, kind="point"), r)[0]:
                e = dm.end()
                kind = "deadline"
    if ex.a.unit == "within":
        kind = "deadline"
    if kind not in ("asof", "deadline") and ex.b is None and _is_period_end(ex.a):
        tm = r.TO_END.search(t, max(0, s - 2), s)
        if tm:
            fut, past = _tense(t, ex, r)
            if fut or not past:  # 到2月底产能已恢复 is a finished state, not a deadline
                s = tm.start()
                kind = "deadline"
    # a weekday written after a date (2023年3月20日 星期一) belongs to it but, like
    # 上午 in 5月9日上午, is not part of its text; it is not a date of its own
    tail = e
    if ex.b is None and ex.a.unit == "day" and ex.a.weekday is None and (ex.a.month is not None or ex.a.bare_day):
        wm = r.WEEKDAY_TAIL.match(t, e)
        if wm and kind not in ("deadline",):
            tail = wm.end()
    since = any(t.startswith(w, e) for w in r.since)
    ex = _replace(ex, s=s, e=e, kind=kind, since=since, tail=tail)
    fut, past = _tense(t, ex, r)
    return _replace(ex, future=fut, past=past)


def _is_period_end(a: Spec) -> bool:
    """年底 / 9月底: the end of a year or month (到2026年底 is a deadline)."""
    if a.unit == "ypart":
        return rules().year_parts[a.ypart]["start"] != "01-01"
    return a.unit == "month" and a.mpart is not None and a.mpart[1] == "end"


_CLAUSE_END = set("，,；;。！？!?\n：:")
_SENT_END = set("；;。！？!?\n")


_REACH = 120  # how far a clause or sentence is looked for (keeps long unpunctuated text linear)


@functools.lru_cache(maxsize=8)
def _end_classes(ends: frozenset) -> tuple:
    """(backward, forward) searches for a character of ``ends``."""
    cls = "[" + "".join(regex.escape(c) for c in sorted(ends)) + "]"
    return regex.compile("(?r)" + cls).search, regex.compile(cls).search


_ENDS = {id(_CLAUSE_END): _end_classes(frozenset(_CLAUSE_END)), id(_SENT_END): _end_classes(frozenset(_SENT_END))}


def clause(text: str, s: int, e: int, ends=None) -> tuple[int, int]:
    """The stretch around ``[s, e)`` up to the nearest characters of ``ends`` (at
    most ``_REACH`` characters away on each side)."""
    ends = ends or _CLAUSE_END
    back, fwd = _ENDS.get(id(ends)) if ends is _CLAUSE_END or ends is _SENT_END else (None, None)
    if back is None:
        back, fwd = _end_classes(frozenset(ends))
    lo = max(0, s - _REACH)
    if s <= lo:
        a = s
    else:
        m = back(text, lo, s)
        a = m.end() if m is not None else lo
    hi = min(len(text), e + _REACH)
    if e >= hi:
        b = e
    else:
        m = fwd(text, e, hi)
        b = m.start() if m is not None else hi
    return a, b


def _tense(t: str, ex: Expr, r: Rules) -> tuple[bool, bool]:
    """(goal, finished): a goal word / finished-event word around the date, in its
    clause and the next one when its own ends right after it (8月1日起，…将开展…),
    or a list of plans opened by 安排： / 部署： earlier in the sentence."""
    a, b = clause(t, ex.s, ex.e)
    if b - ex.e <= 3 and b < len(t) and t[b] not in _SENT_END:
        _, b = clause(t, b + 1, b + 1)
    ctx = _mask(t[a:ex.s] + "|" + t[ex.e:b], r)
    fut = ex.kind == "deadline" or _holds(r.FUTURE_WORDS, ctx)
    past = _holds(r.PAST_WORDS, ctx)
    if not fut:
        ss, _ = clause(t, a, a, _SENT_END)
        head = t[ss:a]
        colon = max(head.rfind(":"), head.rfind("："))
        if colon >= 0:
            lead = _mask(head[:colon], r)
            fut = _holds(r.LIST_WORDS, lead)
    return fut, past


def _holds(rx, s: str) -> bool:
    """Does ``s`` hold one of the words compiled into ``rx`` (None: no words)?"""
    return rx is not None and rx.search(s) is not None


def _mask(ctx: str, r: Rules) -> str:
    if not _holds(r.EXCEPTION_WORDS, ctx):
        return ctx  # no exception word: the replacements below change nothing
    for w in r.marker_exceptions:
        ctx = ctx.replace(w, "□" * len(w))
    return ctx


# ------------------------------------------------------------- resolution ----


def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _month_add(y: int, m: int, k: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


def _safe_date(y, m, d) -> Optional[dt.date]:
    try:
        return dt.date(y, m, d)
    except (ValueError, TypeError):
        return None


def _lunar_to_solar(ly: int, m: int, d: int) -> Optional[dt.date]:
    try:
        from lunardate import LunarDate

        ld = LunarDate(ly, m, d)
        conv = getattr(ld, "to_solar_date", None) or ld.toSolarDate
        return conv()
    except Exception:
        return None


@dataclass
class Resolved:
    start: Optional[dt.date]
    end: Optional[dt.date]
    granularity: str


def _base_year(spec: Spec, ref: Optional[dt.date], inherit: Optional[int]) -> tuple[Optional[int], bool]:
    """(year, shiftable): shiftable when the year came only from the reference date."""
    if spec.year is not None:
        return spec.year, False
    if spec.yrel is not None:
        return (ref.year + spec.yrel, False) if ref else (None, False)
    if inherit is not None:
        return inherit, False
    return (ref.year, True) if ref else (None, False)


def _resolve_spec(spec: Spec, ref: Optional[dt.date], inherit: Optional[int]) -> tuple[Resolved, bool]:
    """Resolve one end; returns (resolved, year_shiftable)."""
    R = rules()
    none = lambda g: (Resolved(None, None, g), False)  # noqa: E731
    y, shiftable = _base_year(spec, ref, inherit)
    u = spec.unit
    if spec.drel is not None:
        if not ref:
            return none("day")
        d = ref + dt.timedelta(days=spec.drel)
        return Resolved(d, d, "day"), False
    if spec.weekday is not None:
        if not ref:
            return none("day")
        if spec.last_weekday:
            back = (ref.isoweekday() - spec.weekday) % 7 or 7
            d = ref - dt.timedelta(days=back)
        else:
            monday = ref - dt.timedelta(days=ref.isoweekday() - 1)
            d = monday + dt.timedelta(days=7 * (spec.week_off or 0) + spec.weekday - 1)
        return Resolved(d, d, "day"), False
    if spec.bare_day:
        if not ref:
            return none("day")
        return Resolved(_safe_date(ref.year, ref.month, spec.day), _safe_date(ref.year, ref.month, spec.day), "day"), True
    if spec.mrel is not None:
        if not ref:
            return none("day" if spec.day else "month")
        yy, mm = _month_add(ref.year + (spec.yrel or 0), ref.month, spec.mrel)
        if spec.day:
            d = _safe_date(yy, mm, spec.day)
            return Resolved(d, d, "day"), False
        return _month_res(yy, mm, spec.mpart), False
    if spec.qrel is not None:
        if not ref:
            return none("quarter")
        q0 = (ref.month - 1) // 3 + spec.qrel
        yy, q = ref.year + q0 // 4, q0 % 4 + 1
        return Resolved(dt.date(yy, 3 * q - 2, 1), dt.date(yy, 3 * q, _last_day(yy, 3 * q)), "quarter"), False
    if u == "phrase":
        if not ref:
            return none(R.phrases[spec.phrase]["granularity"])
        ph = R.phrases[spec.phrase]
        (a0, am, ad), (b0, bm, bd) = ph["start"], ph["end"]
        return Resolved(dt.date(ref.year + a0, am, ad), dt.date(ref.year + b0, bm, bd), ph["granularity"]), False
    if u == "decade":
        cent, digit, rc = spec.decade
        if cent is None and rc is not None and ref:
            cent = (ref.year // 100 + rc) * 100
        if cent is None:
            if not ref:
                return none("year")
            cent = ref.year // 100 * 100
            if cent + digit * 10 > ref.year:
                cent -= 100
        y0 = cent + digit * 10
        return Resolved(dt.date(y0, 1, 1), dt.date(y0 + 9, 12, 31), "year"), False
    if u == "recent":
        if not ref:
            return none("year")
        return Resolved(dt.date(ref.year - spec.recent, 1, 1), dt.date(ref.year - 1, 12, 31), "year"), False
    if spec.past_year:
        if not ref:
            return none("year")
        return Resolved(dt.date(ref.year - 1, 1, 1), dt.date(ref.year - 1, 12, 31), "year"), False
    if u == "within":
        if y is None:
            return none("year")
        return Resolved(None, dt.date(y, 12, 31), "year"), False
    if y is None:
        g = {"day": "day", "month": "month", "quarter": "quarter", "half": "half"}.get(u, "year")
        if u == "ypart":
            g = R.year_parts[spec.ypart]["granularity"]
        return none(g)
    if u == "day":
        if spec.lunar:
            if spec.year is not None or spec.yrel is not None or inherit is not None or not ref:
                d = _lunar_to_solar(y, spec.month, spec.day)
            else:
                best = None
                for ly in (ref.year - 1, ref.year, ref.year + 1):
                    d0 = _lunar_to_solar(ly, spec.month, spec.day)
                    if d0 and (best is None or abs((d0 - ref).days) < abs((best - ref).days)):
                        best = d0
                d = best
            return Resolved(d, d, "day"), False
        if spec.month == 2 and spec.day == 29 and shiftable:
            yy = y
            while not calendar.isleap(yy):
                yy -= 1
            d = dt.date(yy, 2, 29)
            return Resolved(d, d, "day"), False
        d = _safe_date(y, spec.month, spec.day)
        return Resolved(d, d, "day"), shiftable
    if u == "month":
        if spec.m_upto:
            n = spec.m_upto
            return Resolved(dt.date(y, 1, 1), dt.date(y, n, _last_day(y, n)), "month"), False
        return _month_res(y, spec.month, spec.mpart), shiftable
    if u == "quarter":
        q = spec.quarter
        if spec.q_upto:
            return Resolved(dt.date(y, 1, 1), dt.date(y, 3 * q, _last_day(y, 3 * q)), "quarter"), False
        first = 3 * q - 2 if not spec.q_end else 3 * q
        return Resolved(dt.date(y, first, 1), dt.date(y, 3 * q, _last_day(y, 3 * q)), "quarter"), False
    if u == "half":
        if spec.half == 1:
            return Resolved(dt.date(y, 1, 1), dt.date(y, 6, 30), "half"), False
        return Resolved(dt.date(y, 7, 1), dt.date(y, 12, 31), "half"), False
    if u == "ypart":
        yp = R.year_parts[spec.ypart]
        sm, sd = map(int, yp["start"].split("-"))
        em, ed = map(int, yp["end"].split("-"))
        return Resolved(dt.date(y, sm, sd), dt.date(y, em, ed), yp["granularity"]), False
    # year
    return Resolved(dt.date(y, 1, 1), dt.date(y, 12, 31), "year"), False


def _month_res(y: int, m: int, mpart) -> Resolved:
    last = _last_day(y, m)
    if mpart:
        d1, d2 = mpart
        d2 = last if d2 == "end" else min(int(d2), last)
        return Resolved(dt.date(y, m, d1), dt.date(y, m, d2), "month")
    return Resolved(dt.date(y, m, 1), dt.date(y, m, last), "month")


def _shift_years(res: Resolved, k: int) -> Resolved:
    def sh(d):
        if d is None:
            return None
        try:
            return d.replace(year=d.year + k)
        except ValueError:  # 29 February
            return d.replace(year=d.year + k, day=28)

    return Resolved(sh(res.start), sh(res.end), res.granularity)


def _shift_months(res: Resolved, k: int, spec: Spec) -> Resolved:
    """Bare day (28日): move to the previous or next month."""
    if res.start is None:
        return res
    y, m = _month_add(res.start.year, res.start.month, k)
    d = _safe_date(y, m, spec.day)
    return Resolved(d, d, res.granularity)


def _bare_day(day: int, ref: dt.date, future: bool) -> Resolved:
    """28日 without a month: the latest such day up to the reference date
    (with a goal word: the next one from it)."""
    step = 1 if future else -1
    for k in range(0, 4):
        y, m = _month_add(ref.year, ref.month, step * k)
        d = _safe_date(y, m, day)
        if d is not None and ((d >= ref) if future else (d <= ref)):
            return Resolved(d, d, "day")
    return Resolved(None, None, "day")


def _bare_weekday(wd: int, ref: dt.date, future: bool) -> Resolved:
    """周三 without 上/下/本: the latest such day up to the reference date
    (with a goal word: the next one from it)."""
    if future:
        d = ref + dt.timedelta(days=(wd - ref.isoweekday()) % 7)
    else:
        d = ref - dt.timedelta(days=(ref.isoweekday() - wd) % 7)
    return Resolved(d, d, "day")


def resolve(ex: Expr, ref: Optional[dt.date]) -> Resolved:
    """Start, end (inclusive) and granularity of ``ex`` for the reference date ``ref``."""
    R = rules()
    inherit = ex.inherit_year
    a = ex.a
    if ex.inherit_yrel is not None and a.year is None and a.yrel is None and ref:
        inherit = ref.year + ex.inherit_yrel
    ra, shift_a = _resolve_spec(a, ref, inherit)
    if a.bare_day and ref:
        ra = _bare_day(a.day, ref, ex.future)
        shift_a = False
    elif a.weekday is not None and a.week_off is None and not a.last_weekday and ref:
        ra = _bare_weekday(a.weekday, ref, ex.future)
    if ex.b is None:
        res = ra
        shift = shift_a
    else:
        b = ex.b
        # the end inherits what it does not say from the start
        if b.year is None and b.yrel is None:
            b = _replace(b, year=a.year, yrel=a.yrel)
        if b.unit == "day" and b.month is None and b.weekday is None and b.drel is None and a.month is not None:
            b = _replace(b, month=a.month, bare_day=False, lunar=a.lunar)
        rb, shift_b = _resolve_spec(b, ref, inherit)
        if b.next_year and ra.start and rb.end:
            rb = _shift_years(rb, ra.start.year + 1 - rb.end.year)
        elif ra.start and rb.end and rb.end < ra.start and b.year is None and a.year is None and a.yrel is None:
            rb = _shift_years(rb, 1)
        g = min(ra.granularity, rb.granularity, key=lambda x: GRAN_ORDER[x])
        res = Resolved(ra.start, rb.end, g)
        shift = shift_a and shift_b
    if ex.until_now:
        res = Resolved(res.start, ref if ref else None, res.granularity)
    if shift and ref and res.start is not None:
        if not ex.future and res.start > ref + R.past_shift:
            res = _shift_years(res, -1)
        elif ex.future and res.end is not None and res.end < ref - R.future_shift:
            res = _shift_years(res, 1)
    if ex.kind in ("asof", "deadline"):
        g = res.granularity
        if a.unit in ("ypart", "within"):
            g = "year"
            if res.end is not None:
                res = Resolved(res.start, dt.date(res.end.year, 12, 31), g)
        res = Resolved(None, res.end, g)
    return res


# ------------------------------------------------------------- extraction ----


def _inherit(text: str, exprs: list[Expr]) -> list[Expr]:
    """A year-less expression takes the year named before it in the same clause."""
    out = []
    last: Optional[Expr] = None
    for ex in exprs:
        if last is not None and not ex.has_year and ex.a.drel is None and ex.a.weekday is None \
                and ex.a.unit in ("day", "month", "quarter", "half", "ypart") and not ex.a.bare_day \
                and ex.a.mrel is None and ex.a.qrel is None:
            between = text[last.e:ex.s]
            if not any(c in _CLAUSE_END for c in between) and len(between) <= 20:
                if last.a.year is not None and last.b is None and last.a.unit == "year":
                    ex = _replace(ex, inherit_year=last.a.year)
                elif last.a.yrel is not None and last.b is None and last.a.unit == "year":
                    ex = _replace(ex, inherit_yrel=last.a.yrel)
        out.append(ex)
        last = ex
    return out


def find_doc(text: str) -> list[Expr]:
    """:func:`find` plus year inheritance inside a clause. (Kept for the last few
    texts: inferring a report's date and extracting its dates read the same text;
    the expressions are never changed in place.)"""
    return list(_find_doc(text))


@text_cache(4)
def _find_doc(text: str) -> tuple:
    return tuple(_inherit(text, find(text)))


def extract(doc) -> list[DateFact]:
    """All dates of ``doc``, resolved against ``doc.reference_date``."""
    ref = doc.reference_date
    facts = []
    for ex in find_doc(doc.text):
        res = resolve(ex, ref)
        kind = ex.kind
        if kind in ("point", "span"):
            kind = "point" if (res.granularity == "day" and ex.b is None and not ex.until_now) else "span"
        facts.append(
            doc.make(
                DateFact,
                ex.s,
                ex.e,
                date_start=res.start,
                date_end=res.end,
                granularity=res.granularity,
                date_kind=kind,
                lunar=ex.lunar,
                relative=ex.relative,
            )
        )
    return facts
