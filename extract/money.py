"""Money amounts: ``160.7亿元``, ``约465亿元``, ``3-5亿元``, ``8000万美元``, ``五元三毛``.

Rules are data (``patterns/money.yaml`` for currencies and roles,
``patterns/qualifiers.yaml`` for qualifier and goal words); this module is
the engine. Every amount has an exact integer ``value_yuan`` (Decimal
arithmetic; the currency's own units), a ``currency`` (ISO code), a
``qualifier``, a ``role`` read from the words before it in its clause and
``target`` (a goal rather than a result).

Conventions (GUIDE.md):

* ``text`` is the number and its unit, with a qualifier word glued to it
  (``约465亿元``, ``突破 180亿元``, ``1500万元以上``), without the role word.
  A line break between the qualifier word and the number keeps the word out
  of the text (it still sets the qualifier).
* A range (``3亿至5亿元``, ``3-5亿元``) has ``value_yuan`` = lower bound and
  ``value_max_yuan`` = upper bound; a lower bound without its own unit takes
  the upper bound's (``3-5亿元`` = 3亿 … 5亿).
* ``role`` comes from a role word before the amount in its clause, else from
  a pattern right after it (``超10亿元的项目12个``: the size of the projects,
  total investment; ``10亿元以上项目9个``: a size class, other), a role word
  after it, a verb of investing after it, a role word earlier in the sentence.
* ``target``: :func:`extract.numbers.is_target` (goal words, projections such
  as ``投产后可实现``, deadlines; ``争取到`` / ``……到位`` are results).
* An amount below one unit (``五元三毛`` = 5.3 yuan) cannot be an integer:
  ``value_yuan`` is rounded half-up to whole units (the exact value is what
  :func:`parse_amount` returns).
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

import regex

import patterns

from .memo import text_cache
from .models import Amount
from .numbers import (
    CLAUSE_SEPS,
    NUMBER,
    WordIndex,
    _sep_class,
    by_last_char,
    last_word,
    combine_qualifiers,
    is_target,
    match_text,
    parse_number,
    qualifier_after,
    qualifier_before,
    qualifier_inside,
    qualifier_words,
)


@dataclass(frozen=True)
class _Rules:
    rx: "regex.Pattern"
    sub_rx: "regex.Pattern"
    after: dict  # currency word -> ISO
    symbols: dict  # symbol -> ISO
    subunits: dict  # ISO -> {word: Decimal}
    trailing: tuple
    blocked_after: dict  # currency word -> compiled regex of what may not follow
    blocked_after_amount: tuple
    sub_blocked: tuple
    role_words: tuple  # (word, role), longest first
    overrides: tuple
    after_verbs: dict
    after_patterns: tuple  # (compiled regex, role)
    units: dict


def _alt(words) -> str:
    return patterns.alternation(list(words))


@functools.lru_cache(maxsize=1)
def rules() -> _Rules:
    data = patterns.load("money")
    after, symbols, subunits = {}, {}, {}
    for iso, spec in data["currencies"].items():
        for w in spec.get("after") or []:
            after[w] = iso
        for s in spec.get("symbols") or []:
            symbols[s] = iso
        if spec.get("subunits"):
            subunits[iso] = {w: Decimal(str(v)) for w, v in spec["subunits"].items()}
    num = NUMBER()
    seps = _alt(data["range_separators"])
    inside = _alt(qualifier_words("inside"))
    units = {}
    for ch, v in patterns.load("numbers")["small_units"].items():
        units[ch] = Decimal(v)
    for ch, v in patterns.load("numbers")["big_units"].items():
        units[ch] = Decimal(v)
    unit_cls = regex.escape("".join(units))
    sym = _alt(symbols)
    cur = _alt(after)
    trailing = _alt(data.get("trailing_words") or ["人民币"])
    digits = regex.escape("".join(str(k) for k in patterns.load("numbers")["digits"].values()))
    bare_before = regex.escape("".join(data.get("bare_blocked_before") or []))
    bare = _alt(data.get("bare_units") or [])
    n1 = rf"(?:{num}|(?<![{digits}{bare_before}十拾百佰千仟万亿])(?:{bare}))" if bare else num
    rx = regex.compile(
        rf"(?<![\d.A-Za-z])"
        rf"(?:(?P<sym>{sym})\s?)?"
        rf"(?P<n1>{n1})"
        rf"(?:(?P<cur1>{cur})?(?P<sep>{seps})(?:{sym})?(?P<n2>{num}))?"
        rf"(?P<ins>{inside})?"
        rf"(?P<unit>[{unit_cls}]*)"
        rf"(?P<ins2>{inside})?"
        rf"(?P<cur>{cur})?"
        rf"(?P<trail>{trailing})?"
    )
    all_sub = {w for d in subunits.values() for w in d}
    joiners = _alt(data.get("subunit_joiners") or [])
    sub_rx = regex.compile(rf"(?:{joiners})?(?P<n>{num})(?P<u>{_alt(all_sub)})") if all_sub else None
    blocked = {}
    for w, items in (data.get("blocked_after") or {}).items():
        blocked[w] = regex.compile("|".join(items))
    role_words = []
    for role, words in data["roles"].items():
        for w in words:
            role_words.append((w, role))
    role_words.sort(key=lambda x: -len(x[0]))
    overrides = tuple(
        (tuple(o["words"]), tuple(o["earlier"]), o["role"]) for o in data.get("role_overrides") or []
    )
    return _Rules(
        rx=rx,
        sub_rx=sub_rx,
        after=after,
        symbols=symbols,
        subunits=subunits,
        trailing=tuple(data.get("trailing_words") or []),
        blocked_after=blocked,
        blocked_after_amount=tuple(data.get("blocked_after_amount") or []),
        sub_blocked=tuple(data.get("subunit_blocked_after") or []),
        role_words=tuple(role_words),
        overrides=overrides,
        after_verbs=dict(data.get("after_verbs") or {}),
        after_patterns=tuple((regex.compile(p["pattern"]), p["role"]) for p in data.get("after_patterns") or []),
        units=units,
    )


def _trailing_units(num: str, units: dict) -> Decimal:
    """Product of the unit characters that end ``num`` (``5亿`` → 10^8)."""
    mult = Decimal(1)
    k = len(num)
    while k > 0 and num[k - 1] in units:
        k -= 1
    if k == 0:
        return mult
    for ch in num[k:]:
        mult *= units[ch]
    return mult


@dataclass
class AmountMatch:
    """One amount found in normalised text (before roles and targets)."""

    start: int
    end: int
    value: Decimal
    value_max: Optional[Decimal]
    currency: str
    qualifier: str


def find_amounts(doc) -> list[AmountMatch]:
    """Every amount in ``doc.text`` with its value, currency and qualifier."""
    r = rules()
    text = match_text(doc)
    found: list[AmountMatch] = []
    for m in r.rx.finditer(text):
        cur, sym = m.group("cur", "sym")
        if not cur and not sym:
            continue
        end = m.end()
        if m.group("cur1") and m.group("cur1") != cur:
            continue  # 5亿元至3亿美元 is no range
        if cur:
            cur_end = m.end("cur")
            bl = r.blocked_after.get(cur)
            if bl is not None and cur_end < len(text) and bl.match(text, cur_end):
                continue
            iso = r.after[cur]
            if not m.group("trail"):
                end = cur_end
        else:
            iso = r.symbols[sym]
        n1, n2 = m.group("n1"), m.group("n2")
        mult = Decimal(1)
        for ch in m.group("unit") or "":
            mult *= r.units[ch]
        v1 = parse_number(n1)
        if v1 is None:
            continue
        v2 = None
        if n2:
            v2 = parse_number(n2)
            if v2 is None:
                continue
            if _trailing_units(n1, r.units) == 1:
                v1 *= _trailing_units(n2, r.units)
            v2 *= mult
        v1 *= mult
        first = m.start()
        if v2 is not None and v2 < v1:
            # not a range after all (2022-5亿元): only the second number is the amount
            v1, v2, n2, first = v2, None, None, m.start("n2")
        if text.startswith(r.blocked_after_amount, end):  # a tuple: any of them
            continue
        # sub-units: 五元三毛, 两美元又三美分
        if r.sub_rx is not None and iso in r.subunits and not n2:
            for _ in range(2):
                sm = r.sub_rx.match(text, end)
                if not sm or sm.group("u") not in r.subunits[iso]:
                    break
                if text.startswith(r.sub_blocked, sm.end()):  # a tuple: any of them
                    break
                sv = parse_number(sm.group("n"))
                if sv is None:
                    break
                v1 += sv * r.subunits[iso][sm.group("u")]
                end = sm.end()
        q_before, nstart = qualifier_before(doc, first)
        q_after, end = qualifier_after(text, end)
        q_inside = qualifier_inside(m.group("ins") or m.group("ins2"))
        qual = combine_qualifiers(q_before, q_inside, q_after)
        found.append(AmountMatch(nstart, end, v1, v2, iso, qual))
    return found


def parse_amount(text: str):
    """``(value, value_max, currency)`` of the first amount in ``text`` (Decimal values)."""
    from .doc import Doc

    doc = Doc.from_text(text)
    got = find_amounts(doc)
    if not got:
        return None
    a = got[0]
    return a.value, a.value_max, a.currency


@text_cache(8)
def _sep_positions(text: str, seps: str) -> tuple:
    """Sorted positions of the characters of ``seps`` in ``text`` (computed once per
    text, so that finding clause bounds stays linear in a long sentence full of
    amounts)."""
    return tuple([m.start() for m in _sep_class(seps, False).finditer(text)])


@text_cache(4)
def _role_index(text: str) -> WordIndex:
    """Every role word in ``text``, to find the one nearest the end of any stretch
    without rescanning it (see :func:`_role_at`)."""
    return WordIndex(text, [w for w, _ in rules().role_words])


@functools.lru_cache(maxsize=1)
def _role_table() -> dict:
    """Role word -> role (the first listed), and role words by first character."""
    roles: dict = {}
    first: dict = {}
    for w, role in rules().role_words:
        roles.setdefault(w, role)
        first.setdefault(w[:1], []).append((w, role))
    return {"role": roles, "first": first, "last": by_last_char(w for w, _ in rules().role_words)}


#: Stretches up to this long are read directly, longer ones from the per-text index.
_SHORT = 160


def _role_at(text: str, a: int, b: int) -> Optional[tuple[str, str]]:
    """``(word, role)`` of the role word nearest the end of ``text[a:b]`` (the
    longest on a tie, then the first listed); None when there is none."""
    table = _role_table()
    if b - a <= _SHORT:
        hit = last_word(text, a, b, table["last"])
    else:
        hit = _role_index(text).last(a, b)
    if hit is None:
        return None
    return hit[0], table["role"][hit[0]]


def _clause_end_at(text: str, i: int, seps: str) -> int:
    """Same as ``clause_end(text, i, seps)``: the first separator at or after ``i``."""
    pos = _sep_positions(text, seps)
    k = bisect.bisect_left(pos, i)
    return pos[k] if k < len(pos) else len(text)


def role_of(text: str, nstart: int, nend: int, floor: int = 0, sentence_start: Optional[int] = None) -> str:
    """Role of the amount at ``[nstart, nend)`` from the words around it.

    In order: the nearest role word before it in its list item (up to 、) or
    its clause, not reaching back past ``floor`` (the end of the previous
    amount, whose role words are its own); a role word right after it
    (``500万元奖励``, ``25万元的政策奖励资金``); a verb of investing after it
    (``以1.8亿欧元设立区域总部``); the nearest role word earlier
    in the sentence (``总产值突破1000亿元，达到1032.6亿元``); else ``other``.
    """
    r = rules()
    # max(clause start, floor), looking back no further than floor (the previous
    # amount's end), so that a text full of amounts is still read once
    sm = _sep_class(CLAUSE_SEPS, True).search(text, floor, nstart)
    clause0 = sm.end() if sm is not None else floor
    k = text.rfind("、", clause0, nstart)  # the list item: 、 counts as a separator too
    seg0 = k + 1 if k >= 0 else clause0
    hit = _role_at(text, seg0, nstart) or _role_at(text, clause0, nstart)
    if hit is not None:
        word, role = hit
        base = seg0 if text[seg0:nstart].rfind(word) >= 0 else clause0
        at = base + text[base:nstart].rfind(word)
        for words, earlier, new_role in r.overrides:
            if word in words and any(e in text[clause0:at] for e in earlier):
                return new_role
        return role
    ce = _clause_end_at(text, nend, CLAUSE_SEPS)
    after = text[nend:ce]
    for rx, role in r.after_patterns:
        if rx.match(text, nend, ce):
            return role
    for w, role in _role_table()["first"].get(after[:1], ()):  # longest first
        if after.startswith(w):
            return role
    k = after.find("的")
    if 0 <= k <= 2:
        # the head noun of 的 + noun comes last: 的外资产业引导基金 → 基金
        hit = _role_at(text, nend + k + 1, min(nend + k + 13, ce))
        if hit is not None:
            return hit[1]
    for verb, role in r.after_verbs.items():
        j = after.find(verb)
        if 0 <= j <= 6 and not any(ch.isdigit() for ch in after[:j]):
            return role
    if sentence_start is not None:
        hit = _role_at(text, sentence_start, nstart)
        if hit is not None:
            return hit[1]
    return "other"


def _to_int(v: Optional[Decimal]) -> Optional[int]:
    if v is None:
        return None
    return int(v.to_integral_value(rounding=ROUND_HALF_UP))


def extract(doc) -> list[Amount]:
    facts = []
    text = doc.text
    prev_end = 0
    for a in find_amounts(doc):
        role = role_of(text, a.start, a.end, floor=prev_end, sentence_start=doc.sentence(a.start)[0])
        prev_end = a.end
        facts.append(
            doc.make(
                Amount,
                a.start,
                a.end,
                value_yuan=_to_int(a.value),
                value_max_yuan=_to_int(a.value_max),
                currency=a.currency,
                qualifier=a.qualifier,
                role=role,
                target=is_target(doc, a.start, a.end, role),
            )
        )
    return facts
