"""Named projects: quality on the corpus gold and the tricky cases one by one."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

import patterns
from extract import projects
from extract.doc import Doc
from extract.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent


def _projects(text: str):
    doc = Doc.from_text(text)
    facts = projects.extract(doc)
    for f in facts:
        assert text[f.start:f.end] == f.text
    return [f for f in facts if f.kind == "project"]


def _by_name(facts):
    return {f.name: f for f in facts}


@pytest.fixture(scope="module")
def corpus_score():
    ev = evaluate(ROOT / "corpus" / "gold", given_dates=True, kinds=["project"])
    return ev.kinds["project"]


def test_corpus_project_f1(corpus_score):
    assert corpus_score.f1 >= 0.92
    assert corpus_score.exact_f1 >= 0.85


def test_corpus_project_fields(corpus_score):
    assert corpus_score.accuracy("phase") >= 0.90
    assert corpus_score.accuracy("batch") >= 0.95
    assert corpus_score.accuracy("batch_list") >= 0.95
    assert corpus_score.accuracy("investment_yuan") >= 0.95


def test_shipped_combination_is_known():
    assert patterns.load("projects")["combination"] in ("rules", "ner", "union", "vote")


def test_round_labels_apply_back_to_previous_label():
    text = ("1月28日,全省第七期“三个一批”项目建设活动举行。\n"
            "“开工一批”项目5个,分别为甲乙科技总部基地项目(第五期开工项目),丙丁智能制造产业园(一期)、"
            "戊己新材料研发中心项目(第六期签约转开工项目),庚辛数据中心项目以及壬癸生物医药产业园项目,"
            "总投资50亿元。")
    got = _by_name(_projects(text))
    assert got["甲乙科技总部基地项目"].batch == 5
    assert got["丙丁智能制造产业园(一期)"].batch == 6
    assert got["戊己新材料研发中心项目"].batch == 6
    # after the last label: the round the report is about
    assert got["庚辛数据中心项目"].batch == 7
    assert got["壬癸生物医药产业园项目"].batch == 7
    assert {f.batch_list for f in got.values()} == {"start"}
    assert {f.phase for f in got.values()} == {"started"}
    # the group total is nobody's investment
    assert all(f.investment_yuan is None for f in got.values())


def test_sign_list_heading_gives_list_to_headless_items():
    text = "“签约一批”项目3个:北斗产业园孵化基地、天集产城人工智能基地、肿瘤检测体外诊断试剂及仪器研发生产等,总投资166亿元。"
    got = _by_name(_projects(text))
    assert set(got) == {"北斗产业园孵化基地", "天集产城人工智能基地", "肿瘤检测体外诊断试剂及仪器研发生产"}
    assert all(f.batch_list == "sign" and f.phase == "signed" for f in got.values())


def test_company_named_as_company_is_not_a_project():
    text = "作为“三个一批”已投产项目,河南明晟新材料科技有限公司主要从事铝板带箔、合金板的研发、生产及销售。"
    assert _projects(text) == []


def test_groups_counts_and_campaigns_are_not_projects():
    text = ("以“万人助万企”活动为载体,全面掀起新一轮“三个一批”项目建设热潮。"
            "总投资22.5亿元的16个基础设施新建项目集中开工。加快有剩余投资额的141个在库项目建设。"
            "高新区首个产城更新项目正式开工。")
    assert _projects(text) == []


def test_line_broken_name_is_joined_and_offsets_kept():
    # a newspaper PDF wraps every line at a fixed width; the names break across lines
    para = ("高新区在新春伊始定下目标:力争实现新签约项目签约额突破400亿元、新开工项目投资额突破290亿元,"
            "加快推动雄韬氢能产业园项目、珠海艾派克微集成电路封测项目、京东方艺云区域总部项目等项目实质落地。"
            "张红军表示,高新区将争取早启动、占主动,奋力实现一季度开门红,为决战全年打下坚实的基础,跑出加速度、确保高质量。"
            "高新区发展就要突出又高又新的特色,我们将坚持全力拼经济,聚精会神抓好发展第一要务,持续巩固主导产业,"
            "加速壮大战略新兴产业,前瞻布局未来产业,项目为王抓投资,多措并举扩消费,千方百计把经济总量做大。")
    width = 24
    text = "\n".join(para[i:i + width] for i in range(0, len(para), width)) + "\n"
    wanted = ["雄韬氢能产业园项目", "珠海艾派克微集成电路封测项目", "京东方艺云区域总部项目"]
    assert any(n not in text for n in wanted)  # really broken
    facts = _projects(text)
    names = [f.name for f in facts]
    assert names[:3] == ["雄韬氢能产业园项目", "珠海艾派克微集成电路封测项目", "京东方艺云区域总部项目"]
    assert "\n" in facts[0].text or "\n" in facts[1].text or "\n" in facts[2].text
    assert all(f.phase is None for f in facts)


def test_investment_before_and_after():
    got = _by_name(_projects("重点推进总投资180亿元的国电投源网荷储一体化项目落地。"))
    assert got["国电投源网荷储一体化项目"].investment_yuan == 18_000_000_000
    got = _by_name(_projects("其中,新乡白鹭新材料研究院中试基地项目,总投资6.8亿元,建成后可年产纤维3000吨。"))
    assert got["新乡白鹭新材料研究院中试基地项目"].investment_yuan == 680_000_000


@pytest.mark.parametrize("text,name,phase", [
    ("确保中原制药厂项目、大华安防项目等8月底前开工。", "大华安防项目", "started"),
    ("全力以赴推进鸿晟项目、生物经济产业园、小米空调、连霍北产业基地项目建设。", "小米空调", "under_construction"),
    ("重点推进华中科技大学智能传感器研究院、武汉理工大学材料研究院二期等项目落地。", "武汉理工大学材料研究院二期", None),
    ("完成了深圳创新科大数据存储设备研发产业基地、敦普(郑州)智慧物流园两宗“工业定制地”挂牌出让。", "敦普(郑州)智慧物流园", "land"),
    ("盛鼎建筑科技产业园3#楼主体结构顺利封顶。", "盛鼎建筑科技产业园", "topped_out"),
    ("加大郑州超互联算力基础设施项目、科技部智算中心等项目的谋划与推进力度。", "科技部智算中心", "planned"),
    ("规划三路(工业路一规划四路)项目,2024年底前完成开工前手续办理工作。", "规划三路(工业路一规划四路)项目", None),
])
def test_phase_words(text, name, phase):
    got = _by_name(_projects(text))
    assert name in got
    assert got[name].phase == phase


def test_firm_resumption_is_not_a_stage():
    text = "正月初七,高新区规模以上工业企业开工率74.3%,企业复工复产有序推进。"
    assert _projects(text) == []


def test_traditional_characters_keep_the_original_name():
    got = _projects("大力推进上半年已签约促落地项目,包括睿美特智能冷暖设备研发生产基地项目、閃耀培育钻石产业示范基地项目等。")
    names = [f.name for f in got]
    assert "閃耀培育钻石产业示范基地项目" in names
    assert all(f.phase == "signed" for f in got)


def test_round_named_in_the_sentence():
    text = "作为郑州高新区第五期“三个一批”开工项目,盛鼎建筑科技产业园从一纸蓝图到喜封金顶仅用时半年。"
    f = _by_name(_projects(text))["盛鼎建筑科技产业园"]
    assert (f.batch, f.batch_list, f.phase) == (5, "start", "topped_out")


def test_offsets_are_sacred_on_every_report():
    files = sorted(glob.glob(str(ROOT / "corpus" / "articles" / "*.txt")))
    files += sorted(glob.glob(str(ROOT / "corpus" / "extra" / "articles" / "e3_*.txt")))
    assert files
    for path in files:
        text = Path(path).read_text(encoding="utf-8-sig")
        doc = Doc.from_text(text)
        for f in projects.extract(doc):
            assert text[f.start:f.end] == f.text
            if f.kind == "project":
                assert f.name == "".join(f.text.split())
