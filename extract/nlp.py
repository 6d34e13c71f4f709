"""The spaCy pipeline over jieba words, loaded once per process.

* :func:`get_jieba` – a private ``jieba.Tokenizer`` with ``patterns/userdict.txt``
  loaded (the global jieba dictionary of other modules is left alone);
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

MODEL_DIR = Path(__file__).resolve().parent / "data" / "ner_model"


@functools.lru_cache(maxsize=1)
def get_jieba():
    """A jieba tokenizer of our own, with the project's user dictionary."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    try:
        tk.load_userdict(str(patterns.path("userdict.txt")))
    except patterns.PatternError:  # pragma: no cover - the file ships with the package
        pass
    return tk


@functools.lru_cache(maxsize=8192)
def tokenize(text: str) -> tuple[tuple[str, int, int], ...]:
    """``(word, start, end)`` of each jieba word of ``text`` (cached: the rules ask
    for the same clauses several times)."""
    return tuple(get_jieba().tokenize(text))


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


@functools.lru_cache(maxsize=1)
def _pos_tokenizer():
    import jieba.posseg as pseg

    return pseg.POSTokenizer(get_jieba())


@functools.lru_cache(maxsize=4096)
def pos_cut(text: str) -> tuple[tuple[str, str], ...]:
    """``(word, tag)`` pairs of jieba's part-of-speech tagger (with our dictionary)."""
    return tuple((p.word, p.flag) for p in _pos_tokenizer().cut(text))
