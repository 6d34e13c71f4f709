"""db.store: schema, identity of a report, one transaction per report."""

from __future__ import annotations

import json

import pytest

from db import store
from db.query import load_stored_reports, registry_projects
from db.reconcile import reconcile
from extract.models import Amount, Project

TEXT = "1月28日，总投资160.7亿元的盛鼎建筑科技产业园项目正式开工。\n另有雄韬氢能产业园项目签约。\n"


def record(text=TEXT, path="a.txt", facts=None):
    if facts is None:
        i = text.index("160.7亿元")
        j = text.index("盛鼎建筑科技产业园项目")
        k = text.index("雄韬氢能产业园项目")
        s2 = text.index("\n") + 1
        facts = [
            Amount(start=i, end=i + len("160.7亿元"), text="160.7亿元", value_yuan=16_070_000_000, role="total_investment",
                   sentence_start=0, sentence_end=s2 - 1).model_dump(mode="json"),
            Project(start=j, end=j + len("盛鼎建筑科技产业园项目"), text="盛鼎建筑科技产业园项目", name="盛鼎建筑科技产业园项目",
                    phase="started", investment_yuan=16_070_000_000, sentence_start=0,
                    sentence_end=s2 - 1).model_dump(mode="json"),
            Project(start=k, end=k + len("雄韬氢能产业园项目"), text="雄韬氢能产业园项目", name="雄韬氢能产业园项目", phase="signed",
                    sentence_start=s2, sentence_end=len(text) - 1).model_dump(mode="json"),
        ]
    return {
        "sha256": store.content_hash(text), "path": path, "title": "标题", "url": None,
        "reference_date": "2023-01-29", "reference_date_source": "given", "encoding": "utf-8",
        "source_format": "txt", "text": text, "facts": facts, "title_words": "标题", "body_words": "盛鼎 氢能",
    }


@pytest.fixture
def db(tmp_path):
    d = store.open_db(tmp_path / "t.db")
    yield d
    d.close()


def test_open_db_creates_schema_and_is_idempotent(tmp_path):
    p = tmp_path / "sub" / "x.db"
    d = store.open_db(p)
    tables = set(d.table_names())
    assert {"reports", "facts", "projects", "project_mentions", "project_events", "decisions", "meta",
            "reports_fts", "stage_events", "project_stages"} <= tables
    d.close()
    d = store.open_db(p)  # opening again changes nothing
    assert store.get_meta(d, "schema_version") == store.SCHEMA_VERSION


def test_default_db_path_from_environment(monkeypatch):
    monkeypatch.delenv("XIANGMU_DB", raising=False)
    assert store.default_db_path() == "xiangmu.db"
    monkeypatch.setenv("XIANGMU_DB", "/tmp/elsewhere.db")
    assert store.default_db_path() == "/tmp/elsewhere.db"


def test_content_hash_ignores_bom_line_ends_and_trailing_space():
    h = store.content_hash(TEXT)
    assert store.content_hash("\ufeff" + TEXT.replace("\n", "\r\n")) == h
    assert store.content_hash(TEXT.replace("\n", "  \n") + "\n\n") == h
    assert store.content_hash(TEXT.replace("160.7", "160.8")) != h


def test_store_report_once_with_typed_columns(db):
    status, rid = store.store_report(db, record())
    assert status == "added"
    assert store.store_report(db, record(path="copy.txt")) == ("unchanged", rid)
    assert db["reports"].count == 1
    row = next(db.query("SELECT * FROM facts WHERE kind = 'amount'"))
    assert row["value_yuan"] == 16_070_000_000 and row["role"] == "total_investment"
    assert "sentence" not in row and "data" not in row  # schema 3: no copies of the sentence or the fact
    assert row["text"] == "160.7亿元" and "text" not in json.loads(row["extra"])
    assert store.fact_data(row) == dict(sorted(record()["facts"][0].items()))
    rep = next(db.query("SELECT text FROM reports"))["text"]
    assert rep[row["sentence_start"]:row["sentence_end"]].startswith("1月28日")
    proj = next(db.query("SELECT * FROM facts WHERE kind = 'project' ORDER BY start"))
    assert (proj["name"], proj["phase"], proj["investment_yuan"]) == ("盛鼎建筑科技产业园项目", "started", 16_070_000_000)
    text = next(db.query("SELECT text FROM reports"))["text"]
    for f in db.query("SELECT start, \"end\", text FROM facts"):
        assert text[f["start"]:f["end"]] == f["text"]


def test_a_failure_inside_the_transaction_leaves_nothing(db, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_insert_fts", boom)
    with pytest.raises(RuntimeError):
        store.store_report(db, record())
    assert db["reports"].count == 0 and db["facts"].count == 0
    monkeypatch.undo()
    assert store.store_report(db, record())[0] == "added"
    assert db["facts"].count == 3


def test_refresh_replaces_facts_and_keeps_project_ids(db):
    store.store_report(db, record())
    reconcile(db)
    before = {p.name: p.id for p in registry_projects(db)}
    facts = record()["facts"][1:]  # the re-extraction finds fewer facts
    status, _ = store.store_report(db, record(facts=facts), refresh=True)
    assert status == "refreshed"
    assert db["facts"].count == 2
    reconcile(db)
    assert {p.name: p.id for p in registry_projects(db)} == before


def test_load_stored_reports_gives_pydantic_facts_and_project_of(db):
    store.store_report(db, record())
    reconcile(db)
    reps = load_stored_reports(db)
    assert len(reps) == 1
    r = reps[0]
    assert r.reference_date.isoformat() == "2023-01-29" and r.sha256 == store.content_hash(TEXT)
    assert [type(f).__name__ for f in r.facts] == ["Amount", "Project", "Project"]
    assert set(r.project_of) == {1, 2}
    projects = {p.id: p for p in registry_projects(db)}
    assert projects[r.project_of[1]].investment_yuan == 16_070_000_000
    assert projects[r.project_of[1]].phase == "started"
    assert projects[r.project_of[2]].name.startswith("雄韬氢能产业园")


def test_older_schema_gets_the_stage_tables_filled(tmp_path):
    p = tmp_path / "old.db"
    d = store.open_db(p)
    store.store_report(d, record())
    reconcile(d)
    assert d["stage_events"].count == 2 and d["project_stages"].count == 2
    # a registry written before the stage history existed (schema 1)
    with d.atomic():
        d.execute("DROP TABLE stage_events")
        d.execute("DROP TABLE project_stages")
        d.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    d.close()
    d = store.open_db(p)
    assert store.get_meta(d, "schema_version") == store.SCHEMA_VERSION
    assert {r["phase"] for r in d.query("SELECT phase FROM project_stages")} == {"started", "signed"}
    assert d["stage_events"].count == 2
    d.close()


def test_refresh_drops_the_reports_stage_events(db):
    store.store_report(db, record())
    reconcile(db)
    store.store_report(db, record(facts=record()["facts"][:1]), refresh=True)
    assert db["stage_events"].count == 0


def test_refresh_keeps_the_text_its_facts_quote(db):
    """A refreshed report whose text differs only in what the hash ignores
    (trailing spaces): the stored text is the one the new facts count in."""
    store.store_report(db, record())
    spaced = TEXT.replace("正式开工。\n", "正式开工。  \n")
    assert store.content_hash(spaced) == store.content_hash(TEXT)
    status, rid = store.store_report(db, record(text=spaced), refresh=True)
    assert status == "refreshed"
    (text,) = db.execute("SELECT text FROM reports WHERE id = ?", [rid]).fetchone()
    assert text == spaced
    for f in load_stored_reports(db)[0].facts:
        assert text[f.start:f.end] == f.text
