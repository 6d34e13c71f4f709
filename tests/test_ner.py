"""The spaCy pipeline over jieba words and the shipped statistical project NER."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import nlp as xnlp
from extract import projects
from extract.doc import Doc
from extract.projects import Cand, combine

ROOT = Path(__file__).resolve().parent.parent


def test_model_is_shipped_small_and_jieba_based():
    d = xnlp.MODEL_DIR
    assert (d / "config.cfg").exists()
    size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
    assert size < 5_000_000
    assert 'segmenter = "jieba"' in (d / "config.cfg").read_text(encoding="utf-8")


def test_pipeline_loads_once_with_our_dictionary():
    nlp = xnlp.get_nlp()
    assert nlp is not None and nlp is xnlp.get_nlp()
    assert "ner" in nlp.pipe_names
    assert nlp.tokenizer.jieba_seg is xnlp.get_jieba()
    words = [t.text for t in nlp.make_doc("全省第七期三个一批项目建设活动")]
    assert "三个一批" in words
    import jieba

    assert xnlp.get_jieba() is not jieba.dt  # the global dictionary is left alone


def test_model_finds_projects_it_was_trained_on():
    from extract.evaluate import gold_items, load_gold

    found = total = 0
    for ap, gold, text in load_gold(ROOT / "corpus" / "gold"):
        doc = Doc.from_text(text)
        cands = projects.ner_candidates(doc, projects._sentences(doc))
        spans = [doc.span(c.start, c.end) for c in cands]
        for it in gold_items(gold, text):
            if it.kind != "project" or it.optional:
                continue
            total += 1
            found += any(s < it.end and it.start < e for s, e in spans)
    assert total > 100
    assert found / total >= 0.6


def test_combinations():
    text = "甲乙项目、丙丁中心"
    rules = [Cand(0, 4, head="项目"), Cand(5, 9, head="中心")]
    model = [Cand(0, 4, source="ner"), Cand(20, 25, source="ner")]
    assert len(combine(list(rules), model, "rules", text)) == 2
    assert len(combine(list(rules), model, "ner", text)) == 2
    assert [c.start for c in combine([Cand(0, 4, head="项目"), Cand(5, 9, head="中心")], model, "union", text)] == [0, 5, 20]
    # vote: the weak rule name (丙丁中心) needs the model; the 项目 name stands alone
    assert [c.start for c in combine([Cand(0, 4, head="项目"), Cand(5, 9, head="中心")], model, "vote", text)] == [0]


def test_training_is_seeded_and_reproducible(tmp_path):
    from extract import train

    reports = [r for r in train.load_reports([ROOT / "corpus" / "gold"]) if r["name"].startswith("000")]
    a = train.train_model(reports, epochs=2)
    b = train.train_model(reports, epochs=2)
    text = "吸引了上海重塑燃料电池产业化基地等一批重大项目签约落地。"
    assert [(e.start_char, e.end_char) for e in a(text).ents] == [(e.start_char, e.end_char) for e in b(text).ents]
    assert a.get_pipe("ner").to_bytes() == b.get_pipe("ner").to_bytes()
