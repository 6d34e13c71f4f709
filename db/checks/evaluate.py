"""Score the consistency checks against a hand-made list of inconsistencies.

``gold/inconsistencies.json`` (corpus/GUIDE.md) lists, for each item, its
``kind``, the ``articles`` (file names) and ``evidence`` strings quoted from
them. A reported item matches a gold item when the kind is the same and one
of its evidence spans overlaps one of the gold evidence strings' positions in
the same article; matching is one to one. The figures:

* recall: gold items matched / gold items;
* precision on error+warning: reported items of severity error or warning
  that match a gold item / all reported error and warning items (info items
  - duplicates, versions, role changes - are not counted: an editor reads
  them as hints).

:func:`reports_from_gold` builds :class:`~db.models.StoredReport` objects
whose facts are the gold annotations themselves, so the checks can be scored
on perfect extraction as well as on the real pipeline's output.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Iterable, Optional

from db.models import Inconsistency, RegistryProject, StoredReport
from extract.doc import Doc
from extract.loader import sha256_text
from extract.models import Amount, Count, DateFact, Percentage, Project


def _locate_all(text: str, needle: str) -> list[tuple[int, int]]:
    out = []
    i = text.find(needle)
    while i >= 0 and needle:
        out.append((i, i + len(needle)))
        i = text.find(needle, i + 1)
    return out


def gold_spans(gold_item: dict, reports: Iterable[StoredReport]) -> list[tuple[str, int, int, str]]:
    """(article name, start, end, text) of every evidence string of a gold item."""
    reports = list(reports)
    arts = set(gold_item.get("articles") or [])
    out = []
    for ev in gold_item.get("evidence", []):
        found = False
        for r in reports:
            name = os.path.basename(r.path)
            if arts and name not in arts:
                continue
            for s, e in _locate_all(r.text, ev):
                out.append((name, s, e, ev))
                found = True
        if not found:
            for r in reports:
                for s, e in _locate_all(r.text, ev):
                    out.append((os.path.basename(r.path), s, e, ev))
    return out


def _overlap(item: Inconsistency, spans: list[tuple[str, int, int, str]]) -> int:
    n = 0
    for e in item.evidence:
        name = os.path.basename(e.path)
        for a, s, t, _ in spans:
            if a == name and e.start < t and s < e.end:
                n += 1
    return n


def evaluate_inconsistencies(items: list[Inconsistency], gold_path, reports: Iterable[StoredReport]) -> dict:
    """Match reported items to the gold file; return recall, precision and the lists."""
    reports = list(reports)
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))["items"]
    gspans = [gold_spans(g, reports) for g in gold]
    matched_pred: dict[int, int] = {}
    matched_gold: dict[int, int] = {}
    cands = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(items):
            if p.kind != g["kind"]:
                continue
            ov = _overlap(p, gspans[gi])
            if ov:
                cands.append((ov, gi, pi))
    cands.sort(key=lambda c: (-c[0], c[1], c[2]))
    for ov, gi, pi in cands:
        if gi in matched_gold or pi in matched_pred:
            continue
        matched_gold[gi] = pi
        matched_pred[pi] = gi
    relevant = [pi for pi, p in enumerate(items) if p.severity in ("error", "warning")]
    tp = [pi for pi in relevant if pi in matched_pred]
    fp = [pi for pi in relevant if pi not in matched_pred]
    misses = [gi for gi in range(len(gold)) if gi not in matched_gold]
    gold_required = [gi for gi, g in enumerate(gold) if not g.get("optional")]
    found_required = [gi for gi in gold_required if gi in matched_gold]
    per_kind: dict[str, dict] = {}
    for gi, g in enumerate(gold):
        k = per_kind.setdefault(g["kind"], {"gold": 0, "found": 0, "reported": 0, "false_alarms": 0})
        k["gold"] += 1
        k["found"] += int(gi in matched_gold)
    for pi, p in enumerate(items):
        k = per_kind.setdefault(p.kind, {"gold": 0, "found": 0, "reported": 0, "false_alarms": 0})
        k["reported"] += 1
        if p.severity in ("error", "warning") and pi not in matched_pred:
            k["false_alarms"] += 1
    return {
        "gold": len(gold),
        "found": len(matched_gold),
        "recall": len(found_required) / len(gold_required) if gold_required else 1.0,
        "reported_error_warning": len(relevant),
        "true_error_warning": len(tp),
        "precision_error_warning": len(tp) / len(relevant) if relevant else 1.0,
        "per_kind": per_kind,
        "misses": [{"kind": gold[gi]["kind"], "evidence": gold[gi]["evidence"],
                    "articles": gold[gi].get("articles")} for gi in misses],
        "false_alarms": [{"kind": items[pi].kind, "severity": items[pi].severity, "message": items[pi].message,
                          "evidence": [e.text for e in items[pi].evidence[:4]]} for pi in fp],
        "matches": [{"gold": gi, "item": pi, "kind": gold[gi]["kind"]} for gi, pi in sorted(matched_gold.items())],
    }


# -- reports with gold facts ---------------------------------------------------------

def _fact(doc: Doc, cls, start: int, end: int, **fields):
    ni = doc.norm.norm_index(start)
    ss, se = doc.norm.sentence_span_original(min(ni, max(0, len(doc.text) - 1)))
    return cls(start=start, end=end, text=doc.original[start:end], sentence_start=min(ss, start),
               sentence_end=max(se, end), **fields)


def _d(v: Optional[str]) -> Optional[_dt.date]:
    return _dt.date.fromisoformat(v) if v else None


def reports_from_gold(gold_dir, articles_dir=None, with_facts: bool = True,
                      prefix: Optional[str] = None) -> tuple[list[StoredReport], list[RegistryProject]]:
    """StoredReports whose facts are the gold annotations (and registry ids from entity slugs).

    ``prefix``: only the gold files of articles whose name starts with it (``e5``).
    """
    from extract.evaluate import load_gold, locate

    gold_dir = Path(gold_dir)
    loaded = [x for x in load_gold(gold_dir, articles_dir) if not prefix or x[1]["article"].startswith(prefix)]
    registry = {}
    reg_path = gold_dir / "registry.json"
    if reg_path.exists():
        for ent in json.loads(reg_path.read_text(encoding="utf-8")).get("entities", []):
            registry[ent["entity"]] = ent.get("canonical")
    slugs: dict[str, int] = {}
    names: dict[str, str] = {}
    reports = []
    for rid, (ap, gold, text) in enumerate(loaded, 1):
        doc = Doc.from_text(text)
        facts = []
        project_of = {}
        if with_facts:
            for it in gold.get("amounts", []):
                s, e = locate(text, it)
                facts.append(_fact(doc, Amount, s, e, value_yuan=it.get("value_yuan"), currency=it.get("currency", "CNY"),
                                   qualifier=it.get("qualifier", "exact"), role=it.get("role", "other"),
                                   target=bool(it.get("target")), subject=it.get("subject")))
            for it in gold.get("percentages", []):
                s, e = locate(text, it)
                facts.append(_fact(doc, Percentage, s, e, value=it.get("value"), qualifier=it.get("qualifier", "exact"),
                                   metric=it.get("metric", ""), target=bool(it.get("target"))))
            for it in gold.get("dates", []):
                s, e = locate(text, it)
                facts.append(_fact(doc, DateFact, s, e, date_start=_d(it.get("start")), date_end=_d(it.get("end")),
                                   granularity=it.get("granularity", "day"), date_kind=it.get("kind", "point")))
            for it in gold.get("counts", []):
                s, e = locate(text, it)
                facts.append(_fact(doc, Count, s, e, value=it["value"], noun=it.get("noun", "项目"),
                                   subject=it.get("subject")))
            for it in gold.get("projects", []):
                s, e = locate(text, it)
                facts.append(_fact(doc, Project, s, e, name="".join(it["text"].split()), phase=it.get("phase"),
                                   batch=it.get("batch"), batch_list=it.get("batch_list"),
                                   investment_yuan=it.get("investment_yuan")))
            facts.sort(key=lambda f: (f.start, f.end, f.kind))
            for i, f in enumerate(facts):
                if f.kind != "project":
                    continue
                # find the gold item again to get its slug
                for it in gold.get("projects", []):
                    s, e = locate(text, it)
                    if (s, e) == (f.start, f.end):
                        slug = it.get("entity")
                        if slug:
                            pid = slugs.setdefault(slug, len(slugs) + 1)
                            names.setdefault(slug, registry.get(slug) or f.name)
                            project_of[i] = pid
                        break
        reports.append(
            StoredReport(
                id=rid,
                path=str(ap),
                text=text,
                sha256=sha256_text(text),
                reference_date=_d(gold.get("reference_date")),
                reference_date_source="given",
                facts=facts,
                project_of=project_of,
            )
        )
    projects = [RegistryProject(id=pid, name=names[slug]) for slug, pid in slugs.items()]
    return reports, projects


def reports_from_pipeline(articles: Iterable[Path], reference_dates: Optional[dict] = None) -> list[StoredReport]:
    """StoredReports with the real extraction's facts (no registry assignment)."""
    from extract.pipeline import extract_text

    out = []
    for rid, ap in enumerate(sorted(Path(a) for a in articles), 1):
        text = ap.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        ref = (reference_dates or {}).get(ap.name)
        res = extract_text(text, ref, path=str(ap))
        out.append(StoredReport(id=rid, path=str(ap), text=text, sha256=res.sha256 or sha256_text(text),
                                reference_date=res.reference_date, reference_date_source=res.reference_date_source,
                                facts=list(res.facts)))
    return out


# -- building reports by hand (tests, examples) -------------------------------------------

def make_fact(text: str, cls, quote: str, occurrence: int = 0, **fields):
    """A fact of type ``cls`` on the ``occurrence``-th place where ``quote`` stands in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.find(quote, start + 1)
        if start < 0:
            raise ValueError(f"{quote!r} not in text (occurrence {occurrence})")
    doc = Doc.from_text(text)
    return _fact(doc, cls, start, start + len(quote), **fields)


def make_report(text: str, id: int = 1, path: Optional[str] = None, date=None, facts=(), project_of=None,
                title: Optional[str] = None) -> StoredReport:
    """A StoredReport from a text and facts made with :func:`make_fact`."""
    facts = sorted(facts, key=lambda f: (f.start, f.end, f.kind))
    return StoredReport(id=id, path=path or f"r{id}.txt", title=title, text=text, sha256=sha256_text(text),
                        reference_date=_d(date) if isinstance(date, str) else date, facts=facts,
                        project_of=dict(project_of or {}))
