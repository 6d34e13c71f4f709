"""value_conflict: the same fact with different values."""

from db.checks import run_checks
from db.checks.evaluate import make_fact, make_report
from extract.models import Amount, Project

BASE = ("今年是项目建设的关键一年，高新区在新春伊始定下目标：力争实现新签约项目签约额突破400亿元、"
        "新开工项目投资额{v}、制造业招商项目签约额突破180亿元、制造业项目签约突破12个，加快推动一批项目实质落地。"
        "以“万人助万企”活动为载体，设梧桐、双桥、石佛、枫杨{n}个工作组，一对一联系走访企业精准服务。")


def _pair(v1, v2, n1="4", n2="4", d1="2023-01-29", d2="2023-01-30"):
    a = make_report(BASE.format(v=v1, n=n1), id=1, path="a.txt", date=d1)
    b = make_report(BASE.format(v=v2, n=n2), id=2, path="b.txt", date=d2)
    return [it for it in run_checks([a, b]) if it.kind == "value_conflict"]


def test_a_qualifier_lost_in_a_reused_sentence_is_a_conflict():
    items = _pair("290亿元", "突破290亿元")
    assert len(items) == 1
    it = items[0]
    assert it.severity == "warning"
    assert [e.text for e in it.evidence] == ["290亿元", "突破290亿元"]
    assert {e.path for e in it.evidence} == {"a.txt", "b.txt"}


def test_a_changed_figure_is_a_conflict_and_the_same_figure_written_differently_is_not():
    assert len(_pair("290亿元", "280亿元")) == 1
    assert not _pair("290亿元", "290亿元", n1="4", n2="四")


def test_an_update_months_later_is_not_a_conflict():
    text = "截至{m}月底，高新区固定资产投资开工在建项目280个，完成固定资产投资{v}亿元，同比增长15%，其中工业投资增长明显，服务业投资保持稳定。"
    a = make_report(text.format(m=5, v="131.1"), id=1, date="2022-06-01")
    b = make_report(text.format(m=9, v="231.1"), id=2, date="2022-10-01")
    assert not [it for it in run_checks([a, b]) if it.kind == "value_conflict"]


def test_a_swapped_word_in_a_metric_name_is_a_conflict():
    s = "在原有评分机制项目数、贡献率、{w}、投资完成率、报表报送效率五项指标基础上增加项目谋划力度指标，并对贡献率等指标评分机制进行调整优化。"
    a = make_report(s.format(w="入税率"), id=1, date="2022-06-28")
    b = make_report(s.format(w="入库率"), id=2, date="2023-01-30")
    items = [it for it in run_checks([a, b]) if it.kind == "value_conflict"]
    assert len(items) == 1 and "入税率" in items[0].message and "入库率" in items[0].message


def test_a_word_swapped_outside_a_metric_is_not_a_conflict():
    s = "明确解决办法、工作措施、责任单位和{w}要求，大力解决项目推进过程中要素保障问题，坚持问题导向，按照项目推进要求及时预警。"
    a = make_report(s.format(w="时间"), id=1)
    b = make_report(s.format(w="时限"), id=2)
    assert not [it for it in run_checks([a, b]) if it.kind == "value_conflict"]


def _invest(text, id, amount_quote, value, name, date, qualifier="exact"):
    facts = [make_fact(text, Amount, amount_quote, value_yuan=value, role="total_investment", qualifier=qualifier),
             make_fact(text, Project, name, name=name, phase="started")]
    return make_report(text, id=id, date=date, facts=facts)


def test_one_projects_investment_in_two_reports():
    a = _invest("总投资20亿元的中粮面业产业园项目开工。", 1, "20亿元", 2_000_000_000, "中粮面业产业园项目", "2023-03-20")
    b = _invest("中粮面业产业园项目总投资22亿元，设备正在安装。", 2, "22亿元", 2_200_000_000, "中粮面业产业园项目", "2023-09-15")
    items = [it for it in run_checks([a, b]) if it.kind == "value_conflict"]
    assert len(items) == 1 and "中粮面业产业园" in items[0].message
    c = _invest("中粮面业产业园项目总投资约21亿元。", 3, "约21亿元", 2_100_000_000, "中粮面业产业园项目", "2023-09-15",
                qualifier="approx")
    assert not [it for it in run_checks([a, c]) if it.kind == "value_conflict"]
