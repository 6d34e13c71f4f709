"""How well reconciliation decides "same project": pairwise precision, recall, F1.

Two measurements against a registry gold (``registry.json``, or ``*_registry.json``
of a test set, which may name a base gold folder under ``"extends"``):

* **gold mentions** (the headline numbers): the project mentions of the gold
  article files, with their names, sentences, stages, rounds and investments,
  are fed to the reconciler. This isolates reconciliation from extraction.
* **end to end**: the articles go through extraction; the extracted project
  mentions are reconciled and matched to gold mentions by overlapping span. A
  gold mention that extraction missed cannot pair with anything, and an
  extracted mention that is not a gold project pairs wrongly with whatever it
  joins.

A pair of mentions is "same" when both belong to one gold entity (one predicted
project). Precision = correct same-pairs / predicted same-pairs; recall =
correct same-pairs / gold same-pairs.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Optional

from extract.normalize import normalise

from .reconcile import Mention, cluster_mentions, is_target_sentence, sentence_orgs


def _c2(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(gold: list, pred: list, scope: Optional[list[bool]] = None) -> dict[str, Any]:
    """Pairwise scores of two labelings of the same items (``None`` = a singleton).

    With ``scope``, only pairs with at least one item in scope are counted.
    """
    n = len(gold)
    g = [x if x is not None else ("_g", i) for i, x in enumerate(gold)]
    p = [x if x is not None else ("_p", i) for i, x in enumerate(pred)]
    if scope is None:
        cell = Counter(zip(g, p))
        tp = sum(_c2(c) for c in cell.values())
        gp = sum(_c2(c) for c in Counter(g).values())
        pp = sum(_c2(c) for c in Counter(p).values())
    else:
        tp = gp = pp = 0
        for i in range(n):
            for j in range(i + 1, n):
                if not (scope[i] or scope[j]):
                    continue
                sg, sp = g[i] == g[j], p[i] == p[j]
                gp += sg
                pp += sp
                tp += sg and sp
    prec = tp / pp if pp else 1.0
    rec = tp / gp if gp else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": prec, "recall": rec, "f1": f1, "tp": tp, "predicted_pairs": pp, "gold_pairs": gp}


def _pair_errors(items: list[dict], gold: list, pred: list, limit: int = 50) -> dict[str, list]:
    fp, fn = [], []
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            sg = gold[i] is not None and gold[i] == gold[j]
            sp = pred[i] is not None and pred[i] == pred[j]
            if sp and not sg and len(fp) < limit:
                fp.append([items[i]["label"], items[j]["label"]])
            if sg and not sp and len(fn) < limit:
                fn.append([items[i]["label"], items[j]["label"]])
    return {"false_same": fp, "missed_same": fn}


# --- loading gold -------------------------------------------------------------------


def _registry_files(gold_dir: Path) -> list[Path]:
    files = sorted(p for p in gold_dir.glob("*registry*.json") if p.is_file())
    return files


def _load_registry(path: Path) -> tuple[dict, list[Path]]:
    """A registry and the gold folders its mentions come from (its own first)."""
    reg = json.loads(path.read_text(encoding="utf-8"))
    dirs = [path.parent]
    ext = reg.get("extends")
    if ext:
        for e in [ext] if isinstance(ext, str) else ext:
            base = (path.parent / e).resolve()
            dirs.append(base)
    return reg, dirs


def _article_golds(dirs: list[Path], wanted: set[str]) -> list[tuple[Path, dict, str]]:
    out, seen = [], set()
    for d in dirs:
        for gp in sorted(d.glob("*.json")):
            try:
                gold = json.loads(gp.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                continue
            art = gold.get("article") if isinstance(gold, dict) else None
            if not art or art not in wanted or art in seen:
                continue
            if "kinds" in gold and "projects" not in gold["kinds"]:
                continue
            ap = d.parent / "articles" / art
            if not ap.exists():
                continue
            seen.add(art)
            out.append((ap, gold, ap.read_text(encoding="utf-8-sig")))
    return out


def _locate(text: str, item: dict) -> tuple[int, int]:
    c0 = text.find(item["context"])
    if c0 < 0:
        raise ValueError(f"context not found: {item['context']!r}")
    t0 = item["context"].find(item["text"])
    return c0 + t0, c0 + t0 + len(item["text"])


def _sentence(text: str, norm, start: int) -> str:
    ni = norm.norm_index(start)
    s, e = norm.sentence_span_original(min(ni, max(0, len(norm.text) - 1)))
    return text[s:e]


def gold_mentions(gold_dir: str | Path) -> tuple[list[Mention], list[dict], set[str]]:
    """Mentions of every article named in the registry gold(s) of ``gold_dir``,
    the gold entity of each (``items[i]["entity"]``), and the articles of the
    folder's own registries (the "scope" of a test set)."""
    gold_dir = Path(gold_dir)
    regs = _registry_files(gold_dir)
    if not regs:
        raise FileNotFoundError(f"{gold_dir} 中没有 registry.json 或 *_registry.json")
    wanted: set[str] = set()
    own: set[str] = set()
    dirs: list[Path] = []
    for rp in regs:
        reg, ds = _load_registry(rp)
        for ent in reg.get("entities", []):
            for art, _t in ent.get("mentions", []):
                own.add(art)
        for d in ds:
            if d not in dirs:
                dirs.append(d)
            base_reg = d / "registry.json"
            if d != gold_dir and base_reg.exists():
                for ent in json.loads(base_reg.read_text(encoding="utf-8")).get("entities", []):
                    for art, _t in ent.get("mentions", []):
                        wanted.add(art)
    wanted |= own
    mentions, items = [], []
    for ai, (ap, gold, text) in enumerate(sorted(_article_golds(dirs, wanted), key=lambda t: t[1]["article"])):
        norm = normalise(text)
        art = gold["article"]
        ref = gold.get("reference_date")
        for it in gold.get("projects", []):
            s, e = _locate(text, it)
            sent = _sentence(text, norm, s)
            mentions.append(
                Mention(
                    name=it["text"],
                    report=art,
                    order=(ai, s, e),
                    anchor=(art, s, e),
                    phase=it.get("phase"),
                    batch=it.get("batch"),
                    batch_list=it.get("batch_list"),
                    investment_yuan=it.get("investment_yuan"),
                    sentence=sent,
                    date=_dt.date.fromisoformat(ref) if ref else None,
                    date_source="report",
                    is_target=is_target_sentence(sent),
                    orgs=sentence_orgs(sent),
                )
            )
            items.append(
                {
                    "article": art,
                    "start": s,
                    "end": e,
                    "entity": it["entity"],
                    "optional": bool(it.get("optional")),
                    "label": f"{art[:3]}@{s} {''.join(it['text'].split())}",
                }
            )
    return mentions, items, own


def _score_gold_mentions(gold_dir: Path) -> dict[str, Any]:
    mentions, items, own = gold_mentions(gold_dir)
    labels, _links = cluster_mentions(mentions)
    gold = [it["entity"] for it in items]
    res = pairwise(gold, labels)
    res["mentions"] = len(items)
    res["entities"] = len(set(gold))
    res["projects"] = len(set(labels))
    res.update(_pair_errors(items, gold, labels))
    articles = {it["article"] for it in items}
    if own and own != articles:
        scope = [it["article"] in own for it in items]
        res["own_articles"] = pairwise(gold, labels, scope)
        res["own_articles"]["articles"] = sorted(own)
    return res


def _score_end_to_end(gold_dir: Path) -> dict[str, Any]:
    from extract.pipeline import extract_text

    g_mentions, items, own = gold_mentions(gold_dir)
    by_article: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        by_article[it["article"]].append(i)
    texts = {}
    dirs = []
    for rp in _registry_files(gold_dir):
        for d in _load_registry(rp)[1]:
            if d not in dirs:
                dirs.append(d)
    for ap, gold, text in _article_golds(dirs, set(by_article)):
        texts[gold["article"]] = (ap, gold, text)
    pmentions, pitems = [], []
    for ai, art in enumerate(sorted(texts)):
        ap, gold, text = texts[art]
        res = extract_text(text, gold.get("reference_date"), path=str(ap))
        dates = [f for f in res.facts if f.kind == "date"]
        for f in res.facts:
            if f.kind != "project":
                continue
            ss, se = f.sentence_start, f.sentence_end
            sent = text[ss:se] if ss is not None and se is not None else ""
            deadline = any(d.date_kind == "deadline" and d.sentence_start == ss for d in dates)
            pmentions.append(
                Mention(
                    name=f.name or f.text,
                    report=art,
                    order=(ai, f.start, f.end),
                    anchor=(art, f.start, f.end),
                    phase=f.phase,
                    batch=f.batch,
                    batch_list=f.batch_list,
                    investment_yuan=f.investment_yuan,
                    sentence=sent,
                    is_target=deadline or is_target_sentence(sent),
                    orgs=sentence_orgs(sent),
                )
            )
            pitems.append({"article": art, "start": f.start, "end": f.end, "label": f"{art[:3]}@{f.start} {f.name}"})
    labels, _ = cluster_mentions(pmentions) if pmentions else ([], [])
    # match extracted mentions to gold mentions (largest overlap, one to one)
    pairs = []
    for pi, p in enumerate(pitems):
        for gi in by_article.get(p["article"], []):
            g = items[gi]
            ov = min(p["end"], g["end"]) - max(p["start"], g["start"])
            if ov > 0:
                pairs.append((-ov, gi, pi))
    pairs.sort()
    g_of_p: dict[int, int] = {}
    used = set()
    for _ov, gi, pi in pairs:
        if pi in g_of_p or gi in used:
            continue
        g_of_p[pi] = gi
        used.add(gi)
    # one universe: gold mentions, plus extracted mentions that match none
    gold_lab: list = [it["entity"] for it in items]
    pred_lab: list = [None] * len(items)
    uni_items = list(items)
    for pi, p in enumerate(pitems):
        lab = ("pred", labels[pi])
        if pi in g_of_p:
            pred_lab[g_of_p[pi]] = lab
        else:
            gold_lab.append(None)
            pred_lab.append(lab)
            uni_items.append(p)
    res = pairwise(gold_lab, pred_lab)
    res["gold_mentions"] = len(items)
    res["extracted_mentions"] = len(pitems)
    res["matched_mentions"] = len(g_of_p)
    res.update(_pair_errors(uni_items, gold_lab, pred_lab, limit=30))
    articles = {it["article"] for it in items}
    if own and own != articles:
        scope = [it["article"] in own for it in uni_items]
        res["own_articles"] = pairwise(gold_lab, pred_lab, scope)
    return res


def evaluate_registry(gold_dir: str | Path, end_to_end: bool = True) -> dict[str, Any]:
    """Pairwise precision/recall/F1 of "same project" decisions.

    Top-level ``precision``/``recall``/``f1`` are on the gold mentions (the
    reconciler alone); ``details["end_to_end"]`` runs extraction first.
    """
    gold_dir = Path(gold_dir)
    gm = _score_gold_mentions(gold_dir)
    out: dict[str, Any] = {
        "precision": gm["precision"],
        "recall": gm["recall"],
        "f1": gm["f1"],
        "details": {"gold_mentions": gm},
    }
    if end_to_end:
        out["details"]["end_to_end"] = _score_end_to_end(gold_dir)
    return out
