"""Registry commands on the shared ``xiangmu`` Typer app.

``ingest``, ``reconcile``, the queries (``projects``, ``project``, ``facts``,
``articles``, ``search``), editors' corrections (``merge``, ``split``, ``alias``,
``rename``, ``decisions``) and ``eval-registry``. Tables have Chinese labels;
``--format json`` gives machine-readable output (``projects`` exactly as in
OUTPUT.md).
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from extract.cli import KIND_LABELS, PHASE_LABELS, app, describe, err, format_yuan, out

from . import store

DB_HELP = "数据库文件（默认 $XIANGMU_DB 或当前目录下的 xiangmu.db）"
VARIANT_LABELS = {
    "canonical": "标准名", "form": "写法不同", "short": "简称", "long": "全称", "abbreviation": "缩写",
    "spelling": "疑似错字", "fuzzy": "相近", "other": "其他",
}
LINK_LABELS = {
    "single": "—", "exact": "同名", "suffix": "含主体名", "abbreviation": "缩写", "typo": "错字",
    "fuzzy": "相近+佐证", "editor": "编辑指定",
}


def _json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str))


def _fmt_ok(fmt: str, allowed=("table", "json")) -> str:
    if fmt not in allowed:
        raise typer.BadParameter(f"--format 只能是 {' / '.join(allowed)}")
    return fmt


def _date_opt(value: Optional[str], name: str) -> Optional[_dt.date]:
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{name} 的日期格式应为 YYYY-MM-DD：{value!r}")


def _open_existing(db_path: Optional[str]):
    path = db_path or store.default_db_path()
    if path != ":memory:" and not Path(path).exists():
        err.print(f"[red]数据库不存在：{path}（先用 xiangmu ingest 导入报道）[/red]")
        raise typer.Exit(2)
    return store.open_db(path)


def _phase_label(p: Optional[str]) -> str:
    return PHASE_LABELS.get(p, p) if p else "—"


def _marked(sent: str, rel: int, text: str, window: Optional[int] = None, br: str = "⏎") -> Text:
    """A sentence with the span ``text`` at ``rel`` highlighted (line breaks shown
    as ``br``); with ``window``, only that many characters either side of it."""
    txt = Text()
    if window is not None and 0 <= rel <= len(sent):
        lo, hi = max(0, rel - window), min(len(sent), rel + len(text) + window)
        head, tail = ("…" if lo > 0 else ""), ("…" if hi < len(sent) else "")
        sent, rel = head + sent[lo:hi] + tail, rel - lo + len(head)
    if 0 <= rel <= len(sent):
        txt.append(sent[:rel].replace("\n", br))
        txt.append(sent[rel:rel + len(text)].replace("\n", br), style="bold reverse")
        txt.append(sent[rel + len(text):].replace("\n", br))
    else:
        txt.append(sent.replace("\n", br))
    return txt


# --- ingest / reconcile ---------------------------------------------------------------


@app.command("ingest")
def ingest_cmd(
    paths: List[Path] = typer.Argument(..., help="报道文件或目录（.txt / .html / .htm / .jsonl，目录递归）"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    date: Optional[str] = typer.Option(None, "--date", help="参考日期（发布日期）YYYY-MM-DD，用于全部报道"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="抽取进程数（默认 min(CPU 核数, 4)）"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="不显示进度条"),
    refresh: bool = typer.Option(False, "--refresh", help="已入库的报道也重新抽取（抽取规则更新后使用）"),
    max_mb: float = typer.Option(20.0, "--max-mb", help="单个文件的大小上限（MB）"),
    fmt: str = typer.Option("table", "--format", "-f", help="总结的格式：table 或 json"),
) -> None:
    """导入报道：抽取事实，存入数据库（按正文去重），再归并项目库。"""
    from .ingest import ingest

    _fmt_ok(fmt)
    ref = _date_opt(date, "--date")
    if workers is not None and workers < 1:
        raise typer.BadParameter("--workers 至少为 1")
    database = store.open_db(db or store.default_db_path())
    show = not quiet and sys.stderr.isatty()
    if show:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        prog = Progress(
            TextColumn("[bold]导入[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}"), console=err, transient=True,
        )
        prog.start()
        task = prog.add_task("", total=None)

        def progress(done, total, outcome):
            prog.update(task, completed=done, total=total, description=Path(outcome.path).name[:40])
    else:
        prog = None
        progress = None
    try:
        summary = ingest(paths, database, reference_date=ref, workers=workers, refresh=refresh,
                         max_bytes=int(max_mb * 1024 * 1024), progress=progress)
    finally:
        if prog is not None:
            prog.stop()
    if fmt == "json":
        _json(summary.to_dict())
    else:
        rec = summary.reconcile
        parts = [f"新增 {summary.count('added')}", f"未变 {summary.count('unchanged')}"]
        if summary.count("refreshed"):
            parts.append(f"重新抽取 {summary.count('refreshed')}")
        parts.append(f"失败 {len(summary.failed)}")
        if summary.count("facts_from_record"):
            parts.append(f"直接采用记录中的事实 {summary.count('facts_from_record')}")
        if summary.count("stale_facts"):
            parts.append(f"记录中的事实来自另一版本抽取器、已重新抽取 {summary.count('stale_facts')}")
        line = "，".join(parts) + f"（用时 {summary.seconds:.1f} 秒）"
        if rec is not None:
            line += f"；项目库共 {rec.projects} 个项目（{rec.mentions} 处提及）"
        err.print(line, soft_wrap=True)
        for o in summary.outcomes:
            if o.status == "unchanged" and o.same_as:
                err.print(f"  未变 {escape(o.path)}：与本批的 {escape(o.same_as)} 正文相同", soft_wrap=True)
        for o in summary.failed:
            err.print(f"  [red]失败[/red] {escape(o.path)}：{escape(o.reason or '')}", soft_wrap=True)
    raise typer.Exit(1 if summary.failed else 0)


@app.command("reconcile")
def reconcile_cmd(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """按已存的事实和编辑决定重新归并项目库（可重复执行，结果确定）。"""
    from .reconcile import reconcile

    _fmt_ok(fmt)
    database = _open_existing(db)
    s = reconcile(database)
    if fmt == "json":
        _json(s.__dict__)
        return
    out.print(
        f"归并完成：{s.mentions} 处项目提及 → {s.projects} 个项目（其中 {s.merged} 个有多种写法）；"
        f"沿用编号 {s.kept_ids}，新编号 {s.new_ids}"
    )


# --- queries ----------------------------------------------------------------------------


PRECISION_LABELS = {
    "exact": "确切日期", "round": "“三个一批”活动日期", "asof": "不晚于（截至日期）",
    "approximate": "不晚于（报道日期）", "target": "目标（未达到）",
}


def stage_date_text(e: dict) -> str:
    """A stage event's date for people: a day, a span, "不晚于 …" or "目标 …"."""
    prec = e.get("date_precision")
    ds, de = e.get("date_start"), e.get("date_end")
    if prec == "target":
        if not (ds or de):
            return "目标（未定日期）"
        return f"目标 {ds}～{de}" if ds and de and ds != de else f"目标 {de or ds}" + ("前" if not ds else "")
    if prec in ("asof", "approximate"):
        return f"不晚于 {de}" if de else "日期不详"
    if ds and de and ds != de:
        return f"{ds}～{de}"
    return de or ds or "日期不详"


def stage_basis_text(e: dict) -> str:
    """Where a stage event's date comes from, in Chinese."""
    basis = (e.get("basis") or "").replace("\n", "").replace(" ", "")
    prec = e.get("date_precision")
    if prec == "exact":
        out = f"句中日期“{basis}”"
    elif prec == "round":
        out = f"第{e.get('round')}期“三个一批”活动（“{basis}”）"
    elif prec == "asof":
        out = f"截至日期“{basis}”"
    elif prec == "approximate":
        out = "报道日期" if e.get("date_end") else "无日期"
    else:
        out = f"计划或目标“{basis}”" if basis else "计划或目标"
    if e.get("origin") == "list":
        lst = f"第{e['round']}期" if e.get("round") else ""
        out = f"列入{lst}“{_phase_label(e['phase'])}一批”名单；" + out
    return out


@app.command("projects")
def projects_cmd(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    phase: Optional[str] = typer.Option(
        None, "--phase", help="阶段（signed / 开工 / 投产 …）：与 --since/--until 同用时为该时段内达到的阶段，否则为当前阶段"),
    since: Optional[str] = typer.Option(None, "--since", help="首次达到该阶段的日期不早于 YYYY-MM-DD"),
    until: Optional[str] = typer.Option(None, "--until", help="首次达到该阶段的日期不晚于 YYYY-MM-DD"),
    include_approximate: bool = typer.Option(
        False, "--include-approximate", help="也算只知道“不晚于某日”达到的阶段（截至日期、报道日期）"),
    current_phase: Optional[str] = typer.Option(None, "--current-phase", help="当前阶段（可与时段筛选同用）"),
    reported_since: Optional[str] = typer.Option(
        None, "--reported-since", help="有不早于此日期（YYYY-MM-DD）的报道提及（旧版 --since）"),
    reported_until: Optional[str] = typer.Option(
        None, "--reported-until", help="有不晚于此日期（YYYY-MM-DD）的报道提及（旧版 --until）"),
    min_investment: Optional[str] = typer.Option(None, "--min-investment", help="总投资至少（10亿、5000万、1.5亿元）"),
    batch: Optional[int] = typer.Option(None, "--batch", help="“三个一批”第几期"),
    name: Optional[str] = typer.Option(None, "--name", help="名称或别名包含"),
    fmt: str = typer.Option("table", "--format", "-f", help="table、json 或 csv"),
) -> None:
    """列出项目库中的项目。

    时段筛选按阶段史（xiangmu project 可见）：--phase 开工 --since 2023-01-01
    --until 2023-12-31 列出 2023 年开工的项目，不论现在是否已封顶、投产。每个阶段
    按首次达到的日期计；只算报道明确说到的阶段（报道“已投产”不等于报道过开工）；
    “力争、确保……开工”之类的目标和计划不算达到。默认只算日期确切的阶段（句中日期、
    “三个一批”活动日期）；加 --include-approximate 也算只知道“不晚于某日”的阶段。
    不给 --phase 时，列出该时段内达到任一阶段的项目。

    --reported-since/--reported-until 按报道日期筛选（提及项目的报道在此时段内），
    即旧版 --since/--until 的含义；单独的 --phase 仍是当前阶段。
    """
    from .query import list_projects, parse_money, parse_phase

    _fmt_ok(fmt, ("table", "json", "csv"))
    try:
        money = parse_money(min_investment) if min_investment else None
        if phase:
            parse_phase(phase)
        if current_phase:
            parse_phase(current_phase)
    except ValueError as exc:
        raise typer.BadParameter(str(exc))
    window_from, window_to = _date_opt(since, "--since"), _date_opt(until, "--until")
    database = _open_existing(db)
    rows = list_projects(database, phase=phase, since=window_from, until=window_to, min_investment=money,
                         batch=batch, name=name, reported_since=_date_opt(reported_since, "--reported-since"),
                         reported_until=_date_opt(reported_until, "--reported-until"),
                         current_phase=current_phase, include_approximate=include_approximate)
    if fmt == "json":
        _json(rows)
        return
    reached = parse_phase(phase) if phase and (window_from or window_to) else None

    def stages_text(r) -> str:
        return "；".join(f"{_phase_label(ph)} {stage_date_text(st)}" for ph, st in r["stages"].items())

    if fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(["id", "name", "aliases", "phase", "investment_yuan", "phase_date", "first_date", "last_date",
                    "mentions", "reports", "batches", "stages"])
        for r in rows:
            w.writerow([r["id"], r["name"], "；".join(r["aliases"]), r["phase"] or "", r["investment_yuan"] or "",
                        r["phase_date"] or "", r["first_date"] or "", r["last_date"] or "", len(r["mentions"]),
                        r["n_reports"], " ".join(str(b) for b in r["batches"]),
                        ";".join(f"{ph}:{st['date'] or ''}:{st['date_precision']}" for ph, st in r["stages"].items())])
        return
    title = f"项目库（{len(rows)} 个项目）"
    if window_from or window_to:
        span = f"{window_from or '…'} 至 {window_to or '…'}"
        title = f"{span} {'达到“' + _phase_label(reached) + '”' if reached else '有阶段进展'}的项目（{len(rows)} 个）"
    t = Table(title=title, show_lines=False)
    t.add_column("编号", no_wrap=True)
    t.add_column("名称", overflow="fold", ratio=3, min_width=8)
    if reached:
        t.add_column(f"{_phase_label(reached)}日期", no_wrap=True)
    t.add_column("别名", overflow="fold", ratio=2, min_width=6)
    t.add_column("阶段", no_wrap=True)
    t.add_column("阶段日期", no_wrap=True)
    t.add_column("总投资", no_wrap=True)
    t.add_column("提及", no_wrap=True)
    t.add_column("报道数", no_wrap=True)
    t.add_column("批次", overflow="fold", min_width=4)
    if not reached:
        t.add_column("阶段史", overflow="fold", ratio=2, min_width=8)
    for r in rows:
        cells = [
            str(r["id"]), r["name"], "、".join(r["aliases"]) or "—", _phase_label(r["phase"]),
            r["phase_date"] or "—", format_yuan(r["investment_yuan"]), str(len(r["mentions"])),
            str(r["n_reports"]), "、".join(f"第{b}期" for b in r["batches"]) or "—",
        ]
        if reached:
            st = r["stages"].get(reached)
            cells.insert(2, stage_date_text(st) if st else "—")
        else:
            cells.append(stages_text(r) or "—")
        t.add_row(*cells)
    out.print(t)


@app.command("project")
def project_cmd(
    ref: str = typer.Argument(..., help="项目编号或名称（名称可为别名或其一部分）"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """一个项目的阶段史（每个阶段的日期、依据、出自哪篇报道和哪句话）和来历（每条事实）。"""
    from .query import find_project, project_detail

    _fmt_ok(fmt)
    database = _open_existing(db)
    found = find_project(database, ref)
    if not found:
        err.print(f"[red]没有找到项目：{ref}[/red]")
        raise typer.Exit(1)
    if len(found) > 1 and not ref.isdigit() and not any(r["name"] == ref for r in found):
        if fmt == "json":
            _json([{"id": r["id"], "name": r["name"]} for r in found])
        else:
            err.print(f"“{ref}”对应多个项目，请用编号：")
            for r in found:
                err.print(f"  {r['id']}  {r['name']}")
        raise typer.Exit(1)
    detail = project_detail(database, found[0]["id"])
    if fmt == "json":
        _json(detail)
        return
    out.print(f"[bold]项目 {detail['id']}：{detail['name']}[/bold]")
    if detail["aliases"]:
        out.print("别名：" + "、".join(detail["aliases"]))
    for v in detail["variants"]:
        out.print(f"写法：{v['name']}（{VARIANT_LABELS.get(v['variant'], v['variant'])}）")
    line = f"当前阶段：{_phase_label(detail['phase'])}"
    if detail["phase_date"]:
        line += f"（{detail['phase_date']}）"
    if detail["target_phase"]:
        line += f"；目标：{_phase_label(detail['target_phase'])}"
    line += f"；总投资：{format_yuan(detail['investment_yuan'])}"
    out.print(line)
    for note in detail["notes"]:
        out.print(f"[yellow]注意[/yellow]：{note}")
    if detail["stages"]:
        out.print("首次达到：" + "；".join(
            f"{_phase_label(ph)} {stage_date_text(st)}" for ph, st in detail["stages"].items()))
    st = Table(title="阶段史", show_lines=True, expand=True)
    st.add_column("日期", overflow="fold", ratio=2, min_width=10)
    st.add_column("阶段", overflow="fold", min_width=4)
    st.add_column("依据", overflow="fold", ratio=2, min_width=8)
    st.add_column("报道", overflow="fold", ratio=2, min_width=8)
    st.add_column("句子", overflow="fold", ratio=4, min_width=16)
    for e in detail["stage_events"]:
        label = _phase_label(e["phase"]) + ("" if e["reached"] else "（目标）")
        st.add_row(stage_date_text(e), label, stage_basis_text(e), f"{Path(e['path']).name}\n@{e['start']}-{e['end']}",
                   _marked(e["sentence"] or e["text"], e["start"] - (e["sentence_start"] or 0), e["text"], 50, ""))
    if detail["stage_events"]:
        out.print(st)
    else:
        out.print("阶段史：报道中没有说到此项目的阶段")
    t = Table(title="来历", show_lines=True, expand=True)
    for col in ("日期", "类型", "事实", "报道", "所在句子"):
        t.add_column(col, ratio=3 if col == "所在句子" else None)
    for h in detail["history"]:
        txt = _marked(h["sentence"] or h["text"], h["start"] - (h["sentence_start"] or 0), h["text"])
        kind = KIND_LABELS.get(h["kind"], h["kind"])
        if h["mention"]:
            kind += f"（{LINK_LABELS.get(h['link'], h['link'])}）"
        from .query import fact_from_json

        t.add_row(
            (h["date"] or "—") + ("" if h["date_source"] != "report" else "\n(报道日期)"),
            kind,
            describe(fact_from_json(h["fact"])),
            f"{h['path']}\n@{h['start']}-{h['end']}",
            txt,
        )
    out.print(t)


@app.command("facts")
def facts_cmd(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    kind: Optional[str] = typer.Option(None, "--kind", help="类型：amount / percentage / date / count / project …"),
    role: Optional[str] = typer.Option(None, "--role", help="金额角色：total_investment / planned_investment …"),
    report: Optional[str] = typer.Option(None, "--report", help="报道编号或路径的一部分"),
    project: Optional[int] = typer.Option(None, "--project", help="项目编号（只列其提及）"),
    phase: Optional[str] = typer.Option(None, "--phase", help="项目提及的阶段"),
    since: Optional[str] = typer.Option(None, "--since", help="报道日期不早于 YYYY-MM-DD"),
    until: Optional[str] = typer.Option(None, "--until", help="报道日期不晚于 YYYY-MM-DD"),
    min_value: Optional[str] = typer.Option(None, "--min-value", help="金额至少（10亿、5000万）"),
    text: Optional[str] = typer.Option(None, "--text", help="原文包含"),
    target: Optional[bool] = typer.Option(None, "--target/--actual", help="只要目标值 / 只要实际值"),
    limit: Optional[int] = typer.Option(None, "--limit", help="最多列出几条"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """列出抽取到的事实。"""
    from .query import list_facts, parse_money

    _fmt_ok(fmt)
    try:
        money = parse_money(min_value) if min_value else None
        rows = None
        database = _open_existing(db)
        rows = list_facts(database, kind=kind, role=role, report=report, project=project, phase=phase,
                          since=_date_opt(since, "--since"), until=_date_opt(until, "--until"),
                          min_value=money, text=text, target=target, limit=limit)
    except ValueError as exc:
        raise typer.BadParameter(str(exc))
    if fmt == "json":
        _json(rows)
        return
    from .query import fact_from_json

    t = Table(title=f"事实（{len(rows)} 条）", show_lines=True, expand=True)
    for col in ("编号", "类型", "原文", "规范化值", "报道", "项目", "所在句子"):
        t.add_column(col, ratio=3 if col == "所在句子" else None)
    for r in rows:
        core = {k: v for k, v in r.items() if k not in ("id", "report_id", "path", "reference_date", "sentence", "project_id")}
        t.add_row(
            str(r["id"]), KIND_LABELS.get(r["kind"], r["kind"]), r["text"].replace("\n", "⏎"),
            describe(fact_from_json(core)), f"{r['path']}\n@{r['start']}-{r['end']}",
            str(r["project_id"]) if r["project_id"] is not None else "—",
            (r["sentence"] or "").replace("\n", "⏎"),
        )
    out.print(t)


@app.command("articles")
def articles_cmd(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    since: Optional[str] = typer.Option(None, "--since", help="报道日期不早于 YYYY-MM-DD"),
    until: Optional[str] = typer.Option(None, "--until", help="报道日期不晚于 YYYY-MM-DD"),
    text: Optional[str] = typer.Option(None, "--text", help="标题或路径包含"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """列出已入库的报道。"""
    from .query import list_articles

    _fmt_ok(fmt)
    database = _open_existing(db)
    rows = list_articles(database, since=_date_opt(since, "--since"), until=_date_opt(until, "--until"), text=text)
    if fmt == "json":
        _json(rows)
        return
    src = {"given": "指定", "file": "文件", "inferred": "推断", "default": "默认"}
    t = Table(title=f"报道（{len(rows)} 篇）")
    for col in ("编号", "路径", "标题", "参考日期", "字数", "事实", "项目提及", "入库时间"):
        t.add_column(col)
    for r in rows:
        d = r["reference_date"] or "—"
        if r["reference_date_source"]:
            d += f"（{src.get(r['reference_date_source'], r['reference_date_source'])}）"
        t.add_row(str(r["id"]), r["path"] or "", r["title"] or "—", d, str(r["n_chars"]), str(r["n_facts"]),
                  str(r["n_projects"]), (r["ingested_at"] or "")[:19])
    out.print(t)


@app.command("search")
def search_cmd(
    query: str = typer.Argument(..., help="关键词（中文按词检索，如 氢能）"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    limit: int = typer.Option(20, "--limit", help="最多几篇"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """全文检索报道（jieba 分词 + FTS5）。"""
    from .search import search

    _fmt_ok(fmt)
    database = _open_existing(db)
    rows = search(database, query, limit=limit)
    if fmt == "json":
        _json(rows)
        return
    if not rows:
        out.print(f"没有找到包含“{query}”的报道")
        return
    t = Table(title=f"检索“{query}”：{len(rows)} 篇", show_lines=True, expand=True)
    for col in ("编号", "报道", "参考日期", "次数", "片段"):
        t.add_column(col, ratio=3 if col == "片段" else None)
    for r in rows:
        snip = Text()
        for i, s in enumerate(r["snippets"]):
            if i:
                snip.append(" … ")
            ctx = s["context"]
            k = ctx.find(s["text"])
            if k >= 0:
                snip.append(ctx[:k])
                snip.append(s["text"], style="bold reverse")
                snip.append(ctx[k + len(s["text"]):])
            else:
                snip.append(ctx)
        t.add_row(str(r["id"]), f"{r['title'] or ''}\n{r['path']}", r["reference_date"] or "—", str(r["hits"]), snip)
    out.print(t)


# --- editors' corrections ------------------------------------------------------------------


def _one_project(database, ref: str) -> dict:
    from .query import find_project

    found = find_project(database, ref)
    exact = [r for r in found if str(r["id"]) == ref or r["name"] == ref]
    if len(exact) == 1:
        return exact[0]
    if len(found) == 1:
        return found[0]
    if not found:
        err.print(f"[red]没有找到项目：{ref}[/red]")
    else:
        err.print(f"[red]“{ref}”对应多个项目：" + "、".join(f"{r['id']} {r['name']}" for r in found) + "；请用编号[/red]")
    raise typer.Exit(1)


def _after_decision(database, fmt: str, decision_id: int, message: str) -> None:
    from .reconcile import reconcile

    s = reconcile(database)
    if fmt == "json":
        _json({"decision": decision_id, "projects": s.projects})
    else:
        out.print(f"{message}（决定 #{decision_id} 已保存，重新归并后共 {s.projects} 个项目）")


@app.command("merge")
def merge_cmd(
    a: str = typer.Argument(..., help="项目编号或名称"),
    b: str = typer.Argument(..., help="要并入的项目编号或名称"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    note: Optional[str] = typer.Option(None, "--note", help="理由"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """把两个项目合并为一个（编辑决定，重新导入后仍然有效）。"""
    from .reconcile import project_anchors

    _fmt_ok(fmt)
    database = _open_existing(db)
    pa, pb = _one_project(database, a), _one_project(database, b)
    if pa["id"] == pb["id"]:
        err.print("[yellow]这两个是同一个项目[/yellow]")
        raise typer.Exit(0)
    did = store.add_decision(
        database, "merge",
        {"a": project_anchors(database, pa["id"]), "b": project_anchors(database, pb["id"]),
         "names": [pa["name"], pb["name"]]}, note,
    )
    _after_decision(database, fmt, did, f"已合并：{pa['id']} {pa['name']} ← {pb['id']} {pb['name']}")


@app.command("split")
def split_cmd(
    ref: str = typer.Argument(..., help="项目编号或名称"),
    mention: List[str] = typer.Option(..., "--mention", "-m",
                                      help="要分出去的提及：事实编号（xiangmu project 中可见），或名称中的文字；可重复"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    note: Optional[str] = typer.Option(None, "--note", help="理由"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """把一个项目的部分提及分出去，成为另一个项目（编辑决定，重新导入后仍然有效）。"""
    _fmt_ok(fmt)
    database = _open_existing(db)
    p = _one_project(database, ref)
    rows = list(database.query(
        """SELECT f.id, f.text, f.start, f."end", r.sha256 FROM project_mentions m JOIN facts f ON f.id = m.fact_id
           JOIN reports r ON r.id = m.report_id WHERE m.project_id = ? ORDER BY r.id, f.start""", [p["id"]]))
    moved, rest = [], []
    for r in rows:
        name = "".join(r["text"].split())
        hit = any((m.isdigit() and int(m) == r["id"]) or (not m.isdigit() and m in name) for m in mention)
        (moved if hit else rest).append([r["sha256"], r["start"], r["end"], r["text"]])
    if not moved:
        err.print(f"[red]项目 {p['id']} 中没有符合 {mention} 的提及[/red]")
        raise typer.Exit(1)
    if not rest:
        err.print("[red]不能把全部提及都分出去[/red]")
        raise typer.Exit(1)
    did = store.add_decision(database, "split", {"mentions": moved, "rest": rest, "name": p["name"]}, note)
    _after_decision(database, fmt, did, f"已从 {p['id']} {p['name']} 分出 {len(moved)} 处提及")


def _project_decision(db, ref: str, fmt: str, note, kind: str, value: str, message) -> None:
    """Store an editor's decision about one project (``alias``: value is the alias;
    ``rename``: value is the new name), anchored to its mentions, and reconcile."""
    from .reconcile import project_anchors

    _fmt_ok(fmt)
    database = _open_existing(db)
    p = _one_project(database, ref)
    key = {"alias": "alias", "rename": "name"}[kind]
    did = store.add_decision(database, kind, {"project": project_anchors(database, p["id"]), key: value}, note)
    _after_decision(database, fmt, did, message(p))


@app.command("alias")
def alias_cmd(
    ref: str = typer.Argument(..., help="项目编号或名称"),
    alias: str = typer.Argument(..., help="别名（以后这样写的提及也归入此项目）"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    note: Optional[str] = typer.Option(None, "--note", help="理由"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """给项目加一个别名（编辑决定，重新导入后仍然有效）。"""
    value = alias.strip()
    _project_decision(db, ref, fmt, note, "alias", value,
                      lambda p: f"已为 {p['id']} {p['name']} 添加别名“{value}”")


@app.command("rename")
def rename_cmd(
    ref: str = typer.Argument(..., help="项目编号或名称"),
    name: str = typer.Argument(..., help="新的标准名称"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    note: Optional[str] = typer.Option(None, "--note", help="理由"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """指定项目的标准名称（编辑决定，重新导入后仍然有效）。"""
    value = name.strip()
    _project_decision(db, ref, fmt, note, "rename", value,
                      lambda p: f"已将 {p['id']} 改名为“{value}”")


@app.command("decisions")
def decisions_cmd(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    delete: Optional[int] = typer.Option(None, "--delete", help="撤销这个编号的决定"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """列出（或撤销）编辑的归并决定。"""
    _fmt_ok(fmt)
    database = _open_existing(db)
    if delete is not None:
        if not store.delete_decision(database, delete):
            err.print(f"[red]没有编号为 {delete} 的决定[/red]")
            raise typer.Exit(1)
        _after_decision(database, fmt, delete, f"已撤销决定 #{delete}")
        return
    rows = [
        {"id": r["id"], "action": r["action"], "payload": json.loads(r["payload"]), "note": r["note"],
         "created_at": r["created_at"]}
        for r in database.query("SELECT * FROM decisions ORDER BY id")
    ]
    if fmt == "json":
        _json(rows)
        return
    labels = {"merge": "合并", "split": "拆分", "alias": "别名", "rename": "改名"}
    t = Table(title=f"编辑决定（{len(rows)} 条）")
    for col in ("编号", "操作", "内容", "理由", "时间"):
        t.add_column(col)
    for r in rows:
        p = r["payload"]
        if r["action"] == "merge":
            what = " + ".join(p.get("names", []))
        elif r["action"] == "split":
            what = f"{p.get('name', '')}：分出 " + "、".join(a[3] for a in p.get("mentions", []) if len(a) > 3)
        elif r["action"] == "alias":
            what = p.get("alias", "")
        else:
            what = p.get("name", "")
        t.add_row(str(r["id"]), labels.get(r["action"], r["action"]), what.replace("\n", ""), r["note"] or "—",
                  (r["created_at"] or "")[:19])
    out.print(t)


# --- evaluation -------------------------------------------------------------------------------


@app.command("eval-registry")
def eval_registry_cmd(
    gold_dirs: List[Path] = typer.Argument(None, help="含 registry.json 或 *_registry.json 的金标准目录"),
    end_to_end: bool = typer.Option(True, "--end-to-end/--gold-only", help="同时做端到端评估（先抽取）"),
    errors: bool = typer.Option(False, "--errors", help="列出错误的成对判断"),
    fmt: str = typer.Option("table", "--format", "-f", help="table 或 json"),
) -> None:
    """项目归并质量：成对精确率、召回率、F1。"""
    from .evaluate import evaluate_registry

    _fmt_ok(fmt)
    dirs = gold_dirs or [Path("corpus/gold")]
    results = {}
    for d in dirs:
        if not d.exists():
            err.print(f"[red]找不到目录 {d}[/red]")
            raise typer.Exit(2)
        results[str(d)] = evaluate_registry(d, end_to_end=end_to_end)
    if fmt == "json":
        _json(results)
        return
    t = Table(title="项目归并（成对判断）")
    for col in ("金标准", "评估", "精确率", "召回率", "F1", "正确对/预测对/金标准对", "说明"):
        t.add_column(col)
    for d, r in results.items():
        det = r["details"]
        rows = [("金标准提及", det["gold_mentions"])]
        if "own_articles" in det["gold_mentions"]:
            rows.append(("  仅含本集报道的对", det["gold_mentions"]["own_articles"]))
        if "end_to_end" in det:
            rows.append(("端到端", det["end_to_end"]))
            if "own_articles" in det["end_to_end"]:
                rows.append(("  仅含本集报道的对", det["end_to_end"]["own_articles"]))
        for label, s in rows:
            extra = ""
            if "mentions" in s:
                extra = f"{s['mentions']} 处提及，{s['entities']} 个实体 → {s['projects']} 个项目"
            if "extracted_mentions" in s:
                extra = f"抽到 {s['extracted_mentions']} 处，匹配金标准 {s['matched_mentions']}/{s['gold_mentions']}"
            t.add_row(d, label, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                      f"{s['tp']}/{s['predicted_pairs']}/{s['gold_pairs']}", extra)
    out.print(t)
    if errors:
        for d, r in results.items():
            for part, s in r["details"].items():
                for a, b in s.get("false_same", []):
                    out.print(f"[yellow]误并[/yellow] {part}: {a!r} ~ {b!r}")
                for a, b in s.get("missed_same", []):
                    out.print(f"[red]漏并[/red] {part}: {a!r} ~ {b!r}")
