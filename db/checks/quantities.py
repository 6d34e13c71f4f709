"""Numbers with units in a report's normalised text, for the arithmetic checks.

The extraction pipeline only keeps money, percentages and counts of
*projects*; the checks also need the other things a sentence counts
(``收集各类企业问题616个，推动问题解决608个``), so they read every
number-and-unit here, with the words around it:

* ``label``: the clause before the number, minus linking words
  (``项目总数为347个`` → ``项目总数``);
* ``noun``: for a count, the noun after its measure word (``6个流程`` → ``流程``);
* ``qualifier``: exact / approx / over / under (``约465亿元``, ``320余项``);
* ``ulp``: half a unit of the last written digit, in the value's own units
  (``131.1亿元`` → 0.05亿元), the rounding a stated figure may carry.

Values are exact ``Decimal`` (money in yuan). Spans are normalised indices of
the :class:`~db.checks.context.ReportView`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

import regex

import patterns
from extract.numbers import NUMBER, parse_number

from .context import ReportView, rules


@dataclass(slots=True)
class Quantity:
    ns: int  # normalised start (qualifier included)
    ne: int  # normalised end (unit and after-qualifier included)
    num_s: int
    num_e: int
    value: Decimal
    cls: str  # money, percent, count, area, weight
    unit: str  # the written unit (元, 个, 家 …)
    qualifier: str = "exact"
    label: str = ""
    noun: str = ""
    ulp: Decimal = Decimal(0)  # half a unit of the last written digit
    arabic: bool = True
    value_max: Optional[Decimal] = None
    target: bool = False
    text: str = ""

    @property
    def is_range(self) -> bool:
        return self.value_max is not None

    def key_noun(self) -> str:
        return self.noun


def _unit_table() -> dict[str, str]:
    table = {}
    for cls, units in rules()["quantities"]["units"].items():
        for u in units:
            table[str(u)] = cls
    return table


@functools.lru_cache(maxsize=1)
def _qualifier_words() -> tuple[dict[str, str], dict[str, str]]:
    before, after = {}, {}
    for q, sides in rules()["quantities"]["qualifiers"].items():
        for w in sides.get("before", []):
            before[w] = q
        for w in sides.get("after", []):
            after[w] = q
    return before, after


@functools.lru_cache(maxsize=1)
def _pattern() -> regex.Pattern:
    q = rules()["quantities"]
    before, after = _qualifier_words()
    units = patterns.alternation(list(_unit_table()))
    num = NUMBER()
    qb = patterns.alternation(list(before))
    qa = patterns.alternation([w for w in after if w not in ("余", "多")])
    pwords = patterns.alternation(list(q["percent_words"]))
    pprefix = regex.escape(q["percent_prefix"])
    return regex.compile(
        rf"(?P<qb>{qb})?(?:(?P<pword>{pwords})|{pprefix}(?P<pnum>{num})"
        rf"|(?<![第\d.])(?P<num>{num})(?:(?P<range>[-~～至到])(?P<num2>{num}))?(?P<mid>余|多)?"
        rf"(?P<unit>{units}))(?P<qa>{qa})?"
    )


@functools.lru_cache(maxsize=1)
def _digit_chars() -> str:
    data = patterns.load("numbers")
    return "".join(str(v) for v in data["digits"].values())


_DIGITS = regex.compile(r"\d+(?:\.(\d+))?")


def _half_ulp(num_text: str, factor: Decimal) -> Decimal:
    """Half a unit of the last written digit of ``num_text`` times ``factor``."""
    t = num_text.replace(",", "")
    m = _DIGITS.match(t)
    decimals = len(m.group(1)) if m and m.group(1) else 0
    big = Decimal(1)
    for ch in t[m.end():] if m else t:
        if ch == "万":
            big *= 10000
        elif ch == "亿":
            big *= 100000000
    return Decimal(5) * Decimal(10) ** (-(decimals + 1)) * big * factor


@functools.lru_cache(maxsize=1)
def _label_trailing() -> list[str]:
    trailing = rules()["quantities"]["label_trailing"]
    before, _ = _qualifier_words()
    return sorted(set(trailing) | set(before), key=len, reverse=True)


def _strip_label(label: str) -> str:
    words = _label_trailing()
    changed = True
    label = label.strip()
    while changed and label:
        changed = False
        for w in words:
            if label.endswith(w) and len(label) > len(w) - 1:
                label = label[: -len(w)]
                changed = True
                break
    return label.strip(" “”\"'")


_NOUN_STOP = set("的和与及、,;:。!?()“”《》\n ")


def _noun_after(text: str, i: int, limit: int = 6) -> str:
    j = i
    while j < len(text) and j - i < limit and text[j] not in _NOUN_STOP and not text[j].isdigit():
        j += 1
    noun = text[i:j]
    # the noun ends before a linking word (36个项目分别为…, 12个项目全部…)
    for w in rules()["quantities"]["noun_stop_words"]:
        k = noun.find(w)
        if k >= 0:
            noun = noun[:k]
    return noun


def scan_text(text: str, start: int = 0, end: Optional[int] = None) -> list[Quantity]:
    """Every quantity in ``text[start:end]`` (normalised coordinates)."""
    end = len(text) if end is None else end
    out: list[Quantity] = []
    units = _unit_table()
    before, after = _qualifier_words()
    digit_chars = set(_digit_chars())
    q = rules()["quantities"]
    for m in _pattern().finditer(text, start, end):
        qual = "exact"
        if m.group("qb"):
            qual = before[m.group("qb")]
        num_text = ""
        value_max = None
        if m.group("pword"):
            value = Decimal(q["percent_words"][m.group("pword")])
            cls, unit = "percent", m.group("pword")
            num_s, num_e = m.span("pword")
            arabic = False
            ulp = Decimal("0.5")
        elif m.group("pnum"):
            num_text = m.group("pnum")
            value = parse_number(num_text)
            if value is None:
                continue
            cls, unit = "percent", q["percent_prefix"]
            num_s, num_e = m.span("pnum")
            arabic = any(ch.isdigit() for ch in num_text)
            ulp = _half_ulp(num_text, Decimal(1)) if arabic else Decimal("0.5")
        else:
            num_text = m.group("num")
            arabic = any(ch.isdigit() for ch in num_text)
            if not arabic:
                # Chinese numerals: need a digit (not 万人助万企), and not a bare 一 (一批, 一个个)
                if not any(ch in digit_chars for ch in num_text) or num_text == "一":
                    continue
            value = parse_number(num_text)
            if value is None:
                continue
            unit = m.group("unit")
            cls = units[unit]
            num_s, num_e = m.span("num")
            if m.group("num2"):
                value_max = parse_number(m.group("num2"))
            if m.group("mid"):
                qual = "over"
            ulp = _half_ulp(num_text, Decimal(1)) if arabic else Decimal(0)
        if m.group("qa"):
            qual = after[m.group("qa")]
        if cls == "percent" and unit in ("%", "％"):
            pass
        # the label: the clause before the number
        cs = num_s if not m.group("qb") else m.start("qb")
        ls = cs
        while ls > start and text[ls - 1] not in ",;:、。!?\n—":
            ls -= 1
        raw_label = text[ls:cs]
        # a part cue inside the clause starts the label after it (其中新开工项目)
        for cue in rules()["sums"]["part_cues"]:
            k = raw_label.rfind(cue)
            if k >= 0:
                raw_label = raw_label[k + len(cue):]
        label = _strip_label(raw_label)
        noun = _noun_after(text, m.end()) if cls == "count" else ""
        out.append(
            Quantity(
                ns=m.start(),
                ne=m.end(),
                num_s=num_s,
                num_e=num_e,
                value=value,
                cls=cls,
                unit=unit,
                qualifier=qual,
                label=label,
                noun=noun,
                ulp=ulp,
                arabic=arabic,
                value_max=value_max,
                text=m.group(),
            )
        )
    return out


def scan(view: ReportView) -> list[Quantity]:
    """All quantities of a report (cached on the view), with target flags."""
    if "quantities" not in view.cache:
        qs = scan_text(view.text)
        cues = rules()["quantities"]["target_cues"]
        for qty in qs:
            ss, _ = view.sentence_at(qty.ns)
            before = view.text[ss:qty.ns]
            qty.target = any(c in before for c in cues)
        view.cache["quantities"] = qs
    return view.cache["quantities"]


def in_span(qs: list[Quantity], start: int, end: int) -> list[Quantity]:
    return [q for q in qs if q.ns >= start and q.ne <= end]


def common_run(a: str, b: str) -> int:
    """Length of the longest common substring of two short strings."""
    if not a or not b:
        return 0
    best = 0
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        ai = a[i - 1]
        for j in range(1, len(b) + 1):
            if ai == b[j - 1]:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


def unit_key(q: Quantity) -> tuple[str, str]:
    """Quantities are comparable when class and (for counts) measure word agree."""
    if q.cls == "count":
        return (q.cls, q.unit)
    if q.cls == "money":
        return (q.cls, q.unit)  # 元 vs 美元: different currencies
    return (q.cls, "")


def nouns_compatible(a: Quantity, b: Quantity) -> bool:
    """Two counts may count the same things (6个流程 / 3个环节 may not)."""
    if a.cls != "count" or b.cls != "count":
        return True
    if a.noun and b.noun:
        return a.noun[-1] == b.noun[-1] or a.noun in b.noun or b.noun in a.noun
    return True


def format_value(q: Quantity, value: Optional[Decimal] = None) -> str:
    """A value in the unit the text uses (亿元 when the text says 亿元)."""
    from .context import fmt_decimal

    v = q.value if value is None else value
    if q.cls == "money":
        for big, name in ((Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万")):
            if name in q.text:
                return f"{fmt_decimal(v / big)}{name}{q.unit}"
        return f"{fmt_decimal(v)}{q.unit}"
    if q.cls == "percent":
        return f"{fmt_decimal(v)}%"
    return f"{fmt_decimal(v)}{q.unit if q.cls == 'count' else ''}"
