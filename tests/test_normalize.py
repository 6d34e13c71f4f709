"""The normalised view and its map back to the original text."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.evaluate import gold_items, load_gold
from extract.normalize import fold_width, normalise, split_sentences, to_simplified

ROOT = Path(__file__).resolve().parent.parent
GOLD = load_gold(ROOT / "corpus" / "gold")


def _check_map(n):
    assert len(n.offsets) == len(n.text) + 1
    prev = -1
    for i, ch in enumerate(n.text):
        o = n.offsets[i]
        assert o > prev, "offsets must be strictly increasing"
        prev = o
        orig = n.original[o]
        # only width folding and traditional->simplified change a character
        assert ch == orig or ch == to_simplified(fold_width(orig)) or (ch == "\n" and orig == "\n")


@pytest.mark.parametrize("path,gold,text", GOLD, ids=[g["article"][:3] for _, g, _ in GOLD])
def test_map_is_monotonic_and_faithful(path, gold, text):
    _check_map(normalise(text))


@pytest.mark.parametrize("path,gold,text", GOLD, ids=[g["article"][:3] for _, g, _ in GOLD])
def test_every_gold_fact_maps_back_exactly(path, gold, text):
    """Each gold item, found in the normalised view, maps back to its exact original span."""
    n = normalise(text)
    for item in gold_items(gold, text):
        start, end = item.start, item.end
        ns = n.norm_index(start)
        # last normalised char inside the item
        ne = n.norm_index(end - 1) + 1
        while ne > ns and n.offsets[ne - 1] >= end:
            ne -= 1
        s, e = n.span(ns, ne)
        assert n.original[s:e] == item.data["text"].rstrip() or (s, e) == (start, end), item.data["text"]
        # the normalised form has no whitespace left inside Chinese text
        inside = n.text[ns:ne]
        assert "\n" not in inside, (item.data["text"], inside)


def test_pdf_breaks_inside_numbers_and_dates_are_removed():
    text = "完成产值 47.75\n亿元，2023 年 1 月 28 日开工。截至 2022年底已开工14个。"
    n = normalise(text)
    assert "47.75亿元" in n.text
    assert "2023年1月28日" in n.text
    assert "截至2022年底" in n.text
    i = n.text.index("47.75亿元")
    assert n.original_text(i, i + len("47.75亿元")) == "47.75\n亿元"


def test_full_width_and_traditional():
    n = normalise("總投資１２０億元（一期）")
    assert n.text == "总投资120亿元(一期)"
    assert n.original_text(3, 9) == "１２０億元（"[:6]


def test_paragraph_breaks_after_sentence_end_are_kept():
    text = "第一段结束了。\n\n第二段开始"
    n = normalise(text)
    assert "\n" in n.text
    assert len(split_sentences(n.text)) == 2


def test_wrapped_lines_are_joined_but_short_headings_are_not():
    body = "".join("这是一段很长的报纸正文内容用来模拟固定宽度的换行效果" for _ in range(10))
    lines = [body[i:i + 30] for i in range(0, len(body), 30)]
    text = "短标题\n" + "\n".join(lines) + "。"
    n = normalise(text)
    assert n.text.startswith("短标题\n")
    assert n.text[len("短标题\n"):] == body + "。"


def test_spaces_between_latin_words_are_kept():
    n = normalise("农业路快速化工程 etc 等外联道路, AI Lab")
    assert "etc等" in n.text
    assert "AI Lab" in n.text


def test_empty_and_whitespace():
    assert normalise("").text == ""
    n = normalise("   \n\n  ")
    assert n.text.strip() == ""
    _check_map(n)


def test_photo_captions_and_headings_stay_apart_from_running_text():
    para = "下半年力争完成新签约项目签约总额600亿元。重点推进总投资180亿元的国电投源网荷储一体化项目等两个百亿"
    text = para + "\n\n\n\n新点软件开工仪式\n\n要做强产业稳基础。"
    n = normalise(text)
    assert "百亿\n新点软件开工仪式\n要做强" in n.text
    # the same break before a long continuation is a page break inside a sentence
    n2 = normalise(para + "\n\n级项目落地，同时大力推进上半年已签约促落地项目，包括多个重点项目。")
    assert "两个百亿级项目落地" in n2.text


def test_photo_credit_lines_are_never_joined():
    text = "这是一段很长的正文内容，介绍项目建设情况和进展，内容足够长没有结束\n施工现场一派繁忙 张勇 摄\n盛鼎建筑科技产业园主体结构封顶"
    n = normalise(text)
    assert "摄\n盛鼎" in n.text
