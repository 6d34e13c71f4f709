"""Conformance with the Chinese date cases of Microsoft Recognizers-Text.

The cases (MIT licence, see tests/peer/recognizers-text/LICENSE-Recognizers-Text.txt)
are copied from ../shared/peer/recognizers-text/. Each case with ``notskip`` runs
through ``extract.dates`` with the case's reference date. A case passes when
the extracted spans equal the expected spans and, for the parser files, the
resolved start/end equal the expected ones after converting the peer's
conventions to ours:

* whole calendar units end exclusively there (``2018年10月`` → 2018-10-01 …
  2018-11-01): we compare with the day before; explicit day ranges
  (``从一月十日到十二日``) already end on their last day; year-to-year ranges
  end at the *start* of the last year there (``从2016到2018`` → … 2018-01-01):
  we compare with the last day of that year;
* year-less dates have a "future" and a "past" reading there. Our rule
  (extract/dates.py) reads them as past events unless a goal word says
  otherwise, with a window (a year-less month-day up to ``past_shift_days``
  after the reference date stays in the reference year). We compare with
  the reading that lies on the same side of the reference date as ours, and
  count how many cases used each;
* an invalid date (``2月30日``) has no start/end with us (0001-01-01 there).

Cases we treat differently on purpose are listed with a reason in
tests/peer/deliberate_differences_dates.yaml and left out of the denominator.

Run ``python tests/test_conformance_dates.py`` for a per-case report.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

from extract import dates
from extract.doc import Doc

HERE = Path(__file__).resolve().parent
PEER = HERE / "peer" / "recognizers-text"
DELIBERATE = HERE / "peer" / "deliberate_differences_dates.yaml"

PARSER_FILES = ["date.jsonl", "dateperiod.jsonl"]
EXTRACTOR_FILES = ["date_extractor.jsonl", "dateperiod_extractor.jsonl"]
THRESHOLD = {"date.jsonl": 0.85, "date_extractor.jsonl": 0.85, "dateperiod.jsonl": 0.85,
             "dateperiod_extractor.jsonl": 0.85}


def load_cases(name: str) -> list[dict]:
    out = []
    for line in (PEER / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            if case.get("notskip", True):
                out.append(case)
    return out


def deliberate() -> dict[str, str]:
    data = yaml.safe_load(DELIBERATE.read_text(encoding="utf-8"))
    return {item["source"]: item["reason"] for item in data["cases"]}


def run_case(case: dict):
    doc = Doc.from_text(case["input"])
    ref = case.get("reference_date")
    doc.reference_date = dt.date.fromisoformat(ref) if ref else None
    return dates.extract(doc)


def _d(s):
    return dt.date.fromisoformat(s) if s else None


def expected_range(exp: dict, ref: dt.date | None, ours_start: dt.date | None):
    """(start, end, side) of an expected parser value in our conventions."""
    v = exp["value"]
    timex = v.get("timex") or ""
    fut, past = v.get("future") or {}, v.get("past") or {}
    side = "same"
    if fut != past:
        side = "future" if (ours_start is not None and ref is not None and ours_start >= ref) else "past"
    pick = fut if side in ("same", "future") else past
    if "date" in pick:
        d = _d(pick["date"])
        if d == dt.date(1, 1, 1):
            return None, None, side
        return d, d, side
    if not pick:
        return "none", "none", side  # a season: no start/end there
    start, end = _d(pick["startDate"]), _d(pick["endDate"])
    text = exp.get("spec_text") or exp["text"]
    if re.search(r"P\d+D\)$", timex):
        pass  # explicit day range: inclusive end
    elif "年代" in text or "世纪" in text:
        end = end - dt.timedelta(days=1)
    elif re.search(r"P\d+Y\)$", timex) and start.month == start.day == end.month == end.day == 1 \
            and re.search(r"到|至|-|与|和|之后", text):
        end = dt.date(end.year, 12, 31)  # year-to-year: the last year is included
    else:
        end = end - dt.timedelta(days=1)
    return start, end, side


def check(case: dict, parser: bool):
    """(passed, detail, sides)."""
    facts = run_case(case)
    got = [(f.start, f.end) for f in facts]
    want = [(e["start"], e["end"]) for e in case["expected"]]
    if got != want:
        return False, f"spans {[(f.text) for f in facts]} != {[e['text'] for e in case['expected']]}", []
    if not parser:
        return True, "", []
    ref = _d(case.get("reference_date"))
    sides = []
    for f, e in zip(facts, case["expected"]):
        s, t, side = expected_range(e, ref, f.date_start if f.date_start else f.date_end)
        sides.append(side)
        if s == "none":
            continue
        if (f.date_start, f.date_end) != (s, t):
            return False, f"{f.text}: ours {f.date_start}..{f.date_end}, expected {s}..{t} ({side})", sides
    return True, "", sides


def score(name: str):
    parser = name in PARSER_FILES
    skip = deliberate()
    rows = []
    for case in load_cases(name):
        if case["source"] in skip:
            rows.append((case, None, "deliberate: " + skip[case["source"]], []))
            continue
        ok, detail, sides = check(case, parser)
        rows.append((case, ok, detail, sides))
    counted = [r for r in rows if r[1] is not None]
    passed = sum(1 for r in counted if r[1])
    rate = passed / len(counted) if counted else 1.0
    return rate, passed, len(counted), len(rows) - len(counted), rows


@pytest.mark.parametrize("name", PARSER_FILES + EXTRACTOR_FILES)
def test_pass_rate(name, capsys):
    rate, passed, n, excluded, rows = score(name)
    with capsys.disabled():
        print(f"\n{name}: {passed}/{n} = {rate:.1%} ({excluded} deliberate differences excluded)")
    fails = [f"{r[0]['input']!r}: {r[2]}" for r in rows if r[1] is False]
    assert rate >= THRESHOLD[name], "\n".join(fails)


def test_deliberate_differences_are_real_cases_with_reasons():
    sources = {c["source"] for n in PARSER_FILES + EXTRACTOR_FILES for c in load_cases(n)}
    data = yaml.safe_load(DELIBERATE.read_text(encoding="utf-8"))
    for item in data["cases"]:
        assert item["source"] in sources, item
        assert len(item["reason"]) > 10, item


def test_peer_licence_is_kept():
    assert (PEER / "LICENSE-Recognizers-Text.txt").exists()


if __name__ == "__main__":  # pragma: no cover - a report for people
    for name in PARSER_FILES + EXTRACTOR_FILES:
        rate, passed, n, excluded, rows = score(name)
        sides = [s for r in rows for s in r[3]]
        print(f"== {name}: {passed}/{n} = {rate:.1%}, {excluded} deliberate; "
              f"year-less compared with past {sides.count('past')}, future {sides.count('future')}")
        for case, ok, detail, _ in rows:
            if ok is False:
                print(f"  FAIL {case['source'].split('/')[-1]} {case['input']!r}: {detail}")
