"""Query functions and commands: projects, project, facts, articles, search, corrections."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from db import store
from db.cli import app
from db.query import list_projects, parse_money
from db.reconcile import reconcile
from db.search import query_words, search, segment
from extract.models import Amount, Count, DateFact, Project

runner = CliRunner()


def _report(text: str, date: str, path: str, projects: list[dict], extra_facts=()):
    """A stored-report record with project facts located in ``text`` (no extractor needed)."""
    facts = list(extra_facts)
    for p in projects:
        i = text.index(p["text"])
        ss = text.rfind("。", 0, i) + 1
        se = text.find("。", i) + 1
        facts.append(Project(start=i, end=i + len(p["text"]), text=p["text"], name="".join(p["text"].split()),
                             sentence_start=ss, sentence_end=se,
                             **{k: v for k, v in p.items() if k != "text"}).model_dump(mode="json"))
    facts.sort(key=lambda f: (f["start"], f["end"]))
    return {"sha256": store.content_hash(text), "path": path, "title": path, "url": None,
            "reference_date": date, "reference_date_source": "given", "encoding": "utf-8", "source_format": "txt",
            "text": text, "facts": facts, "title_words": segment(path), "body_words": segment(text)}


A = "2023年1月28日，全省第七期“三个一批”活动中，雄韬氢能产业园项目签约，总投资50亿元的盛鼎建筑科技产业园项目开工。"
B = "2023年6月28日，河南鼎盛建筑科技产业园项目竣工。屹锂科技固态电池研发生产基地项目总投资110亿元，已开工建设。"
C = "2024年8月21日，高新区推进国电投源网荷储一体化项目，并谋划智能传感谷。"


@pytest.fixture
def dbp(tmp_path):
    p = tmp_path / "q.db"
    db = store.open_db(p)
    i = A.index("50亿元")
    d = A.index("2023年1月28日")
    store.store_report(db, _report(A, "2023-01-29", "a.txt", [
        {"text": "雄韬氢能产业园项目", "phase": "signed", "batch": 7, "batch_list": "sign"},
        {"text": "盛鼎建筑科技产业园项目", "phase": "started", "batch": 7, "batch_list": "start",
         "investment_yuan": 5_000_000_000},
    ], extra_facts=[
        Amount(start=i, end=i + 5, text="50亿元", value_yuan=5_000_000_000, role="total_investment",
               sentence_start=0, sentence_end=len(A)).model_dump(mode="json"),
        DateFact(start=d, end=d + 10, text="2023年1月28日", date_start="2023-01-28", date_end="2023-01-28",
                 sentence_start=0, sentence_end=len(A)).model_dump(mode="json"),
    ]))
    store.store_report(db, _report(B, "2023-06-29", "b.txt", [
        {"text": "河南鼎盛建筑科技产业园项目", "phase": "completed"},
        {"text": "屹锂科技固态电池研发生产基地项目", "phase": "started", "investment_yuan": 11_000_000_000},
    ]))
    store.store_report(db, _report(C, "2024-08-22", "c.txt", [
        {"text": "国电投源网荷储一体化项目", "phase": "under_construction"},
        {"text": "智能传感谷", "phase": "planned"},
    ], extra_facts=[Count(start=0, end=1, text="2", value=2, sentence_start=0, sentence_end=1).model_dump(mode="json")]))
    reconcile(db)
    db.close()
    return str(p)


def run(*args):
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def projects_json(dbp, *args):
    return json.loads(run("projects", "--db", dbp, "--format", "json", *args))


def test_projects_json_shape_per_output_md(dbp):
    rows = projects_json(dbp)
    assert len(rows) == 5
    for r in rows:
        assert {"id", "name", "aliases", "phase", "investment_yuan", "mentions"} <= set(r)
        assert isinstance(r["id"], int) and isinstance(r["aliases"], list)
        for m in r["mentions"]:
            assert set(m) >= {"path", "start", "end", "text"}
    sd = next(r for r in rows if "盛鼎" in r["name"] or "鼎盛" in r["name"])
    assert len(sd["mentions"]) == 2 and sd["phase"] == "completed" and sd["investment_yuan"] == 5_000_000_000
    assert {m["path"] for m in sd["mentions"]} == {"a.txt", "b.txt"}
    texts = {"a.txt": A, "b.txt": B}
    for m in sd["mentions"]:
        assert texts[m["path"]][m["start"]:m["end"]] == m["text"]


def test_project_filters(dbp):
    names = lambda rows: sorted(r["name"] for r in rows)  # noqa: E731
    assert len(projects_json(dbp, "--min-investment", "60亿")) == 1
    assert len(projects_json(dbp, "--min-investment", "50亿")) == 2
    assert len(projects_json(dbp, "--min-investment", "5000万")) == 2
    assert names(projects_json(dbp, "--phase", "开工")) == ["屹锂科技固态电池研发生产基地"]
    assert names(projects_json(dbp, "--phase", "signed")) == ["雄韬氢能产业园"]
    assert len(projects_json(dbp, "--batch", "7")) == 2
    # report dates (the old --since/--until)
    assert len(projects_json(dbp, "--reported-since", "2024-01-01")) == 2
    assert len(projects_json(dbp, "--reported-until", "2023-02-01")) == 2
    assert len(projects_json(dbp, "--reported-since", "2023-06-01", "--reported-until", "2023-12-31")) == 2
    # stage dates: 盛鼎 started on the day A's sentence gives, and is completed now
    started = projects_json(dbp, "--phase", "开工", "--since", "2023-01-01", "--until", "2023-12-31")
    assert names(started) == names(projects_json(dbp, "--name", "盛鼎")) and started[0]["phase"] == "completed"
    assert started[0]["stages"]["started"]["date"] == "2023-01-28"
    # B gives no date: its stages count (by B's date) only when asked to
    assert names(projects_json(dbp, "--phase", "开工", "--since", "2023-01-01", "--until", "2023-12-31",
                               "--include-approximate")) == sorted(["屹锂科技固态电池研发生产基地", started[0]["name"]])
    assert len(projects_json(dbp, "--since", "2023-01-01", "--until", "2023-01-31")) == 2  # any stage
    assert projects_json(dbp, "--phase", "开工", "--since", "2023-02-01") == []
    r = runner.invoke(app, ["projects", "--db", dbp, "--since", "2023-01-01' OR 1=1 --"])
    assert r.exit_code != 0 and "YYYY-MM-DD" in r.output
    assert names(projects_json(dbp, "--name", "鼎盛")) == names(projects_json(dbp, "--name", "盛鼎"))
    # filters are parameters, never SQL: hostile input matches nothing and breaks nothing
    for evil in ["' OR 1=1 --", "%", "_", "\"; DROP TABLE projects; --"]:
        assert projects_json(dbp, "--name", evil) == []
    assert len(projects_json(dbp)) == 5


def test_money_parsing_is_exact():
    assert parse_money("10亿") == 1_000_000_000
    assert parse_money("5000万") == 50_000_000
    assert parse_money("1.5亿元") == 150_000_000
    assert parse_money("160.7亿") == 16_070_000_000
    with pytest.raises(ValueError):
        parse_money("很多")
    r = runner.invoke(app, ["projects", "--min-investment", "很多", "--db", "/nonexistent.db"])
    assert r.exit_code != 0


def test_csv_and_table_output(dbp):
    rows = list(csv.DictReader(io.StringIO(run("projects", "--db", dbp, "--format", "csv"))))
    assert len(rows) == 5 and {"id", "name", "aliases", "phase", "investment_yuan"} <= set(rows[0])
    table = run("projects", "--db", dbp)
    assert "项目库" in table and "阶段" in table and "总投资" in table


def test_project_history(dbp):
    pid = next(r["id"] for r in projects_json(dbp, "--name", "盛鼎"))
    d = json.loads(run("project", str(pid), "--db", dbp, "--format", "json"))
    mentions = [h for h in d["history"] if h["mention"]]
    assert [h["path"] for h in mentions] == ["a.txt", "b.txt"]  # oldest first
    # A's opening date is the day of the 7th round's event, which A's 盛鼎 was started at
    assert mentions[0]["date"] == "2023-01-28" and mentions[0]["date_source"] == "round"
    assert mentions[0]["sentence"].startswith("2023年1月28日")
    assert any(h["kind"] == "amount" for h in d["history"])  # a fact of the same sentence
    assert {e["kind"] for e in d["events"]} >= {"phase", "investment", "batch"}
    assert d["variants"] and d["variants"][0]["variant"] == "spelling"
    assert "来历" in run("project", "鼎盛", "--db", dbp)


def test_facts_and_articles(dbp):
    facts = json.loads(run("facts", "--db", dbp, "--kind", "amount", "--role", "total_investment", "--format", "json"))
    assert [f["text"] for f in facts] == ["50亿元"]
    assert json.loads(run("facts", "--db", dbp, "--min-value", "51亿", "--format", "json")) == []
    assert len(json.loads(run("facts", "--db", dbp, "--min-value", "50亿", "--format", "json"))) == 1
    projs = json.loads(run("facts", "--db", dbp, "--kind", "project", "--report", "b.txt", "--format", "json"))
    assert len(projs) == 2 and all(f["project_id"] for f in projs)
    arts = json.loads(run("articles", "--db", dbp, "--format", "json"))
    assert [a["path"] for a in arts] == ["a.txt", "b.txt", "c.txt"]
    assert [a["n_projects"] for a in arts] == [2, 2, 2]
    assert len(json.loads(run("articles", "--db", dbp, "--since", "2024-01-01", "--format", "json"))) == 1


def test_search_finds_two_character_words(dbp):
    db = store.open_db(dbp)
    # 氢能 only occurs inside 雄韬氢能产业园项目: jieba search mode indexes it
    hits = search(db, "氢能")
    assert [h["path"] for h in hits] == ["a.txt"]
    assert hits[0]["snippets"][0]["text"] == "氢能" and hits[0]["match"] == "words"
    assert [h["path"] for h in search(db, "固态电池")] == ["b.txt"]
    assert search(db, "不存在的词") == []
    # FTS5 syntax in user input is inert
    assert search(db, 'NEAR("氢能") OR *') == []
    out = json.loads(run("search", "氢能", "--db", dbp, "--format", "json"))
    assert out[0]["path"] == "a.txt"
    # the index holds the word and its compound; the query is cut the same way
    assert "氢能" in segment("雄韬氢能产业园项目").split()
    assert query_words("氢能，产业园") == ["氢能", "产业园"]


def test_split_and_alias_commands(dbp):
    pid = next(r["id"] for r in projects_json(dbp, "--name", "盛鼎"))
    out = run("split", str(pid), "--mention", "鼎盛", "--db", dbp, "--note", "核实后为两个项目")
    assert "分出 1 处提及" in out
    rows = projects_json(dbp)
    assert len(rows) == 6
    assert any(r["id"] == pid for r in rows)  # the id stays with the remaining mentions
    run("alias", str(pid), "盛鼎科技园", "--db", dbp)
    assert "盛鼎科技园" in next(r for r in projects_json(dbp) if r["id"] == pid)["aliases"]
    run("rename", str(pid), "河南盛鼎建筑科技产业园", "--db", dbp)
    assert next(r for r in projects_json(dbp) if r["id"] == pid)["name"] == "河南盛鼎建筑科技产业园"
    decisions = json.loads(run("decisions", "--db", dbp, "--format", "json"))
    assert [d["action"] for d in decisions] == ["split", "alias", "rename"]
    # decisions survive a full re-reconciliation
    run("reconcile", "--db", dbp)
    assert len(projects_json(dbp)) == 6


def test_query_on_missing_database_is_a_clear_error(tmp_path):
    r = runner.invoke(app, ["projects", "--db", str(tmp_path / "none.db")])
    assert r.exit_code == 2 and "数据库不存在" in r.output


def test_list_projects_python_api(dbp):
    db = store.open_db(dbp)
    rows = list_projects(db, min_investment=parse_money("100亿"))
    assert [r["investment_yuan"] for r in rows] == [11_000_000_000]
