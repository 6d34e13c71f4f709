"""Numbers written in Arabic digits, Chinese numerals, or a mix, to Decimal;
and the words around a figure that qualify it.

Part 1, the parser. ``parse_number("160.7")`` → ``Decimal("160.7")``;
``"三十五"`` → 35; ``"1.2万"`` → 12000; ``"5万4千6百"`` → 54600; ``"二点五"`` → 2.5;
``"一千零五"`` → 1005; ``"壹佰贰拾"`` → 120; ``"1,100.9亿"`` → 110090000000;
``"四万万"`` → 400000000; ``"十余万"`` → 100000 (approximate markers are dropped);
``"负三十二"`` → -32; ``"五分之一"`` → 0.2; ``"3又一千分之23"`` → 3.023;
``"１６/5"`` → 3.2; ``"2e5"`` → 200000; ``"一打"`` → 12. Exact: Decimal
throughout, never float. Full-width and traditional forms are read too.

:func:`NUMBER` is a regex fragment matching one number in the *normalised*
text (half-width, simplified, no spaces between Chinese characters). It is
narrower than the parser on purpose: no signs, fractions, Latin suffixes or
approximate markers, and a Chinese number must start with a digit or 十
(``万元GDP`` and ``数千万元`` hold no number).

Part 2, the words around a figure (``patterns/qualifiers.yaml``), shared by
the amount, percentage and count extractors: :func:`qualifier_before`,
:func:`qualifier_after`, :func:`qualifier_inside` and :func:`is_target`.

The character classes and words live in ``patterns/numbers.yaml`` and
``patterns/qualifiers.yaml``.
"""

from __future__ import annotations

import bisect
import functools
import re
import warnings
from decimal import Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING, Optional

import regex

import patterns

from .memo import text_cache
from .normalize import fold_width, to_simplified

if TYPE_CHECKING:  # pragma: no cover
    from .doc import Doc

# ---------------------------------------------------------------------------
# tables


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
        "units": {**small_units, **big_units},
        "point": set(data["point"]),
        "leading": set(data.get("leading_units", "")),
        "approx": set(data.get("approx_markers", "")),
        "negative": list(data.get("negative", [])),
        "frac": data.get("fraction_word", "分之"),
        "frac_join": data.get("fraction_whole_joiner", "又"),
        "words": {w: Decimal(str(v)) for w, v in (data.get("words") or {}).items()},
        "mult": {w: Decimal(str(v)) for w, v in (data.get("multipliers") or {}).items()},
        "latin": {w: Decimal(str(v)) for w, v in (data.get("latin_suffixes") or {}).items()},
    }


def _chars(kind: str) -> str:
    t = _table()
    if kind == "digits":
        return "".join(t["digits"])
    if kind == "units":
        return "".join(t["small"]) + "".join(t["big"])
    if kind == "big":
        return "".join(t["big"])
    if kind == "leading":
        return "".join(t["leading"])
    return "".join(t["point"])


@functools.lru_cache(maxsize=1)
def number_fragment() -> str:
    """Regex fragment for one number (no groups, no anchors)."""
    d = regex.escape(_chars("digits"))
    u = regex.escape(_chars("units"))
    p = regex.escape(_chars("point"))
    lead = regex.escape(_chars("leading"))
    # Repetitions are bounded: no real number is 40 characters long, and a
    # bound keeps every pattern built on this fragment linear in the text
    # length (a run of 20,000 一 would otherwise be rescanned from every start).
    arabic = r"(?:\d{1,3}(?:,\d{3}){1,12}(?!\d)|\d{1,40})(?:\.\d{1,20})?"
    chinese = rf"[{d}{lead}](?:[{d}{u}]|[{p}](?=[{d}])){{0,40}}"
    # arabic followed by Chinese units (1.2万, 5万4千6百, 3万4000, 1.2万亿)
    mixed = rf"{arabic}(?:[{u}](?:{arabic}|[{d}](?![{p}]))?){{0,12}}"
    return rf"(?:{mixed}|{chinese})"


def NUMBER() -> str:  # noqa: N802 - reads like a constant at call sites
    return number_fragment()


# ---------------------------------------------------------------------------
# the parser

_SPACE = regex.compile(r"\s+")
_GROUPING = regex.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_MIXED_FRACTION = regex.compile(r"^\s*(\d+)\s+(\d+)\s*/\s*(\d+)\s*$")
_SLASH = regex.compile(r"^(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)$")
_SCI = regex.compile(r"^(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$")
_POWER = regex.compile(r"^(\d+(?:\.\d+)?|\.\d+)\^([-+]*)(\d+)$")
_PLAIN = regex.compile(r"^(?:\d+\.?\d*|\.\d+)$")


def _prep(text: str) -> str:
    return to_simplified(fold_width(text))


def _strip_sign(s: str) -> tuple[int, str]:
    """Leading sign(s): ``负``/``-`` make the number negative (one sign only)."""
    t = _table()
    for neg in t["negative"]:
        if s.startswith(neg) and len(s) > len(neg):
            return -1, s[len(neg):]
    if s.startswith("+") and len(s) > 1:
        return 1, s[1:]
    return 1, s


def _section(s: str) -> Optional[Decimal]:
    """A number below 万 (no big units): digits, 十百千, 零, Arabic runs."""
    t = _table()
    digits, small = t["digits"], t["small"]
    total = Decimal(0)
    number: Optional[Decimal] = None
    last_unit: Optional[int] = None
    zero_before = False
    seen = False
    i, n = 0, len(s)
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
            zero_before = False
            i = j
            continue
        if ch in digits:
            if digits[ch] == 0:
                number = None
                zero_before = True
            else:
                if number is not None and i > 0 and s[i - 1] in digits:
                    return None  # 二三十, 七八百: a vague "twenty or thirty", no number
                number = Decimal(digits[ch])
            seen = True
        elif ch in small:
            total += (number if number is not None else Decimal(1)) * small[ch]
            number = None
            last_unit = small[ch]
            zero_before = False
            seen = True
        else:
            return None
        i += 1
    if not seen:
        return None
    if number is not None:
        # 两千四百五 = 2450: a lone digit right after a unit is one order below it
        if (
            last_unit is not None
            and not zero_before
            and n >= 2
            and s[-1] in digits
            and s[-2] in small
        ):
            total += number * (Decimal(last_unit) / 10)
        else:
            total += number
    return total


def _integer_part(s: str) -> Optional[Decimal]:
    """A number with big units (万, 亿, 兆), split at the largest, last one."""
    t = _table()
    big, digits = t["big"], t["digits"]
    if not s:
        return None
    if len(s) > 1 and all(ch in digits for ch in s):  # 二〇二三
        return Decimal("".join(str(digits[ch]) for ch in s))
    positions = [(big[ch], i) for i, ch in enumerate(s) if ch in big]
    if not positions:
        return _section(s)
    top = max(v for v, _ in positions)
    k = max(i for v, i in positions if v == top)
    left, right = s[:k], s[k + 1:]
    lv = _integer_part(left) if left else Decimal(1)
    if lv is None:
        return None
    if not right:
        rv = Decimal(0)
    elif len(right) == 1 and right in digits and left:
        # 一万五 = 15000, 九万四 = 94000
        rv = Decimal(digits[right]) * (Decimal(top) / 10)
    else:
        rv = _integer_part(right.lstrip("零〇")) if right.strip("零〇") else Decimal(0)
        if rv is None:
            return None
    return lv * top + rv


def _plain(s: str) -> Optional[Decimal]:
    """An unsigned number without fractions or suffixes."""
    t = _table()
    if not s:
        return None
    if s in t["words"]:
        return t["words"][s]
    if _PLAIN.match(s):
        return Decimal(s)
    if _SCI.match(s):
        v = Decimal(s)
        return v if abs(v.adjusted()) <= 60 else None
    # decimal point written in Chinese: 二点五 / 三点一四 / 一点二万 / 两千万点五五
    for p in t["point"]:
        if p in s:
            ip, _, fp = s.partition(p)
            ipart = _integer_part(ip) if ip else Decimal(0)
            if ipart is None or not fp:
                return None
            k = 0
            while k < len(fp) and (fp[k] in t["digits"] or fp[k].isdigit()):
                k += 1
            frac_digits, tail = fp[:k], fp[k:]
            if not frac_digits:
                return None
            frac = Decimal("0." + "".join(str(t["digits"].get(c, c)) for c in frac_digits))
            value = ipart + frac
            for ch in tail:
                u = t["units"].get(ch)
                if u is None:
                    return None
                value *= u
            return value
    return _integer_part(s)


def _unsigned(s: str) -> Optional[Decimal]:
    t = _table()
    # power: 2^5, 2.5^-1, 1.1^--23
    m = _POWER.match(s)
    if m:
        if len(m.group(3)) > 3:
            return None
        exp = int(m.group(3)) * (-1 if m.group(2).count("-") % 2 else 1)
        with localcontext() as ctx:
            ctx.prec = 40
            return Decimal(m.group(1)) ** exp
    # Latin magnitude suffix after Arabic digits: 40k, 2.5M
    if len(s) > 1 and s[-1] in t["latin"] and _PLAIN.match(s[:-1]):
        return Decimal(s[:-1]) * t["latin"][s[-1]]
    # counting multiplier: 一打 = 12, 五十打 = 600
    for w, mult in t["mult"].items():
        if s.endswith(w) and len(s) > len(w):
            base = _unsigned(s[: -len(w)])
            return base * mult if base is not None else None
    # approximate markers: 十余万, 一千多万, 二十几万, 一百零几万
    if any(ch in t["approx"] for ch in s) and s[0] not in t["approx"]:
        cleaned = regex.sub(rf"[零〇]?[{regex.escape(''.join(t['approx']))}]", "", s)
        return _plain(cleaned) if cleaned else None
    return _plain(s)


def _signed(s: str) -> Optional[Decimal]:
    sign, rest = _strip_sign(s)
    v = _unsigned(rest)
    return None if v is None else sign * v


def _fraction(s: str) -> Optional[Decimal]:
    """``[A又]B分之C`` = A + C/B; ``B/C``. ``None`` when ``s`` is no fraction."""
    t = _table()
    if t["frac"] in s:
        head, _, numer = s.partition(t["frac"])
        whole = None
        if t["frac_join"] in head:
            w, _, head = head.partition(t["frac_join"])
            whole = _signed(w)
            if whole is None:
                return None
        den, num = _signed(head), _signed(numer)
        if den is None or num is None or den == 0:
            return None
        with localcontext() as ctx:
            ctx.prec = 34
            value = num / den
        if whole is not None:
            value = whole + value if whole >= 0 else whole - value
        return value
    m = _SLASH.match(s)
    if m:
        den = Decimal(m.group(2))
        if den == 0:
            return None
        with localcontext() as ctx:
            ctx.prec = 34
            return Decimal(m.group(1)) / den
    return None


@functools.lru_cache(maxsize=1)
def _fast_form():
    """``(pattern, big units)`` for the commonest figures: ASCII digits with an
    optional decimal part and at most one big unit (``160.7``, ``12.5亿``, ``9万``).
    Only big units that no other rule of the parser reads (signs, words,
    multipliers, approximate markers, fractions, Latin letters) are taken, and
    only those that width folding and simplification leave unchanged."""
    t = _table()
    special = set(t["approx"]) | set(t["point"]) | set("".join(t["negative"])) | set(t["frac"])
    special |= set(t["frac_join"]) | set("".join(t["words"])) | set("".join(t["mult"])) | set(t["latin"])
    big = {ch: v for ch, v in t["big"].items() if ch not in special and _prep(ch) == ch and ch not in t["digits"]}
    units = "".join(regex.escape(ch) for ch in big)
    unit_part = rf"([{units}]?)" if units else "()"
    return regex.compile(rf"([0-9]{{1,40}}(?:\.[0-9]{{1,40}})?){unit_part}"), big


def _parse_fast(text: str):
    """What the full parser gives for the forms of :func:`_fast_form`, by the same
    Decimal operations in the same order (so the same rounding and exponent);
    ``NotImplemented`` for any other text."""
    rx, big = _fast_form()
    m = rx.fullmatch(text)
    if m is None:
        return NotImplemented
    num, unit = m.group(1, 2)
    if not unit:
        if num in _table()["words"]:
            return NotImplemented
        return _bounded(1 * Decimal(num))  # _plain, then the sign
    # _integer_part: the section left of the unit (_section), times the unit, plus 0
    lv = Decimal(0) + Decimal(num)
    return _bounded(1 * (lv * big[unit] + Decimal(0)))


@text_cache(8192)
def parse_number(text: str) -> Optional[Decimal]:
    """Value of one number in Arabic, Chinese or mixed form; ``None`` if not a number.

    (A pure function of ``text``, so its results are cached.)"""
    if not text or not text.strip():
        return None
    fast = _parse_fast(text)
    if fast is not NotImplemented:
        return fast
    s = _prep(text)
    m = _MIXED_FRACTION.match(s)  # "1 4/3" = 1 + 4/3 (needs the space)
    if m:
        return Decimal(m.group(1)) + Decimal(m.group(2)) / Decimal(m.group(3))
    s = _GROUPING.sub("", _SPACE.sub("", s))
    if not s:
        return None
    sign, rest = _strip_sign(s)
    try:
        frac = _fraction(rest)
        if frac is not None:
            return _bounded(sign * frac)
        v = _unsigned(rest)
        return None if v is None else _bounded(sign * v)
    except (InvalidOperation, ArithmeticError):
        return None


#: Magnitudes beyond this are no figure of a report (and would make huge ints).
_LIMIT = Decimal(10) ** 40


def _bounded(v: Decimal) -> Optional[Decimal]:
    if not v.is_finite() or abs(v) >= _LIMIT:
        return None
    return v


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


def match_text(doc: "Doc") -> str:
    """``doc.text`` for number matching: a full-width comma between half-width
    digits is a clause break, not a thousands separator (``$20，300美圆`` is two
    prices), so it is masked with ``;`` (same length, same offsets). Between
    full-width digits (``１１１，１１１``) it stays a separator."""
    key = "numbers.match_text"
    if key in doc.cache:
        return doc.cache[key]
    text = doc.text
    orig, offs = doc.original, doc.norm.offsets
    chars = None
    i = text.find(",")
    while i >= 0:
        if 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            if orig[offs[i]] == "，" and (orig[offs[i - 1]].isascii() or orig[offs[i + 1]].isascii()):
                if chars is None:
                    chars = list(text)
                chars[i] = ";"
        i = text.find(",", i + 1)
    out = "".join(chars) if chars is not None else text
    doc.cache[key] = out
    return out


# ---------------------------------------------------------------------------
# words around a figure: qualifier and target (patterns/qualifiers.yaml)

#: Characters that end a clause (the unit a role or qualifier word belongs to).
CLAUSE_SEPS = ",;。:!?，；：！？\n"


@functools.lru_cache(maxsize=1)
def _qual() -> dict:
    data = patterns.load("qualifiers")
    q = data["qualifiers"]

    def words(side: str) -> dict[str, str]:
        out = {}
        for qual, ws in (q.get(side) or {}).items():
            for w in ws:
                out[w] = qual
        return out

    tg = data["target"]
    forward = [regex.compile(p) for p in tg["forward"]]
    before, after = words("before"), words("after")
    before_by_last: dict = {}
    for w, qual in before.items():
        if w:
            before_by_last.setdefault(w[-1], []).append((w, qual))
    after_by_first: dict = {}
    for w, qual in after.items():
        if w:
            after_by_first.setdefault(w[0], []).append((w, qual))
    return {
        "before": before,
        "after": after,
        "before_by_last": before_by_last,  # the same words, by last character (same order)
        "after_by_first": after_by_first,
        "inside": words("inside"),
        "not_after": {w: set(v) for w, v in (q.get("not_after") or {}).items()},
        "forward": forward,
        "forward_first": [(rx, _first_char(rx)) for rx in forward],
        "forward_firsts": _char_class_rx(_first_char(rx) for rx in forward),
        "backward": list(tg["backward"]),
        "actual": list(tg["actual"]),
        "actual_before_goal": tuple(tg.get("actual_before_goal") or []),
        "actual_after": list(tg.get("actual_after") or []),
        "openers": list(tg.get("plan_openers") or []),
        "policy": list(tg.get("policy_openers") or []),
        "roles": set(tg.get("roles") or []),
    }


#: Anything in a pattern that makes what may come before a match matter: a partial
#: match of one character no longer tells which characters can start a match.
_CONTEXT_MARKS = ("(?<=", "^", "$", "\\b", "\\B", "\\A", "\\G", "\\Z")


def start_chars(rx, universe) -> Optional[frozenset]:
    """The characters of ``universe`` that a match of ``rx`` can start with (those a
    one-character partial match accepts), or None when the pattern has anchors or a
    positive look-behind, where that test does not tell."""
    if any(x in rx.pattern for x in _CONTEXT_MARKS):
        return None
    return frozenset(c for c in universe if rx.match(c, partial=True) is not None)


#: Characters outside every pattern that a pattern starting with a character class
#: (\d, \s, \w, ., [^…]) would match: such a pattern gets no first-character test.
_SENTINELS = "\ue000\u0663\u3000\u9f98a_~"


def _first_char(rx) -> Optional[str]:
    """The one character every match of ``rx`` starts with, or None when that is not
    known (a pattern with anchors, a positive look-behind, a class, or several
    first characters). A one-character partial match tells, over every character
    of the pattern and ASCII."""
    first = start_chars(rx, set(rx.pattern) | set(_SENTINELS) | {chr(k) for k in range(32, 127)})
    if first is None or len(first) != 1 or set(_SENTINELS) & first:
        return None
    return next(iter(first))


def _char_class_rx(chars):
    """A compiled class of the characters ``chars`` (None left out), or None when empty."""
    cs = sorted({c for c in chars if c})
    return re.compile("[" + "".join(re.escape(c) for c in cs) + "]") if cs else None


def qualifier_words(side: str) -> dict[str, str]:
    """``word -> qualifier`` for ``before``, ``after`` or ``inside``."""
    return _qual()[side]


def qualifier_before(doc: "Doc", nstart: int) -> tuple[Optional[str], int]:
    """Qualifier word ending right before ``nstart`` and where the fact's text
    should start: at the word when it is glued to the number, else at the
    number (a line break between them in the original keeps it out)."""
    text = doc.text
    at = nstart
    if at > 0 and text[at - 1] == "\n":
        at -= 1  # a line break the normaliser kept: the word may end the line above
    best = None
    if at > 0:
        for w, qual in _qual()["before_by_last"].get(text[at - 1], ()):
            if at >= len(w) and text.startswith(w, at - len(w)):
                if best is None or len(w) > len(best[0]):
                    best = (w, qual)
    if best is None:
        return None, nstart
    if at != nstart:
        return best[1], nstart
    w, qual = best
    ws = at - len(w)
    blocked = _qual()["not_after"].get(w)
    if blocked and ws > 0 and text[ws - 1] in blocked:
        return None, nstart
    o_end = doc.norm.offsets[nstart - 1] + 1
    o_num = doc.norm.offsets[nstart]
    if "\n" in doc.original[o_end:o_num]:
        return qual, nstart
    return qual, ws


def qualifier_after(text: str, nend: int) -> tuple[Optional[str], int]:
    """Qualifier word right after ``nend`` (以上, 左右 ...) and the new end."""
    best = None
    for w, qual in _qual()["after_by_first"].get(text[nend:nend + 1], ()):
        if text.startswith(w, nend):
            if best is None or len(w) > len(best[0]):
                best = (w, qual)
    if best is None:
        return None, nend
    return best[1], nend + len(best[0])


def qualifier_inside(word: Optional[str]) -> Optional[str]:
    """Qualifier of a marker between a number and its unit (1000余万元)."""
    if not word:
        return None
    return _qual()["inside"].get(word)


def combine_qualifiers(*quals: Optional[str]) -> str:
    """The first stated qualifier wins; none stated is ``exact``."""
    for q in quals:
        if q:
            return q
    return "exact"


@functools.lru_cache(maxsize=64)
def _sep_class(seps: str, reverse: bool):
    """One compiled character class of ``seps`` (searched backwards when ``reverse``)."""
    cls = "[" + "".join(regex.escape(c) for c in seps) + "]"
    return regex.compile(("(?r)" if reverse else "") + cls)


def clause_start(text: str, i: int, seps: str = CLAUSE_SEPS, floor: int = 0) -> int:
    if i <= floor:
        return i
    m = _sep_class(seps, True).search(text, floor, i)
    return m.end() if m else floor


def clause_end(text: str, i: int, seps: str = CLAUSE_SEPS, ceil: Optional[int] = None) -> int:
    ceil = len(text) if ceil is None else ceil
    if i >= ceil:
        return i
    m = _sep_class(seps, False).search(text, i, ceil)
    return m.start() if m else ceil


_DIGIT = regex.compile(r"\d")


def _inside_quotes(text: str, start: int, i: int) -> bool:
    seg = text[start:i]
    return seg.count("“") > seg.count("”") or seg.count("「") > seg.count("」")


def _last_forward(text: str, start: int, end: int) -> Optional[int]:
    """End of the last goal word in ``text[start:end]``. A goal word inside a
    quotation governs only figures inside the same quotation (a slogan such as
    “跑出加速度，确保高质量” governs nothing outside it); a goal word right after
    已 (已争取) is a past act and governs nothing."""
    last = None
    q = _qual()
    firsts = q["forward_firsts"]
    # the first characters in the stretch, found at once (not one find per pattern)
    present = set(firsts.findall(text, start, end)) if firsts is not None else ()
    for rx, first in q["forward_first"]:
        if first is not None and first not in present:
            continue  # not the character every match starts with: no match
        for m in rx.finditer(text, start, end):
            if _inside_quotes(text, start, m.start()) and "”" in text[m.end():end]:
                continue
            if q["actual_before_goal"] and text[max(start, m.start() - 2):m.start()].endswith(q["actual_before_goal"]):
                continue
            if last is None or m.end() > last:
                last = m.end()
    return last


def _has_actual(seg: str) -> bool:
    return any(w in seg for w in _qual()["actual"])


def _plan_mode(doc: "Doc", sent_start: int) -> bool:
    """Does an earlier sentence of the paragraph open with a plan word (要……)?"""
    text = doc.text
    para = text.rfind("\n", 0, sent_start) + 1
    mode = False
    sents = doc.norm.sentences
    k = bisect.bisect_left(sents, (para, -1))
    for s, e in sents[k:]:
        if s >= sent_start:
            break
        body = text[s:e].lstrip(" \n\"“”'‘’(")
        if any(body.startswith(w) for w in _qual()["openers"]):
            mode = True
        elif mode and _has_actual(text[s:e]):
            mode = False
    return mode


def is_target(doc: "Doc", nstart: int, nend: int, role: Optional[str] = None) -> bool:
    """Is the figure at ``[nstart, nend)`` a goal, plan or commitment?

    True when its role is a plan by definition (计划投资), when a goal word
    follows it (……的目标), or when a goal word governs it from earlier in the
    sentence (or the paragraph is in plan mode) and neither an actual-result
    word in its clause nor an attributive ``……的 + noun`` reading says
    otherwise. Goal words include projections (``投产后可实现``, ``达产后年营收``)
    and deadlines (``年底前``); ``争取到`` / ``已争取`` report results, and
    ``……到位`` after the figure overrules a goal word of an earlier clause
    (``为确保……，协调银行贷款2.4亿元到位``). Word lists: patterns/qualifiers.yaml.
    """
    q = _qual()
    text = doc.text
    if role and role in q["roles"]:
        return True
    ss, se = doc.sentence(nstart)
    ce = clause_end(text, nend, ceil=se)
    after = text[nend:ce]
    for w in q["backward"]:
        k = after.find(w)
        if 0 <= k <= 3:
            return True
    trig = _last_forward(text, ss, nstart)
    if trig is None:
        if not _plan_mode(doc, ss):
            return False
        body = text[ss:se].lstrip(" \n\"“”'‘’(")
        if any(body.startswith(w) for w in q["policy"]):
            return False
        trig = ss
    if _has_actual(text[trig:nstart]):
        return False
    # reached, said after the figure (……贷款2.4亿元到位), unless the goal word
    # stands in the figure's own clause (确保资金3亿元到位)
    if q["actual_after"] and any(w in after for w in q["actual_after"]):
        if trig <= clause_start(text, nstart, floor=ss):
            return False
    # attributive: the clause goes on to 的 before any other figure
    ae = clause_end(text, nend, seps=CLAUSE_SEPS, ceil=se)
    tail = text[nend:ae]
    cut = _DIGIT.search(tail)
    if cut:
        tail = tail[: cut.start()]
    if "的" in tail:
        return False
    return True


# ---------------------------------------------------------------------------
# speed: the matches of a regex without trying it at every position


def number_char_class() -> str:
    """Body of a character class holding every character :func:`NUMBER` can match."""
    return r"\d,." + regex.escape(_chars("digits") + _chars("units") + _chars("point") + _chars("leading"))


def number_first_class() -> str:
    """Body of a character class holding every character a :func:`NUMBER` match can start with."""
    return r"\d" + regex.escape(_chars("digits") + _chars("leading"))


def anchored_finditer(rx, text: str, anchor, not_prefix, first=None, empty_prefix: bool = True):
    """The matches of ``rx.finditer(text)``, found faster for a pattern whose every
    match is a (possibly empty) run of characters outside ``not_prefix`` followed
    by an anchor (the literal ``anchor``, or a match of the compiled pattern
    ``anchor``): ``rx`` is tried only at the positions of such a run ending at an
    anchor, in increasing order, as ``finditer`` would.

    ``not_prefix`` is a compiled reverse-search (``(?r)``) character class of
    the characters that cannot be in a prefix. ``first``, when given, is a
    compiled character class of the characters a non-empty prefix can start
    with: inside a run only those positions (and the anchor) are tried.
    ``empty_prefix=False`` says that every match has a non-empty prefix (then
    ``first`` is required and the anchor itself is tried only when it is one of
    those characters). Matches must not be empty.
    """
    if isinstance(anchor, str):
        find = text.find

        def next_anchor(k: int) -> int:
            return find(anchor, k)
    else:
        search = anchor.search

        def next_anchor(k: int) -> int:
            a = search(text, k)
            return a.start() if a is not None else -1

    match = rx.match
    first_search = first.search if first is not None else None
    pos = 0
    q = next_anchor(0)
    while q >= 0:
        if q >= pos:
            b = not_prefix.search(text, pos, q)
            s = b.end() if b else pos
            while s <= q:
                if not empty_prefix:
                    f = first_search(text, s, q + 1)
                    if f is None:
                        break
                    s = f.start()
                elif first_search is not None and s < q:
                    f = first_search(text, s, q)
                    s = f.start() if f is not None else q
                m = match(text, s)
                if m is not None:
                    yield m
                    pos = m.end()
                    s = max(s + 1, pos)
                else:
                    s += 1
            pos = max(pos, q + 1)
        q = next_anchor(max(q + 1, pos))


def chars_class(*parts: str) -> str:
    """Body of a character class of the characters of ``parts`` (escaped)."""
    return regex.escape("".join(sorted(set("".join(parts)))))


class WordIndex:
    """Every occurrence (overlapping ones too) of some words in one text, to find
    the word nearest the end of any stretch without scanning the stretch.

    ``last(a, b)`` is what scanning ``text[a:b]`` with ``rfind`` for each word and
    keeping the largest ``(end, length)`` gives (the first listed on a tie).
    Words must not be empty.
    """

    __slots__ = ("occ", "ends")

    def __init__(self, text: str, words):
        occ = []
        for rank, w in enumerate(dict.fromkeys(words)):
            n = len(w)
            k = text.find(w)
            while k >= 0:
                occ.append((k + n, n, -rank, k, w))
                k = text.find(w, k + 1)
        occ.sort()
        self.occ = occ
        self.ends = [o[0] for o in occ]

    def last(self, a: int, b: int) -> Optional[tuple[str, int]]:
        """``(word, start)`` of the occurrence inside ``[a, b)`` with the largest end,
        the longest on a tie; None when there is none."""
        occ = self.occ
        i = bisect.bisect_right(self.ends, b)
        while i > 0:
            i -= 1
            e, _, _, k, w = occ[i]
            if e <= a:
                return None
            if k >= a:
                return w, k
        return None


def by_last_char(words) -> dict:
    """``words`` (in their order, without repeats) grouped by their last character,
    longest first within a group (for :func:`last_word`)."""
    out: dict = {}
    for w in sorted(dict.fromkeys(words), key=len, reverse=True):  # stable: ties keep their order
        if w:
            out.setdefault(w[-1], []).append(w)
    return out


#: id(word list) -> (the list, its words by first character, by last character).
#: Only rule lists (kept for the process's life) are passed, and each entry holds
#: its list, so an id is never reused while its entry is here.
_WORD_GROUPS: dict = {}


def word_groups(words) -> tuple[dict, dict]:
    """``words`` by first and by last character, longest first within a group (ties
    in their order; empty words left out: they never matched), for prefix lookups
    and :func:`last_word`. Cached per word list, by identity."""
    got = _WORD_GROUPS.get(id(words))
    if got is not None and got[0] is words:
        return got[1], got[2]
    first: dict = {}
    for w in sorted(dict.fromkeys(words), key=len, reverse=True):
        if w:
            first.setdefault(w[0], []).append(w)
    last = by_last_char(words)
    if len(_WORD_GROUPS) < 1024:
        _WORD_GROUPS[id(words)] = (words, first, last)
    return first, last


def last_word(text: str, a: int, b: int, by_last: dict) -> Optional[tuple[str, int]]:
    """What :meth:`WordIndex.last` gives for the words of ``by_last`` (see
    :func:`by_last_char`), by looking at the ends ``b, b-1, …`` of ``[a, b)``:
    quicker than an index for a short stretch."""
    get = by_last.get
    startswith = text.startswith
    for e in range(b, a, -1):
        group = get(text[e - 1])
        if group:
            for w in group:
                k = e - len(w)
                if k >= a and startswith(w, k):
                    return w, k
    return None


# ---------------------------------------------------------------------------
# speed: the standard ``re`` engine for patterns it reads the same way

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_DEFAULT_FLAGS = regex.compile("").flags
#: Escapes with the same meaning in ``re`` and ``regex``, except for the characters
#: :func:`engines_agree` checks per text (``\\d`` and ``\\s`` read a few differently).
_SAME_ESCAPES = {"\\d", "\\s", "\\n", "\\t"}


def re_twin(rx):
    """``rx`` (a ``regex`` pattern) compiled by the standard ``re``, which matches
    such patterns several times faster; None when its pattern uses anything whose
    meaning could differ between the engines: flags, escapes other than
    ``\\d \\s \\n \\t`` and escaped punctuation, POSIX classes, inline flags
    (``(?r)``, ``(?i)``), or anything ``re`` rejects or warns about (variable-width
    look-behinds, repeated group names, possible set operations). Use a twin only
    on texts for which :func:`engines_agree` holds."""
    p = rx.pattern
    if not isinstance(p, str) or rx.flags != _DEFAULT_FLAGS:
        return None
    q = p.replace("\\\\", "")
    if set(regex.findall(r"\\[A-Za-z0-9]", q)) - _SAME_ESCAPES:
        return None
    if "[[" in q or "[:" in q or regex.search(r"\(\?[A-Za-z]", q.replace("(?P<", "").replace("(?P=", "")):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return re.compile(p)
        except (re.error, Warning, ValueError, OverflowError, RecursionError):
            return None


@functools.lru_cache(maxsize=1)
def _disagreements():
    """A compiled class of the characters of the Basic Multilingual Plane that ``\\d``
    or ``\\s`` match in one engine only (\\x1c-\\x1f for ``\\s``; computed once),
    or None when there are none."""
    bmp = "".join(map(chr, range(0x10000)))
    diff = set()
    for cls in (r"\d", r"\s"):
        diff |= set(regex.findall(cls, bmp)) ^ set(re.findall(cls, bmp))
    return _char_class_rx(diff)


def engines_agree(text: str) -> bool:
    """Do ``re`` and ``regex`` read every character of ``text`` alike for the classes
    :func:`re_twin` lets through? Their Unicode tables are of different versions:
    characters outside the Basic Multilingual Plane, and the few listed by
    :func:`_disagreements`, can be read differently; a text holding one is matched
    with the ``regex`` patterns."""
    if _ASTRAL.search(text) is not None:
        return False
    diff = _disagreements()
    return diff is None or diff.search(text) is None

