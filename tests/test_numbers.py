"""The shared number parser and context words (extract/numbers.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import regex

from extract.doc import Doc
from extract.numbers import (
    NUMBER,
    decimal_to_json,
    is_target,
    match_text,
    parse_number,
    qualifier_after,
    qualifier_before,
    to_int_exact,
)


@pytest.mark.parametrize(
    "text,value",
    [
        ("160.7", "160.7"),
        ("三十五", "35"),
        ("1.2万", "12000"),
        ("1.2万亿", "1200000000000"),
        ("160.7亿", "16070000000"),
        ("5万4千6百", "54600"),
        ("3万4000", "34000"),
        ("二点五", "2.5"),
        ("一千零五", "1005"),
        ("一千零十二", "1012"),
        ("两千四百五", "2450"),
        ("一万五", "15000"),
        ("壹佰贰拾", "120"),
        ("1,100.9亿", "110090000000"),
        ("１２６．８", "126.8"),
        ("四万万", "400000000"),
        ("四十九兆九千五百九十二億", "49959200000000"),
        ("四千五百六十九万八千三百一十一亿四千八百七十二万五千三百八十二", "4569831148725382"),
        ("二〇二三", "2023"),
        ("十余万", "100000"),
        ("一千多万", "10000000"),
        ("一百零几万", "1000000"),
        ("负三十二", "-32"),
        ("-10000", "-10000"),
        ("五分之一", "0.2"),
        ("3又一千分之23", "3.023"),
        ("负３分之负一百五十七", "52.33333333333333333333333333"),
        ("１６/5", "3.2"),
        ("1 4/3", "2.333333333333333333333333333"),
        ("2e5", "200000"),
        ("2^-1", "0.5"),
        ("40k", "40000"),
        ("五十打", "600"),
        ("半百", "50"),
        ("两千万点五五四四", "20000000.5544"),
    ],
)
def test_parse_number(text, value):
    got = parse_number(text)
    assert got is not None
    assert abs(got - Decimal(value)) <= abs(Decimal(value)) * Decimal("1e-20")


@pytest.mark.parametrize("text", ["", "百分", "二三十", "abc", "七八百"])
def test_not_numbers(text):
    assert parse_number(text) is None


def test_exact_decimal_no_float():
    v = parse_number("160.7亿")
    assert isinstance(v, Decimal) and to_int_exact(v) == 16070000000
    assert to_int_exact(Decimal("2.5")) is None
    assert decimal_to_json(Decimal("2.50")) == 2.5 and decimal_to_json(Decimal("3.0")) == 3


@pytest.mark.parametrize(
    "text,matches",
    [
        ("总投资160.7亿元", ["160.7亿"]),
        ("三十五亿元", ["三十五亿"]),
        ("万元GDP能耗", []),
        ("数千万元", []),
        ("十月", ["十"]),
        ("1,500万元", ["1,500万"]),
        ("1,5000", ["1", "5000"]),
    ],
)
def test_number_fragment(text, matches):
    assert [m.group() for m in regex.finditer(NUMBER(), text)] == matches


def test_qualifier_words():
    doc = Doc.from_text("总投资约465亿元以上")
    i = doc.text.index("465")
    assert qualifier_before(doc, i) == ("approx", i - 1)
    assert qualifier_after(doc.text, doc.text.index("以上")) == ("over", len(doc.text))
    # 签约 ends with 约 but is no qualifier
    doc = Doc.from_text("一季度签约12个项目")
    assert qualifier_before(doc, doc.text.index("12")) == (None, doc.text.index("12"))


def test_is_target_scopes():
    doc = Doc.from_text("力争实现签约额400亿元、投资额290亿元。去年完成投资200亿元。")
    t = doc.text
    spans = [(t.index(x), t.index(x) + len(x)) for x in ("400亿元", "290亿元", "200亿元")]
    assert [is_target(doc, s, e) for s, e in spans] == [True, True, False]
    doc = Doc.from_text("年度计划投资15.8亿元")
    s = doc.text.index("15.8")
    assert is_target(doc, s, s + 7, "planned_investment") is True


def test_match_text_masks_fullwidth_comma_between_ascii_digits():
    doc = Doc.from_text("$20，300美圆；百分之９，９９９")
    mt = match_text(doc)
    assert len(mt) == len(doc.text)
    assert "20;300" in mt and "9,999" in mt
