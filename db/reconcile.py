"""Project mentions -> registry projects.

The engine is pure: :func:`cluster_mentions` takes :class:`Mention` objects (a
project name with its report, sentence, stage, round and investment) and editors'
constraints, and returns one cluster label per mention. The rules it applies —
which words to drop, which places, phases, generic words — are data, in
``patterns/reconcile.yaml``; read that file for the reasoning.

:func:`reconcile` runs the engine on every project fact stored in a database,
re-applies the editors' decisions (``decisions`` table), derives each project's
name, aliases, current stage and investment from its dated facts, and rewrites the
derived tables in one transaction, the stage history included (``stage_events``:
every stage a mention states, dated as :mod:`db.stages` decides; ``project_stages``:
the day each stage of a project was first reached by). It is deterministic: the same stored facts and
decisions always give the same registry, and project ids are kept from the
previous registry wherever a project's mentions overlap.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

import regex
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Levenshtein

import patterns
from extract.models import PHASE_ORDER
from extract.normalize import fold_width, to_simplified
from extract.numbers import parse_number

from .store import ReportTexts

# --- rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    drop_suffixes: tuple[str, ...]
    drop_prefixes: tuple[str, ...]
    drop_chars: frozenset
    company_re: Any
    company_forms: tuple[str, ...]
    place_re: Any
    place_words: frozenset
    within: dict
    min_rest_after_place: int
    bound_words: tuple[str, ...]
    phase_re: Any
    section_re: Any
    facility_types: tuple[str, ...]
    generic_re: Any
    min_distinctive: int
    generic_exact_min_length: int
    alias_re: Any
    alias_of: dict
    thresholds: dict
    target_words: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def rules() -> Rules:
    d = patterns.load("reconcile")
    pl = d["places"]
    base_places = list(pl.get("provinces", [])) + list(pl.get("municipalities", [])) + list(pl.get("cities", []))
    endings = pl.get("endings", [])
    place_forms = set(base_places) | set(pl.get("districts", []))
    for p in base_places:
        for e in endings:
            place_forms.add(p + e)
    within: dict[str, set[str]] = defaultdict(set)
    for outer, inner in (pl.get("within") or {}).items():
        within[outer].update(inner)
    alias_of = {}
    for group in d.get("aliases") or []:
        for form in group:
            alias_of[form] = group[0]
    th = dict(d.get("thresholds") or {})
    return Rules(
        drop_suffixes=tuple(sorted(d.get("drop_suffixes", []), key=len, reverse=True)),
        drop_prefixes=tuple(sorted(d.get("drop_prefixes", []), key=len, reverse=True)),
        drop_chars=frozenset(d.get("drop_chars", "")),
        company_re=regex.compile(patterns.alternation(d.get("company_forms", []))),
        company_forms=tuple(d.get("company_forms", [])),
        place_re=regex.compile(r"^(?:" + patterns.alternation(sorted(place_forms)) + r")"),
        place_words=frozenset(place_forms),
        within=dict(within),
        min_rest_after_place=int(pl.get("min_rest_after_place", 4)),
        bound_words=tuple(pl.get("bound_words", [])),
        phase_re=regex.compile(d["phase_pattern"]),
        section_re=regex.compile(d["section_pattern"]),
        facility_types=tuple(sorted(d.get("facility_types", []), key=len, reverse=True)),
        generic_re=regex.compile(
            patterns.alternation(list(d.get("generic_words", [])) + list(d.get("facility_types", [])))
        ),
        min_distinctive=int(d.get("min_distinctive", 2)),
        generic_exact_min_length=int(d.get("generic_exact_min_length", 6)),
        alias_re=regex.compile(r"^(?:" + patterns.alternation(list(alias_of)) + r")") if alias_of else None,
        alias_of=alias_of,
        thresholds=th,
        target_words=tuple(d.get("target_words", [])),
    )


# --- names --------------------------------------------------------------------------


@dataclass(frozen=True)
class NameInfo:
    """A project name reduced for comparison."""

    display: str  # as written, whitespace removed, simplified characters
    key: str  # developer + core: the comparison key
    alt_key: str  # the key without words written in brackets (== key when none)
    core: str
    developer: str
    place: str  # the most specific place dropped from the front ("" if none)
    phases: tuple[int, ...]
    sections: tuple[str, ...]
    digits: tuple[str, ...]
    ftype: str  # facility type the key ends with ("" if none)
    distinctive: bool

    @property
    def qualified(self) -> bool:
        return bool(self.phases or self.sections)


def _strip_place(s: str, r: Rules) -> tuple[str, list[str]]:
    found = []
    while True:
        m = r.place_re.match(s)
        if not m:
            break
        rest = s[m.end():]
        if len(rest) < r.min_rest_after_place or rest.startswith(r.bound_words):
            break
        found.append(m.group())
        s = rest
    return s, found


def _base_place(p: str, r: Rules) -> str:
    """郑州市 -> 郑州, 河南省 -> 河南 (districts stay as they are)."""
    if p in r.within or any(p in inner for inner in r.within.values()):
        return p
    for e in ("省", "市", "县"):
        if p.endswith(e) and p[:-1] in r.place_words:
            return p[:-1]
    return p


@functools.lru_cache(maxsize=4096)
def places_compatible(a: str, b: str) -> bool:
    """Same place, or one contains the other (河南 ⊃ 郑州 ⊃ 郑州高新区)."""
    if not a or not b:
        return True
    r = rules()
    a, b = _base_place(a, r), _base_place(b, r)
    if a == b or a.startswith(b) or b.startswith(a):
        return True

    def inside(x: str, y: str, depth: int = 0) -> bool:  # is x inside y?
        if depth > 3:
            return False
        inner = r.within.get(y, set())
        return x in inner or any(inside(x, z, depth + 1) for z in inner)

    return inside(a, b) or inside(b, a)


def _apply_alias(s: str, r: Rules) -> str:
    if r.alias_re is None:
        return s
    m = r.alias_re.match(s)
    if not m:
        return s
    return r.alias_of[m.group()] + s[m.end():]


def _phase_number(token: str) -> Optional[int]:
    v = parse_number(token)
    try:
        return int(v) if v is not None else None
    except (ValueError, TypeError):
        return None


@functools.lru_cache(maxsize=65536)
def parse_name(name: str) -> NameInfo:
    """Reduce a project name to its comparison key and qualifiers."""
    r = rules()
    raw = "".join(to_simplified(name).split())
    s = "".join(fold_width(raw).split())
    s = "".join(ch for ch in s if ch not in r.drop_chars)
    sections = []
    for m in r.section_re.finditer(s):
        sections.append(m.group(1))
    s = r.section_re.sub("", s)
    phases = []
    for m in r.phase_re.finditer(s):
        n = _phase_number(m.group(1))
        if n is not None:
            phases.append(n)
    s = r.phase_re.sub("", s)
    s = s.replace("()", "").replace("[]", "")
    bracket_place = ""

    def _bracket(m):
        nonlocal bracket_place
        content = m.group(1)
        if content in r.place_words:
            bracket_place = bracket_place or content
            return ""
        return "\ue000" + content + "\ue001"

    s = regex.sub(r"\(([^()]*)\)", _bracket, s)
    # remember bracketed words as removable: a private-use mark around them
    s = s.replace("(", "\ue000").replace(")", "\ue001")
    changed = True
    while changed and s:
        changed = False
        for suf in r.drop_suffixes:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)]
                changed = True
        for pre in r.drop_prefixes:
            if s.startswith(pre) and len(s) > len(pre) + 1:
                s = s[len(pre):]
                changed = True
    developer, core = "", s
    ms = list(r.company_re.finditer(s))
    if ms:
        m = ms[-1]
        developer, core = s[: m.start()], s[m.end():]
        if not core:
            developer, core = "", developer
    places: list[str] = []
    if developer:
        developer, found = _strip_place(developer, r)
        places += found
        developer = _apply_alias(developer, r)
    core, found = _strip_place(core, r)
    places += found
    core = _apply_alias(core, r)
    place = places[-1] if places else bracket_place
    full = developer + core
    key = full.replace("\ue000", "").replace("\ue001", "")
    alt_key = regex.sub("\ue000[^\ue001]*\ue001", "", full).replace("\ue000", "").replace("\ue001", "")
    core = core.replace("\ue000", "").replace("\ue001", "")
    developer = developer.replace("\ue000", "").replace("\ue001", "")
    ftype = next((t for t in r.facility_types if key.endswith(t)), "")
    rest = r.generic_re.sub("", key)
    return NameInfo(
        display=raw,
        key=key,
        alt_key=alt_key,
        core=core,
        developer=developer,
        place=place,
        phases=tuple(sorted(set(phases))),
        sections=tuple(sorted(set(sections))),
        digits=tuple(sorted(regex.findall(r"\d+(?:\.\d+)?", key))),
        ftype=ftype,
        distinctive=len(rest) >= r.min_distinctive,
    )


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def name_relation(a: NameInfo, b: NameInfo, same_report: bool = False) -> Optional[str]:
    """How two names relate (see :func:`key_relation`); a name with words in
    brackets is also compared without them."""
    rel = key_relation(a.key, b.key, a, b, same_report)
    if rel is not None or (a.alt_key == a.key and b.alt_key == b.key):
        return rel
    best = None
    for ka in {a.key, a.alt_key}:
        for kb in {b.key, b.alt_key}:
            if (ka, kb) == (a.key, b.key) or not ka or not kb:
                continue
            r = key_relation(ka, kb, a, b, same_report)
            if r is not None and (best is None or STRENGTH[r] > STRENGTH[best]):
                best = r
    return best


def key_relation(ka: str, kb: str, a: NameInfo, b: NameInfo, same_report: bool = False) -> Optional[str]:
    """How two keys relate: ``exact``, ``suffix`` (one is the other with a
    developer or descriptor in front), ``abbreviation``, ``typo`` (two
    neighbouring characters swapped), ``fuzzy``, or None. Inside one report
    an abbreviation may drop more of the name."""
    if not ka or not kb:
        return None
    if ka == kb:
        return "exact"
    th = rules().thresholds
    if (len(ka), ka) <= (len(kb), kb):
        short, ishort, long, ilong = ka, a, kb, b
    else:
        short, ishort, long, ilong = kb, b, ka, a
    if long.endswith(short) and ishort.distinctive and len(short) >= 3:
        return "suffix"
    share = float(
        th.get("abbreviation_min_share_same_report", 0.4) if same_report else th.get("abbreviation_min_share", 0.6)
    )
    if (
        len(short) >= int(th.get("abbreviation_min_length", 3))
        and len(short) < len(long)
        and short[0] == long[0]
        and short[-1] == long[-1]
        and len(short) / len(long) >= share
        and (not ishort.ftype or not ilong.ftype or ishort.ftype == ilong.ftype or long.endswith(ishort.ftype))
        and ishort.distinctive
        and _is_subsequence(short, long)
    ):
        return "abbreviation"
    if (
        len(ka) == len(kb) >= int(th.get("typo_min_length", 6))
        and OSA.distance(ka, kb) == 1
        and Levenshtein.distance(ka, kb) == 2
        and sorted(ka) == sorted(kb)
    ):
        return "typo"
    if fuzz.ratio(ka, kb) >= float(th.get("fuzzy_min_ratio", 85)):
        return "fuzzy"
    return None


def _developers_similar(a: str, b: str) -> bool:
    if not a or not b:
        return True
    if a in b or b in a:
        return True
    return fuzz.ratio(a, b) >= 80


def hard_conflict(a: NameInfo, b: NameInfo) -> Optional[str]:
    """A reason two names can never be one project, or None."""
    if a.phases and b.phases and a.phases != b.phases:
        return "分期不同"
    if a.sections and b.sections and a.sections != b.sections:
        return "分区不同"
    if a.digits and b.digits and a.digits != b.digits:
        return "名称中的数字不同"
    if not _developers_similar(a.developer, b.developer):
        return "建设单位不同"
    if not places_compatible(a.place, b.place):
        return "地点不同"
    return None


# --- mentions and evidence ----------------------------------------------------------


@dataclass
class Mention:
    """One project mention with what its context says."""

    name: str
    report: Any  # any hashable id of the report (same value = same report)
    order: tuple  # sort key giving a deterministic order of all mentions
    anchor: tuple = ()  # (report identity, start, end): how decisions refer to it
    phase: Optional[str] = None
    batch: Optional[int] = None
    batch_list: Optional[str] = None
    investment_yuan: Optional[int] = None
    sentence: str = ""
    date: Optional[_dt.date] = None
    date_source: Optional[str] = None
    is_target: bool = False
    orgs: frozenset = frozenset()
    info: Optional[NameInfo] = field(default=None, repr=False)

    def __post_init__(self):
        if self.info is None:
            self.info = parse_name(self.name)


@functools.lru_cache(maxsize=1)
def _org_re():
    forms = patterns.alternation(list(rules().company_forms) + ["集团", "公司"])
    return regex.compile(r"([\p{Han}A-Za-z0-9]{2,16}?)(?:" + forms + ")")


def sentence_orgs(sentence: str) -> frozenset:
    """Company names written out in a sentence (without form words and places)."""
    r = rules()
    out = set()
    for m in _org_re().finditer("".join(sentence.split())):
        name, _ = _strip_place(m.group(1), r)
        if len(name) >= 2:
            out.add(name)
    return frozenset(out)


def is_target_sentence(sentence: str) -> bool:
    s = "".join(sentence.split())
    return any(w in s for w in rules().target_words)


def _invest_differ(a: Optional[int], b: Optional[int]) -> bool:
    if not a or not b:
        return False
    tol = float(rules().thresholds.get("investment_tolerance", 0.02))
    return abs(a - b) > tol * max(a, b)


def evidence(a: Mention, b: Mention) -> tuple[list[str], list[str]]:
    """Context evidence for and against two mentions being one project."""
    pos, neg = [], []
    if a.investment_yuan and b.investment_yuan:
        (neg if _invest_differ(a.investment_yuan, b.investment_yuan) else pos).append("投资额")
    if a.batch_list and a.batch_list == b.batch_list and a.batch and b.batch:
        (pos if a.batch == b.batch else neg).append("批次")
    da, db_ = a.info.developer, b.info.developer
    orgs_a = set(a.orgs) | ({da} if da else set())
    orgs_b = set(b.orgs) | ({db_} if db_ else set())
    if any(x in y or y in x for x in orgs_a for y in orgs_b):
        pos.append("同一企业")
    return pos, neg


# --- clustering -----------------------------------------------------------------------

STRENGTH = {"editor": 9, "exact": 5, "suffix": 4, "abbreviation": 3, "typo": 3, "fuzzy": 2}


@dataclass
class Constraints:
    """Editors' corrections, as index pairs into the mention list."""

    must: list[tuple[int, int]] = field(default_factory=list)
    #: each entry: (group A, group B) that must stay in different projects
    cannot: list[tuple[list[int], list[int]]] = field(default_factory=list)


class _UF:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} or {s}


def link_rule(a: Mention, b: Mention, same_report_ok_qualified: bool = True) -> Optional[str]:
    """The rule that links two mentions, or None (see module and yaml docs)."""
    ia, ib = a.info, b.info
    if hard_conflict(ia, ib):
        return None
    same_report = a.report == b.report
    rel = name_relation(ia, ib, same_report)
    if rel is None:
        return None
    if (ia.phases != ib.phases or ia.sections != ib.sections) and not (same_report and same_report_ok_qualified):
        return None
    if rel == "exact":
        if not ia.distinctive and not same_report and len(ia.key) < rules().generic_exact_min_length:
            # a generic name (氢能产业园) is specific enough with the same place in front
            if not (ia.place and ib.place and _base_place(ia.place, rules()) == _base_place(ib.place, rules())):
                return None
        return rel
    if not (ia.distinctive and ib.distinctive) and not same_report:
        return None
    pos, neg = evidence(a, b)
    if neg:
        return None
    if rel == "fuzzy" and not pos:
        return None
    return rel


#: how many of a key's rarest character pairs are used to find names to compare it with
_RARE_BIGRAMS = 6


def _signature(inf: NameInfo) -> tuple:
    """What the linking rules read of a name (its written form aside)."""
    return (inf.key, inf.alt_key, inf.developer, inf.place, inf.phases, inf.sections, inf.digits)


def _needs_same_report(inf: NameInfo) -> bool:
    """A generic name with no place in front names a project only inside its report."""
    return not inf.distinctive and len(inf.key) < rules().generic_exact_min_length and not inf.place


def _candidates(mentions: Sequence[Mention]) -> list[tuple]:
    """Candidate links ``(-strength, order, order, i, j, rule)``.

    Mentions with the same name signature (and, for a generic name, the same
    report) form a group and are chained. Two groups are compared when their
    keys are equal or share a not-too-common pair of characters; the
    name-level checks run once per group pair, and the first mention pair (in
    mention order) that the context allows becomes the candidate.
    """
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i in sorted(range(len(mentions)), key=lambda i: mentions[i].order):
        inf = mentions[i].info
        groups[(_signature(inf), str(mentions[i].report) if _needs_same_report(inf) else None)].append(i)
    gkeys = sorted(groups, key=lambda g: mentions[groups[g][0]].order)
    cands = []

    def add(i, j, rule):
        oi, oj = mentions[i].order, mentions[j].order
        cands.append((-STRENGTH[rule], min(oi, oj), max(oi, oj), i, j, rule))

    for g in gkeys:
        members = groups[g]
        for x, y in zip(members, members[1:]):
            rule = link_rule(mentions[x], mentions[y])
            if rule is not None:
                add(x, y, rule)
    # which group pairs to compare: equal keys, and keys that share one of the
    # rarer character pairs of either key (every rule needs a shared stretch of
    # the distinctive part of the name, and the rare pairs are where it lies)
    postings: dict[str, list[int]] = defaultdict(list)
    grams: list[set[str]] = []
    for gi, g in enumerate(gkeys):
        inf = mentions[groups[g][0]].info
        bgs = _bigrams(inf.key) | (_bigrams(inf.alt_key) if inf.alt_key else set())
        grams.append(bgs)
        for bg in bgs:
            postings[bg].append(gi)
    cap = max(30, int(1.5 * len(gkeys) ** 0.5))
    pairs = set()
    by_key: dict[str, list[int]] = defaultdict(list)
    for gi, g in enumerate(gkeys):
        by_key[g[0][0]].append(gi)
    for lst in by_key.values():
        pairs.update((x, y) for a, x in enumerate(lst) for y in lst[a + 1:])
    for gi, bgs in enumerate(grams):
        rare = sorted(bgs, key=lambda bg: (len(postings[bg]), bg))[:_RARE_BIGRAMS]
        for bg in rare:
            lst = postings[bg]
            if len(lst) > cap:
                break
            pairs.update((min(gi, x), max(gi, x)) for x in lst if x != gi)
    for ga, gb in sorted(pairs):
        A, B = groups[gkeys[ga]], groups[gkeys[gb]]
        ia, ib = mentions[A[0]].info, mentions[B[0]].info
        if hard_conflict(ia, ib):
            continue
        rel_cross = name_relation(ia, ib, False)
        rel_same = name_relation(ia, ib, True)
        if rel_cross is None and rel_same is None:
            continue
        qualified_differ = ia.phases != ib.phases or ia.sections != ib.sections
        cross = rel_cross is not None and not qualified_differ
        if cross:
            pair_iter = ((i, j) for i in A for j in B)
        else:
            by_rep: dict[str, list[int]] = defaultdict(list)
            for j in B:
                by_rep[str(mentions[j].report)].append(j)
            pair_iter = ((i, j) for i in A for j in by_rep.get(str(mentions[i].report), []))
        for i, j in pair_iter:
            rule = link_rule(mentions[i], mentions[j])
            if rule is not None:
                add(i, j, rule) if i < j else add(j, i, rule)
                break
    return cands


def cluster_mentions(mentions: Sequence[Mention], constraints: Optional[Constraints] = None) -> tuple[list[int], list[str]]:
    """Cluster mentions into projects.

    Returns ``(labels, links)``: ``labels[i]`` is the cluster of mention ``i``
    (clusters numbered from 0 in order of their first mention) and ``links[i]``
    the strongest rule that tied mention ``i`` to its cluster (``single`` for a
    mention alone).
    """
    n = len(mentions)
    cons = constraints or Constraints()
    uf = _UF(n)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    sigs: dict[int, set] = {i: {mentions[i].info} for i in range(n)}
    tags: dict[int, set] = {i: set() for i in range(n)}
    for ci, (ga, gb) in enumerate(cons.cannot):
        for i in ga:
            tags[i].add((ci, 0))
        for i in gb:
            tags[i].add((ci, 1))
    link_of = ["single"] * n

    def union(a: int, b: int) -> None:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            return
        if ra > rb:
            ra, rb = rb, ra
        uf.parent[rb] = ra
        members[ra].extend(members.pop(rb))
        tags[ra] |= tags.pop(rb)
        sigs[ra] |= sigs.pop(rb)

    def tag_blocked(ra: int, rb: int) -> bool:
        ta, tb = tags[ra], tags[rb]
        return any((c, 1 - s) in tb for c, s in ta)

    def blocked(a: int, b: int) -> bool:
        ra, rb = uf.find(a), uf.find(b)
        if tag_blocked(ra, rb):
            return True
        return any(hard_conflict(x, y) for x in sigs[ra] for y in sigs[rb])

    for a, b in cons.must:
        if uf.find(a) != uf.find(b) and not tag_blocked(uf.find(a), uf.find(b)):
            union(a, b)
            link_of[a] = link_of[b] = "editor"

    # phased/unphased links inside a report are only safe when the report names
    # one phase (or section) of that name
    quals: dict[tuple, set] = defaultdict(set)
    for m in mentions:
        if m.info.qualified:
            quals[(m.report, m.info.key)].add((m.info.phases, m.info.sections))

    cands = []
    for c in _candidates(mentions):
        i, j = c[3], c[4]
        a, b = mentions[i], mentions[j]
        if a.info.qualified != b.info.qualified:
            q = a if a.info.qualified else b
            u = b if q is a else a
            if len(quals[(q.report, q.info.key)] | quals[(u.report, u.info.key)]) > 1:
                continue
        cands.append(c)
    cands.sort()
    for _s, _o1, _o2, i, j, rule in cands:
        if uf.find(i) == uf.find(j):
            continue
        if blocked(i, j):
            continue
        union(i, j)
        for k in (i, j):
            if link_of[k] == "single":
                link_of[k] = rule
    # a mention whose own links were redundant inherits the rule of its group
    for i in range(n):
        if link_of[i] == "single" and len(members.get(uf.find(i), [])) > 1:
            link_of[i] = "exact"
    roots = sorted({uf.find(i) for i in range(n)}, key=lambda r: min(mentions[i].order for i in members[r]))
    label_of = {r: k for k, r in enumerate(roots)}
    return [label_of[uf.find(i)] for i in range(n)], link_of


# --- deriving a project's state -----------------------------------------------------------


def _strip_qualifier_text(display: str) -> str:
    r = rules()
    s = r.section_re.sub("", display)
    s = regex.sub(r"[(（]\s*" + r.phase_re.pattern + r"\s*[)）]", "", s)
    return s


def _phase_label(p: Optional[str]) -> str:
    from extract.cli import PHASE_LABELS

    return PHASE_LABELS.get(p or "", p or "")


def canonical_name(ms: Sequence[Mention]) -> str:
    """The name a project is listed under: the majority spelling, in its fullest form."""
    by_key = Counter(m.info.key for m in ms)
    first = {}
    for m in sorted(ms, key=lambda m: m.order):
        first.setdefault(m.info.key, m.order)
    # a key counts for itself and for every longer key that contains it (the
    # common core of 清华河北院清智机器人创新中心 / 郑州清智机器人创新中心 is
    # 清智机器人创新中心; a stray word the extractor glued on does not win)
    support = {k: by_key[k] + sum(c for k2, c in by_key.items() if k2 != k and k in k2) for k in by_key}
    best_key = sorted(by_key, key=lambda k: (-support[k], -by_key[k], -len(k), first[k]))[0]
    has_unqualified = any(not m.info.qualified for m in ms)
    forms = Counter()
    form_first = {}
    for m in sorted(ms, key=lambda m: m.order):
        if m.info.key != best_key:
            continue
        d = m.info.display
        if has_unqualified:
            d = _strip_qualifier_text(d)
        for suf in rules().drop_suffixes:
            if d.endswith(suf) and len(d) > len(suf) + 1:
                d = d[: -len(suf)]
                break
        forms[d] += 1
        form_first.setdefault(d, m.order)
    return sorted(forms, key=lambda d: (-len(d), -forms[d], form_first[d]))[0]


def variant_of(info: NameInfo, canon: NameInfo) -> str:
    """How a mention's name relates to its project's canonical name."""
    if info.display == canon.display:
        return "canonical"
    if info.key == canon.key:
        return "form"
    rel = name_relation(info, canon, same_report=True)
    if rel == "suffix":
        return "short" if len(info.key) < len(canon.key) else "long"
    if rel == "typo":
        return "spelling"
    return rel or "other"


@dataclass
class ProjectState:
    name: str
    aliases: list[str]
    variants: list[dict]
    phase: Optional[str]
    phase_date: Optional[_dt.date]
    phase_index: Optional[int]
    target_phase: Optional[str]
    investment_yuan: Optional[int]
    investment_index: Optional[int]
    first_date: Optional[_dt.date]
    last_date: Optional[_dt.date]
    notes: list[str]


def derive_state(ms: Sequence[Mention], name: Optional[str] = None, extra_aliases: Iterable[str] = ()) -> ProjectState:
    """Name, aliases, current stage and investment of one project, from its
    mentions and their dates. The stage is the most advanced one a report states
    as reached (targets and plans do not count), dated by the earliest report
    that states it; a later report giving an earlier stage is noted, never
    silently taken. The investment is the latest stated figure; disagreeing
    figures are noted."""
    order = sorted(range(len(ms)), key=lambda i: ms[i].order)
    cname = name or canonical_name(ms)
    canon = parse_name(cname)
    aliases = []
    for i in order:
        d = ms[i].info.display
        if d != cname and d not in aliases:
            aliases.append(d)
    for a in extra_aliases:
        if a != cname and a not in aliases:
            aliases.append(a)
    variants = []
    seen_v = set()
    for i in order:
        inf = ms[i].info
        if inf.key != canon.key and inf.key not in seen_v:
            seen_v.add(inf.key)
            variants.append({"name": inf.display, "variant": variant_of(inf, canon)})
    notes = []
    achieved = [i for i in order if ms[i].phase and not ms[i].is_target]
    phase = phase_date = phase_index = None
    if achieved:
        top = max(PHASE_ORDER.get(ms[i].phase, -1) for i in achieved)
        at_top = [i for i in achieved if PHASE_ORDER.get(ms[i].phase, -1) == top]
        phase_index = min(at_top, key=lambda i: (ms[i].date or _dt.date.max, ms[i].order))
        phase = ms[phase_index].phase
        phase_date = ms[phase_index].date
        for i in achieved:
            # only a stage the sentence itself dates counts as a regression
            if (
                ms[i].date_source == "sentence" and ms[i].date and phase_date and ms[i].date > phase_date
                and PHASE_ORDER.get(ms[i].phase, -1) < top
            ):
                notes.append(
                    f"{ms[i].date.isoformat()} 的报道称“{_phase_label(ms[i].phase)}”，"
                    f"而 {phase_date.isoformat()} 已报道“{_phase_label(phase)}”"
                )
    targets = [i for i in order if ms[i].phase and ms[i].is_target]
    target_phase = None
    if targets:
        t = max(targets, key=lambda i: (ms[i].date or _dt.date.min, ms[i].order))
        if phase is None or PHASE_ORDER.get(ms[t].phase, -1) > PHASE_ORDER.get(phase, -1):
            target_phase = ms[t].phase
    inv = [i for i in order if ms[i].investment_yuan]
    investment = investment_index = None
    if inv:
        investment_index = max(inv, key=lambda i: (ms[i].date or _dt.date.min, ms[i].order))
        investment = ms[investment_index].investment_yuan
        values = sorted({ms[i].investment_yuan for i in inv})
        if len(values) > 1:
            notes.append("报道的总投资不一致：" + "、".join(str(v) for v in values) + " 元")
    dates = [ms[i].date for i in order if ms[i].date]
    return ProjectState(
        name=cname,
        aliases=aliases,
        variants=variants,
        phase=phase,
        phase_date=phase_date,
        phase_index=phase_index,
        target_phase=target_phase,
        investment_yuan=investment,
        investment_index=investment_index,
        first_date=min(dates) if dates else None,
        last_date=max(dates) if dates else None,
        notes=notes,
    )


# --- editors' decisions -------------------------------------------------------------------


def anchor_matches(anchor: Sequence, m_anchor: Sequence) -> bool:
    """A stored anchor ``[report, start, end, …]`` refers to a mention when it is
    in the same report and the spans overlap (so re-extraction with slightly
    different spans keeps the decision)."""
    if not anchor or not m_anchor:
        return False
    if anchor[0] != m_anchor[0]:
        return False
    return min(anchor[2], m_anchor[2]) > max(anchor[1], m_anchor[1])


def constraints_from_decisions(mentions: Sequence[Mention], decisions: Sequence[dict]) -> tuple[Constraints, dict]:
    """Turn stored decisions into index constraints.

    Returns the constraints and ``extras``: ``{"names": {mention index: name},
    "aliases": {mention index: [alias, …]}}`` for renames and aliases (attached to
    a mention of the project, so they follow it through re-clustering).
    """
    by_report: dict[Any, list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        if m.anchor:
            by_report[m.anchor[0]].append(i)

    def resolve(anchors: Iterable[Sequence]) -> list[int]:
        out = []
        for a in anchors:
            for i in by_report.get(a[0], []):
                if anchor_matches(a, mentions[i].anchor) and i not in out:
                    out.append(i)
        return out

    cons = Constraints()
    extras: dict[str, dict] = {"names": {}, "aliases": defaultdict(list)}
    alias_keys: dict[str, int] = {}
    for d in sorted(decisions, key=lambda d: d["id"]):
        p = d["payload"]
        action = d["action"]
        if action == "merge":
            group = resolve(p.get("a", [])) + resolve(p.get("b", []))
            # a merge lifts earlier splits between these mentions
            gset = set(group)
            cons.cannot = [
                (ga, gb) for ga, gb in cons.cannot
                if not (set(ga) & gset and set(gb) & gset)
            ]
            for x, y in zip(group, group[1:]):
                cons.must.append((x, y))
        elif action == "split":
            moved = resolve(p.get("mentions", []))
            rest = [i for i in resolve(p.get("rest", [])) if i not in moved]
            if moved and rest:
                mset, rset = set(moved), set(rest)
                cons.must = [
                    (x, y) for x, y in cons.must if not ((x in mset and y in rset) or (x in rset and y in mset))
                ]
                cons.cannot.append((moved, rest))
            for x, y in zip(moved, moved[1:]):
                cons.must.append((x, y))
        elif action == "alias":
            members = resolve(p.get("project", []))
            if members:
                extras["aliases"][members[0]].append(p["alias"])
                alias_keys[parse_name(p["alias"]).key] = members[0]
        elif action == "rename":
            members = resolve(p.get("project", []))
            if members:
                extras["names"][members[0]] = p["name"]
    # an editor's alias also catches mentions written that way
    for i, m in enumerate(mentions):
        target = alias_keys.get(m.info.key)
        if target is not None and target != i:
            cons.must.append((target, i))
    return cons, extras


# --- the database side --------------------------------------------------------------------


def _date(s: Optional[str]) -> Optional[_dt.date]:
    if not s:
        return None
    try:
        return _dt.date.fromisoformat(s[:10])
    except ValueError:
        return None


def _sentences_by_report(db) -> dict[int, dict[Any, Any]]:
    """Report id -> sentence start -> the sentence with its date and project facts."""
    from . import stages

    out: dict[int, dict[Any, stages.Sentence]] = defaultdict(dict)
    texts = ReportTexts(db)
    for f in db.query(
        """SELECT id, report_id, kind, start, "end", text, sentence_start, sentence_end, date_start, date_end,
                  granularity, date_kind, phase, batch, batch_list
           FROM facts WHERE kind IN ('date', 'project') ORDER BY report_id, start, idx"""
    ):
        key = f["sentence_start"] if f["sentence_start"] is not None else ("fact", f["id"])
        sent = out[f["report_id"]].get(key)
        if sent is None:
            ss = f["sentence_start"] if f["sentence_start"] is not None else f["start"]
            sentence = texts.sentence(f["report_id"], f["sentence_start"], f["sentence_end"])
            sent = out[f["report_id"]][key] = stages.Sentence(start=ss, text=sentence or f["text"])
        if f["kind"] == "date":
            sent.dates.append(
                stages.DateRef(f["id"], f["start"], f["end"], f["text"], _date(f["date_start"]),
                               _date(f["date_end"]), f["granularity"] or "day", f["date_kind"] or "point")
            )
        else:
            sent.projects.append(
                stages.ProjectRef(f["id"], f["start"], f["end"], f["text"], f["phase"], f["batch"], f["batch_list"])
            )
    return out


def mentions_from_db(db) -> tuple[list[Mention], list[dict]]:
    """Every stored project fact as a :class:`Mention`, with its context: its
    date and whether it states a target (from its stage event, see
    :mod:`db.stages`: a date governing its clause, the sentence's opening date,
    its round's date, else the report's), and the companies named in its
    sentence. Each row carries the mention's stage events (``stages``)."""
    from . import stages

    reports = {
        r["id"]: r
        for r in db.query("SELECT id, sha256, path, reference_date FROM reports")
    }
    orgs: dict[tuple, set] = defaultdict(set)
    for f in db.query(
        """SELECT report_id, sentence_start, name FROM facts
           WHERE kind = 'organisation' AND sentence_start IS NOT NULL"""
    ):
        if f["name"]:
            orgs[(f["report_id"], f["sentence_start"])].add(_strip_place("".join(f["name"].split()), rules())[0])
    dating: dict[int, stages.MentionDating] = {}
    for rid, sents in _sentences_by_report(db).items():
        rep = reports.get(rid)
        dating.update(stages.report_stages(list(sents.values()), _date(rep["reference_date"]) if rep else None))
    mentions, rows = [], []
    texts = ReportTexts(db)
    for f in db.query(
        """SELECT id, report_id, start, "end", text, name, phase, batch, batch_list, investment_yuan,
                  sentence_start, sentence_end FROM facts WHERE kind = 'project' ORDER BY report_id, start, idx"""
    ):
        rep = reports[f["report_id"]]
        f["sentence"] = texts.sentence(f["report_id"], f["sentence_start"], f["sentence_end"])
        sent = f["sentence"] or ""
        k = (f["report_id"], f["sentence_start"])
        md = dating.get(f["id"])
        name = f["name"] or f["text"]
        mentions.append(
            Mention(
                name=name,
                report=f["report_id"],
                order=(f["report_id"], f["start"], f["id"]),
                anchor=(rep["sha256"], f["start"], f["end"]),
                phase=f["phase"],
                batch=f["batch"],
                batch_list=f["batch_list"],
                investment_yuan=f["investment_yuan"],
                sentence=sent,
                date=md.date if md else _date(rep["reference_date"]),
                date_source=md.source if md else ("report" if rep["reference_date"] else None),
                is_target=md.is_target if md else is_target_sentence(sent),
                orgs=frozenset(orgs.get(k, set())) | sentence_orgs(sent),
            )
        )
        row = dict(f)
        row["stages"] = md.events if md else ()
        rows.append(row)
    return mentions, rows


def _write_stages(db, pid: int, members: Sequence[int], rows: list[dict]) -> None:
    """The stage events of one project's mentions, and the event each stage was first reached by."""
    from .stages import first_reached

    def iso(d):
        return d.isoformat() if d else None

    events = []
    for i in sorted(members, key=lambda i: (rows[i]["report_id"], rows[i]["start"], rows[i]["id"])):
        for e in rows[i]["stages"]:
            events.append(e)
            db.execute(
                """INSERT INTO stage_events (fact_id, phase, project_id, report_id, reached, precision, date,
                       date_start, date_end, granularity, basis, basis_fact_id, origin, round)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [e.fact_id, e.phase, pid, rows[i]["report_id"], int(e.reached), e.precision, iso(e.date),
                 iso(e.date_start), iso(e.date_end), e.granularity, e.basis, e.basis_fact_id, e.origin, e.round],
            )
    for phase, e in first_reached(events).items():
        db.execute(
            """INSERT INTO project_stages (project_id, phase, precision, date, date_start, date_end, fact_id, n_events)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [pid, phase, e.precision, iso(e.date), iso(e.date_start), iso(e.date_end), e.fact_id,
             sum(1 for x in events if x.reached and x.phase == phase)],
        )


def load_decisions(db) -> list[dict]:
    return [
        {"id": d["id"], "action": d["action"], "payload": json.loads(d["payload"]), "note": d["note"]}
        for d in db.query("SELECT * FROM decisions ORDER BY id")
    ]


@dataclass
class ReconcileSummary:
    mentions: int
    projects: int
    merged: int  # projects with more than one distinct name
    kept_ids: int
    new_ids: int


def _assign_ids(db, clusters: list[list[int]], rows: list[dict]) -> list[int]:
    """Keep the previous id of a project wherever its mentions overlap."""
    old: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for r in db.query('SELECT report_id, start, "end", project_id FROM project_mentions'):
        if r["start"] is not None:
            old[r["report_id"]].append((r["start"], r["end"], r["project_id"]))
    triples = []
    for ci, members in enumerate(clusters):
        cnt = Counter()
        for i in members:
            f = rows[i]
            for s, e, pid in old.get(f["report_id"], []):
                if min(e, f["end"]) > max(s, f["start"]):
                    cnt[pid] += 1
                    break
        for pid, c in cnt.items():
            triples.append((-c, pid, ci))
    triples.sort()
    ids: list[Optional[int]] = [None] * len(clusters)
    taken = set()
    for _c, pid, ci in triples:
        if ids[ci] is None and pid not in taken:
            ids[ci] = pid
            taken.add(pid)
    from .store import get_meta

    last = max([int(get_meta(db, "last_project_id") or 0)] + [pid for lst in old.values() for *_x, pid in lst] + [0])
    for ci in range(len(clusters)):
        if ids[ci] is None:
            last += 1
            ids[ci] = last
    return [int(x) for x in ids]


def reconcile(db) -> ReconcileSummary:
    """Rebuild the registry from the stored project facts and the decisions table."""
    mentions, rows = mentions_from_db(db)
    decisions = load_decisions(db)
    cons, extras = constraints_from_decisions(mentions, decisions)
    labels, links = cluster_mentions(mentions, cons)
    clusters: list[list[int]] = [[] for _ in range(max(labels) + 1 if labels else 0)]
    for i, lab in enumerate(labels):
        clusters[lab].append(i)
    with db.atomic():
        ids = _assign_ids(db, clusters, rows)
        old_ids = {r[0] for r in db.execute("SELECT id FROM projects")}
        db.execute("DELETE FROM project_mentions")
        db.execute("DELETE FROM project_events")
        db.execute("DELETE FROM stage_events")
        db.execute("DELETE FROM project_stages")
        db.execute("DELETE FROM projects")
        merged = 0
        for ci, members in enumerate(clusters):
            pid = ids[ci]
            ms = [mentions[i] for i in members]
            name = next((extras["names"][i] for i in members if i in extras["names"]), None)
            extra_aliases = [a for i in members for a in extras["aliases"].get(i, [])]
            st = derive_state(ms, name=name, extra_aliases=extra_aliases)
            if len({m.info.key for m in ms}) > 1:
                merged += 1
            canon = parse_name(st.name)
            db.execute(
                """INSERT INTO projects (id, name, name_key, aliases, variants, phase, phase_date, phase_fact_id,
                       target_phase, investment_yuan, investment_fact_id, first_date, last_date, n_mentions,
                       n_reports, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    pid, st.name, canon.key, json.dumps(st.aliases, ensure_ascii=False),
                    json.dumps(st.variants, ensure_ascii=False), st.phase,
                    st.phase_date.isoformat() if st.phase_date else None,
                    rows[members[st.phase_index]]["id"] if st.phase_index is not None else None,
                    st.target_phase, st.investment_yuan,
                    rows[members[st.investment_index]]["id"] if st.investment_index is not None else None,
                    st.first_date.isoformat() if st.first_date else None,
                    st.last_date.isoformat() if st.last_date else None,
                    len(members), len({mentions[i].report for i in members}),
                    json.dumps(st.notes, ensure_ascii=False),
                ],
            )
            _write_stages(db, pid, members, rows)
            for i in members:
                m, f = mentions[i], rows[i]
                db.execute(
                    """INSERT INTO project_mentions (fact_id, report_id, start, "end", project_id, name, name_key,
                           variant, link, event_date, event_date_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        f["id"], f["report_id"], f["start"], f["end"], pid, m.info.display, m.info.key,
                        variant_of(m.info, canon), links[i], m.date.isoformat() if m.date else None,
                        m.date_source,
                    ],
                )
                if m.phase:
                    db.execute(
                        """INSERT INTO project_events (project_id, fact_id, report_id, kind, value, date,
                               date_source, is_target) VALUES (?, ?, ?, 'phase', ?, ?, ?, ?)""",
                        [pid, f["id"], f["report_id"], m.phase, m.date.isoformat() if m.date else None,
                         m.date_source, int(m.is_target)],
                    )
                if m.investment_yuan:
                    db.execute(
                        """INSERT INTO project_events (project_id, fact_id, report_id, kind, value, date,
                               date_source, is_target) VALUES (?, ?, ?, 'investment', ?, ?, ?, ?)""",
                        [pid, f["id"], f["report_id"], str(m.investment_yuan),
                         m.date.isoformat() if m.date else None, m.date_source, int(m.is_target)],
                    )
                if m.batch:
                    db.execute(
                        """INSERT INTO project_events (project_id, fact_id, report_id, kind, value, date,
                               date_source, is_target) VALUES (?, ?, ?, 'batch', ?, ?, ?, ?)""",
                        [pid, f["id"], f["report_id"], f"{m.batch}:{m.batch_list or ''}",
                         m.date.isoformat() if m.date else None, m.date_source, int(m.is_target)],
                    )
        last = max(ids + [int(_meta(db, "last_project_id") or 0)] + list(old_ids) + [0])
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('last_project_id', ?)", [str(last)])
    kept = len(set(ids) & old_ids)
    return ReconcileSummary(len(mentions), len(clusters), merged, kept, len(ids) - kept)


def registry_is_current(db) -> bool:
    """True when every project fact has its registry project and every
    registry mention its fact (nothing stored or re-extracted since the last
    reconciliation)."""
    unassigned = db.execute(
        "SELECT 1 FROM facts f WHERE f.kind = 'project' AND NOT EXISTS "
        "(SELECT 1 FROM project_mentions m WHERE m.fact_id = f.id) LIMIT 1"
    ).fetchone()
    stale = db.execute(
        "SELECT 1 FROM project_mentions m WHERE NOT EXISTS (SELECT 1 FROM facts f WHERE f.id = m.fact_id) LIMIT 1"
    ).fetchone()
    return not unassigned and not stale


def _meta(db, key: str) -> Optional[str]:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def project_anchors(db, project_id: int) -> list[list]:
    """Anchors of every mention of a project, for storing in a decision."""
    return [
        [r["sha256"], r["start"], r["end"], r["text"]]
        for r in db.query(
            """SELECT rp.sha256, f.start, f."end", f.text FROM project_mentions m
               JOIN facts f ON f.id = m.fact_id JOIN reports rp ON rp.id = m.report_id
               WHERE m.project_id = ? ORDER BY rp.id, f.start""",
            [project_id],
        )
    ]
