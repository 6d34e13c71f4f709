"""The working state of one report while its facts are extracted.

Extractors are pure functions ``extract(doc: Doc) -> list[Fact]``. They match
on ``doc.text`` (the normalised view) and build facts with :meth:`Doc.make`,
which maps the normalised span back to the original text, so that
``fact.text == doc.original[fact.start:fact.end]`` always holds.
Later extractors may read the facts of earlier ones from ``doc.found``
(projects read amounts, for instance); nothing here touches a database.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Optional

from .normalize import NormText, normalise


@dataclass
class Doc:
    original: str
    norm: NormText
    reference_date: Optional[_dt.date] = None
    reference_date_source: Optional[str] = None
    found: dict[str, list[Any]] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_text(cls, original: str) -> "Doc":
        return cls(original=original, norm=normalise(original))

    @property
    def text(self) -> str:
        """The normalised text extractors match on."""
        return self.norm.text

    def span(self, nstart: int, nend: int) -> tuple[int, int]:
        return self.norm.span(nstart, nend)

    def make(self, cls, nstart: int, nend: int, **fields):
        """Build a fact of type ``cls`` for the normalised span ``[nstart, nend)``."""
        start, end = self.norm.span(nstart, nend)
        ss, se = self.norm.sentence_span_original(nstart)
        return cls(
            start=start,
            end=end,
            text=self.original[start:end],
            sentence_start=ss,
            sentence_end=se,
            **fields,
        )

    def sentence(self, nindex: int) -> tuple[int, int]:
        """Normalised span of the sentence containing ``nindex``."""
        return self.norm.sentence_at(nindex)

    def window(self, nstart: int, nend: int, before: int = 12, after: int = 12) -> tuple[str, str]:
        """Text just before and after a span, limited to its sentence."""
        ss, se = self.sentence(nstart)
        left = self.text[max(ss, nstart - before):nstart]
        right = self.text[nend:min(se, nend + after)]
        return left, right

    def year(self) -> Optional[int]:
        return self.reference_date.year if self.reference_date else None


def literal_spans(word: str, text: str):
    """``(start, end)`` of each non-overlapping occurrence of ``word`` in ``text``, left
    to right (what ``regex.finditer(regex.escape(word), text)`` yields, without
    compiling a pattern per name)."""
    n = len(word)
    k = text.find(word)
    while k >= 0:
        yield k, k + n
        k = text.find(word, k + n)
