"""Conformance with the Chinese currency, percent and number cases of
Microsoft Recognizers-Text (MIT licence: tests/peer/recognizers-text/LICENSE-
Recognizers-Text.txt; only the test data was taken, no code).

How a case is judged (``notskip: true`` cases only):

* currency.jsonl: the amounts :func:`extract.money.find_amounts` finds in the
  input (exact Decimal values, before rounding to whole yuan) are compared with
  the expected spans. percent.jsonl: the ``percentage`` facts of
  :func:`extract.pipeline.extract_text` (percentage points are their own kind
  and do not count as percentages).
* A case passes when every expected span is matched by exactly one of ours and
  nothing else is found (a negative case passes when we find nothing).
* Spans match when they are equal, or when ours is the expected one plus a
  qualifier word glued to it (our convention: 约465亿元, 93%以上 include the
  qualifier; the peer leaves it out).
* Values match when equal up to a relative 1e-13 (the peer prints .NET doubles
  with 15 significant digits, e.g. 2.02107211321364E+23); for currency the ISO
  code must match too unless the peer gives none ($20, Bitcoin).
* Cases we treat differently on purpose are listed with a reason in
  tests/peer/deliberate_differences.yaml; they are left out of the denominator
  and reported. They are still checked "our way": a 个百分点 case must come
  out as a percentage_point with the peer's value, and the other categories
  (折 discounts, bare currency names, k suffixes, ranges) must not come out as
  the peer expects.

number.jsonl has no extractor of its own here: each expected number span is
read with :func:`extract.numbers.parse_number` and its value compared.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from extract.doc import Doc
from extract.money import find_amounts
from extract.numbers import parse_number, qualifier_words
from extract.pipeline import extract_text

PEER = Path(__file__).resolve().parent / "peer"
RT = PEER / "recognizers-text"
FLOORS = {"currency.jsonl": 0.95, "percent.jsonl": 0.95}
#: number.jsonl: parse_number reads all 392 spans today; the floor leaves a little room.
NUMBER_FLOOR = 0.98


def _cases(name: str) -> list[dict]:
    with (RT / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _deliberate() -> dict[str, dict]:
    data = yaml.safe_load((PEER / "deliberate_differences.yaml").read_text(encoding="utf-8"))
    return {c["source"]: c for c in data["cases"]}


def _close(a, b) -> bool:
    a, b = Decimal(str(a)), Decimal(str(b))
    if a == b:
        return True
    return abs(a - b) <= abs(b) * Decimal("1e-13")


def _qual_words() -> list[str]:
    words = set(qualifier_words("before")) | set(qualifier_words("after"))
    return sorted(words, key=len, reverse=True)


def span_matches(text: str, ours: tuple[int, int], theirs: tuple[int, int]) -> bool:
    """Equal spans, or ours = theirs plus a glued qualifier word on either side."""
    if ours == theirs:
        return True
    s, e = ours
    ts, te = theirs
    if not (s <= ts and te <= e):
        return False
    head, tail = text[s:ts].strip(), text[te:e].strip()
    words = _qual_words()
    return (not head or head in words) and (not tail or tail in words)


def _predict_currency(inp: str) -> list[tuple[int, int, Decimal, str]]:
    doc = Doc.from_text(inp)
    out = []
    for a in find_amounts(doc):
        s, e = doc.span(a.start, a.end)
        out.append((s, e, a.value, a.currency))
    return out


def _predict_percent(inp: str, kind: str = "percentage") -> list[tuple[int, int, float, str]]:
    res = extract_text(inp, kinds=["percentage"])
    return [(f.start, f.end, f.value, "") for f in res.facts if f.kind == kind]


def judge(case: dict, kind: str) -> bool:
    """``kind``: currency, percent, or percentage_point (our own kind for 个百分点)."""
    inp = case["input"]
    if kind == "currency":
        preds = _predict_currency(inp)
    else:
        preds = _predict_percent(inp, "percentage_point" if kind == "percentage_point" else "percentage")
    used = set()
    for exp in case["expected"]:
        if kind == "currency":
            number = exp["value"]["number"]
            iso = exp["value"].get("iso_currency")
        else:
            number, iso = exp["value"], None
        hit = None
        for i, (s, e, v, cur) in enumerate(preds):
            if i in used or not span_matches(inp, (s, e), (exp["start"], exp["end"])):
                continue
            if number is None or v is None or not _close(v, number):
                continue
            if iso and cur and cur != iso:
                continue
            hit = i
            break
        if hit is None:
            return False
        used.add(hit)
    return len(used) == len(preds)


def conformance(name: str, kind: str) -> dict:
    deliberate = _deliberate()
    passed, total, dpass, dtotal, failures = 0, 0, 0, 0, []
    by_category: dict[str, list[int]] = {}
    for case in _cases(name):
        if not case.get("notskip"):
            continue
        entry = deliberate.get(case["source"])
        if entry is not None:
            # judged our way: a 个百分点 case must come out as a percentage_point
            # with the peer's value; the others must not come out as the peer's
            cat = entry["category"]
            if cat == "percentage_point":
                ok = judge(case, "percentage_point")
            else:
                ok = not judge(case, kind)
            dtotal += 1
            dpass += ok
            by_category.setdefault(cat, [0, 0])
            by_category[cat][0] += ok
            by_category[cat][1] += 1
            continue
        ok = judge(case, kind)
        total += 1
        passed += ok
        if not ok:
            failures.append(case["source"] + " " + case["input"])
    return {"passed": passed, "total": total, "rate": passed / total if total else 1.0,
            "deliberate": dtotal, "deliberate_passed": dpass, "by_category": by_category,
            "failures": failures}


@pytest.mark.parametrize("name,kind", [("currency.jsonl", "currency"), ("percent.jsonl", "percent")])
def test_conformance_rate(name, kind):
    r = conformance(name, kind)
    print(f"\n{name}: {r['passed']}/{r['total']} = {r['rate']:.3f}; "
          f"deliberate differences left out: {r['deliberate']}")
    for cat, (ok, n) in sorted(r["by_category"].items()):
        print(f"  deliberate {cat}: {n} cases, {ok} handled our way")
    for f in r["failures"]:
        print("  FAIL", f)
    assert r["rate"] >= FLOORS[name]
    # the deliberate differences are real behaviour, not accidents: each one is
    # handled the way patterns/*.yaml says (percentage points found as such,
    # discounts and currency names not taken)
    assert r["deliberate_passed"] == r["deliberate"]


def test_every_deliberate_difference_names_a_real_case_with_a_reason():
    sources = {c["source"]: c for n in ("currency.jsonl", "percent.jsonl", "number.jsonl") for c in _cases(n)}
    for src, entry in _deliberate().items():
        assert src in sources, src
        assert entry.get("reason"), src
        assert entry.get("input") == sources[src]["input"], src


def test_number_values():
    ok, n, bad = 0, 0, []
    for case in _cases("number.jsonl"):
        if not case.get("notskip"):
            continue
        for exp in case["expected"]:
            n += 1
            v = parse_number(exp["text"])
            if v is not None and _close(v, exp["value"]):
                ok += 1
            else:
                bad.append((exp["text"], exp["value"], v))
    rate = ok / n
    print(f"\nnumber.jsonl: parse_number {ok}/{n} = {rate:.3f}")
    for b in bad:
        print("  FAIL", b)
    assert rate >= NUMBER_FLOOR
