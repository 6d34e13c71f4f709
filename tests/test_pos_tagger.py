"""``extract.nlp._viterbi`` (the part-of-speech HMM over arrays) picks jieba's own
states: the name rules read its tags, so a different tag would change facts."""

import random
import sys
from pathlib import Path

import jieba.posseg as pseg
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from jieba.posseg.viterbi import viterbi

from extract import memo
from extract.nlp import _viterbi, pos_cut

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.generate import iter_reports  # noqa: E402


def _jieba_route(s):
    return viterbi(s, pseg.char_state_tab_P, pseg.start_P, pseg.trans_P, pseg.emit_P)[1]


def _reports():
    for p in sorted((ROOT / "corpus" / "articles").glob("*.txt")):
        yield p.read_text(encoding="utf-8")
    for rep, _ in zip(iter_reports(20, seed=7), range(20)):
        yield rep["text"]


def test_same_states_as_jieba_on_han_runs_of_reports():
    n = 0
    for text in _reports():
        for run in regex.findall(r"\p{Han}{1,30}", text):
            assert _viterbi(run) == _jieba_route(run), run
            n += 1
    assert n > 500


# characters of reports, rare characters outside the tables, and ties of minus infinity
ALPHABET = list("项目园区高新技术产业基地中心郑州新开工投产签约亿元万个年月日第期号将在了和及")
ALPHABET += list("龘靐齉爩㐀\U00020000aZ9")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=16))
def test_same_states_as_jieba_on_random_text(text):
    assert _viterbi(text) == _jieba_route(text)


def test_random_characters_from_the_whole_plane():
    rng = random.Random(3)
    for _ in range(300):
        s = "".join(chr(rng.randint(0x3400, 0x9FFF)) for _ in range(rng.randint(1, 10)))
        assert _viterbi(s) == _jieba_route(s), s


def test_pos_cut_tags_as_with_jiebas_own_viterbi(monkeypatch):
    from extract import nlp

    clauses = [c for text in list(_reports())[:8] for c in regex.split(r"[，。；\n]", text) if c]
    assert len(clauses) > 200
    memo.clear()
    ours = [pos_cut(c) for c in clauses]
    memo.clear()
    monkeypatch.setattr(nlp, "_viterbi", _jieba_route)
    theirs = [pos_cut(c) for c in clauses]
    memo.clear()
    assert ours == theirs
