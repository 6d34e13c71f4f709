"""``benchmarks/bench.py``'s partial pipelines (the rows that bound the 3× JioNLP goal)
run the extractors exactly as ``extract_text`` does."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bench  # noqa: E402
from extract.pipeline import ALL_KINDS, extract_text  # noqa: E402

TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "articles").glob("*.txt"))[:2]]
REF = "2023-06-30"


def _count(kinds):
    return sum(
        1 for t in TEXTS for f in extract_text(t, REF).facts
        if f.kind in kinds or (f.kind in {"percentage_point"} and "percentage" in kinds)
        or (f.kind in {"organisation", "person", "place"} and "entity" in kinds)
        or (f.kind == "phase_event" and "project" in kinds)
    )


def test_all_stages_find_what_extract_text_finds():
    assert bench.stages_only(TEXTS, REF, tuple(ALL_KINDS)) == sum(len(extract_text(t, REF).facts) for t in TEXTS)


def test_partial_pipelines_find_the_same_facts_of_their_kinds():
    for kinds in (bench.SAME_TASK_KINDS, bench.NO_PROJECT_KINDS):
        got = bench.stages_only(TEXTS, REF, kinds)
        assert got == _count(set(kinds))
        assert 0 < got < sum(len(extract_text(t, REF).facts) for t in TEXTS)



def test_p95_is_the_nearest_rank():
    assert bench.p95(list(range(1, 21))) == 19
    assert bench.p95([3.0, 1.0, 2.0]) == 3.0
    assert bench.p95([5.0]) == 5.0


def test_race_interleaves_and_keeps_each_best_run():
    order = []

    def contender(name, results):
        it = iter(results)

        def fn():
            order.append(name)
            return next(it)
        return fn

    seconds, results = bench.race([("a", contender("a", [1, 2, 3])), ("b", contender("b", [4, 5, 6]))], 3)
    assert order == ["a", "b", "a", "b", "a", "b"]
    assert set(seconds) == {"a", "b"} and all(s >= 0 for s in seconds.values())
    assert results["a"] in (1, 2, 3) and results["b"] in (4, 5, 6)
