"""duplicate_text: a passage printed twice within one report.

Four shapes, all read from the text of one report:

* a long passage printed twice (a sentence repeated, perhaps cut short: 002's
  ``重点推进总投资180亿元的…等两个百亿`` printed again before a photo caption);
* the same event told twice: several shorter repeats whose second copies
  stand at the same distance from their first copies (003 opens with the 7th
  round of 三个一批 as a page lead and again as the interview's first
  paragraph);
* lines whose every phrase is doubled (``高新区塔吊林立高新区塔吊林立，，``: the
  PDF text layer printed twice), reported together when they are close;
* a stray copy of a paragraph's last characters opening the next paragraph
  (``…2个工作日。`` / ``日。率先…``).

Repeats on both sides of a byline or dateline (本报讯, 记者 …) are the stock
wording of two news items on one page and are not reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import regex

from db.models import Inconsistency

from .context import CheckContext, ReportView, make_item, rules


def _cfg() -> dict:
    return rules()["duplicates"]


@dataclass(slots=True)
class Repeat:
    p: int  # first copy (normalised start)
    q: int  # second copy
    length: int

    @property
    def shift(self) -> int:
        return self.q - self.p


_LEAD_PUNCT = set("。,;:、!?，；：！？”’)） \n")


def repeats(text: str, k: int) -> list[Repeat]:
    """Maximal repeated substrings of at least ``k`` characters (copies not overlapping)."""
    # where each k-gram within a line starts: an int for one place (most), a list for more
    grams: dict[str, Union[int, list[int]]] = {}
    start = 0
    size = len(text)
    while start < size:
        nl = text.find("\n", start)
        end = size if nl < 0 else nl
        for i in range(start, end - k + 1):
            g = text[i:i + k]
            got = grams.get(g)
            if got is None:
                grams[g] = i
            elif type(got) is int:
                grams[g] = [got, i]
            else:
                got.append(i)
        start = end + 1
    out = []
    for ps in grams.values():
        if type(ps) is int:
            continue
        for a in range(len(ps)):
            for b in range(a + 1, len(ps)):
                p, q = ps[a], ps[b]
                if p > 0 and text[p - 1] == text[q - 1] and text[p - 1] != "\n" and q - 1 > p + 0:
                    continue  # not left-maximal
                n = 0
                while q + n < len(text) and p + n < q and text[p + n] == text[q + n]:
                    n += 1
                # do not end a repeat on a line break, nor start it on punctuation
                while n and text[p + n - 1] == "\n":
                    n -= 1
                lead = 0
                while lead < n and text[p + lead] in _LEAD_PUNCT:
                    lead += 1
                if n - lead >= k:
                    out.append(Repeat(p + lead, q + lead, n - lead))
    out.sort(key=lambda r: (r.p, r.q))
    return out


def _broken_by_article(view: ReportView, a: int, b: int) -> bool:
    between = view.text[a:b]
    return any(w in between for w in _cfg()["article_breaks"])


def _line_of(view: ReportView, ni: int) -> tuple[int, int]:
    s = view.text.rfind("\n", 0, ni) + 1
    e = view.text.find("\n", ni)
    return s, (len(view.text) if e < 0 else e)


def _is_heading_copy(view: ReportView, r: Repeat) -> bool:
    """The first copy is a short line of its own (a subheading the body repeats)."""
    s, e = _line_of(view, r.p)
    line = view.text[s:e].strip()
    return len(line) <= _cfg()["heading_line_max"] and r.length * 2 >= len(line) and not (
        _line_of(view, r.q) == _line_of(view, r.p)
    ) and len(view.text[slice(*_line_of(view, r.q))].strip()) > len(line)


def _names_share(view: ReportView, r: Repeat) -> float:
    """Share of the first copy covered by project or organisation names."""
    os_, oe = view.orig_span(r.p, r.p + r.length)
    covered = set()
    for kind in ("project", "organisation"):
        for _, f in view.facts_in(kind, os_, oe):
            covered.update(range(max(f.start, os_), min(f.end, oe)))
    letters = [i for i in range(os_, oe) if not view.original[i].isspace()]
    return len(covered & set(letters)) / len(letters) if letters else 0.0


def _cluster_items(view: ReportView, reps: list[Repeat], taken: set[int]) -> list[Inconsistency]:
    """The same event told twice: repeats with the same shift, close together."""
    cfg = _cfg()
    rest = [(i, r) for i, r in enumerate(reps)
            if not _broken_by_article(view, r.p + r.length, r.q) and r.shift > r.length]
    clusters: list[list[tuple[int, Repeat]]] = []
    for i, r in sorted(rest, key=lambda x: x[1].p):
        placed = False
        for c in clusters:
            if r.p - c[0][1].p <= cfg["cluster_window"] and all(abs(r.shift - o.shift) <= cfg["cluster_shift"] for _, o in c):
                if not any(_overlap(r, o) for _, o in c):
                    c.append((i, r))
                placed = True
                break
        if not placed:
            clusters.append([(i, r)])
    out = []
    for c in clusters:
        total = sum(r.length for _, r in c)
        if len(c) < cfg["cluster_min_repeats"] or total < cfg["cluster_total"]:
            continue
        taken.update(i for i, _ in c)
        rs = [r for _, r in c]
        ev = []
        for r in rs:
            ev.append(view.evidence(r.p, r.p + r.length, note="第一次"))
            ev.append(view.evidence(r.q, r.q + r.length, note="第二次"))
        phrases = "」「".join(_short(view.text[r.p:r.p + r.length], 16) for r in rs)
        msg = (
            f"同一内容在本篇中报道了两次：相隔约 {rs[0].shift} 字的两段文字有 {len(rs)} 处相同的词句"
            f"（「{phrases}」），可能是同一事件的重复报道"
        )
        out.append(make_item("duplicate_text", msg, ev, details={"shape": "told_twice", "repeats": len(rs),
                                                                  "shift": rs[0].shift, "report": view.path}))
    return out


def _repeat_items(view: ReportView) -> list[Inconsistency]:
    cfg = _cfg()
    reps = repeats(view.text, cfg["min_short_repeat"])
    taken: set[int] = set()
    out = _cluster_items(view, reps, taken)
    # a passage printed twice
    for i, r in enumerate(reps):
        if i in taken or r.length < cfg["min_repeat"] or _broken_by_article(view, r.p + r.length, r.q):
            continue
        if any(r.q >= o.q and r.q + r.length <= o.q + o.length and r.p >= o.p for o in reps if o is not r and o.length > r.length):
            continue
        if _is_heading_copy(view, r) or _names_share(view, r) >= cfg["names_share"]:
            continue
        if not regex.search(r"[,;，；、。!?！？]", view.text[r.p:r.p + r.length]):
            continue  # one noun phrase said twice, not a passage
        ev = [view.evidence(r.p, r.p + r.length, note="第一次出现"), view.evidence(r.q, r.q + r.length, note="重复")]
        oe = view.orig_span(r.q, r.q + r.length)[1]
        cut = ""
        first_goes_on = view.text[r.p + r.length:r.p + r.length + 1] not in ("", "\n", "。")
        if first_goes_on and view.original[oe:oe + 1] in ("\n", ""):
            cut = "，第二次在「" + view.text[max(r.q, r.q + r.length - 6):r.q + r.length] + "」处中断"
        msg = f"同一段文字（{r.length} 字）在本篇中印了两次{cut}：「{_short(view.text[r.p:r.p + r.length])}」"
        out.append(make_item("duplicate_text", msg, ev, details={"shape": "repeated_passage", "length": r.length,
                                                                  "report": view.path}))
    return out


def _overlap(a: Repeat, b: Repeat) -> bool:
    return a.p < b.p + b.length and b.p < a.p + a.length


def _short(s: str, n: int = 30) -> str:
    s = s.replace("\n", "⏎")
    return s if len(s) <= n else s[: n - 1] + "…"


#: longest phrase looked at for a doubled phrase (``(.{1,40}?)\1``)
_DOUBLED_MAX = 40


def doubled_coverage(line: str) -> tuple[float, int]:
    """Share of a line covered by immediately doubled phrases, and the longest phrase."""
    text = line.strip()
    if not text:
        return 0.0, 0
    size = len(text)
    covered = 0  # characters in doubled phrases, then the spaces outside them
    longest = 0
    find, startswith = text.find, text.startswith
    i = 0
    while i < size:
        # the shortest phrase (1 to 40 characters) printed twice in a row at i, what
        # ``(.{1,40}?)\1`` matches there: looked for only where text[i] comes again
        half = (size - i) >> 1
        stop = i + (half if half < _DOUBLED_MAX else _DOUBLED_MAX) + 1
        n = 0
        ch = text[i]
        j = find(ch, i + 1, stop)
        while j >= 0:
            if startswith(text[i:j], j):
                n = j - i
                break
            j = find(ch, j + 1, stop)
        if n and not text[i:i + n].isspace():
            covered += len("".join(text[i:i + 2 * n].split()))  # its spaces are counted below
            longest = max(longest, n)
            i += 2 * n
        else:
            i += 1
    # spaces between doubled phrases count as covered (str.split splits on isspace())
    covered += size - len("".join(text.split()))
    return covered / size, longest


def _doubled_items(view: ReportView) -> list[Inconsistency]:
    cfg = _cfg()
    text = view.original
    lines = []
    pos = 0
    for no, line in enumerate(text.split("\n")):
        share, longest = doubled_coverage(line)
        if line.strip() and share >= cfg["doubled_line_share"] and longest >= cfg["doubled_min_phrase"]:
            lead = len(line) - len(line.lstrip())
            lines.append((no, pos + lead, pos + len(line.rstrip())))
        pos += len(line) + 1
    groups: list[list[tuple[int, int, int]]] = []
    for ln in lines:
        if groups and ln[0] - groups[-1][-1][0] <= cfg["doubled_line_gap"]:
            groups[-1].append(ln)
        else:
            groups.append([ln])
    out = []
    for g in groups:
        ev = [view.evidence_orig(s, e, note="字词重复") for _, s, e in g]
        sample = text[g[0][1]:g[0][2]]
        msg = (
            f"{len(g)} 行文字每个词句都印了两次（如「{_short(sample, 24)}」），"
            "多为图片说明或排版时文字层重复，应删去重复部分"
        )
        out.append(make_item("duplicate_text", msg, ev, details={"shape": "doubled_lines", "lines": len(g),
                                                                  "report": view.path}))
    return out


def _stray_items(view: ReportView) -> list[Inconsistency]:
    cfg = _cfg()
    out = []
    paras = view.paragraphs
    for (ps, pe), (qs, qe) in zip(paras, paras[1:]):
        prev = view.text[ps:pe].rstrip()
        cur = view.text[qs:qe]
        for n in range(1, cfg["stray_max"] + 1):
            frag = cur[:n]
            if len(frag) < n or frag[-1] not in "。！？!?":
                continue
            if n < 2:
                continue
            if prev.endswith(frag) and len(cur) > n:
                ev = [view.evidence(pe - n, qs + n, note="段首多出的字")]
                msg = f"段首「{frag}」重复了上一段结尾的「{frag}」，应为排版残留，应删去"
                out.append(make_item("duplicate_text", msg, ev, details={"shape": "stray_fragment",
                                                                          "fragment": frag, "report": view.path}))
                break
    return out


def _items(view: ReportView) -> list[Inconsistency]:
    if "duplicate_items" not in view.cache:
        view.cache["duplicate_items"] = _repeat_items(view) + _doubled_items(view) + _stray_items(view)
    return view.cache["duplicate_items"]


def garbled_spans(view: ReportView) -> list[tuple[int, int]]:
    """Original spans of text that is a broken copy (a repeat cut short, doubled
    lines): facts read from there (a stage word of a caption run into a cut
    sentence) are not trusted by the other checks."""
    spans = []
    for it in _items(view):
        shape = it.details.get("shape")
        if shape == "repeated_passage":
            e = it.evidence[1]
            # the copy and what runs into it up to the end of its sentence
            spans.append((e.start, max(e.end, e.sentence_end or e.end)))
        elif shape == "doubled_lines":
            spans.extend((e.start, e.end) for e in it.evidence)
    return spans


def in_garbled(view: ReportView, start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in garbled_spans(view))


def check_view(view: ReportView) -> list[Inconsistency]:
    """The duplicate_text items of one report."""
    return list(_items(view))


def check(ctx: CheckContext) -> list[Inconsistency]:
    return [it for view in ctx.views for it in check_view(view)]
