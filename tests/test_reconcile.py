"""db.reconcile: which project mentions are one project (pure engine, no database)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from db.reconcile import (
    Constraints,
    Mention,
    cluster_mentions,
    constraints_from_decisions,
    derive_state,
    hard_conflict,
    name_relation,
    parse_name,
)

ROOT = Path(__file__).resolve().parent.parent


def M(name, report="r1", pos=0, **kw):
    return Mention(name=name, report=report, order=(str(report), pos, name), anchor=(report, pos, pos + len(name)), **kw)


def same(ms, i, j, cons=None):
    labels, _ = cluster_mentions(ms, cons)
    return labels[i] == labels[j]


# --- names -------------------------------------------------------------------------------


def test_parse_name_drops_place_company_form_suffix_and_brackets():
    a = parse_name("河南鼎盛建筑科技产业园项目")
    assert (a.key, a.place, a.phases) == ("鼎盛建筑科技产业园", "河南", ())
    b = parse_name("航天宏图信息技术股份有限公司⏎中原智慧地球数据工厂项目".replace("⏎", "\n"))
    assert (b.developer, b.core) == ("航天宏图信息技术", "中原智慧地球数据工厂")
    c = parse_name("河南省智能传感器\nMEMS中试平台（一期）")
    assert (c.key, c.phases) == ("智能传感器MEMS中试平台", (1,))
    d = parse_name("郑州天健湖生命健康科技园（西区）项目")
    assert (d.key, d.sections, d.place) == ("天健湖生命健康科技园", ("西区",), "郑州")
    e = parse_name("敦普(郑州)智慧物流园")
    assert (e.key, e.place) == ("敦普智慧物流园", "郑州")
    # a place that begins an institution's name stays
    assert parse_name("武汉理工大学材料研究院二期").key == "武汉理工大学材料研究院"
    # traditional characters and quotes
    assert parse_name("閃耀培育钻石产业示范基地项目").key == parse_name("闪耀培育钻石产业示范基地").key
    assert parse_name("“郑庆哈”城市算力网").key == "郑庆哈城市算力网"
    # the round of 三个一批 is not a phase of the project
    assert parse_name("第七期重点项目").phases == ()


def test_relations():
    rel = lambda a, b, same_report=False: name_relation(parse_name(a), parse_name(b), same_report)  # noqa: E731
    assert rel("河南鼎盛建筑科技产业园项目", "盛鼎建筑科技产业园") == "typo"
    assert rel("清华河北院清智机器人创新中心", "郑州清智机器人创新中心项目") == "suffix"
    assert rel("机械所二期项目", "机械研究所二期") == "abbreviation"
    assert rel("智能传感器(MEMS)中试平台", "河南省智能传感器MEMS平台") == "abbreviation"
    assert rel("国电投源网荷储一体化项目", "国家电投源网荷储一体化项目") == "exact"  # alias list
    # a prefix is not a short form: 石佛 (resettlement housing) vs 石佛医养结合服务中心
    assert rel("石佛项目", "石佛医养结合服务中心") is None
    # two different roads
    assert rel("新龙路快速化工程", "农业路快速化工程") is None
    # a generic head is not a short form of a named project
    assert rel("区域总部", "京东方艺云区域总部项目") is None
    assert rel("郑州高新区氢能产业园", "雄韬氢能产业园") is None


def test_hard_conflicts():
    hc = lambda a, b: hard_conflict(parse_name(a), parse_name(b))  # noqa: E731
    assert hc("智慧产业园一期", "智慧产业园二期项目") == "分期不同"
    assert hc("天健湖生命健康科技园（西区）", "天健湖生命健康科技园（东区）") == "分区不同"
    assert hc("年产150万只气体传感器生产线", "年产300万只气体传感器生产线") == "名称中的数字不同"
    assert hc("甲乙新材料有限公司研发生产基地", "丙丁电子有限公司研发生产基地") == "建设单位不同"
    assert hc("上海重塑燃料电池产业化基地", "郑州重塑燃料电池产业化基地") == "地点不同"
    assert hc("河南大模型赋能创新中心", "郑州大模型赋能创新中心") is None  # 郑州 lies in 河南
    assert hc("盛鼎建筑科技产业园（一期）", "盛鼎建筑科技产业园") is None


# --- clustering ---------------------------------------------------------------------------


def test_typo_variant_and_phase_suffix_across_reports():
    ms = [
        M("河南鼎盛建筑科技产业园项目", "001", 1, phase="started"),
        M("河南盛鼎建筑科技产业园（一期）", "003", 1, phase="started", batch=5, batch_list="start"),
        M("盛鼎建筑科技产业园", "003", 2, phase="topped_out"),
        M("智慧产业园一期项目", "003", 3),
        M("智慧产业园二期项目", "003", 4),
    ]
    labels, links = cluster_mentions(ms)
    assert labels[0] == labels[1] == labels[2]
    assert links[0] == "typo"
    assert labels[3] != labels[4]


def test_phased_and_unphased_link_only_inside_one_report():
    ms = [
        M("河南省智能传感器MEMS中试平台（一期）", "003", 1),
        M("智能传感器(MEMS)中试平台", "002", 1),
        M("河南省智能传感器MEMS平台", "004", 1),
    ]
    labels, _ = cluster_mentions(ms)
    assert labels[1] == labels[2] != labels[0]
    # inside one report, the unphased name is that phase ... unless the report names two phases
    ms = [M("星河数据中心（一期）", "a", 1), M("星河数据中心", "a", 2)]
    assert same(ms, 0, 1)
    ms = [M("星河数据中心（一期）", "a", 1), M("星河数据中心（二期）", "a", 2), M("星河数据中心", "a", 3)]
    labels, _ = cluster_mentions(ms)
    assert len(set(labels)) == 3


def test_generic_names_stay_apart_across_reports_unless_same_place():
    ms = [M("产业学院", "a", 1), M("产业学院", "a", 2), M("产业学院", "b", 1)]
    labels, _ = cluster_mentions(ms)
    assert labels[0] == labels[1] != labels[2]
    ms = [M("郑州高新区氢能产业园", "a", 1), M("郑州高新区氢能产业园项目", "b", 1), M("雄韬氢能产业园", "b", 2)]
    labels, _ = cluster_mentions(ms)
    assert labels[0] == labels[1] != labels[2]


def test_context_evidence():
    # a near name needs support from the context: same investment, same round
    a = dict(name="华瑞新能源电池材料产业园", report="a")
    b = dict(name="华锐新能源电池材料产业园", report="b")  # a homophone: fuzzy only
    assert not same([M(**a, pos=1), M(**b, pos=1)], 0, 1)
    assert same([M(**a, pos=1, investment_yuan=3_500_000_000), M(**b, pos=1, investment_yuan=3_500_000_000)], 0, 1)
    # ... and contrary evidence blocks a weaker link: a different stated investment
    x = M("冠晶高性能半导体超级工厂项目", "a", 1, investment_yuan=10_000_000_000)
    y = M("冠晶半导体超级工厂项目", "b", 1, investment_yuan=2_000_000_000)
    assert not same([x, y], 0, 1)
    y.investment_yuan = None
    assert same([x, y], 0, 1)
    # or the same list of a different round
    x = M("冠晶高性能半导体超级工厂项目", "a", 1, batch=5, batch_list="start")
    y = M("冠晶半导体超级工厂项目", "b", 1, batch=7, batch_list="start")
    assert not same([x, y], 0, 1)
    # the same name is the same project even when reports disagree (a conflict to report)
    x = M("国电投源网荷储一体化项目", "a", 1, investment_yuan=18_000_000_000)
    y = M("国家电投源网荷储一体化项目", "b", 1, investment_yuan=20_000_000_000)
    assert same([x, y], 0, 1)


def test_clustering_is_deterministic_and_order_free():
    names = ["河南鼎盛建筑科技产业园项目", "盛鼎建筑科技产业园", "盛鼎建筑科技产业园（一期）", "机械所二期项目",
             "机械研究所二期", "郑州机械研究所有限公司高端装备制造产业园项目", "清智机器人创新中心",
             "郑州清智机器人创新中心项目", "清华河北院清智机器人创新中心", "智慧产业园二期项目", "产业学院",
             "区域总部", "京东方艺云区域总部项目"]
    ms = [M(n, f"r{i % 3}", i) for i, n in enumerate(names)]

    def partition(mlist):
        labels, _ = cluster_mentions(mlist)
        groups = {}
        for m, lab in zip(mlist, labels):
            groups.setdefault(lab, set()).add((m.report, m.order))
        return sorted(sorted(g) for g in groups.values())

    base = partition(ms)
    for seed in range(5):
        shuffled = ms[:]
        random.Random(seed).shuffle(shuffled)
        assert partition(shuffled) == base
    # labels are numbered by first mention
    labels, _ = cluster_mentions(ms)
    assert labels[0] == 0


def test_editor_constraints_override_rules():
    ms = [M("星河科技园", "a", 10), M("银河科技园", "b", 10), M("银河科技园", "b", 100)]
    assert not same(ms, 0, 1)
    assert same(ms, 0, 1, Constraints(must=[(0, 1)]))
    assert not same(ms, 1, 2, Constraints(cannot=[([1], [2])]))
    # decisions stored with anchors (report, start, end) resolve to mentions by overlap
    decisions = [
        {"id": 1, "action": "merge", "payload": {"a": [["a", 10, 15, "星河科技园"]], "b": [["b", 10, 15, "银河科技园"]]}},
        # spans need only overlap (re-extraction may move them a little)
        {"id": 2, "action": "split", "payload": {"mentions": [["b", 101, 104]], "rest": [["b", 9, 12], ["a", 10, 12]]}},
        {"id": 3, "action": "alias", "payload": {"project": [["a", 10, 15]], "alias": "星银科技园"}},
    ]
    cons, extras = constraints_from_decisions(ms, decisions)
    labels, links = cluster_mentions(ms, cons)
    assert labels[0] == labels[1] != labels[2]
    assert links[0] == "editor"
    assert extras["aliases"][0] == ["星银科技园"]
    # an alias also catches a later mention written that way
    ms.append(M("星银科技园项目", "c", 10))
    cons, _ = constraints_from_decisions(ms, decisions)
    labels, _ = cluster_mentions(ms, cons)
    assert labels[3] == labels[0]


def test_derived_state_uses_dates_and_keeps_conflicts_visible():
    import datetime as dt

    ms = [
        M("河南鼎盛建筑科技产业园项目", "001", 1, phase="started", date=dt.date(2022, 6, 18), date_source="sentence"),
        M("盛鼎建筑科技产业园", "003", 1, phase="topped_out", date=dt.date(2022, 12, 25), date_source="sentence"),
        M("盛鼎建筑科技产业园", "003", 2, phase="signed", date=dt.date(2023, 1, 30), date_source="sentence"),
        M("盛鼎建筑科技产业园", "e4", 1, phase="in_production", date=dt.date(2023, 12, 1), date_source="report",
          is_target=True),
        M("盛鼎建筑科技产业园", "e5", 1, investment_yuan=500_000_000, date=dt.date(2023, 3, 1)),
        M("盛鼎建筑科技产业园", "e6", 1, investment_yuan=600_000_000, date=dt.date(2023, 6, 1)),
    ]
    st = derive_state(ms)
    assert st.name == "盛鼎建筑科技产业园"  # the majority spelling
    assert "河南鼎盛建筑科技产业园项目" in st.aliases
    assert {"name": "河南鼎盛建筑科技产业园项目", "variant": "spelling"} in st.variants
    # the most advanced stage reached, dated by its report; the later, earlier stage is noted
    assert (st.phase, st.phase_date) == ("topped_out", dt.date(2022, 12, 25))
    assert st.target_phase == "in_production"
    assert any("签约" in n for n in st.notes)
    # the latest stated investment, with the disagreement noted
    assert st.investment_yuan == 600_000_000
    assert any("500000000" in n and "600000000" in n for n in st.notes)


# --- quality on the gold -------------------------------------------------------------------------


@pytest.mark.parametrize("gold_dir", ["corpus/gold", "corpus/extra/gold"])
def test_pairwise_f1_on_gold_mentions(gold_dir):
    from db.evaluate import evaluate_registry

    res = evaluate_registry(ROOT / gold_dir, end_to_end=False)
    assert res["f1"] >= 0.95, res["details"]["gold_mentions"]
    assert res["precision"] >= 0.95


def test_pairwise_scores():
    from db.evaluate import pairwise

    r = pairwise(["a", "a", "a", "b"], [1, 1, 2, 2])
    # gold pairs: (0,1) (0,2) (1,2); predicted: (0,1) (2,3); correct: (0,1)
    assert (r["tp"], r["predicted_pairs"], r["gold_pairs"]) == (1, 2, 3)
    assert r["precision"] == 0.5 and abs(r["recall"] - 1 / 3) < 1e-9
