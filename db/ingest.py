"""Batch ingestion: files and folders -> stored reports -> reconciled registry.

Reading, decoding and extraction run in worker processes
(:class:`concurrent.futures.ProcessPoolExecutor`); the main process is the single
writer and stores the results in input order, one transaction per report
(:func:`db.store.store_report`). A report whose text is already stored is not
extracted again. A file that cannot be read is reported with its reason and the
rest of the batch goes on. At the end the registry is reconciled.

Inputs: ``.txt``/``.md`` (optional front matter gives date and title), ``.html``/
``.htm`` press pages (:mod:`extract.html`), and ``.jsonl`` files with one report
per line (``text``, optional ``title``, ``url``, ``date``/``reference_date``).

A JSONL record may also carry the facts already extracted elsewhere (the map
step of a cluster run, see :func:`prepare_record` and ``benchmarks/README.md``):
``facts``, ``sha256``, ``extractor_version``, ``reference_date_source`` and,
optionally, the search-index words ``title_words``/``body_words``. Such facts are
checked (every span must quote the text, every fact must be a valid fact) and
stored as they are when they come from the same extractors as this install
(:func:`extract.version.extractor_version`); facts of another version are
extracted again, and the summary counts them.

Memory stays flat however long the batch: inputs are discovered lazily (JSONL
files are read line by line), a bounded window of reports is in flight, workers
ask the registry (read-only) whether a text is already stored instead of
receiving every stored hash, and the summary keeps counts plus the outcomes an
editor must see (failures, duplicates inside the batch).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
import time
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from extract.loader import DEFAULT_MAX_BYTES, LoadError, as_decoded, sha256_text
from extract.reports import HTML_SUFFIXES, Report, load_report, parse_iso_date

from . import store

#: suffixes picked up when a folder is walked (files named explicitly are always tried)
FOLDER_SUFFIXES = {".txt", ".text", ".md", ".jsonl"} | HTML_SUFFIXES

#: a registry with at most this many reports hands its hashes to the workers
#: (an in-memory database cannot be opened by another process)
_SMALL_REGISTRY = 50_000


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
    #: where the stored facts came from: "extracted" here, or "record" (pre-extracted)
    facts_from: Optional[str] = None
    #: why a record's own facts were not used (another extractor version …)
    note: Optional[str] = None


@dataclass
class Summary:
    """Counts of every status, and the outcomes worth showing (failures and
    duplicates inside the batch); the full list is not kept, so that a batch of
    millions does not grow memory."""

    outcomes: list[Outcome] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    reconcile: Any = None

    def add(self, out: Outcome) -> None:
        self.counts[out.status] += 1
        if out.facts_from:
            self.counts["facts_from_" + out.facts_from] += 1
        if out.note:
            self.counts["stale_facts"] += 1
        if out.status == "failed" or out.same_as:
            self.outcomes.append(out)

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def to_dict(self) -> dict:
        return {
            "added": self.count("added"),
            "unchanged": self.count("unchanged"),
            "refreshed": self.count("refreshed"),
            "failed": [{"path": o.path, "code": o.code, "reason": o.reason} for o in self.failed],
            "facts_from_records": self.count("facts_from_record"),
            "stale_records": self.count("stale_facts"),
            "seconds": round(self.seconds, 3),
            "projects": getattr(self.reconcile, "projects", None),
        }


# --- discovering inputs (lazily) ----------------------------------------------------


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            p = Path(root) / name
            if p.suffix.lower() in FOLDER_SUFFIXES:
                yield p


def _files(paths: Iterable[Union[str, Path]]) -> Iterator[Union[Path, Outcome]]:
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            yield Outcome(str(p), "failed", code="missing", reason="文件或目录不存在")
            continue
        yield from (_walk(p) if p.is_dir() else [p])


def _is_jsonl(p: Path) -> bool:
    return p.suffix.lower() == ".jsonl"


def _jsonl_tasks(path: Path) -> Iterator[Union[Task, Outcome]]:
    """One task per non-blank line, read as the batch advances (never the whole
    file). Each line is decoded on its own, so a line that is not UTF-8 fails
    alone and the lines after it are still read."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield Outcome(str(path), "failed", code="unreadable", reason=f"无法读取文件：{exc.strerror or exc}")
        return
    with fh:
        for lineno, raw in enumerate(fh, 1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Outcome(where, "failed", code="undecodable",
                              reason=f"这一行不是 UTF-8 编码（第 {exc.start + 1} 字节起）")
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Outcome(where, "failed", code="bad_record", reason=f"不是合法的 JSON：{exc.msg}")
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                yield Outcome(where, "failed", code="bad_record", reason="记录缺少文本字段 text")
                continue
            yield Task(path=where, record=rec, lineno=lineno)


def iter_tasks(paths: Iterable[Union[str, Path]]) -> Iterator[Union[Task, Outcome]]:
    """Tasks for the given files and folders (folders walked recursively, sorted),
    with inputs that cannot even be listed given as failed outcomes in their place."""
    for f in _files(paths):
        if isinstance(f, Outcome):
            yield f
        elif _is_jsonl(f):
            yield from _jsonl_tasks(f)
        else:
            yield Task(path=str(f), file=str(f))


def count_tasks(paths: Iterable[Union[str, Path]]) -> int:
    """How many items :func:`iter_tasks` will yield (for a progress bar): files,
    plus the non-blank lines of JSONL files, counted on bytes without parsing."""
    n = 0
    for f in _files(paths):
        if isinstance(f, Outcome) or not _is_jsonl(f):
            n += 1
            continue
        try:
            with f.open("rb") as fh:
                n += sum(1 for line in fh if line.strip())
        except OSError:
            n += 1
    return n


def discover(paths: Iterable[Union[str, Path]], failures: list[Outcome]) -> list[Task]:
    """All tasks as a list (failures appended to ``failures``); for small batches
    and tests. :func:`ingest` streams with :func:`iter_tasks` instead."""
    tasks: list[Task] = []
    for t in iter_tasks(paths):
        if isinstance(t, Outcome):
            failures.append(t)
        else:
            tasks.append(t)
    return tasks


# --- the map step: one report to a storable record (no database) -----------------


def _report_of(task: Task, max_bytes: int) -> Report:
    if task.file is not None:
        return load_report(task.file, max_bytes=max_bytes)
    rec = task.record or {}
    text = as_decoded(rec["text"])
    if not text.strip():
        raise LoadError(task.path, "empty", "记录的文本为空")
    if len(text.encode("utf-8")) > max_bytes:
        raise LoadError(task.path, "too_large", "记录的文本超过大小上限")
    return Report(
        path=task.path,
        text=text,
        title=rec.get("title"),
        date=_record_date(rec),
        url=rec.get("url"),
        encoding="utf-8",
        source_format="jsonl",
    )


def _record_date(rec: dict) -> Optional[_dt.date]:
    """The publication date a JSONL record gives (``date`` or ``reference_date``)."""
    date = rec.get("date") or rec.get("reference_date")
    return parse_iso_date(str(date)) if date else None


def _reference(given: Optional[str], own: Optional[_dt.date]) -> tuple[Optional[str], Optional[str]]:
    """``(reference date, its source)``: ``--date`` first, then the report's own date;
    none (to be inferred from the text) otherwise."""
    if given:
        return given, "given"
    if own:
        return own.isoformat(), "file"
    return None, None


class BadFacts(ValueError):
    """A record's own facts cannot be stored (they do not belong to its text)."""


def _fact_adapter():
    from pydantic import TypeAdapter

    from extract.models import Fact

    global _ADAPTER
    if _ADAPTER is None:
        _ADAPTER = TypeAdapter(Fact)
    return _ADAPTER


_ADAPTER = None


def checked_facts(text: str, facts: Any) -> list[dict]:
    """The facts of a record, validated against the fact models and the text:
    raises :class:`BadFacts` naming the first fact that is not a fact of this
    text (unknown kind, bad field, or a span that does not quote the text)."""
    from pydantic import ValidationError

    if not isinstance(facts, list):
        raise BadFacts("facts 不是列表")
    adapter = _fact_adapter()
    out = []
    for i, f in enumerate(facts):
        try:
            fact = adapter.validate_python(f)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ()))
            raise BadFacts(f"第 {i + 1} 个事实不合法（{where}：{first.get('msg')}）") from None
        if not (0 <= fact.start <= fact.end <= len(text)) or text[fact.start:fact.end] != fact.text:
            raise BadFacts(f"第 {i + 1} 个事实的位置 {fact.start}–{fact.end} 与正文不符（应为“{fact.text[:20]}”）")
        out.append(fact.model_dump(mode="json"))
    return out


def prepare_record(
    rec: dict,
    reference_date: Optional[str] = None,
    *,
    path: Optional[str] = None,
    segment_words: bool = True,
) -> dict:
    """The map step of a distributed run: one JSONL input record
    (``{"id", "text", "title"?, "url"?, "reference_date"?}``) in, the same record
    with ``sha256``, ``reference_date(_source)``, ``extractor_version``, ``facts``
    and the search-index words out, ready for ``xiangmu ingest``. A pure function
    of its arguments: no database, runs on any worker that has the package."""
    from extract.pipeline import extract_text

    text = as_decoded(rec["text"])
    # the same precedence and source labels as ingesting the record itself
    ref, source = _reference(reference_date, _record_date(rec))
    res = extract_text(text, ref, path=path, id=rec.get("id"), title=rec.get("title"),
                       reference_date_source=source)
    out = dict(rec)
    out.update(
        sha256=res.sha256,
        reference_date=res.reference_date.isoformat() if res.reference_date else None,
        reference_date_source=res.reference_date_source,
        extractor_version=res.extractor_version,
        facts=[f.model_dump(mode="json") for f in res.facts],
    )
    if segment_words:
        from .search import segment

        out["title_words"] = segment(rec.get("title") or "")
        out["body_words"] = segment(text)
    return out


# --- the worker -------------------------------------------------------------------

_W: dict[str, Any] = {}


def _init_worker(known: Optional[frozenset], db_path: Optional[str], given_date: Optional[str],
                 max_bytes: int, refresh: bool) -> None:
    _W.clear()
    _W.update(known=known, db_path=db_path, date=given_date, max_bytes=max_bytes, refresh=refresh, conn=None)


def _is_stored(sha: str) -> bool:
    """Is a report with this text already in the registry (as the batch began or since)?"""
    known = _W.get("known")
    if known is not None:
        return sha in known
    conn = _W.get("conn")
    if conn is None and _W.get("db_path"):
        try:
            conn = sqlite3.connect(f"file:{_W['db_path']}?mode=ro", uri=True, timeout=30)
        except sqlite3.Error:
            return False
        _W["conn"] = conn
    if conn is None:
        return False
    try:
        return conn.execute("SELECT 1 FROM reports WHERE sha256 = ?", [sha]).fetchone() is not None
    except sqlite3.Error:
        return False  # extract it; the writer will find it stored and leave it alone


def _record_facts(rec: dict, text: str, ref: Optional[str]) -> tuple[Optional[list[dict]], Optional[str]]:
    """``(facts, None)`` when a record's own facts can be stored as they are,
    ``(None, why)`` when they must be extracted again; raises :class:`BadFacts`
    when they contradict the record's text."""
    from extract.version import extractor_version

    if "facts" not in rec:
        return None, None
    sha = rec.get("sha256")
    if sha is not None and sha != sha256_text(text):
        raise BadFacts("sha256 与正文不符：事实不属于这篇正文")
    facts = checked_facts(text, rec["facts"])
    ours = extractor_version()
    theirs = rec.get("extractor_version")
    if theirs != ours:
        return None, f"事实由另一版本的抽取器得出（{theirs or '未注明'}，本机 {ours}），已重新抽取"
    if ref and rec.get("reference_date") != ref:
        return None, f"记录的参考日期 {rec.get('reference_date')} 与 --date {ref} 不同，已重新抽取"
    if not rec.get("reference_date_source"):
        return None, "记录未注明参考日期来源，已重新抽取"
    return facts, None


def process(task: Task) -> dict[str, Any]:
    """Load and extract one report (runs in a worker process; reads the registry
    only to skip texts already stored)."""
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
    if not _W.get("refresh") and _is_stored(sha):
        return {"status": "unchanged", "path": task.path, "sha256": sha}
    given = _W.get("date")
    rec = task.record or {}
    facts, note = None, None
    try:
        facts, note = _record_facts(rec, text, given)
    except BadFacts as exc:
        return {"status": "failed", "path": task.path, "code": "bad_facts", "reason": f"记录中的事实有误：{exc}"}
    out = {
        "status": "extracted",
        "path": task.path,
        "sha256": sha,
        "title": rep.title,
        "url": rep.url,
        "encoding": rep.encoding,
        "source_format": getattr(rep, "source_format", None) or ("html" if Path(task.path).suffix.lower() in HTML_SUFFIXES else "txt"),
        "text": text,
        "note": note,
    }
    if facts is not None:
        out.update(facts=facts, facts_from="record", reference_date=rec["reference_date"],
                   reference_date_source=rec["reference_date_source"])
    else:
        ref, source = _reference(given, rep.date)
        try:
            res = extract_text(text, ref, path=task.path, title=rep.title, reference_date_source=source)
        except Exception as exc:
            return {"status": "failed", "path": task.path, "code": "extract_error",
                    "reason": f"抽取出错：{type(exc).__name__}: {exc}"}
        out.update(facts=[f.model_dump(mode="json") for f in res.facts], facts_from="extracted",
                   reference_date=res.reference_date.isoformat() if res.reference_date else None,
                   reference_date_source=res.reference_date_source)
    words_ok = facts is not None and isinstance(rec.get("body_words"), str) and isinstance(rec.get("title_words", ""), str)
    out["title_words"] = (rec.get("title_words") or "") if words_ok else segment(rep.title or "")
    out["body_words"] = rec["body_words"] if words_ok else segment(text)
    return out


# --- the batch --------------------------------------------------------------------


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def _as_result(item: Union[Task, Outcome]) -> Optional[dict]:
    if isinstance(item, Outcome):
        return {"status": "failed", "path": item.path, "code": item.code, "reason": item.reason}
    return None


def _results(items: Iterator[Union[Task, Outcome]], workers: int, initargs: tuple) -> Iterator[dict]:
    """Results in input order, from a pool of ``workers`` processes (one worker
    runs in this process instead: :func:`_inline`). Inputs are pulled from
    ``items`` only as results are taken, a bounded window ahead, so memory does
    not grow with the batch."""
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=initargs) as ex:
        window = workers * 4
        pending: list[Union[Future, dict]] = []
        it = iter(items)

        def submit() -> bool:
            nxt = next(it, None)
            if nxt is None:
                return False
            pending.append(_as_result(nxt) or ex.submit(process, nxt))
            return True

        while len(pending) < window and submit():
            pass
        head = 0
        while head < len(pending):
            cur = pending[head]
            pending[head] = None  # free it
            head += 1
            if head > 1024:  # drop the consumed prefix now and then
                del pending[:head]
                head = 0
            submit()
            yield cur if isinstance(cur, dict) else cur.result()


def _registry_size(db):
    from .reconcile import ReconcileSummary

    n_m = db.execute("SELECT COUNT(*) FROM project_mentions").fetchone()[0]
    n_p = db.execute("SELECT COUNT(*) FROM projects").fetchone()[0]
    return ReconcileSummary(n_m, n_p, 0, n_p, 0)


def _db_file(db) -> Optional[str]:
    """The file behind a connection (None for an in-memory database)."""
    for _seq, name, file in db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None


def ingest(
    paths: Iterable[Union[str, Path]],
    db,
    reference_date: Optional[Union[_dt.date, str]] = None,
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
    paths = list(paths)
    summary = Summary()
    total = count_tasks(paths) if progress is not None else 0
    if isinstance(reference_date, _dt.date):
        reference_date = reference_date.isoformat()
    workers = workers or default_workers()
    db_file = _db_file(db)
    n_stored = db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    # workers look stored texts up in the registry file; an in-memory registry
    # (tests) or a small one hands its hashes over instead
    if workers > 1 and (db_file is None or n_stored <= _SMALL_REGISTRY):
        known: Optional[frozenset] = frozenset(store.known_hashes(db))
    else:
        known = None
    initargs = (known, db_file, reference_date, max_bytes, refresh)
    first_new_id = (db.execute("SELECT COALESCE(MAX(id), 0) FROM reports").fetchone()[0] or 0) + 1
    refreshed: set[str] = set()  # texts refreshed in this batch (only with --refresh)
    stored = 0
    items = iter_tasks(paths)
    results = _results(items, workers, initargs) if workers > 1 else _inline(items, db, initargs)
    for done, res in enumerate(results, 1):
        path = res["path"]
        if res["status"] == "failed":
            out = Outcome(path, "failed", code=res["code"], reason=res["reason"])
        elif res["status"] == "unchanged":
            out = _unchanged(db, path, res["sha256"], first_new_id)
        elif refresh and res["sha256"] in refreshed:
            out = _unchanged(db, path, res["sha256"], first_new_id, force_same=True)
        else:
            status, rid = store.store_report(db, res, refresh=refresh)
            if status == "unchanged":  # stored meanwhile (earlier in this batch)
                out = _unchanged(db, path, res["sha256"], first_new_id)
            else:
                if refresh:
                    refreshed.add(res["sha256"])
                out = Outcome(path, status, report_id=rid, facts=len(res["facts"]),
                              facts_from=res.get("facts_from"), note=res.get("note"))
                stored += 1
                if after_store is not None:
                    after_store(stored)
        summary.add(out)
        if progress is not None:
            progress(done, max(total, done), out)
    if reconcile:
        from .reconcile import reconcile as _reconcile, registry_is_current

        if stored or not registry_is_current(db):
            summary.reconcile = _reconcile(db)
        else:
            summary.reconcile = _registry_size(db)
    summary.seconds = time.perf_counter() - t0
    return summary


def _inline(items: Iterator[Union[Task, Outcome]], db, initargs: tuple) -> Iterator[dict]:
    """One worker: in this process, asking the registry through its own connection."""
    _init_worker(*initargs)
    _W["conn"] = db.conn
    try:
        for it in items:
            yield _as_result(it) or process(it)
    finally:
        _W["conn"] = None


def _unchanged(db, path: str, sha: str, first_new_id: int, force_same: bool = False) -> Outcome:
    row = db.execute("SELECT id, path FROM reports WHERE sha256 = ?", [sha]).fetchone()
    rid, stored_path = (row[0], row[1]) if row else (None, None)
    same_as = stored_path if (force_same or (rid is not None and rid >= first_new_id)) and stored_path != path else None
    return Outcome(path, "unchanged", report_id=rid, same_as=same_as)
