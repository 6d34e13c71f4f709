"""The spaCy pipeline over jieba words, loaded once per process.

* :func:`get_jieba` – a private ``jieba.Tokenizer`` with ``patterns/userdict.txt``
  loaded (the global jieba dictionary of other modules is left alone);
* :func:`tokenize` – words with offsets, cut by :func:`get_fast_jieba` (the same
  algorithm compiled) and equal to jieba's;
* :func:`get_nlp` – ``spacy.blank("zh")`` whose tokenizer segments with that jieba
  instance, plus the shipped statistical ``ner`` (label ``PROJECT``) trained by
  ``xiangmu train`` into ``extract/data/ner_model``; ``None`` when no model is shipped;
* :func:`blank_nlp` – the same tokenizer without a model (training starts from it).

Everything runs on the normalised text ``doc.text``; callers map spans back with
``doc.make``.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Optional

import patterns

from .memo import text_cache

MODEL_DIR = Path(__file__).resolve().parent / "data" / "ner_model"


def _with_userdict(tk):
    """``tk`` (a jieba or jieba_next ``Tokenizer``) initialised, with ``patterns/userdict.txt``."""
    tk.initialize()
    try:
        tk.load_userdict(str(patterns.path("userdict.txt")))
    except patterns.PatternError:  # pragma: no cover - the file ships with the package
        pass
    return tk


@functools.lru_cache(maxsize=1)
def get_jieba():
    """A jieba tokenizer of our own, with the project's user dictionary."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    return _with_userdict(tk)


@functools.lru_cache(maxsize=1)
def get_fast_jieba():
    """The same segmenter compiled: ``jieba_next`` (jieba's algorithm and dictionary,
    the DAG and route in Rust, about 4× faster), with our user dictionary.

    Its words equal jieba 0.42.1's on every clause of the corpus and of generated
    reports (``tests/test_segmenter.py`` keeps checking), except around ``-``: it
    splits text into blocks with jieba's older pattern, which lacks ``-``. Texts with
    a ``-`` therefore go to jieba itself (see :func:`tokenize`)."""
    import jieba_next

    tk = jieba_next.Tokenizer()
    return _with_userdict(tk)


#: characters whose blocks jieba_next cuts differently from jieba 0.42.1
_SLOW_PATH_CHARS = "-"


@text_cache(8192)
def tokenize(text: str) -> tuple[tuple[str, int, int], ...]:
    """``(word, start, end)`` of each jieba word of ``text`` (cached: the rules ask
    for the same clauses several times). The compiled segmenter does the work; a
    text with a ``-`` goes to jieba, so that the words are jieba 0.42.1's."""
    if any(c in text for c in _SLOW_PATH_CHARS):
        return tuple(get_jieba().tokenize(text))
    return tuple(get_fast_jieba().tokenize(text))


def _use_our_jieba(nlp) -> None:
    # spaCy's Chinese tokenizer calls ``self.jieba_seg.cut(text, cut_all=False)``;
    # give it our own instance so the user dictionary applies and the global one stays clean.
    nlp.tokenizer.jieba_seg = get_jieba()


def blank_nlp():
    """``spacy.blank("zh")`` with the jieba segmenter and our dictionary."""
    import spacy

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    _use_our_jieba(nlp)
    return nlp


@functools.lru_cache(maxsize=2)
def get_nlp(model_dir: Optional[str] = None):
    """The trained pipeline, or ``None`` when no model is shipped at ``model_dir``."""
    import spacy

    path = Path(model_dir) if model_dir else MODEL_DIR
    if not (path / "config.cfg").exists():
        return None
    nlp = spacy.load(path)
    _use_our_jieba(nlp)
    return nlp


def model_available(model_dir: Optional[str] = None) -> bool:
    path = Path(model_dir) if model_dir else MODEL_DIR
    return (path / "config.cfg").exists()


_MIN_FLOAT = -3.14e100


@functools.lru_cache(maxsize=1)
def _hmm():
    """jieba's part-of-speech HMM as arrays. States are numbered in their sort order,
    so that of equal scores the one with the larger number is the one jieba's
    ``max((score, state), …)`` picks."""
    import numpy as np
    from jieba.posseg import char_state_tab_P, emit_P, start_P, trans_P

    names = sorted(trans_P)
    index = {s: i for i, s in enumerate(names)}
    n = len(names)
    trans = np.full((n, n), -np.inf)  # a missing transition scores minus infinity, as in jieba
    succ = np.zeros((n, n), dtype=bool)
    for y0, nxt in trans_P.items():
        for y, p in nxt.items():
            trans[index[y0], index[y]] = p
            succ[index[y0], index[y]] = True
    has_next = succ.any(axis=1)
    start = np.array([start_P[s] for s in names])
    return names, index, trans, succ, has_next, start, char_state_tab_P, emit_P


@functools.lru_cache(maxsize=8192)
def _hmm_char(ch: str):
    """The emission scores of ``ch`` for every state, and the states it may take (a
    table of the model, the same for every text)."""
    import numpy as np

    names, index, _, _, _, _, tab, emit = _hmm()
    scores = np.array([emit[s].get(ch, _MIN_FLOAT) for s in names])
    allowed = np.zeros(len(names), dtype=bool)
    got = tab.get(ch)
    if got is None:
        allowed[:] = True
    else:
        allowed[[index[s] for s in got]] = True
    return scores, allowed


def _viterbi(obs: str) -> list:
    """``jieba.posseg.viterbi(obs, char_state_tab_P, start_P, trans_P, emit_P)[1]``:
    the same sums in the same order and the same choice between equal scores, over
    arrays instead of dictionaries."""
    import numpy as np

    names, _, trans, succ, has_next, start, _, _ = _hmm()
    em, allowed = _hmm_char(obs[0])
    cur = np.flatnonzero(allowed)  # the states alive at t, ascending
    V = start[cur] + em[cur]
    backs = []
    for t in range(1, len(obs)):
        live = has_next[cur]
        prev, Vp = cur[live], V[live]
        if not len(prev):
            raise ValueError("max() arg is an empty sequence")  # as jieba's
        expect = succ[prev].any(axis=0)
        em, allowed = _hmm_char(obs[t])
        ys = allowed & expect
        if not ys.any():
            ys = expect if expect.any() else np.ones(len(names), dtype=bool)
        ys = np.flatnonzero(ys)
        scores = (Vp[:, None] + trans[np.ix_(prev, ys)]) + em[ys][None, :]
        # of equal scores the largest state: the first maximum of the reversed rows
        k = len(prev) - 1 - scores[::-1].argmax(axis=0)
        V = scores[k, np.arange(len(ys))]
        back = np.empty(len(names), dtype=np.intp)
        back[ys] = prev[k]
        backs.append(back)
        cur = ys
    s = int(cur[len(cur) - 1 - V[::-1].argmax()])
    route = [None] * len(obs)
    for t in range(len(obs) - 1, -1, -1):
        route[t] = names[s]
        if t:
            s = int(backs[t - 1][s])
    return route


@functools.lru_cache(maxsize=1)
def _pos_tokenizer():
    import jieba.posseg as pseg

    class _Tagger(pseg.POSTokenizer):
        # jieba's own ``__cut`` with the faster, equal :func:`_viterbi`
        def _POSTokenizer__cut(self, sentence):
            pos_list = _viterbi(sentence)
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

    return _Tagger(get_jieba())


@text_cache(4096)
def pos_cut(text: str) -> tuple[tuple[str, str], ...]:
    """``(word, tag)`` pairs of jieba's part-of-speech tagger (with our dictionary)."""
    return tuple((p.word, p.flag) for p in _pos_tokenizer().cut(text))
