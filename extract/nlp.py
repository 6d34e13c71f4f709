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
_MIN_INF = float("-inf")


@functools.lru_cache(maxsize=1)
def _predecessors() -> dict:
    """State -> the states that can go to it (jieba's part-of-speech HMM)."""
    from jieba.posseg import trans_P

    pred: dict = {}
    for y0, nxt in trans_P.items():
        for y in nxt:
            pred.setdefault(y, []).append(y0)
    return pred


def _viterbi(obs, states, start_p, trans_p, emit_p):
    """``jieba.posseg.viterbi`` computed the same way, value for value, but for each
    state only over the previous states that can go to it (jieba's tries all of them
    and lets the others score minus infinity, which matters only for ties)."""
    pred = _predecessors()
    all_states = trans_p.keys()
    V = {}
    mem_path = [{}]
    for y in states.get(obs[0], all_states):  # init
        V[y] = start_p[y] + emit_p[y].get(obs[0], _MIN_FLOAT)
        mem_path[0][y] = ""
    for t in range(1, len(obs)):
        prev_states = [x for x in mem_path[t - 1].keys() if len(trans_p[x]) > 0]
        prev_set = set(prev_states)
        prev_states_expect_next = set().union(*[trans_p[x].keys() for x in prev_states])
        obs_states = set(states.get(obs[t], all_states)) & prev_states_expect_next
        if not obs_states:
            obs_states = prev_states_expect_next if prev_states_expect_next else all_states
        ch = obs[t]
        by_rank = None
        nV = {}
        mp = {}
        for y in obs_states:
            em = emit_p[y].get(ch, _MIN_FLOAT)
            cands = [y0 for y0 in pred.get(y, ()) if y0 in prev_set]
            best = max((V[y0] + trans_p[y0][y] + em, y0) for y0 in cands) if cands else None
            if len(cands) < len(prev_states):
                # the others score V + (-inf) + emit = -inf: the largest of them ties
                if by_rank is None:
                    by_rank = sorted(prev_states, reverse=True)
                cs = set(cands)
                other = next(y0 for y0 in by_rank if y0 not in cs)
                cand = (V[other] + _MIN_INF + em, other)
                best = cand if best is None or cand > best else best
            if best is None:
                raise ValueError("max() arg is an empty sequence")  # as jieba's
            nV[y] = best[0]
            mp[y] = best[1]
        V = nV
        mem_path.append(mp)
    last = [(V[y], y) for y in mem_path[-1].keys()]
    prob, state = max(last)
    route = [None] * len(obs)
    i = len(obs) - 1
    while i >= 0:
        route[i] = state
        state = mem_path[i][state]
        i -= 1
    return (prob, route)


@functools.lru_cache(maxsize=1)
def _pos_tokenizer():
    import jieba.posseg as pseg

    class _Tagger(pseg.POSTokenizer):
        # jieba's own ``__cut`` with the faster, equal :func:`_viterbi`
        def _POSTokenizer__cut(self, sentence):
            prob, pos_list = _viterbi(sentence, pseg.char_state_tab_P, pseg.start_P, pseg.trans_P, pseg.emit_P)
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
