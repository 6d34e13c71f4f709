"""phase_conflict and date_conflict: stages and dates of one project across reports."""

import datetime as dt

from db.checks import run_checks
from db.checks.evaluate import make_fact, make_report
from extract.models import DateFact, Project


def _rep(text, id, date, projects=(), dates=()):
    facts = []
    for name, phase in projects:
        facts.append(make_fact(text, Project, name, name=name, phase=phase))
    for quote, day, kind in dates:
        d = dt.date.fromisoformat(day)
        facts.append(make_fact(text, DateFact, quote, date_start=None if kind == "deadline" else d, date_end=d,
                               date_kind=kind))
    return make_report(text, id=id, path=f"r{id}.txt", date=date, facts=facts)


def _kind(items, kind):
    return [it for it in items if it.kind == kind]


def test_a_later_report_with_an_earlier_stage_is_a_conflict():
    a = _rep("兴业光电产业园项目已于去年12月建成投产。", 1, "2023-03-20",
             [("兴业光电产业园项目", "in_production")], [("去年12月", "2022-12-31", "span")])
    b = _rep("8月22日，兴业光电产业园项目举行开工仪式。", 2, "2023-09-15",
             [("兴业光电产业园项目", "started")], [("8月22日", "2023-08-22", "point")])
    items = _kind(run_checks([a, b]), "phase_conflict")
    assert len(items) == 1
    assert items[0].severity == "warning"
    assert [e.path for e in items[0].evidence] == ["r1.txt", "r2.txt"]


def test_progress_is_not_a_conflict():
    a = _rep("宏达精密轴承项目签约落地。", 1, "2023-03-20", [("宏达精密轴承项目", "signed")])
    b = _rep("宏达精密轴承项目8月开工建设。", 2, "2023-09-15", [("宏达精密轴承项目", "started")])
    c = _rep("宏达精密轴承项目加快建设。", 3, "2023-12-15", [("宏达精密轴承项目", "under_construction")])
    assert not _kind(run_checks([a, b, c]), "phase_conflict")


def test_targets_and_building_after_topping_out_are_not_stages_reached():
    a = _rep("紫光智能工厂主体结构封顶。", 1, "2023-07-19", [("紫光智能工厂", "topped_out")])
    b = _rep("加快推进紫光智能工厂等项目建设。", 2, "2024-08-22", [("紫光智能工厂", "under_construction")])
    assert not _kind(run_checks([a, b]), "phase_conflict")
    c = _rep("机械所二期项目已投产。", 3, "2023-01-01", [("机械所二期项目", "in_production")])
    d = _rep("确保机械所二期项目9月底前开工。", 4, "2024-08-22", [("机械所二期项目", "started")],
             [("9月底前", "2024-09-30", "deadline")])
    assert not _kind(run_checks([c, d]), "phase_conflict")


def test_one_event_with_two_dates():
    a = _rep("2月26日，总投资约12亿元的万洋众创城项目开工建设，计划2024年底前建成。", 1, "2023-03-20",
             [("万洋众创城项目", "started")], [("2月26日", "2023-02-26", "point"), ("2024年底前", "2024-12-31", "deadline")])
    b = _rep("2月28日开工的万洋众创城项目总投资12亿元。", 2, "2023-09-15",
             [("万洋众创城项目", "started")], [("2月28日", "2023-02-28", "point")])
    items = _kind(run_checks([a, b]), "date_conflict")
    assert len(items) == 1 and "2023-02-26" in items[0].message and "2023-02-28" in items[0].message
    c = _rep("2月26日开工的万洋众创城项目进展顺利。", 3, "2023-05-15",
             [("万洋众创城项目", "started")], [("2月26日", "2023-02-26", "point")])
    assert not _kind(run_checks([a, c]), "date_conflict")


def test_named_events_and_years_inferred_differently():
    a = _rep("3月18日，全市第八期“三个一批”项目建设活动举行。", 1, "2023-03-20", dates=[("3月18日", "2023-03-18", "point")])
    b = _rep("3月16日，漯河市第八期“三个一批”项目建设活动举行。", 2, "2023-03-17", dates=[("3月16日", "2023-03-16", "point")])
    assert len(_kind(run_checks([a, b]), "date_conflict")) == 1
    # same month and day, one year wrongly inferred: not reported
    c = _rep("3月18日，全市第八期“三个一批”项目建设活动举行。", 3, "2024-03-20", dates=[("3月18日", "2024-03-18", "point")])
    assert not _kind(run_checks([a, c]), "date_conflict")
