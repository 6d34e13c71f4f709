"""Text in, facts out: the one entry point of extraction.

``extract_text`` is a pure function of its arguments (no database, no global
state beyond read-only rule files and the shipped model), so it can run in a
process pool, on a cluster, or in a test.
"""

from __future__ import annotations

import datetime as _dt
import importlib
from typing import Iterable, Optional, Union

from .doc import Doc
from .loader import sha256_text
from .models import ExtractionResult

#: The extractors, in the order they run. Each module has
#: ``extract(doc) -> list[Fact]``; later ones may read ``doc.found`` of earlier ones.
EXTRACTORS: list[tuple[str, str]] = [
    ("date", "extract.dates"),
    ("amount", "extract.money"),
    ("percentage", "extract.percent"),
    ("count", "extract.counts"),
    ("entity", "extract.entities"),
    ("project", "extract.projects"),
]

ALL_KINDS = [k for k, _ in EXTRACTORS]


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def _coerce_date(value: Union[None, str, _dt.date]) -> Optional[_dt.date]:
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])


def run_extractors(doc: Doc, kinds: Optional[Iterable[str]] = None) -> list:
    """Run the extractors on ``doc`` in pipeline order (all of them, or only those of
    ``kinds``), keep each one's facts in ``doc.found`` for the later ones, and return
    them all. A subset leaves out what a later extractor would read of a skipped one;
    ``extract_text`` always runs them all (its ``kinds`` filters the facts)."""
    only = set(kinds) if kinds is not None else None
    facts: list = []
    for kind, modname in EXTRACTORS:
        if only is not None and kind not in only:
            continue
        mod = _module(modname)
        if mod is None:
            continue
        got = mod.extract(doc)
        doc.found[kind] = got
        facts.extend(got)
    return facts


def extract_text(
    text: str,
    reference_date: Union[None, str, _dt.date] = None,
    *,
    path: Optional[str] = None,
    id: Optional[Union[str, int]] = None,
    title: Optional[str] = None,
    kinds: Optional[Iterable[str]] = None,
    reference_date_source: Optional[str] = None,
) -> ExtractionResult:
    """Extract every fact from one report.

    ``text`` must already be decoded with line ends normalised (see
    :mod:`extract.loader`). ``reference_date`` (the publication date) resolves
    relative expressions; when absent it is inferred from the text.
    """
    from .loader import as_decoded

    text = as_decoded(text)
    doc = Doc.from_text(text)
    given = _coerce_date(reference_date)
    refmod = _module("extract.refdate")
    if given is not None:
        doc.reference_date = given
        doc.reference_date_source = reference_date_source or "given"
    elif refmod is not None:
        doc.reference_date, doc.reference_date_source = refmod.infer_reference_date(doc)
    wanted = set(kinds) if kinds else None
    facts = run_extractors(doc)
    if wanted is not None:
        facts = [f for f in facts if f.kind in wanted or (f.kind in _SUBKINDS and _SUBKINDS[f.kind] in wanted)]
    facts.sort(key=lambda f: (f.start, f.end, f.kind))
    return ExtractionResult(
        path=path,
        id=id,
        sha256=sha256_text(text),
        title=title,
        reference_date=doc.reference_date,
        reference_date_source=doc.reference_date_source,
        facts=facts,
    )


_SUBKINDS = {
    "percentage_point": "percentage",
    "organisation": "entity",
    "person": "entity",
    "place": "entity",
    "phase_event": "project",
}
