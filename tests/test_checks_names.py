"""name_variant: one project or place written two ways."""

import pytest

from db.checks import run_checks
from db.checks.evaluate import make_fact, make_report
from db.checks.names import core_name, variant_reason
from extract.models import Project


@pytest.mark.parametrize("a,b", [
    ("鼎盛建筑科技产业园", "盛鼎建筑科技产业园"),          # swapped characters
    ("华晟智造产业园", "华晟制造产业园"),                  # same sound
    ("机械所二期", "机械研究所二期"),                      # short form
    ("智能传感器MEMS平台", "智能传感器MEMS中试平台"),
])
def test_variants(a, b):
    assert variant_reason(a, b)


@pytest.mark.parametrize("a,b", [
    ("智慧产业园二期", "智慧产业园"),            # another phase
    ("生命健康科技园", "天健湖生命健康科技园西区"),  # two blocks differ
    ("氢能产业园", "雄韬氢能产业园"),            # only generic words shared
    ("智慧产业园一期", "智慧产业园二期"),
    ("铝板带箔智能工厂", "明晟新材铝板带箔智能工厂"),  # a back-reference without the front part
])
def test_not_variants(a, b):
    assert not variant_reason(a, b, {a}, {b})


def test_core_name_drops_place_phase_and_xiangmu():
    assert core_name("河南盛鼎建筑科技产业园（一期）") == "盛鼎建筑科技产业园"
    assert core_name("郑州清智机器人创新中心项目") == "清智机器人创新中心"
    assert core_name("艾格莱德汽车\n传感及控制器研发生产基地") == "艾格莱德汽车传感及控制器研发生产基地"


def _rep(text, id, names, date):
    facts = [make_fact(text, Project, n, name="".join(n.split())) for n in names]
    return make_report(text, id=id, path=f"r{id}.txt", date=date, facts=facts)


def test_project_variant_across_reports_lists_every_spelling():
    a = _rep("6月18日，河南鼎盛建筑科技产业园项目正式开工。", 1, ["河南鼎盛建筑科技产业园项目"], "2022-06-28")
    b = _rep("河南盛鼎建筑科技产业园（一期）列入开工清单。盛鼎建筑科技产业园3#楼顺利封顶。", 2,
             ["河南盛鼎建筑科技产业园（一期）", "盛鼎建筑科技产业园"], "2023-01-30")
    items = [it for it in run_checks([a, b]) if it.kind == "name_variant"]
    assert len(items) == 1
    it = items[0]
    assert it.severity == "warning"
    assert {e.text for e in it.evidence} == {"河南鼎盛建筑科技产业园项目", "河南盛鼎建筑科技产业园（一期）", "盛鼎建筑科技产业园"}


def test_different_fronts_are_a_variant_but_a_place_prefix_alone_is_not():
    a = _rep("吸引清华河北院清智机器人创新中心签约落地。", 1, ["清华河北院清智机器人创新中心"], "2023-01-29")
    b = _rep("郑州清智机器人创新中心项目开工。天健湖智联网产业园发展迅速。", 2,
             ["郑州清智机器人创新中心项目", "天健湖智联网产业园"], "2023-01-30")
    c = _rep("郑州天健湖智联网产业园项目发展迅速。", 3, ["郑州天健湖智联网产业园项目"], "2023-01-30")
    items = [it for it in run_checks([a, b, c]) if it.kind == "name_variant"]
    assert len(items) == 1 and "清智" in items[0].message


def test_registry_merge_of_unlike_names_is_not_a_spelling_problem():
    a = _rep("上海重塑燃料电池产业化基地签约落地。", 1, ["上海重塑燃料电池产业化基地"], "2023-01-29")
    b = _rep("重塑科技郑州燃料电池生产项目投产。", 2, ["重塑科技郑州燃料电池生产项目"], "2023-01-30")
    a.project_of = {0: 7}
    b.project_of = {0: 7}
    assert not [it for it in run_checks([a, b]) if it.kind == "name_variant"]


def test_place_names_written_with_variant_characters():
    text = "完成赵村、张五砦、石佛项目的整改销号工作。推进完成张五寨安置区外网供配电线路等供电工程建设任务。"
    items = [it for it in run_checks([make_report(text)]) if it.kind == "name_variant"]
    assert len(items) == 1
    assert {e.text for e in items[0].evidence} == {"张五砦", "张五寨"}
    # different villages (different sounds) are not variants
    assert not [it for it in run_checks([make_report("赵村、张五庄、张五营项目加快推进。")]) if it.kind == "name_variant"]
