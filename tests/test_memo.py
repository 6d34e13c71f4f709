"""The text-keyed caches of extract.memo change speed, never facts."""

from pathlib import Path

from extract import memo
from extract.pipeline import extract_text

ARTICLES = sorted((Path(__file__).resolve().parents[1] / "corpus" / "articles").glob("*.txt"))


def _facts(text):
    return [f.model_dump() for f in extract_text(text, "2023-06-30").facts]


def test_cold_and_warm_caches_give_the_same_facts():
    texts = [p.read_text(encoding="utf-8") for p in ARTICLES]
    assert texts
    memo.clear()
    cold = []
    for t in texts:
        memo.clear()
        cold.append(_facts(t))
    warm = [_facts(t) for t in reversed(texts)][::-1]  # other order, caches full
    assert warm == cold


def test_clear_empties_every_registered_cache():
    extract_text("郑州高新区智能传感器产业园项目总投资160.7亿元，已于2023年3月开工。", "2023-06-30")
    caches = memo.registered()
    names = {c.__wrapped__.__name__ for c in caches}
    assert {"tokenize", "pos_cut", "parse_number", "phase_of_clause"} <= names
    assert any(c.cache_info().currsize for c in caches)
    memo.clear()
    assert all(c.cache_info().currsize == 0 for c in caches)
