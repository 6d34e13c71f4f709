"""The checks against the hand-made lists of inconsistencies.

Two gold files: corpus/gold/inconsistencies.json (the five reports) and
corpus/extra/gold/e5_inconsistencies.json (our own e5 reports with planted
contradictions and consistent repetitions, the false-alarm test). Each is
scored twice: with the gold facts (perfect extraction) and end to end with
the real extraction pipeline (no registry: projects matched by name).
Target: every gold item found, and at least 85% of error+warning items real.
"""

import functools
from pathlib import Path

import pytest

from db.checks import run_checks
from db.checks.context import ReportView
from db.checks.evaluate import evaluate_inconsistencies, reports_from_gold, reports_from_pipeline
from db.checks.sums import find_sums

ROOT = Path(__file__).resolve().parent.parent
CORPUS_GOLD = ROOT / "corpus" / "gold"
E5_GOLD = ROOT / "corpus" / "extra" / "gold"


@functools.lru_cache(maxsize=None)
def _gold_reports(which):
    if which == "corpus":
        return reports_from_gold(CORPUS_GOLD)
    return reports_from_gold(E5_GOLD, prefix="e5")


@functools.lru_cache(maxsize=None)
def _pipeline_reports(which):
    if which == "corpus":
        files = sorted((ROOT / "corpus" / "articles").glob("*.txt"))
    else:
        files = sorted((ROOT / "corpus" / "extra" / "articles").glob("e5_*.txt"))
    return reports_from_pipeline(files)


def _gold_file(which):
    return CORPUS_GOLD / "inconsistencies.json" if which == "corpus" else E5_GOLD / "e5_inconsistencies.json"


def _assert_good(res):
    assert not res["misses"], res["misses"]
    assert res["recall"] == 1.0
    assert res["precision_error_warning"] >= 0.85, res["false_alarms"]


@pytest.mark.parametrize("which", ["corpus", "e5"])
def test_with_gold_facts(which):
    reports, projects = _gold_reports(which)
    items = run_checks(reports, projects)
    _assert_good(evaluate_inconsistencies(items, _gold_file(which), reports))


@pytest.mark.parametrize("which", ["corpus", "e5"])
def test_end_to_end_with_the_extraction_pipeline(which):
    reports = _pipeline_reports(which)
    items = run_checks(reports, None)
    _assert_good(evaluate_inconsistencies(items, _gold_file(which), reports))


def test_consistent_sums_of_the_corpus_are_checked_and_pass():
    reports, _ = _gold_reports("corpus")
    found = {}
    for r in reports:
        for sc in find_sums(ReportView(r)):
            found[(Path(r.path).name[:3], sc.total.text)] = sc.consistent
    assert found[("001", "406.9亿元")] is True    # 194 + 196.4 + 16.5
    assert found[("001", "280个")] is True        # 127 + 153
    assert found[("003", "37个")] is True         # 6 + 24 + 7
    assert found[("003", "约465亿元")] is True    # 166 + 228.35 + 70.4 = 464.75
    assert found[("001", "347个")] is False
    assert found[("001", "131.1亿元")] is False


def test_the_evaluation_counts_false_alarms():
    reports, projects = _gold_reports("e5")
    items = run_checks(reports, projects)
    # pretend a real error is a false alarm: move its evidence somewhere else
    bad = next(it for it in items if it.kind == "sum_mismatch").model_copy(deep=True)
    for e in bad.evidence:
        e.start, e.end = 0, 1
    res = evaluate_inconsistencies(items + [bad], _gold_file("e5"), reports)
    assert res["reported_error_warning"] == res["true_error_warning"] + 1
    assert res["precision_error_warning"] < 1.0


def test_since_keeps_items_of_new_reports():
    reports, projects = _gold_reports("corpus")
    late = run_checks(reports, projects, since="2023-06-01")
    assert late and all(any(e.reference_date and e.reference_date >= __import__("datetime").date(2023, 6, 1)
                            for e in it.evidence) for it in late)
    assert len(late) < len(run_checks(reports, projects))
