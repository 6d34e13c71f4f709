"""``xiangmu train``: train, ship and measure the statistical project NER.

* ``xiangmu train`` – train the spaCy ``ner`` (label ``PROJECT``) on every gold
  report (``corpus/gold``, ``corpus/extra/gold`` files whose ``kinds`` include
  ``projects``, ``corpus/train``) and write it to ``extract/data/ner_model``;
* ``xiangmu train --cv`` – leave-one-report-out over the five corpus reports: train on
  the other four plus the extra reports, test on the fifth, and print project F1 for
  the rules alone, the model alone and their union;
* ``xiangmu train --entities`` – precision/recall of organisations, people and places
  against the ``entities`` sections of the extra gold files.

Training is seeded and runs on CPU in minutes; the model is small (hash embeddings).
"""

from __future__ import annotations

import bisect
import json
import random
import time
from pathlib import Path
from typing import Optional

import typer

from .cli import app, out
from .doc import Doc
from .evaluate import GoldItem, KindScore, gold_items, load_gold, score_kind

LABEL = "PROJECT"
SEED = 13
GOLD_DIRS = [Path("corpus/gold"), Path("corpus/extra/gold"), Path("corpus/train")]

#: The model's size and training length: small and fast on two CPU cores.
MODEL_CONFIG = {
    "width": 64,
    "depth": 2,
    "embed_size": 2000,
    "window_size": 1,
    "hidden_width": 64,
}
EPOCHS = 25
DROPOUT = 0.2


# ---------------------------------------------------------------------------
# data


def _norm_span(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Normalised span of the original span ``[start, end)``."""
    offs = doc.norm.offsets
    n = len(doc.text)
    a = bisect.bisect_left(offs, start, 0, n)
    b = bisect.bisect_left(offs, end, 0, n)
    return a, b


def load_reports(dirs=None) -> list[dict]:
    """Every gold report with project annotations: ``{name, text, ref, gold, doc, spans}``."""
    reports = []
    for d in dirs or GOLD_DIRS:
        if not Path(d).exists():
            continue
        for ap, gold, text in load_gold(Path(d)):
            kinds = gold.get("kinds")
            if kinds and "projects" not in kinds:
                continue
            doc = Doc.from_text(text)
            spans = []
            for it in gold_items(gold, text):
                if it.kind == "project":
                    spans.append(_norm_span(doc, it.start, it.end))
            reports.append({"name": gold["article"], "dir": str(d), "text": text, "gold": gold,
                            "doc": doc, "spans": spans})
    return reports


def _sentences_for_model(doc: Doc):
    from .projects import _cfg, _sentences

    head_re = _cfg().head_re
    text = doc.text
    return [(ss, se) for ss, se in _sentences(doc)
            if se > ss and ("项目" in text[ss:se] or head_re.search(text, ss, se))]


def examples(nlp, reports: list[dict]):
    from spacy.training import Example

    out_ = []
    for r in reports:
        doc, text = r["doc"], r["doc"].text
        for ss, se in _sentences_for_model(doc):
            sdoc = nlp.make_doc(text[ss:se])
            ents = []
            for a, b in r["spans"]:
                if ss <= a and b <= se:
                    sp = sdoc.char_span(a - ss, b - ss, label=LABEL, alignment_mode="expand")
                    if sp is not None:
                        ents.append(sp)
            ents.sort(key=lambda s: (s.start, -(s.end - s.start)))
            kept, last = [], -1
            for sp in ents:
                if sp.start >= last:
                    kept.append(sp)
                    last = sp.end
            out_.append(Example.from_dict(sdoc, {"entities": [(s.start_char, s.end_char, LABEL) for s in kept]}))
    return out_


# ---------------------------------------------------------------------------
# training


def build_nlp():
    from .nlp import blank_nlp

    nlp = blank_nlp()
    c = MODEL_CONFIG
    nlp.add_pipe("ner", config={"model": {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": c["hidden_width"],
        "maxout_pieces": 2,
        "use_upper": True,
        "tok2vec": {
            "@architectures": "spacy.HashEmbedCNN.v2",
            "pretrained_vectors": None,
            "width": c["width"],
            "depth": c["depth"],
            "embed_size": c["embed_size"],
            "window_size": c["window_size"],
            "maxout_pieces": 3,
            "subword_features": True,
        },
    }})
    return nlp


def train_model(reports: list[dict], epochs: int = EPOCHS, seed: int = SEED, log=None):
    """A trained pipeline (jieba tokenizer + ner) for ``reports``."""
    import spacy
    from spacy.util import minibatch

    spacy.util.fix_random_seed(seed)
    random.seed(seed)
    nlp = build_nlp()
    exs = examples(nlp, reports)
    opt = nlp.initialize(lambda: exs)
    rng = random.Random(seed)
    for ep in range(epochs):
        rng.shuffle(exs)
        losses = {}
        for batch in minibatch(exs, size=16):
            nlp.update(batch, sgd=opt, drop=DROPOUT, losses=losses)
        if log:
            log(f"第 {ep + 1}/{epochs} 轮  损失 {losses.get('ner', 0):.1f}")
    return nlp


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# ---------------------------------------------------------------------------
# evaluation


def _project_facts(r: dict, mode: str, nlp) -> list:
    from . import projects

    doc = Doc.from_text(r["text"])
    doc.reference_date = None
    return [f for f in projects.extract(doc, mode=mode, nlp=nlp) if f.kind == "project"]


def score_report(r: dict, facts: list) -> KindScore:
    items = [i for i in gold_items(r["gold"], r["text"]) if i.kind == "project"]
    return score_kind("project", items, facts, r["text"])


def cross_validate(reports: list[dict], epochs: int = EPOCHS, log=None) -> dict:
    """Leave one corpus report out; the extra reports always train."""
    held = [r for r in reports if r["dir"] == str(GOLD_DIRS[0])]
    extra = [r for r in reports if r["dir"] != str(GOLD_DIRS[0])]
    totals = {m: KindScore() for m in ("rules", "ner", "union", "vote")}
    per = {}
    for r in held:
        train = [x for x in held if x is not r] + extra
        t0 = time.time()
        nlp = train_model(train, epochs=epochs)
        per[r["name"]] = {}
        for mode in totals:
            sc = score_report(r, _project_facts(r, mode, nlp))
            totals[mode].add(sc)
            per[r["name"]][mode] = round(sc.f1, 4)
        if log:
            log(f"{r['name'][:3]}: " + "  ".join(f"{m} F1={v:.3f}" for m, v in per[r["name"]].items())
                + f"  （训练 {time.time() - t0:.0f} 秒）")
    return {"per_report": per,
            "total": {m: {"f1": round(s.f1, 4), "exact_f1": round(s.exact_f1, 4),
                          "precision": round(s.precision, 4), "recall": round(s.recall, 4),
                          "fields": {k: round(s.accuracy(k), 4) for k in s.field_n}}
                      for m, s in totals.items()}}


def score_entities(dirs=None) -> dict:
    """P/R of organisations, people (and titles) and places on gold ``entities``
    sections. Predictions inside a gold project name are not counted (the gold marks
    entities outside project names only)."""
    from .pipeline import extract_text

    res = {}
    for d in dirs or [Path("corpus/extra/gold")]:
        for ap, gold, text in load_gold(Path(d)):
            ents = gold.get("entities")
            if not ents:
                continue
            from .evaluate import locate

            pspans = [locate(text, p) for p in gold.get("projects", [])]
            facts = extract_text(text, gold.get("reference_date")).facts
            for kind in ("organisation", "person", "place"):
                g = []
                for it in ents:
                    if it["kind"] == kind:
                        s, e = locate(text, it)
                        g.append(GoldItem(kind, s, e, {"text": it["text"]}, gold["article"]))
                p = [f for f in facts if f.kind == kind
                     and not any(a <= f.start and f.end <= b for a, b in pspans)]
                sc = _score_simple(g, p)
                tot = res.setdefault(kind, {"tp": 0, "fp": 0, "fn": 0, "title_ok": 0, "title_n": 0})
                for k in ("tp", "fp", "fn"):
                    tot[k] += sc[k]
                if kind == "person":
                    for gi, pi in sc["pairs"]:
                        gold_title = next(it.get("title") for it in ents if it["kind"] == "person"
                                          and locate(text, it) == (g[gi].start, g[gi].end))
                        tot["title_n"] += 1
                        tot["title_ok"] += int((p[pi].title or None) == gold_title)
    for kind, t in res.items():
        pr = t["tp"] / (t["tp"] + t["fp"]) if t["tp"] + t["fp"] else 1.0
        rc = t["tp"] / (t["tp"] + t["fn"]) if t["tp"] + t["fn"] else 1.0
        t["precision"], t["recall"] = round(pr, 4), round(rc, 4)
        t["f1"] = round(2 * pr * rc / (pr + rc), 4) if pr + rc else 0.0
        if t["title_n"]:
            t["title_accuracy"] = round(t["title_ok"] / t["title_n"], 4)
    return res


def _score_simple(gold, preds) -> dict:
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(preds):
            ov = min(g.end, p.end) - max(g.start, p.start)
            if ov > 0:
                pairs.append((ov, gi, pi))
    pairs.sort(reverse=True)
    gm, pm, matched = set(), set(), []
    for ov, gi, pi in pairs:
        if gi in gm or pi in pm:
            continue
        gm.add(gi)
        pm.add(pi)
        matched.append((gi, pi))
    return {"tp": len(matched), "fp": len(preds) - len(matched), "fn": len(gold) - len(matched), "pairs": matched}


# ---------------------------------------------------------------------------
# command


@app.command("train")
def train_cmd(
    cv: bool = typer.Option(False, "--cv", help="留一篇交叉验证：分别给出规则、模型、二者合并的项目 F1"),
    entities: bool = typer.Option(False, "--entities", help="评估机构、人物、地点（extra 金标准的 entities 部分）"),
    epochs: int = typer.Option(EPOCHS, "--epochs", help="训练轮数"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="模型输出目录（默认 extract/data/ner_model）"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """训练项目名称识别模型（spaCy ner，基于 jieba 分词），写入软件包数据目录。"""
    from .nlp import MODEL_DIR

    log = (lambda m: out.print(m)) if fmt == "table" else None
    if entities:
        res = score_entities()
        if fmt == "json":
            print(json.dumps(res, ensure_ascii=False))
        else:
            labels = {"organisation": "机构", "person": "人物", "place": "地点"}
            for k, v in res.items():
                extra = f"  职务准确率 {v['title_accuracy']:.3f}" if "title_accuracy" in v else ""
                out.print(f"{labels[k]}：精确率 {v['precision']:.3f} 召回率 {v['recall']:.3f} F1 {v['f1']:.3f}"
                          f"（TP {v['tp']} FP {v['fp']} FN {v['fn']}）{extra}")
        return
    reports = load_reports()
    if not reports:
        out.print("[red]找不到金标准（请在项目根目录运行）[/red]")
        raise typer.Exit(2)
    if cv:
        res = cross_validate(reports, epochs=epochs, log=log)
        if fmt == "json":
            print(json.dumps(res, ensure_ascii=False))
        else:
            for m, v in res["total"].items():
                out.print(f"留一篇交叉验证 {m:6s} F1 {v['f1']:.3f}  精确名称 F1 {v['exact_f1']:.3f}  "
                          f"精确率 {v['precision']:.3f} 召回率 {v['recall']:.3f}  "
                          + "  ".join(f"{k}={a:.3f}" for k, a in v["fields"].items()))
        return
    t0 = time.time()
    nlp = train_model(reports, epochs=epochs, log=log)
    dest = output or MODEL_DIR
    dest.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(dest)
    meta = {"label": LABEL, "seed": SEED, "epochs": epochs, "config": MODEL_CONFIG,
            "reports": [r["name"] for r in reports], "train_seconds": round(time.time() - t0, 1)}
    (dest / "xiangmu_train.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    out.print(f"模型已写入 {dest}（{_dir_size(dest) / 1e6:.2f} MB，训练 {time.time() - t0:.0f} 秒，"
              f"{len(reports)} 篇报道）")
