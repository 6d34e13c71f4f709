"""The compiled segmenter behind ``extract.nlp.tokenize`` gives jieba 0.42.1's words.

``jieba_next`` is pinned in pyproject.toml; if a new release or another platform's
build cut differently, these tests say so before any fact changes.
"""

import sys
from pathlib import Path

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from extract import memo
from extract.nlp import get_jieba, tokenize
from extract.normalize import normalise

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.generate import iter_reports  # noqa: E402

CLAUSE = regex.compile(r"[，。；！？\n]")


def _reference(text):
    return tuple(get_jieba().tokenize(text))


def _texts():
    for p in sorted((ROOT / "corpus" / "articles").glob("*.txt")):
        yield p.read_text(encoding="utf-8")
    for rep, _ in zip(iter_reports(60, seed=5), range(60)):
        yield rep["text"]


def test_same_words_as_jieba_on_reports_and_their_clauses():
    memo.clear()
    n = 0
    for raw in _texts():
        for text in (raw, normalise(raw).text):
            for piece in [text] + [c for c in CLAUSE.split(text) if c]:
                assert tokenize(piece) == _reference(piece), piece
                n += 1
    assert n > 2000


# characters the cut treats specially: Han, Latin, digits, the joiners of jieba's
# block pattern (+#&._%-), spaces, punctuation and a full-width digit
ALPHABET = list("项目园区高新技术产业基地中心郑州新开工投产签约亿元万个年月日第期号")
ALPHABET += list("abcXYZ0123456789+#&._%- \u3000，。、（）()“”—１")
ALPHABET += list("\r\n\t")  # line breaks ("\r\n" is one word)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_same_words_as_jieba_on_random_text(text):
    memo.clear()
    assert tokenize(text) == _reference(text)
