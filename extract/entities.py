"""Organisations, people (with their titles) and places.

``extract(doc)`` returns :class:`Organisation`, :class:`Person` and :class:`Place`
facts; word lists live in ``patterns/entities.yaml``.

* people: a chain of titles (``党工委副书记、管委会主任``) right before a name that
  starts with a family name and ends before a reporting verb or punctuation; bylines
  (``记者 孙庆辉``, read on the original text, where the space separates names); later
  mentions of a name already found (``张红军表示``) without a title;
* organisations: a name ending in a legal or institutional suffix (有限公司, 集团,
  管委会 …), starting after the last stop word before it, and a few well-known names;
* places: named cities and provinces, zones (``郑州高新区``, ``开封兰考县``).

The person span covers the title chain and the name; ``organisation`` is the
organisation or place written right before the title (``郑州高新区``).
"""

from __future__ import annotations

import functools
from typing import Optional

import regex

import patterns

from .doc import literal_spans
from .models import Organisation, Person, Place
from .numbers import re_twin

_PUNCT = regex.compile(r"[\p{P}\s\d]")
_HAN = regex.compile(r"\p{Han}")
_HAN_RUN = regex.compile(r"\p{Han}+")
_BYLINE_NAME = regex.compile(r"[\p{Han}]{2,5}")


def _literal_rx(pattern: str):
    """``pattern`` (an alternation of literal words) compiled with the standard ``re``,
    much quicker than ``regex`` on such patterns, when :func:`extract.numbers.re_twin`
    finds that ``re`` reads it the same way; else with ``regex``."""
    rx = regex.compile(pattern)
    return re_twin(rx) or rx


def _place_re(cities: list, zones: list, bare: list, county_len: str):
    """A city with a zone or county after it, a bare zone, or a city. The word lists
    are regex named lists: the same matches as alternations of the words, longest
    first (a named list tries its longest item first and backtracks to shorter
    ones, as such an alternation does), found faster."""
    county = "[\\p{Han}]{1," + county_len + "}县"
    if cities and zones:
        return regex.compile(rf"(?:\L<cities>(?:\L<zones>|{county})|\L<bare>)", cities=cities, zones=zones, bare=bare + cities)
    zone = patterns.alternation(zones)
    return regex.compile(
        "(?:(?:" + patterns.alternation(cities) + ")(?:" + zone + "|" + county + ")"
        + "|" + patterns.alternation(bare + cities) + ")"
    )


@functools.lru_cache(maxsize=1)
def _cfg() -> dict:
    d = patterns.load("entities")
    org, ppl, plc = d["organisations"], d["people"], d["places"]
    titles = patterns.alternation(ppl["titles"])
    cities = [n for n in plc["names"]]
    return {
        "org_suffix": _literal_rx(patterns.alternation(org["suffixes"])),
        "org_names": _literal_rx(patterns.alternation(org.get("names", []))) if org.get("names") else None,
        "org_stops": frozenset(org["left_stops"]),
        "org_max": int(org.get("max_len", 22)),
        "org_generic": frozenset(org.get("generic", [])),
        "org_stops_long": tuple(sorted((w for w in org["left_stops"] if len(w) > 1), key=len, reverse=True)),
        "not_bodies": tuple(org.get("not_bodies", [])),
        "titles": tuple(sorted(ppl["titles"], key=len, reverse=True)),
        "title_chain": _literal_rx(f"(?:{titles})(?:(?:、|兼)?(?:{titles}))*"),
        "byline": regex.compile(
            r"(?<![\p{Han}])(?P<title>" + patterns.alternation(ppl["byline_titles"]) + r")[ \t\u3000]+"
            r"(?P<names>[\p{Han}]{2,4}(?:[ \t\u3000]+[\p{Han}]{2,4})*)"
        ),
        "photo": regex.compile(r"(?<![\p{Han}])(?P<name>[\p{Han}]{2,3})[ \t\u3000]+摄"),
        "right_stops": tuple(sorted(ppl["right_stops"], key=len, reverse=True)),
        "surnames": frozenset(ppl["surnames"]),
        "compound": tuple(ppl.get("compound_surnames", [])),
        "not_names": tuple(ppl.get("not_names", [])),
        "byline_titles": frozenset(ppl["byline_titles"]),
        # The alternations of literal words (longest first, see patterns.alternation)
        # as regex named lists: the same matches (a named list is tried longest item
        # first and backtracks to shorter ones, as the alternation does), found faster.
        "place_re": _place_re(cities, list(plc["zone_suffixes"]), list(plc.get("bare_zones", [])),
                              str(plc.get("county_len", 3))),
    }


def _surname_len(name: str) -> int:
    cfg = _cfg()
    for c in cfg["compound"]:
        if name.startswith(c):
            return len(c)
    return 1 if name[:1] in cfg["surnames"] else 0


def _name_at(text: str, p: int) -> Optional[int]:
    """End of a personal name starting at ``p``, or ``None``."""
    cfg = _cfg()
    sl = _surname_len(text[p:p + 2])
    if not sl:
        return None
    if any(text.startswith(w, p) for w in cfg["not_names"]):
        return None
    for k in (sl + 2, sl + 1):
        e = p + k
        if e > len(text) or not _HAN_RUN.fullmatch(text[p:e]):
            continue
        rest = text[e:e + 4]
        if e == len(text) or _PUNCT.match(text[e]) or rest.startswith(cfg["right_stops"]):
            return e
    return None


def _people(doc) -> list:
    cfg = _cfg()
    text = doc.text
    found = []  # (nstart, nend, name, title)
    for m in cfg["title_chain"].finditer(text):
        e = _name_at(text, m.end())
        if e is None:
            continue
        found.append((m.start(), e, text[m.end():e], m.group()))
    # bylines, read on the original text where spaces separate the names
    orig = doc.original
    for rx in (cfg["byline"],):
        for m in rx.finditer(orig):
            title = m.group("title")
            if title not in cfg["byline_titles"]:
                continue
            first = True
            for nm in _BYLINE_NAME.finditer(m.group("names")):
                name = nm.group()
                if name in cfg["byline_titles"]:
                    title, first = name, True
                    continue
                if not _surname_len(name) or len(name) > 3 or name in cfg["not_names"]:
                    break
                a = m.start("names") + nm.start()
                na, nb = doc.norm.norm_index(a), doc.norm.norm_index(a + len(name) - 1) + 1
                span_start = na
                if first:
                    tpos = orig.rfind(title, 0, a)
                    span_start = doc.norm.norm_index(tpos) if tpos >= 0 else na
                first = False
                found.append((span_start, nb, name, "记者" if "记者" in title else title))
    for m in cfg["photo"].finditer(orig):
        name = m.group("name")
        if _surname_len(name):
            a = m.start("name")
            found.append((doc.norm.norm_index(a), doc.norm.norm_index(a + len(name) - 1) + 1, name, None))
    # later mentions of a name already known
    names = {f[2] for f in found if len(f[2]) >= 2}
    for n in sorted(names, key=len, reverse=True):
        for a, b in literal_spans(n, text):
            if any(s < b and a < e for s, e, _, _ in found):
                continue
            if b < len(text) and not (_PUNCT.match(text[b]) or text[b:b + 4].startswith(cfg["right_stops"])):
                continue
            found.append((a, b, n, None))
    found.sort(key=lambda f: (f[0], -f[1]))
    out, last = [], -1
    for f in found:
        if f[0] >= last:
            out.append(f)
            last = f[1]
    return out


def _tokens_at(text: str, a: int, b: int):
    from .nlp import tokenize

    return tokenize(text[a:b])


def _org_start(text: str, a: int, suffix_start: int) -> int:
    """Start of an organisation name whose suffix begins at ``suffix_start``."""
    from .nlp import tokenize

    cfg = _cfg()
    lo = max(a, suffix_start - cfg["org_max"])
    # stop at punctuation
    for i in range(suffix_start - 1, lo - 1, -1):
        if _PUNCT.match(text[i]) and text[i] not in "()":
            lo = i + 1
            break
    start = lo
    for w, s, e in tokenize(text[lo:suffix_start]):
        if w in cfg["org_stops"]:
            start = lo + e
    return start


def _organisations(doc, people) -> list:
    cfg = _cfg()
    text = doc.text
    found = []
    for m in cfg["org_suffix"].finditer(text):
        s0, e0 = m.start(), m.end()
        if len(m.group()) == 1 and text.startswith(cfg["titles"], s0):  # 局长 is a title
            continue
        if len(m.group()) == 1:
            # a one-character suffix (局) must end a word that names a body
            tok = next((w for w, a, b in _tokens_at(text, max(0, s0 - 8), e0) if b == e0 - max(0, s0 - 8)), "")
            if len(tok) < 2 or tok in cfg["not_bodies"] or any(tok.endswith(n) for n in cfg["not_bodies"]):
                continue
        if any(ps < e0 and s0 < pe for ps, pe, _, _ in people):
            continue  # 党工委 / 管委会 that open a title chain: the body is part of the title
        st = _org_start(text, 0, s0)
        # a title chain and a name in front belong to the person, not the body
        for ps, pe, _, _ in people:
            if ps < s0 and pe > st and pe <= s0:
                st = pe
        for w in cfg["org_stops_long"]:
            if text.startswith(w, st) and st + len(w) < s0:
                st += len(w)
                break
        name = text[st:e0]
        core = text[st:s0]
        if len(core) < 2 and m.group() not in ("党工委", "管委会"):
            continue
        if not core or core in cfg["org_generic"] or any(core.endswith(g) and len(core) <= len(g) + 1 for g in ("该", "本", "此", "各")):
            continue
        if not _HAN.search(core):
            continue
        if any(ps <= st < pe and name.startswith(n) for ps, pe, n, _ in people):
            continue
        found.append((st, e0, name))
    if cfg["org_names"] is not None:
        for m in cfg["org_names"].finditer(text):
            found.append((m.start(), m.end(), m.group()))
    found.sort(key=lambda f: (f[0], -f[1]))
    out = []
    for f in sorted(found, key=lambda f: -(f[1] - f[0])):
        if all(f[1] <= g[0] or f[0] >= g[1] for g in out):
            out.append(f)
    out.sort()
    return out


def _places(doc) -> list:
    text = doc.text
    out = []
    for m in _cfg()["place_re"].finditer(text):
        out.append((m.start(), m.end(), m.group()))
    return out


def extract(doc) -> list:
    text = doc.text
    people = _people(doc)
    orgs = _organisations(doc, people)
    places = _places(doc)
    # a place inside an organisation's name is part of that name (河南心连心化学…公司)
    places = [p for p in places if not any(a <= p[0] and p[1] <= b for a, b, _ in orgs)]
    facts = []
    bodies = sorted(orgs + places)
    for a, b, name, title in people:
        org = None
        for s, e, n in bodies:
            if e == a:
                org = n
        facts.append(doc.make(Person, a, b, name=name, title=title, organisation=org))
    for a, b, name in orgs:
        s, e = doc.span(a, b)
        facts.append(doc.make(Organisation, a, b, name="".join(doc.original[s:e].split())))
    for a, b, name in places:
        s, e = doc.span(a, b)
        facts.append(doc.make(Place, a, b, name="".join(doc.original[s:e].split())))
    return facts
