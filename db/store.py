"""The registry's storage: schema and writes, on SQLite through sqlite-utils.

Tables
------
``reports``          one row per report, keyed by :func:`content_hash` of its text
                     (the same release re-encoded, with a BOM or CRLF line ends, or
                     arriving twice is stored once);
``facts``            every extracted fact: its span, text and sentence span, typed
                     columns for queries and, as JSON (``extra``), the fields no
                     column holds exactly (:func:`fact_data` puts the fact back
                     together). A fact's sentence is not copied: it is
                     ``reports.text[sentence_start:sentence_end]`` (in SQL
                     ``substr(r.text, f.sentence_start + 1, f.sentence_end - f.sentence_start)``,
                     which counts characters as Python does);
``project_mentions`` project facts -> registry project (written by :mod:`db.reconcile`);
``projects``         the registry (derived; rebuilt by every reconciliation);
``project_events``   the dated phase and investment statements a project's current
                     state is derived from;
``stage_events``     the stage history: one dated stage event per mention and stage
                     (reached, with how precisely its date is known, or a target;
                     see :mod:`db.stages`), written by :mod:`db.reconcile`;
``project_stages``   per project and stage, the event it was first reached by (what
                     ``xiangmu projects --phase P --since … --until …`` filters on);
``decisions``        editors' corrections (merge / split / alias / rename), stored as
                     data and re-applied by every reconciliation;
``reports_fts``      FTS5 index of jieba-segmented words (:mod:`db.search`);
``meta``             key/value bookkeeping (schema version, last project id …).

Writes go through :func:`store_report`, one transaction per report: a crash leaves
each report either fully stored (text, facts, search index) or absent.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import unicodedata
from pathlib import Path
from typing import Any, Iterable, Optional

import sqlite_utils

SCHEMA_VERSION = "3"
DEFAULT_DB = "xiangmu.db"
#: how much of the database file reads may map into memory
MMAP_BYTES = 1 << 30

_FACTS_TABLE = """
    CREATE TABLE IF NOT EXISTS {name} (
        id INTEGER PRIMARY KEY,
        report_id INTEGER NOT NULL REFERENCES reports(id),
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        sentence_start INTEGER,
        sentence_end INTEGER,
        extra TEXT NOT NULL,
        value_yuan INTEGER,
        value_max_yuan INTEGER,
        currency TEXT,
        qualifier TEXT,
        role TEXT,
        target INTEGER,
        value NUMERIC,
        metric TEXT,
        noun TEXT,
        date_start TEXT,
        date_end TEXT,
        granularity TEXT,
        date_kind TEXT,
        name TEXT,
        phase TEXT,
        batch INTEGER,
        batch_list TEXT,
        investment_yuan INTEGER,
        UNIQUE (report_id, idx)
    )
    """

_SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS reports (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        path TEXT,
        title TEXT,
        url TEXT,
        reference_date TEXT,
        reference_date_source TEXT,
        encoding TEXT,
        source_format TEXT,
        n_chars INTEGER,
        text TEXT NOT NULL,
        ingested_at TEXT
    )
    """,
    _FACTS_TABLE.format(name="facts"),
    # (report_id, idx) is indexed by the UNIQUE constraint: it serves lookups by report
    "CREATE INDEX IF NOT EXISTS facts_kind ON facts(kind, role)",
    """
    CREATE TABLE IF NOT EXISTS projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT,
        aliases TEXT NOT NULL DEFAULT '[]',
        variants TEXT NOT NULL DEFAULT '[]',
        phase TEXT,
        phase_date TEXT,
        phase_fact_id INTEGER,
        target_phase TEXT,
        investment_yuan INTEGER,
        investment_fact_id INTEGER,
        first_date TEXT,
        last_date TEXT,
        n_mentions INTEGER,
        n_reports INTEGER,
        notes TEXT NOT NULL DEFAULT '[]'
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS project_mentions (
        fact_id INTEGER PRIMARY KEY,
        report_id INTEGER NOT NULL,
        start INTEGER,
        "end" INTEGER,
        project_id INTEGER NOT NULL,
        name TEXT,
        name_key TEXT,
        variant TEXT,
        link TEXT,
        event_date TEXT,
        event_date_source TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS mentions_project ON project_mentions(project_id)",
    """
    CREATE TABLE IF NOT EXISTS project_events (
        project_id INTEGER NOT NULL,
        fact_id INTEGER NOT NULL,
        report_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        value TEXT,
        date TEXT,
        date_source TEXT,
        is_target INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (fact_id, kind)
    )
    """,
    "CREATE INDEX IF NOT EXISTS events_project ON project_events(project_id)",
    """
    CREATE TABLE IF NOT EXISTS stage_events (
        fact_id INTEGER NOT NULL,
        phase TEXT NOT NULL,
        project_id INTEGER NOT NULL,
        report_id INTEGER NOT NULL,
        reached INTEGER NOT NULL,
        precision TEXT NOT NULL,
        date TEXT,
        date_start TEXT,
        date_end TEXT,
        granularity TEXT,
        basis TEXT,
        basis_fact_id INTEGER,
        origin TEXT NOT NULL,
        round INTEGER,
        PRIMARY KEY (fact_id, phase)
    )
    """,
    "CREATE INDEX IF NOT EXISTS stage_events_project ON stage_events(project_id)",
    """
    CREATE TABLE IF NOT EXISTS project_stages (
        project_id INTEGER NOT NULL,
        phase TEXT NOT NULL,
        precision TEXT NOT NULL,
        date TEXT,
        date_start TEXT,
        date_end TEXT,
        fact_id INTEGER NOT NULL,
        n_events INTEGER NOT NULL,
        PRIMARY KEY (project_id, phase)
    )
    """,
    "CREATE INDEX IF NOT EXISTS project_stages_phase ON project_stages(phase, date_end)",
    """
    CREATE TABLE IF NOT EXISTS decisions (
        id INTEGER PRIMARY KEY,
        action TEXT NOT NULL,
        payload TEXT NOT NULL,
        note TEXT,
        created_at TEXT
    )
    """,
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS reports_fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 0')",
]

#: typed columns copied from a fact's JSON (same names as the fact fields)
_TYPED = [
    "value_yuan", "value_max_yuan", "currency", "qualifier", "role", "target", "value",
    "metric", "noun", "date_start", "date_end", "granularity", "date_kind", "name",
    "phase", "batch", "batch_list", "investment_yuan",
]

#: every ``facts`` column a fact field is copied to
FACT_COLUMNS = ["kind", "start", "end", "text", "sentence_start", "sentence_end", *_TYPED]

#: fields left out of ``extra`` when their column gives them back exactly: a str in
#: a TEXT column, an int (not a bool) in an INTEGER one. ``target`` (a bool) and
#: ``value`` (NUMERIC turns 12.0 into 12) always stay in ``extra``, as does every
#: null (a null column cannot tell a null field from a missing one).
_EXACT: dict[str, type] = {
    "kind": str, "start": int, "end": int, "text": str, "sentence_start": int, "sentence_end": int,
    "value_yuan": int, "value_max_yuan": int, "currency": str, "qualifier": str, "role": str,
    "metric": str, "noun": str, "date_start": str, "date_end": str, "granularity": str,
    "date_kind": str, "name": str, "phase": str, "batch": int, "batch_list": str, "investment_yuan": int,
}

#: the columns :func:`fact_data` reads (select them, e.g. ``f.*``)
FACT_DATA_COLUMNS = ["extra", *_EXACT]
EXACT_COLUMNS = list(_EXACT)


def fact_extra(fact: dict[str, Any]) -> str:
    """The ``extra`` JSON of a fact: its fields that no column holds exactly."""
    rest = {k: v for k, v in fact.items() if not (k in _EXACT and type(v) is _EXACT[k])}
    return json.dumps(rest, ensure_ascii=False, sort_keys=True)


@functools.lru_cache(maxsize=8192)
def _flat_extra(extra: str) -> Optional[tuple]:
    """The fields of an ``extra`` JSON holding no list or object (most are among a
    few thousand distinct strings: parsed once), else None."""
    d = json.loads(extra)
    if any(isinstance(v, (list, dict)) for v in d.values()):
        return None
    return tuple(d.items())


def fact_fields(extra: str, exact_values: Iterable[Any]) -> dict[str, Any]:
    """A stored fact's fields (in no particular order) from its ``extra`` and the
    values of its columns named in ``_EXACT`` (in that order)."""
    d = {k: v for k, v in zip(_EXACT, exact_values) if v is not None}
    flat = _flat_extra(extra)
    d.update(flat if flat is not None else json.loads(extra))  # what ``extra`` has, it holds exactly
    return d


def fact_data(row: Any) -> dict[str, Any]:
    """A stored fact as JSON (what ``Fact.model_dump(mode="json")`` gave when it was
    stored, keys sorted) from its ``facts`` row (a mapping with the
    :data:`FACT_DATA_COLUMNS`)."""
    return dict(sorted(fact_fields(row["extra"], [row[k] for k in _EXACT]).items()))


def default_db_path() -> str:
    """``$XIANGMU_DB`` or ``xiangmu.db`` in the current folder."""
    return os.environ.get("XIANGMU_DB") or DEFAULT_DB


def open_db(path: Optional[str | Path] = None) -> sqlite_utils.Database:
    """Open (and create if needed) the registry database at ``path``."""
    path = str(path) if path is not None else default_db_path()
    if path != ":memory:":
        parent = Path(path).resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.conn.execute("PRAGMA busy_timeout = 30000")
    # reads through a memory map and a larger page cache: the query commands join
    # thousands of rows at random places of the file (a no-op for ":memory:")
    db.conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    db.conn.execute("PRAGMA cache_size = -32768")
    if path != ":memory:":
        with db.ensure_autocommit_on():
            db.conn.execute("PRAGMA journal_mode = WAL")
            db.conn.execute("PRAGMA synchronous = NORMAL")
    db.conn.execute("PRAGMA foreign_keys = ON")
    ensure_schema(db)
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the tables and bring a database of an older schema up to date: the
    stage tables (schema 2) are added and the registry rebuilt once to fill them;
    the ``facts`` table of schema 1 or 2 (a copy of each fact's sentence, the whole
    fact as JSON) is rewritten in the slim form of schema 3 (see
    :func:`_migrate_facts`)."""
    have = db.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
    ).fetchone()
    old = get_meta(db, "schema_version") if have else None
    if old == SCHEMA_VERSION:
        return
    # take the write lock first: another process opening the same old database
    # waits here, then finds it up to date
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        have = db.conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        old = get_meta(db, "schema_version") if have else None
        migrated, upgraded = False, old != SCHEMA_VERSION
        if upgraded:
            migrated = _migrate_facts(db)
            for stmt in _SCHEMA:
                db.execute(stmt)
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", [SCHEMA_VERSION]
            )
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise
    if migrated:
        try:  # give the freed pages back (skipped while another connection reads)
            with db.ensure_autocommit_on():
                db.execute("VACUUM")
        except Exception:  # pragma: no cover - busy database
            pass
    # schema 1 had no stage history: rebuild the registry once to fill it
    if upgraded and old not in (None, "2") and db.execute("SELECT 1 FROM projects LIMIT 1").fetchone():
        from .reconcile import reconcile

        reconcile(db)


def _migrate_facts(db: sqlite_utils.Database) -> bool:
    """Rewrite a ``facts`` table of schema 1 or 2 (columns ``sentence`` and ``data``,
    the full fact) as schema 3 (neither: ``extra``), keeping every row and id. Each
    fact is checked to come back whole from its new row. Returns whether there was
    anything to migrate."""
    cols = [r[1] for r in db.execute("PRAGMA table_info(facts)")]
    if "data" not in cols:
        return False
    db.execute("DROP TABLE IF EXISTS facts_v3")
    db.execute(_FACTS_TABLE.format(name="facts_v3"))
    names = ["id", "report_id", "idx", *FACT_COLUMNS]
    quoted = ", ".join(f'"{c}"' for c in names)
    new_cols = names + ["extra"]
    insert = (
        f"INSERT INTO facts_v3 ({', '.join(chr(34) + c + chr(34) for c in new_cols)}) "
        f"VALUES ({', '.join('?' for _ in new_cols)})"
    )
    cur = db.conn.execute(f'SELECT {quoted}, data FROM facts ORDER BY id')
    while True:
        batch = cur.fetchmany(5000)
        if not batch:
            break
        out = []
        for r in batch:
            row = dict(zip(names, r))
            fact = json.loads(r[-1])
            row["extra"] = fact_extra(fact)
            if fact_data(row) != dict(sorted(fact.items())):  # a column that did not hold its field
                row["extra"] = json.dumps(fact, ensure_ascii=False, sort_keys=True)
            out.append([row[c] for c in new_cols])
        db.conn.executemany(insert, out)
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'facts' AND sql IS NOT NULL"
    ).fetchall():
        db.execute(f'DROP INDEX "{name}"')
    db.execute("DROP TABLE facts")
    db.execute("ALTER TABLE facts_v3 RENAME TO facts")
    return True


def get_meta(db: sqlite_utils.Database, key: str, default: Optional[str] = None) -> Optional[str]:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(db: sqlite_utils.Database, key: str, value: Optional[str]) -> None:
    """Set a meta value (call inside a transaction, or it commits on its own)."""
    with db.atomic():
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [key, value])


def sentence_of(text: str, start: Optional[int], end: Optional[int]) -> Optional[str]:
    """A fact's sentence from its report's text (None without a sentence span)."""
    return text[start:end] if start is not None and end is not None else None


class ReportTexts:
    """Report id -> its text, read on first use; the last ``keep`` are kept (read
    facts in report order and each text is read once)."""

    def __init__(self, db: sqlite_utils.Database, keep: int = 64):
        self.db, self.keep, self._texts = db, keep, {}

    def __getitem__(self, report_id: int) -> str:
        t = self._texts.get(report_id)
        if t is None:
            row = self.db.execute("SELECT text FROM reports WHERE id = ?", [report_id]).fetchone()
            t = row[0] if row else ""
            if len(self._texts) >= self.keep:
                self._texts.pop(next(iter(self._texts)))
            self._texts[report_id] = t
        return t

    def sentence(self, report_id: int, start: Optional[int], end: Optional[int]) -> Optional[str]:
        if start is None or end is None:
            return None
        return self[report_id][start:end]


# --- identity of a report -------------------------------------------------------


def normalise_for_hash(text: str) -> str:
    """The text a report is identified by: NFC, BOM dropped, ``\\n`` line ends,
    trailing spaces of each line and blank lines at both ends removed."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def content_hash(text: str) -> str:
    """sha256 of :func:`normalise_for_hash`: the key a report is stored under."""
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()


# --- writes -----------------------------------------------------------------------


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def fact_row(report_id: int, idx: int, fact: dict[str, Any]) -> dict[str, Any]:
    """One ``facts`` row from a fact as JSON (``Fact.model_dump(mode="json")``)."""
    row: dict[str, Any] = {
        "report_id": report_id,
        "idx": idx,
        "kind": fact["kind"],
        "start": fact["start"],
        "end": fact["end"],
        "text": fact["text"],
        "sentence_start": fact.get("sentence_start"),
        "sentence_end": fact.get("sentence_end"),
        "extra": fact_extra(fact),
    }
    for col in _TYPED:
        v = fact.get(col)
        if isinstance(v, bool):
            v = int(v)
        row[col] = v
    return row


def report_id_for(db: sqlite_utils.Database, sha256: str) -> Optional[int]:
    row = db.execute("SELECT id FROM reports WHERE sha256 = ?", [sha256]).fetchone()
    return row[0] if row else None


def known_hashes(db: sqlite_utils.Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT sha256 FROM reports")}


def _insert_facts(db: sqlite_utils.Database, report_id: int, facts: Iterable[dict]) -> int:
    rows = [fact_row(report_id, i, f) for i, f in enumerate(facts)]
    if rows:
        cols = list(rows[0])
        quoted = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" for _ in cols)
        db.conn.executemany(
            f"INSERT INTO facts ({quoted}) VALUES ({marks})", [[r[c] for c in cols] for r in rows]
        )
    return len(rows)


def _insert_fts(db: sqlite_utils.Database, report_id: int, title_words: str, body_words: str) -> None:
    db.execute("DELETE FROM reports_fts WHERE rowid = ?", [report_id])
    db.execute(
        "INSERT INTO reports_fts(rowid, title, body) VALUES (?, ?, ?)",
        [report_id, title_words, body_words],
    )


def store_report(db: sqlite_utils.Database, rec: dict[str, Any], refresh: bool = False) -> tuple[str, int]:
    """Store one extracted report in a single transaction.

    ``rec`` has ``sha256, path, title, url, reference_date, reference_date_source,
    encoding, source_format, text, facts`` (facts as JSON dicts) and optionally
    ``title_words``/``body_words`` (segmented text for the search index).
    Returns ``("added" | "unchanged" | "refreshed", report id)``. A report already
    stored is left alone unless ``refresh``: then its facts and metadata derived
    from extraction are replaced (its id, path and ingestion time stay).
    """
    with db.atomic():
        existing = report_id_for(db, rec["sha256"])
        if existing is not None and not refresh:
            return "unchanged", existing
        if existing is not None:
            # project_mentions keep their spans until the next reconciliation, so
            # project ids carry over to the new facts; their fact ids are negated
            # so that they can never be taken for a new fact's id meanwhile
            db.execute(
                "UPDATE project_mentions SET fact_id = -fact_id WHERE report_id = ? AND fact_id > 0", [existing]
            )
            db.execute("DELETE FROM project_events WHERE report_id = ?", [existing])
            db.execute("DELETE FROM stage_events WHERE report_id = ?", [existing])
            db.execute("DELETE FROM facts WHERE report_id = ?", [existing])
            # the new facts' offsets count in the text they were extracted from,
            # which may differ from the stored one in what the hash ignores
            # (trailing spaces, NFC): keep that text, so every span still quotes it
            db.execute(
                "UPDATE reports SET reference_date = ?, reference_date_source = ?, title = COALESCE(?, title), "
                "text = ?, n_chars = ? WHERE id = ?",
                [rec.get("reference_date"), rec.get("reference_date_source"), rec.get("title"),
                 rec["text"], len(rec["text"]), existing],
            )
            rid = existing
            status = "refreshed"
        else:
            cur = db.execute(
                """INSERT INTO reports (sha256, path, title, url, reference_date, reference_date_source,
                                        encoding, source_format, n_chars, text, ingested_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    rec["sha256"], rec.get("path"), rec.get("title"), rec.get("url"),
                    rec.get("reference_date"), rec.get("reference_date_source"), rec.get("encoding"),
                    rec.get("source_format"), len(rec["text"]), rec["text"], rec.get("ingested_at") or _now(),
                ],
            )
            rid = cur.lastrowid
            status = "added"
        _insert_facts(db, rid, rec.get("facts") or [])
        if "body_words" in rec:
            _insert_fts(db, rid, rec.get("title_words") or "", rec["body_words"])
    return status, rid


def add_decision(db: sqlite_utils.Database, action: str, payload: dict, note: Optional[str] = None) -> int:
    with db.atomic():
        cur = db.execute(
            "INSERT INTO decisions (action, payload, note, created_at) VALUES (?, ?, ?, ?)",
            [action, json.dumps(payload, ensure_ascii=False, sort_keys=True), note, _now()],
        )
    return cur.lastrowid


def delete_decision(db: sqlite_utils.Database, decision_id: int) -> bool:
    with db.atomic():
        cur = db.execute("DELETE FROM decisions WHERE id = ?", [decision_id])
    return cur.rowcount > 0


def table_dump(
    db: sqlite_utils.Database, exclude: Iterable[str] = (), ignore_columns: Iterable[str] = ()
) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), for comparing two databases in tests.
    ``ignore_columns`` (e.g. ``ingested_at``) are left out of every table."""
    skip = set(exclude)
    drop = set(ignore_columns)
    out = {}
    names = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'reports_fts_%' ORDER BY name"
        )
    ]
    for name in names:
        if name in skip:
            continue
        cols = [r[1] for r in db.execute(f'PRAGMA table_info("{name}")') if r[1] not in drop]
        if not cols:
            continue
        sel = ", ".join(f'"{c}"' for c in cols)
        rows = db.execute(f'SELECT {sel} FROM "{name}"').fetchall()
        out[name] = sorted(rows, key=lambda r: tuple((x is None, str(x)) for x in r))
    return out
