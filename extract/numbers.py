"""Numbers written in Arabic digits, Chinese numerals, or a mix, to Decimal.

``parse_number("160.7")`` → ``Decimal("160.7")``; ``"三十五"`` → 35;
``"1.2万"`` → 12000; ``"5万4千6百"`` → 54600; ``"二点五"`` → 2.5;
``"一千零五"`` → 1005; ``"壹佰贰拾"`` → 120; ``"1,100.9亿"`` → 110090000000.
Exact: Decimal throughout, never float.

The character classes live in ``patterns/numbers.yaml``; :data:`NUMBER` is a
regex fragment matching one number (used by the money, percentage, count and
date extractors).
"""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation
from typing import Optional

import regex

import patterns


@functools.lru_cache(maxsize=1)
def _table() -> dict:
    data = patterns.load("numbers")
    digits = {}
    for d, chars in data["digits"].items():
        for ch in chars:
            digits[ch] = int(d)
    small_units = {ch: int(v) for ch, v in data["small_units"].items()}
    big_units = {ch: int(v) for ch, v in data["big_units"].items()}
    return {
        "digits": digits,
        "small": small_units,
        "big": big_units,
        "point": set(data["point"]),
    }


def _chars(kind: str) -> str:
    t = _table()
    if kind == "digits":
        return "".join(t["digits"])
    if kind == "units":
        return "".join(t["small"]) + "".join(t["big"])
    return "".join(t["point"])


@functools.lru_cache(maxsize=1)
def number_fragment() -> str:
    """Regex fragment for one number (no groups, no anchors)."""
    d = regex.escape(_chars("digits"))
    u = regex.escape(_chars("units"))
    p = regex.escape(_chars("point"))
    arabic = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    chinese = rf"[{d}{u}](?:[{d}{u}]|[{p}](?=[{d}]))*"
    # arabic followed by Chinese units (1.2万, 5万4千6百, 3万4000)
    mixed = rf"{arabic}(?:[{u}](?:{arabic}|[{d}])?)*"
    return rf"(?:{mixed}|{chinese})"


def NUMBER() -> str:  # noqa: N802 - reads like a constant at call sites
    return number_fragment()


def _parse_chinese_int(s: str) -> Optional[Decimal]:
    """Integer part written with Chinese numerals and units (may include Arabic digit runs)."""
    t = _table()
    digits, small, big = t["digits"], t["small"], t["big"]
    total = Decimal(0)  # completed sections above 万/亿
    section = Decimal(0)  # current section below the next big unit
    number: Optional[Decimal] = None  # pending digit(s)
    i = 0
    seen = False
    n = len(s)
    # plain digit sequence like 二〇二三 or 一九九九
    if s and all(ch in digits for ch in s) and len(s) > 1:
        return Decimal("".join(str(digits[ch]) for ch in s))
    while i < n:
        ch = s[i]
        if ch.isdigit() or ch == ".":
            j = i
            while j < n and (s[j].isdigit() or s[j] == "."):
                j += 1
            try:
                number = Decimal(s[i:j])
            except InvalidOperation:
                return None
            seen = True
            i = j
            continue
        if ch in digits:
            number = Decimal(digits[ch])
            seen = True
        elif ch in small:
            section += (number if number is not None else Decimal(1)) * small[ch]
            number = None
            seen = True
        elif ch in big:
            unit = big[ch]
            value = section + (number if number is not None else Decimal(0))
            if value == 0:
                value = Decimal(1)
            # 万亿: a big unit right after another multiplies the whole
            if total and unit > 0 and section == 0 and number is None and i > 0 and s[i - 1] in big:
                total *= unit
            else:
                if total and big.get(s[i - 1] if i > 0 else "", 0) == 0 and total < unit:
                    # e.g. 一千万亿 handled above; here total from lower unit (万) then 亿
                    total = (total + value) * unit
                else:
                    total += value * unit
            section = Decimal(0)
            number = None
            seen = True
        elif ch in ",，":
            pass
        else:
            return None
        i += 1
    if not seen:
        return None
    rest = number if number is not None else Decimal(0)
    # 一万五 = 15000: a trailing digit after a unit is one order below it
    if number is not None and len(s) >= 2 and s[-2] in (small | big) and s[-1] in digits:
        prev_unit = (small | big)[s[-2]]
        rest = number * (prev_unit // 10 if prev_unit >= 10 else 1)
    return total + section + rest


def parse_number(text: str) -> Optional[Decimal]:
    """Value of one number in Arabic, Chinese or mixed form; ``None`` if not a number."""
    s = "".join(text.split()).replace(",", "")
    if not s:
        return None
    t = _table()
    # decimal point written in Chinese: 二点五 / 三点一四
    for p in t["point"]:
        if p in s:
            ip, _, fp = s.partition(p)
            ipart = _parse_chinese_int(ip) if ip else Decimal(0)
            if ipart is None or not fp:
                return None
            # the fraction may be followed by a unit: 一点二万
            k = 0
            while k < len(fp) and (fp[k] in t["digits"] or fp[k].isdigit()):
                k += 1
            frac_digits, tail = fp[:k], fp[k:]
            if not frac_digits:
                return None
            frac = Decimal("0." + "".join(str(t["digits"].get(c, c)) for c in frac_digits))
            value = ipart + frac
            if tail:
                mult = Decimal(1)
                for ch in tail:
                    u = t["small"].get(ch) or t["big"].get(ch)
                    if u is None:
                        return None
                    mult *= u
                value *= mult
            return value
    try:
        return Decimal(s)
    except InvalidOperation:
        pass
    # Arabic number followed by units only: 1.2万, 160.7亿, 1.2万亿
    m = regex.fullmatch(r"(\d+(?:\.\d+)?)([^\d]+)", s)
    if m and all(ch in t["small"] or ch in t["big"] for ch in m.group(2)):
        mult = Decimal(1)
        for ch in m.group(2):
            mult *= t["small"].get(ch) or t["big"].get(ch)
        return Decimal(m.group(1)) * mult
    return _parse_chinese_int(s)


def to_int_exact(value: Decimal) -> Optional[int]:
    """Integer value if ``value`` is whole, else None."""
    if value == value.to_integral_value():
        return int(value)
    return None


def decimal_to_json(value: Optional[Decimal]):
    """A Decimal as a JSON number: int when whole, else float of its exact string."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(str(value.normalize()))
