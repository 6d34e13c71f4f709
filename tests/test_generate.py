"""The synthetic report generator: deterministic, realistic, and its truth is exact."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate as G  # noqa: E402
from benchmarks.generate import chinese_numeral, generate_reports, write_jsonl, write_txt  # noqa: E402


@pytest.fixture(scope="module")
def reports():
    return generate_reports(150, seed=3, truth=True)


def test_api_shape(reports):
    plain = generate_reports(3, seed=3)
    assert [set(r) for r in plain] == [{"id", "text", "reference_date", "title"}] * 3
    for r in reports:
        assert r["id"].startswith("gen-3-")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["reference_date"])
        assert G.FIRST_DAY.isoformat() <= r["reference_date"] <= G.LAST_DAY.isoformat()
        assert r["title"] and r["title"] in r["text"]
        assert len(r["text"]) > 300


def test_deterministic_and_prefix_stable():
    a = generate_reports(12, seed=5)
    b = generate_reports(12, seed=5)
    assert a == b
    assert generate_reports(4, seed=5) == a[:4]
    assert list(G.iter_reports(3, seed=5, start=6)) == a[6:9]
    assert generate_reports(4, seed=6) != a[:4]


def test_no_marks_left(reports):
    for r in reports:
        assert not any(G._is_mark(ch) for ch in r["text"]), r["id"]


def test_truth_spans_are_exact(reports):
    n = 0
    for r in reports:
        for kind in ("projects", "amounts"):
            for s in r["truth"][kind]:
                assert r["text"][s["start"]:s["end"]] == s["text"]
                assert not s["text"].startswith(("\n", " ")) and not s["text"].endswith("\n")
                n += 1
    assert n > 1000


def test_amount_truth_values(reports):
    for r in reports:
        for a in r["truth"]["amounts"]:
            digits = a["text"].translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
            digits = re.sub(r"\s", "", digits)
            m = re.search(r"(\d+(?:\.\d+)?)(亿|万)元", digits)
            assert m, a
            unit = 10**8 if m[2] == "亿" else 10**4
            from decimal import Decimal

            assert int(Decimal(m[1]) * unit) == a["value_yuan"], a


def test_projects_recur_with_variants(reports):
    ents = Counter(p["entity"] for r in reports for p in r["truth"]["projects"])
    assert max(ents.values()) >= 3  # the same project in several reports
    variants = [p for r in reports for p in r["truth"]["projects"] if p["variant"]]
    assert variants and all(p["text"].replace("\n", "") != p["canonical"] or " " in p["text"] for p in variants)
    assert any(p["canonical"][-3:] in ("（一期）", "（二期）", "(一期)", "(二期)") or p["canonical"].endswith(("一期", "二期", "三期"))
               for r in reports for p in r["truth"]["projects"])


def test_realistic_traps_are_present(reports):
    texts = [r["text"] for r in reports]
    pdf = [r for r in reports if r["truth"]["style"]["pdf"]]
    assert pdf and len(pdf) < len(reports)
    # a hard line break inside a project name or an amount
    assert any("\n" in s["text"] for r in pdf for k in ("projects", "amounts") for s in r["truth"][k])
    assert any(re.search("[０-９]", t) for t in texts)  # full-width digits
    assert any(re.search(r"\d \S*亿元", t) for t in texts)  # spaced numbers
    assert any("三个一批" in t for t in texts) and any("批次" in t for t in texts)
    assert any(re.search("第[一二三四五六七八九十]+期", t) for t in texts)
    assert any(k in t for t in texts for k in ("基地", "产业园", "研发中心", "总部"))
    assert any(r["truth"]["inconsistencies"] for r in reports)
    assert len({r["truth"]["zone"] for r in reports}) >= 20


def test_round_lists_match_the_lead():
    seen = 0
    for r in generate_reports(80, seed=9, truth=True):
        counts = r["truth"]["round_lists"]
        if not counts:
            assert not any(p["batch_list"] for p in r["truth"]["projects"])
            continue
        seen += 1
        listed = Counter(p["batch_list"] for p in r["truth"]["projects"] if p["batch_list"])
        assert dict(listed) == {k: v for k, v in counts.items() if v}
        flat = re.sub(r"\s", "", r["text"]).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        n_total = sum(counts.values())

        def stated(n):
            return re.search(rf"(?<!\d){n}(?!\d)", flat) or chinese_numeral(n) in flat

        assert stated(n_total) or all(stated(v) for v in counts.values())
        assert r["truth"]["round_total_yuan"] > 0
    assert seen >= 10


@pytest.mark.parametrize("n,expected", [(0, "零"), (7, "七"), (10, "十"), (12, "十二"), (20, "二十"),
                                        (105, "一百零五"), (1010, "一千零一十"), (347, "三百四十七"),
                                        (10001, "一万零一"), (23000, "二万三千")])
def test_chinese_numeral(n, expected):
    assert chinese_numeral(n) == expected


def test_numerals_parse_back():
    from extract.numbers import parse_number

    for n in (1, 9, 11, 19, 20, 99, 100, 101, 110, 999, 1000, 1001, 9999, 10000, 12345):
        assert parse_number(chinese_numeral(n)) == n


def test_writers(tmp_path):
    reps = generate_reports(5, seed=1)
    paths = write_txt(reps, tmp_path / "txt")
    assert len(paths) == 5
    from extract.reports import load_report

    rep = load_report(paths[0])
    assert rep.date.isoformat() == reps[0]["reference_date"]
    assert rep.title == reps[0]["title"]
    assert rep.text.endswith(reps[0]["text"])
    n = write_jsonl(reps, tmp_path / "r.jsonl")
    lines = (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()
    assert n == 5 and [json.loads(line) for line in lines] == reps


def test_command_line(tmp_path):
    assert G.main(["4", "--seed", "2", "--jsonl", str(tmp_path / "a.jsonl")]) == 0
    assert G.main(["4", "--seed", "2", "--out", str(tmp_path / "d")]) == 0
    assert len(list((tmp_path / "d").glob("*.txt"))) == 4
    got = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert got == generate_reports(4, seed=2)


def test_word_lists_are_data():
    data = G.load_data()
    assert len(data["places"]["zones"]) >= 30
    assert {"brand_first", "brand_second", "products", "facilities", "phases"} <= set(data["names"])
    assert {"titles", "round_leads", "list_items", "layouts", "fillers"} <= set(data["templates"])
