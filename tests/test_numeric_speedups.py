"""The shortcuts that make the numeric extractors fast give exactly what the
plain way gives: matches of an anchored regex (extract.numbers.anchored_finditer)
are those of ``finditer``; the nearest-word lookups (WordIndex, last_word) are
those of an ``rfind`` per word; the date finder's gates skip only positions
where nothing can start."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import patterns
from extract import counts, dates, money, percent
from extract.numbers import WordIndex, anchored_finditer, by_last_char, last_word, qualifier_words

_C = counts.rules()
_P = percent.rules()

_ANCHORED = {
    "count number first": (_C.num_first, _C.num_first_anchor, _C.num_first_back, _C.num_first_first, False),
    "count noun first": (_C.noun_first, _C.noun_first_anchor, _C.noun_first_back, _C.noun_first_first, True),
    "count elliptical": (_C.elliptical, _C.ell_anchor, _C.ell_back, _C.ell_first, False),
    "percent sign": (_P.sign_rx, _P.sign_anchor, _P.sign_back, _P.sign_first, False),
    "percent point": (_P.point_rx, _P.point_anchor, _P.point_back, _P.num_first, False),
    "percent cheng": (_P.cheng_rx, _P.cheng_unit, _P.cheng_back, _P.cheng_first, False),
}

_cd = patterns.load("counts")
_pd = patterns.load("percent")
_PIECES = (
    list(_cd["categories"]) + list(_cd["levels"]) + list(_cd["links"]) + list(_cd["elliptical_stages"])
    + list(qualifier_words("before")) + list(qualifier_words("inside")) + list(_pd["points"])
    + list(_pd["range_separators"]) + list(_pd["negative"]) + list(_pd["signs"])
    + ["项目", "个", "项", "成", "半", "亿元以上", "元以上", "12", "3.5", "一", "十", "二十", "、", "，", "第", "的"]
)
_CHARS = "0123456789一二三十百万亿.,元以上下及个项目成半%‰ 负-第的"

_texts = st.lists(
    st.one_of(st.sampled_from(_PIECES), st.text(alphabet=_CHARS, min_size=1, max_size=4)), max_size=16
).map("".join)


@pytest.mark.parametrize("name", list(_ANCHORED))
@settings(max_examples=300, deadline=None)
@given(text=_texts)
def test_anchored_matches_are_finditer_matches(name, text):
    rx, anchor, back, first, empty = _ANCHORED[name]
    if back is None:
        return
    want = [(m.span(), m.groups()) for m in rx.finditer(text)]
    got = [(m.span(), m.groups()) for m in anchored_finditer(rx, text, anchor, back, first, empty)]
    assert got == want


def _rfind_nearest(seg: str, words):
    best = None
    for w in words:
        k = seg.rfind(w)
        if k < 0:
            continue
        key = (k + len(w), len(w))
        if best is None or key > best[0]:
            best = (key, w, k)
    return (best[1], best[2]) if best else None


def test_nearest_word_lookups_agree_with_rfind():
    words = [w for w, _ in money.rules().role_words]
    rng = random.Random(7)
    alphabet = "".join(sorted(set("".join(words)))) + "，。的1 "
    groups = by_last_char(words)
    for _ in range(300):
        text = "".join(rng.choice(words) if rng.random() < 0.3 else rng.choice(alphabet) for _ in range(60))
        index = WordIndex(text, words)
        for _ in range(20):
            a = rng.randrange(len(text) + 1)
            b = rng.randrange(a, len(text) + 1)
            want = _rfind_nearest(text[a:b], words)
            want = (want[0], want[1] + a) if want else None
            assert index.last(a, b) == want
            assert last_word(text, a, b, groups) == want


def test_date_gates_skip_only_positions_where_nothing_starts():
    r = dates.rules()
    words = [w for w in dates._strings(patterns.load("dates")) if isinstance(w, str)]
    alphabet = "0123456789零〇一二两三十廿上下本今去前近全年月日号季度旬周初底末份个后至到-/. \n，。中第农历Q星期半"
    rng = random.Random(3)
    for _ in range(400):
        text = "".join(rng.choice(words) if rng.random() < 0.4 else rng.choice(alphabet) for _ in range(12))
        fast = dates.find(text)
        saved = {k: getattr(r, k) for k in ("start_gate", "no_start", "START_CHAR", "skip_year", "skip_after",
                                               "skip_others")}
        try:
            # every start character (but not inside a number), every pattern tried:
            # what find did before the gates
            r.start_gate = {c: (lambda t, i: True) for c in r.start_chars}
            r.no_start = {}
            r.skip_year = r.skip_after = r.skip_others = frozenset()
            esc = dates.regex.escape
            r.START_CHAR = dates.regex.compile(
                "[" + "".join(esc(c) for c in sorted(r.start_chars) if not c.isdigit()) + "]"
                + f"|(?<![0-9.])[0-9]|(?=(?:{r.INNER_DIGIT.pattern}))[0-9]")
            slow = dates.find(text)
        finally:
            for k, v in saved.items():
                setattr(r, k, v)
        assert fast == slow, text
