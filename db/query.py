"""Read the registry: the functions behind the query commands, and the typed
views other modules use (:func:`load_stored_reports`, :func:`registry_projects`).

Every filter is passed to SQLite as a parameter; SQL text is only ever built from
fixed fragments in this module.

Two kinds of date filter on projects: the stage history (``since``/``until`` of
:func:`list_projects`: the project first reached a stage in that window, whatever
its stage now; see :mod:`db.stages`) and the reports (``reported_since``/
``reported_until``: a report dated in that window mentions it).
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
from decimal import Decimal
from typing import Any, Optional

import sqlite_utils
from pydantic import TypeAdapter

from extract.models import PHASE_ORDER, Fact
from extract.numbers import parse_number

from .models import RegistryProject, StoredReport
from .store import EXACT_COLUMNS, ReportTexts, fact_data, fact_fields, sentence_of

#: Chinese labels accepted for ``--phase`` (the stored values are the English codes)
PHASE_WORDS = {
    "谋划": "planned", "储备": "planned", "签约": "signed", "摘牌": "land", "拿地": "land",
    "开工": "started", "在建": "under_construction", "续建": "under_construction",
    "封顶": "topped_out", "竣工": "completed", "建成": "completed", "投产": "in_production",
    "投用": "in_production", "运营": "in_production", "达效": "at_capacity", "达产": "at_capacity",
}


@functools.lru_cache(maxsize=1)
def _fact_adapter() -> TypeAdapter:
    return TypeAdapter(Fact)


def fact_from_json(data: str | dict):
    """A pydantic fact from its stored JSON."""
    if isinstance(data, str):
        data = json.loads(data)
    return _fact_adapter().validate_python(data)


def _date(value: Optional[str]) -> Optional[_dt.date]:
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


# --- typed views for other modules ---------------------------------------------


def load_stored_reports(db: sqlite_utils.Database) -> list[StoredReport]:
    """Every stored report with its facts (pydantic objects, in stored order) and
    ``project_of``: index into ``facts`` -> registry project id for every project
    mention that reconciliation assigned."""
    # read in table order (sequential), then put each report's facts in stored order
    rows_by_report: dict[int, list] = {}
    cols = ", ".join(f'"{c}"' for c in EXACT_COLUMNS)
    for r in db.execute(f"SELECT report_id, idx, id, extra, {cols} FROM facts"):
        rows_by_report.setdefault(r[0], []).append(r)
    facts_by_report: dict[int, list] = {}
    fact_index: dict[int, tuple[int, int]] = {}
    validate = _fact_adapter().validate_python
    for rid, rows in rows_by_report.items():
        rows.sort(key=lambda r: r[1])
        lst = facts_by_report[rid] = []
        for r in rows:
            fact_index[r[2]] = (rid, len(lst))
            lst.append(validate(fact_fields(r[3], r[4:])))
    project_of: dict[int, dict[int, int]] = {}
    for fid, pid in db.execute("SELECT fact_id, project_id FROM project_mentions"):
        if fid in fact_index:
            rid, i = fact_index[fid]
            project_of.setdefault(rid, {})[i] = pid
    out = []
    for row in db.query(
        "SELECT id, path, title, text, sha256, reference_date, reference_date_source FROM reports ORDER BY id"
    ):
        out.append(
            StoredReport(
                id=row["id"],
                path=row["path"] or "",
                title=row["title"],
                text=row["text"],
                sha256=row["sha256"],
                reference_date=_date(row["reference_date"]),
                reference_date_source=row["reference_date_source"],
                facts=facts_by_report.get(row["id"], []),
                project_of=project_of.get(row["id"], {}),
            )
        )
    return out


def registry_projects(db: sqlite_utils.Database) -> list[RegistryProject]:
    """Every registry project (id, canonical name, aliases, current phase, investment)."""
    return [
        RegistryProject(
            id=r["id"],
            name=r["name"],
            aliases=json.loads(r["aliases"] or "[]"),
            phase=r["phase"],
            investment_yuan=r["investment_yuan"],
        )
        for r in db.query("SELECT id, name, aliases, phase, investment_yuan FROM projects ORDER BY id")
    ]


def name_variants(db: sqlite_utils.Database) -> dict[int, list[dict]]:
    """Projects whose mentions spell the name in more than one way (beyond
    place prefixes, ``项目``, brackets and line breaks): project id -> the
    mentions with their spelling (``variant`` says how each relates to the
    canonical name: ``spelling`` for a probable typo, ``abbreviation`` …)."""
    out: dict[int, list[dict]] = {}
    rows = list(
        db.query(
            """SELECT m.project_id, m.fact_id, m.name, m.name_key, m.variant, m.link, f.start, f."end", f.text,
                      r.path, r.id AS report_id
               FROM project_mentions m JOIN facts f ON f.id = m.fact_id JOIN reports r ON r.id = m.report_id
               ORDER BY m.project_id, r.id, f.start"""
        )
    )
    by_project: dict[int, list[dict]] = {}
    for r in rows:
        by_project.setdefault(r["project_id"], []).append(r)
    for pid, ms in by_project.items():
        if len({m["name_key"] for m in ms}) > 1:
            out[pid] = ms
    return out


# --- money and filters ----------------------------------------------------------


def parse_money(text: str) -> int:
    """``10亿`` / ``5000万`` / ``1.5亿元`` / ``300000`` -> integer yuan, exactly."""
    s = "".join(str(text).split())
    for suffix in ("人民币", "元"):
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    value = parse_number(s)
    if value is None:
        raise ValueError(f"无法识别的金额：{text!r}（例：10亿、5000万、1.5亿元）")
    value = Decimal(value)
    if value != value.to_integral_value():
        raise ValueError(f"金额不是整数元：{text!r}")
    return int(value)


def parse_phase(value: str) -> str:
    v = value.strip()
    if v in PHASE_ORDER:
        return v
    if v in PHASE_WORDS:
        return PHASE_WORDS[v]
    raise ValueError(
        f"未知的阶段：{value!r}；可用 {', '.join(PHASE_ORDER)} 或 {', '.join(PHASE_WORDS)}"
    )


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere (``%``/``_`` escaped with ``\\``)."""
    esc = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{esc}%"


# --- projects -----------------------------------------------------------------------


#: a fact's sentence (``f``) from its report's text (``r``): SQLite counts characters
#: (code points) as Python does; null without a sentence span
SQL_SENTENCE = "substr(r.text, f.sentence_start + 1, max(f.sentence_end - f.sentence_start, 0))"


def _ids_param(project_ids: list[int]) -> str:
    return json.dumps(project_ids)


def _reports_of(db: sqlite_utils.Database, report_ids, text: bool = False) -> dict[int, tuple]:
    """Report id -> ``(path, reference_date)`` (and its text with ``text``), read
    once per report rather than once per row of a join."""
    cols = "id, path, reference_date, text" if text else "id, path, reference_date"
    return {
        r[0]: r[1:]
        for r in db.execute(
            f"SELECT {cols} FROM reports WHERE id IN (SELECT value FROM json_each(?))",
            [_ids_param(sorted(set(report_ids)))],
        )
    }


def _mentions_of(db: sqlite_utils.Database, project_ids: list[int]) -> dict[int, list[tuple]]:
    """Project id -> its mentions as ``(path, start, end, text, batch)``, in report
    and text order."""
    out: dict[int, list[tuple]] = {pid: [] for pid in project_ids}
    if not project_ids:
        return out
    rows = db.execute(
        """SELECT m.project_id, m.report_id, f.start, f."end", f.text, f.batch
           FROM project_mentions m JOIN facts f ON f.id = m.fact_id
           WHERE m.project_id IN (SELECT value FROM json_each(?))
           ORDER BY m.project_id, m.report_id, f.start, m.fact_id""",
        [_ids_param(project_ids)],
    ).fetchall()
    reports = _reports_of(db, (r[1] for r in rows))
    for pid, rid, start, end, text, batch in rows:
        out[pid].append((reports[rid][0], start, end, text, batch))
    return out


#: a stage event's fields, in output order (``r``: its report, ``f``: its mention)
_STAGE_EVENT_KEYS = [
    "phase", "date", "date_precision", "path", "start", "end", "sentence", "text", "reached", "date_start",
    "date_end", "granularity", "basis", "origin", "round", "report_id", "reference_date", "fact_id",
    "sentence_start",
]


def _stage_events_of(db: sqlite_utils.Database, project_ids: list[int]) -> dict[int, list[dict]]:
    """Project id -> its stage events (see :mod:`db.stages`), oldest first, each
    with its mention's report, span and sentence (taken from the report's text)."""
    out: dict[int, list[dict]] = {pid: [] for pid in project_ids}
    if not project_ids:
        return out
    rows = db.execute(
        """SELECT s.project_id, s.phase, s.date, s.precision, f.start, f."end", f.text, s.reached,
                  s.date_start, s.date_end, s.granularity, s.basis, s.origin, s.round, s.report_id, s.fact_id,
                  f.sentence_start, f.sentence_end
           FROM stage_events s JOIN facts f ON f.id = s.fact_id
           WHERE s.project_id IN (SELECT value FROM json_each(?))
           ORDER BY s.project_id, s.date IS NULL, s.date, s.report_id, f.start, s.phase""",
        [_ids_param(project_ids)],
    ).fetchall()
    reports = _reports_of(db, (r[14] for r in rows), text=True)
    keys = _STAGE_EVENT_KEYS
    for (pid, phase, date, precision, start, end, text, reached, date_start, date_end, granularity, basis,
         origin, rnd, rid, fid, ss, se) in rows:
        path, reference_date, rtext = reports[rid]
        out[pid].append(dict(zip(keys, (
            phase, date, precision, path, start, end, sentence_of(rtext, ss, se), text, bool(reached),
            date_start, date_end, granularity, basis, origin, rnd, rid, reference_date, fid, ss,
        ))))
    return out


def _first_stages_of(db: sqlite_utils.Database, project_ids: list[int]) -> dict[int, dict[str, dict]]:
    """Project id -> stage -> the date it was first reached by."""
    out: dict[int, dict[str, dict]] = {pid: {} for pid in project_ids}
    if not project_ids:
        return out
    for r in db.query(
        """SELECT project_id, phase, precision, date, date_start, date_end, fact_id, n_events FROM project_stages
           WHERE project_id IN (SELECT value FROM json_each(?)) ORDER BY project_id, date, phase""",
        [json.dumps(project_ids)],
    ):
        out[r["project_id"]][r["phase"]] = {
            "date": r["date"], "date_precision": r["precision"], "date_start": r["date_start"],
            "date_end": r["date_end"], "fact_id": r["fact_id"], "n_events": r["n_events"],
        }
    return out


def _stage_window(
    phase: Optional[str], since: Optional[_dt.date], until: Optional[_dt.date], include_approximate: bool
) -> tuple[str, list]:
    """SQL condition (on ``p``) and parameters: the project first reached ``phase``
    (any stage when None) within ``[since, until]``. A stage with a known date
    counts when its whole date range lies in the window; one known only as
    reached by a day (截至…, the report's date) counts by that day, and only
    with ``include_approximate``. Mirrors :func:`db.stages.in_window`."""
    from .stages import BOUND, KNOWN

    cond, params = [], []
    if phase:
        cond.append("s.phase = ?")
        params.append(parse_phase(phase))
    known = ["s.precision IN (" + ", ".join("?" for _ in KNOWN) + ")"]
    kp: list = list(KNOWN)
    if since:
        known.append("s.date_start >= ?")
        kp.append(since.isoformat())
    if until:
        known.append("s.date_end <= ?")
        kp.append(until.isoformat())
    alts = ["(" + " AND ".join(known) + ")"]
    aparams = kp
    if include_approximate:
        bound = ["s.precision IN (" + ", ".join("?" for _ in BOUND) + ")", "s.date_end IS NOT NULL"]
        bp: list = list(BOUND)
        if since:
            bound.append("s.date_end >= ?")
            bp.append(since.isoformat())
        if until:
            bound.append("s.date_end <= ?")
            bp.append(until.isoformat())
        alts.append("(" + " AND ".join(bound) + ")")
        aparams = aparams + bp
    cond.append("(" + " OR ".join(alts) + ")")
    params += aparams
    return (
        "EXISTS (SELECT 1 FROM project_stages s WHERE s.project_id = p.id AND " + " AND ".join(cond) + ")",
        params,
    )


def list_projects(
    db: sqlite_utils.Database,
    phase: Optional[str] = None,
    since: Optional[_dt.date] = None,
    until: Optional[_dt.date] = None,
    min_investment: Optional[int] = None,
    batch: Optional[int] = None,
    name: Optional[str] = None,
    reported_since: Optional[_dt.date] = None,
    reported_until: Optional[_dt.date] = None,
    current_phase: Optional[str] = None,
    include_approximate: bool = False,
) -> list[dict[str, Any]]:
    """Registry projects matching every given filter, with their mentions and
    stage history (``stage_events``; ``stages``: the date each stage was first
    reached by).

    ``since``/``until``: the project first reached ``phase`` (with no ``phase``:
    some stage) within that range, whatever its stage now (see
    :func:`_stage_window`; a stage is only what a report states: a project
    reported 投产 has not "started" unless a report says so). ``phase`` alone
    (no ``since``/``until``) is the project's current stage, as is
    ``current_phase`` always. ``reported_since``/``reported_until``: a report
    dated in that range mentions the project. ``batch``: a mention names that
    "三个一批" round (in such a report, with the report dates). ``name``: the
    name or an alias contains the text.
    """
    where, params = [], []
    window = since is not None or until is not None
    if window:
        cond, cp = _stage_window(phase, since, until, include_approximate)
        where.append(cond)
        params += cp
    elif phase:
        where.append("p.phase = ?")
        params.append(parse_phase(phase))
    if current_phase:
        where.append("p.phase = ?")
        params.append(parse_phase(current_phase))
    if min_investment is not None:
        where.append("p.investment_yuan >= ?")
        params.append(int(min_investment))
    if name:
        where.append("(p.name LIKE ? ESCAPE '\\' OR p.aliases LIKE ? ESCAPE '\\')")
        params += [like_pattern(name), like_pattern(name)]
    if reported_since or reported_until or batch is not None:
        sub, sp = [], []
        if reported_since:
            sub.append("r.reference_date >= ?")
            sp.append(reported_since.isoformat())
        if reported_until:
            sub.append("r.reference_date <= ?")
            sp.append(reported_until.isoformat())
        if batch is not None:
            sub.append("f.batch = ?")
            sp.append(int(batch))
        where.append(
            "EXISTS (SELECT 1 FROM project_mentions m JOIN facts f ON f.id = m.fact_id "
            "JOIN reports r ON r.id = m.report_id WHERE m.project_id = p.id AND " + " AND ".join(sub) + ")"
        )
        params += sp
    sql = "SELECT p.* FROM projects p"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY p.id"
    rows = list(db.query(sql, params))
    ids = [r["id"] for r in rows]
    mentions = _mentions_of(db, ids)
    events = _stage_events_of(db, ids)
    firsts = _first_stages_of(db, ids)
    out = []
    for r in rows:
        d = _project_dict(r, mentions.get(r["id"], []))
        d["stage_events"] = events.get(r["id"], [])
        d["stages"] = firsts.get(r["id"], {})
        out.append(d)
    return out


def _project_dict(r: dict, mentions: list[tuple]) -> dict[str, Any]:
    """A project as output: its ``projects`` row and mentions (see :func:`_mentions_of`)."""
    return {
        "id": r["id"],
        "name": r["name"],
        "aliases": json.loads(r["aliases"] or "[]"),
        "phase": r["phase"],
        "investment_yuan": r["investment_yuan"],
        "mentions": [{"path": m[0], "start": m[1], "end": m[2], "text": m[3]} for m in mentions],
        "variants": json.loads(r["variants"] or "[]"),
        "phase_date": r["phase_date"],
        "target_phase": r["target_phase"],
        "first_date": r["first_date"],
        "last_date": r["last_date"],
        "n_reports": r["n_reports"],
        "batches": sorted({m[4] for m in mentions if m[4] is not None}),
        "notes": json.loads(r["notes"] or "[]"),
    }


def find_project(db: sqlite_utils.Database, ref: str | int) -> list[dict]:
    """Projects matching an id, an exact name or alias, or (failing that) a name part."""
    s = str(ref).strip()
    if s.isdigit():
        rows = list(db.query("SELECT * FROM projects WHERE id = ?", [int(s)]))
        if rows:
            return rows
    rows = list(db.query("SELECT * FROM projects WHERE name = ? ORDER BY id", [s]))
    if rows:
        return rows
    rows = [
        r
        for r in db.query("SELECT * FROM projects ORDER BY id")
        if s in json.loads(r["aliases"] or "[]")
    ]
    if rows:
        return rows
    return list(
        db.query(
            "SELECT * FROM projects WHERE name LIKE ? ESCAPE '\\' OR aliases LIKE ? ESCAPE '\\' ORDER BY id",
            [like_pattern(s), like_pattern(s)],
        )
    )


#: the kinds of fact a project's history cites from its mentions' sentences
_HISTORY_KINDS = ("amount", "date", "count", "percentage", "phase_event")


def project_detail(db: sqlite_utils.Database, project_id: int) -> Optional[dict[str, Any]]:
    """One project with its history: every mention (with its phase, round and
    investment) and every other fact in the mentions' sentences, each with its
    date, report and sentence, oldest first."""
    rows = list(db.query("SELECT * FROM projects WHERE id = ?", [project_id]))
    if not rows:
        return None
    proj = _project_dict(rows[0], _mentions_of(db, [project_id])[project_id])
    mentions = list(
        db.query(
            """SELECT m.fact_id, m.event_date, m.event_date_source, m.variant, m.link, f.report_id,
                      f.sentence_start, f.sentence_end
               FROM project_mentions m JOIN facts f ON f.id = m.fact_id WHERE m.project_id = ?
               ORDER BY m.fact_id""",
            [project_id],
        )
    )
    # the facts a history cites: the mentions, and the figures, dates and phase
    # events in their sentences (two queries, whatever the number of mentions)
    by_id: dict[int, dict] = {
        f["id"]: f
        for f in db.query(
            "SELECT f.* FROM project_mentions m JOIN facts f ON f.id = m.fact_id WHERE m.project_id = ?",
            [project_id],
        )
    }
    by_sentence: dict[tuple, list[dict]] = {}
    for f in db.query(
        f"""SELECT f.* FROM (SELECT DISTINCT mf.report_id AS rid, mf.sentence_start AS ss, mf.sentence_end AS se
                             FROM project_mentions m JOIN facts mf ON mf.id = m.fact_id
                             WHERE m.project_id = ? AND mf.sentence_start IS NOT NULL
                               AND mf.sentence_end IS NOT NULL) s
            JOIN facts f ON f.report_id = s.rid AND f.sentence_start = s.ss AND f.sentence_end = s.se
            WHERE f.kind IN ({", ".join(f"'{k}'" for k in _HISTORY_KINDS)})""",
        [project_id],
    ):
        by_sentence.setdefault((f["report_id"], f["sentence_start"], f["sentence_end"]), []).append(f)
    reports = {
        r["id"]: r
        for r in db.query(
            "SELECT id, path, title, reference_date, text FROM reports WHERE id IN (SELECT value FROM json_each(?))",
            [_ids_param(sorted({m["report_id"] for m in mentions}))],
        )
    }
    history = []
    seen = set()
    for m in mentions:
        own = by_id.get(m["fact_id"])
        facts = [] if own is None else [own]
        if m["sentence_start"] is not None and m["sentence_end"] is not None:
            facts += [
                f for f in by_sentence.get((m["report_id"], m["sentence_start"], m["sentence_end"]), [])
                if f["id"] != m["fact_id"]
            ]
        facts.sort(key=lambda f: (f["start"], f["idx"]))
        for f in facts:
            if f["id"] in seen:
                continue
            seen.add(f["id"])
            rep = reports[f["report_id"]]
            is_mention = f["id"] == m["fact_id"]
            history.append(
                {
                    "fact_id": f["id"],
                    "kind": f["kind"],
                    "mention": is_mention,
                    "date": m["event_date"],
                    "date_source": m["event_date_source"],
                    "report_id": f["report_id"],
                    "path": rep["path"],
                    "title": rep["title"],
                    "reference_date": rep["reference_date"],
                    "start": f["start"],
                    "end": f["end"],
                    "text": f["text"],
                    "sentence": sentence_of(rep["text"], f["sentence_start"], f["sentence_end"]),
                    "sentence_start": f["sentence_start"],
                    "fact": fact_data(f),
                    "variant": m["variant"] if is_mention else None,
                    "link": m["link"] if is_mention else None,
                }
            )
    history.sort(key=lambda h: (h["date"] or "", h["report_id"], h["start"]))
    proj["history"] = history
    proj["stage_events"] = _stage_events_of(db, [project_id])[project_id]
    proj["stages"] = _first_stages_of(db, [project_id])[project_id]
    proj["events"] = list(
        db.query(
            """SELECT e.kind, e.value, e.date, e.date_source, e.is_target, e.fact_id, r.path
               FROM project_events e JOIN reports r ON r.id = e.report_id
               WHERE e.project_id = ? ORDER BY e.date, e.fact_id""",
            [project_id],
        )
    )
    return proj


# --- facts and articles ---------------------------------------------------------------


def list_facts(
    db: sqlite_utils.Database,
    kind: Optional[str] = None,
    role: Optional[str] = None,
    report: Optional[str] = None,
    project: Optional[int] = None,
    phase: Optional[str] = None,
    since: Optional[_dt.date] = None,
    until: Optional[_dt.date] = None,
    min_value: Optional[int] = None,
    text: Optional[str] = None,
    target: Optional[bool] = None,
    limit: Optional[int] = None,
) -> list[dict[str, Any]]:
    """Stored facts matching every given filter, in report order.

    ``report``: a report id or (part of) its path. ``since``/``until``: the
    report's reference date. ``min_value``: amounts of at least that many yuan.
    """
    where, params = [], []
    if kind:
        where.append("f.kind = ?")
        params.append(kind)
    if role:
        where.append("f.role = ?")
        params.append(role)
    if report:
        if str(report).isdigit():
            where.append("f.report_id = ?")
            params.append(int(report))
        else:
            where.append("r.path LIKE ? ESCAPE '\\'")
            params.append(like_pattern(str(report)))
    if project is not None:
        where.append("f.id IN (SELECT fact_id FROM project_mentions WHERE project_id = ?)")
        params.append(int(project))
    if phase:
        where.append("f.phase = ?")
        params.append(parse_phase(phase))
    if since:
        where.append("r.reference_date >= ?")
        params.append(since.isoformat())
    if until:
        where.append("r.reference_date <= ?")
        params.append(until.isoformat())
    if min_value is not None:
        where.append("f.value_yuan >= ?")
        params.append(int(min_value))
    if text:
        where.append("f.text LIKE ? ESCAPE '\\'")
        params.append(like_pattern(text))
    if target is not None:
        where.append("f.target = ?")
        params.append(int(target))
    sql = (
        "SELECT f.*, r.path, r.reference_date, m.project_id FROM facts f JOIN reports r ON r.id = f.report_id "
        "LEFT JOIN project_mentions m ON m.fact_id = f.id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY f.report_id, f.start, f.idx"
    if limit:
        sql += " LIMIT ?"
        params.append(int(limit))
    out = []
    texts = ReportTexts(db)
    for r in db.query(sql, params):
        d = fact_data(r)
        d.update(
            {
                "id": r["id"],
                "report_id": r["report_id"],
                "path": r["path"],
                "reference_date": r["reference_date"],
                "sentence": texts.sentence(r["report_id"], r["sentence_start"], r["sentence_end"]),
                "project_id": r["project_id"],
            }
        )
        out.append(d)
    return out


def list_articles(
    db: sqlite_utils.Database,
    since: Optional[_dt.date] = None,
    until: Optional[_dt.date] = None,
    text: Optional[str] = None,
) -> list[dict[str, Any]]:
    where, params = [], []
    if since:
        where.append("r.reference_date >= ?")
        params.append(since.isoformat())
    if until:
        where.append("r.reference_date <= ?")
        params.append(until.isoformat())
    if text:
        where.append("(r.title LIKE ? ESCAPE '\\' OR r.path LIKE ? ESCAPE '\\')")
        params += [like_pattern(text), like_pattern(text)]
    sql = """SELECT r.id, r.path, r.title, r.url, r.sha256, r.reference_date, r.reference_date_source,
                    r.encoding, r.source_format, r.n_chars, r.ingested_at,
                    (SELECT COUNT(*) FROM facts f WHERE f.report_id = r.id) AS n_facts,
                    (SELECT COUNT(*) FROM facts f WHERE f.report_id = r.id AND f.kind = 'project') AS n_projects
             FROM reports r"""
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY r.id"
    return list(db.query(sql, params))
