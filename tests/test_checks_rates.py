"""rate_mismatch: a rate against its own numerator and denominator."""

from db.checks import run_checks
from db.checks.context import ReportView
from db.checks.evaluate import make_report
from db.checks.rates import find_rates


def _items(text):
    return [it for it in run_checks([make_report(text)]) if it.kind == "rate_mismatch"]


def test_consistent_rates_are_checked_and_not_flagged():
    text = "已累计走访企业1999家次，召开440场座谈会，收集各类企业问题616个，推动问题解决608个，问题解决率98.7%。"
    rates = find_rates(ReportView(make_report(text)))
    assert len(rates) == 1
    rc = rates[0]
    assert (rc.numerator.text, rc.denominator.text) == ("608个", "616个") and rc.consistent
    assert not _items(text)


def test_a_wrong_rate_is_an_error():
    text = "全年计划开工项目40个，截至3月底已开工32个，开工率85%。"
    items = _items(text)
    assert len(items) == 1
    it = items[0]
    assert it.severity == "error" and "80" in it.message and "85%" in it.message
    assert {e.note for e in it.evidence} == {"比率", "分子", "分母"}


def test_the_denominator_named_again_in_the_numerator_clause_wins():
    text = ("全区共谋划重点项目246个，其中新开工项目62个、续建项目158个、竣工投产项目26个。"
            "截至5月底，新开工项目已开工41个，开工率66.1%。")
    rc = find_rates(ReportView(make_report(text)))[0]
    assert rc.denominator.text == "62个" and rc.consistent


def test_a_rate_with_its_own_subject_ignores_other_sentences():
    text = "高新区在库项目86个，新开工项目45个。规上工业企业开工率达98%。"
    assert not find_rates(ReportView(make_report(text)))


def test_growth_rates_and_lone_rates_are_not_checked():
    assert not _items("GDP完成152亿元，同比增长9.6%。")
    assert not _items("一季度省市重点项目开工率64.3%。")


def test_rounding_and_approximation():
    assert not _items("投产项目7个，已达效6个，达效率85.7%。")
    assert len(_items("投产项目7个，已达效6个，达效率86.7%。")) == 1
    assert not _items("投产项目7个，已达效6个，达效率约86%。")
