"""Percentages (``74.3%``, ``百分之十五``, ``百分百``, ``近乎100%``, ``93%以上``,
``5%-10%``, ``千分之三``, ``近三成``) and percentage points (``2.3个百分点``).

Rules are data (``patterns/percent.yaml``, ``patterns/qualifiers.yaml``).
A change in percentage points is its own kind (:class:`PercentagePoint`,
with ``direction`` up/down from 提高/下降 …), never a percentage.

Decisions (see ``patterns/percent.yaml``):

* ``X分之Y`` with X a power of ten ≥ 100 (千分之一) is always a rate; other
  fractions (五分之一) only after a share word (占) or a glued qualifier,
  never inside quotation marks (``“二分之一”工作法`` is a name).
* ``N成`` is a share (成 = 10%); ``折`` is a price discount and is not
  extracted.
* A range has ``value`` = lower bound and ``value_max`` = upper bound.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

import regex

import patterns

from .models import Percentage, PercentagePoint
from .numbers import (
    CLAUSE_SEPS,
    NUMBER,
    anchored_finditer,
    chars_class,
    clause_start,
    combine_qualifiers,
    decimal_to_json,
    match_text,
    is_target,
    last_word,
    number_char_class,
    number_first_class,
    parse_number,
    word_groups,
    qualifier_after,
    qualifier_before,
    qualifier_inside,
    qualifier_words,
)

_CN_NUM_CHARS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟兆"


@dataclass(frozen=True)
class _Rules:
    sign_first: "regex.Pattern"
    num_first: "regex.Pattern"
    cheng_first: "regex.Pattern"
    sign_anchor: "regex.Pattern"
    sign_back: "regex.Pattern"
    point_anchor: "regex.Pattern"
    point_back: "regex.Pattern"
    cheng_back: "regex.Pattern"
    cheng_unit: "regex.Pattern"
    sign_rx: "regex.Pattern"
    word_rx: "regex.Pattern"
    whole_rx: "regex.Pattern"
    frac_rx: "regex.Pattern"
    cheng_rx: "regex.Pattern"
    point_rx: "regex.Pattern"
    signs: dict
    whole: dict
    share_cues: tuple
    cheng_blocked_after: tuple
    cheng_blocked_before: str
    up: tuple
    down: tuple
    up_down: tuple  # up, then down
    direction: dict  # word -> "up" / "down" (up when a word is in both)
    names: tuple
    verbs: tuple
    generic: str
    prefixes: tuple


def _alt(words) -> str:
    return patterns.alternation(list(words))


@functools.lru_cache(maxsize=1)
def rules() -> _Rules:
    data = patterns.load("percent")
    num = NUMBER()
    seps = _alt(data["range_separators"])
    neg = _alt(data["negative"])
    signs = {k: Decimal(str(v)) for k, v in data["signs"].items()}
    sign_cls = regex.escape("".join(signs))
    pw = _alt(data["percent_words"])
    inside = _alt(qualifier_words("inside"))
    not_num_before = rf"(?<![\d.{_CN_NUM_CHARS}])"
    sign_rx = regex.compile(
        rf"(?<![\d.A-Za-z%{_CN_NUM_CHARS}])(?P<neg>{neg})?(?P<n1>{num})"
        rf"(?:(?P<s1>[{sign_cls}])?(?P<sep>{seps})(?P<n2>{num}))?(?P<sign>[{sign_cls}])"
    )
    word_rx = regex.compile(
        rf"{not_num_before}(?P<neg>负)?(?P<pw>{pw})(?P<n1>{num})(?!分)"
        rf"(?:(?P<sep>{seps})(?:{pw})?(?P<n2>{num}))?"
    )
    whole = {w: Decimal(str(v)) for w, v in data["whole_words"].items()}
    whole_rx = regex.compile(rf"{not_num_before}(?:{_alt(whole)})(?![{_CN_NUM_CHARS}\d])")
    frac_rx = regex.compile(
        rf"(?<![\d.{_CN_NUM_CHARS}])(?P<den>[一壹]?[百佰千仟万亿]{{1,4}}|{num})分之(?P<num>{num})"
    )
    ch = data["cheng"]
    cheng_rx = regex.compile(
        rf"(?<![\d.])(?P<n>{num}|半){regex.escape(ch['unit'])}(?P<x>半|[一二三四五六七八九](?![{_CN_NUM_CHARS}]))?"
    )
    points = _alt(data["points"])
    point_rx = regex.compile(
        rf"(?<![\d.A-Za-z{_CN_NUM_CHARS}])(?P<n1>{num})(?:(?P<sep>{seps})(?P<n2>{num}))?(?P<ins>{inside})?"
        rf"(?:{points})"
    )
    # Speed-up: each of these matches is a run of prefix characters and then an
    # anchor (the sign, the points word, 成); it is tried only there
    # (never with an empty prefix: only an anchor right after a prefix character
    # can end one)
    n_chars = number_char_class() + chars_class(*data["range_separators"])
    sign_chars = n_chars + chars_class(*data["negative"], *signs)
    point_chars = n_chars + chars_class(*qualifier_words("inside"))
    cheng_chars = number_char_class() + "半"
    sign_back = regex.compile(r"(?r)[^" + sign_chars + "]")
    point_back = regex.compile(r"(?r)[^" + point_chars + "]")
    cheng_back = regex.compile(r"(?r)[^" + cheng_chars + "]")
    num_first = number_first_class()
    return _Rules(
        sign_first=regex.compile("[" + num_first + chars_class(*(w[:1] for w in data["negative"])) + "]"),
        num_first=regex.compile("[" + num_first + "]"),
        cheng_first=regex.compile("[" + num_first + "半]"),
        sign_anchor=regex.compile(f"(?<=[{sign_chars}])[{sign_cls}]"),
        sign_back=sign_back,
        point_anchor=regex.compile(f"(?<=[{point_chars}])(?:{points})"),
        point_back=point_back,
        cheng_back=cheng_back,
        cheng_unit=regex.compile(f"(?<=[{cheng_chars}]){regex.escape(ch['unit'])}"),
        sign_rx=sign_rx,
        word_rx=word_rx,
        whole_rx=whole_rx,
        frac_rx=frac_rx,
        cheng_rx=cheng_rx,
        point_rx=point_rx,
        signs=signs,
        whole=whole,
        share_cues=tuple(data.get("fraction_share_cues") or []),
        cheng_blocked_after=tuple(ch.get("blocked_after") or []),
        cheng_blocked_before="".join(ch.get("blocked_before") or []),
        up=tuple(data["direction"]["up"]),
        down=tuple(data["direction"]["down"]),
        up_down=tuple(data["direction"]["up"]) + tuple(data["direction"]["down"]),
        direction={**{w: "down" for w in data["direction"]["down"]}, **{w: "up" for w in data["direction"]["up"]}},
        names=tuple(data["metric_names"]),
        verbs=tuple(data["metric_verbs"]),
        generic=data.get("generic_rate_suffix", "率"),
        prefixes=tuple(sorted(data.get("metric_prefixes") or [], key=len, reverse=True)),
    )


@dataclass
class _Cand:
    start: int  # of the number (qualifier not yet added)
    end: int
    value: Decimal
    value_max: Optional[Decimal] = None
    kind: str = "percentage"  # or "point"
    inside: Optional[str] = None
    needs_cue: bool = False


_PCT_ESCAPE = regex.compile(r"%[0-9A-Fa-f]{2}")


def _in_url(text: str, start: int, end: int) -> bool:
    a, b = start, end
    while a > 0 and "!" <= text[a - 1] <= "~":
        a -= 1
    while b < len(text) and "!" <= text[b] <= "~":
        b += 1
    tok = text[a:b]
    return "://" in tok or "www." in tok or _PCT_ESCAPE.search(tok) is not None and "/" in tok


def _neg(m) -> Decimal:
    return Decimal(-1) if m.group("neg") else Decimal(1)


def _candidates(text: str) -> list[_Cand]:
    r = rules()
    out: list[_Cand] = []
    for m in anchored_finditer(r.sign_rx, text, r.sign_anchor, r.sign_back, r.sign_first, empty_prefix=False):
        if _in_url(text, m.start(), m.end()):
            continue
        scale = r.signs[m.group("sign")]
        v1 = parse_number(m.group("n1"))
        if v1 is None:
            continue
        v2 = parse_number(m.group("n2")) if m.group("n2") else None
        if m.group("n2") and v2 is None:
            continue
        if m.group("neg") and m.group("n2"):
            continue
        val = _neg(m) * v1 * scale
        out.append(_Cand(m.start(), m.end(), val, v2 * scale if v2 is not None else None))
    for m in r.word_rx.finditer(text):
        v1 = parse_number(m.group("n1"))
        if v1 is None:
            continue
        v2 = parse_number(m.group("n2")) if m.group("n2") else None
        out.append(_Cand(m.start(), m.end(), _neg(m) * v1, v2))
    for m in r.whole_rx.finditer(text):
        out.append(_Cand(m.start(), m.end(), r.whole[m.group()]))
    for m in r.frac_rx.finditer(text):
        den_s = m.group("den")
        if den_s in ("百", "佰"):
            continue  # 百分之N: percent words
        den, num = parse_number(den_s), parse_number(m.group("num"))
        if not den or num is None:
            continue
        power_of_ten = den >= 100 and den == Decimal(10) ** (len(str(int(den))) - 1)
        out.append(_Cand(m.start(), m.end(), num / den * 100, needs_cue=not power_of_ten))
    for m in anchored_finditer(r.cheng_rx, text, r.cheng_unit, r.cheng_back, r.cheng_first, empty_prefix=False):
        if any(text.startswith(w, m.end()) for w in r.cheng_blocked_after):
            continue
        if m.start() > 0 and text[m.start() - 1] in r.cheng_blocked_before:
            continue
        n = m.group("n")
        base = Decimal("0.5") if n == "半" else parse_number(n)
        if base is None or base > 10:
            continue
        x = m.group("x")
        extra = Decimal("0.5") if x == "半" else (parse_number(x) / 10 if x else Decimal(0))
        out.append(_Cand(m.start(), m.end(), (base + extra) * 10))
    for m in anchored_finditer(r.point_rx, text, r.point_anchor, r.point_back, r.num_first, empty_prefix=False):
        v1 = parse_number(m.group("n1"))
        if v1 is None:
            continue
        v2 = parse_number(m.group("n2")) if m.group("n2") else None
        out.append(_Cand(m.start(), m.end(), v1, v2, kind="point", inside=m.group("ins")))
    # keep the longest of overlapping candidates, earliest first
    out.sort(key=lambda c: (c.start, -(c.end - c.start)))
    kept: list[_Cand] = []
    for c in out:
        if kept and c.start < kept[-1].end:
            if c.end - c.start > kept[-1].end - kept[-1].start and c.kind == "point":
                kept[-1] = c
            continue
        kept.append(c)
    return kept


#: Up to this long a stretch is read from its end (quicker for a clause); a longer
#: one (a text without punctuation) word by word with ``rfind`` (linear).
_SHORT = 160


def _nearest(seg: str, words) -> Optional[str]:
    """The word of ``words`` nearest the end of ``seg`` (the longest on a tie)."""
    if len(seg) <= _SHORT:
        hit = last_word(seg, 0, len(seg), word_groups(words)[1])
        return hit[0] if hit else None
    best = None
    for w in words:
        k = seg.rfind(w)
        if k < 0:
            continue
        key = (k + len(w), len(w))
        if best is None or key > best[0]:
            best = (key, w)
    return best[1] if best else None


def _generic_rate(seg: str, suffix: str) -> Optional[tuple[int, str]]:
    k = seg.rfind(suffix)
    if k < 2:
        return None
    word = seg[k - 2:k + 1]
    if all("\u4e00" <= ch <= "\u9fff" for ch in word):
        return k + 1, word
    return None


def metric_of(text: str, nstart: int, verbs: bool = True) -> str:
    """The word naming the rate, before the figure in its clause."""
    r = rules()
    for seps in (CLAUSE_SEPS + "、", CLAUSE_SEPS):
        seg = text[clause_start(text, nstart, seps=seps):nstart]
        name = _nearest(seg, r.names)
        gen = _generic_rate(seg, r.generic)
        if gen is not None:
            name_end = seg.rfind(name) + len(name) if name else -1
            if gen[0] > name_end:
                name = gen[1]
        if name:
            head = seg[: seg.rfind(name)]
            for p in r.prefixes:
                if head.endswith(p) and not name.startswith(p):
                    return p + name
            return name
        if verbs:
            verb = _nearest(seg, r.verbs)
            if verb:
                return verb
    return ""


def direction_of(text: str, nstart: int) -> Optional[str]:
    r = rules()
    a = clause_start(text, nstart)
    if nstart - a <= _SHORT:
        hit = last_word(text, a, nstart, word_groups(r.up_down)[1])
        return r.direction[hit[0]] if hit else None
    seg = text[a:nstart]
    best = None
    for d, words in (("up", r.up), ("down", r.down)):
        for w in words:
            k = seg.rfind(w)
            if k < 0:
                continue
            key = (k + len(w), len(w))
            if best is None or key > best[0]:
                best = (key, d)
    return best[1] if best else None


def _share_cue(text: str, start: int) -> bool:
    seg = text[clause_start(text, start):start]
    return any(c in seg for c in rules().share_cues)


def _quoted(text: str, start: int, end: int) -> bool:
    return start > 0 and text[start - 1] in "“\"'‘「" and end < len(text) and text[end] in "”\"'’」"


def _num(v: Optional[Decimal]):
    return None if v is None else decimal_to_json(v)


def extract(doc) -> list:
    text = doc.text
    facts = []
    for c in _candidates(match_text(doc)):
        q_before, nstart = qualifier_before(doc, c.start)
        q_after, nend = qualifier_after(text, c.end)
        if c.needs_cue:
            if _quoted(text, c.start, c.end) or not (q_before or _share_cue(text, c.start)):
                continue
        qual = combine_qualifiers(q_before, qualifier_inside(c.inside), q_after)
        if c.kind == "point":
            facts.append(
                doc.make(
                    PercentagePoint,
                    nstart,
                    nend,
                    value=_num(c.value),
                    qualifier=qual,
                    metric=metric_of(text, nstart, verbs=False),
                    direction=direction_of(text, nstart),
                )
            )
            continue
        facts.append(
            doc.make(
                Percentage,
                nstart,
                nend,
                value=_num(c.value),
                value_max=_num(c.value_max),
                qualifier=qual,
                metric=metric_of(text, nstart),
                target=is_target(doc, nstart, nend),
            )
        )
    return facts
