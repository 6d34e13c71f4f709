"""Named projects, their stage, "三个一批" round and investment.

``extract(doc)`` returns :class:`Project` facts (and :class:`PhaseEvent` facts for
stage words with no named project in their sentence). It runs after the amount,
date and entity extractors and reads ``doc.found`` defensively.

Two sources of names, combined as ``patterns/projects.yaml: combination`` says:

* rules (:func:`rule_candidates`): a name ends with a head word (项目, 基地, 产业园 …
  from ``patterns/projects.yaml``) and starts after the right-most left trigger
  (推进, 吸引了 …, matched on jieba words); lists (、-separated, "三个一批" list
  headings with round labels) carry names without a head word;
* the statistical spaCy ``ner`` shipped in ``extract/data/ner_model``
  (:func:`ner_candidates`), trained by ``xiangmu train``.

All matching is on the normalised text; facts are built with ``doc.make`` and the
``name`` is the ORIGINAL text of the span with whitespace removed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

import regex

import patterns

from . import phases as _phases
from .models import PhaseEvent, Project
from .numbers import NUMBER, parse_number

# ---------------------------------------------------------------------------
# configuration


@dataclass(frozen=True)
class _Cfg:
    head_re: "regex.Pattern"
    strong: frozenset
    boundary_heads: frozenset
    suffix_res: tuple
    delim_re: "regex.Pattern"
    clause_re: "regex.Pattern"
    triggers: frozenset
    weak_triggers: frozenset
    keep_de: tuple
    generic_re: "regex.Pattern"
    reject_left: tuple
    reject_right: tuple
    reject_name: tuple
    context_re: "regex.Pattern"
    list_tail_re: "regex.Pattern"
    lists: dict
    list_phase: dict
    headings: tuple
    labels: tuple
    mentions: tuple
    current_re: "regex.Pattern"
    list_end_re: "regex.Pattern"
    inv_before: "regex.Pattern"
    inv_after: "regex.Pattern"
    combination: str
    company_ahead_re: "regex.Pattern"
    list_tail_projects_re: "regex.Pattern"
    function_tags: frozenset
    generic_single: frozenset
    agent_words: frozenset
    blockers: tuple
    tail_window: int
    verb_tags: frozenset
    proper_tags: frozenset
    context_words: frozenset


@functools.lru_cache(maxsize=1)
def _cfg() -> _Cfg:
    d = patterns.load("projects")
    heads = d["heads"]
    strong = list(heads["strong"])
    weak = list(heads["weak"])
    try:
        ents = patterns.load("entities")
        places = list(ents.get("places", {}).get("names", []))
    except patterns.PatternError:
        places = []
    generic = list(d["generic_words"]) + list(d.get("generic_place_words", [])) + places + strong + weak
    generic_single = frozenset(w for w in generic if len(w) == 1)
    generic = [w for w in generic if len(w) > 1]
    num = NUMBER()
    inv = d["investment"]
    return _Cfg(
        head_re=regex.compile(patterns.alternation(strong + weak)),
        strong=frozenset(strong),
        boundary_heads=frozenset(d.get("token_boundary_heads", [])),
        suffix_res=tuple(regex.compile(p) for p in d["phase_suffix"]),
        delim_re=regex.compile(d["delimiters"]),
        clause_re=regex.compile(d["clause_delimiters"]),
        triggers=frozenset(d["left_triggers"]),
        weak_triggers=frozenset(d.get("weak_left_triggers", [])),
        keep_de=tuple(d.get("keep_de_prefixes", [])),
        generic_re=regex.compile(patterns.alternation(generic)),
        reject_left=tuple(d.get("reject_left_context", [])),
        reject_right=tuple(d.get("reject_right_context", [])),
        reject_name=tuple(regex.compile(p) for p in d.get("reject_name_patterns", [])),
        context_re=regex.compile(patterns.alternation(d.get("context_words", []))),
        list_tail_re=regex.compile(d["list_tail"]),
        lists=dict(d["rounds"]["lists"]),
        list_phase=dict(d["rounds"]["list_phase"]),
        headings=tuple(regex.compile(p) for p in d["rounds"]["headings"]),
        labels=tuple(regex.compile(p) for p in d["rounds"]["labels"]),
        mentions=tuple(regex.compile(p) for p in d["rounds"]["mentions"]),
        current_re=regex.compile(d["rounds"]["current"]),
        list_end_re=regex.compile(d["rounds"]["list_end"]),
        inv_before=regex.compile(inv["before"].replace("{NUMBER}", num)),
        inv_after=regex.compile(inv["after"].replace("{NUMBER}", num)),
        combination=str(d.get("combination", "rules")),
        company_ahead_re=regex.compile(d.get("company_ahead", "(?!)")),
        list_tail_projects_re=regex.compile(d.get("list_tail_projects", "(?!)")),
        function_tags=frozenset(d.get("function_tags", [])),
        generic_single=generic_single,
        agent_words=frozenset(d.get("agent_words", [])),
        blockers=tuple(d.get("right_tail_blockers", [])),
        tail_window=int(d.get("right_tail_window", 14)),
        verb_tags=frozenset(d.get("verb_tags", [])),
        proper_tags=frozenset(d.get("proper_tags", [])),
        context_words=frozenset(d.get("context_words", [])),
    )


def _round_number(s: Optional[str]) -> Optional[int]:
    if not s:
        return None
    v = parse_number(s)
    return int(v) if v is not None else None


# ---------------------------------------------------------------------------
# candidates


@dataclass
class Cand:
    start: int  # normalised, absolute
    end: int
    source: str = "rules"
    strong: bool = False
    group: int = -1  # id of the 、-list it stands in
    heading: Optional[dict] = None  # the "三个一批" list it belongs to
    batch: Optional[int] = None
    batch_list: Optional[str] = None
    phase: Optional[str] = None
    investment: Optional[int] = None
    headless: bool = False
    head: str = ""
    seg: int = -1  # start of the segment it was found in

    def ends_project(self, text: str) -> bool:
        return self.head == "项目" or text.endswith("项目", self.start, self.end)


@dataclass
class _Seg:
    start: int
    end: int
    left: str  # delimiter before ("" at sentence start)
    right: str  # delimiter after
    group: int = -1
    in_heading: Optional[dict] = None


@dataclass
class _Sentence:
    start: int
    end: int
    segs: list = field(default_factory=list)
    headings: list = field(default_factory=list)  # dicts: start, end, region_end, round, list, labels
    mentions: list = field(default_factory=list)  # (start, end, round, list)


def _tokens(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    from .nlp import tokenize

    return [(w, a + start, b + start) for w, a, b in tokenize(text[start:end])]


def _parse_sentence(text: str, ss: int, se: int) -> _Sentence:
    cfg = _cfg()
    s = text[ss:se]
    sent = _Sentence(ss, se)
    # round labels: delimiters that also carry a round
    labels = []
    for rx in cfg.labels:
        for m in rx.finditer(s):
            labels.append((ss + m.start(), ss + m.end(), _round_number(m.group("round")), cfg.lists.get(m.group("list"))))
    labels.sort()
    # list headings
    for rx in cfg.headings:
        for m in rx.finditer(s):
            h_end = ss + m.end()
            me = cfg.list_end_re.search(text, h_end, se)
            region_end = me.start() if me else se
            # a comma goes on with the list only right after a round label
            for dm in cfg.clause_re.finditer(text, h_end, region_end):
                if not any(l[1] == dm.start() for l in labels):
                    region_end = dm.start()
                    break
            gd = m.groupdict()
            sent.headings.append(
                {"start": ss + m.start(), "end": h_end, "region_end": region_end,
                 "round": _round_number(gd.get("round")), "list": cfg.lists.get(gd.get("list")),
                 "labels": [l for l in labels if h_end <= l[0] < region_end]}
            )
    sent.headings.sort(key=lambda h: h["start"])
    for rx in cfg.mentions:
        for m in rx.finditer(s):
            a = ss + m.start()
            if any(h["start"] <= a < h["end"] for h in sent.headings):
                continue
            sent.mentions.append((a, ss + m.end(), _round_number(m.group("round")), cfg.lists.get(m.group("list"))))
    # segments
    cuts = []  # (start, end, kind)
    for m in cfg.delim_re.finditer(s):
        cuts.append((ss + m.start(), ss + m.end(), m.group()))
    for a, b, _, _ in labels:
        cuts.append((a, b, "label"))
    for h in sent.headings:
        cuts.append((h["start"], h["end"], "heading"))
    cuts.sort()
    pos, left = ss, ""
    for a, b, kind in cuts:
        if a < pos:
            continue
        if a > pos:
            sent.segs.append(_Seg(pos, a, left, kind))
        pos, left = b, kind
    if pos < se:
        sent.segs.append(_Seg(pos, se, left, ""))
    # 、-groups and heading regions
    gid = 0
    for i, sg in enumerate(sent.segs):
        for h in sent.headings:
            if h["end"] <= sg.start < h["region_end"]:
                sg.in_heading = h
        if i > 0 and sg.left == "、" or (
            i > 0 and sg.in_heading is not None and sent.segs[i - 1].in_heading is sg.in_heading
        ):
            sg.group = sent.segs[i - 1].group
        else:
            gid += 1
            sg.group = gid
    return sent


@functools.lru_cache(maxsize=4096)
def _trigger_word(w: str) -> bool:
    """A left trigger, or two of them written as one word (全力支持 = 全力 + 支持)."""
    cfg = _cfg()
    if w in cfg.triggers:
        return True
    return any(w[:i] in cfg.triggers and w[i:] in cfg.triggers for i in range(1, len(w)))


def _is_trigger(tokens, k, seg_start, text) -> bool:
    cfg = _cfg()
    w = tokens[k][0]
    if not _trigger_word(w) and w not in cfg.weak_triggers:
        return False
    if w in cfg.weak_triggers:
        if k == 0 or tokens[k][1] == seg_start:
            return True
        prev = tokens[k - 1][0]
        if _trigger_word(prev) or prev in cfg.agent_words or regex.fullmatch(r"[\p{P}\s]+", prev):
            return True
        return False
    return True


def _extend_suffix(text: str, e: int, limit: int) -> int:
    cfg = _cfg()
    for _ in range(3):
        moved = False
        for rx in cfg.suffix_res:
            m = rx.match(text, e, limit)
            if m and m.end() > e:
                e = m.end()
                moved = True
                break
        if not moved:
            break
    return e


def _balanced(name: str) -> bool:
    if name.count("(") != name.count(")"):
        return False
    if name.count("“") != name.count("”") or name.count("‘") != name.count("’"):
        return False
    return True


def _is_generic(name: str) -> bool:
    cfg = _cfg()
    rest = regex.sub(r"[“‘][^”’]*[”’]", "", name)
    rest = cfg.generic_re.sub(" ", rest)
    n = 0
    for part in rest.split():
        for w, _, _ in _tokens(part, 0, len(part)):
            if w in cfg.generic_single:
                continue
            n += len(regex.sub(r"[^\p{Han}A-Za-z0-9]", "", w))
    return n < 2


def _reject_name(name: str) -> bool:
    cfg = _cfg()
    if len(name) < 3 or len(name) > 70:
        return True
    if not _balanced(name):
        return True
    if any(rx.search(name) for rx in cfg.reject_name):
        return True
    return _is_generic(name)


def _pos_reject(name: str) -> bool:
    """A name that starts with a verb or adverb, or whose head follows a verb, with no
    proper noun in it (坚持项目, 欢迎项目, 全生命周期管理平台)."""
    from .nlp import pos_cut

    cfg = _cfg()
    toks = pos_cut(name)
    if not toks:
        return True
    keep = any(name.startswith(p) for p in cfg.keep_de)
    if toks[0][1] in cfg.function_tags and not keep:
        return True
    if any(f in cfg.proper_tags for _, f in toks):
        return False
    if toks[0][1] in cfg.verb_tags and not keep:
        return True
    m = None
    for mm in cfg.head_re.finditer(name):
        m = mm
    if m is None:
        return False
    pos = 0
    before = None
    for w, f in toks:
        if pos + len(w) > m.start():
            break
        before = (w, f)
        pos += len(w)
    return before is not None and before[1] in cfg.verb_tags


def _trigger_run(text: str, a: int, L: int) -> str:
    """The words just before ``L`` that are left triggers (吸引了, 加快推进 …)."""
    cfg = _cfg()
    toks = _tokens(text, a, L)
    run = []
    for w, _, _ in reversed(toks):
        if _trigger_word(w) or w in cfg.weak_triggers:
            run.append(w)
        else:
            break
    return "".join(reversed(run))


def _right_context(text: str, b: int, limit: int) -> bool:
    cfg = _cfg()
    window = text[b:min(limit, b + cfg.tail_window)]
    cut = len(window)
    for w in cfg.blockers:
        i = window.find(w)
        if 0 <= i < cut:
            cut = i
    return bool(cfg.context_re.search(window[:cut]))


def _left_cut(text: str, seg_start: int, head_start: int, tokens) -> int:
    """Start of a name whose head begins at ``head_start``."""
    cfg = _cfg()
    L = seg_start
    for k, (w, a, b) in enumerate(tokens):
        if b > head_start:
            break
        if _is_trigger(tokens, k, seg_start, text):
            if w == "的" and any(text.startswith(p, L) for p in cfg.keep_de):
                continue
            L = b
    # a name does not run across another project's 项目
    i = text.rfind("项目", L, head_start)
    while i >= 0:
        j = i + 2
        if not regex.match(r"\(|[一二三四五六七八九十]期", text[j:j + 2]):
            L = j
            break
        i = text.rfind("项目", L, i)
    # skip a leading closing quote / punctuation left over
    while L < head_start and text[L] in "”’)》 ":
        L += 1
    return L


def _segment_candidates(text: str, sg: _Seg, sent: _Sentence) -> list[Cand]:
    cfg = _cfg()
    seg = text[sg.start:sg.end]
    heads = {}
    for m in cfg.head_re.finditer(seg, overlapped=True):
        hs, he = sg.start + m.start(), sg.start + m.end()
        w = m.group()
        prev = heads.get(he)
        if prev is None or len(w) > len(prev[1]):
            heads[he] = (hs, w)
    if not heads:
        return []
    tokens = _tokens(text, sg.start, sg.end)
    tok_ends = {b for _, _, b in tokens}
    out = []
    for he, (hs, w) in sorted(heads.items()):
        if w in cfg.boundary_heads and he not in tok_ends:
            continue
        if len(w) == 1:
            k = next((i for i, t in enumerate(tokens) if t[2] == he), None)
            if k is None:
                continue
            unit = tokens[k][0] if len(tokens[k][0]) > 1 else (tokens[k - 1][0] + w if k > 0 else w)
            if _is_generic(unit):
                continue
        if text[hs - 1:hs] == "(":
            continue
        e = _extend_suffix(text, he, sg.end)
        # the head must not run on into a company name or an event
        right = text[e:min(sent.end, e + 6)]
        if any(right.startswith(r) for r in cfg.reject_right) or cfg.company_ahead_re.match(text, e, min(sent.end, e + 12)):
            continue
        L = _left_cut(text, sg.start, hs, tokens)
        if L >= hs or _reject_name(text[L:e]):
            continue
        out.append(Cand(L, e, strong=w in cfg.strong or text.endswith("项目", 0, e), head=w))
    # keep the longest of overlapping candidates
    out.sort(key=lambda c: (-(c.end - c.start), c.start))
    kept: list[Cand] = []
    for c in out:
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    kept.sort(key=lambda c: c.start)
    return kept


def _split_conjoined(text: str, a: int, b: int, sc: list) -> list[tuple[int, int]]:
    """A list item "X基地及Y综合体" names two projects; "X基地及Y中心项目" (one 项目 for
    both) names one."""
    if text.endswith("项目", a, b):
        return [(a, b)]
    cfg = _cfg()
    for m in regex.finditer("及", text[a:b]):
        j = a + m.start()
        if regex.search(f"(?:{cfg.head_re.pattern})$", text[a:j]) and cfg.head_re.search(text, j + 1, b):
            return [(a, j), (j + 1, b)]
    return [(a, b)]


def _clause_bounds(text: str, a: int, b: int, ss: int, se: int) -> tuple[int, int]:
    """The clause around ``[a, b)`` within the sentence ``[ss, se)``."""
    cfg = _cfg()
    left = ss
    for m in cfg.clause_re.finditer(text, ss, a):
        left = m.end()
    m = cfg.clause_re.search(text, b, se)
    right = m.start() if m else se
    return left, right


def _current_round(text: str) -> Optional[int]:
    rounds = [_round_number(m.group("round")) for m in _cfg().current_re.finditer(text)]
    rounds = [r for r in rounds if r]
    return max(rounds) if rounds else None


def _strip_item(text: str, a: int, b: int, last: bool) -> tuple[int, int]:
    """A headless list item: trim the list tail on the right, then cut after the
    right-most left trigger."""
    if last:
        i = text.find("等", a, b)
        if i > a:
            b = i
        else:
            for w in ("项目建设", "建设", "落地", "签约", "开工"):
                if text.endswith(w, a, b):
                    b -= len(w)
                    break
    toks = _tokens(text, a, b)
    start = a
    for k in range(len(toks)):
        if _is_trigger(toks, k, start, text):
            a = toks[k][2]
    while b > a and text[b - 1] in " “”":
        b -= 1
    while a < b and text[a] in " “”":
        a += 1
    return a, b


def rule_candidates(text: str, sentences, current_round: Optional[int]) -> tuple[list[Cand], dict]:
    """Project names found by the rules, and the parsed sentences (keyed by start)."""
    cfg = _cfg()
    found: list[Cand] = []
    parsed = {}
    for ss, se in sentences:
        if se <= ss:
            continue
        sent = _parse_sentence(text, ss, se)
        parsed[ss] = sent
        cands: list[Cand] = []
        for sg in sent.segs:
            if sg.in_heading is not None:
                sc = _segment_candidates(text, sg, sent)
                a, b = _strip_item(text, sg.start, sg.end, last=True)
                if sc:
                    b = max(c.end for c in sc)
                    while a < b and text[a] in " “”":
                        a += 1
                for a2, b2 in _split_conjoined(text, a, b, sc):
                    name = text[a2:b2]
                    if b2 - a2 >= 3 and _balanced(name) and not any(rx.search(name) for rx in cfg.reject_name):
                        c = Cand(a2, b2, strong=True, group=sg.group, heading=sg.in_heading, headless=not sc)
                        cands.append(c)
                continue
            for c in _segment_candidates(text, sg, sent):
                c.group = sg.group
                c.seg = sg.start
                cands.append(c)
        # filters
        spans = [(c.start, c.end) for c in cands]
        gsegs: dict[int, set] = {}
        for c in cands:
            gsegs.setdefault(c.group, set()).add(c.seg)
        gsize = {g: len(v) for g, v in gsegs.items()}
        kept = []
        for c in cands:
            name = text[c.start:c.end]
            if c.heading is None:
                if _reject_name(name) or (gsize[c.group] < 2 and _pos_reject(name)):
                    continue
                cl, cr = _clause_bounds(text, c.start, c.end, ss, se)
                before = text[cl:c.start]
                if any(w in before for w in cfg.reject_left):
                    continue
            kept.append(c)
        # context: names not ending in 项目 need a project word next to them or their list
        groups: dict[int, list[Cand]] = {}
        for c in kept:
            groups.setdefault(c.group, []).append(c)
        final = []
        for c in kept:
            if c.heading is not None or c.ends_project(text):
                final.append(c)
                continue
            g = groups[c.group]
            ga, gb = min(x.start for x in g), max(x.end for x in g)
            cl, cr = _clause_bounds(text, ga, gb, ss, se)
            run = _trigger_run(text, cl, ga) + _trigger_run(text, cl, c.start)
            if cfg.context_re.search(run) or _right_context(text, gb, cr) or sent.mentions:
                final.append(c)
        # list propagation: headless items of a 、-list that holds named projects
        segs_by_group: dict[int, list[_Seg]] = {}
        for sg in sent.segs:
            if sg.in_heading is None:
                segs_by_group.setdefault(sg.group, []).append(sg)
        have = {c.group for c in final}
        for gid, segs in segs_by_group.items():
            if gid not in have or len(segs) < 2:
                continue
            members = [c for c in final if c.group == gid]
            last = segs[-1]
            in_last = [c for c in members if last.start <= c.start < last.end]
            tail_from = max(c.end for c in in_last) if in_last else last.start
            tail_names = cfg.list_tail_projects_re.search(text, tail_from, last.end)
            if not tail_names and not any(text.endswith("项目", c.start, c.end) for c in members):
                continue
            if in_last:
                if not cfg.list_tail_re.match(text, max(c.end for c in in_last), last.end):
                    continue
            elif len(members) < 2:
                continue
            for i, sg in enumerate(segs):
                if any(sg.start <= c.start < sg.end for c in members):
                    continue
                a, b = _strip_item(text, sg.start, sg.end, last=(i == len(segs) - 1))
                name = text[a:b]
                if not (2 <= len(name) <= 20) or regex.search(r"\d+\s*[个项家]|[^\p{Han}A-Za-z0-9()“”\-]", name):
                    continue
                if _is_generic(name) or any(rx.search(name) for rx in cfg.reject_name):
                    continue
                toks = _tokens(text, a, b)
                if any(_trigger_word(t[0]) for t in toks):
                    continue
                final.append(Cand(a, b, group=gid, headless=True))
        final.sort(key=lambda c: c.start)
        found.extend(final)
    return _known_names(text, found), parsed


def _known_names(text: str, found: list[Cand]) -> list[Cand]:
    """A name accepted in one sentence is a project wherever else the report writes it
    (盛鼎建筑科技产业园是…首个项目 has no stage word of its own)."""
    names = {text[c.start:c.end] for c in found
             if c.end - c.start >= 4 and (not c.headless or c.heading is not None)}
    out = list(found)
    for n in sorted(names, key=len, reverse=True):
        for m in regex.finditer(regex.escape(n), text):
            a, b = m.start(), m.end()
            over = [c for c in out if c.start < b and a < c.end]
            if not over:
                out.append(Cand(a, b, strong=True, head="项目" if n.endswith("项目") else ""))
                continue
            for c in over:
                # a run of caption text swallowed the name: cut it out
                if c.start < a and c.end - c.start > len(n) + 15:
                    rest = Cand(b, c.end, strong=c.strong, head=c.head, group=c.group, seg=c.seg)
                    if c.head and text.endswith(c.head, b, c.end):
                        rest.start = _left_cut(text, b, c.end - len(c.head), _tokens(text, b, c.end))
                    c.end, c.start = b, a
                    if rest.end - rest.start >= 3 and not _reject_name(text[rest.start:rest.end]):
                        out.append(rest)
    out.sort(key=lambda c: (c.start, -c.end))
    dedup: list[Cand] = []
    for c in out:
        if dedup and dedup[-1].start == c.start and dedup[-1].end == c.end:
            continue
        dedup.append(c)
    return dedup


# ---------------------------------------------------------------------------
# the statistical model


def ner_candidates(doc, sentences, nlp=None) -> list[Cand]:
    """PROJECT spans predicted by the spaCy model (the shipped one unless ``nlp`` is
    given; empty when there is none)."""
    if nlp is None:
        from .nlp import get_nlp

        nlp = get_nlp()
    if nlp is None:
        return []
    return ner_candidates_with(nlp, doc.text, sentences)


def ner_candidates_with(nlp, text: str, sentences) -> list[Cand]:
    head_re = _cfg().head_re
    out = []
    spans = [(ss, se) for ss, se in sentences if se > ss and ("项目" in text[ss:se] or head_re.search(text, ss, se))]
    for (ss, se), sdoc in zip(spans, nlp.pipe(text[ss:se] for ss, se in spans)):
        for ent in sdoc.ents:
            if ent.label_ != "PROJECT":
                continue
            a, b = ss + ent.start_char, ss + ent.end_char
            while a < b and text[a] in " “”、,":
                a += 1
            while b > a and text[b - 1] in " 、,":
                b -= 1
            name = text[a:b]
            if _reject_name(name):
                continue
            out.append(Cand(a, b, source="ner"))
    return out


def combine(rules: list[Cand], model: list[Cand], mode: str, text: str = "") -> list[Cand]:
    """``rules``, ``ner``, ``union`` (rules first, plus model names the rules did not
    cover) or ``vote`` (rule names that stand only on their context need the model to
    agree; names ending in 项目 and list items stand on their own)."""
    if mode == "rules":
        return list(rules)
    if mode == "ner":
        return list(model)
    if mode == "vote":
        out = []
        for r in rules:
            over = any(m.start < r.end and r.start < m.end for m in model)
            if over:
                r.source = "both"
            if over or r.heading is not None or r.headless or r.ends_project(text):
                out.append(r)
        return out
    out = list(rules)
    for m in model:
        over = [r for r in rules if r.start < m.end and m.start < r.end]
        if over:
            for r in over:
                r.source = "both"
            continue
        out.append(m)
    out.sort(key=lambda c: c.start)
    return out


# ---------------------------------------------------------------------------
# fields


def _amount_value(doc, a: int, b: int, amount_text: str) -> Optional[int]:
    # prefer the amount extractor's reading when it has one for this span
    for f in doc.found.get("amount") or []:
        fs, fe = doc.span(a, b)
        if f.start < fe and fs < f.end and getattr(f, "value_yuan", None) and getattr(f, "currency", "CNY") == "CNY":
            return int(f.value_yuan)
    m = regex.match(r"(?P<n>.+?)\s*(?P<u>万亿|亿|万)?元$", amount_text)
    if not m:
        return None
    v = parse_number(m.group("n"))
    if v is None:
        return None
    mult = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4}.get(m.group("u") or "", Decimal(1))
    v = v * mult
    return int(v) if v == v.to_integral_value() else None


def _assign_fields(doc, cands: list[Cand], parsed: dict, current_round: Optional[int]) -> None:
    cfg = _cfg()
    text = doc.text
    spans = [(c.start, c.end) for c in cands]
    by_sentence: dict[int, list[Cand]] = {}
    starts = sorted(parsed)
    import bisect

    for c in cands:
        k = bisect.bisect_right(starts, c.start) - 1
        if k >= 0:
            by_sentence.setdefault(starts[k], []).append(c)
    for ss, group in by_sentence.items():
        sent = parsed[ss]
        se = sent.end
        # groups of the sentence
        gmap: dict[int, list[Cand]] = {}
        for c in group:
            if c.group < 0:
                for sg in sent.segs:
                    if sg.start <= c.start < sg.end:
                        c.group = sg.group
                        if sg.in_heading is not None and c.heading is None:
                            c.heading = sg.in_heading
            gmap.setdefault(c.group, []).append(c)
        for c in group:
            h = c.heading
            if h is not None:
                c.batch_list = h["list"]
                c.phase = cfg.list_phase.get(h["list"])
                labels = h["labels"]
                nxt = [l for l in labels if l[0] >= c.end]
                if nxt:
                    c.batch = nxt[0][2]
                elif labels:
                    c.batch = current_round if current_round and all((l[2] or 0) < current_round for l in labels) else None
                elif h["round"]:
                    c.batch = h["round"]
                else:
                    c.batch = None if doc.cache.get("round_labels") else current_round
                # a stage stated after the items overrides the list's own
                items = [x for x in group if x.heading is h]
                last_end = max(x.end for x in items)
                m = cfg.clause_re.search(text, last_end, se)
                tail = text[last_end:(m.start() if m else se)]
                ph = _phases.phase_of_clause(tail)
                if _phases.overrides_list(ph):
                    c.phase = ph
                continue
            g = gmap[c.group]
            ga, gb = min(x.start for x in g), max(x.end for x in g)
            cl, cr = _clause_bounds(text, ga, gb, ss, se)
            clause = text[cl:cr]
            # a list introduced by 包括 / 分别为 / ":" reads the clause before it too
            lead = clause[: max(0, ga - cl)]
            if regex.match(r"^\s*(包括|分别为|分别是|如|即|有)", lead) or text[cl - 1:cl] == ":":
                pl, _ = _clause_bounds(text, max(ss, cl - 2), max(ss, cl - 1), ss, se)
                clause_start = pl
            else:
                clause_start = cl
            blanked = _phases.blank(text[clause_start:cr], spans, offset=clause_start)
            c.phase = _phases.phase_of_clause(blanked)
            # a round named in the same sentence
            if sent.mentions:
                best = min(sent.mentions, key=lambda m: min(abs(m[0] - c.start), abs(m[1] - c.start)))
                c.batch, c.batch_list = best[2], best[3]
            # investment for this project alone
            seg_start = cl
            for sg in sent.segs:
                if sg.start <= c.start < sg.end:
                    seg_start = sg.start
            m = cfg.inv_before.search(text, max(seg_start, c.start - 40), c.start)
            if m and m.end() == c.start:
                c.investment = _amount_value(doc, m.start("amount"), m.end("amount"), m.group("amount"))
            elif len(g) == 1:
                m = cfg.inv_after.match(text, c.end, se)
                if m:
                    c.investment = _amount_value(doc, m.start("amount"), m.end("amount"), m.group("amount"))


def _events(doc, cands: list[Cand]) -> list[PhaseEvent]:
    text = doc.text
    out = []
    covered = set()
    for c in cands:
        covered.add(doc.sentence(c.start))
    for ss, se in doc.norm.sentences:
        if (ss, se) in covered or "项目" not in text[ss:se]:
            continue
        window, not_after = _phases.event_context()
        for a, b, word, phase in _phases.event_words(text[ss:se]):
            if "项目" not in text[max(ss, ss + a - window):ss + a]:
                continue
            if text.startswith(not_after, ss + b):
                continue
            out.append(doc.make(PhaseEvent, ss + a, ss + b, phase=phase, word=word))
            break
    return out


def _sentences(doc) -> list[tuple[int, int]]:
    """The normaliser's sentences, with one that ends in a dash or a colon joined to the
    next (a heading such as '第七期"三个一批"开工项目——' belongs to what follows)."""
    text = doc.text
    out: list[list[int]] = []
    for ss, se in doc.norm.sentences:
        if out:
            prev = text[out[-1][0]:out[-1][1]].rstrip()
            if prev.endswith(("——", "—", ":")):
                out[-1][1] = se
                continue
        out.append([ss, se])
    return [(a, b) for a, b in out]


def find(doc, mode: Optional[str] = None, nlp=None) -> list[Cand]:
    """Project candidates with their fields (normalised spans)."""
    text = doc.text
    sentences = _sentences(doc)
    current = _current_round(text)
    cfg = _cfg()
    doc.cache["round_labels"] = any(rx.search(text) for rx in cfg.labels)
    rules, parsed = rule_candidates(text, sentences, current)
    mode = mode or _cfg().combination
    model = ner_candidates(doc, sentences, nlp) if mode in ("ner", "union", "vote") else []
    cands = combine(rules, model, mode, text)
    _assign_fields(doc, cands, parsed, current)
    return cands


def extract(doc, mode: Optional[str] = None, nlp=None) -> list:
    """Project facts (and phase events) of one report. ``mode`` (rules / ner / union)
    and ``nlp`` default to ``patterns/projects.yaml: combination`` and the shipped model."""
    cands = find(doc, mode, nlp)
    facts = []
    for c in cands:
        s, e = doc.span(c.start, c.end)
        name = "".join(doc.original[s:e].split())
        facts.append(
            doc.make(Project, c.start, c.end, name=name, phase=c.phase, batch=c.batch,
                     batch_list=c.batch_list, investment_yuan=c.investment, source=c.source)
        )
    facts.extend(_events(doc, cands))
    return facts
