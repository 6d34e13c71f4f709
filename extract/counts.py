"""Counts of projects: ``12个项目``, ``项目6个``, ``新开工项目173个``,
``项目总数为347个``, ``7个“保交楼”项目``, ``新开工127个``, ``已达效 6个``,
``3-5个新的城市更新项目``.

Three forms (``patterns/counts.yaml``): number first (``N个[修饰]项目``),
noun first (``[级别][门槛][类别]项目[连接词]N个``) and elliptical
(``新开工127个`` where the sentence or its paragraph speaks of projects).
``noun`` is the project noun phrase as written: the modifier between measure
word and 项目 in the first form; in the second, the listed words before 项目
(``市级以上重点项目86个``, ``亿元以上工业项目19个``, ``签约项目186个``) — one
category word, a money threshold and an administrative level before it — but
not a stage word that is the clause's verb (``累计签约项目38个`` → 项目,
``一季度签约……签约项目10个`` → 项目); the category word for elliptical
categories (``新开工``), 项目 for elliptical stage verbs (``已开工14个``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional

import regex

import patterns

from .models import Count
from .numbers import (
    NUMBER,
    anchored_finditer,
    chars_class,
    combine_qualifiers,
    is_target,
    match_text,
    number_char_class,
    number_first_class,
    parse_number,
    qualifier_after,
    qualifier_before,
    qualifier_inside,
    qualifier_words,
    to_int_exact,
)

_QUOTED = regex.compile(r"“[^”]*”|「[^」]*」|\"[^\"]*\"|‘[^’]*’")
_CN = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
_PUNCT_OR_END = set(",;。:!?，；：！？、()（）\n")


@dataclass(frozen=True)
class _Rules:
    num_first: "regex.Pattern"
    noun_first: "regex.Pattern"
    noun_first_back: Optional["regex.Pattern"]
    noun_first_first: "regex.Pattern"
    num_first_first: "regex.Pattern"
    ell_first: "regex.Pattern"
    num_first_anchor: "regex.Pattern"
    noun_first_anchor: "regex.Pattern"
    ell_anchor: "regex.Pattern"
    num_first_back: "regex.Pattern"
    ell_back: "regex.Pattern"
    elliptical: "regex.Pattern"
    fixed: tuple
    noun: str
    measure_blocked: tuple
    noun_blocked: tuple
    max_mod: int
    adjectives: tuple
    ell_categories: frozenset
    modifier_blocked: tuple
    main_measure: str
    categories: frozenset
    followers: tuple
    stage_categories: frozenset
    verbal_rx: "regex.Pattern"


def _alt(words) -> str:
    return patterns.alternation(list(words))


@functools.lru_cache(maxsize=1)
def rules() -> _Rules:
    d = patterns.load("counts")
    num = NUMBER()
    seps = _alt(patterns.load("percent")["range_separators"])
    inside = _alt(qualifier_words("inside"))
    mw = _alt(d["measures"])
    noun = regex.escape(d["project_noun"])
    quals = _alt(qualifier_words("before"))
    n = rf"(?P<n1>{num})(?:(?P<sep>{seps})(?P<n2>{num}))?(?P<ins>{inside})?"
    num_first_tail = rf"(?P<mod>[^\d,;。:!?、()\n]{{0,{int(d['max_modifier'])}}}?){noun}"
    num_first = regex.compile(rf"(?<![\d.第{_CN}]){n}(?P<mw>{mw}){num_first_tail}")
    thr = rf"(?:{num}|{_alt(d.get('threshold_bare_units') or ['亿'])}){d['threshold_category']}"
    levels = _alt(d.get("levels") or ["市级以上"])
    noun_first_tail = rf"(?P<link>(?:{_alt(d['links'] + d['stage_verbs'])}){{0,2}})(?P<q>{quals})?{n}(?P<mw>{mw})"
    noun_first = regex.compile(
        rf"(?P<lvl>{levels})?(?P<thr>{thr})?(?P<cat>{_alt(d['categories'])})?{noun}{noun_first_tail}"
    )
    # Speed-up: every noun-first match is a prefix (level, threshold, category)
    # made of these characters, then the noun; it is tried only there.
    thr_cat = d["threshold_category"]
    prefix_chars = set("".join(d.get("levels") or ["市级以上"]) + "".join(d.get("threshold_bare_units") or ["亿"])
                       + "".join(d["categories"]) + regex.sub(r"[()?:|*+{}^$]", "", thr_cat))
    noun_first_back = None
    if not regex.search(r"[\\\[.]", thr_cat):
        noun_first_back = regex.compile(
            r"(?r)[^" + number_char_class() + regex.escape("".join(sorted(prefix_chars))) + "]")
    levels_l = list(d.get("levels") or ["市级以上"])
    bare_l = list(d.get("threshold_bare_units") or ["亿"])
    noun_first_first = regex.compile(
        "[" + number_first_class() + chars_class(*(w[:1] for w in levels_l + bare_l + list(d["categories"]))) + "]")
    # number first and elliptical: the match is a prefix of these characters, then
    # the measure word
    seps_words = list(patterns.load("percent")["range_separators"])
    n_chars = number_char_class() + chars_class(*seps_words, *qualifier_words("inside"))
    # (a prefix is never empty there: only a measure word right after a prefix
    # character can end one)
    ell_chars = n_chars + chars_class(*d["elliptical_categories"], *d["elliptical_stages"], *qualifier_words("before"))
    num_first_anchor = regex.compile(f"(?<=[{n_chars}])(?:{mw})(?={num_first_tail})")
    # the noun, where the rest of a noun-first count follows it
    noun_first_anchor = regex.compile(f"{noun}(?={noun_first_tail})")
    ell_anchor = regex.compile(f"(?<=[{ell_chars}])(?:{mw})")
    num_first_back = regex.compile(r"(?r)[^" + n_chars + "]")
    ell_back = regex.compile(r"(?r)[^" + ell_chars + "]")
    ell_words = list(d["elliptical_categories"]) + list(d["elliptical_stages"])
    num_first_first = regex.compile("[" + number_first_class() + "]")
    ell_first = regex.compile("[" + chars_class(*(w[:1] for w in ell_words)) + "]")
    stages = list(d.get("stage_categories") or [])
    verbal_rx = regex.compile(
        rf"(?:{_alt(d.get('verbal_markers') or ['累计'])})(?:{_alt(stages)}){noun}" if stages else r"(?!)"
    )
    elliptical = regex.compile(rf"(?P<word>{_alt(ell_words)})(?P<q>{quals})?{n}(?P<mw>{mw})")
    return _Rules(
        num_first=num_first,
        noun_first=noun_first,
        noun_first_back=noun_first_back,
        noun_first_first=noun_first_first,
        num_first_first=num_first_first,
        ell_first=ell_first,
        num_first_anchor=num_first_anchor,
        noun_first_anchor=noun_first_anchor,
        ell_anchor=ell_anchor,
        num_first_back=num_first_back,
        ell_back=ell_back,
        elliptical=elliptical,
        fixed=tuple(regex.compile(p) for p in d.get("fixed_phrases") or []),
        noun=d["project_noun"],
        measure_blocked=tuple(d.get("measure_blocked_after") or []),
        noun_blocked=tuple(d.get("noun_blocked_after") or []),
        max_mod=int(d["max_modifier"]),
        adjectives=tuple(d.get("adjectives_before_de") or []),
        ell_categories=frozenset(d["elliptical_categories"]),
        followers=tuple(d.get("elliptical_followers") or []),
        modifier_blocked=tuple(d.get("modifier_blocked") or []),
        main_measure=d["measures"][0],
        categories=frozenset(d["categories"]),
        stage_categories=frozenset(d.get("stage_categories") or []),
        verbal_rx=verbal_rx,
    )


@dataclass
class _Cand:
    start: int  # span start (number or noun)
    end: int
    nstart: int  # where the number starts (for the qualifier before it)
    value: int
    value_max: Optional[int]
    noun: str
    inside: Optional[str]
    q_word: Optional[str] = None
    priority: int = 0


def _values(m) -> Optional[tuple[int, Optional[int]]]:
    v1 = parse_number(m.group("n1"))
    if v1 is None or to_int_exact(v1) is None:
        return None
    v2 = None
    if m.group("n2"):
        p = parse_number(m.group("n2"))
        if p is None or to_int_exact(p) is None or p < v1:
            return None
        v2 = to_int_exact(p)
    return to_int_exact(v1), v2


def _modifier_noun(mod: str, measure: str) -> Optional[str]:
    """Noun of the number-first form from the words between measure and 项目."""
    r = rules()
    mod = _QUOTED.sub("", mod)
    if any(w in mod for w in r.modifier_blocked):
        return None
    if measure != r.main_measure and mod and mod not in r.categories:
        return None
    if any(ch in mod for ch in "“”\"「」"):
        return None  # an unclosed quotation: the modifier runs into a name
    if "的" in mod:
        before, _, after = mod.rpartition("的")
        if before not in r.adjectives:
            return None
        mod = after
    return mod + r.noun


#: How far back a clause or sentence is looked at (keeps long unpunctuated text linear).
_REACH = 200
_SENT_STOP = "。!?！？\n"
_CLAUSE_STOP = _SENT_STOP + ",;，；:：、"


def _stage_is_verb(text: str, start: int, word: str) -> bool:
    """Is the stage word ``word`` at ``start`` (right before 项目) the verb of its
    clause rather than a category (patterns/counts.yaml, stage_categories)?"""
    r = rules()
    lo = max(0, start - _REACH)
    k = start
    while k > lo and text[k - 1] not in _CLAUSE_STOP:
        k -= 1
    clause_before = text[k:start]
    end = start + len(word) + len(r.noun)
    for m in r.verbal_rx.finditer(text, max(k, start - 4), end):
        if m.end() == end:
            return True  # 累计签约项目: a marker right before the stage word
    if word in clause_before:
        return True  # 签约……签约项目: an echo of the clause's verb
    s = k
    while s > lo and text[s - 1] not in _SENT_STOP:
        s -= 1
    return r.verbal_rx.search(text, s, start) is not None  # parallel predicates


def _nothing_after(text: str, end: int) -> bool:
    """No noun follows the measure word: punctuation, the end, or a follower word."""
    if end >= len(text) or text[end] in _PUNCT_OR_END or not ("\u4e00" <= text[end] <= "\u9fff"):
        return True
    return any(text.startswith(f, end) for f in rules().followers)


def _fixed(text: str, i: int) -> bool:
    return any(p.match(text, i) for p in rules().fixed)


def _about_projects(doc, i: int) -> bool:
    """Does the sentence up to ``i``, or an earlier sentence of its paragraph, speak of 项目?"""
    text = doc.text
    noun = rules().noun
    ss, _ = doc.sentence(i)
    if noun in text[ss:i]:
        return True
    para = text.rfind("\n", 0, ss) + 1
    return noun in text[para:ss]


def _candidates(doc) -> list[_Cand]:
    r = rules()
    text = match_text(doc)
    out: list[_Cand] = []
    for m in anchored_finditer(r.num_first, text, r.num_first_anchor, r.num_first_back, r.num_first_first,
                               empty_prefix=False):
        if _fixed(text, m.start()):
            continue
        end = m.end()
        if any(text.startswith(b, end) for b in r.noun_blocked):
            continue
        if any(text.startswith(b, m.end("mw")) for b in r.measure_blocked):
            continue
        vals = _values(m)
        if vals is None:
            continue
        noun = _modifier_noun(m.group("mod"), m.group("mw"))
        if noun is None:
            continue
        out.append(_Cand(m.start(), end, m.start(), vals[0], vals[1], noun, m.group("ins"), priority=2))
    if r.noun_first_back is not None:
        noun_first = anchored_finditer(r.noun_first, text, r.noun_first_anchor, r.noun_first_back, r.noun_first_first)
    else:
        noun_first = r.noun_first.finditer(text)
    for m in noun_first:
        if _fixed(text, m.start("n1")):
            continue
        if any(text.startswith(b, m.end()) for b in r.measure_blocked):
            continue
        if not _nothing_after(text, m.end()):
            continue  # 项目一个项目: the number counts what follows it
        vals = _values(m)
        if vals is None:
            continue
        cat = m.group("cat") or ""
        start = m.start()
        if cat in r.stage_categories and _stage_is_verb(text, m.start("cat"), cat):
            cat = ""
            if not (m.group("lvl") or m.group("thr")):
                start = m.end("cat")  # the verb is no part of the count's text
        noun = (m.group("lvl") or "") + (m.group("thr") or "") + cat + r.noun
        q = m.group("q")
        out.append(_Cand(start, m.end(), m.start("n1"), vals[0], vals[1], noun, m.group("ins"), q, priority=1))
    for m in anchored_finditer(r.elliptical, text, r.ell_anchor, r.ell_back, r.ell_first, empty_prefix=False):
        if _fixed(text, m.start("n1")):
            continue
        end = m.end()
        if not _nothing_after(text, end):
            continue
        if not _about_projects(doc, m.start()):
            continue
        vals = _values(m)
        if vals is None:
            continue
        word = m.group("word")
        noun = word if word in r.ell_categories else r.noun
        q = m.group("q")
        out.append(_Cand(m.start(), end, m.start("n1"), vals[0], vals[1], noun, m.group("ins"), q, priority=0))
    # one count per place: prefer the longer span, then the explicit form
    out.sort(key=lambda c: (c.start, -(c.end - c.start), -c.priority))
    kept: list[_Cand] = []
    for c in out:
        clash = [k for k in kept if c.start < k.end and k.start < c.end]
        if clash:
            continue
        kept.append(c)
    return kept


def _date_spans(doc) -> list[tuple[int, int]]:
    return [(f.start, f.end) for f in doc.found.get("date", []) or []]


def extract(doc) -> list[Count]:
    text = doc.text
    dates = _date_spans(doc)
    facts = []
    for c in _candidates(doc):
        q_word_qual = qualifier_words("before").get(c.q_word) if c.q_word else None
        if c.start == c.nstart:
            q_before, start = qualifier_before(doc, c.start)
        else:
            q_before, start = None, c.start
        q_after, end = qualifier_after(text, c.end)
        qual = combine_qualifiers(q_word_qual, q_before, qualifier_inside(c.inside), q_after)
        o0, o1 = doc.span(start, end)
        if any(o0 < b and a < o1 for a, b in dates):
            continue
        facts.append(
            doc.make(
                Count,
                start,
                end,
                value=c.value,
                value_max=c.value_max,
                noun=c.noun,
                qualifier=qual,
                target=is_target(doc, start, end),
            )
        )
    return facts
