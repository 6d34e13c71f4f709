"""Batch ingestion: files and folders -> stored reports -> reconciled registry.

Reading, decoding and extraction run in worker processes
(:class:`concurrent.futures.ProcessPoolExecutor`); the main process is the single
writer and stores the results in input order, one transaction per report
(:func:`db.store.store_report`). A report whose text is already stored is not
extracted again. A file that cannot be read is reported with its reason and the
rest of the batch goes on. At the end the registry is reconciled.

Inputs: ``.txt``/``.md`` (optional front matter gives date and title), ``.html``/
``.htm`` press pages (:mod:`extract.html`), and ``.jsonl`` files with one report
per line (``text``, optional ``title``, ``url``, ``date``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from extract.loader import DEFAULT_MAX_BYTES, LoadError
from extract.reports import HTML_SUFFIXES, Report, load_report, parse_iso_date

from . import store

#: suffixes picked up when a folder is walked (files named explicitly are always tried)
FOLDER_SUFFIXES = {".txt", ".text", ".md", ".jsonl"} | HTML_SUFFIXES


@dataclass
class Task:
    """One report to ingest: a file, or one line of a JSONL file."""

    path: str  # what is stored as the report's path (file, or file:line)
    file: Optional[str] = None
    record: Optional[dict] = None
    lineno: Optional[int] = None


@dataclass
class Outcome:
    path: str
    status: str  # added | unchanged | refreshed | failed
    report_id: Optional[int] = None
    reason: Optional[str] = None
    code: Optional[str] = None
    facts: int = 0
    same_as: Optional[str] = None


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    reconcile: Any = None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def to_dict(self) -> dict:
        return {
            "added": self.count("added"),
            "unchanged": self.count("unchanged"),
            "refreshed": self.count("refreshed"),
            "failed": [{"path": o.path, "code": o.code, "reason": o.reason} for o in self.failed],
            "seconds": round(self.seconds, 3),
            "projects": getattr(self.reconcile, "projects", None),
        }


# --- discovering inputs -----------------------------------------------------------


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            p = Path(root) / name
            if p.suffix.lower() in FOLDER_SUFFIXES:
                yield p


def _jsonl_tasks(path: Path, failures: list[Outcome]) -> Iterator[Task]:
    try:
        fh = path.open(encoding="utf-8-sig")
    except OSError as exc:
        failures.append(Outcome(str(path), "failed", code="unreadable", reason=f"无法读取文件：{exc.strerror or exc}"))
        return
    with fh:
        try:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{path}:{lineno}"
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    failures.append(Outcome(where, "failed", code="bad_record", reason=f"不是合法的 JSON：{exc.msg}"))
                    continue
                if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                    failures.append(Outcome(where, "failed", code="bad_record", reason="记录缺少文本字段 text"))
                    continue
                yield Task(path=where, record=rec, lineno=lineno)
        except UnicodeDecodeError:
            failures.append(Outcome(str(path), "failed", code="undecodable", reason="JSONL 文件不是 UTF-8 编码"))


def discover(paths: Iterable[str | Path], failures: list[Outcome]) -> list[Task]:
    """Tasks for the given files and folders (folders walked recursively, sorted)."""
    tasks: list[Task] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            failures.append(Outcome(str(p), "failed", code="missing", reason="文件或目录不存在"))
            continue
        files = list(_walk(p)) if p.is_dir() else [p]
        for f in files:
            if f.suffix.lower() == ".jsonl":
                tasks.extend(_jsonl_tasks(f, failures))
            else:
                tasks.append(Task(path=str(f), file=str(f)))
    return tasks


# --- the worker -------------------------------------------------------------------

_W: dict[str, Any] = {}


def _init_worker(known: frozenset, given_date: Optional[str], max_bytes: int, refresh: bool) -> None:
    _W["known"] = known
    _W["date"] = given_date
    _W["max_bytes"] = max_bytes
    _W["refresh"] = refresh


def _report_of(task: Task, max_bytes: int) -> Report:
    if task.file is not None:
        return load_report(task.file, max_bytes=max_bytes)
    rec = task.record or {}
    text = rec["text"].replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise LoadError(task.path, "empty", "记录的文本为空")
    if len(text.encode("utf-8")) > max_bytes:
        raise LoadError(task.path, "too_large", "记录的文本超过大小上限")
    date = rec.get("date") or rec.get("reference_date")
    return Report(
        path=task.path,
        text=text,
        title=rec.get("title"),
        date=parse_iso_date(str(date)) if date else None,
        url=rec.get("url"),
        encoding="utf-8",
        source_format="jsonl",
    )


def process(task: Task) -> dict[str, Any]:
    """Load and extract one report (runs in a worker process; no database)."""
    from extract.pipeline import extract_text

    from .search import segment

    try:
        rep = _report_of(task, _W.get("max_bytes", DEFAULT_MAX_BYTES))
    except LoadError as exc:
        return {"status": "failed", "path": task.path, "code": exc.code, "reason": exc.reason}
    except Exception as exc:  # a parser failure must not stop the batch
        return {"status": "failed", "path": task.path, "code": "unreadable", "reason": f"无法读取：{type(exc).__name__}: {exc}"}
    text = rep.text
    if not text.strip():
        return {"status": "failed", "path": task.path, "code": "empty", "reason": "没有正文"}
    sha = store.content_hash(text)
    if sha in _W.get("known", frozenset()) and not _W.get("refresh"):
        return {"status": "unchanged", "path": task.path, "sha256": sha}
    given = _W.get("date")
    if given:
        ref, source = given, "given"
    elif rep.date:
        ref, source = rep.date.isoformat(), "file"
    else:
        ref, source = None, None
    try:
        res = extract_text(text, ref, path=task.path, title=rep.title, reference_date_source=source)
    except Exception as exc:
        return {"status": "failed", "path": task.path, "code": "extract_error",
                "reason": f"抽取出错：{type(exc).__name__}: {exc}"}
    return {
        "status": "extracted",
        "path": task.path,
        "sha256": sha,
        "title": rep.title,
        "url": rep.url,
        "encoding": rep.encoding,
        "source_format": getattr(rep, "source_format", None) or ("html" if Path(task.path).suffix.lower() in HTML_SUFFIXES else "txt"),
        "reference_date": res.reference_date.isoformat() if res.reference_date else None,
        "reference_date_source": res.reference_date_source,
        "text": text,
        "facts": [f.model_dump(mode="json") for f in res.facts],
        "title_words": segment(rep.title or ""),
        "body_words": segment(text),
    }


# --- the batch --------------------------------------------------------------------


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def _results(tasks: list[Task], workers: int, initargs: tuple) -> Iterator[dict]:
    """Results in input order, from a process pool (or in-process for one worker)."""
    if workers <= 1 or len(tasks) <= 1:
        _init_worker(*initargs)
        for t in tasks:
            yield process(t)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=initargs) as ex:
        # submit a bounded window ahead, so memory stays flat on big batches
        window = workers * 4
        futures = []
        it = iter(tasks)
        for t in it:
            futures.append(ex.submit(process, t))
            if len(futures) >= window:
                break
        i = 0
        while i < len(futures):
            res = futures[i].result()
            futures[i] = None  # free the result
            i += 1
            nxt = next(it, None)
            if nxt is not None:
                futures.append(ex.submit(process, nxt))
            yield res


def _registry_size(db):
    from .reconcile import ReconcileSummary

    n_m = db.execute("SELECT COUNT(*) FROM project_mentions").fetchone()[0]
    n_p = db.execute("SELECT COUNT(*) FROM projects").fetchone()[0]
    return ReconcileSummary(n_m, n_p, 0, n_p, 0)


def ingest(
    paths: Iterable[str | Path],
    db,
    reference_date: Optional[_dt.date | str] = None,
    workers: Optional[int] = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    refresh: bool = False,
    progress: Optional[Callable[[int, int, Outcome], None]] = None,
    after_store: Optional[Callable[[int], None]] = None,
    reconcile: bool = True,
) -> Summary:
    """Ingest files and folders into ``db`` and reconcile the registry.

    ``progress(done, total, outcome)`` is called after each report;
    ``after_store(n)`` after the n-th report is written (tests use it to
    simulate a crash). With ``refresh``, reports already stored are extracted
    again and their facts replaced (for a new version of the extractors).
    """
    t0 = time.perf_counter()
    summary = Summary()
    failures: list[Outcome] = []
    tasks = discover(paths, failures)
    summary.outcomes.extend(failures)
    total = len(tasks)
    if isinstance(reference_date, _dt.date):
        reference_date = reference_date.isoformat()
    known = frozenset(store.known_hashes(db))
    initargs = (known, reference_date, max_bytes, refresh)
    workers = workers or default_workers()
    seen_in_batch: dict[str, str] = {}
    stored = 0
    for done, res in enumerate(_results(tasks, workers, initargs), 1):
        path = res["path"]
        if res["status"] == "failed":
            out = Outcome(path, "failed", code=res["code"], reason=res["reason"])
        elif res["status"] == "unchanged":
            out = Outcome(path, "unchanged", report_id=store.report_id_for(db, res["sha256"]))
        elif res["sha256"] in seen_in_batch:
            out = Outcome(path, "unchanged", report_id=store.report_id_for(db, res["sha256"]),
                          same_as=seen_in_batch[res["sha256"]])
        else:
            status, rid = store.store_report(db, res, refresh=refresh)
            seen_in_batch[res["sha256"]] = path
            out = Outcome(path, status, report_id=rid, facts=len(res["facts"]))
            if status != "unchanged":
                stored += 1
                if after_store is not None:
                    after_store(stored)
        summary.outcomes.append(out)
        if progress is not None:
            progress(done, total, out)
    if reconcile:
        from .reconcile import reconcile as _reconcile, registry_is_current

        if stored or not registry_is_current(db):
            summary.reconcile = _reconcile(db)
        else:
            summary.reconcile = _registry_size(db)
    summary.seconds = time.perf_counter() - t0
    return summary
