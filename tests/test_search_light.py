"""db.search cuts a query with a tokenizer that holds only the dictionary entries
of the query's substrings: the words must be those of the full jieba tokenizer."""

from __future__ import annotations

import random
from pathlib import Path

from db import search

CORPUS = sorted((Path(__file__).resolve().parents[1] / "corpus" / "articles").glob("*.txt"))


def test_light_tokenizer_cuts_as_the_full_one(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    queries = ["新能源", "开工 项目", "氢能产业园", "ABC项目123", "“签约一批”", "5G基站", "年产10万吨",
               "　全角 空格", "𠀀测试", "盛鼎建筑科技产业园", "a", "。"]
    rng = random.Random(7)
    for f in CORPUS[:40]:
        text = f.read_text(encoding="utf-8")
        for _ in range(15):
            i = rng.randrange(len(text))
            queries.append(text[i:i + rng.randint(1, 30)])
    full = search._tokenizer()
    for q in queries:
        light = search.light_tokenizer(q)
        assert light is not None and len(light.FREQ) < 1000
        assert list(light.cut(q)) == list(full.cut(q)), q
    assert (tmp_path / "xiangmu" / f"jieba-{search.dictionary_signature()}.sqlite").exists()


def test_query_words_without_a_cache_falls_back(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "_dictionary_cache", lambda: None)
    assert search.light_tokenizer("新能源") is None
    assert search.query_words("新能源汽车产业园") == search._clean_words(search._tokenizer().cut("新能源汽车产业园"))
