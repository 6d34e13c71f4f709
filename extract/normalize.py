"""A normalised view of a report for matching, with a map back to the original.

Extractors match on :attr:`NormText.text`, where

* full-width digits, letters and ASCII punctuation are half-width
  (``１２`` → ``12``, ``（`` → ``(``, ``，`` → ``,``, ``：`` → ``:``);
* traditional characters are simplified (OpenCC ``t2s``, character for character);
* the hard line breaks a newspaper PDF leaves inside sentences are removed
  (``47.75\\n亿元`` → ``47.75亿元``), while real paragraph breaks stay ``\\n``;
* spaces are removed except between two ASCII letters or digits
  (``2023 年 1 月 28 日`` → ``2023年1月28日``).

Only deletions and one-for-one replacements happen, so every normalised
character has exactly one original position, stored in :attr:`NormText.offsets`.
:meth:`NormText.span` turns a normalised span into an original one such that
``original[start:end]`` is exactly what the fact quotes, line breaks included.
"""

from __future__ import annotations

import bisect
import functools
import re
import statistics
import string
from array import array
from dataclasses import dataclass, field

import regex

# --- character tables -------------------------------------------------------

_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20, 0x202F: 0x20})
_WIDTH.update({0xFFE5: ord("¥"), 0xFFE0: ord("¢"), 0xFFE1: ord("£")})

#: Characters after which a line break ends a sentence or paragraph.
TERMINALS = set("。！？!?；;…")
#: Characters that never end a line of running text (a break after them is a PDF wrap).
CONTINUERS = set("，、,:：“‘《(（")
#: Characters that never start a line of running text: units, closing punctuation.
#: A break before them is a PDF wrap (``47.75\n亿元``, ``1 月 19\n日``).
NO_LINE_START = set("亿万元个%％年月日号，、,。）)”’：:；;！？!?")

#: A line ending with a complete date or clock time (2024-04-09, 2024/4/9, 10:30).
#: Endings of a photo credit line and starts of a caption line (never joined).
PHOTO_CREDIT_ENDS = ("摄", "摄影", "供图", "文/图", "图/文")
CAPTION_STARTS = ("图为", "图片为")
_DATE_OR_TIME_END = regex.compile(r"(?:(?<!\d)\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|(?<!\d)\d{1,2}:\d{2}(?::\d{2})?)[ \t]*$")
_SPACE_RUN = regex.compile(r"[ \t\u3000\u00a0\u2002\u2003\u2009\u202f\n\f\v]+")
_NON_SPACE = re.compile(r"\S")  # what makes ``s.strip()`` non-empty


@functools.lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # pragma: no cover - opencc is a hard dependency
        return None


#: The same table character for character, and one class of its keys: a long text
#: is folded by replacing each key it holds (found in one C-level scan), much
#: faster than ``str.translate`` with a dict, which looks up every character.
_WIDTH_PAIRS = {chr(k): chr(v) for k, v in _WIDTH.items()}
_WIDTH_KEYS = re.compile("[" + "".join(re.escape(c) for c in sorted(_WIDTH_PAIRS)) + "]")
#: Replacing one key after another equals translating only if no replacement is a key.
_WIDTH_BY_REPLACE = not (set(_WIDTH_PAIRS.values()) & set(_WIDTH_PAIRS))


def fold_width(text: str) -> str:
    if len(text) < 64 or not _WIDTH_BY_REPLACE:
        return text.translate(_WIDTH)
    for ch in set(_WIDTH_KEYS.findall(text)):
        text = text.replace(ch, _WIDTH_PAIRS[ch])
    return text


def to_simplified(text: str) -> str:
    """Traditional to simplified, guaranteed one character for one."""
    conv = _t2s()
    if conv is None or text.isascii():
        return text
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    # Phrase conversions changed the length somewhere: go character by character.
    chars = []
    for ch in text:
        c = conv.convert(ch)
        chars.append(c if len(c) == 1 else ch)
    return "".join(chars)


def _line_threshold(text: str) -> int:
    """How long a line must be for a break after it to count as a PDF wrap.

    Newspaper PDFs wrap at a fixed column (about 30-35 characters in the
    corpus); headings and captions are shorter. Reports without hard wrapping
    only have paragraph-long lines, and breaks inside them need a long line.
    """
    lengths = [len(l.strip()) for l in text.split("\n") if l.strip()]
    if len(lengths) >= 8:
        mid = [n for n in lengths if 12 <= n <= 80]
        if len(mid) >= 0.3 * len(lengths):
            med = statistics.median(mid)
            near = sum(1 for n in mid if abs(n - med) <= 0.2 * med)
            if near >= 0.3 * len(lengths) and med < 60:
                return max(8, int(0.6 * med))
    return 40


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@dataclass
class NormText:
    """The normalised view of one original text."""

    original: str
    text: str
    offsets: array  # offsets[i] = original index of text[i]; len(text) + 1 entries
    _sentences: list[tuple[int, int]] | None = field(default=None, repr=False)

    # -- mapping -----------------------------------------------------------
    def orig_index(self, i: int) -> int:
        return self.offsets[i]

    def span(self, nstart: int, nend: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the normalised span ``[nstart, nend)``."""
        if nend <= nstart:
            o = self.offsets[nstart]
            return o, o
        return self.offsets[nstart], self.offsets[nend - 1] + 1

    def original_text(self, nstart: int, nend: int) -> str:
        s, e = self.span(nstart, nend)
        return self.original[s:e]

    def norm_index(self, orig: int) -> int:
        """First normalised index whose original position is >= ``orig``."""
        return bisect.bisect_left(self.offsets, orig, 0, len(self.text))

    # -- sentences -----------------------------------------------------------
    @property
    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans in normalised coordinates."""
        if self._sentences is None:
            self._sentences = split_sentences(self.text)
        return self._sentences

    def sentence_at(self, ni: int) -> tuple[int, int]:
        sents = self._sentences
        if sents is None:
            sents = self.sentences
        starts = self.__dict__.get("_starts")
        if starts is None or len(starts) != len(sents):
            starts = self._starts = [s for s, _ in sents]  # built once, not per call
        k = bisect.bisect_right(starts, ni) - 1
        if k < 0:
            return (0, 0)
        return sents[k]

    def sentence_span_original(self, ni: int) -> tuple[int, int]:
        s, e = self.sentence_at(ni)
        return self.span(s, e)


_SENT_END = regex.compile(r"[。！？!?；;]+[”’」』\"')）]*|\n+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of sentences: cut after 。！？； (and closing quotes) and at line breaks."""
    spans = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end() if m.group().strip() else m.start()
        if end > start and text[start:end].strip():
            spans.append((start, end))
        start = m.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text)))
    return spans


#: ``_IOTA[i] == i``: a slice ``_IOTA[a:b]`` is the offsets of a kept stretch
#: ``[a, b)``, copied in C (no Python int per character). Grown on demand up to
#: ``_IOTA_MAX`` (a constant table, not a cache of any text).
_IOTA = array("i")
_IOTA_MAX = 1 << 22
_ASCII_ALNUM_CHARS = frozenset(string.ascii_letters + string.digits)


def _iota(n: int):
    """An array with ``a[i] == i`` for ``i < n`` at least, or None when too long."""
    global _IOTA
    if len(_IOTA) < n:
        if n > _IOTA_MAX:
            return None
        _IOTA = array("i", range(max(n, 2 * len(_IOTA), 1 << 16)))
    return _IOTA


def normalise(original: str) -> NormText:
    """Build the normalised view of ``original`` (already newline-normalised)."""
    folded = to_simplified(fold_width(original))
    threshold = _line_threshold(original)
    out: list[str] = []
    offs = array("i")
    pos = 0
    n = len(folded)
    iota = _iota(n)
    alnum = _ASCII_ALNUM_CHARS
    for m in _SPACE_RUN.finditer(folded):
        a, b = m.span()
        if a > pos:
            out.append(folded[pos:a])
            if iota is not None:
                offs += iota[pos:a]
            else:
                offs.extend(range(pos, a))
        pos = b
        prev = folded[a - 1] if a > 0 else ""
        nxt = folded[b] if b < n else ""
        first_nl = folded.find("\n", a, b)
        if first_nl >= 0:
            if _joins(folded, a, b, prev, nxt, threshold):
                continue
            # keep one line break per break in the run (paragraph structure)
            out.append("\n")
            offs.append(first_nl)
            continue
        # a space run inside a line
        if prev in alnum and nxt in alnum:  # ("" is in neither)
            out.append(" ")
            offs.append(a)
    if pos < n:
        out.append(folded[pos:])
        if iota is not None:
            offs += iota[pos:n]
        else:
            offs.extend(range(pos, n))
    offs.append(len(original))
    return NormText(original=original, text="".join(out), offsets=offs)


def _standalone_before(folded: str, line_start: int) -> bool:
    """Does the line starting at ``line_start`` open a block (blank line or start before it)?"""
    # what ``head = folded[:line_start].rstrip(" \t\u3000")`` and then
    # ``not head.strip() or head.endswith("\n\n")
    # or head[:-1].rstrip(" \t\u3000").endswith("\n")`` give, without copying the prefix
    j = line_start
    while j > 0 and folded[j - 1] in " \t\u3000":
        j -= 1
    # head is folded[:j]
    if _NON_SPACE.search(folded, 0, j) is None:
        return True
    if j >= 2 and folded.startswith("\n\n", j - 2):
        return True
    k = j - 1  # head[:-1] is folded[:k]
    while k > 0 and folded[k - 1] in " \t\u3000":
        k -= 1
    return k > 0 and folded[k - 1] == "\n"


def _is_caption_line(line: str, limit: int) -> bool:
    return 0 < len(line) < limit and not any(c in TERMINALS or c in "，,;；" for c in line)


def _joins(folded: str, a: int, b: int, prev: str, nxt: str, threshold: int) -> bool:
    """Is the line break run ``folded[a:b]`` a wrap inside running text?"""
    if not prev or not nxt:
        return False
    if prev in TERMINALS:
        return False
    if nxt in "#>*-=":  # markdown heading or list
        return False
    line_start = folded.rfind("\n", 0, a) + 1
    line = folded[line_start:a].strip()
    next_end = folded.find("\n", b)
    next_line = folded[b:next_end if next_end >= 0 else len(folded)].strip()
    # photo credits and captions are never part of running text
    if line.endswith(PHOTO_CREDIT_ENDS) or next_line.startswith(CAPTION_STARTS):
        return False
    if folded.count("\n", a, b) >= 2:
        # a short line standing alone between blank lines is a heading or a
        # photo caption ("新点软件开工仪式"), not the end or start of a sentence
        if _standalone_before(folded, line_start) and _is_caption_line(line, 40):
            return False
        next_alone = next_end < 0 or not folded[next_end:next_end + 3].strip(" \t") or folded.startswith("\n\n", next_end)
        if next_alone and _is_caption_line(next_line, 20):
            return False
    if prev in CONTINUERS:
        return True
    if nxt in NO_LINE_START:
        return True
    if prev.isdigit() and (nxt.isdigit() or nxt == "."):
        # a number wrapped across lines, unless the line is a header that ends
        # with a complete date or clock time ("发布时间：2024-04-09" followed by
        # a body line "4月8日，…": two dates, not one number)
        line_start = folded.rfind("\n", 0, a) + 1
        return not _DATE_OR_TIME_END.search(folded, line_start, a)
    if prev == "." and nxt.isdigit() and a >= 2 and folded[a - 2].isdigit():
        return True  # a decimal number wrapped after its point (8.\n7%)
    if not (_is_cjk(prev) or prev.isalnum() or prev in "”’)）%"):
        return False
    if len(line) >= threshold:
        return True
    # a paragraph (it has a finished sentence) that stops mid-sentence
    return len(line) >= 8 and any(c in TERMINALS for c in line[:-1])
