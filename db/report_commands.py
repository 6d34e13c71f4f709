"""``xiangmu report``, ``xiangmu check`` and ``xiangmu serve`` on the shared Typer app.

* ``report``: run the consistency checks over the registry database and
  write the editors' report (HTML page, Markdown for mail, or JSON as in
  OUTPUT.md).
* ``check``: the same checks straight on report files, without a database
  (extraction runs on the fly; no registry, so projects are matched by name).
* ``serve``: browse the registry with datasette (Chinese labels, facets, the
  jieba full-text search) plus a second database with the check results.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

import typer

from extract.cli import app, err

DB_HELP = "数据库文件（默认 $XIANGMU_DB 或当前目录下的 xiangmu.db）"
FORMATS = ("html", "md", "json")
DATASETTE_DIR = Path(__file__).resolve().parent / "datasette"


def _default_db() -> str:
    try:
        from db.store import default_db_path

        return default_db_path()
    except ImportError:  # pragma: no cover - the registry ships with the package
        return os.environ.get("XIANGMU_DB") or "xiangmu.db"


def _since(value: Optional[str]) -> Optional[_dt.date]:
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"--since 的日期格式应为 YYYY-MM-DD：{value!r}")


def _kinds(value: Optional[str]) -> Optional[list[str]]:
    if not value:
        return None
    from db.checks.context import rules

    known = set(rules()["severities"])
    kinds = [k.strip() for k in value.split(",") if k.strip()]
    bad = [k for k in kinds if k not in known]
    if bad:
        raise typer.BadParameter(f"未知的类型：{', '.join(bad)}（可选：{', '.join(sorted(known))}）")
    return kinds


def _format(fmt: str, output: Optional[Path]) -> str:
    fmt = (fmt or "").lower()
    if not fmt:
        fmt = "md" if output and output.suffix.lower() in (".md", ".markdown") else (
            "json" if output and output.suffix.lower() == ".json" else "html")
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise typer.BadParameter("--format 只能是 html、md 或 json")
    return fmt


def load_check_reports(database) -> list:
    """Every stored report as the checks need it (:class:`~db.checks.context.CheckReport`).

    The same reports as :func:`db.query.load_stored_reports`, but only the facts
    of the kinds the checks read (``CHECK_FACT_KINDS``), each a light object, and
    read as a stream: a registry of many reports is never held as pydantic facts
    nor as a list of rows. ``project_of`` indexes the facts kept.
    """
    from db.checks.context import CHECK_FACT_KINDS, CheckReport, light_fact_from_fields
    from db.query import _date as _stored_date
    from db.store import EXACT_COLUMNS, fact_fields

    memo: dict = {}  # equal field values (kinds, roles, names, offsets, dates) held once
    kinds = list(CHECK_FACT_KINDS)
    cols = ", ".join(f'"{c}"' for c in EXACT_COLUMNS)
    facts_by_report: dict[int, list] = {}
    project_fact: dict[int, tuple[int, int]] = {}  # fact id -> (report id, index among the facts kept)
    sql = (f"SELECT report_id, id, extra, {cols} FROM facts WHERE kind IN ({', '.join('?' * len(kinds))}) "
           "ORDER BY report_id, idx")
    for r in database.execute(sql, kinds):
        lst = facts_by_report.setdefault(r[0], [])
        f = light_fact_from_fields(fact_fields(r[2], r[3:]), memo)
        if f.kind == "project":
            project_fact[r[1]] = (r[0], len(lst))
        lst.append(f)
    project_of: dict[int, dict[int, int]] = {}
    for fid, pid in database.execute("SELECT fact_id, project_id FROM project_mentions"):
        if fid in project_fact:
            rid, i = project_fact[fid]
            project_of.setdefault(rid, {})[i] = pid
    del project_fact, memo
    out = []
    for rid, path, title, text, sha, ref, ref_src in database.execute(
        "SELECT id, path, title, text, sha256, reference_date, reference_date_source FROM reports ORDER BY id"
    ):
        out.append(CheckReport.model_construct(
            id=rid, path=path or "", title=title, text=text, sha256=sha, reference_date=_stored_date(ref),
            reference_date_source=ref_src, facts=facts_by_report.pop(rid, []), project_of=project_of.pop(rid, {}),
            fact_kinds=tuple(kinds),
        ))
    return out


def load_registry(db_path: Optional[str]):
    """(reports, projects) from the registry database; exit 2 with a Chinese message when it is missing.

    The reports hold what the checks and the report read (:func:`load_check_reports`).
    """
    path = db_path or _default_db()
    if path != ":memory:" and not Path(path).exists():
        err.print(f"[red]数据库不存在：{path}（先用 xiangmu ingest 导入报道）[/red]")
        raise typer.Exit(2)
    from db.query import registry_projects
    from db.store import open_db

    database = open_db(path)
    # one sequential pass over the registry: read it with plain reads, not through
    # open_db's memory map (every page read would stay in this process's RSS)
    database.conn.execute("PRAGMA mmap_size = 0")
    return load_check_reports(database), registry_projects(database), path


def _write(text: str, output: Optional[Path]) -> None:
    if output is None:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    err.print(f"已写入 {output}")


def _emit(items, reports, fmt: str, output: Optional[Path], source: str) -> None:
    from db.report import write

    generated = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    kw = {"generated": generated}
    if fmt == "html":
        kw["source"] = source
    # written piece by piece: a large report is never one string in memory
    if output is None:
        last = [""]

        class _Out:
            def write(self, chunk: str) -> None:
                if chunk:
                    last[0] = chunk
                    sys.stdout.write(chunk)

        write(items, fmt, _Out(), reports, **kw)
        if not last[0].endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8") as fh:
            write(items, fmt, fh, reports, **kw)
        err.print(f"已写入 {output}")
    n_err = sum(1 for it in items if it.severity == "error")
    n_warn = sum(1 for it in items if it.severity == "warning")
    n_info = len(items) - n_err - n_warn
    err.print(f"共 {len(items)} 条：错误 {n_err}，警告 {n_warn}，提示 {n_info}")


@app.command("report")
def report_cmd(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("", "--format", "-f", help="html（网页）、md（邮件用 Markdown）或 json；默认按 -o 的扩展名，否则 html"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="写入文件（默认输出到屏幕）"),
    since: Optional[str] = typer.Option(None, "--since", help="只列出涉及此日期（YYYY-MM-DD）及以后报道的问题"),
    kinds: Optional[str] = typer.Option(None, "--kinds", help="只检查这些类型，逗号分隔（sum_mismatch,name_variant,…）"),
) -> None:
    """检查项目库中报道之间与报道内部的矛盾，生成给编辑看的报告。"""
    fmt = _format(fmt, output)
    day = _since(since)
    wanted = _kinds(kinds)
    reports, projects, path = load_registry(db)
    from db.checks import run_checks

    items = run_checks(reports, projects, since=day, kinds=wanted)
    _emit(items, reports, fmt, output, source=path)


@app.command("check")
def check_cmd(
    files: List[Path] = typer.Argument(..., help="报道文件（.txt / .html），不经数据库直接检查"),
    fmt: str = typer.Option("", "--format", "-f", help="html、md 或 json；默认按 -o 的扩展名，否则 html"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="写入文件（默认输出到屏幕）"),
    since: Optional[str] = typer.Option(None, "--since", help="只列出涉及此日期及以后报道的问题"),
    kinds: Optional[str] = typer.Option(None, "--kinds", help="只检查这些类型，逗号分隔"),
) -> None:
    """不建数据库，直接检查几篇报道之间与报道内部的矛盾（项目按名称比对）。"""
    from db.checks import run_checks
    from db.models import StoredReport
    from extract.loader import LoadError
    from extract.pipeline import extract_text
    from extract.reports import load_report

    fmt = _format(fmt, output)
    day = _since(since)
    wanted = _kinds(kinds)
    reports = []
    failures = 0
    for i, path in enumerate(files, 1):
        try:
            rep = load_report(path)
        except LoadError as exc:
            failures += 1
            err.print(f"[red]失败 {path}：{exc.reason}[/red]")
            continue
        res = extract_text(rep.text, rep.date, path=str(path), title=rep.title,
                           reference_date_source="given" if rep.date else None)
        reports.append(StoredReport(id=i, path=str(path), title=rep.title, text=rep.text, sha256=res.sha256 or "",
                                    reference_date=res.reference_date,
                                    reference_date_source=res.reference_date_source, facts=list(res.facts)))
    items = run_checks(reports, None, since=day, kinds=wanted)
    _emit(items, reports, fmt, output, source="、".join(str(f) for f in files))
    if failures:
        raise typer.Exit(1)


# -- serve ------------------------------------------------------------------------------

def write_checks_db(items, path: Path) -> None:
    """A small SQLite database of check results, for browsing next to the registry."""
    from db.checks.context import kind_label, severity_label

    if path.exists():
        path.unlink()
    conn = sqlite3.connect(str(path))
    conn.executescript(
        """
        CREATE TABLE inconsistencies (id INTEGER PRIMARY KEY, kind TEXT, kind_label TEXT, severity TEXT,
            severity_label TEXT, message TEXT, project_id INTEGER, reports TEXT, details TEXT);
        CREATE TABLE evidence (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES inconsistencies(id),
            report_id INTEGER, path TEXT, start INTEGER, "end" INTEGER, text TEXT, reference_date TEXT, note TEXT);
        """
    )
    for n, it in enumerate(items, 1):
        paths = sorted({os.path.basename(e.path) for e in it.evidence})
        conn.execute(
            "INSERT INTO inconsistencies VALUES (?,?,?,?,?,?,?,?,?)",
            (n, it.kind, kind_label(it.kind), it.severity, severity_label(it.severity), it.message, it.project_id,
             "、".join(paths), json.dumps(it.details, ensure_ascii=False, default=str)),
        )
        for e in it.evidence:
            conn.execute(
                'INSERT INTO evidence(item_id, report_id, path, start, "end", text, reference_date, note) '
                "VALUES (?,?,?,?,?,?,?,?)",
                (n, e.report_id, e.path, e.start, e.end, e.text,
                 e.reference_date.isoformat() if e.reference_date else None, e.note),
            )
    conn.commit()
    conn.close()


def build_metadata(db_name: str, checks_name: str) -> dict:
    """The datasette metadata for a registry database named ``db_name`` (its file stem)."""
    meta = json.loads((DATASETTE_DIR / "metadata.json").read_text(encoding="utf-8"))
    dbs = meta.get("databases", {})
    if "xiangmu" in dbs and db_name != "xiangmu":
        dbs[db_name] = dbs.pop("xiangmu")
    if "checks" in dbs and checks_name != "checks":
        dbs[checks_name] = dbs.pop("checks")
    return meta


def datasette_command(db_path: str, checks_path: Optional[Path], meta_path: Path, port: int, host: str,
                      get: Optional[str] = None) -> list[str]:
    cmd = [sys.executable, "-m", "datasette", "serve", db_path]
    if checks_path is not None:
        cmd.append(str(checks_path))
    cmd += ["--metadata", str(meta_path), "--plugins-dir", str(DATASETTE_DIR / "plugins"),
            "--port", str(port), "--host", host, "--setting", "default_page_size", "50"]
    if get:
        cmd += ["--get", get]
    return cmd


@app.command("serve")
def serve_cmd(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    port: int = typer.Option(8001, "--port", "-p", help="端口"),
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认只在本机）"),
    with_checks: bool = typer.Option(True, "--checks/--no-checks", help="同时运行一致性检查，结果可在网页中浏览"),
    get: Optional[str] = typer.Option(None, "--get", help="不启动服务，只请求这个路径并输出结果（用于测试）"),
) -> None:
    """用 datasette 在浏览器中浏览项目库（中文标签、分面、结巴分词全文检索）。"""
    path = db or _default_db()
    if not Path(path).exists():
        err.print(f"[red]数据库不存在：{path}（先用 xiangmu ingest 导入报道）[/red]")
        raise typer.Exit(2)
    workdir = Path(tempfile.mkdtemp(prefix="xiangmu-serve-"))
    checks_path = None
    checks_name = "checks"
    if with_checks:
        reports, projects, _ = load_registry(path)
        from db.checks import run_checks

        items = run_checks(reports, projects)
        checks_path = workdir / f"{checks_name}.db"
        write_checks_db(items, checks_path)
    meta = build_metadata(Path(path).stem, checks_name)
    meta_path = workdir / "metadata.json"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    cmd = datasette_command(path, checks_path, meta_path, port, host, get)
    if not get:
        err.print(f"项目库浏览：http://{host}:{port}/  （Ctrl+C 停止）")
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        rc = subprocess.call(cmd, env=env)
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        rc = 0
    raise typer.Exit(rc)
