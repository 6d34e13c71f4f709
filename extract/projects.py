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

A name never holds an amount or a date (it starts after the last one), never runs
across a word-separating space of the original (headlines, captions), and must have a
distinctive part of its own: generic words, places, numbers with quantifiers, round words
and determiners alone make a group (单个项目, 20余个工业项目, 项目(二期)).

"三个一批" rounds (:func:`report_context`, :func:`_parse_sentence`): the report's own
round is the one named where the event is told (not one it looks ahead to); a list
heading ('"签约一批"项目6个:', '签约一批:', '开工项目7个:', a section line
'一、签约一批(4个)' with one item per paragraph) takes the round it names, else one
named earlier in its sentence or paragraph, else the report's round (unless the lists
of the report carry round labels or the text before speaks of several rounds); round
labels ('(第五期开工项目)') close groups of items, with or without a heading.

Fields (:func:`_assign_fields`): the stage is read from the names' clause, with a stage
in a relative clause before the names ("去年签约的A") as background and the following
clauses of the sentence as its predicate (see ``patterns/phases.yaml``); investment is
read before the name ("总投资N亿元的X", "拟投资N亿元建设X"), right after it, at the start
of a following clause ("…,项目总投资N亿元"), or distributed in order ("分别为…").

All matching is on the normalised text; facts are built with ``doc.make`` and the
``name`` is the ORIGINAL text of the span with whitespace removed.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

import regex

import patterns

from . import phases as _phases
from .doc import literal_spans
from .memo import text_cache
from .models import PhaseEvent, Project
from .nlp import pos_cut, tokenize
from .numbers import NUMBER, engines_agree, parse_number, re_twin

# ---------------------------------------------------------------------------
# configuration

_RX_PUNCT = regex.compile(r"[\p{P}\s]+")
_RX_NONWORD = regex.compile(r"[^\p{Han}A-Za-z0-9]")
_RX_QUOTED = regex.compile(r"[“‘][^”’]*[”’]")
_RX_PHASE_AFTER = regex.compile(r"\(|[一二三四五六七八九十]期")
_RX_BAD_ITEM = regex.compile(r"\d+\s*[个项家]|[^\p{Han}A-Za-z0-9()“”\-]")
_RX_AMOUNT_TEXT = regex.compile(r"(?P<n>.+?)\s*(?P<u>万亿|亿|万)?元$")
_RX_LIST_LEAD = regex.compile(r"\s*(包括|分别为|分别是|如|即|有)")

#: A "三个一批" round: 第七期 / 第三批 (``{ROUND}`` in ``patterns/projects.yaml``).
ROUND = r"第(?P<round>[一二三四五六七八九十百\d]+)[期批]"


@dataclass(frozen=True)
class _Cfg:
    head_re: "regex.Pattern"
    strong: frozenset
    boundary_heads: frozenset
    suffix_res: tuple
    suffix_any_re: "regex.Pattern"
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
    weak_after: tuple
    determiners: frozenset
    barriers_re: "regex.Pattern"
    suffix_tail_re: "regex.Pattern"
    plain_heading_re: "regex.Pattern"
    section_re: "regex.Pattern"
    section_item_max: int
    round_ref_re: "regex.Pattern"
    cumulative_re: "regex.Pattern"
    cumulative_window: int
    current_event_re: "regex.Pattern"
    current_not_re: "regex.Pattern"
    inv_next: "regex.Pattern"
    inv_resp: "regex.Pattern"
    inv_resp_sep: "regex.Pattern"
    idiom_tags: frozenset
    list_intro_re: "regex.Pattern"
    joined_enum_re: "regex.Pattern"
    venue_before: tuple
    venue_after: tuple
    never_inside: frozenset
    list_last_re: "regex.Pattern"
    reject_right_re: "regex.Pattern"


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
    rd = d["rounds"]

    def sub(p: str) -> str:
        return p.replace("{ROUND}", ROUND).replace("{NUMBER}", num)

    return _Cfg(
        head_re=regex.compile(patterns.alternation(strong + weak)),
        strong=frozenset(strong),
        boundary_heads=frozenset(d.get("token_boundary_heads", [])),
        suffix_res=tuple(regex.compile(p) for p in d["phase_suffix"]),
        suffix_any_re=regex.compile("|".join(f"(?:{p})" for p in d["phase_suffix"])),
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
        lists=dict(rd["lists"]),
        list_phase=dict(rd["list_phase"]),
        headings=tuple(regex.compile(sub(p)) for p in rd["headings"]),
        labels=tuple(regex.compile(sub(p)) for p in rd["labels"]),
        mentions=tuple(regex.compile(sub(p)) for p in rd["mentions"]),
        current_re=regex.compile(sub(rd["current"])),
        list_end_re=regex.compile(rd["list_end"]),
        inv_before=regex.compile(sub(inv["before"])),
        inv_after=regex.compile(sub(inv["after"])),
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
        weak_after=tuple(regex.compile(p) for p in d.get("weak_trigger_after", [])),
        determiners=frozenset(d.get("determiners", [])),
        barriers_re=regex.compile("|".join(f"(?:{sub(p)})" for p in d.get("name_barriers", ["(?!)"]))),
        suffix_tail_re=regex.compile("(?:" + "|".join(f"(?:{p})" for p in d["phase_suffix"] if p != "项目") + ")+$"),
        plain_heading_re=regex.compile(sub(rd.get("plain_heading", "(?!)"))),
        section_re=regex.compile(sub(rd.get("section_heading", "(?!)"))),
        section_item_max=int(rd.get("section_item_max", 40)),
        round_ref_re=regex.compile(sub(rd.get("round_ref", "(?!)"))),
        cumulative_re=regex.compile(sub(rd.get("cumulative", "(?!)"))),
        cumulative_window=int(rd.get("cumulative_window", 120)),
        current_event_re=regex.compile(rd.get("current_event", "(?!)")),
        current_not_re=regex.compile(rd.get("current_not", "(?!)")),
        inv_next=regex.compile(sub(inv.get("next_clause", "(?!)"))),
        inv_resp=regex.compile(sub(inv.get("respectively", "(?!)"))),
        inv_resp_sep=regex.compile(sub(inv.get("respectively_sep", "(?!)"))),
        idiom_tags=frozenset(d.get("idiom_tags", [])),
        list_intro_re=regex.compile(d.get("list_intro", "(?!)")),
        joined_enum_re=regex.compile(d.get("joined_enumeration", "(?!)")),
        venue_before=tuple(d.get("venue_before", [])),
        venue_after=tuple(d.get("venue_after", [])),
        never_inside=frozenset(d.get("never_inside", [])),
        list_last_re=regex.compile(d.get("list_last", "(?!)")),
        reject_right_re=regex.compile("|".join(f"(?:{p})" for p in d.get("reject_right_patterns", ["(?!)"]))),
    )


def _round_number(s: Optional[str]) -> Optional[int]:
    if not s:
        return None
    v = parse_number(s)
    return int(v) if v is not None else None


def _match_round(m, current: Optional[int]) -> Optional[int]:
    """The round a match names: its number, or the report's round for "本期"."""
    gd = m.groupdict()
    if gd.get("this"):
        return current
    return _round_number(gd.get("round"))


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


#: ``(text, {(start, end): tokens})`` of the report being read: the rules ask for the
#: words of the same span several times (segment, trigger run, list item). Replaced as
#: a whole when another text comes, so a thread never reads another text's words.
_TOKEN_MEMO: tuple = (None, {})


def _tokens(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """``(word, start, end)`` of the jieba words of ``text[start:end]`` (absolute; the
    list is shared: do not change it)."""
    global _TOKEN_MEMO
    memo = _TOKEN_MEMO
    if memo[0] is not text:
        memo = _TOKEN_MEMO = (text, {})
    got = memo[1].get((start, end))
    if got is None:
        got = memo[1][(start, end)] = [(w, a + start, b + start) for w, a, b in tokenize(text[start:end])]
    return got


@dataclass
class _Ctx:
    """What a sentence's parse needs to know about the whole report."""

    current: Optional[int] = None  # the round the report is about
    has_round: bool = False  # the report names a "三个一批" round
    has_labels: bool = False  # the report's lists carry round labels
    sections: dict = field(default_factory=dict)  # sentence start -> section heading
    space_cuts: tuple = ()  # positions of word-separating spaces of the original (sorted)
    dead: frozenset = frozenset()  # sentence patterns that match nowhere in the report


def _heading_round(text: str, ss: int, h_start: int, ctx: _Ctx) -> tuple[Optional[int], bool]:
    """The round of a list heading that does not name one, and whether it was stated:
    a round named earlier in its sentence or paragraph ("本期" = the report's round);
    else none when the text just before speaks of several rounds together; else the
    report's round."""
    cfg = _cfg()
    para = text.rfind("\n", 0, ss) + 1
    last = None
    for m in cfg.round_ref_re.finditer(text, para, h_start):
        last = m
    if last is not None:
        r = _match_round(last, ctx.current)
        if r:
            return r, True
    if cfg.cumulative_re.search(text, max(0, h_start - cfg.cumulative_window), h_start):
        return None, False
    if ctx.has_labels:
        # where lists carry round labels, a list without them mixes rounds
        return None, False
    return ctx.current, False


def _parse_sentence(text: str, ss: int, se: int, ctx: Optional[_Ctx] = None) -> _Sentence:
    cfg = _cfg()
    ctx = ctx or _Ctx()
    s = text[ss:se]
    sent = _Sentence(ss, se)
    # round labels: delimiters that also carry a round
    labels = []
    dead = ctx.dead
    for rx in cfg.labels:
        if rx in dead:
            continue
        for m in rx.finditer(s):
            labels.append((ss + m.start(), ss + m.end(), _round_number(m.group("round")), cfg.lists.get(m.group("list"))))
    labels.sort()
    # list headings: inline ones, a plain list word in a report about a round, or the
    # section heading this sentence is an item of
    found = []
    for rx in cfg.headings:
        if rx in dead:
            continue
        for m in rx.finditer(s):
            found.append((ss + m.start(), ss + m.end(), m.groupdict()))
    if ctx.has_round:
        for m in cfg.plain_heading_re.finditer(s):
            a = ss + m.start()
            if not any(x[0] <= a < x[1] for x in found):
                found.append((a, ss + m.end(), m.groupdict()))
    sec = ctx.sections.get(ss)
    if sec is not None:
        found.append((ss, ss, {"list": sec["list_word"], "round": None, "section": sec}))
    for h_start, h_end, gd in sorted(found, key=lambda x: x[0]):
        if any(h["start"] <= h_start < max(h["end"], h["start"] + 1) for h in sent.headings):
            continue
        me = cfg.list_end_re.search(text, h_end, se)
        region_end = me.start() if me else se
        # a comma goes on with the list only right after a round label, or before
        # the list's last item (",以及X")
        for dm in cfg.clause_re.finditer(text, h_end, region_end):
            if not any(l[1] == dm.start() for l in labels) and not cfg.list_last_re.match(text, dm.end()):
                region_end = dm.start()
                break
        if gd.get("section") is not None:
            rnd, stated = gd["section"]["round"], gd["section"]["stated"]
        elif gd.get("round"):
            rnd, stated = _round_number(gd.get("round")), True
        else:
            rnd, stated = _heading_round(text, ss, h_start, ctx)
        sent.headings.append(
            {"start": h_start, "end": h_end, "region_end": region_end, "round": rnd, "stated": stated,
             "list": cfg.lists.get(gd.get("list")),
             "labels": [l for l in labels if h_end <= l[0] < region_end]}
        )
    # labels with no heading: the items before each label are a list of their own
    free = [l for l in labels if not any(h["start"] <= l[0] < max(h["end"], h["region_end"]) for h in sent.headings)]
    if free:
        h_start = ss
        for dm in cfg.clause_re.finditer(text, ss, free[0][0]):
            h_start = dm.end()
        region_end = free[-1][1]
        lists = {l[3] for l in free}
        sent.headings.append(
            {"start": h_start, "end": h_start, "region_end": region_end, "round": None, "stated": False,
             "list": lists.pop() if len(lists) == 1 else None, "labels": free, "pseudo": True}
        )
    sent.headings.sort(key=lambda h: h["start"])
    for rx in cfg.mentions:
        if rx in dead:
            continue
        for m in rx.finditer(s):
            a = ss + m.start()
            if any(h["start"] <= a < h["end"] for h in sent.headings):
                continue
            if any(x[0] <= a < x[1] for x in sent.mentions):
                continue
            sent.mentions.append((a, ss + m.end(), _match_round(m, ctx.current), cfg.lists.get(m.group("list"))))
    # segments
    cuts = []  # (start, end, kind)
    joined = cfg.joined_enum_re.match
    for m in cfg.delim_re.finditer(s):
        g = m.group()
        a = m.start()
        if g == "、" and joined(s, a):
            continue
        cuts.append((ss + a, ss + m.end(), g))
    for a, b, _, _ in labels:
        cuts.append((a, b, "label"))
    for h in sent.headings:
        cuts.append((h["start"], h["end"], "heading"))
    space_cuts = ctx.space_cuts
    i = bisect.bisect_right(space_cuts, ss)
    while i < len(space_cuts) and space_cuts[i] < se:
        p = space_cuts[i]
        cuts.append((p, p, "space"))
        i += 1
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
    # 、-groups (以及 goes on with a 、-list) and heading regions
    gid = 0
    for i, sg in enumerate(sent.segs):
        for h in sent.headings:
            if h["end"] <= sg.start < h["region_end"]:
                sg.in_heading = h
        if i > 0 and sg.left in ("、", "以及") or (
            i > 0 and sg.in_heading is not None and sent.segs[i - 1].in_heading is sg.in_heading
        ):
            sg.group = sent.segs[i - 1].group
        else:
            gid += 1
            sg.group = gid
    return sent


@functools.lru_cache(maxsize=2)
def _trigger_pairs(triggers: frozenset) -> frozenset:
    """Every two of ``triggers`` written as one word (from the rules, the same for every text)."""
    return frozenset(a + b for a in triggers for b in triggers if a and b)


@text_cache(4096)
def _trigger_word(w: str) -> bool:
    """A left trigger, or two of them written as one word (全力支持 = 全力 + 支持)."""
    triggers = _cfg().triggers
    return w in triggers or w in _trigger_pairs(triggers)


@text_cache(4096)
def _trigger_kind(w: str) -> int:
    """0: not a left trigger; 1: a trigger; 2: a weak trigger (a trigger only at the
    start of its stretch or after certain words, see :func:`_weak_ok_after`)."""
    cfg = _cfg()
    if w in cfg.weak_triggers:
        return 2
    return 1 if _trigger_word(w) else 0


@text_cache(4096)
def _weak_ok_after(prev: str) -> bool:
    """Whether a weak trigger after the word ``prev`` is a trigger."""
    cfg = _cfg()
    if _trigger_word(prev) or prev in cfg.agent_words or _RX_PUNCT.fullmatch(prev):
        return True
    # after another name (A项目和B基地) or an amount or a date (拟投资15亿元建设X)
    return any(rx.search(prev) for rx in cfg.weak_after)


def _is_trigger(tokens, k, seg_start, text) -> bool:
    kind = _trigger_kind(tokens[k][0])
    if kind == 2:
        if k == 0 or tokens[k][1] <= seg_start:
            return True
        return _weak_ok_after(tokens[k - 1][0])
    return kind == 1


def _extend_suffix(text: str, e: int, limit: int) -> int:
    cfg = _cfg()
    # (one test first: when no suffix pattern matches at e, neither does any of them)
    if cfg.suffix_any_re.match(text, e, limit) is None:
        return e
    suffix_res = cfg.suffix_res
    for _ in range(3):
        moved = False
        for rx in suffix_res:
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


@functools.lru_cache(maxsize=1)
def _quant_re():
    """A round word or a number with its quantifier (第六期, 20余个, 三大, 5栋)."""
    q = patterns.load("projects").get("quantifiers", "个项家批宗期")
    n = r"[\d一二三四五六七八九十百千两几]"
    return regex.compile(rf"第{n}+[期批]?|{n}+\s*(?:余|多)?\s*[{q}]")


@functools.lru_cache(maxsize=1)
def _name_twins() -> tuple:
    """The ``re`` twins (:func:`extract.numbers.re_twin`) of the patterns run over
    every name: the ``reject_name_patterns`` (each its twin, or itself when it has
    none), the generic words and the quantifiers (None when no twin). For names on
    which :func:`extract.numbers.engines_agree` holds."""
    cfg = _cfg()
    return tuple(re_twin(rx) or rx for rx in cfg.reject_name), re_twin(cfg.generic_re), re_twin(_quant_re())


def _pattern_rejects(name: str) -> bool:
    """Whether one of the ``reject_name_patterns`` is found in ``name``."""
    rxs = _name_twins()[0] if engines_agree(name) else _cfg().reject_name
    for rx in rxs:
        if rx.search(name):
            return True
    return False


def _distinctive_rest(part: str) -> str:
    """``part`` with its generic words, places, numbers with quantifiers and round
    words blanked (what :func:`_distinctive` counts in)."""
    _, generic, quant = _name_twins()
    if generic is not None and quant is not None and engines_agree(part):
        return quant.sub(" ", generic.sub(" ", part))
    return _quant_re().sub(" ", _cfg().generic_re.sub(" ", part))


@functools.lru_cache(maxsize=1)
def _sure_char_re():
    """A character that counts in :func:`_distinctive` whatever the words are: a word
    character (not matched by ``_RX_NONWORD``) that is no generic single character and
    no character of a determiner. (Every character is in exactly one word of its
    piece, and only a generic single character or a determiner word is skipped.)"""
    cfg = _cfg()
    skip = set(cfg.generic_single) | {c for d in cfg.determiners for c in d}
    if not skip:
        return regex.compile(r"[\p{Han}A-Za-z0-9]")
    return regex.compile(r"[[\p{Han}A-Za-z0-9]--[%s]]" % "".join(regex.escape(c) for c in sorted(skip)),
                         flags=regex.V1)


def _word_counts(rest: str):
    """For each jieba word of the blanked ``rest`` (:func:`_distinctive_rest`), how many
    of its characters count: none for a generic single character or a determiner,
    else its Han characters, letters and digits."""
    cfg = _cfg()
    for p in rest.split():
        for w, _, _ in tokenize(p):
            if w in cfg.generic_single or w in cfg.determiners:
                continue
            yield len(_RX_NONWORD.sub("", w))


@text_cache(8192)  # pure: the same names recur across sentences
def _has_distinctive(part: str) -> bool:
    """``_distinctive(part) >= 2`` (all its callers ask), with fewer words read: two
    characters that count whatever the words are settle it, else the count stops at 2."""
    rest = _distinctive_rest(part)
    sure_rx = _sure_char_re()
    sure = sure_rx.search(rest)
    if sure is not None and sure_rx.search(rest, sure.end()) is not None:
        return True
    n = 0
    for k in _word_counts(rest):
        n += k
        if n >= 2:
            return True
    return False


@text_cache(8192)  # pure: the same names recur across sentences
def _distinctive(part: str) -> int:
    """How many characters of ``part`` are not generic words, places, numbers,
    quantifiers, round words or determiners."""
    return sum(_word_counts(_distinctive_rest(part)))


@text_cache(8192)  # pure: the same names recur across sentences
def _is_generic(name: str) -> bool:
    """A name with no distinctive part of its own: a group or a category (单个项目,
    中小项目, 20余个工业项目, 项目(二期)). A phase suffix after a place and a head names
    one project (高新区标准化厂房(三期))."""
    cfg = _cfg()
    rest = _RX_QUOTED.sub("", name)
    m = cfg.suffix_tail_re.search(rest)
    core = rest[:m.start()] if m and m.start() > 0 else rest
    if _has_distinctive(core):
        return False
    if m and m.start() > 0:
        # core minus its head: a place or a qualifier before the head makes it one site
        h = None
        for h in cfg.head_re.finditer(core):
            pass
        before = core[:h.start()] if h is not None and h.end() == len(core) else core
        return (len(_RX_NONWORD.sub("", before)) < 2 or bool(_quant_re().search(before))
                or any(d in before for d in cfg.determiners))
    return True


@text_cache(8192)  # pure: the same names recur across sentences
def _reject_name(name: str) -> bool:
    if len(name) < 3 or len(name) > 70:
        return True
    if not _balanced(name):
        return True
    if _pattern_rejects(name):
        return True
    return _is_generic(name)


@text_cache(8192)  # pure: the same names recur across sentences
def _pos_reject(name: str) -> bool:
    """A name that starts with a verb or adverb, or whose head follows a verb, with no
    proper noun in it (坚持项目, 欢迎项目, 全生命周期管理平台)."""
    cfg = _cfg()
    toks = pos_cut(name)
    if not toks:
        return True
    keep = any(name.startswith(p) for p in cfg.keep_de)
    if toks[0][1] in cfg.function_tags and not keep:
        return True
    m = None
    sm = cfg.suffix_tail_re.search(name)
    core = name[:sm.start()] if sm and sm.start() > 0 else name
    for mm in cfg.head_re.finditer(core):
        m = mm
    before = None
    if m is not None:
        pos = 0
        for w, f in toks:
            if pos + len(w) > m.start():
                break
            before = (w, f)
            pos += len(w)
    if m is not None and m.start() > 0:
        pos, tags = 0, []
        for w, f in toks:
            if pos >= m.start():
                break
            tags.append(f)
            pos += len(w)
        if tags and all(f in cfg.idiom_tags for f in tags):
            return True
    # a preposition or an adverb right before the head: 经开区共为项目, 对中小项目
    if before is not None and before[1] in cfg.function_tags and before[0] not in cfg.keep_de:
        return True
    if any(f in cfg.proper_tags for _, f in toks):
        return False
    if toks[0][1] in cfg.verb_tags and not keep:
        return True
    if before is not None and before[1] in cfg.verb_tags:
        # 淇河生态廊道提升工程, 高端液压件智能制造基地: a strong head after a verb is
        # still a name when a distinctive part stands before the verb
        pos = 0
        for w, f in toks:
            if (w, f) == before:
                break
            pos += len(w)
        # (a verb before 项目 is its object: 抓项目, 梳理项目; a verbal noun is fine)
        named = before[1] == "vn" or m.group() != "项目"
        return not (named and m.group() in cfg.strong and _has_distinctive(core[:pos]))
    return False


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


def _barrier_start(text: str, seg_start: int, head_start: int) -> int:
    """Where :func:`_left_cut` starts before reading words: after the last amount or
    date before the head (they never belong inside a name). The name starts there or
    later, so this needs no words."""
    L = seg_start
    for m in _cfg().barriers_re.finditer(text, seg_start, head_start):
        if m.end() > m.start():
            L = max(L, m.end())
    return L


def _no_room(L0: int, head_start: int, e: int) -> bool:
    """Whether a name ending at ``e`` that starts at ``L0`` or later is dropped whatever
    the words: it would start at or after its head (``L >= hs``), or be shorter than
    the 3 characters :func:`_reject_name` asks for."""
    return L0 >= head_start or e - L0 < 3


def _left_cut(text: str, seg_start: int, head_start: int, tokens) -> int:
    """Start of a name whose head begins at ``head_start``."""
    return _left_cut_from(text, _barrier_start(text, seg_start, head_start), head_start, tokens)


def _left_cut_from(text: str, L: int, head_start: int, tokens) -> int:
    """:func:`_left_cut` with ``L = _barrier_start(...)`` already known."""
    cfg = _cfg()
    keep_de = cfg.keep_de
    for k, (w, a, b) in enumerate(tokens):
        if b > head_start:
            break
        if a < L:
            continue
        kind = _trigger_kind(w)
        if kind == 0:
            continue
        if kind == 2 and not (k == 0 or a <= L or _weak_ok_after(tokens[k - 1][0])):
            continue
        if w == "的" and text.startswith(keep_de, L):
            continue
        L = b
    # a name does not run across another project's 项目 (nor the 中 of "…项目中,")
    i = text.rfind("项目", L, head_start)
    while i >= 0:
        j = i + 2
        if not _RX_PHASE_AFTER.match(text[j:j + 2]):
            L = j
            if text.startswith("中", L) and L + 1 < head_start:
                L += 1
            break
        i = text.rfind("项目", L, i)
    # skip a leading closing quote / punctuation left over
    while L < head_start and text[L] in "”’)》 ":
        L += 1
    return L


def _segment_heads_from(text: str, start: int, end: int, hstarts: list, hspans: list) -> dict:
    """Head word end -> ``(start, word)`` of the longest head ending there, of the head
    words in ``text[start:end]`` (overlapped), read off the text's own head matches
    (:func:`_head_index`): the head pattern is an alternation of words, so a match of
    the whole text that ends within the segment is the segment's match at that
    position; one that runs past the segment's end is matched again within it."""
    head_re = _cfg().head_re
    heads = {}
    i = bisect.bisect_left(hstarts, start)
    n = len(hstarts)
    while i < n:
        hs, he, w = hspans[i]
        if hs >= end:
            break
        i += 1
        if he > end:
            m = head_re.match(text, hs, end)
            if m is None:
                continue
            he, w = m.end(), m.group()
        prev = heads.get(he)
        if prev is None or len(w) > len(prev[1]):
            heads[he] = (hs, w)
    return heads


def _segment_candidates(text: str, sg: _Seg, sent: _Sentence, hstarts: list, hspans: list) -> list[Cand]:
    """Names ending with a head word in the segment ``sg``. ``hstarts`` / ``hspans``:
    the text's :func:`_head_index` (read instead of matching the segment again)."""
    cfg = _cfg()
    start, end = sg.start, sg.end
    heads = _segment_heads_from(text, start, end, hstarts, hspans)
    if not heads:
        return []
    tokens = tok_ends = None
    sent_end = sent.end
    out = []
    for he, (hs, w) in sorted(heads.items()):
        if text[hs - 1:hs] == "(":
            continue
        e = _extend_suffix(text, he, end)
        # the head must not run on into a company name or an event
        right = text[e:min(sent_end, e + 6)]
        if right.startswith(cfg.reject_right) or cfg.company_ahead_re.match(text, e, min(sent_end, e + 12)):
            continue
        # 建成口袋公园6处: a kind of facility counted, not one project
        if cfg.reject_right_re.match(text, e, min(sent_end, e + 6)):
            continue
        L0 = _barrier_start(text, start, hs)
        if _no_room(L0, hs, e):
            continue
        if tokens is None:
            tokens = _tokens(text, start, end)
        if tok_ends is None and (len(w) == 1 or w in cfg.boundary_heads):
            # (only these heads ask where tokens end: built when first needed)
            tok_ends = {}
            for k, (_, _, b) in enumerate(tokens):
                tok_ends.setdefault(b, k)  # the first token ending at b
        if w in cfg.boundary_heads and he not in tok_ends:
            continue
        if len(w) == 1:
            k = tok_ends.get(he)
            if k is None:
                continue
            unit = tokens[k][0] if len(tokens[k][0]) > 1 else (tokens[k - 1][0] + w if k > 0 else w)
            if _is_generic(unit):
                continue
        L = _left_cut_from(text, L0, hs, tokens)
        if L >= hs:
            continue
        # (the cheap tests below before _reject_name: each drops the name, all are pure)
        # "在X举行": a venue
        if text[L - 1:L] in cfg.venue_before and right.startswith(cfg.venue_after):
            continue
        # 这个光电产业项目, 该项目: a reference back, not a name; 经开区将继续聚焦项目: a
        # sentence, not a name
        bad = False
        for tw, a, b in tokens:
            if b > hs:
                break
            if a >= L - 2 and (tw in cfg.determiners or (a >= L and tw in cfg.never_inside)):
                bad = True
                break
        if bad or _reject_name(text[L:e]):
            continue
        out.append(Cand(L, e, strong=w in cfg.strong or text.endswith("项目", 0, e), head=w))
    if len(out) < 2:
        return out
    # keep the longest of overlapping candidates
    out.sort(key=lambda c: (-(c.end - c.start), c.start))
    kept: list[Cand] = []
    for c in out:
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    kept.sort(key=lambda c: c.start)
    return kept


@functools.lru_cache(maxsize=1)
def _head_at_end_re():
    """A head word that ends the text (compiled once)."""
    return regex.compile(f"(?:{_cfg().head_re.pattern})$")


def _split_conjoined(text: str, a: int, b: int, sc: list) -> list[tuple[int, int]]:
    """A list item "X基地及Y综合体" names two projects; "X基地及Y中心项目" (one 项目 for
    both) names one."""
    if text.endswith("项目", a, b):
        return [(a, b)]
    cfg = _cfg()
    for m in regex.finditer("及", text[a:b]):
        j = a + m.start()
        if _head_at_end_re().search(text[a:j]) and cfg.head_re.search(text, j + 1, b):
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
    """The round the report is about: the highest round named in a sentence that tells
    of the event and does not look ahead; else the highest round named."""
    cfg = _cfg()
    told, named = [], []
    for m in cfg.current_re.finditer(text):
        r = _round_number(m.group("round"))
        if not r:
            continue
        named.append(r)
        a = max(text.rfind("。", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        ends = [i for i in (text.find("。", m.end()), text.find("\n", m.end())) if i >= 0]
        b = min(ends) if ends else len(text)
        sentence = text[a:b]
        if cfg.current_event_re.search(sentence) and not cfg.current_not_re.search(sentence):
            told.append(r)
    if told:
        return max(told)
    return max(named) if named else None


def _sections(text: str, sentences, current: Optional[int], has_labels: bool = False) -> dict:
    """Section headings on a line of their own ("一、签约一批(4个)") and the sentences
    that are their items: sentence start -> heading."""
    cfg = _cfg()
    out: dict = {}
    ctx = _Ctx(current=current, has_labels=has_labels)
    i = 0
    n = len(sentences)
    while i < n:
        ss, se = sentences[i]
        m = cfg.section_re.match(text[ss:se])
        i += 1
        if not m:
            continue
        count = m.group("count") or m.group("count2")
        count = int(count) if count else None
        rnd, stated = _heading_round(text, ss, ss, ctx)
        sec = {"list_word": m.group("list"), "round": rnd, "stated": stated}
        k = 0
        while i < n and (count is None or k < count):
            a, b = sentences[i]
            if cfg.section_re.match(text[a:b]):
                break
            if a > 0 and text[a - 1] != "\n":  # a further sentence of the same item
                i += 1
                continue
            cm = cfg.clause_re.search(text, a, b)
            first = text[a:cm.start() if cm else b]
            if not first.strip() or len(first) > cfg.section_item_max:
                break
            if count is None and not cfg.head_re.search(first):
                break
            out[a] = sec
            k += 1
            i += 1
    return out


def report_context(text: str, sentences, space_cuts: tuple = ()) -> _Ctx:
    """What the sentence parses need to know about the whole report."""
    cfg = _cfg()
    current = _current_round(text)
    has_labels = any(rx.search(text) for rx in cfg.labels)
    dead = frozenset(rx for rx in cfg.labels + cfg.headings + cfg.mentions
                     if _slice_safe(rx.pattern) and rx.search(text) is None)
    return _Ctx(current=current, has_round=bool(cfg.current_re.search(text)), has_labels=has_labels,
                sections=_sections(text, sentences, current, has_labels), space_cuts=tuple(sorted(space_cuts)),
                dead=dead)


@functools.lru_cache(maxsize=64)
def _slice_safe(pattern: str) -> bool:
    """Whether every match of ``pattern`` in a slice of a text is a match in the whole
    text too: no anchors, lookarounds, word boundaries, atomic or possessive parts
    (then a pattern that matches nowhere in a report matches in none of its sentences)."""
    if regex.search(r"\\[bBAZzGKmMy]", pattern):
        return False
    p = regex.sub(r"\\.", "x", pattern)  # escapes
    p = regex.sub(r"\[[^\]]*\]", "x", p)  # character classes (a ^ in them is no anchor)
    return not regex.search(r"[\^$]|\(\?<?[=!]|\(\?>|[*+?}]\+|\(\?[a-zA-Z]*[rwfV]", p)


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


class _Parses:
    """Sentence start -> :class:`_Sentence`, parsed when first asked for (a sentence
    that cannot hold a name is parsed only when a name found elsewhere recurs in it)."""

    def __init__(self, text: str, ctx: _Ctx):
        self.text, self.ctx = text, ctx
        self.bounds: dict[int, int] = {}
        self.done: dict[int, _Sentence] = {}

    def add(self, ss: int, se: int) -> None:
        self.bounds[ss] = se

    def __iter__(self):
        return iter(self.bounds)

    def __len__(self) -> int:
        return len(self.bounds)

    def __getitem__(self, ss: int) -> _Sentence:
        sent = self.done.get(ss)
        if sent is None:
            sent = self.done[ss] = _parse_sentence(self.text, ss, self.bounds[ss], self.ctx)
        return sent


def _head_index(text: str) -> tuple[list[int], list[tuple[int, int, str]]]:
    """The head words of ``text`` matched once (overlapped: a head inside a longer one
    counts too): every position where one starts (sorted; a stretch of the text without
    one holds no head word), and ``(start, end, word)`` of each."""
    spans = [(m.start(), m.end(), m.group()) for m in _cfg().head_re.finditer(text, overlapped=True)]
    return [a for a, _, _ in spans], spans


def _has_start(starts: list[int], a: int, b: int) -> bool:
    """Whether a position of the sorted ``starts`` lies in ``[a, b)``."""
    i = bisect.bisect_left(starts, a)
    return i < len(starts) and starts[i] < b


def _may_name(text: str, ss: int, se: int, ctx: _Ctx, hstarts: list[int]) -> bool:
    """Whether the sentence ``[ss, se)`` can hold a candidate: it has a head word, or a
    list heading, a round label or a section heading that makes its items names (what
    :func:`_parse_sentence` reads). Without any, none of its segments yields one."""
    if _has_start(hstarts, ss, se) or ss in ctx.sections:
        return True
    cfg = _cfg()
    s = text[ss:se]
    dead = ctx.dead
    if any(rx not in dead and rx.search(s) for rx in cfg.labels + cfg.headings):
        return True
    return bool(ctx.has_round and cfg.plain_heading_re.search(s))


def rule_candidates(text: str, sentences, current_round: Optional[int],
                    ctx: Optional[_Ctx] = None) -> tuple[list[Cand], dict]:
    """Project names found by the rules, and the parsed sentences (keyed by start)."""
    cfg = _cfg()
    if ctx is None:
        ctx = report_context(text, sentences)
    found: list[Cand] = []
    parsed = _Parses(text, ctx)
    hstarts, hspans = _head_index(text)
    for ss, se in sentences:
        if se <= ss:
            continue
        parsed.add(ss, se)
        if not _may_name(text, ss, se, ctx, hstarts):
            continue
        sent = parsed[ss]
        cands: list[Cand] = []
        for sg in sent.segs:
            if sg.in_heading is not None:
                sc = _segment_candidates(text, sg, sent, hstarts, hspans)
                a, b = _strip_item(text, sg.start, sg.end, last=True)
                if sc:
                    b = max(c.end for c in sc)
                    a = min(a, min(c.start for c in sc))
                    while a < b and text[a] in " “”":
                        a += 1
                for a2, b2 in _split_conjoined(text, a, b, sc):
                    name = text[a2:b2]
                    if b2 - a2 >= 3 and _balanced(name) and not _pattern_rejects(name):
                        c = Cand(a2, b2, strong=True, group=sg.group, heading=sg.in_heading, headless=not sc)
                        cands.append(c)
                continue
            # (no head word starts in the segment: none of its candidates; checked
            # here, before the call)
            if not _has_start(hstarts, sg.start, sg.end):
                continue
            for c in _segment_candidates(text, sg, sent, hstarts, hspans):
                c.group = sg.group
                c.seg = sg.start
                cands.append(c)
        if not cands:
            continue  # (nothing below adds a name to a sentence without candidates)
        # filters
        gsegs: dict[int, set] = {}
        for c in cands:
            gsegs.setdefault(c.group, set()).add(c.seg)
        gsize = {g: len(v) for g, v in gsegs.items()}
        kept = []
        for c in cands:
            name = text[c.start:c.end]
            if c.heading is None:
                if _reject_name(name):
                    continue
                # (the cheap left-context test before the part-of-speech one: either
                # drops the name, and both are pure)
                if not sent.mentions:
                    cl, cr = _clause_bounds(text, c.start, c.end, ss, se)
                    before = text[cl:c.start]
                    if any(w in before for w in cfg.reject_left):
                        continue
                if gsize[c.group] < 2 and _pos_reject(name):
                    continue
            kept.append(c)
        # context: names not ending in 项目 need a project word next to them or their list
        groups: dict[int, list[Cand]] = {}
        for c in kept:
            groups.setdefault(c.group, []).append(c)
        final = []
        kept_spans = None
        group_ctx: dict = {}  # group -> (ga, gb, cl, cr, its trigger run); the same for each member
        group_stage: dict = {}  # group -> _stage of the group (pure: same arguments)
        for c in kept:
            if c.heading is not None or c.ends_project(text):
                final.append(c)
                continue
            g = groups[c.group]
            got = group_ctx.get(c.group)
            if got is None:
                ga, gb = min(x.start for x in g), max(x.end for x in g)
                cl, cr = _clause_bounds(text, ga, gb, ss, se)
                got = group_ctx[c.group] = (ga, gb, cl, cr, _trigger_run(text, cl, ga))
            ga, gb, cl, cr, run_g = got
            run = run_g + (run_g if c.start == ga else _trigger_run(text, cl, c.start))
            # a name listed with a named project (A项目和B基地) is one too, and so is a
            # list introduced as projects (正在洽谈的项目有A、B)
            if (cfg.context_re.search(run) or _right_context(text, gb, cr) or sent.mentions
                    or any(x.ends_project(text) for x in g if x is not c)
                    or cfg.list_intro_re.search(text[cl:ga])):
                final.append(c)
                continue
            if c.group not in group_stage:
                if kept_spans is None:
                    kept_spans = [(x.start, x.end) for x in kept]
                group_stage[c.group] = _stage(text, kept_spans, ga, gb, ss, se, sent.mentions)
            if group_stage[c.group]:
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
                if not (2 <= len(name) <= 20) or _RX_BAD_ITEM.search(name):
                    continue
                if _is_generic(name) or _pattern_rejects(name):
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
        for a, b in literal_spans(n, text):
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
    m = _RX_AMOUNT_TEXT.match(amount_text)
    if not m:
        return None
    v = parse_number(m.group("n"))
    if v is None:
        return None
    mult = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4}.get(m.group("u") or "", Decimal(1))
    v = v * mult
    return int(v) if v == v.to_integral_value() else None


def _following_clauses(text: str, cr: int, se: int, spans, limit: int = 6):
    """The clauses of the sentence after position ``cr`` (a clause end), up to the
    first one that names another project: ``(start, end)`` each."""
    cfg = _cfg()
    pos = cr
    for _ in range(limit):
        if pos >= se:
            return
        dm = cfg.clause_re.match(text, pos)
        if dm:
            pos = dm.end()
        nxt = cfg.clause_re.search(text, pos, se)
        end = nxt.start() if nxt else se
        if any(a < end and pos < b for a, b in spans):
            return
        if end > pos:
            yield pos, end
        if nxt is None:
            return
        pos = end


def _stage(text: str, spans, ga: int, gb: int, ss: int, se: int, mentions=()) -> Optional[str]:
    """The stage a sentence states for the names in ``[ga, gb)`` (see patterns/phases.yaml).
    A round named in the clause ("第八期“三个一批”开工项目——X…") is a label, not a
    statement: it is blanked like the names."""
    spans = list(spans) + [(a, b) for a, b, _, _ in mentions]
    cl, cr = _clause_bounds(text, ga, gb, ss, se)
    clause = text[cl:cr]
    # a list introduced by 包括 / 分别为 / ":" / "…项目中," reads the clause before it too
    lead = clause[: max(0, ga - cl)]
    clause_start = cl
    if _RX_LIST_LEAD.match(lead) or text[cl - 1:cl] == ":" or (
            cl - 1 > ss and text[cl - 2:cl - 1] == "中" and text[cl - 1:cl] == ","):
        pl, _ = _clause_bounds(text, max(ss, cl - 2), max(ss, cl - 1), ss, se)
        clause_start = pl
    # a stage word in a relative clause before the names ("去年签约的A") is background
    pre = _phases.blank(text[clause_start:ga], spans, offset=clause_start)
    if _phases.relative(pre):
        rel = _phases.phase_of_clause(pre)
        if rel:
            main = _phases.phase_of_clause(_phases.blank(text[ga:cr], spans, offset=ga))
            return main or _following_stage(text, cr, se, spans, expected=False) or rel
    ph = _phases.phase_of_clause(_phases.blank(text[clause_start:cr], spans, offset=clause_start))
    return ph or _following_stage(text, cr, se, spans)


def _member_stages(text: str, spans, g: list, ss: int, se: int, mentions=()) -> dict:
    """A 、-list whose items each carry their own predicate ("确保A年底前主体完工、B明年
    按期投用"): the stage of each item from its own stretch of text, when at least one
    item before the last states one (else the list shares one stage)."""
    g = sorted(g, key=lambda x: x.start)
    _, cr = _clause_bounds(text, g[0].start, g[-1].end, ss, se)
    blank = list(spans) + [(a, b) for a, b, _, _ in mentions]
    out = {}
    for i, c in enumerate(g):
        end = g[i + 1].start if i + 1 < len(g) else cr
        out[id(c)] = _phases.phase_of_clause(_phases.blank(text[c.start:end], blank, offset=c.start))
    if not any(out[id(c)] for c in g[:-1]):
        return {}
    return {k: v for k, v in out.items() if v}


def _following_stage(text: str, cr: int, se: int, spans, expected: bool = True) -> Optional[str]:
    """The stage of the sentence's main predicate after the names' clause
    ("…,两个项目在签约当天同步完成土地摘牌" / "…,确保上半年全部开工建设"); with
    ``expected=False`` a clause that only expects a stage (即将, 预计) does not count."""
    for a, b in _following_clauses(text, cr, se, spans):
        if not _phases.continues_subject(text[a:b]):
            continue
        if not expected and _phases.expectation(text[a:b]):
            continue
        ph = _phases.phase_of_clause(text[a:b])
        if ph:
            return ph
    return None


@functools.lru_cache(maxsize=1)
def _amount_re():
    return regex.compile(r"(?:约|近|超过|超)?\s*(?P<amount>" + NUMBER() + r"\s*(?:万亿|亿|万)?元)")


def _respectively(doc, g: list[Cand], gb: int, se: int) -> dict:
    """"A和B总投资分别为28亿元和15亿元": one amount for each name, in order."""
    cfg = _cfg()
    text = doc.text
    m = cfg.inv_resp.match(text, gb, se)
    if not m:
        return {}
    pos, values = m.end(), []
    for i in range(len(g)):
        if i:
            sm = cfg.inv_resp_sep.match(text, pos, se)
            if not sm:
                return {}
            pos = sm.end()
        am = _amount_re().match(text, pos, se)
        if not am:
            return {}
        values.append(_amount_value(doc, am.start("amount"), am.end("amount"), am.group("amount")))
        pos = am.end()
    return {id(c): v for c, v in zip(sorted(g, key=lambda x: x.start), values)}


def _alone_investment(doc, c: Cand, se: int, spans) -> Optional[int]:
    """The investment stated right after a name that stands alone ("X项目,总投资N亿元"),
    or at the start of a following clause ("X已于3月投产,项目总投资9.6亿元")."""
    cfg = _cfg()
    text = doc.text
    m = cfg.inv_after.match(text, c.end, se)
    if m:
        return _amount_value(doc, m.start("amount"), m.end("amount"), m.group("amount"))
    cm = cfg.clause_re.search(text, c.end, se)
    if cm is None:
        return None
    others = [s for s in spans if s != (c.start, c.end)]
    for k, (a, b) in enumerate(_following_clauses(text, cm.start(), se, others)):
        if k >= 2:
            break
        m = cfg.inv_next.match(text, a, b)
        if m:
            return _amount_value(doc, m.start("amount"), m.end("amount"), m.group("amount"))
    return None


def _assign_fields(doc, cands: list[Cand], parsed: dict, current_round: Optional[int]) -> None:
    cfg = _cfg()
    text = doc.text
    spans = [(c.start, c.end) for c in cands]
    by_sentence: dict[int, list[Cand]] = {}
    starts = sorted(parsed)

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
        resp: dict = {}
        members: dict = {}
        stages: dict = {}
        for g in gmap.values():
            if len(g) > 1 and all(x.heading is None for x in g):
                gb = max(x.end for x in g)
                r = _respectively(doc, g, gb, se)
                if not r:
                    # "A、B当天正式开工,总投资分别为8亿元、2.3亿元": a later clause
                    _, cr = _clause_bounds(text, min(x.start for x in g), gb, ss, se)
                    ing = {id(x) for x in g}
                    others = [(x.start, x.end) for x in cands if id(x) not in ing]
                    for k, (a, b) in enumerate(_following_clauses(text, cr, se, others)):
                        if k >= 2 or r:
                            break
                        r = _respectively(doc, g, a, b)
                resp.update(r)
                members.update(_member_stages(text, spans, g, ss, se, sent.mentions))
        for c in group:
            h = c.heading
            if h is not None:
                labels = h["labels"]
                nxt = [l for l in labels if l[0] >= c.end]
                c.batch_list = h["list"] or (nxt[0][3] if nxt else None)
                c.phase = cfg.list_phase.get(c.batch_list)
                if nxt:
                    c.batch = nxt[0][2]
                elif labels:
                    # the items after the last label are the round's own
                    base = h["round"] if h.get("stated") else current_round
                    c.batch = base if base and all((l[2] or 0) < base for l in labels) else None
                else:
                    c.batch = h["round"]
                # a stage stated after the items overrides the list's own
                items = [x for x in group if x.heading is h]
                last_end = max(x.end for x in items)
                m = cfg.clause_re.search(text, last_end, se)
                tail = text[last_end:(m.start() if m else se)]
                ph = _phases.phase_of_clause(tail)
                if _phases.overrides_list(ph):
                    c.phase = ph
                if h.get("pseudo"):
                    # labels without a heading: the stage is what the sentence says
                    c.phase = _stage(text, spans, min(x.start for x in items), last_end, ss, se,
                                     list(sent.mentions) + list(labels))
                if len(items) == 1:
                    c.investment = _alone_investment(doc, c, se, spans)
                continue
            g = gmap[c.group]
            ga, gb = min(x.start for x in g), max(x.end for x in g)
            c.phase = members.get(id(c))
            if not c.phase:
                # the same for every member of the group (pure): computed once
                if (ga, gb) not in stages:
                    stages[ga, gb] = _stage(text, spans, ga, gb, ss, se, sent.mentions)
                c.phase = stages[ga, gb]
            # a round named in the same sentence
            if sent.mentions:
                best = min(sent.mentions, key=lambda m: min(abs(m[0] - c.start), abs(m[1] - c.start)))
                c.batch, c.batch_list = best[2], best[3]
                if c.phase is None and c.batch_list:
                    c.phase = cfg.list_phase.get(c.batch_list)
            # investment for this project alone
            cl, _ = _clause_bounds(text, ga, gb, ss, se)
            seg_start = cl
            for sg in sent.segs:
                if sg.start <= c.start < sg.end:
                    seg_start = sg.start
            m = cfg.inv_before.search(text, max(seg_start, c.start - 40), c.start)
            if m and m.end() == c.start:
                c.investment = _amount_value(doc, m.start("amount"), m.end("amount"), m.group("amount"))
            elif id(c) in resp:
                c.investment = resp[id(c)]
            elif len(g) == 1:
                c.investment = _alone_investment(doc, c, se, spans)


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


_WORD_SPACE = regex.compile(r"(?<=\p{Han})[ \u3000]+(?=\p{Han})")


def _space_cuts(doc) -> tuple:
    """Normalised positions where the original separates two Chinese words with a space
    (headlines, bylines, captions: "总投资142亿元 掀起春季项目攻坚热潮"); the normaliser
    removes those spaces, but a name never runs across one."""
    return tuple(doc.norm.norm_index(m.end()) for m in _WORD_SPACE.finditer(doc.original))


def find(doc, mode: Optional[str] = None, nlp=None) -> list[Cand]:
    """Project candidates with their fields (normalised spans)."""
    text = doc.text
    sentences = _sentences(doc)
    ctx = report_context(text, sentences, _space_cuts(doc))
    current = ctx.current
    rules, parsed = rule_candidates(text, sentences, current, ctx)
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
