"""The editors' report: JSON (OUTPUT.md), Markdown, HTML, and the commands."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

import db.cli  # noqa: F401 - registers every command on the app
from db.checks import run_checks
from db.checks.evaluate import reports_from_gold
from db.report import render_html, render_json, render_markdown, summary
from extract.cli import app

ROOT = Path(__file__).resolve().parent.parent
E5 = ROOT / "corpus" / "extra" / "articles"


@pytest.fixture(scope="module")
def corpus():
    reports, projects = reports_from_gold(ROOT / "corpus" / "gold")
    return reports, run_checks(reports, projects)


def test_json_follows_output_md(corpus):
    reports, items = corpus
    data = json.loads(render_json(items, reports))
    assert set(data) >= {"items"}
    texts = {r.path: r.text for r in reports}
    for it in data["items"]:
        assert {"kind", "severity", "message", "evidence"} <= set(it)
        assert it["severity"] in ("error", "warning", "info")
        for e in it["evidence"]:
            assert {"path", "start", "end", "text"} <= set(e)
            assert texts[e["path"]][e["start"]:e["end"]] == e["text"]
    assert "项目" in render_json(items, reports)  # Chinese unescaped
    first = data["items"][0]
    assert first["kind"] == "sum_mismatch" and first["severity"] == "error"


def test_summary_counts_every_kind(corpus):
    _, items = corpus
    sm = summary(items)
    assert sm["total"] == len(items)
    assert sum(r["count"] for r in sm["rows"]) == len(items)
    assert [r["kind"] for r in sm["rows"]][:2] == ["sum_mismatch", "rate_mismatch"]


def test_markdown_for_mail(corpus):
    reports, items = corpus
    md = render_markdown(items, reports)
    assert md.startswith("# 项目库一致性检查报告")
    assert "| 分项之和与总数不符（sum_mismatch） | 错误 | 2 |" in md
    assert "**347个**" in md and "**173个**" in md


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.marks = []
        self._in_mark = False
        self.title = ""
        self._in_title = False
        self.links = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_mark = tag == "mark"
        self._in_title = tag == "title"
        for k, v in attrs:
            if k in ("src", "href") and v:
                self.links.append(v)

    def handle_endtag(self, tag):
        self._in_mark = False
        self._in_title = False

    def handle_data(self, data):
        if self._in_mark:
            self.marks.append(data)
        if self._in_title:
            self.title += data


def test_html_page_is_self_contained_and_in_chinese(corpus):
    reports, items = corpus
    page = render_html(items, reports, generated="2024-01-01 08:00")
    p = _Collect()
    p.feed(page)
    assert p.title == "项目库一致性检查报告"
    assert '<html lang="zh-CN">' in page
    assert "script" not in p.tags and "link" not in p.tags
    assert all(l.startswith("#") for l in p.links)  # only in-page anchors, nothing fetched
    assert "347个" in p.marks and "突破290亿元" in p.marks
    assert re.search(r'data-severity="error" data-count="2"', page)
    assert page.count('<section class="item') == len(items)


def test_empty_report():
    page = render_html([], [])
    assert "没有发现矛盾" in page
    assert "没有发现矛盾" in render_markdown([], [])
    assert json.loads(render_json([], []))["items"] == []


runner = CliRunner()


def test_check_command_on_files(tmp_path):
    out = tmp_path / "r.json"
    files = [str(E5 / "e5_01_luohe_spring.txt"), str(E5 / "e5_03_luohe_reprint.txt")]
    res = runner.invoke(app, ["check", *files, "-o", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    kinds = {it["kind"] for it in data["items"]}
    assert {"sum_mismatch", "rate_mismatch", "value_conflict", "article_version"} <= kinds
    res = runner.invoke(app, ["check", *files, "--format", "md", "--kinds", "rate_mismatch"])
    assert res.exit_code == 0 and "开工率" in res.output and "sum_mismatch）| 错误 | 0" not in res.output
    bad = runner.invoke(app, ["check", files[0], "--kinds", "nonsense"])
    assert bad.exit_code != 0


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    path = tmp_path_factory.mktemp("reg") / "x.db"
    res = runner.invoke(app, ["ingest", str(E5 / "e5_01_luohe_spring.txt"), str(E5 / "e5_02_luohe_autumn.txt"),
                              "--db", str(path)])
    assert res.exit_code == 0, res.output
    return path


def test_report_command_on_the_registry(registry, tmp_path):
    res = runner.invoke(app, ["report", "--db", str(registry), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout[res.stdout.index("{"):res.stdout.rindex("}") + 1])
    kinds = {it["kind"] for it in data["items"]}
    assert {"sum_mismatch", "value_conflict", "name_variant", "phase_conflict", "date_conflict"} <= kinds
    html = tmp_path / "r.html"
    res = runner.invoke(app, ["report", "--db", str(registry), "-o", str(html), "--since", "2023-09-01"])
    assert res.exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "项目阶段前后矛盾" in page
    missing = runner.invoke(app, ["report", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2


def test_serve_answers_with_chinese_metadata_and_jieba_search(registry, tmp_path):
    import asyncio
    import subprocess
    import sys

    from datasette.app import Datasette

    from db.report_commands import DATASETTE_DIR, build_metadata, write_checks_db

    # the command itself, once, through datasette's --get
    out = subprocess.run([sys.executable, "-m", "db.cli", "serve", "--db", str(registry), "--no-checks",
                          "--get", "/-/metadata.json"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    meta = json.loads(out.stdout)
    assert meta["databases"]["x"]["tables"]["projects"]["title"] == "项目"
    assert "phase" in meta["databases"]["x"]["tables"]["projects"]["facets"]

    # the same setup in-process: jieba search and the check results
    from db.query import load_stored_reports, registry_projects
    from db.store import open_db

    database = open_db(str(registry))
    checks = tmp_path / "checks.db"
    write_checks_db(run_checks(load_stored_reports(database), registry_projects(database)), checks)
    ds = Datasette([str(registry), str(checks)], metadata=build_metadata("x", "checks"),
                   plugins_dir=str(DATASETTE_DIR / "plugins"))

    async def get(path):
        r = await ds.client.get(path)
        assert r.status_code == 200, r.text
        return r.json()

    rows = asyncio.run(get("/x/search.json?q=%E4%B8%AD%E7%B2%AE%E9%9D%A2%E4%B8%9A&_shape=array"))
    assert len(rows) == 2  # 中粮面业: in both reports
    # every canned query runs on the current schema (a sentence is read from the report text)
    history = asyncio.run(get("/x/project_facts.json?name=%E4%B8%AD%E7%B2%AE&_shape=array"))
    assert history and all(r["句子"] and r["原文写法"] in r["句子"].replace("\n", "") for r in history)
    items = asyncio.run(get("/checks/inconsistencies.json?_shape=array"))
    assert any(r["kind"] == "date_conflict" and r["kind_label"] == "同一事件日期不一" for r in items)
