"""Money amounts (extract/money.py): gold thresholds, tricky cases, offsets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from extract import money
from extract.doc import Doc
from extract.evaluate import gold_items, load_gold, score_kind

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIRS = {"corpus": ROOT / "corpus" / "gold", "extra": ROOT / "corpus" / "extra" / "gold"}


def score(gold_dir: Path, kind: str, extractor):
    """Score one extractor alone against a gold folder (isolated from the others)."""
    from extract.evaluate import KindScore

    total = KindScore()
    for _, gold, text in load_gold(gold_dir):
        if "amounts" not in (gold.get("kinds") or ["amounts"]):
            continue
        doc = Doc.from_text(text)
        items = [i for i in gold_items(gold, text) if i.kind == kind]
        total.add(score_kind(kind, items, extractor(doc), text))
    return total


def amounts(text: str):
    return money.extract(Doc.from_text(text))


def one(text: str):
    got = amounts(text)
    assert len(got) == 1, [a.text for a in got]
    return got[0]


# --- gold thresholds (a regression fails CI) ---------------------------------


@pytest.mark.parametrize("which", ["corpus", "extra"])
def test_gold_thresholds(which):
    sc = score(GOLD_DIRS[which], "amount", money.extract)
    assert sc.tp > 20
    assert sc.f1 == 1.0, (sc.misses, sc.false_alarms)
    assert sc.accuracy("value_yuan") == 1.0, sc.field_errors
    assert sc.accuracy("currency") == 1.0, sc.field_errors
    assert sc.accuracy("qualifier") >= 0.98, sc.field_errors
    # measured: role 1.000 / 1.000, target 1.000 / 1.000 (corpus / extra, e8 included)
    assert sc.accuracy("role") >= 0.97, sc.field_errors
    assert sc.accuracy("target") >= 0.97, sc.field_errors


# --- values, spans and qualifiers ---------------------------------------------


def test_pdf_line_break_inside_amount():
    a = one("2022年公司仅上半年就完成产值 47.75\n亿元，")
    assert a.text == "47.75\n亿元"
    assert a.value_yuan == 4775000000
    assert a.role == "output_value"


def test_qualifier_kept_out_of_text_across_a_line_break():
    text = (ROOT / "corpus" / "articles" / "003_1691637617b0ce51.txt").read_text(encoding="utf-8")
    i = text.index("签约额突破\n400亿元")
    a = next(x for x in money.extract(Doc.from_text(text)) if x.start > i)
    assert a.text == "400亿元" and a.qualifier == "over" and a.target is True
    assert a.role == "contract_value"
    # a break the normaliser keeps (short lines) still lets the word qualify
    assert one("签约额突破\n400亿元、").qualifier == "over"
    b = one("制造业招商项目签约额突破 180亿元、")
    assert b.text == "突破 180亿元" and b.qualifier == "over"


@pytest.mark.parametrize(
    "text,value,qual",
    [
        ("总投资约465亿元", 46500000000, "approx"),
        ("管理资金超过1500亿元", 150000000000, "over"),
        ("营业收入1500万元以上的企业", 15000000, "over"),
        ("投资100亿元左右", 10000000000, "approx"),
        ("贷款不足500万元", 5000000, "under"),
        ("奖励资金1000多万元", 10000000, "over"),
        ("稳岗返还资金2400余万元", 24000000, "over"),
        ("给予最高200万元奖励", 2000000, "under"),
        ("总投资三十五亿元", 3500000000, "exact"),
        ("总投资1.2万亿元", 1200000000000, "exact"),
        ("总投资１２６．８亿元", 12680000000, "exact"),
        ("规上工业总产值突破千亿元", 100000000000, "over"),
        ("营业收入1,286亿元", 128600000000, "exact"),
        ("总投资一百零五亿元", 10500000000, "exact"),
    ],
)
def test_values_and_qualifiers(text, value, qual):
    a = one(text)
    assert a.value_yuan == value
    assert a.qualifier == qual


def test_160_7_yi_is_exact_integer():
    a = one("总投资额160.7亿元")
    assert a.value_yuan == 16070000000 and isinstance(a.value_yuan, int)


@pytest.mark.parametrize(
    "text,low,high",
    [
        ("单体投资多在3-5亿元之间", 300000000, 500000000),
        ("投资3亿至5亿元", 300000000, 500000000),
        ("总投资15亿元至20亿元的商业航天项目", 1500000000, 2000000000),
        ("给予300万至500万元的一次性奖励", 3000000, 5000000),
    ],
)
def test_ranges(text, low, high):
    a = one(text)
    assert (a.value_yuan, a.value_max_yuan) == (low, high)


@pytest.mark.parametrize(
    "text,iso,value",
    [
        ("引进外资8000万美元", "USD", 80000000),
        ("总投资1.6亿欧元的德资项目", "EUR", 160000000),
        ("增资约3亿港元", "HKD", 300000000),
        ("合同外资达到120亿日元", "JPY", 12000000000),
        ("投资1.2亿新加坡元建设", "SGD", 120000000),
        ("售价300英镑", "GBP", 300),
        ("价格￥300", "CNY", 300),
        ("8亿元人民币", "CNY", 800000000),
    ],
)
def test_currencies(text, iso, value):
    a = one(text)
    assert (a.currency, a.value_yuan) == (iso, value)


def test_subunits_are_exact_in_parse_amount():
    value, vmax, iso = money.parse_amount("这个手机壳五元三毛")
    assert value == Decimal("5.3") and vmax is None and iso == "CNY"
    value, _, iso = money.parse_amount("这台电脑两美元又三美分")
    assert value == Decimal("2.03") and iso == "USD"
    # the fact's integer field rounds to whole units
    assert one("这个手机壳五元三毛").value_yuan == 5


@pytest.mark.parametrize(
    "text",
    [
        "江苏彩民中大乐透1600万 奖池36.57亿",  # no currency word
        "推行“一元化”审批管理模式",
        "打造百亿元级产业集群",
        "数千万元的订单",
        "每万元GDP能耗下降",
        "人民币 美元",
        "五角大楼宣布了作战计划",
        "分成三块地出让",
        "新签约亿元以上项目50个",
    ],
)
def test_not_amounts(text):
    assert amounts(text) == []


def test_fullwidth_comma_between_ascii_digits_separates_two_prices():
    got = amounts("在下面的价格中选一个，$20，300美圆, ￥300, ok?")
    assert [(a.text, a.value_yuan, a.currency) for a in got] == [
        ("$20", 20, "USD"), ("300美圆", 300, "USD"), ("￥300", 300, "CNY")]


# --- roles and targets ------------------------------------------------------------


@pytest.mark.parametrize(
    "text,role",
    [
        ("年度计划投资194亿元", "planned_investment"),
        ("完成固定资产投资131.1亿元", "completed_investment"),
        ("确保完成下半年安置房建成83万平方米、投资38亿元的目标任务", "completed_investment"),
        ("新开工项目投资额290亿元", "total_investment"),
        ("领到了这笔25万元的政策奖励资金", "subsidy"),
        ("设立50亿元的外资产业引导基金", "fund_size"),
        ("促成贷款118笔26亿元", "financing"),
        ("全社会消费品零售总额完成53.1亿元", "retail_sales"),
        ("GDP总量完成152.0亿元", "gdp"),
        ("外贸进出口总额68.7亿元", "other"),
        ("技术合同成交额达到170.5亿元", "tech_trade"),
        ("另有一家法国企业以1.8亿欧元设立区域总部", "total_investment"),
        ("规上工业总产值突破１０００亿元，达到1032.6亿元", "output_value"),
        # the size of the projects counted after it (…的项目N个): total investment
        ("签约总额468亿元，其中超10亿元的项目12个", "total_investment"),
        ("签约额120亿元，其中超过50亿元的项目5个", "total_investment"),
        # a size class named as a category (…以上项目N个): other, not the earlier clause's role
        ("签约总额328亿元，其中百亿级项目2个、50亿元以上项目4个", "other"),
        ("可带动周边农民增收约3000万元", "other"),
        ("建成后可实现年产值30亿元，年纳税约1.5亿元", "other"),
        ("力争上半年固定资产投资增长12%以上，全年争取上级资金10亿元以上", "other"),
        ("全年落实减税降费近3亿元", "subsidy"),
        ("落实减税降费及退税缓税1.9亿元", "subsidy"),
    ],
)
def test_roles(text, role):
    assert amounts(text)[-1].role == role


@pytest.mark.parametrize(
    "text,target",
    [
        ("定下目标：力争实现新签约项目签约额突破400亿元、新开工项目投资额290亿元、制造业招商项目签约额突破180亿元。", [True, True, True]),
        ("2022年计划投资额406.9亿元，其中……", [True]),
        ("郑州高新区共有12个项目，总投资额160.7亿元，以“起步即冲刺”的姿态。", [False]),
        ("重点推进总投资180亿元的国电投源网荷储一体化项目。", [False]),
        ("围绕完成年度目标，要建立上半年营业收入超过1500万元、经济效益好的企业培育库。", [False]),
        ("力争全年签约额突破100亿元，截至5月底已完成签约45亿元。", [True, False]),
        ("“我们今年计划把研发总部迁到这里，追加投资约8000万美元。”", [True]),
        ("就在“跑出加速度，确保高质量”的关键节点上，兑现奖补资金5.13亿元。", [False]),
        # funds obtained, not sought
        ("经开区主动对接政策，争取到上级资金9.86亿元，协调金融机构新增贷款26亿元到位。", [False, False]),
        ("示范区积极向上争取，共争取了各类资金3.2亿元，争取到专项债券额度5.6亿元。", [False, False]),
        ("今年以来已争取专项债资金6.3亿元、中央预算内资金1.1亿元。", [False, False]),
        ("力争全年争取上级资金10亿元以上。", [True]),
        # 到位 after the figure: reached, unless the goal word is in its own clause
        ("为确保项目建设资金需求，高新区协调银行贷款2.4亿元到位。", [False]),
        ("确保项目建设资金3亿元到位。", [True]),
        # projections are plan figures
        ("一期已于10月建成投产，全部投产后可实现产值50亿元、税收2亿元。", [True, True]),
        ("项目达产后年营收4.5亿元，可带动周边农民增收约3000万元。", [True, True]),
        ("预计可实现年销售收入8亿元。", [True]),
        ("该项目去年投产后，当年实现产值2亿元。", [False]),
        # a deadline is a commitment
        ("年底前完成投资20亿元。", [True]),
    ],
)
def test_targets(text, target):
    assert [a.target for a in amounts(text)] == target


# --- offsets -----------------------------------------------------------------------


def _all_texts():
    for d in GOLD_DIRS.values():
        for _, _, text in load_gold(d):
            yield text


def test_offsets_are_sacred():
    n = 0
    for text in _all_texts():
        doc = Doc.from_text(text)
        for a in money.extract(doc):
            assert text[a.start:a.end] == a.text
            assert a.sentence_start <= a.start < a.end <= a.sentence_end
            n += 1
    assert n > 100
