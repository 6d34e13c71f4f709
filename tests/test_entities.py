"""Organisations, people with titles, places."""

from __future__ import annotations

from pathlib import Path

from extract import entities
from extract.doc import Doc

ROOT = Path(__file__).resolve().parent.parent


def _facts(text: str):
    doc = Doc.from_text(text)
    facts = entities.extract(doc)
    for f in facts:
        assert text[f.start:f.end] == f.text
    return facts


def _people(text):
    out = {}
    for f in _facts(text):
        if f.kind == "person":
            out.setdefault(f.name, f)  # the first mention
    return out


def test_title_chain_before_a_name():
    p = _people("在高新区召开的推进会上,党工委副书记、管委会主任郭程明如此表示。")
    assert p["郭程明"].title == "党工委副书记、管委会主任"
    assert p["郭程明"].text == "党工委副书记、管委会主任郭程明"


def test_organisation_prefix_and_company_title():
    text = "日前,格力电器(郑州)有限公司副总经理叶少武带着一面锦旗来到高新区。"
    facts = _facts(text)
    p = {f.name: f for f in facts if f.kind == "person"}
    assert p["叶少武"].title == "副总经理"
    assert p["叶少武"].organisation == "格力电器(郑州)有限公司"
    assert "格力电器(郑州)有限公司" in {f.name for f in facts if f.kind == "organisation"}


def test_zone_and_title_gives_organisation_of_person():
    p = _people("——访高新区党工委书记张红军\n\n张红军表示,今年要突出一个主题。")
    assert p["张红军"].title == "党工委书记"
    # the later bare mention is found too, without a title
    names = [f for f in _facts("——访高新区党工委书记张红军\n\n张红军表示,今年要突出一个主题。") if f.kind == "person"]
    assert [f.title for f in names] == ["党工委书记", None]


def test_bylines_split_names_on_spaces():
    p = _people("正文最后一句。\n记者 李颖 孙庆辉\n通讯员 方宝岭 文图")
    assert set(p) == {"李颖", "孙庆辉", "方宝岭"}
    assert p["孙庆辉"].title == "记者"
    assert p["方宝岭"].title == "通讯员"


def test_not_a_name_after_a_title():
    assert _people("由党工委书记任组长,设四个工作组。") == {}


def test_places():
    facts = _facts("6月25日,郑州高新区与开封兰考县正式签署合作协议。")
    assert {f.name for f in facts if f.kind == "place"} == {"郑州高新区", "开封兰考县"}


def test_role_change_is_visible_across_reports():
    a = _people("郑州高新区党工委副书记、管委会主任张红军表示,高新区将以活动为契机。")
    b = _people("郑州高新区党工委书记张红军如是说。")
    assert a["张红军"].title != b["张红军"].title
    assert a["张红军"].organisation == b["张红军"].organisation == "郑州高新区"


def test_entity_scores_on_own_gold():
    from extract.train import score_entities

    res = score_entities([ROOT / "corpus" / "extra" / "gold"])
    for kind in ("organisation", "person", "place"):
        assert res[kind]["precision"] >= 0.75, (kind, res[kind])
        assert res[kind]["recall"] >= 0.75, (kind, res[kind])
    assert res["person"]["title_accuracy"] >= 0.9
