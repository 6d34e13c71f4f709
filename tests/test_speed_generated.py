"""Faster paths of the project rules (made for generated reports) answer as the plain
definitions they stand for, on real texts: the corpus and generated reports.

* ``_has_distinctive(x)`` is ``_distinctive(x) >= 2``;
* ``_extend_suffix`` with its one-pattern pre-test is the plain loop over the suffixes;
* ``_segment_candidates`` drops a head before reading words when the token-free start
  ``_barrier_start`` leaves no room: then ``_left_cut`` (which reads the words) would
  have left none either.
"""

from __future__ import annotations

import functools
import random
from pathlib import Path

from extract import memo
from extract import projects as P
from extract.doc import Doc
from extract.loader import read_file

ROOT = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=1)
def _texts() -> tuple:
    """Normalised texts of the corpus and of generated reports."""
    from benchmarks.generate import generate_reports

    raw = [read_file(p).text for p in sorted((ROOT / "corpus").rglob("*.txt")) if "tools" not in p.parts]
    raw += [r["text"] for r in generate_reports(60, seed=11)]
    return tuple(Doc.from_text(t).text for t in raw)


def _segments(text):
    """``(start, end, sentence end)`` of every segment of every sentence of ``text``."""
    sentences = [(a, b) for a, b in _sentence_bounds(text)]
    ctx = P.report_context(text, sentences)
    for ss, se in sentences:
        for sg in P._parse_sentence(text, ss, se, ctx).segs:
            yield sg.start, sg.end, se


def _sentence_bounds(text):
    out, a = [], 0
    for i, c in enumerate(text):
        if c in "。!?;\n":
            if i + 1 > a:
                out.append((a, i + 1))
            a = i + 1
    if a < len(text):
        out.append((a, len(text)))
    return out


def _parts() -> list[str]:
    """Strings like the ones the rules ask about: stretches of up to 24 characters that
    end with a head word (with its phase suffix, or just before the head); a fixed
    sample of 40,000 of them."""
    cfg = P._cfg()
    out = set()
    for text in _texts():
        for m in cfg.head_re.finditer(text, overlapped=True):
            e = P._extend_suffix(text, m.end(), min(len(text), m.end() + 20))
            for k in range(1, 25):
                if m.start() - k < 0:
                    break
                out.add(text[m.start() - k:m.end()])
                out.add(text[m.start() - k:e])
                out.add(text[m.start() - k:m.start()])
    got = random.Random(1).sample(sorted(out), 40000)
    # and with a determiner before or after (这个园区: no distinctive part)
    for d in sorted(cfg.determiners):
        for x in got[:400]:
            got += [d + x[-3:], x[-4:] + d, d + x]
    return got


def test_has_distinctive_is_distinctive_at_least_two():
    memo.clear()
    parts = _parts()
    assert len(parts) > 20000
    seen = {True: 0, False: 0}
    sure = 0
    rx = P._sure_char_re()
    for x in parts:
        want = P._distinctive(x) >= 2
        assert P._has_distinctive(x) == want, x
        seen[want] += 1
        sure += len(rx.findall(P._distinctive_rest(x))) >= 2
    # both answers occur, and both the character test and the word count decide some
    assert seen[True] > 1000 and seen[False] > 1000
    assert 1000 < sure < seen[True]
    memo.clear()


def _extend_suffix_plain(text: str, e: int, limit: int) -> int:
    # the definition before the one-pattern pre-test
    suffix_res = P._cfg().suffix_res
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


def test_extend_suffix_is_the_plain_loop():
    moved = 0
    for text in _texts():
        n = len(text)
        for e in range(n + 1):
            for limit in (min(n, e + 40), min(n, e + 3)):
                got = P._extend_suffix(text, e, limit)
                assert got == _extend_suffix_plain(text, e, limit), (text[e:e + 20], limit - e)
                moved += got > e
    assert moved > 500


def _left_cut_plain(text: str, seg_start: int, head_start: int, tokens) -> int:
    # _left_cut as it was written before _barrier_start was taken out of it
    cfg = P._cfg()
    L = seg_start
    for m in cfg.barriers_re.finditer(text, seg_start, head_start):
        if m.end() > m.start():
            L = max(L, m.end())
    keep_de = cfg.keep_de
    for k, (w, a, b) in enumerate(tokens):
        if b > head_start:
            break
        if a < L:
            continue
        kind = P._trigger_kind(w)
        if kind == 0:
            continue
        if kind == 2 and not (k == 0 or a <= L or P._weak_ok_after(tokens[k - 1][0])):
            continue
        if w == "的" and text.startswith(keep_de, L):
            continue
        L = b
    i = text.rfind("项目", L, head_start)
    while i >= 0:
        j = i + 2
        if not P._RX_PHASE_AFTER.match(text[j:j + 2]):
            L = j
            if text.startswith("中", L) and L + 1 < head_start:
                L += 1
            break
        i = text.rfind("项目", L, i)
    while L < head_start and text[L] in "”’)》 ":
        L += 1
    return L


def test_barrier_start_skip_drops_only_what_left_cut_drops():
    cfg = P._cfg()
    skipped = 0
    for text in _texts():
        memo.clear()
        for start, end, se in _segments(text):
            for m in cfg.head_re.finditer(text, start, end, overlapped=True):
                hs, he = m.span()
                e = P._extend_suffix(text, he, end)
                L0 = P._barrier_start(text, start, hs)
                tokens = P._tokens(text, start, end)
                L = _left_cut_plain(text, start, hs, tokens)
                assert L >= L0
                assert L == P._left_cut(text, start, hs, tokens) == P._left_cut_from(text, L0, hs, tokens)
                if P._no_room(L0, hs, e):
                    skipped += 1
                    # what the candidate loop does with L: no name, or one too short
                    assert L >= hs or P._reject_name(text[L:e]), (text[start:end], text[hs:e])
    assert skipped > 100
    memo.clear()


def _segment_heads_plain(text: str, start: int, end: int) -> dict:
    # the definition before the text-wide head index: the segment matched on its own
    heads = {}
    for m in P._cfg().head_re.finditer(text, start, end, overlapped=True):
        hs, he = m.span()
        w = m.group()
        prev = heads.get(he)
        if prev is None or len(w) > len(prev[1]):
            heads[he] = (hs, w)
    return heads


def test_segment_heads_from_the_text_index_is_the_segment_match():
    runs_past = 0
    for text in _texts():
        hstarts, hspans = P._head_index(text)
        bounds = [(a, b) for a, b, _ in _segments(text)]
        # and stretches that cut head words (a segment ends inside 产业园, 园区 …)
        bounds += [(max(0, he - k), he - 1) for _, he, _ in hspans for k in (3, 8) if he - 1 > 0]
        bounds += [(hs + 1, hs + 6) for hs, _, _ in hspans]
        for a, b in bounds:
            want = _segment_heads_plain(text, a, b)
            assert P._segment_heads_from(text, a, b, hstarts, hspans) == want, text[a:b]
            runs_past += any(hs < b < he for hs, he, _ in hspans)
    assert runs_past > 100


def _odd_names() -> list[str]:
    """Names with characters the two engines may read differently (\\x1c-\\x1f for \\s,
    beyond the Basic Multilingual Plane), next to the patterns' own words."""
    out = []
    for x in ("3\x1c个项目", "20\x1f余个工业项目", "𠀀𠀁产业园", "𠀀3个项目", "第\x1d3期项目", "三大\x1e产业项目",
              "１２个项目", "٣个项目", "高新区\x1c标准化厂房(三期)"):
        out += [x, "新" + x, x + "项目"]
    return out


def test_name_patterns_with_re_twins_are_the_regex_patterns():
    cfg = P._cfg()
    names = _parts() + _odd_names()
    twins = P._name_twins()
    assert sum(t is not r for t, r in zip(twins[0], cfg.reject_name)) >= 10 and twins[1] and twins[2]
    hits = 0
    for x in names:
        want = any(rx.search(x) for rx in cfg.reject_name)
        assert P._pattern_rejects(x) == want, x
        hits += want
        assert P._distinctive_rest(x) == P._quant_re().sub(" ", cfg.generic_re.sub(" ", x)), x
    assert 1000 < hits < len(names) - 1000
