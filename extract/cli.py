"""Command line: ``xiangmu extract`` and ``xiangmu eval``.

The registry commands (ingest, projects, report …) are added to the same
Typer app by :mod:`db.cli`. Labels are in Chinese; JSON field names follow
``OUTPUT.md``.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .loader import LoadError
from .models import ExtractionResult
from .pipeline import extract_text
from .reports import load_report

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="项目库 xiangmu：从投资项目报道中抽取事实、建立项目库、检查报道之间的矛盾。",
    rich_markup_mode="rich",
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

KIND_LABELS = {
    "amount": "金额",
    "percentage": "百分比",
    "percentage_point": "百分点",
    "date": "日期",
    "count": "项目数",
    "project": "项目",
    "organisation": "机构",
    "person": "人物",
    "place": "地点",
    "phase_event": "阶段",
}

QUALIFIER_LABELS = {"exact": "", "approx": "约", "over": "超过", "under": "不足"}
PHASE_LABELS = {
    "planned": "谋划",
    "signed": "签约",
    "land": "摘牌",
    "started": "开工",
    "under_construction": "在建",
    "topped_out": "封顶",
    "completed": "竣工",
    "in_production": "投产",
    "at_capacity": "达效",
}
DATE_KIND_LABELS = {"point": "时点", "span": "时段", "asof": "截至", "deadline": "期限"}
BATCH_LIST_LABELS = {"sign": "签约一批", "start": "开工一批", "produce": "投产一批"}


def json_line(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def format_yuan(v: Optional[int], currency: str = "CNY") -> str:
    if v is None:
        return "—"
    unit = "元" if currency == "CNY" else f" {currency}"
    if abs(v) >= 10**8:
        q, r = divmod(v, 10**8)
        s = f"{q}.{str(r).rjust(8, '0').rstrip('0')}".rstrip(".")
        return f"{s}亿{unit}"
    if abs(v) >= 10**4:
        q, r = divmod(v, 10**4)
        s = f"{q}.{str(r).rjust(4, '0').rstrip('0')}".rstrip(".")
        return f"{s}万{unit}"
    return f"{v}{unit}"


def describe(f) -> str:
    """A short Chinese description of a fact's normalised value."""
    k = f.kind
    if k == "amount":
        s = QUALIFIER_LABELS.get(f.qualifier, "") + format_yuan(f.value_yuan, f.currency)
        if f.value_max_yuan:
            s += "～" + format_yuan(f.value_max_yuan, f.currency)
        s += f"  角色={f.role}"
        if f.target:
            s += "  目标"
        return s
    if k in ("percentage", "percentage_point"):
        unit = "%" if k == "percentage" else "个百分点"
        s = f"{QUALIFIER_LABELS.get(f.qualifier, '')}{f.value}{unit}"
        if f.metric:
            s += f"  指标={f.metric}"
        if getattr(f, "target", False):
            s += "  目标"
        return s
    if k == "date":
        a = f.date_start.isoformat() if f.date_start else "…"
        b = f.date_end.isoformat() if f.date_end else "…"
        return f"{DATE_KIND_LABELS.get(f.date_kind, f.date_kind)} {a} 至 {b}（{f.granularity}）"
    if k == "count":
        return f"{f.value} 个 {f.noun}"
    if k == "project":
        parts = [f.name]
        if f.phase:
            parts.append(PHASE_LABELS.get(f.phase, f.phase))
        if f.batch:
            parts.append(f"第{f.batch}期")
        if f.batch_list:
            parts.append(BATCH_LIST_LABELS.get(f.batch_list, f.batch_list))
        if f.investment_yuan:
            parts.append("总投资" + format_yuan(f.investment_yuan))
        return " · ".join(parts)
    if k == "person":
        return f"{f.name}（{f.title}）" if f.title else f.name
    if k in ("organisation", "place"):
        return f.name
    if k == "phase_event":
        return PHASE_LABELS.get(f.phase, f.phase)
    return ""


def sentence_text(text: str, f) -> Text:
    """The fact's sentence with the fact highlighted, line breaks shown as ⏎."""
    ss = f.sentence_start if f.sentence_start is not None else max(0, f.start - 30)
    se = f.sentence_end if f.sentence_end is not None else min(len(text), f.end + 30)
    t = Text()
    t.append(text[ss:f.start].replace("\n", "⏎"))
    t.append(text[f.start:f.end].replace("\n", "⏎"), style="bold reverse")
    t.append(text[f.end:se].replace("\n", "⏎"))
    return t


def print_table(res: ExtractionResult, text: str) -> None:
    title = f"{res.path or res.id or ''}  参考日期 {res.reference_date or '未知'}（{ {'given': '指定', 'inferred': '推断'}.get(res.reference_date_source or '', res.reference_date_source or '')}）"
    table = Table(title=title, show_lines=True, expand=True)
    table.add_column("类型", no_wrap=True)
    table.add_column("位置", no_wrap=True)
    table.add_column("原文")
    table.add_column("规范化值")
    table.add_column("所在句子", ratio=3)
    for f in res.facts:
        table.add_row(
            KIND_LABELS.get(f.kind, f.kind),
            f"{f.start}-{f.end}",
            f.text.replace("\n", "⏎"),
            describe(f),
            sentence_text(text, f),
        )
    out.print(table)
    counts = {}
    for f in res.facts:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    out.print("共 " + "，".join(f"{KIND_LABELS.get(k, k)} {v}" for k, v in counts.items()) if counts else "没有找到事实")


def _parse_date(value: Optional[str]) -> Optional[_dt.date]:
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"日期格式应为 YYYY-MM-DD：{value!r}")


@app.command("extract")
def extract_cmd(
    files: List[Path] = typer.Argument(None, help="报道文件（.txt / .html）", show_default=False),
    date: Optional[str] = typer.Option(None, "--date", help="参考日期（发布日期）YYYY-MM-DD；默认从文件或正文推断"),
    fmt: str = typer.Option("table", "--format", "-f", help="输出格式：table 或 json"),
    jsonl: Optional[Path] = typer.Option(None, "--jsonl", help="JSONL 输入：每行 {id, text, reference_date}"),
    kinds: Optional[str] = typer.Option(None, "--kinds", help="只输出这些类型，逗号分隔（amount,date,…）"),
    for_ingest: bool = typer.Option(
        False, "--for-ingest",
        help="与 --jsonl 合用：每行输出原记录加上 sha256、抽取器版本、全部事实和检索分词，"
             "可直接交给 xiangmu ingest 入库而不再抽取（分布式运行的 map 步骤）"),
) -> None:
    """从报道中抽取金额、百分比、日期、项目数、项目等事实，附原文位置。"""
    if fmt not in ("table", "json"):
        raise typer.BadParameter("--format 只能是 table 或 json")
    if for_ingest and (jsonl is None or kinds):
        raise typer.BadParameter("--for-ingest 只能与 --jsonl 合用，且不能与 --kinds 合用（入库需要全部事实）")
    ref = _parse_date(date)
    wanted = [k.strip() for k in kinds.split(",")] if kinds else None
    failures = 0
    if jsonl is not None:
        try:
            fh = jsonl.open(encoding="utf-8-sig")
        except OSError as exc:
            err.print(f"[red]无法打开 {jsonl}：{exc.strerror}[/red]")
            raise typer.Exit(2)
        with fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    text = rec["text"]
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    failures += 1
                    err.print(f"[red]{jsonl}:{lineno}: 不是合法的记录（需要 text 字段）：{exc}[/red]")
                    continue
                if for_ingest:
                    from db.ingest import prepare_record

                    if not isinstance(text, str) or not text.strip():
                        failures += 1
                        err.print(f"[red]{jsonl}:{lineno}: 记录的文本为空[/red]")
                        continue
                    print(json_line(prepare_record(rec, ref.isoformat() if ref else None)))
                    continue
                rd = rec.get("reference_date") or ref
                res = extract_text(text, rd, id=rec.get("id"), kinds=wanted)
                if fmt == "json":
                    d = res.to_json_dict()
                    print(json_line({"id": d["id"], "sha256": d["sha256"], "reference_date": d["reference_date"],
                                     "reference_date_source": d["reference_date_source"],
                                     "extractor_version": d["extractor_version"], "facts": d["facts"]}))
                else:
                    print_table(res, text)
        raise typer.Exit(1 if failures else 0)
    if not files:
        err.print("[red]请给出要抽取的文件，或用 --jsonl[/red]")
        raise typer.Exit(2)
    for path in files:
        try:
            rep = load_report(path)
        except LoadError as exc:
            failures += 1
            err.print(f"[red]失败 {path}：{exc.reason}[/red]")
            if fmt == "json":
                print(json_line({"path": str(path), "error": {"code": exc.code, "reason": exc.reason}, "facts": []}))
            continue
        rd = ref or rep.date
        src = "given" if rd else None
        res = extract_text(rep.text, rd, path=str(path), title=rep.title, kinds=wanted,
                           reference_date_source=src)
        if fmt == "json":
            print(json_line(res.to_json_dict()))
        else:
            print_table(res, rep.text)
    raise typer.Exit(1 if failures else 0)


@app.command("eval")
def eval_cmd(
    gold_dir: Path = typer.Argument(Path("corpus/gold"), help="金标准目录"),
    misses: bool = typer.Option(False, "--misses", help="列出漏检、误报和字段错误"),
    given_dates: bool = typer.Option(False, "--given-dates", help="用金标准的参考日期（默认由正文推断）"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
    registry: bool = typer.Option(True, "--registry/--no-registry", help="同时评估项目归并（registry.json）"),
) -> None:
    """按类型给出精确率、召回率、F1 与各规范化字段的准确率。"""
    from .evaluate import evaluate

    if not gold_dir.exists():
        err.print(f"[red]找不到金标准目录 {gold_dir}[/red]")
        raise typer.Exit(2)
    ev = evaluate(gold_dir, given_dates=given_dates)
    reg = None
    if registry and any(gold_dir.glob("*registry*.json")):
        try:
            from db.evaluate import evaluate_registry  # type: ignore
        except ImportError:
            evaluate_registry = None
        if evaluate_registry is not None:
            reg = evaluate_registry(gold_dir)
    if fmt == "json":
        d = ev.to_dict()
        if reg is not None:
            d["registry"] = reg
        print(json_line(d))
        return
    t = Table(title="抽取质量（与金标准比较，跨度重叠、一对一匹配）")
    for col in ("类型", "TP", "FP", "FN", "精确率", "召回率", "F1", "字段准确率"):
        t.add_column(col)
    for kind, sc in ev.kinds.items():
        fields = "  ".join(f"{k}={sc.accuracy(k):.3f}" for k in sc.field_n)
        if kind == "project":
            fields = f"exact_name_F1={sc.exact_f1:.3f}  " + fields
        t.add_row(KIND_LABELS.get(kind, kind), str(sc.tp), str(sc.fp), str(sc.fn),
                  f"{sc.precision:.3f}", f"{sc.recall:.3f}", f"{sc.f1:.3f}", fields)
    out.print(t)
    rd = "  ".join(f"{a[:3]}: {v['predicted']}({v['gold']})" for a, v in ev.reference_dates.items())
    out.print(f"参考日期 推断(金标准)：{rd}")
    if reg is not None:
        out.print(f"项目归并（成对，金标准提及）：精确率 {reg['precision']:.3f} 召回率 {reg['recall']:.3f} F1 {reg['f1']:.3f}")
        e2e = reg.get("details", {}).get("end_to_end")
        if e2e:
            out.print(f"项目归并（成对，端到端）：精确率 {e2e['precision']:.3f} 召回率 {e2e['recall']:.3f} F1 {e2e['f1']:.3f}")
    if misses:
        for kind, sc in ev.kinds.items():
            for m in sc.misses:
                out.print(f"[red]漏检[/red] {KIND_LABELS.get(kind, kind)} {m['article'][:3]}@{m['start']} {m['text']!r}")
            for m in sc.false_alarms:
                out.print(f"[yellow]误报[/yellow] {KIND_LABELS.get(kind, kind)} {m['article'][:3]}@{m['start']} {m['text']!r}  ← {(m.get('sentence') or '')[:60]!r}")
            for m in sc.field_errors:
                out.print(f"[magenta]字段[/magenta] {KIND_LABELS.get(kind, kind)} {m['article'][:3]}@{m['start']} {m['text']!r} {m['field']}: 应为 {m['gold']!r}，得到 {m['predicted']!r}")


def main() -> None:  # pragma: no cover - thin wrapper
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
