"""Dates: focused cases, the traps of the corpus, offsets, and the quality bar."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

import patterns
from extract import dates
from extract.doc import Doc
from extract.evaluate import evaluate
from extract.pipeline import extract_text

ROOT = Path(__file__).resolve().parent.parent


def run(text: str, ref: str | None = "2023-01-30"):
    doc = Doc.from_text(text)
    doc.reference_date = dt.date.fromisoformat(ref) if ref else None
    return dates.extract(doc)


def brief(facts):
    return [
        (f.text, f.date_start and f.date_start.isoformat(), f.date_end and f.date_end.isoformat(),
         f.granularity, f.date_kind)
        for f in facts
    ]


CASES = [
    # full and partial dates; spaces and a PDF line break inside the date
    ("2023 年 1 月 28 日，全省第七期", "2023-05-15", [("2023 年 1 月 28 日", "2023-01-28", "2023-01-28", "day", "point")]),
    ("完成入库……1 月 19\n日，春节期间不停产的", "2023-01-30", [("1 月 19\n日", "2023-01-19", "2023-01-19", "day", "point")]),
    ("10月\n12日，高新区与清华大学签署协议", "2021-10-16", [("10月\n12日", "2021-10-12", "2021-10-12", "day", "point")]),
    ("本报讯 5月9日下午，张红军会见", "2023-05-15", [("5月9日", "2023-05-09", "2023-05-09", "day", "point")]),
    ("6月25日，郑开同城化合作项目签约", "2022-06-28", [("6月25日", "2022-06-25", "2022-06-25", "day", "point")]),
    # lunar dates, converted (Spring Festival 2023 = 22 January, 2024 = 10 February)
    ("正月初七，春节假期后上班首日", "2023-01-29", [("正月初七", "2023-01-28", "2023-01-28", "day", "point")]),
    ("早在腊月二十三，经开区就召开调度会", "2024-02-20", [("腊月二十三", "2024-02-02", "2024-02-02", "day", "point")]),
    ("将在正月十五前后举办推介会", "2024-02-20", [("正月十五", "2024-02-24", "2024-02-24", "day", "point")]),
    # months, parts of months, spans
    ("1-5月份，高新区固定资产投资", "2022-06-28", [("1-5月份", "2022-01-01", "2022-05-31", "month", "span")]),
    ("1月至8月，全区实现", "2021-10-16", [("1月至8月", "2021-01-01", "2021-08-31", "month", "span")]),
    ("今年1-9月份，全区新签约", "2021-10-16", [("今年1-9月份", "2021-01-01", "2021-09-30", "month", "span")]),
    ("9月下旬，高新区召开", "2021-10-16", [("9月下旬", "2021-09-21", "2021-09-30", "month", "span")]),
    ("2月下旬完成手续办理", "2024-02-20", [("2月下旬", "2024-02-21", "2024-02-29", "month", "span")]),
    ("项目于2月底试生产", "2024-03-13", [("2月底", "2024-02-21", "2024-02-29", "month", "span")]),
    ("3月初一批项目开工", "2024-03-13", [("3月初", "2024-03-01", "2024-03-10", "month", "span")]),
    ("5月6日至8日，高新区组织", "2020-05-20", [("5月6日至8日", "2020-05-06", "2020-05-08", "day", "span")]),
    ("计划2020年至2022年全部建成", "2019-12-17", [("2020年至2022年", "2020-01-01", "2022-12-31", "year", "span")]),
    # quarters, halves, years, year parts
    ("奋力实现一季度“开门红”", "2023-01-29", [("一季度", "2023-01-01", "2023-03-31", "quarter", "span")]),
    ("前三季度，全区规上工业", "2021-10-16", [("前三季度", "2021-01-01", "2021-09-30", "quarter", "span")]),
    ("高新区拼出首季“开门红”", "2023-05-15", [("首季", "2023-01-01", "2023-03-31", "quarter", "span")]),
    ("明年一季度正式投产", "2021-10-16", [("明年一季度", "2022-01-01", "2022-03-31", "quarter", "span")]),
    ("争取下半年新入库一批", "2024-08-21", [("下半年", "2024-07-01", "2024-12-31", "half", "span")]),
    ("奋战二季度、实现半年红", "2023-05-15", [("二季度", "2023-04-01", "2023-06-30", "quarter", "span"),
                                    ("半年", "2023-01-01", "2023-06-30", "half", "span")]),
    ("2022年公司仅上半年就完成产值", "2023-01-30", [("2022年", "2022-01-01", "2022-12-31", "year", "span"),
                                        ("上半年", "2022-01-01", "2022-06-30", "half", "span")]),
    ("今年以来，在市委坚强领导下", "2022-06-28", [("今年", "2022-01-01", "2022-12-31", "year", "span")]),
    ("去年以来，郑州高新区组织", "2023-01-30", [("去年", "2022-01-01", "2022-12-31", "year", "span")]),
    ("过去一年，辖区创新主体", "2023-01-29", [("过去一年", "2022-01-01", "2022-12-31", "year", "span")]),
    ("今年年初，高新区印发", "2022-06-28", [("今年年初", "2022-01-01", "2022-03-31", "quarter", "span")]),
    ("在每年年初召开的大会上", "2022-06-28", [("年初", "2022-01-01", "2022-03-31", "quarter", "span")]),
    ("确保今冬明春供热顺利运行", "2024-08-21", [("今冬明春", "2024-11-01", "2025-03-31", "month", "span")]),
    # as-of dates and deadlines
    ("截至5月31日，指数平台认证企业", "2022-06-28", [("截至5月31日", None, "2022-05-31", "day", "asof")]),
    ("截至 2022年底已达效 6个", "2023-01-30", [("截至 2022年底", None, "2022-12-31", "year", "asof")]),
    ("截至9月底，全区", "2021-10-16", [("截至9月底", None, "2021-09-30", "month", "asof")]),
    ("等8月底前开工", "2024-08-21", [("8月底前", None, "2024-08-31", "month", "deadline")]),
    ("力争2024年底前,与中原环保合作", "2024-08-21", [("2024年底前", None, "2024-12-31", "year", "deadline")]),
    ("二期项目10月底前完成主体封顶", "2021-10-16", [("10月底前", None, "2021-10-31", "month", "deadline")]),
    ("到2026年底省级以上研发平台突破200个", "2024-02-20", [("到2026年底", None, "2026-12-31", "year", "deadline")]),
    ("到2月底产能已恢复到80%", "2020-05-20", [("2月底", "2020-02-21", "2020-02-29", "month", "span")]),
    ("确保年内全部开工", "2025-07-11", [("年内", None, "2025-12-31", "year", "deadline")]),
    # relative days
    ("数字于昨日再度被刷新", "2023-01-30", [("昨日", "2023-01-29", "2023-01-29", "day", "point")]),
    ("上周一召开推进会", "2023-01-30", [("上周一", "2023-01-23", "2023-01-23", "day", "point")]),
    # year-less dates around the turn of the year (documented rule)
    ("12月25日，3#楼主体结构顺利封顶", "2023-01-10", [("12月25日", "2022-12-25", "2022-12-25", "day", "point")]),
    ("力争3月底前完成供地", "2023-11-20", [("3月底前", None, "2024-03-31", "month", "deadline")]),
    ("12月上旬将举办博览会", "2021-10-16", [("12月上旬", "2021-12-01", "2021-12-10", "month", "span")]),
    # a deadline stays a deadline before a number that counts something else
    ("确保6月底前一批项目开工投产", "2024-04-09", [("6月底前", None, "2024-06-30", "month", "deadline")]),
    ("确保9月底前所有重点项目全部开工", "2023-08-11", [("9月底前", None, "2023-09-30", "month", "deadline")]),
    ("确保6月底前进场施工", "2023-04-01", [("6月底前", None, "2023-06-30", "month", "deadline")]),
    ("年底前提交申报材料", "2023-04-01", [("年底前", None, "2023-12-31", "year", "deadline")]),
    # … a deadline a few months back is this year's, recalled after the fact
    ("按照“5月底前全部开工”的要求，项目已全部开工", "2023-08-11",
     [("5月底前", None, "2023-05-31", "month", "deadline")]),
    ("对6月底前未能按期开工的项目实行约谈", "2024-10-09", [("6月底前", None, "2024-06-30", "month", "deadline")]),
    ("项目已于2月底试生产，预计二季度全面达产", "2024-04-09",
     [("2月底", "2024-02-21", "2024-02-29", "month", "span"), ("二季度", "2024-04-01", "2024-06-30", "quarter", "span")]),
    # 年末 / 年底 name the year-end day
    ("2022年末，示范区市场主体总量达到3.6万户", "2023-08-11", [("2022年末", "2022-12-31", "2022-12-31", "day", "point")]),
    ("较2022年底增长11.1%", "2023-08-11", [("2022年底", "2022-12-31", "2022-12-31", "day", "point")]),
    ("预计年底投入运营", "2022-11-03", [("年底", "2022-12-31", "2022-12-31", "day", "point")]),
    ("截至2023年末，经开区在库项目", "2024-01-08", [("截至2023年末", None, "2023-12-31", "year", "asof")]),
]


@pytest.mark.parametrize("text,ref,expected", CASES)
def test_cases(text, ref, expected):
    assert brief(run(text, ref)) == expected


NOT_DATES = [
    "节约审批时间2个工作日。",
    "一部署九分落实。",
    "累计走访企业1999家次",
    "已为2173家企业的创新能力进行综合量化评价",
    "新建年产 150万只气体传感器生产线项目",
    "全力支持图灵小镇、863产业园建设",
    "深入推进安全生产治本攻坚3年行动",
    "并力争通过一到两年时间，逐步深化",
    "加快实施“十四五”总体规划，做好“十五五”规划编制",
    "全省第七期“三个一批”项目建设活动",
    "春节假期后，新春伊始，骄阳似火，盛夏如炉",
    "从一纸蓝图到喜封金顶仅用时半年",
    "谋划3-5个新的城市更新项目",
    "坚持“一周一调度、一月一观摩、一季一评比”",
    "达产后年产值可达15亿元",
    "优化营商环境是今年的“一号工程”，3号线、12号楼",
    "每月15日前报送",
    "3日内办结，近年来，两年来，日前，近日，目前",
    # rolling windows are durations (patterns/dates.yaml recent_years_are_dates)
    "近两年，经开区先后引进世界500强企业5家",
    "近三年来，高新区累计引进企业126家；近5年示范区累计实施项目186个；过去三年",
    # 后年 after a stage verb: "after …, yearly …"
    "项目达产后年营收4.5亿元，运营后年收入可达9亿元",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_dates(text):
    got = [f.text for f in run(text, "2023-05-15") if f.text not in ("今年",)]
    assert got == []


def test_relative_and_lunar_flags():
    facts = run("正月初七，今年，昨日，6月25日", "2023-01-30")
    flags = {f.text: (f.lunar, f.relative) for f in facts}
    assert flags == {"正月初七": (True, False), "今年": (False, True), "昨日": (False, True),
                     "6月25日": (False, False)}


def test_without_reference_date_nothing_is_invented():
    facts = {f.text: (f.date_start, f.date_end) for f in run("2022年7月14日，今年，6月25日，一季度，截至2022年底", None)}
    assert facts["2022年7月14日"] == (dt.date(2022, 7, 14), dt.date(2022, 7, 14))
    assert facts["截至2022年底"] == (None, dt.date(2022, 12, 31))
    for text in ("今年", "6月25日", "一季度"):
        assert facts[text] == (None, None)


def test_rules_are_data():
    data = patterns.load("dates")
    for key in ("relative_years", "month_parts", "asof_prefixes", "deadline_suffixes", "future_markers",
                "half_year_collocations", "day_blockers", "blockers_after"):
        assert data[key], key
    # the engine reads the word lists: a relative-year word from the file is recognised
    assert "去年" in data["relative_years"] and run("去年", "2023-05-15")[0].date_start == dt.date(2022, 1, 1)


ARTICLES = sorted((ROOT / "corpus" / "articles").glob("*.txt")) + sorted(
    (ROOT / "corpus" / "extra" / "articles").glob("*.txt"))


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_offsets_are_exact(path):
    text = path.read_text(encoding="utf-8")
    res = extract_text(text, kinds=["date"])
    for f in res.facts:
        assert text[f.start:f.end] == f.text
        if f.date_start and f.date_end:
            assert f.date_start <= f.date_end, f
        if f.date_kind in ("asof", "deadline"):
            assert f.date_start is None


def _score(gold_dir: Path):
    ev = evaluate(gold_dir, kinds=["date"])
    return ev.kinds["date"]


def test_quality_on_corpus_gold_with_inferred_reference_dates():
    sc = _score(ROOT / "corpus" / "gold")
    assert sc.f1 >= 0.97, sc.to_dict()
    assert sc.accuracy("start") >= 0.95 and sc.accuracy("end") >= 0.95, sc.to_dict()
    assert sc.accuracy("granularity") >= 0.95 and sc.accuracy("kind") >= 0.95, sc.to_dict()


def test_quality_on_own_extra_gold(tmp_path):
    extra = ROOT / "corpus" / "extra"
    (tmp_path / "gold").mkdir()
    (tmp_path / "articles").mkdir()
    golds = sorted((extra / "gold").glob("e2_*.json"))
    assert len(golds) >= 4
    for g in golds:
        shutil.copy(g, tmp_path / "gold" / g.name)
        art = g.with_suffix(".txt").name
        shutil.copy(extra / "articles" / art, tmp_path / "articles" / art)
    sc = _score(tmp_path / "gold")
    assert sc.tp >= 150
    assert sc.f1 >= 0.97, sc.to_dict()
    assert sc.accuracy("start") >= 0.95 and sc.accuracy("end") >= 0.95, sc.to_dict()
    assert sc.accuracy("granularity") >= 0.95 and sc.accuracy("kind") >= 0.95, sc.to_dict()


from hypothesis import given, settings, strategies as st  # noqa: E402

_ALPHABET = list("0123456789年月日号季度上下半旬初底末前至到截今去明昨正腊十一二三四五六七八九廿第首周星期\n ，。、-")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40), st.sampled_from([None, "2023-01-30", "2024-02-29"]))
def test_any_text_gives_well_formed_facts(text, ref):
    for f in run(text, ref):
        assert text[f.start:f.end] == f.text and f.text.strip()
        if f.date_start and f.date_end:
            assert f.date_start <= f.date_end
