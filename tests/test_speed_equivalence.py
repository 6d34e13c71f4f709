"""The speed-ups give exactly what the plain code gives.

* ``parse_number``'s fast path against the full parser;
* ``fold_width`` (replace per key) against ``str.translate``; ``normalise`` against a
  copy of its plain loop; ``_standalone_before`` against its one-line form;
* the places pattern (regex named lists) against the alternation it stands for;
* dates with the ``re`` twins of their patterns (``extract.numbers.re_twin``)
  against the same with the ``regex`` patterns only (and the facts read after them).
"""

from __future__ import annotations

import random
from array import array

import pytest
import regex

import patterns
from extract import counts, dates, entities, money, normalize, numbers, percent
from extract.doc import Doc

# ---------------------------------------------------------------------------
# numbers


def _slow_parse(text):
    saved = numbers._parse_fast
    numbers._parse_fast = lambda t: NotImplemented
    try:
        return numbers.parse_number.__wrapped__(text)
    finally:
        numbers._parse_fast = saved


def test_parse_number_fast_path_is_the_parser():
    rng = random.Random(1)
    cases = ["0", "00", "0.0", "1.", ".5", "12.50亿", "9" * 40, "9" * 41, "1" * 30 + "." + "5" * 20 + "亿",
             "0.000万", "1兆", "3万亿", "007万", "1e5", "半百", "１２亿", "٣万", "12,000", "5万4千"]
    for _ in range(3000):
        a = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 45)))
        if rng.random() < 0.5:
            a += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25)))
        cases.append(a + rng.choice(["", "万", "亿", "兆", "万亿", "千"]))
    fast_hits = 0
    for c in cases:
        f = numbers._parse_fast(c)
        if f is NotImplemented:
            continue
        fast_hits += 1
        s = _slow_parse(c)
        assert f == s and str(f) == str(s), c
    assert fast_hits > 1000


# ---------------------------------------------------------------------------
# normalisation

_PIECES = ["\n", "\n\n", " \n", "\n \n", "\u3000", " ", "\t", "１２", "，", "。", "图为", "摄", "2024-04-09",
           "10:30", "8.", "7%", "亿元", "#", "abc", "A", "\xa0", "\f", "萬", "兩", "“", "）", "新点软件开工仪式",
           "句子很长很长很长很长很长很长很长很长很长很长。", "字", "\x1c", "\U00020000"]


def _fuzz_texts(n: int, seed: int, pieces=_PIECES, longest: int = 60) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, longest))) for _ in range(n)]


_ASCII_ALNUM = regex.compile(r"[A-Za-z0-9]")  # the test the plain loop made


def _plain_normalise(original: str):
    """``normalise`` as it was written before the speed-up (one int per character)."""
    folded = normalize.to_simplified(original.translate(normalize._WIDTH))
    threshold = normalize._line_threshold(original)
    out, offs, pos, n = [], array("i"), 0, len(folded)
    for m in normalize._SPACE_RUN.finditer(folded):
        a, b = m.span()
        if a > pos:
            out.append(folded[pos:a])
            offs.extend(range(pos, a))
        pos = b
        run = m.group()
        prev = folded[a - 1] if a > 0 else ""
        nxt = folded[b] if b < n else ""
        if "\n" in run:
            if normalize._joins(folded, a, b, prev, nxt, threshold):
                continue
            out.append("\n")
            offs.append(a + run.index("\n"))
            continue
        if prev and nxt and _ASCII_ALNUM.match(prev) and _ASCII_ALNUM.match(nxt):
            out.append(" ")
            offs.append(a)
    if pos < n:
        out.append(folded[pos:])
        offs.extend(range(pos, n))
    offs.append(len(original))
    return "".join(out), list(offs)


def test_fold_width_is_translate():
    for t in _fuzz_texts(500, 2, _PIECES + ["！？（）：；％", "ｱ", "￥", "\u2003"] * 3, 200):
        assert normalize.fold_width(t) == t.translate(normalize._WIDTH)


def test_normalise_is_the_plain_loop():
    for t in _fuzz_texts(1500, 3):
        got = normalize.normalise(t)
        assert (got.text, list(got.offsets)) == _plain_normalise(t), repr(t)


def test_standalone_before_is_its_one_line_form():
    def plain(folded, line_start):
        head = folded[:line_start].rstrip(" \t\u3000")
        return not head.strip() or head.endswith("\n\n") or head[:-1].rstrip(" \t\u3000").endswith("\n")

    rng = random.Random(4)
    for _ in range(5000):
        s = "".join(rng.choice(["\n", " ", "\t", "\u3000", "a", "字", "\x1c", "\xa0"]) for _ in range(rng.randint(0, 12)))
        for ls in [i + 1 for i, c in enumerate(s) if c == "\n"] + [0]:
            assert normalize._standalone_before(s, ls) == plain(s, ls), (s, ls)


# ---------------------------------------------------------------------------
# places


def test_place_pattern_is_the_alternation():
    pl = patterns.load("entities")["places"]
    cities, zones, bare = pl["names"], pl["zone_suffixes"], pl.get("bare_zones", [])
    alt = regex.compile(
        "(?:(?:" + patterns.alternation(cities) + ")(?:" + patterns.alternation(zones) + "|[\\p{Han}]{1,"
        + str(pl.get("county_len", 3)) + "}县)|" + patterns.alternation(bare + cities) + ")"
    )
    fast = entities._cfg()["place_re"]
    rng = random.Random(0)
    parts = cities + zones + bare + ["县", "市", "区", "的", "，", "a", "县县", "高新", "州"]
    for _ in range(20000):
        t = "".join(rng.choice(parts) for _ in range(rng.randint(1, 6)))
        assert [m.span() for m in fast.finditer(t)] == [m.span() for m in alt.finditer(t)], t


# ---------------------------------------------------------------------------
# re twins


def test_engines_agree_guard():
    assert numbers.engines_agree("2023年1月，增长12%")
    assert not numbers.engines_agree("2023\U00011f50年")  # a digit only one engine's tables know
    assert not numbers.engines_agree("a\x1cb")  # \s in one engine only
    assert numbers.re_twin(regex.compile(r"(?r)\d")) is None
    assert numbers.re_twin(regex.compile(r"\p{Han}")) is None
    assert numbers.re_twin(regex.compile(r"(?<=\d+)x")) is None
    assert numbers.re_twin(regex.compile(r"[\d,.]+万")) is not None


def _without_twins(monkeypatch):
    for mod in (numbers, dates):
        monkeypatch.setattr(mod, "engines_agree", lambda text: False)


def _facts(text: str):
    doc = Doc.from_text(text)
    import datetime as dt

    doc.reference_date = dt.date(2023, 6, 30)
    out = []
    for mod, kind in ((dates, "date"), (money, "amount"), (percent, "percentage"), (counts, "count")):
        got = mod.extract(doc)
        doc.found[kind] = got
        out.extend(f.model_dump_json() for f in got)
    return out


_NUM_PIECES = ["2023年", "1-5月", "6月30日", "一季度", "上半年", "截至", "12.5亿元", "3-5亿元", "约", "$20", "￥300",
               "增长", "12.5%", "百分之三", "两成", "个项目", "签约项目", "15个", "三十", "，", "。", "\n", "计划",
               "目标", "投资", "1,200万元", "０", "٣", "万", "亿", "正月初七", "去年", "上旬", "底前", "项目", "的",
               "个百分点", "五元三毛", "美元", "年底", "2022-2024年"]


@pytest.mark.parametrize("seed", [11, 12])
def test_re_twins_give_the_same_facts(monkeypatch, seed):
    texts = _fuzz_texts(300, seed, _NUM_PIECES, 40)
    fast = [_facts(t) for t in texts]
    _without_twins(monkeypatch)
    slow = [_facts(t) for t in texts]
    assert fast == slow
