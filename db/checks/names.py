"""name_variant: one project (or one place) written in different ways.

Project names are compared on their *core*: without spaces and line breaks,
without a trailing 项目, a bracketed phase mark (（一期）) and leading place
names (郑州, 河南省, 高新区). Two different cores name one project when

* the registry put both mentions in one project and the names still share a
  long stretch (so a doubtful merge of two different projects is not reported
  as a spelling problem), or
* two neighbouring characters are swapped (鼎盛 / 盛鼎), or
* one character is replaced by one that sounds the same (pypinyin) or is a
  listed variant, or
* one name is the other with one block of characters left out (机械所二期 /
  机械研究所二期, 智能传感器MEMS平台 / 智能传感器MEMS中试平台, 清智机器人创新中心 /
  清华河北院清智机器人创新中心), unless the block is what tells two projects
  apart (二期, 西区 …: ``names.distinguishing``).

Place names: a stem and a place suffix (张五 + 寨) written with two suffixes
that sound the same or are listed variants (张五砦 / 张五寨).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Iterator, Optional

import regex
from rapidfuzz import fuzz

from db.models import Inconsistency

from .context import CheckContext, ReportView, make_item, rules
from .quantities import common_run


def _cfg() -> dict:
    return rules()["names"]


@functools.lru_cache(maxsize=1)
def _place_re() -> regex.Pattern:
    cfg = _cfg()
    words = sorted(cfg["place_prefixes"], key=len, reverse=True)
    units = "".join(cfg["place_units"])
    alt = "|".join(regex.escape(w) for w in words)
    return regex.compile(rf"^(?:{alt}|\p{{Han}}{{2,4}}?[{units}](?=\p{{Han}}{{4}}))")


@functools.lru_cache(maxsize=1)
def _distinguishing() -> list[regex.Pattern]:
    return [regex.compile(p) for p in _cfg()["distinguishing"]]


@functools.lru_cache(maxsize=1 << 16)
def light_name(name: str) -> str:
    """A project name without spaces, brackets, phase marks and a trailing 项目."""
    cfg = _cfg()
    s = "".join(name.split())
    s = regex.sub(cfg["phase_brackets"], "", s)
    s = regex.sub(r"[()（）\[\]【】“”\"'‘’《》·]", "", s)
    changed = True
    while changed:
        changed = False
        for sfx in cfg["drop_suffixes"]:
            if s.endswith(sfx) and len(s) > len(sfx) + 2:
                s = s[: -len(sfx)]
                changed = True
    return s


@functools.lru_cache(maxsize=1 << 16)
def core_name(name: str) -> str:
    """A project name without what does not tell projects apart (place names in front too)."""
    cfg = _cfg()
    s = light_name(name)
    changed = True
    while changed:
        changed = False
        for sfx in cfg["drop_suffixes"]:
            if s.endswith(sfx) and len(s) > len(sfx) + 2:
                s = s[: -len(sfx)]
                changed = True
        m = _place_re().match(s)
        if m and len(s) - m.end() >= cfg["min_core"]:
            s = s[m.end():]
            changed = True
    return s


@functools.lru_cache(maxsize=4096)
def _pinyin(ch: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    return tuple(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])


def same_sound(a: str, b: str) -> bool:
    for pair in _cfg()["variant_characters"]:
        if a in pair and b in pair:
            return True
    if not (regex.match(r"\p{Han}", a) and regex.match(r"\p{Han}", b)):
        return False
    return bool(set(_pinyin(a)) & set(_pinyin(b)))


def variant_reason(a: str, b: str, lights_a: Optional[set] = None, lights_b: Optional[set] = None) -> Optional[str]:
    """Why two different cores are one name written two ways (Chinese), or None.

    ``lights_a``/``lights_b``: the names as written (:func:`light_name`) behind
    each core; a name that only drops the other's front part (明晟新材铝板带箔智能工厂
    / 铝板带箔智能工厂) refers back to it and is not a variant.
    """
    cfg = _cfg()
    if a == b or min(len(a), len(b)) < cfg["min_core"]:
        return None
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
            return f"字序颠倒（{a[diff[0]:diff[1] + 1]} / {b[diff[0]:diff[1] + 1]}）"
        if len(diff) == 1 and same_sound(a[diff[0]], b[diff[0]]):
            return f"同音或异体字（{a[diff[0]]} / {b[diff[0]]}）"
        return None
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if len(short) < cfg["abbreviation_min_share"] * len(long_):
        return None
    # the long name with one block left out
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    j = 0
    while j < len(short) and short[-1 - j] == long_[-1 - j]:
        j += 1
    if i + j < len(short):
        return None
    i = len(short) - j  # align the shared end first (清智… / 清华河北院清智…)
    block = long_[i:len(long_) - j]
    if _distinctive(short) < cfg["min_distinctive"]:
        return None  # they share only generic words (氢能产业园)
    if any(p.fullmatch(block) or p.search(block) for p in _distinguishing()):
        return None
    if j == 0:
        return None  # the short name is the start of the long one: a part or another phase
    if i == 0:
        la, lb = lights_a or {a}, lights_b or {b}
        if not any(_different_fronts(x, y) for x in la for y in lb):
            return None  # one only leaves out the other's front part
        return f"前缀不同（「{block}」）"
    return f"简称（「{block}」）"


@functools.lru_cache(maxsize=1)
def _generic_re() -> regex.Pattern:
    words = sorted(_cfg()["generic_words"], key=len, reverse=True)
    return regex.compile("|".join(words))


def _distinctive(name: str) -> int:
    """Characters of a name left after generic facility words are cut."""
    return len(_generic_re().sub("", name))


def _different_fronts(x: str, y: str) -> bool:
    """Two names with the same end and two different, real front parts.

    ``郑州清智…`` / ``清华河北院清智…``: yes. ``铝板带箔智能工厂`` / ``明晟新材铝板带箔智能工厂``:
    no (one has no front part: it refers back). ``郑州高新区天健湖…`` /
    ``半年时间郑州天健湖…``: no (words before a place name are not part of a name).
    """
    if x.endswith(y) or y.endswith(x):
        return False
    n = 0
    while n < min(len(x), len(y)) and x[-1 - n] == y[-1 - n]:
        n += 1
    px, py = x[: len(x) - n], y[: len(y) - n]
    if not px or not py:
        return False
    for w in _cfg()["place_prefixes"]:
        if (px.endswith(w) and py.startswith(w) and px != w) or (py.endswith(w) and px.startswith(w) and py != w):
            return False
    return True


# -- project names ---------------------------------------------------------------

def candidate_pairs(names: list[str]) -> list[tuple[str, str]]:
    """The pairs ``(a, b)`` (``a < b``) that :func:`variant_reason` can join, without comparing all pairs.

    Each rule leaves a known part of the two names alike, and names are
    compared only when they share that part (the result is the same as
    comparing all pairs; only pairs no rule can join are skipped):

    * same length (two neighbouring characters swapped, or one character
      changed): the names agree everywhere but in two neighbouring places, so
      they share one of the "all but characters d and d+1" keys;
    * different lengths (one block left out of the longer name): the shorter
      name ``s`` is the longer one's first ``i`` and last ``j`` characters with
      ``i + j >= len(s)``, so the two share their first or their last
      ``ceil(len(s) / 2)`` characters; and the shorter one keeps at least
      ``abbreviation_min_share`` of the longer one.

    The keys grow with the names (not a fixed 3 characters), so a common ending
    (产业园, 创新中心) does not put thousands of names in one bucket.
    """
    share = _cfg()["abbreviation_min_share"]
    windows: dict[tuple, list[str]] = defaultdict(list)
    ends: dict[tuple, list[str]] = defaultdict(list)
    for n in names:
        size = len(n)
        for d in range(max(1, size - 1)):
            windows[(size, d, n[:d] + n[d + 2:])].append(n)
        # a longer name is looked up with k = ceil(m / 2) for every shorter length m
        for k in range(1, size // 2 + 1):
            ends[("p", k, n[:k])].append(n)
            ends[("s", k, n[-k:])].append(n)
    pairs = set()
    for a in names:
        m = len(a)
        for d in range(max(1, m - 1)):
            for b in windows.get((m, d, a[:d] + a[d + 2:]), ()):
                if b != a:
                    pairs.add((a, b) if a < b else (b, a))
        k = (m + 1) // 2
        for key in (("p", k, a[:k]), ("s", k, a[-k:])):
            for b in ends.get(key, ()):
                if len(b) > m and m >= share * len(b):
                    pairs.add((a, b) if a < b else (b, a))
    return sorted(pairs)


def _spelling_pairs(ctx: CheckContext, cores: list[str], lights: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    """``(a, b, reason)`` for every candidate pair of ``cores`` that :func:`variant_reason` joins,
    in :func:`candidate_pairs` order. Computed once per context: the name_variant
    items and :func:`project_keys` ask about the same cores (those of at least
    ``min_core`` characters, with the same written names behind each)."""
    key = (tuple(cores), tuple(frozenset(lights[c]) for c in cores))
    got = ctx.cache.get("spelling_pairs")
    if got is not None and got[0] == key:
        return got[1]
    out = []
    for a, b in candidate_pairs(cores):
        r = variant_reason(a, b, lights[a], lights[b])
        if r:
            out.append((a, b, r))
    ctx.cache["spelling_pairs"] = (key, out)
    return out


class _UF:
    def __init__(self):
        self.p: dict = {}

    def find(self, x):
        self.p.setdefault(x, x)
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[rb] = ra


def _project_items(ctx: CheckContext) -> Iterator[Inconsistency]:
    cfg = _cfg()
    mentions: dict[str, list[tuple[ReportView, int, object]]] = defaultdict(list)
    registry_of: dict[str, set[int]] = defaultdict(set)
    lights: dict[str, set[str]] = defaultdict(set)
    for view in ctx.views:
        for idx, fact in view.facts("project"):
            c = core_name(fact.name)
            if len(c) < cfg["min_core"]:
                continue
            mentions[c].append((view, idx, fact))
            lights[c].add(light_name(fact.name))
            pid = view.report.project_of.get(idx)
            if pid is not None:
                registry_of[c].add(pid)
    cores = sorted(mentions)
    uf = _UF()
    reasons: dict[frozenset, str] = {}
    for c in cores:
        uf.find(c)
    # registry: one project, names still alike
    by_pid: dict[int, set[str]] = defaultdict(set)
    for c, pids in registry_of.items():
        for pid in pids:
            by_pid[pid].add(c)
    for pid, cs in by_pid.items():
        cs = sorted(cs)
        for i in range(len(cs)):
            for j in range(i + 1, len(cs)):
                a, b = cs[i], cs[j]
                r = variant_reason(a, b, lights[a], lights[b])
                benign = a.endswith(b) or b.endswith(a)
                if r is None and not benign and common_run(a, b) >= cfg["min_common_run"] and \
                        fuzz.ratio(a, b) >= cfg["registry_min_ratio"]:
                    r = "项目库中为同一项目"
                if r:
                    uf.union(a, b)
                    reasons[frozenset((a, b))] = r
    # spelling rules, whatever the registry says
    for a, b, r in _spelling_pairs(ctx, cores, lights):
        if abs(len(a) - len(b)) > max(len(a), len(b)) * (1 - cfg["abbreviation_min_share"]):
            continue
        uf.union(a, b)
        reasons[frozenset((a, b))] = r
    comps: dict[str, list[str]] = defaultdict(list)
    for c in cores:
        comps[uf.find(c)].append(c)
    # the reasons of each group: a joined pair lies inside one group
    reasons_of: dict[str, set[str]] = defaultdict(set)
    for k, r in reasons.items():
        reasons_of[uf.find(next(iter(k)))].add(r)
    for members in comps.values():
        if len(members) < 2:
            continue
        ev = []
        names_seen = set()
        for c in members:
            for view, idx, fact in mentions[c]:
                key = (view.id, "".join(fact.name.split()))
                if key in names_seen:
                    continue
                names_seen.add(key)
                ev.append(view.evidence_orig(fact.start, fact.end, note=f"{view.name}：{''.join(fact.name.split())}"))
        ev.sort(key=lambda e: ((e.reference_date.isoformat() if e.reference_date else ""), e.path, e.start))
        spellings = []
        for e in ev:
            n = "".join(e.text.split())
            if n not in spellings:
                spellings.append(n)
        why = sorted(reasons_of.get(uf.find(members[0]), ()))
        pids = set()
        for c in members:
            pids |= registry_of.get(c, set())
        msg = "同一项目有不同写法：" + " / ".join(f"「{s}」" for s in spellings)
        if why:
            msg += "（" + "；".join(why) + "）"
        if len(pids) > 1:
            msg += "。项目库中分属不同项目，请核对是否为同一项目"
        yield make_item(
            "name_variant",
            msg,
            ev,
            project_id=next(iter(pids)) if len(pids) == 1 else None,
            details={"spellings": spellings, "cores": sorted(members), "reasons": why,
                     "registry_ids": sorted(pids)},
        )


def project_keys(ctx: CheckContext) -> dict[tuple[int, int], tuple]:
    """Which project each project mention is about: ``(report id, fact index) -> key``.

    The registry's project id when reconciliation assigned one; otherwise the
    group of names that the spelling rules above join (鼎盛 / 盛鼎 …), so the
    checks that compare one project across reports work without a registry.
    """
    if "project_keys" in ctx.cache:
        return ctx.cache["project_keys"]
    cfg = _cfg()
    cores: dict[str, set[str]] = defaultdict(set)
    where: list[tuple[int, int, str]] = []
    for view in ctx.views:
        for idx, fact in view.facts("project"):
            c = core_name(fact.name)
            cores[c].add(light_name(fact.name))
            where.append((view.id, idx, c))
    uf = _UF()
    names = sorted(cores)
    for a in names:
        uf.find(a)
    long_enough = [a for a in names if len(a) >= cfg["min_core"]]
    for a, b, _ in _spelling_pairs(ctx, long_enough, cores):
        uf.union(a, b)
    out: dict[tuple[int, int], tuple] = {}
    views = {v.id: v for v in ctx.views}
    for rid, idx, c in where:
        pid = views[rid].report.project_of.get(idx)
        if pid is not None:
            out[(rid, idx)] = ("id", pid)
            continue
        # a phase of a project (（一期）) has its own stage and dates
        name = "".join(views[rid].report.facts[idx].name.split())
        m = regex.search(cfg["phase_brackets"], name)
        out[(rid, idx)] = ("name", uf.find(c), m.group() if m else "")
    ctx.cache["project_keys"] = out
    return out


# -- place names -------------------------------------------------------------------

def _place_items(ctx: CheckContext) -> list[Inconsistency]:
    cfg = _cfg()
    suffixes = cfg["place_suffixes"]
    n = cfg["place_stem_length"]
    pat = regex.compile(rf"(\p{{Han}}{{{n}}})([{suffixes}])")
    shown = 3  # occurrences cited per spelling: only those are kept
    # a suffix that sounds like no other suffix can never make a variant: not kept
    pairable = {a for a in suffixes for b in suffixes if a != b and same_sound(a, b)}
    occ: dict[str, dict[str, list[tuple[ReportView, int, int]]]] = defaultdict(dict)
    for view in ctx.views:
        for m in pat.finditer(view.text, overlapped=True):
            if m.group(2) not in pairable:
                continue
            got = occ[m.group(1)].setdefault(m.group(2), [])
            if len(got) < shown:
                got.append((view, m.start(), m.end()))
    out = []
    for stem, by_suffix in occ.items():
        sufs = sorted(by_suffix)
        linked = [(a, b) for i, a in enumerate(sufs) for b in sufs[i + 1:] if same_sound(a, b)]
        if not linked:
            continue
        used = sorted({s for pair in linked for s in pair})
        ev = []
        for s in used:
            for view, ns, ne in by_suffix[s][:shown]:
                ev.append(view.evidence(ns, ne, note=f"{view.name}：{stem}{s}"))
        spellings = " / ".join(f"「{stem}{s}」" for s in used)
        out.append(
            make_item(
                "name_variant",
                f"同一地名有不同写法：{spellings}（同音或异体字），应统一",
                ev,
                details={"place": True, "spellings": [stem + s for s in used]},
            )
        )
    return out


def iter_check(ctx: CheckContext) -> Iterator[Inconsistency]:
    """The items one at a time (a name found in many reports carries much evidence)."""
    yield from _project_items(ctx)
    yield from _place_items(ctx)


def check(ctx: CheckContext) -> list[Inconsistency]:
    return list(iter_check(ctx))
