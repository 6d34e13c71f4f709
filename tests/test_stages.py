"""Stage history (db.stages) and the stage-window queries: "which projects started in 2023?"."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from db import store
from db.cli import app
from db.ingest import ingest
from db.query import list_projects
from db.stages import (
    DateRef,
    ProjectRef,
    Sentence,
    StageEvent,
    clauses,
    first_reached,
    in_window,
    report_stages,
)

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "corpus" / "articles"
runner = CliRunner()
D = dt.date


def run(*args):
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def projects_json(dbp, *args):
    return json.loads(run("projects", "--db", dbp, "--format", "json", *args))


def by_name(rows, part):
    hits = [r for r in rows if part in r["name"] or any(part in a for a in r["aliases"])]
    assert len(hits) == 1, [r["name"] for r in hits]
    return hits[0]


# --- the corpus ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    base = tmp_path_factory.mktemp("stages")
    folder = base / "in"
    folder.mkdir()
    for p in sorted(ARTICLES.glob("*.txt")):
        shutil.copy(p, folder / p.name)
    dbp = base / "c.db"
    db = store.open_db(dbp)
    summary = ingest([folder], db, workers=1)
    assert not summary.failed
    db.close()
    return str(dbp)


def test_shengding_started_then_topped_out(corpus_db):
    p = by_name(projects_json(corpus_db, "--name", "建筑科技产业园"), "盛鼎")
    assert p["phase"] == "topped_out"
    st = p["stages"]
    assert (st["started"]["date"], st["started"]["date_precision"]) == ("2022-06-18", "exact")
    assert (st["topped_out"]["date"], st["topped_out"]["date_precision"]) == ("2022-12-25", "exact")
    # the 2023 report's round list repeats the start: a later restatement, not a 2023 start
    restated = [e for e in p["stage_events"] if e["phase"] == "started" and e["date"] != "2022-06-18"]
    assert restated and all(e["date_precision"] in ("asof", "approximate") for e in restated)
    names = [r["name"] for r in projects_json(corpus_db, "--phase", "started", "--since", "2023-01-01",
                                              "--until", "2023-12-31")]
    assert p["name"] not in names
    names22 = [r["name"] for r in projects_json(corpus_db, "--phase", "开工", "--since", "2022-01-01",
                                                "--until", "2022-12-31")]
    assert p["name"] in names22
    topped = projects_json(corpus_db, "--phase", "封顶", "--since", "2022-12-01", "--until", "2022-12-31")
    assert [r["name"] for r in topped] == [p["name"]]


def test_seventh_round_start_list_started_on_the_round_day(corpus_db):
    rows = projects_json(corpus_db, "--phase", "started", "--since", "2023-01-01", "--until", "2023-12-31")
    db = store.open_db(corpus_db)
    # every project with an item of the 7th round's 开工一批 list
    seventh = {
        r[0] for r in db.execute(
            "SELECT m.project_id FROM project_mentions m JOIN facts f ON f.id = m.fact_id "
            "WHERE f.batch = 7 AND f.batch_list = 'start'")
    }
    assert len(seventh) >= 9
    assert {r["id"] for r in rows} == seventh
    for r in rows:
        assert r["stages"]["started"]["date"] == "2023-01-28"
        ev = [e for e in r["stage_events"] if e["phase"] == "started" and e["date"] == "2023-01-28"]
        assert ev and ev[0]["date_precision"] == "round" and ev[0]["reached"]
    for part in ("河南省农用微生物创新中心", "郑州天健湖生命健康科技园", "中国联通河南郑州数据中心"):
        by_name(rows, part)
    # items of the same list labelled with an earlier round are not dated by the 7th round's day
    allp = projects_json(corpus_db)
    early = by_name(allp, "创新科区域总部基地")
    assert early["stages"]["started"]["date_precision"] in ("asof", "approximate")
    assert early["stages"]["started"]["date"] < "2023-01-28"
    assert early["id"] not in {r["id"] for r in rows}
    # counted by its as-of day only when asked to
    wide = projects_json(corpus_db, "--phase", "started", "--since", "2022-01-01", "--until", "2022-12-31",
                         "--include-approximate")
    assert early["id"] in {r["id"] for r in wide}
    assert early["id"] not in {r["id"] for r in projects_json(
        corpus_db, "--phase", "started", "--since", "2022-01-01", "--until", "2022-12-31")}


def test_a_target_is_not_a_stage_reached(corpus_db):
    # 002: "……8月底前开工" is planned, not done
    p = by_name(projects_json(corpus_db, "--name", "中原制药厂"), "中原制药厂")
    ev = [e for e in p["stage_events"] if e["phase"] == "started"]
    assert ev and not ev[0]["reached"] and ev[0]["date_precision"] == "target"
    assert ev[0]["date_end"] == "2024-08-31"
    assert "started" not in p["stages"]
    for extra in ((), ("--include-approximate",)):
        rows = projects_json(corpus_db, "--phase", "started", "--since", "2024-01-01", "--until", "2024-12-31", *extra)
        assert p["id"] not in {r["id"] for r in rows}


def test_json_shape_and_offsets(corpus_db):
    rows = projects_json(corpus_db, "--phase", "started", "--since", "2022-01-01", "--until", "2023-12-31")
    assert rows
    texts = {p: (ROOT / p).read_text(encoding="utf-8") if (ROOT / p).exists() else Path(p).read_text(encoding="utf-8")
             for r in rows for p in {m["path"] for m in r["mentions"]}}
    for r in rows:
        assert {"id", "name", "aliases", "phase", "investment_yuan", "mentions", "stage_events"} <= set(r)
        for e in r["stage_events"]:
            assert {"phase", "date", "date_precision", "path", "start", "end", "sentence"} <= set(e)
            assert e["date_precision"] in ("exact", "round", "asof", "approximate", "target")
            text = texts.get(e["path"]) or Path(e["path"]).read_text(encoding="utf-8")
            assert text[e["start"]:e["end"]] == e["text"]
            assert e["text"] in e["sentence"]
            if e["date_precision"] in ("exact", "round"):
                assert e["date_start"] <= e["date_end"] == e["date"]


def test_reported_dates_are_the_old_filter(corpus_db):
    # 003 (2023-01-30) is the only report of January 2023
    rows = projects_json(corpus_db, "--reported-since", "2023-01-30", "--reported-until", "2023-01-30")
    db = store.open_db(corpus_db)
    expect = {r[0] for r in db.execute(
        "SELECT DISTINCT m.project_id FROM project_mentions m JOIN reports r ON r.id = m.report_id "
        "WHERE r.reference_date = '2023-01-30'")}
    assert {r["id"] for r in rows} == expect and expect
    # --phase alone is still the current stage
    assert all(r["phase"] == "started" for r in projects_json(corpus_db, "--phase", "开工"))
    # started in 2023 and still at that stage now
    both = projects_json(corpus_db, "--phase", "started", "--since", "2023-01-01", "--current-phase", "started")
    assert both and all(r["phase"] == "started" for r in both)


def test_project_command_shows_the_stage_history(corpus_db):
    out = run("project", "河南盛鼎建筑科技产业园", "--db", corpus_db)
    assert "阶段史" in out
    for col in ("日期", "阶段", "依据", "报道", "句子"):
        assert col in out
    assert "2022-06-18" in out and "句中日期" in out and "首次达到" in out
    d = json.loads(run("project", "河南盛鼎建筑科技产业园", "--db", corpus_db, "--format", "json"))
    assert d["stages"]["topped_out"]["date"] == "2022-12-25"
    assert [e["date"] for e in d["stage_events"]] == sorted(e["date"] for e in d["stage_events"])
    table = run("projects", "--db", corpus_db, "--phase", "开工", "--since", "2023-01-01", "--until", "2023-12-31")
    assert "达到“开工”" in table and "开工日期" in table


def test_window_parameters_are_sql_parameters(corpus_db):
    db = store.open_db(corpus_db)
    seen = []
    real = db.query

    def spy(sql, params=None):
        seen.append((sql, list(params or [])))
        return real(sql, params)

    db.query = spy
    rows = list_projects(db, phase="开工", since=D(2023, 1, 1), until=D(2023, 12, 31), include_approximate=True,
                         reported_since=D(2023, 1, 2), current_phase="started")
    assert rows
    sql, params = seen[0]
    for v in ("2023-01-01", "2023-12-31", "2023-01-02", "started", "exact", "asof"):
        assert v in params and v not in sql


# --- reports of our own ---------------------------------------------------------------------------

OWN = (
    "3月6日，洛阳市第三期“三个一批”项目建设活动举行，洛阳高新区“开工一批”项目3个，分别为伊滨智能装备产业园项目、"
    "洛龙新材料研发基地项目（第二期开工项目），涧西氢能装备制造项目，总投资56亿元，截至2022年底已开工2个。\n"
    "2022年9月15日，伊滨智能装备产业园项目正式开工。\n"
    "力争今年6月底前，洛阳牡丹光电产业园项目开工建设。\n"
    "截至2月底，洛阳石化新材料项目已于2月20日建成投产，计划投资12亿元。\n"
)


@pytest.fixture(scope="module")
def own_db(tmp_path_factory):
    base = tmp_path_factory.mktemp("own")
    p = base / "luoyang.txt"
    p.write_text(OWN, encoding="utf-8")
    dbp = base / "o.db"
    db = store.open_db(dbp)
    assert not ingest([p], db, reference_date="2023-03-10", workers=1).failed
    db.close()
    return str(dbp)


def test_own_report_stage_dates(own_db):
    rows = projects_json(own_db)
    yibin = by_name(rows, "伊滨")
    # the list item labelled 第二期 is not dated by the 3rd round's day; its own sentence is
    assert yibin["stages"]["started"] == {**yibin["stages"]["started"], "date": "2022-09-15", "date_precision": "exact"}
    luolong = by_name(rows, "洛龙")["stages"]["started"]
    assert (luolong["date"], luolong["date_precision"]) == ("2022-12-31", "asof")
    jianxi = by_name(rows, "涧西")["stages"]["started"]
    assert (jianxi["date"], jianxi["date_precision"]) == ("2023-03-06", "round")
    # a point date in the stage's own clause beats the opening as-of date
    shihua = by_name(rows, "石化")["stages"]["in_production"]
    assert (shihua["date"], shihua["date_precision"]) == ("2023-02-20", "exact")
    mudan = by_name(rows, "牡丹")
    assert mudan["stages"] == {}
    assert [(e["reached"], e["date_precision"], e["date"]) for e in mudan["stage_events"]] == [
        (False, "target", "2023-06-30")]
    started23 = {r["name"] for r in projects_json(own_db, "--phase", "started", "--since", "2023-01-01",
                                                     "--until", "2023-12-31")}
    assert started23 == {by_name(rows, "涧西")["name"]}
    # no later stage implies an earlier one: 石化 has no 开工 event
    assert "started" not in by_name(rows, "石化")["stages"]
    any23 = {r["name"] for r in projects_json(own_db, "--since", "2023-01-01", "--until", "2023-12-31")}
    assert any23 == {by_name(rows, "涧西")["name"], by_name(rows, "石化")["name"]}


# --- the engine ------------------------------------------------------------------------------------


def _sent(text, dates=(), projects=()):
    ds = []
    for t, a, b, kind, gran in dates:
        i = text.index(t)
        ds.append(DateRef(("d", i), i, i + len(t), t, a, b, gran, kind))
    ps = []
    for t, phase, batch, lst in projects:
        i = text.index(t)
        ps.append(ProjectRef(("p", i), i, i + len(t), t, phase, batch, lst))
    return Sentence(0, text, ds, ps)


def test_clauses_do_not_split_inside_brackets():
    text = "A项目（总投资5亿元，已开工），B项目投产；C项目签约"
    assert [text[s:e] for s, e in clauses(text)] == ["A项目（总投资5亿元，已开工）", "B项目投产", "C项目签约"]


def test_engine_targets_and_dates():
    ref = D(2023, 5, 10)
    s = _sent("截至4月底，甲项目已于3月8日开工，乙项目确保年内投产，丙项目计划投资3亿元，已建成投产。",
              dates=[("截至4月底", None, D(2023, 4, 30), "asof", "month"),
                     ("3月8日", D(2023, 3, 8), D(2023, 3, 8), "point", "day"),
                     ("年内", D(2023, 1, 1), D(2023, 12, 31), "span", "year")],
              projects=[("甲项目", "started", None, None), ("乙项目", "in_production", None, None),
                        ("丙项目", "in_production", None, None)])
    out = report_stages([s], ref)
    jia, yi, bing = (out[p.id].events[0] for p in s.projects)
    assert (jia.precision, jia.date) == ("exact", D(2023, 3, 8))
    assert (yi.reached, yi.precision) == (False, "target") and out[s.projects[1].id].is_target
    # 计划投资 states an amount, not a plan for the stage; the opening as-of date bounds it
    assert (bing.reached, bing.precision, bing.date) == (True, "asof", D(2023, 4, 30))
    # a day after the report's own date is not reached yet
    later = _sent("6月1日，丁项目开工。", dates=[("6月1日", D(2023, 6, 1), D(2023, 6, 1), "point", "day")],
                  projects=[("丁项目", "started", None, None)])
    ev = report_stages([later], ref)[later.projects[0].id].events[0]
    assert (ev.reached, ev.precision) == (False, "target")
    # an opening target word covers the clauses after it
    t = _sent("力争年底前，戊项目开工建设。", projects=[("戊项目", "started", None, None)])
    assert report_stages([t], ref)[t.projects[0].id].events[0].precision == "target"
    # no date at all: the report's date, as a bound
    n = _sent("己项目已开工。", projects=[("己项目", "started", None, None)])
    ev = report_stages([n], ref)[n.projects[0].id].events[0]
    assert (ev.precision, ev.date_start, ev.date_end) == ("approximate", None, ref)


def test_round_day_dates_its_own_list_only():
    ref = D(2023, 3, 1)
    head = _sent("2月8日，第九期“三个一批”项目集中开工活动举行。",
                 dates=[("2月8日", D(2023, 2, 8), D(2023, 2, 8), "point", "day")])
    lst = _sent("“开工一批”项目2个：庚项目（第八期开工项目），辛项目。",
                projects=[("庚项目", "started", 8, "start"), ("辛项目", "started", 9, "start")])
    topped = _sent("作为第九期开工项目，壬项目已封顶。", projects=[("壬项目", "topped_out", 9, "start")])
    for i, s in enumerate((lst, topped)):
        s.start = 100 * (i + 1)
        s.projects = [ProjectRef(p.id, p.start + s.start, p.end + s.start, p.text, p.phase, p.batch, p.batch_list)
                      for p in s.projects]
    out = report_stages([head, lst, topped], ref)
    geng, xin = (out[p.id].events[0] for p in lst.projects)
    assert (geng.precision, geng.date) == ("approximate", ref)
    assert (xin.precision, xin.date, xin.round) == ("round", D(2023, 2, 8), 9)
    ren = out[topped.projects[0].id].events
    assert [(e.phase, e.origin, e.precision) for e in ren] == [
        ("topped_out", "stated", "approximate"), ("started", "list", "round")]
    # a round only planned is no round event
    plan = _sent("3月1日，力争第十期“三个一批”项目建设活动举行。",
                 dates=[("3月1日", D(2023, 3, 1), D(2023, 3, 1), "point", "day")])
    from db.stages import round_dates
    assert round_dates([plan]) == {} and set(round_dates([head])) == {9}


def test_first_reached_and_window():
    def ev(prec, start, end, reached=True, fid=1):
        return StageEvent(fid, "started", reached, prec, start, end)

    exact = ev("exact", D(2022, 6, 18), D(2022, 6, 18))
    later_bound = ev("approximate", None, D(2023, 1, 30), fid=2)
    target = ev("target", None, D(2021, 1, 1), reached=False, fid=3)
    assert first_reached([later_bound, target, exact])["started"] is exact
    # a bound earlier than the only exact date wins: the stage was reached by then
    early_bound = ev("asof", None, D(2022, 1, 31), fid=4)
    assert first_reached([exact, early_bound])["started"] is early_bound
    span = ev("exact", D(2023, 1, 1), D(2023, 12, 31))
    assert in_window(span, D(2023, 1, 1), D(2023, 12, 31))
    assert not in_window(span, D(2023, 6, 1), D(2023, 12, 31))
    assert not in_window(later_bound, D(2023, 1, 1), None)
    assert in_window(later_bound, D(2023, 1, 1), None, include_approximate=True)
    assert not in_window(target, None, None, include_approximate=True)


def test_sql_window_matches_in_window(corpus_db):
    db = store.open_db(corpus_db)
    stages = [
        (r["project_id"], StageEvent(r["fact_id"], r["phase"], True, r["precision"],
                                     D.fromisoformat(r["date_start"]) if r["date_start"] else None,
                                     D.fromisoformat(r["date_end"]) if r["date_end"] else None))
        for r in db.query("SELECT * FROM project_stages")
    ]
    windows = [(D(2022, 1, 1), D(2022, 12, 31)), (D(2023, 1, 1), None), (None, D(2022, 6, 30)),
               (D(2022, 12, 1), D(2023, 1, 31)), (D(2024, 1, 1), D(2024, 12, 31))]
    for phase in (None, "started", "topped_out", "signed"):
        for since, until in windows:
            for approx in (False, True):
                got = {r["id"] for r in list_projects(db, phase=phase, since=since, until=until,
                                                      include_approximate=approx)}
                want = {pid for pid, e in stages
                        if (phase is None or e.phase == phase) and in_window(e, since, until, approx)}
                assert got == want, (phase, since, until, approx)
