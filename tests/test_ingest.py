"""db.ingest and `xiangmu ingest`: batches, duplicates, broken files, crashes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from db import store
from db.ingest import ingest
from db.cli import app

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "corpus" / "articles"
FIX = ROOT / "tests" / "fixtures" / "registry"
runner = CliRunner()


def corpus_copy(dest: Path, extra: bool = True) -> Path:
    """The five corpus reports (and the two e4 reports) in a folder of their own."""
    dest.mkdir(parents=True, exist_ok=True)
    for p in sorted(ARTICLES.glob("*.txt")):
        shutil.copy(p, dest / p.name)
    if extra:
        for p in sorted((ROOT / "corpus" / "extra" / "articles").glob("e4_*.txt")):
            shutil.copy(p, dest / p.name)
    return dest


def dump(db):
    return store.table_dump(db, ignore_columns=["ingested_at"])


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A batch folder and the database of one uninterrupted ingestion of it."""
    base = tmp_path_factory.mktemp("batch")
    folder = corpus_copy(base / "in")
    db = store.open_db(base / "full.db")
    summary = ingest([folder], db, workers=1)
    assert summary.count("added") == 7 and not summary.failed
    yield folder, db
    db.close()


def test_ingest_twice_changes_nothing(tmp_path):
    folder = corpus_copy(tmp_path / "in", extra=False)
    dbp = tmp_path / "x.db"
    r1 = runner.invoke(app, ["ingest", str(folder), "--db", str(dbp), "--workers", "2"])
    assert r1.exit_code == 0, r1.output
    assert "新增 5" in r1.output and "失败 0" in r1.output
    db = store.open_db(dbp)
    first = store.table_dump(db)
    assert len(first["reports"]) == 5
    r2 = runner.invoke(app, ["ingest", str(folder), "--db", str(dbp), "--workers", "2"])
    assert r2.exit_code == 0 and "新增 0，未变 5" in r2.output
    assert store.table_dump(db) == first  # every table, every column (ingestion time included)


def test_reports_are_stored_in_input_order(batch):
    folder, db = batch
    paths = [r["path"] for r in db.query("SELECT path FROM reports ORDER BY id")]
    assert paths == [str(p) for p in sorted(folder.glob("*.txt"))]


def test_broken_files_are_reported_and_the_rest_is_stored(tmp_path):
    src = (ARTICLES / "000_33bfcc27db7e6e42.txt").read_text(encoding="utf-8")
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "a_good.txt").write_text(src, encoding="utf-8")
    (d / "b_gb18030.txt").write_bytes(src.encode("gb18030"))
    (d / "c_bom_crlf.txt").write_bytes(b"\xef\xbb\xbf" + src.replace("\n", "\r\n").encode("utf-8"))
    (d / "d_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (d / "e_empty.txt").write_bytes(b"")
    (d / "f_blank.txt").write_text(" \n\n\t\n", encoding="utf-8")
    (d / "sub" / "g_page.html").write_text((FIX / "gov_page.html").read_text(encoding="utf-8"), encoding="utf-8")
    (d / "sub" / "h_huge.txt").write_text(src * 80, encoding="utf-8")  # ~500 KB
    (d / "sub" / "ignored.docx").write_bytes(b"PK\x03\x04")  # not a report suffix: not picked up in a folder
    lines = [
        json.dumps({"text": "2024年3月1日，测试项目甲签约。", "title": "甲", "url": "http://x/1", "date": "2024-03-01"},
                   ensure_ascii=False),
        "{not json",
        json.dumps({"title": "没有正文"}, ensure_ascii=False),
        "",
        json.dumps({"text": src}, ensure_ascii=False),  # the same release again, as a record
    ]
    (d / "sub" / "i_feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dbp = tmp_path / "x.db"
    r = runner.invoke(app, ["ingest", str(d), "--db", str(dbp), "--workers", "2", "--max-mb", "0.3"])
    assert r.exit_code == 1
    out = r.output
    assert "新增 3，未变 3，失败 6" in out
    for name, why in [("d_binary.txt", "不是文本文件"), ("e_empty.txt", "文件为空"), ("f_blank.txt", "空"),
                      ("h_huge.txt", "文件过大"), ("i_feed.jsonl:2", "不是合法的 JSON"),
                      ("i_feed.jsonl:3", "text")]:
        line = next((l for l in out.splitlines() if name in l and "失败" in l), None)
        assert line is not None and why in line, (name, out)
    db = store.open_db(dbp)
    rows = {Path(r["path"].split(":")[0]).name: r for r in db.query("SELECT * FROM reports")}
    assert set(rows) == {"a_good.txt", "g_page.html", "i_feed.jsonl"}
    page = rows["g_page.html"]
    assert page["title"].startswith("高新区氢能产业园项目集中签约")
    assert (page["reference_date"], page["reference_date_source"], page["source_format"]) == ("2024-03-15", "file", "html")
    assert "版权所有" not in page["text"]
    feed = rows["i_feed.jsonl"]
    assert feed["path"].endswith("i_feed.jsonl:1") and feed["url"] == "http://x/1"
    assert feed["reference_date"] == "2024-03-01"


def test_given_date_overrides_and_is_recorded(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("1月28日，某某产业园项目开工。", encoding="utf-8")
    db = store.open_db(tmp_path / "x.db")
    ingest([p], db, reference_date="2023-01-30", workers=1)
    row = next(db.query("SELECT reference_date, reference_date_source FROM reports"))
    assert (row["reference_date"], row["reference_date_source"]) == ("2023-01-30", "given")


def test_crash_mid_batch_then_rerun_gives_the_same_registry(batch, tmp_path):
    folder, full = batch
    db = store.open_db(tmp_path / "crash.db")

    def crash(n):
        if n == 3:
            raise KeyboardInterrupt  # the editor pressed Ctrl-C, or the machine went down

    with pytest.raises(KeyboardInterrupt):
        ingest([folder], db, workers=1, after_store=crash)
    assert db["reports"].count == 3
    # every stored report is complete: its facts are there
    for r in db.query("SELECT id, text FROM reports"):
        n = db.execute("SELECT COUNT(*) FROM facts WHERE report_id = ?", [r["id"]]).fetchone()[0]
        assert n > 0
    again = ingest([folder], db, workers=1)
    assert again.count("added") == 4 and again.count("unchanged") == 3
    assert dump(db) == dump(full)


def test_kill_inside_a_transaction_leaves_whole_reports_only(batch, tmp_path):
    """A process killed (os._exit) half-way through writing its third report."""
    folder, full = batch
    dbp = tmp_path / "killed.db"
    script = textwrap.dedent(
        f"""
        import os
        from db import store
        from db.ingest import ingest
        calls = []
        real = store._insert_fts
        def dying(*a, **k):
            calls.append(1)
            if len(calls) == 3:
                os._exit(9)  # facts of report 3 are written, its transaction is open
            return real(*a, **k)
        store._insert_fts = dying
        ingest([{str(folder)!r}], store.open_db({str(dbp)!r}), workers=1)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    db = store.open_db(dbp)
    assert db["reports"].count == 2
    ids = {r[0] for r in db.execute("SELECT id FROM reports")}
    assert {r[0] for r in db.execute("SELECT DISTINCT report_id FROM facts")} <= ids
    assert db.execute("SELECT COUNT(*) FROM reports_fts").fetchone()[0] == 2
    ingest([folder], db, workers=1)
    assert dump(db) == dump(full)


def test_editor_merge_survives_reingestion(batch, tmp_path):
    folder, _ = batch
    dbp = tmp_path / "m.db"
    part = tmp_path / "part"
    part.mkdir()
    for p in sorted(folder.glob("00*.txt")):
        shutil.copy(p, part / p.name)
    assert runner.invoke(app, ["ingest", str(part), "--db", str(dbp), "--workers", "1"]).exit_code == 0
    db = store.open_db(dbp)
    ids = [r[0] for r in db.execute("SELECT id FROM projects ORDER BY n_mentions DESC, id LIMIT 2")]
    a, b = ids
    mentions = {r[0] for r in db.execute("SELECT fact_id FROM project_mentions WHERE project_id IN (?, ?)", [a, b])}
    r = runner.invoke(app, ["merge", str(a), str(b), "--db", str(dbp), "--note", "同一项目"])
    assert r.exit_code == 0, r.output

    def project_of_all(db):
        return {r[0] for r in db.execute(
            "SELECT DISTINCT m.project_id FROM project_mentions m JOIN facts f ON f.id = m.fact_id "
            "JOIN reports rp ON rp.id = f.report_id WHERE rp.sha256 || ':' || f.start IN (%s)"
            % ",".join("?" * len(anchors)), anchors)}

    anchors = [f"{r[0]}:{r[1]}" for r in db.execute(
        "SELECT rp.sha256, f.start FROM facts f JOIN reports rp ON rp.id = f.report_id WHERE f.id IN (%s)"
        % ",".join("?" * len(mentions)), list(mentions))]
    assert project_of_all(db) == {a}
    # re-extract every stored report (new fact ids), then add new reports, then re-reconcile
    assert runner.invoke(app, ["ingest", str(part), "--db", str(dbp), "--refresh", "-j", "1"]).exit_code == 0
    assert runner.invoke(app, ["ingest", str(folder), "--db", str(dbp), "-j", "1"]).exit_code == 0
    assert runner.invoke(app, ["reconcile", "--db", str(dbp)]).exit_code == 0
    assert project_of_all(db) == {a}
    # undoing the decision splits them again
    did = next(db.query("SELECT id FROM decisions"))["id"]
    assert runner.invoke(app, ["decisions", "--db", str(dbp), "--delete", str(did)]).exit_code == 0
    assert len(project_of_all(db)) == 2
