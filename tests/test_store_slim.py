"""db.store schema 3: no per-fact sentence copy, the fact JSON kept only for the
fields no column holds exactly, and the migration of schema 2 databases."""

from __future__ import annotations

import json

import pytest

from db import store
from db.query import SQL_SENTENCE, list_facts, list_projects, load_stored_reports, project_detail
from db.reconcile import reconcile
from extract.models import Amount, Count, DateFact, Percentage, Project

# astral (𠀀 U+20000, 🏗 U+1F3D7), CJK, fullwidth and combining characters before the facts:
# SQLite's substr must count them as Python does (one per code point)
HEAD = "𠀀🏗️开发区e\u0301：\n"
TEXT = HEAD + "1月28日，总投资160.7亿元的𠀀盛鼎建筑科技产业园项目正式开工，开工率74.3%。\n另有12个项目签约🏗。\n"


def facts_of(text: str) -> list[dict]:
    s1 = text.index("\n", len(HEAD))
    s0 = len(HEAD)
    s2 = len(text) - 1
    i = text.index("160.7亿元")
    j = text.index("𠀀盛鼎")
    k = text.index("74.3%")
    d = text.index("1月28日")
    c = text.index("12个项目")
    return [
        DateFact(start=d, end=d + 5, text="1月28日", date_start="2023-01-28", date_end="2023-01-28",
                 sentence_start=s0, sentence_end=s1).model_dump(mode="json"),
        Amount(start=i, end=i + 7, text="160.7亿元", value_yuan=16_070_000_000, role="total_investment",
               sentence_start=s0, sentence_end=s1).model_dump(mode="json"),
        Project(start=j, end=j + len("𠀀盛鼎建筑科技产业园项目"), text="𠀀盛鼎建筑科技产业园项目", name="𠀀盛鼎建筑科技产业园项目",
                phase="started", batch=3, batch_list="start", investment_yuan=16_070_000_000,
                sentence_start=s0, sentence_end=s1).model_dump(mode="json"),
        Percentage(start=k, end=k + 5, text="74.3%", value=74.3, metric="开工率", sentence_start=s0,
                   sentence_end=s1).model_dump(mode="json"),
        Count(start=c, end=c + 5, text="12个项目", value=12, target=True, sentence_start=s1 + 1,
              sentence_end=s2).model_dump(mode="json"),
        # a fact without a sentence span
        Amount(start=i, end=i + 7, text="160.7亿元", value_yuan=16_070_000_000).model_dump(mode="json"),
    ]


def record(text=TEXT, path="a.txt"):
    return {
        "sha256": store.content_hash(text), "path": path, "title": "标题", "url": None,
        "reference_date": "2023-01-29", "reference_date_source": "given", "encoding": "utf-8",
        "source_format": "txt", "text": text, "facts": facts_of(text), "title_words": "标题",
        "body_words": "盛鼎 开工",
    }


@pytest.fixture
def db(tmp_path):
    d = store.open_db(tmp_path / "t.db")
    store.store_report(d, record())
    reconcile(d)
    yield d
    d.close()


@pytest.mark.parametrize(
    "fact",
    [
        {"kind": "amount", "start": 1, "end": 3, "text": "𠀀亿", "value_yuan": 5, "target": False, "subject": None},
        {"kind": "percentage", "start": 0, "end": 1, "text": "x", "value": 12.0, "value_max": None, "metric": ""},
        {"kind": "count", "start": 0, "end": 1, "text": "x", "value": 12, "noun": "个", "target": True},
        # a field of the wrong type for its column stays in the JSON
        {"kind": "project", "start": 0, "end": 1, "text": "x", "name": 7, "batch": "3", "batch_list": 2,
         "phase": None, "extra_list": [1, "二"]},
        {"kind": "date", "start": 0, "end": 0, "text": "", "sentence_start": None, "date_start": "2023-01-01"},
    ],
)
def test_fact_round_trips_through_its_row(tmp_path, fact):
    d = store.open_db(tmp_path / "r.db")
    rec = record()
    rec["facts"] = [fact]
    store.store_report(d, rec)
    row = next(d.query("SELECT * FROM facts"))
    got = store.fact_data(row)
    assert got == fact and list(got) == sorted(fact)
    assert json.dumps(got, ensure_ascii=False) == json.dumps(fact, ensure_ascii=False, sort_keys=True)
    d.close()


def test_extra_leaves_out_what_the_columns_hold():
    f = facts_of(TEXT)[1]
    extra = json.loads(store.fact_extra(f))
    assert set(extra) == {"target", "subject", "value_max_yuan"}  # a bool and nulls


def test_sql_sentence_counts_code_points_as_python(db):
    text = TEXT
    rows = list(db.query(f"SELECT f.sentence_start, f.sentence_end, {SQL_SENTENCE} AS s "
                         "FROM facts f JOIN reports r ON r.id = f.report_id"))
    assert len(rows) == 6
    for r in rows:
        want = store.sentence_of(text, r["sentence_start"], r["sentence_end"])
        assert r["s"] == want
    assert any(r["s"] and r["s"].startswith("1月28日") for r in rows)
    assert any(r["s"] is None for r in rows)


def test_outputs_carry_the_sentence_from_the_report(db):
    facts = list_facts(db)
    s0 = len(HEAD)
    s1 = TEXT.index("\n", s0)
    assert facts[0]["sentence"] == TEXT[s0:s1]
    assert [f["sentence"] for f in facts if f["kind"] == "count"] == [TEXT[s1 + 1:len(TEXT) - 1]]
    (p,) = list_projects(db)
    detail = project_detail(db, p["id"])
    assert {h["sentence"] for h in detail["history"]} == {TEXT[s0:s1]}
    assert all(e["sentence"] == TEXT[s0:s1] for e in p["stage_events"]) and p["stage_events"]
    assert [type(f).__name__ for f in load_stored_reports(db)[0].facts] == [
        "DateFact", "Amount", "Project", "Percentage", "Count", "Amount"]


# the facts table of schema 2, as db.store created it
V2_FACTS = """
CREATE TABLE facts (
    id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL REFERENCES reports(id), idx INTEGER NOT NULL,
    kind TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    sentence_start INTEGER, sentence_end INTEGER, sentence TEXT, data TEXT NOT NULL,
    value_yuan INTEGER, value_max_yuan INTEGER, currency TEXT, qualifier TEXT, role TEXT, target INTEGER,
    value NUMERIC, metric TEXT, noun TEXT, date_start TEXT, date_end TEXT, granularity TEXT, date_kind TEXT,
    name TEXT, phase TEXT, batch INTEGER, batch_list TEXT, investment_yuan INTEGER, UNIQUE (report_id, idx)
)"""
V2_INDEXES = [
    "CREATE INDEX facts_kind ON facts(kind, role)",
    "CREATE INDEX facts_report ON facts(report_id)",
    "CREATE INDEX facts_date ON facts(date_start)",
]


def outputs(d) -> dict:
    projects = list_projects(d)
    return {
        "projects": projects,
        "details": [project_detail(d, p["id"]) for p in projects],
        "facts": list_facts(d),
        "reports": [r.model_dump() if hasattr(r, "model_dump") else repr(r) for r in load_stored_reports(d)],
    }


def make_v2(d) -> None:
    """Turn a schema 3 database into what schema 2 stored: the sentence copied and
    the whole fact as JSON in every row."""
    cols = [r[1] for r in d.execute("PRAGMA table_info(facts)") if r[1] != "extra"]
    rows = list(d.query("SELECT f.*, r.text AS rtext FROM facts f JOIN reports r ON r.id = f.report_id"))
    with d.atomic():
        d.execute("DROP TABLE facts")
        d.execute(V2_FACTS)
        for stmt in V2_INDEXES:
            d.execute(stmt)
        for r in rows:
            vals = {c: r[c] for c in cols}
            vals["sentence"] = store.sentence_of(r["rtext"], r["sentence_start"], r["sentence_end"])
            vals["data"] = json.dumps(store.fact_data(r), ensure_ascii=False, sort_keys=True)
            names = ", ".join(f'"{c}"' for c in vals)
            d.execute(f"INSERT INTO facts ({names}) VALUES ({', '.join('?' for _ in vals)})", list(vals.values()))
        d.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def test_schema_2_database_is_migrated_without_loss(tmp_path):
    p = tmp_path / "v2.db"
    d = store.open_db(p)
    store.store_report(d, record())
    store.store_report(d, record(TEXT.replace("签约", "签约落地"), path="b.txt"))
    reconcile(d)
    before = outputs(d)
    dump = store.table_dump(d)
    make_v2(d)
    assert "sentence" in {r[1] for r in d.execute("PRAGMA table_info(facts)")}
    d.close()

    d = store.open_db(p)
    assert store.get_meta(d, "schema_version") == store.SCHEMA_VERSION
    cols = {r[1] for r in d.execute("PRAGMA table_info(facts)")}
    assert "sentence" not in cols and "data" not in cols and "extra" in cols
    indexes = {r[0] for r in d.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='facts' AND sql IS NOT NULL")}
    assert indexes == {"facts_kind"}
    assert store.table_dump(d) == dump  # every row and id as schema 3 writes them
    assert outputs(d) == before
    # and the database goes on working: a refresh and a reconciliation
    store.store_report(d, record(), refresh=True)
    reconcile(d)
    after = outputs(d)  # (the refreshed facts have new ids)
    assert [(p["name"], p["mentions"]) for p in after["projects"]] == [
        (p["name"], p["mentions"]) for p in before["projects"]]
    assert [(f["text"], f["sentence"]) for f in after["facts"]] == [(f["text"], f["sentence"]) for f in before["facts"]]
    d.close()


def test_migration_keeps_a_fact_its_columns_cannot_give_back(tmp_path):
    p = tmp_path / "v2b.db"
    d = store.open_db(p)
    store.store_report(d, record())
    make_v2(d)
    # a schema 2 row whose column does not match its JSON (a float 12.0 counts; a
    # name the column holds as text) must come back from its JSON
    odd = {"kind": "percentage", "start": 0, "end": 1, "text": "𠀀", "value": 12.0, "metric": 5}
    with d.atomic():
        d.execute("""INSERT INTO facts (report_id, idx, kind, start, "end", text, data, value, metric)
                     VALUES (1, 99, 'percentage', 0, 1, '𠀀', ?, 12.0, '5')""",
                  [json.dumps(odd, ensure_ascii=False, sort_keys=True)])
        # a row whose column disagrees with its JSON: the JSON is what the fact was
        other = dict(odd, metric="开工率")
        d.execute("""INSERT INTO facts (report_id, idx, kind, start, "end", text, data, metric)
                     VALUES (1, 100, 'percentage', 0, 1, '𠀀', ?, '投产率')""",
                  [json.dumps(other, ensure_ascii=False, sort_keys=True)])
    d.close()
    d = store.open_db(p)
    row = next(d.query("SELECT * FROM facts WHERE idx = 99"))
    assert store.fact_data(row) == odd and json.loads(row["extra"]) == {"metric": 5, "value": 12.0}
    row = next(d.query("SELECT * FROM facts WHERE idx = 100"))
    assert store.fact_data(row) == other and json.loads(row["extra"]) == other
    d.close()
