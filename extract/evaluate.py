"""Score extraction against the hand-made gold files in ``corpus/gold``.

Matching follows ``corpus/GUIDE.md``: a predicted fact matches a gold item when
it is of the same kind and its span overlaps the item's position; pairs are
one-to-one (largest overlap first). Items marked ``optional`` are neither
rewarded nor penalised: a prediction matched to one is dropped from the count,
and an unmatched optional item is not a miss. Field accuracy is measured on
matched, non-optional pairs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from .pipeline import extract_text

GOLD_KINDS = {
    "amounts": "amount",
    "percentages": "percentage",
    "dates": "date",
    "counts": "count",
    "projects": "project",
}

#: gold field -> (prediction attribute, comparison)
def _eq(a, b):
    return a == b


def _num_eq(a, b):
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) < 1e-9


def _iso(d):
    return d.isoformat() if hasattr(d, "isoformat") else d


FIELDS: dict[str, dict[str, tuple[str, Callable[[Any, Any], bool]]]] = {
    "amount": {
        "value_yuan": ("value_yuan", _eq),
        "currency": ("currency", _eq),
        "qualifier": ("qualifier", _eq),
        "role": ("role", _eq),
        "target": ("target", _eq),
    },
    "percentage": {
        "value": ("value", _num_eq),
        "qualifier": ("qualifier", _eq),
        "metric": ("metric", _eq),
        "target": ("target", _eq),
    },
    "date": {
        "start": ("date_start", lambda p, g: _iso(p) == g),
        "end": ("date_end", lambda p, g: _iso(p) == g),
        "granularity": ("granularity", _eq),
        "kind": ("date_kind", _eq),
    },
    "count": {
        "value": ("value", _eq),
        "noun": ("noun", _eq),
    },
    "project": {
        "name": ("name", lambda p, g: p == g),
        "phase": ("phase", _eq),
        "batch": ("batch", _eq),
        "batch_list": ("batch_list", _eq),
        "investment_yuan": ("investment_yuan", _eq),
    },
}


@dataclass
class GoldItem:
    kind: str
    start: int
    end: int
    data: dict
    article: str

    @property
    def optional(self) -> bool:
        return bool(self.data.get("optional"))


@dataclass
class KindScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    exact_tp: int = 0
    field_ok: dict[str, int] = field(default_factory=dict)
    field_n: dict[str, int] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)
    false_alarms: list[dict] = field(default_factory=list)
    field_errors: list[dict] = field(default_factory=list)

    def add(self, other: "KindScore") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.exact_tp += other.exact_tp
        for k, v in other.field_ok.items():
            self.field_ok[k] = self.field_ok.get(k, 0) + v
        for k, v in other.field_n.items():
            self.field_n[k] = self.field_n.get(k, 0) + v
        self.misses += other.misses
        self.false_alarms += other.false_alarms
        self.field_errors += other.field_errors

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def exact_f1(self) -> float:
        p = self.exact_tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.exact_tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, name: str) -> Optional[float]:
        n = self.field_n.get(name, 0)
        return self.field_ok.get(name, 0) / n if n else None

    def to_dict(self) -> dict:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "exact_f1": round(self.exact_f1, 4),
            "fields": {k: round(self.accuracy(k), 4) for k in self.field_n if self.accuracy(k) is not None},
        }


def locate(article_text: str, item: dict) -> tuple[int, int]:
    """Position of a gold item: where ``text`` sits inside its unique ``context``."""
    ctx = item["context"]
    c0 = article_text.find(ctx)
    if c0 < 0:
        raise ValueError(f"context not found: {ctx!r}")
    t0 = ctx.find(item["text"])
    if t0 < 0:
        raise ValueError(f"text {item['text']!r} not in its context {ctx!r}")
    return c0 + t0, c0 + t0 + len(item["text"])


def load_gold(gold_dir: Path, articles_dir: Optional[Path] = None) -> list[tuple[Path, dict, str]]:
    """``(article path, gold dict, article text)`` for every gold file."""
    gold_dir = Path(gold_dir)
    articles_dir = Path(articles_dir) if articles_dir else gold_dir.parent / "articles"
    out = []
    for gp in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gp.read_text(encoding="utf-8"))
        if "article" not in gold:
            continue
        ap = articles_dir / gold["article"]
        text = ap.read_text(encoding="utf-8-sig")
        out.append((ap, gold, text))
    return out


def scored_sections(gold: dict) -> list[str]:
    """Sections a gold file annotates completely. The five corpus files annotate
    all; a test report of our own may list only some in ``"kinds"``."""
    return list(gold.get("kinds") or GOLD_KINDS)


def gold_items(gold: dict, text: str) -> list[GoldItem]:
    items = []
    for section, kind in GOLD_KINDS.items():
        if section not in scored_sections(gold):
            continue
        for it in gold.get(section, []):
            s, e = locate(text, it)
            items.append(GoldItem(kind, s, e, it, gold["article"]))
    return items


def _overlap(a0, a1, b0, b1) -> int:
    return min(a1, b1) - max(a0, b0)


def score_kind(kind: str, gold: list[GoldItem], preds: list, text: str) -> KindScore:
    sc = KindScore()
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(preds):
            ov = _overlap(g.start, g.end, p.start, p.end)
            if ov > 0 or (ov == 0 and g.start == g.end == p.start):
                pairs.append((ov, -abs(g.start - p.start), gi, pi))
    pairs.sort(reverse=True)
    gmatch: dict[int, int] = {}
    pmatch: dict[int, int] = {}
    for ov, _, gi, pi in pairs:
        if gi in gmatch or pi in pmatch:
            continue
        gmatch[gi] = pi
        pmatch[pi] = gi
    for gi, g in enumerate(gold):
        if gi in gmatch:
            if g.optional:
                continue
            p = preds[gmatch[gi]]
            sc.tp += 1
            if (p.start, p.end) == (g.start, g.end) or (
                kind == "project" and getattr(p, "name", None) == _strip_ws(g.data["text"])
            ):
                sc.exact_tp += 1
            for gname, (pattr, cmp) in FIELDS[kind].items():
                if gname not in g.data:
                    continue
                gval = g.data[gname]
                if gname == "name":
                    gval = _strip_ws(g.data["text"])
                pval = getattr(p, pattr, None)
                ok = cmp(pval, gval)
                sc.field_n[gname] = sc.field_n.get(gname, 0) + 1
                sc.field_ok[gname] = sc.field_ok.get(gname, 0) + int(bool(ok))
                if not ok:
                    sc.field_errors.append(
                        {"article": g.article, "kind": kind, "field": gname, "text": g.data["text"],
                         "gold": gval, "predicted": _iso(pval), "start": g.start}
                    )
        elif not g.optional:
            sc.fn += 1
            sc.misses.append({"article": g.article, "kind": kind, "text": g.data["text"], "start": g.start,
                              "context": g.data.get("context")})
    for pi, p in enumerate(preds):
        if pi not in pmatch:
            sc.fp += 1
            ss = getattr(p, "sentence_start", None)
            se = getattr(p, "sentence_end", None)
            sc.false_alarms.append({"article": gold[0].article if gold else "", "kind": kind, "text": p.text,
                                    "start": p.start,
                                    "sentence": text[ss:se] if ss is not None and se is not None else None})
    return sc


def _strip_ws(s: str) -> str:
    return "".join(s.split())


@dataclass
class Evaluation:
    kinds: dict[str, KindScore]
    per_article: dict[str, dict[str, KindScore]]
    reference_dates: dict[str, dict]

    def to_dict(self) -> dict:
        return {
            "kinds": {k: v.to_dict() for k, v in self.kinds.items()},
            "articles": {a: {k: v.to_dict() for k, v in ks.items()} for a, ks in self.per_article.items()},
            "reference_dates": self.reference_dates,
        }


def evaluate(gold_dir: Path, articles_dir: Optional[Path] = None, given_dates: bool = False,
             kinds: Optional[list[str]] = None) -> Evaluation:
    """Run extraction on each gold article (reference date inferred unless
    ``given_dates``) and score it."""
    totals: dict[str, KindScore] = {}
    per_article: dict[str, dict[str, KindScore]] = {}
    refdates = {}
    for ap, gold, text in load_gold(gold_dir, articles_dir):
        ref = gold.get("reference_date") if given_dates else None
        res = extract_text(text, ref, path=str(ap))
        refdates[gold["article"]] = {
            "gold": gold.get("reference_date"),
            "predicted": _iso(res.reference_date),
            "source": res.reference_date_source,
        }
        items = gold_items(gold, text)
        per_article[gold["article"]] = {}
        for section in scored_sections(gold):
            kind = GOLD_KINDS[section]
            if kinds and kind not in kinds:
                continue
            g = [i for i in items if i.kind == kind]
            p = [f for f in res.facts if f.kind == kind]
            sc = score_kind(kind, g, p, text)
            for rec in sc.false_alarms:
                rec["article"] = gold["article"]
            per_article[gold["article"]][kind] = sc
            totals.setdefault(kind, KindScore()).add(sc)
    return Evaluation(totals, per_article, refdates)
