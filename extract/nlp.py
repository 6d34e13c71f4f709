"""The spaCy pipeline over jieba words, loaded once per process.

* :func:`get_jieba` – a private ``jieba.Tokenizer`` with ``patterns/userdict.txt``
  loaded (the global jieba dictionary of other modules is left alone);
* :func:`tokenize` – words with offsets, cut by :func:`get_fast_jieba` (the same
  algorithm compiled) and equal to jieba's;
* :func:`pos_cut` – jieba's part-of-speech tags of words, with the compiled route
  and the numpy Viterbi (equal to ``jieba.posseg``'s);
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
import re
from pathlib import Path
from typing import Callable, NamedTuple, Optional

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


class _FastParts(NamedTuple):
    """What :func:`_fast_tokenize` reads of ``jieba_next`` (the objects themselves)."""

    tk: object  # :func:`get_fast_jieba`
    block_split: Callable  # its default block pattern's ``split``
    skip_re: re.Pattern  # whitespace between blocks ("\r\n" as one)
    han_split: Callable  # ``finalseg``'s Han blocks
    skip_split: Callable  # ``finalseg``'s letters and digits
    viterbi: Callable  # ``finalseg``'s compiled BMES Viterbi and its model
    start_p: dict
    trans_p: dict
    emit_p: dict
    force_split: object  # words ``finalseg`` gives out as characters


@functools.lru_cache(maxsize=1)
def _fast_parts() -> _FastParts:
    from jieba_next import _patterns, finalseg

    return _FastParts(get_fast_jieba(), _patterns.re_han_default.split, _patterns.re_skip_default,
                      finalseg.re_han.split, finalseg.re_skip.split, finalseg.viterbi_hmm,
                      finalseg.start_P, finalseg.trans_P, finalseg.emit_P, finalseg.Force_Split_Words)


def _route(tk, blk: str) -> list:
    """``tk._route_from_rust(blk)``: for each position, the last index of the word
    starting there on jieba's best route (the compiled DAG and route)."""
    prefix = tk._rust_prefix
    if prefix is None:  # built lazily after the user dictionary is loaded
        return tk._route_from_rust(blk)
    return prefix.get_dag_and_calc(blk)


def _bmes_spans(labels) -> list:
    """The words of an HMM's ``B``/``M``/``E``/``S`` labels (jieba's decoding, shared by
    its segmenter and its tagger) as ``(start, end, k)``: ``k`` is the position whose
    state names the word's tag (its last character; for an unfinished tail, its first)."""
    out = []
    begin = nexti = 0
    for i, pos in enumerate(labels):
        if pos == "B":
            begin = i
        elif pos == "E":
            out.append((begin, i + 1, i))
            nexti = i + 1
        elif pos == "S":
            out.append((i, i + 1, i))
            nexti = i + 1
    if nexti < len(labels):
        out.append((nexti, len(labels), nexti))
    return out


def _between_blocks(blk: str, skip_re) -> list:
    """The words of text between two blocks: every character alone, except that
    ``skip_re`` keeps "\r\n" as one (jieba's ``re_skip`` split, the same in its
    segmenter and its tagger)."""
    if len(blk) == 1:
        return [blk]
    if "\r\n" not in blk:
        return list(blk)
    out = []
    for x in skip_re.split(blk):
        if skip_re.match(x):
            out.append(x)
        else:
            out.extend(x)
    return out


def _finalseg_han(blk: str, at: int, out: list, parts: _FastParts) -> None:
    """``jieba_next.finalseg``'s words of a block of Han characters (its compiled
    BMES Viterbi; a word of its force-split list goes out as characters), as
    ``(word, start, end)`` with ``blk`` starting at ``at``."""
    append = out.append
    labels = parts.viterbi(blk, "BMES", parts.start_p, parts.trans_p, parts.emit_p)[1]
    for a, b, _ in _bmes_spans(labels):
        if b - a > 1 and blk[a:b] in parts.force_split:
            for k in range(a, b):
                append((blk[k], at + k, at + k + 1))
        else:
            append((blk[a:b], at + a, at + b))


def _finalseg_cut(buf: str, at: int, out: list, parts: _FastParts) -> None:
    """``jieba_next.finalseg.cut(buf)``: the HMM's words of a run of characters the
    dictionary does not know, as ``(word, start, end)`` with ``buf`` starting at ``at``."""
    if buf.isascii():  # no Han block: only finalseg's re_skip split
        if buf.isalnum():  # one match of ``[a-zA-Z0-9]+``: one word
            out.append((buf, at, at + len(buf)))
            return
        for x in parts.skip_split(buf):
            if x:
                out.append((x, at, at + len(x)))
                at += len(x)
        return
    if "\u4e00" <= min(buf) and max(buf) <= "\u9fd5":  # all Han: one block
        _finalseg_han(buf, at, out, parts)
        return
    for j, blk in enumerate(parts.han_split(buf)):
        if j & 1:  # a Han block (re.split puts the captured blocks at odd places)
            _finalseg_han(blk, at, out, parts)
            at += len(blk)
        else:
            for x in parts.skip_split(blk):
                if x:
                    out.append((x, at, at + len(x)))
                    at += len(x)


def _dag_pieces(blk: str, route: list, freq: dict) -> list:
    """The words of a Han block on jieba's best ``route`` (default mode, HMM on), as
    ``(start, end, unknown)``: ``unknown`` marks a run of single characters that the
    dictionary does not know as a whole, which the caller's HMM cuts. A run the
    dictionary knows comes out as single characters, as in jieba's ``__cut_DAG``."""
    pieces: list = []
    append = pieces.append

    def run(b: int, e: int) -> None:  # a run of single characters [b, e)
        if e - b == 1:
            append((b, e, False))
        elif freq.get(blk[b:e]):
            pieces.extend([(i, i + 1, False) for i in range(b, e)])
        else:
            append((b, e, True))

    n = len(blk)
    x = 0
    b = -1  # start of the pending run of single characters
    while x < n:
        y = route[x] + 1
        if y - x == 1:
            if b < 0:
                b = x
        else:
            if b >= 0:
                run(b, x)
                b = -1
            append((x, y, False))
        x = y
    if b >= 0:
        run(b, n)
    return pieces


def _fast_tokenize(text: str) -> tuple[tuple[str, int, int], ...]:
    """``tuple(get_fast_jieba().tokenize(text))`` (default mode, HMM on) without its
    generators: the same blocks, the same compiled route, the same HMM for runs of
    unknown single characters, each ``(word, start, end)`` built directly."""
    parts = _fast_parts()
    tk, skip_re = parts.tk, parts.skip_re
    freq = tk.FREQ
    out: list = []
    append = out.append
    at = 0  # where ``blk`` starts in ``text``
    for k, blk in enumerate(parts.block_split(text)):
        n = len(blk)
        if not n:
            continue
        if not k & 1:
            for w in _between_blocks(blk, skip_re):
                append((w, at, at + len(w)))
                at += len(w)
            continue
        for a, b, unknown in _dag_pieces(blk, _route(tk, blk), freq):
            if unknown:
                _finalseg_cut(blk[a:b], at + a, out, parts)
            else:
                append((blk[a:b], at + a, at + b))
        at += n
    return tuple(out)


@text_cache(8192)
def tokenize(text: str) -> tuple[tuple[str, int, int], ...]:
    """``(word, start, end)`` of each jieba word of ``text`` (cached: the rules ask
    for the same clauses several times). The compiled segmenter does the work (its
    cut re-done in :func:`_fast_tokenize` without generators); a text with a ``-`` goes
    to jieba, so that the words are jieba 0.42.1's."""
    for c in _SLOW_PATH_CHARS:
        if c in text:
            return tuple(get_jieba().tokenize(text))
    return _fast_tokenize(text)


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
    """jieba's part-of-speech tagger over :func:`get_jieba` (its word tags; the cut
    itself is :func:`_pos_pairs`)."""
    import jieba.posseg as pseg

    return pseg.POSTokenizer(get_jieba())


#: the most words a position's DAG may hold in ``jieba_next``'s compiled trie (it stops at 12)
_RUST_DAG_CAP = 12


def _rust_route_is_jiebas(jb, fast, full: bool = False) -> bool:
    """Whether ``jieba_next``'s compiled DAG and route (:func:`_route` over ``fast``)
    equal ``jb.get_DAG`` + ``jb.calc`` on every text.

    They do when both hold the same word frequencies and total: the trie is built
    from them and walks the same prefixes (the dictionary is closed under
    prefixes), the scores are the same sums of glibc's ``log`` in the same order,
    ties go to the longer word in both; and when no word has more than 12
    dictionary words among its prefixes (the trie keeps at most 12 per position).
    Comparing half a million frequencies takes a tenth of a second, so at run time
    only the total and the size are compared; ``full=True`` (the tests) checks all."""
    fast.check_initialized()
    jb.check_initialized()
    if jb.total != fast.total or len(jb.FREQ) != len(fast.FREQ):
        return False
    if not full:
        return True
    freq = jb.FREQ
    if freq != fast.FREQ or any(w[:i] not in freq for w in freq for i in range(1, len(w))):
        return False
    return all(sum(1 for i in range(1, len(w) + 1) if freq.get(w[:i])) <= _RUST_DAG_CAP
               for w in freq if len(w) > _RUST_DAG_CAP)


class _PosParts(NamedTuple):
    """What :func:`_pos_pairs` reads (the objects themselves)."""

    jb: object  # :func:`get_jieba`
    fast: object  # :func:`get_fast_jieba` when its compiled route is jieba's, else None
    tags: dict  # word -> tag, the user dictionary's included
    block_split: Callable  # jieba.posseg's blocks
    skip_re: re.Pattern  # whitespace between blocks ("\r\n" as one)
    han_split: Callable  # jieba.posseg's Han blocks of an unknown run
    skip_split: Callable  # its numbers and letters
    num_match: Callable
    eng_match: Callable


@functools.lru_cache(maxsize=1)
def _pos_parts() -> _PosParts:
    import jieba.posseg as pseg

    jb, fast = get_jieba(), get_fast_jieba()
    tagger = _pos_tokenizer()
    # (jieba moves the user dictionary's tags into the tagger's table on its first
    # cut; the dictionary is complete once get_jieba returns, so once is enough)
    tagger.makesure_userdict_loaded()
    return _PosParts(jb, fast if _rust_route_is_jiebas(jb, fast) else None, tagger.word_tag_tab,
                     pseg.re_han_internal.split, pseg.re_skip_internal, pseg.re_han_detail.split,
                     pseg.re_skip_detail.split, pseg.re_num.match, pseg.re_eng.match)


def _jieba_route(jb, fast, blk: str) -> list:
    """For each position of ``blk``, the last index of the word starting there on
    jieba's best route (``jb.get_DAG`` and ``jb.calc``, or the same compiled)."""
    if fast is not None:  # (a block is Han and ASCII only, so always a valid Rust string)
        return _route(fast, blk)
    dag = jb.get_DAG(blk)
    route: dict = {}
    jb.calc(blk, dag, route)
    return [route[i][1] for i in range(len(blk))]


def _pos_detail(buf: str, out: list, parts: _PosParts) -> None:
    """``POSTokenizer.__cut_detail(buf)`` with :func:`_viterbi` for the HMM, as
    ``(word, tag)``: Han blocks by the HMM, numbers "m", letters "eng", the rest "x"."""
    append = out.append
    for j, blk in enumerate(parts.han_split(buf)):
        if j & 1:  # a Han block
            states = _viterbi(blk)
            for a, b, k in _bmes_spans([pos for pos, _ in states]):
                append((blk[a:b], states[k][1]))
        else:
            for x in parts.skip_split(blk):
                if x:
                    if parts.num_match(x):
                        append((x, "m"))
                    elif parts.eng_match(x):
                        append((x, "eng"))
                    else:
                        append((x, "x"))


def _pos_pairs(text: str) -> list:
    """``[(p.word, p.flag) for p in jieba.posseg.POSTokenizer(get_jieba()).cut(text)]``
    with :func:`_viterbi`, in one loop: the same blocks, DAG, route, tags and HMM."""
    parts = _pos_parts()
    jb, fast, tags = parts.jb, parts.fast, parts.tags
    freq = jb.FREQ
    out: list = []
    append = out.append
    for k, blk in enumerate(parts.block_split(text)):
        if not k & 1:
            # between blocks, all tagged "x" (digits, "." and letters are never here)
            out.extend([(w, "x") for w in _between_blocks(blk, parts.skip_re)])
            continue
        for a, b, unknown in _dag_pieces(blk, _jieba_route(jb, fast, blk), freq):
            if unknown:
                _pos_detail(blk[a:b], out, parts)
            else:
                w = blk[a:b]
                append((w, tags.get(w, "x")))
    return out


@text_cache(4096)
def pos_cut(text: str) -> tuple[tuple[str, str], ...]:
    """``(word, tag)`` pairs of jieba's part-of-speech tagger (with our dictionary)."""
    return tuple(_pos_pairs(text))
