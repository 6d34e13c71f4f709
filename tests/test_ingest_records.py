"""`xiangmu ingest` of pre-extracted records (the reduce step of a cluster run),
streaming inputs, and workers that ask the registry instead of holding its hashes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate_reports  # noqa: E402
from db import ingest as ingest_mod  # noqa: E402
from db import store  # noqa: E402
from db.cli import app  # noqa: E402
from db.ingest import Outcome, Task, count_tasks, ingest, iter_tasks, prepare_record  # noqa: E402
from extract.version import extractor_version  # noqa: E402

runner = CliRunner()


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reports():
    return generate_reports(8, seed=33)


@pytest.fixture(scope="module")
def prepared(reports):
    return [prepare_record(r) for r in reports]


def dump(db):
    return store.table_dump(db, ignore_columns=["ingested_at", "path"])


def test_prepared_records_give_the_same_registry_as_extracting_here(tmp_path, reports, prepared):
    raw = write_jsonl(tmp_path / "raw.jsonl", reports)
    pre = write_jsonl(tmp_path / "pre.jsonl", prepared)
    a = store.open_db(tmp_path / "a.db")
    b = store.open_db(tmp_path / "b.db")
    sa = ingest([raw], a, workers=1)
    sb = ingest([pre], b, workers=1)
    assert sa.count("added") == sb.count("added") == len(reports)
    assert sa.count("facts_from_extracted") == len(reports)
    assert sb.count("facts_from_record") == len(reports) and sb.count("stale_facts") == 0
    assert dump(a) == dump(b)


def test_record_facts_are_stored_without_extracting(tmp_path, prepared, monkeypatch):
    import extract.pipeline

    def boom(*a, **k):
        raise AssertionError("extract_text must not run for a record that carries its facts")

    monkeypatch.setattr(extract.pipeline, "extract_text", boom)
    pre = write_jsonl(tmp_path / "pre.jsonl", prepared)
    db = store.open_db(tmp_path / "x.db")
    s = ingest([pre], db, workers=1)
    assert s.count("added") == len(prepared) and not s.failed
    n = db.execute("SELECT COUNT(*) FROM facts").fetchone()[0]
    assert n == sum(len(r["facts"]) for r in prepared)


def test_facts_of_another_extractor_version_are_extracted_again(tmp_path, prepared):
    old = [dict(r, extractor_version="0.0.1+000000000000") for r in prepared[:3]]
    unmarked = [{k: v for k, v in r.items() if k != "extractor_version"} for r in prepared[3:5]]
    f = write_jsonl(tmp_path / "old.jsonl", old + unmarked)
    db = store.open_db(tmp_path / "x.db")
    seen: list[Outcome] = []
    s = ingest([f], db, workers=1, progress=lambda d, t, o: seen.append(o))
    assert s.count("added") == 5 and s.count("stale_facts") == 5
    assert s.count("facts_from_extracted") == 5 and s.count("facts_from_record") == 0
    assert all(o.note and "另一版本" in o.note for o in seen)
    assert s.to_dict()["stale_records"] == 5


def test_facts_that_do_not_quote_the_text_fail_that_record_only(tmp_path, prepared):
    shifted = json.loads(json.dumps(prepared[0]))
    fact = next(f for f in shifted["facts"] if f["kind"] == "amount")
    fact["start"] += 1
    fact["end"] += 1
    wrong_text = dict(prepared[1], sha256="0" * 64)
    unknown = json.loads(json.dumps(prepared[2]))
    unknown["facts"].append({"kind": "spaceship", "start": 0, "end": 1, "text": unknown["text"][0]})
    f = write_jsonl(tmp_path / "bad.jsonl", [shifted, wrong_text, unknown, prepared[3]])
    db = store.open_db(tmp_path / "x.db")
    s = ingest([f], db, workers=1)
    assert s.count("added") == 1
    failed = {o.path.rsplit(":", 1)[1]: o for o in s.failed}
    assert set(failed) == {"1", "2", "3"}
    assert all(o.code == "bad_facts" for o in failed.values())
    assert "位置" in failed["1"].reason and "sha256" in failed["2"].reason and "不合法" in failed["3"].reason
    assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 1


def test_a_given_date_that_differs_from_the_records_reextracts(tmp_path, prepared):
    f = write_jsonl(tmp_path / "pre.jsonl", prepared[:2])
    db = store.open_db(tmp_path / "x.db")
    s = ingest([f], db, workers=1, reference_date="2020-01-01")
    assert s.count("stale_facts") == 2
    dates = {r[0] for r in db.execute("SELECT reference_date FROM reports")}
    assert dates == {"2020-01-01"}


def test_extract_for_ingest_cli_then_ingest(tmp_path, reports):
    raw = write_jsonl(tmp_path / "raw.jsonl", reports[:4])
    r = runner.invoke(app, ["extract", "--jsonl", str(raw), "--for-ingest", "--format", "json"])
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    assert len(lines) == 4
    for rec, src in zip(lines, reports):
        assert rec["text"] == src["text"] and rec["id"] == src["id"]
        assert rec["extractor_version"] == extractor_version()
        assert all(rec["text"][f["start"]:f["end"]] == f["text"] for f in rec["facts"])
        assert isinstance(rec["body_words"], str) and rec["body_words"]
    out = write_jsonl(tmp_path / "extracted.jsonl", lines)
    dbp = tmp_path / "x.db"
    r = runner.invoke(app, ["ingest", str(out), "--db", str(dbp), "--format", "json", "--quiet"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["added"] == 4 and summary["facts_from_records"] == 4
    bad = runner.invoke(app, ["extract", "--jsonl", str(raw), "--for-ingest", "--kinds", "amount"])
    assert bad.exit_code != 0


def test_tasks_are_discovered_lazily_and_counted_without_parsing(tmp_path, reports):
    f = tmp_path / "in.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in reports[:3]]
    f.write_bytes(("\n".join([lines[0], "", "{not json", lines[1], lines[2]]) + "\n").encode("utf-8")
                  + b'{"text": "\xff\xfe"}\n' + (lines[0] + "\n").encode("utf-8"))
    items = iter_tasks([f, tmp_path / "missing.txt"])
    first = next(items)
    assert isinstance(first, Task) and first.lineno == 1
    rest = list(items)
    kinds = [type(x).__name__ for x in rest]
    # a line that is not UTF-8 fails alone: the line after it is still read
    assert kinds == ["Outcome", "Task", "Task", "Outcome", "Task", "Outcome"]
    assert rest[0].code == "bad_record" and rest[3].code == "undecodable" and rest[5].code == "missing"
    assert rest[3].path.endswith(":6") and rest[4].lineno == 7
    # the counter counts lines (the undecodable one too) and the missing path
    assert count_tasks([f, tmp_path / "missing.txt"]) == 7


def test_the_pool_pulls_inputs_only_a_window_ahead(reports):
    pulled = []

    def items():
        for i, r in enumerate(reports * 3):
            pulled.append(i)
            yield Task(path=f"mem:{i}", record=r, lineno=i)

    init = (frozenset(), None, None, 10_000_000, False)
    results = ingest_mod._results(items(), 2, init)
    first = next(results)
    assert first["status"] == "extracted"
    assert len(pulled) <= 2 * 4 + 1  # window of 4 per worker, plus the one after the first result
    rest = list(results)
    assert len(rest) == len(reports) * 3 - 1
    assert [r["path"] for r in [first, *rest]] == [f"mem:{i}" for i in range(len(reports) * 3)]


def test_workers_ask_the_registry_file_for_stored_texts(tmp_path, reports, monkeypatch):
    monkeypatch.setattr(ingest_mod, "_SMALL_REGISTRY", 0)  # never hand the hashes to the workers
    f = write_jsonl(tmp_path / "raw.jsonl", reports[:4])
    db = store.open_db(tmp_path / "x.db")
    s1 = ingest([f], db, workers=2)
    assert s1.count("added") == 4
    dup = write_jsonl(tmp_path / "again.jsonl", reports[:4] + reports[:1])
    seen = []
    s2 = ingest([dup], db, workers=2, progress=lambda d, t, o: seen.append((d, t, o.status)))
    assert s2.count("unchanged") == 5 and s2.count("added") == 0
    # stored before this batch: plain "unchanged", no "same as" line for the editor
    assert not s2.outcomes
    assert [d for d, _, _ in seen] == [1, 2, 3, 4, 5] and {t for _, t, _ in seen} == {5}


def test_a_text_twice_in_one_batch_names_its_first_copy(tmp_path, reports):
    f = write_jsonl(tmp_path / "dup.jsonl", [reports[0], reports[1], reports[0]])
    db = store.open_db(tmp_path / "x.db")
    s = ingest([f], db, workers=2)
    assert s.count("added") == 2 and s.count("unchanged") == 1
    (o,) = s.outcomes
    assert o.path.endswith(":3") and o.same_as and o.same_as.endswith(":1")


def test_checked_facts_never_lets_a_wrong_span_through(prepared):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from db.ingest import BadFacts, checked_facts

    rec = prepared[0]
    text = rec["text"]

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.integers(0, len(rec["facts"]) - 1), st.integers(-3, 3), st.integers(-3, 3),
           st.sampled_from(["start", "end", "text", "kind", "none"]))
    def check(i, ds, de, field):
        facts = json.loads(json.dumps(rec["facts"]))
        f = facts[i]
        if field == "start":
            f["start"] += ds
        elif field == "end":
            f["end"] += de
        elif field == "text":
            f["text"] = f["text"][: max(0, len(f["text"]) + de)]
        elif field == "kind":
            f["kind"] = "amount" if f["kind"] != "amount" else "percentage"
        try:
            ok = checked_facts(text, facts)
        except BadFacts:
            return
        assert all(text[g["start"]:g["end"]] == g["text"] for g in ok)

    check()
