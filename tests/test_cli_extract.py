"""`xiangmu extract` keeps the machine-readable format of OUTPUT.md."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from db.cli import app

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "corpus" / "articles").glob("*.txt"))
runner = CliRunner()

COMMON = {"kind", "start", "end", "text"}
REQUIRED = {
    "amount": {"value_yuan", "currency", "qualifier", "role", "target"},
    "percentage": {"value", "qualifier", "metric", "target"},
    "date": {"date_start", "date_end", "granularity", "date_kind"},
    "count": {"value", "noun"},
    "project": {"name", "phase", "batch", "batch_list", "investment_yuan"},
}


def test_json_lines_per_file_with_exact_offsets():
    result = runner.invoke(app, ["extract", *map(str, ARTICLES), "--format", "json"])
    assert result.exit_code == 0, result.output
    lines = [l for l in result.stdout.splitlines() if l.strip()]
    assert len(lines) == len(ARTICLES)
    for path, line in zip(ARTICLES, lines):
        obj = json.loads(line)
        assert obj["path"] == str(path)
        assert len(obj["sha256"]) == 64
        assert obj["reference_date_source"] in ("given", "inferred", None)
        text = path.read_text(encoding="utf-8")
        for fact in obj["facts"]:
            assert COMMON <= fact.keys()
            assert text[fact["start"]:fact["end"]] == fact["text"]
            assert REQUIRED.get(fact["kind"], set()) <= fact.keys(), fact


def test_chinese_is_not_escaped():
    result = runner.invoke(app, ["extract", str(ARTICLES[0]), "--format", "json"])
    assert "\\u" not in result.stdout


def test_jsonl_mode(tmp_path):
    inp = tmp_path / "in.jsonl"
    recs = [
        {"id": "a", "text": "1月28日，郑州高新区共有12个项目，总投资额160.7亿元。", "reference_date": "2023-01-29"},
        {"id": 7, "text": "无事实的一句话。", "reference_date": None},
    ]
    inp.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["extract", "--jsonl", str(inp), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = [json.loads(l) for l in result.stdout.splitlines() if l.strip()]
    assert [o["id"] for o in out] == ["a", 7]
    assert out[0]["reference_date"] == "2023-01-29"
    for o, r in zip(out, recs):
        for f in o["facts"]:
            assert r["text"][f["start"]:f["end"]] == f["text"]


def test_bad_file_is_named_and_the_rest_goes_on(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = runner.invoke(app, ["extract", str(bad), str(ARTICLES[0]), "--format", "json"])
    assert result.exit_code == 1
    lines = [json.loads(l) for l in result.stdout.splitlines() if l.strip()]
    assert lines[0]["path"] == str(bad) and lines[0]["error"]["code"] == "empty"
    assert lines[1]["path"] == str(ARTICLES[0])


def test_table_view_shows_sentences():
    result = runner.invoke(app, ["extract", str(ARTICLES[0]), "--date", "2023-01-29"])
    assert result.exit_code == 0, result.output
    assert "参考日期 2023-01-29" in result.stdout


def test_bad_date_option():
    result = runner.invoke(app, ["extract", str(ARTICLES[0]), "--date", "2023/13/01"])
    assert result.exit_code != 0
