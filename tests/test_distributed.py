"""Extraction on many processes gives exactly what one process gives.

This is the local stand-in for a cluster run (benchmarks/README.md, "分布式"):
shards of reports are mapped through ``extract_text`` in a process pool and,
when dask is installed (the ``bench`` extra), by a Dask bag on its local
process scheduler; the JSONL written from the shards is identical, line for
line, to a serial run, and it is what ``xiangmu ingest`` reads back.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate_reports  # noqa: E402
from extract.pipeline import extract_text  # noqa: E402

N = 24


def extract_line(rep: dict) -> str:
    """One report in, one JSONL line out (the ``xiangmu extract --jsonl`` output format)."""
    res = extract_text(rep["text"], rep["reference_date"], id=rep["id"], title=rep["title"])
    d = res.model_dump(mode="json")
    return json.dumps({"id": rep["id"], "reference_date": d["reference_date"], "title": rep["title"],
                       "sha256": d["sha256"], "facts": d["facts"]}, ensure_ascii=False, sort_keys=True)


def extract_shard(shard: list[dict]) -> list[str]:
    return [extract_line(r) for r in shard]


def shards(items: list, k: int) -> list[list]:
    return [items[i::k] for i in range(k)]


@pytest.fixture(scope="module")
def reports():
    return generate_reports(N, seed=21)


@pytest.fixture(scope="module")
def serial(reports):
    return [extract_line(r) for r in reports]


def _by_id(lines):
    return sorted(lines, key=lambda s: json.loads(s)["id"])


def test_serial_output_is_well_formed(reports, serial):
    for rep, line in zip(reports, serial):
        obj = json.loads(line)
        assert obj["id"] == rep["id"] and obj["reference_date"] == rep["reference_date"]
        for f in obj["facts"]:
            assert rep["text"][f["start"]:f["end"]] == f["text"]


def test_process_pool_matches_serial(reports, serial, tmp_path):
    with ProcessPoolExecutor(2) as ex:
        parts = list(ex.map(extract_shard, shards(reports, 4)))
    # each worker writes its own shard file, as on a cluster
    files = []
    for i, part in enumerate(parts):
        f = tmp_path / f"part-{i:05d}.jsonl"
        f.write_text("".join(line + "\n" for line in part), encoding="utf-8")
        files.append(f)
    merged = [line for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    assert len(merged) == N
    assert _by_id(merged) == _by_id(serial)


def test_dask_bag_matches_serial(reports, serial, tmp_path):
    bag = pytest.importorskip("dask.bag", reason="dask not installed (pip install -e '.[bench]')")
    b = bag.from_sequence(reports, npartitions=4).map(extract_line)
    out = tmp_path / "dask"
    b.to_textfiles(str(out / "part-*.jsonl"), compute=True, scheduler="processes", num_workers=2,
                   encoding="utf-8")
    merged = [line for f in sorted(out.glob("part-*.jsonl")) for line in f.read_text(encoding="utf-8").splitlines()
              if line]
    assert _by_id(merged) == _by_id(serial)


def _commands() -> set[str]:
    try:
        from db.cli import app
    except Exception:  # pragma: no cover
        return set()
    return {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}


@pytest.mark.skipif("ingest" not in _commands(), reason="`xiangmu ingest` not registered yet (db/commands.py)")
def test_shards_ingest_into_one_registry(reports, tmp_path):
    """The reduce step: shard files of reports go into one registry, each report once."""
    from typer.testing import CliRunner

    from db.cli import app

    files = []
    for i, part in enumerate(shards(reports, 3)):
        f = tmp_path / f"reports-{i}.jsonl"
        f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
        files.append(str(f))
    db = tmp_path / "registry.db"
    runner = CliRunner()
    r = runner.invoke(app, ["ingest", *files, "--db", str(db)])
    assert r.exit_code == 0, r.output
    again = runner.invoke(app, ["ingest", *files, "--db", str(db)])  # idempotent: nothing twice
    assert again.exit_code == 0, again.output
    if "articles" in _commands():
        got = runner.invoke(app, ["articles", "--db", str(db), "--format", "json"])
        assert got.exit_code == 0, got.output
        assert len(json.loads(got.stdout)) == N
