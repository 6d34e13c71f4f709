"""role_change: one person with different titles.

People are read from ``person`` facts that carry a title, and from the text
itself: a title chain ending in a title word (``郑州高新区党工委副书记、管委会
主任``) right before a name (a common surname and one or two characters)
followed by a speech or meeting word (表示, 说, 会见 …) or punctuation. A
title is compared by its posts: each post is the title word with the few
characters before it (``党工委副书记``, ``管委会主任``), organisation prefixes
(郑州高新区, 区 …) cut. Bylines (记者, 通讯员) are not posts.

A change is not an error (people are promoted): the item is ``info`` and
lists each title with its report's date, earliest first.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator

import regex

from db.models import Inconsistency

from .context import CheckContext, ReportView, make_item, rules


def _cfg() -> dict:
    return rules()["roles"]


@dataclass(slots=True)
class Mention:
    view: ReportView
    name: str
    title: str  # as written (normalised text)
    posts: frozenset
    ns: int  # normalised span of title + name
    ne: int
    orig: tuple[int, int] | None = None  # original span when from a fact


@functools.lru_cache(maxsize=1)
def _titles() -> list[str]:
    return sorted(_cfg()["titles"], key=len, reverse=True)


@functools.lru_cache(maxsize=1)
def _name_re() -> regex.Pattern:
    cfg = _cfg()
    after = "|".join(regex.escape(w) for w in sorted(cfg["after_name"], key=len, reverse=True))
    sur = regex.escape(cfg["surnames"])
    return regex.compile(rf"(?P<name>[{sur}]\p{{Han}}{{1,2}}?)(?=(?:{after})|[,;:。!?、\s“”]|$)")


@functools.lru_cache(maxsize=1)
def _title_re() -> regex.Pattern:
    return regex.compile("|".join(regex.escape(t) for t in _titles()))


@functools.lru_cache(maxsize=1)
def _org_prefixes() -> list[str]:
    return sorted(_cfg()["org_prefixes"], key=len, reverse=True)


def _split_posts(title: str) -> list[str]:
    joiners = sorted(_cfg()["joiners"], key=len, reverse=True)
    parts = [title]
    for j in joiners:
        parts = [p for part in parts for p in part.split(j)]
    return [p for p in parts if p]


def post_key(segment: str) -> str | None:
    """``郑州高新区党工委副书记`` → ``党工委副书记``; None when it is not one post.

    A post is a title word with at most ``title_head_max`` characters before
    it, none of them another title word or a speech/meeting word.
    """
    cfg = _cfg()
    for t in _titles():
        if segment.endswith(t):
            head = segment[: -len(t)]
            if len(head) > cfg["title_head_max"]:
                return None
            if any(w in head for w in _titles()) or any(w in head for w in cfg["after_name"]):
                return None
            for pre in _org_prefixes():
                if head.startswith(pre) and len(head) > len(pre):
                    head = head[len(pre):]
                    break
            return head[-3:] + t
    return None


@functools.lru_cache(maxsize=1 << 16)
def title_posts(title: str) -> frozenset:
    """The posts of a title chain (empty when a part is not a post). Cached: reports
    repeat the same titles, and :func:`_title_before` asks about every tail of a clause."""
    keys = []
    for seg in _split_posts(title):
        k = post_key(seg)
        if k is None:
            return frozenset()
        keys.append(k)
    return frozenset(keys)


def _title_before(text: str, end: int) -> str:
    """The title chain that ends at ``end``: back to a clause break, as long as it is all posts."""
    i = end
    while i > 0 and text[i - 1] not in ",;:。!?\n“”—(（)）《》 ":
        i -= 1
    chunk = text[i:end]
    if not _title_re().search(chunk):
        return ""  # every post holds a title word: no tail of this chunk is a title
    # the longest suffix of the chunk that splits into posts
    best = ""
    for s in range(len(chunk)):
        cand = chunk[s:]
        if cand[0] in "、兼和":
            continue
        if title_posts(cand):
            best = cand
            break
    return best


def mentions(view: ReportView) -> list[Mention]:
    if "people" in view.cache:
        return view.cache["people"]
    cfg = _cfg()
    ignore = set(cfg["ignore_titles"])
    out: list[Mention] = []
    text = view.text
    for m in _name_re().finditer(text):
        name = m.group("name")
        if any(t in name for t in _titles()):
            continue
        title = _title_before(text, m.start())
        if not title:
            continue
        posts = title_posts(title)
        if not posts or all(any(p.endswith(t) for t in ignore) for p in posts):
            continue
        posts = frozenset(p for p in posts if not any(p.endswith(t) for t in ignore))
        out.append(Mention(view, name, title, posts, m.start() - len(title), m.end()))
    # person facts with a title (from the extraction), where the text scan missed them
    for _, f in view.facts("person"):
        if not getattr(f, "title", None):
            continue
        posts = title_posts("".join(f.title.split()))
        if not posts:
            continue
        ns, ne = view.fact_norm_span(f)
        if any(o.ns <= ns < o.ne or ns <= o.ns < ne for o in out):
            continue
        out.append(Mention(view, "".join(f.name.split()), f.title, posts, ns, ne, (f.start, f.end)))
    view.cache["people"] = out
    return out


def iter_check(ctx: CheckContext) -> Iterator[Inconsistency]:
    """The items one at a time (an event or a person in many reports carries much evidence)."""
    by_name: dict[str, list[Mention]] = defaultdict(list)
    for view in ctx.views:
        for m in mentions(view):
            by_name[m.name].append(m)
    for name, ms in by_name.items():
        titles = {m.posts for m in ms}
        if len(titles) < 2:
            continue
        # one mention per (report, title), earliest report first
        seen = set()
        chosen = []
        for m in sorted(ms, key=lambda m: (m.view.date or __import__("datetime").date.min, m.view.id, m.ns)):
            key = (m.view.id, m.posts)
            if key in seen:
                continue
            seen.add(key)
            chosen.append(m)
        ev = []
        for m in chosen:
            note = f"{m.view.name}（{m.view.date or '日期不详'}）：{'、'.join(sorted(m.posts))}"
            if m.orig:
                ev.append(m.view.evidence_orig(*m.orig, note=note))
            else:
                ev.append(m.view.evidence(m.ns, m.ne, note=note))
        steps = []
        for m in chosen:
            label = "、".join(sorted(m.posts))
            if not steps or steps[-1][1] != label:
                steps.append((m.view.date, label))
        desc = " → ".join(f"{d or '日期不详'} {t}" for d, t in steps)
        msg = f"{name} 在不同报道中职务不同：{desc}（可能是职务变动，请核对）"
        yield make_item("role_change", msg, ev, details={"person": name,
                                                         "titles": sorted(sorted(t) for t in titles)})


def check(ctx: CheckContext) -> list[Inconsistency]:
    return list(iter_check(ctx))
