"""The report's reference date: from the file itself, else inferred from the text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from extract.doc import Doc
from extract.pipeline import extract_text
from extract.refdate import from_file, infer_reference_date

ROOT = Path(__file__).resolve().parent.parent


def infer(text: str):
    return infer_reference_date(Doc.from_text(text))


@pytest.mark.parametrize(
    "head,expected",
    [
        ("---\ndate: 2023-01-29\ntitle: x\n---\n", "2023-01-29"),
        ("2023年1月29日 星期日\n", "2023-01-29"),
        ("发布时间：2023-01-29 10:30  来源：郑州日报\n", "2023-01-29"),
        ("日期: 2022/6/28\n", "2022-06-28"),
        ("　２０２４年８月２２日（星期四）\n", "2024-08-22"),
        # page and web headers with other matter on the line (full-width digits fold)
        ("驻马店日报　２０２４年１月８日　星期一　第０３版\n", "2024-01-08"),
        ("周口晚报　2022年11月3日　星期四　A02版\n", "2022-11-03"),
        ("标题\n来源：商丘日报　2023-08-11\n", "2023-08-11"),
        ("2021-03-06 08:30 来源：洛阳日报\n", "2021-03-06"),
        ("２０２１年３月６日，星期六\n", "2021-03-06"),
        ("作者：张三　2021-03-06\n", "2021-03-06"),
    ],
)
def test_dateline_or_front_matter_is_given(head, expected):
    text = head + "标题\n\n6月25日，郑开同城化合作项目签约仪式举行。2019年以来，项目累计完成投资。\n"
    assert infer(text) == (dt.date.fromisoformat(expected), "given")


@pytest.mark.parametrize("line", ["2021年3月5日洛阳高新区举行项目集中签约\n", "2021年3月5日电网项目开工\n",
                                  "2021年3月5日高新区召开新闻发布会\n"])
def test_a_title_with_a_date_is_not_a_dateline(line):
    assert from_file(line + "正文。\n") is None


def test_the_dateline_does_not_swallow_the_first_body_date():
    r = extract_text("信阳高新区一季度项目建设实现“开门红”\n发布时间：2024-04-09\n4月8日，信阳高新区召开推进会。\n")
    assert (r.reference_date, r.reference_date_source) == (dt.date(2024, 4, 9), "given")
    days = [(f.text, f.date_start) for f in r.facts if f.kind == "date" and f.granularity == "day"]
    assert days == [("2024-04-09", dt.date(2024, 4, 9)), ("4月8日", dt.date(2024, 4, 8))]


def test_a_date_in_a_body_sentence_is_not_a_dateline():
    text = "标题\n 2023 年 1 月 28 日，全省第七期“三个一批”项目建设活动中，郑州高新区共有 12个项目。\n"
    assert from_file(text) is None
    assert infer(text) == (dt.date(2023, 1, 29), "inferred")


def test_year_from_past_full_dates_and_asof_beats_counting_mentions():
    text = (
        "2022年 12月 25日，3#楼封顶。2022年 7月 14日，项目摘牌。入选“2022年河南省智能工厂”。"
        "2022年公司仅上半年就完成产值。截至2022年底已开工14个。"
        "2023年 1月 16日，在郑州高新区召开的 2023年高质量发展大会上，重奖企业。"
    )
    d, src = infer(text)
    assert src == "inferred" and d == dt.date(2023, 1, 17)


def test_day_after_the_latest_past_event_not_after_plans():
    text = "今年以来，2022年计划投资额406.9亿元。6月18日，项目开工。6月25日，签约仪式举行。确保9月底前开工，12月上旬将举办博览会。"
    assert infer(text) == (dt.date(2022, 6, 26), "inferred")


def test_separate_yesterday_is_a_later_day():
    base = "2023年高质量发展大会召开。1月28日，节后上班首日，开工率74.3%；"
    assert infer(base + "数字于昨日再度被刷新。")[0] == dt.date(2023, 1, 30)
    assert infer(base + "数字再度被刷新。")[0] == dt.date(2023, 1, 29)


def test_finished_periods_bound_the_day():
    text = "2022年计划投资额406.9亿元。1-5月份，完成固定资产投资131.1亿元，增速115%。"
    assert infer(text)[0] == dt.date(2022, 6, 1)
    # a goal for the first half says nothing about the publication day
    text2 = "2024年项目建设开局。力争上半年新签约项目签约额突破150亿元。1月26日，签署协议。"
    assert infer(text2)[0] == dt.date(2024, 1, 27)


def test_historical_years_only_bound_the_year():
    assert infer("北京阿帕科蓝科技有限公司成立于2017年，是一家交通科技公司。5月9日下午，双方会见。") == (None, None)


def test_campaign_words_date_a_text_without_a_year():
    text = ("今年以来，高新区全力拼经济，强力推进“三标”行动，7个“保交楼”项目超进度推进。"
            "5月12日，大会举行。5月9日下午，双方会见。5月6日上午，双方会见。")
    assert infer(text) == (dt.date(2023, 5, 13), "inferred")


def test_words_in_use_for_many_years_date_nothing():
    text = "今年以来，高新区坚持“项目为王”，深入开展“万人助万企”活动。3月12日，项目集中开工。"
    assert infer(text) == (None, None)
    res = extract_text(text)
    assert res.reference_date is None
    assert all(f.date_start is None and f.date_end is None for f in res.of_kind("date"))


def test_nothing_at_all():
    assert infer("高新区召开会议，部署重点工作。") == (None, None)


def _gold_files():
    out = sorted((ROOT / "corpus" / "gold").glob("0*.json"))
    out += sorted((ROOT / "corpus" / "extra" / "gold").glob("e2_*.json"))
    return out


@pytest.mark.parametrize("gold_path", _gold_files(), ids=lambda p: p.name)
def test_reference_dates_of_annotated_reports(gold_path):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    art = gold_path.parent.parent / "articles" / gold["article"]
    d, src = infer(art.read_text(encoding="utf-8"))
    want = dt.date.fromisoformat(gold["reference_date"])
    assert d is not None and src in ("given", "inferred")
    assert d.year == want.year
    assert abs((d - want).days) <= 3, (d, want)


def test_a_past_year_end_bounds_the_year_over_a_far_goal():
    text = ("11月2日，港区召开前三季度经济运行会。2021年末，港区集装箱吞吐量为8.6万标箱；"
            "今年前三季度已完成9.2万标箱，超过2021年全年水平。力争到2025年底，地区生产总值突破200亿元。")
    assert infer(text) == (dt.date(2022, 11, 3), "inferred")
    # a year-end goal is no lower bound
    assert infer("8月10日，会议召开。2023年计划完成投资90亿元，预计年底投入运营。")[0] == dt.date(2023, 8, 11)


def test_a_day_level_asof_keeps_its_month_open():
    text = "2020年复工复产推进会召开。截至2月19日，全区已复工企业120家；2月份，全区已签约项目5个。"
    assert infer(text)[0] == dt.date(2020, 2, 20)
    # without the as-of date, the finished month bounds the day
    assert infer("2020年复工复产推进会召开。2月份，全区已签约项目5个。")[0] == dt.date(2020, 3, 1)
