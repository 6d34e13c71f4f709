"""``extract.nlp.tokenize`` and ``pos_cut`` re-do jieba's cut in one plain loop each;
these tests hold them to the library calls they replace, output for output.

* ``tokenize(text)`` must equal ``tuple(get_fast_jieba().tokenize(text))`` (and, for
  a text with ``-``, jieba's own);
* ``pos_cut(text)`` must equal the pairs of jieba.posseg's ``POSTokenizer.cut`` over
  :func:`extract.nlp.get_jieba` (with jieba's viterbi, or with ``nlp._viterbi``,
  which ``test_pos_tagger`` holds to jieba's);
* the compiled DAG and route that ``pos_cut`` borrows from ``jieba_next`` must equal
  jieba's ``get_DAG`` + ``calc``.

Texts: every sentence and clause of ``corpus/articles``, 40 generated reports (raw
and normalised) and hypothesis strings of Han, ASCII, digits, punctuation,
full-width forms, rare CJK, whitespace, ``\\r\\n``, ``-``, ``.`` and ``%``.
"""

import os
import sys
from pathlib import Path

import jieba.posseg as pseg
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from extract import memo, nlp
from extract.normalize import normalise

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.generate import generate_reports  # noqa: E402

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
SENTENCE = regex.compile(r"[。！？\n]")
CLAUSE = regex.compile(r"[，。；！？、\n]")


# ---------------------------------------------------------------- references


def _tok_ref(text):
    """What ``tokenize`` returned before the loop: the libraries' own tokenize."""
    if "-" in text:
        return tuple(nlp.get_jieba().tokenize(text))
    return tuple(nlp.get_fast_jieba().tokenize(text))


class _Tagger(pseg.POSTokenizer):
    """The former ``pos_cut``: jieba.posseg's generators with ``nlp._viterbi``."""

    def _POSTokenizer__cut(self, sentence):
        pos_list = nlp._viterbi(sentence)
        begin, nexti = 0, 0
        for i, char in enumerate(sentence):
            pos = pos_list[i][0]
            if pos == "B":
                begin = i
            elif pos == "E":
                yield pseg.pair(sentence[begin:i + 1], pos_list[i][1])
                nexti = i + 1
            elif pos == "S":
                yield pseg.pair(char, pos_list[i][1])
                nexti = i + 1
        if nexti < len(sentence):
            yield pseg.pair(sentence[nexti:], pos_list[nexti][1])


_REF = {}


def _ref_tagger():
    # jieba moves the user dictionary's tags into the first tagger that cuts; share
    # that table so that the reference sees the same tags as ours
    if "tagger" not in _REF:
        ours = nlp._pos_tokenizer()
        ours.makesure_userdict_loaded()
        ref = _Tagger.__new__(_Tagger)
        ref.tokenizer = nlp.get_jieba()
        ref.word_tag_tab = ours.word_tag_tab
        _REF["tagger"] = ref
    return _REF["tagger"]


def _pos_ref(text):
    return tuple((p.word, p.flag) for p in _ref_tagger().cut(text))


def _pos_ref_pure_jieba(text):
    """jieba.posseg from end to end (its own Python viterbi)."""
    ours = nlp._pos_tokenizer()
    ours.makesure_userdict_loaded()
    return tuple((p.word, p.flag) for p in ours.cut(text))


def _jieba_dag_route(text):
    jb = nlp.get_jieba()
    route = {}
    jb.calc(text, jb.get_DAG(text), route)
    return [route[i][1] for i in range(len(text))]


# ---------------------------------------------------------------- texts


def _texts():
    for p in sorted((ROOT / "corpus" / "articles").glob("*.txt")):
        yield p.read_text(encoding="utf-8")
    for rep in generate_reports(40, seed=23):
        yield rep["text"]


def _pieces():
    """Every text, its sentences and its clauses, raw and normalised, once each."""
    seen = set()
    for raw in _texts():
        for text in (raw, normalise(raw).text):
            for piece in [text] + SENTENCE.split(text) + CLAUSE.split(text):
                if piece and piece not in seen:
                    seen.add(piece)
                    yield piece


PIECES = list(_pieces())


def test_enough_texts():
    assert len(PIECES) > 5000
    assert sum("-" in p for p in PIECES) > 0  # the slow path is exercised too


def test_tokenize_equals_the_library_on_corpus_and_reports():
    memo.clear()
    for piece in PIECES:
        assert nlp.tokenize(piece) == _tok_ref(piece), piece
    memo.clear()


def test_pos_cut_equals_jiebas_tagger_on_corpus_and_reports():
    memo.clear()
    for piece in PIECES:
        assert nlp.pos_cut(piece) == _pos_ref(piece), piece
    memo.clear()


def test_the_compiled_route_is_jiebas():
    jb, fast = nlp.get_jieba(), nlp.get_fast_jieba()
    assert nlp._rust_route_is_jiebas(jb, fast, full=True)
    assert nlp._pos_parts().fast is fast  # pos_cut does use it
    n = 0
    for piece in PIECES:
        for blk in pseg.re_han_internal.findall(piece):
            assert nlp._jieba_route(jb, fast, blk)[:len(blk)] == _jieba_dag_route(blk), blk
            assert nlp._jieba_route(jb, None, blk) == _jieba_dag_route(blk), blk
            n += 1
    assert n > 20000


def test_pos_cut_without_the_compiled_route(monkeypatch):
    """The fallback (jieba's own DAG and route) gives the same pairs."""
    parts = nlp._pos_parts()._replace(fast=None)
    monkeypatch.setattr(nlp, "_pos_parts", lambda: parts)
    for piece in PIECES[::7]:
        assert tuple(nlp._pos_pairs(piece)) == _pos_ref(piece), piece


# ---------------------------------------------------------------- random text

ALPHABET = list("项目园区高新技术产业基地中心郑州新开工投产签约亿元万个年月日第期号将在了和及的")
ALPHABET += list("龘靐齉爩㐀鿕鿖\U00020000")  # rare, at and past the end of jieba's Han range
ALPHABET += list("abcXYZ0123456789+#&._%- ")  # ASCII, incl. the block joiners and '-'
ALPHABET += ["\r\n", "\r", "\n", "\t", "\u3000", "\xa0"]  # whitespace
ALPHABET += list("，。、；：（）()“”—·《》！？")  # punctuation
ALPHABET += list("１２ＡＢ％．－")  # full-width forms

TEXT = st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join)
# words of the dictionary and the user dictionary glued to the rest
WORDY = st.lists(st.one_of(st.sampled_from(ALPHABET), st.sampled_from(
    ["产业园", "项目", "开工", "签约一批", "三个一批", "5G", "12.5%", "3.14", "MEMS", "冷链",
     "约48", "的7个", "2023年", "第2期", "郑州航空港"])), max_size=20).map("".join)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(st.one_of(TEXT, WORDY))
def test_tokenize_equals_the_library_on_random_text(text):
    memo.clear()
    assert nlp.tokenize(text) == _tok_ref(text)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(st.one_of(TEXT, WORDY))
def test_pos_cut_equals_jiebas_tagger_on_random_text(text):
    memo.clear()
    got = nlp.pos_cut(text)
    assert got == _pos_ref(text)
    assert got == _pos_ref_pure_jieba(text)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(st.one_of(TEXT, WORDY))
def test_the_compiled_route_is_jiebas_on_random_text(text):
    jb, fast = nlp.get_jieba(), nlp.get_fast_jieba()
    for blk in pseg.re_han_internal.findall(text):
        assert nlp._jieba_route(jb, fast, blk)[:len(blk)] == _jieba_dag_route(blk)


def test_offsets_cover_the_text():
    for piece in PIECES[:2000]:
        toks = nlp.tokenize(piece)
        assert "".join(w for w, _, _ in toks) == piece
        assert all(piece[s:e] == w for w, s, e in toks)


def test_tokenize_honours_finalseg_force_split_words():
    """A word of ``finalseg``'s force-split list goes out as characters, as in
    jieba_next (the list is empty unless a caller fills it)."""
    from jieba_next import finalseg

    texts = ["郑垚鑫淼公司", "在鑫淼园开工", "郑垚鑫淼"]
    freq = nlp.get_fast_jieba().FREQ
    words = {w for t in texts for w, _, _ in nlp._fast_tokenize(t) if len(w) > 1 and w not in freq}
    assert words  # the HMM made words of these unknown runs
    try:
        for w in words:
            finalseg.add_force_split(w)
        for t in texts:
            got = nlp._fast_tokenize(t)
            assert got == tuple(nlp.get_fast_jieba().tokenize(t)), t
            assert not any(w in words for w, _, _ in got)
    finally:
        finalseg.Force_Split_Words.difference_update(words)
