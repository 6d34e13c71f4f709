"""extract.html: a government press page -> the article body, its title and date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from extract.html import html_to_report
from extract.loader import LoadError
from extract.reports import load_report

FIX = Path(__file__).parent / "fixtures" / "registry"


def _page(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def test_gov_page_keeps_body_drops_furniture():
    rep = html_to_report(_page("gov_page.html"), "gov_page.html")
    assert rep.title == "高新区氢能产业园项目集中签约 总投资48.6亿元"
    assert rep.date == dt.date(2024, 3, 15)
    assert rep.url.endswith("content_123456.htm")
    text = rep.text
    assert text.startswith("3月14日，郑州高新区氢能产业园项目集中签约仪式举行")
    assert "规划面积约2000亩" in text
    # navigation, breadcrumb, share, print, prev/next, sidebar, footer, scripts: gone
    for junk in ("网站首页", "政务公开", "当前位置", "分享到", "打印本页", "上一篇", "热点新闻",
                 "版权所有", "ICP备", "统计代码", "console.log", "责任编辑", "浏览次数", "字号"):
        assert junk not in text, junk
    # paragraphs are lines; a source line break inside Chinese text is not a space
    assert "氢燃料电池电堆生产基地项目" in text
    assert text.count("\n") == 3


def test_page_without_metadata_uses_title_element_and_visible_date():
    rep = html_to_report(_page("gov_page_plain.htm"), "p.htm")
    assert rep.title == "郑州高新区举办第十一期“三个一批”项目开工活动"
    assert rep.date == dt.date(2024, 9, 27)
    assert "北斗产业园孵化基地项目总投资15亿元" in rep.text
    assert "友情链接" not in rep.text and "您现在的位置" not in rep.text and "版权所有" not in rep.text


def test_empty_page_is_a_load_error():
    with pytest.raises(LoadError) as exc:
        html_to_report("<html><body><script>var a=1;</script><nav>首页</nav></body></html>", "e.html")
    assert exc.value.code == "empty"


def test_load_report_routes_html_files_and_offsets_hold(tmp_path):
    p = tmp_path / "page.htm"
    # a GB18030-encoded page: the loader decodes, extract.html parses
    p.write_bytes(_page("gov_page.html").replace('charset="utf-8"', 'charset="gb18030"').encode("gb18030"))
    rep = load_report(p)
    assert rep.source_format == "html"
    assert rep.date == dt.date(2024, 3, 15)
    assert rep.encoding == "gb18030"
    from extract.pipeline import extract_text

    res = extract_text(rep.text, rep.date)
    for f in res.facts:
        assert rep.text[f.start:f.end] == f.text
