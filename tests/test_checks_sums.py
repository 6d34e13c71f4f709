"""sum_mismatch: parts against totals, read from the text."""

from db.checks import run_checks
from db.checks.context import CheckContext, ReportView
from db.checks.evaluate import make_report
from db.checks.sums import find_sums


def _sums(text):
    return find_sums(ReportView(make_report(text)))


def _items(text):
    return [it for it in run_checks([make_report(text)]) if it.kind == "sum_mismatch"]


def test_counts_that_do_not_add_up_are_an_error_with_both_sides_cited():
    text = "目前，全区项目库项目总数为347个，其中，新开工项目173个，年度计划投资194亿元；续建项目156个，年度计划投资196.4亿元；在谈签约项目54个。"
    items = _items(text)
    assert len(items) == 1
    it = items[0]
    assert it.severity == "error"
    assert "383" in it.message and "347" in it.message
    cited = [e.text for e in it.evidence]
    assert cited[0] == "347个" and set(cited[1:]) == {"173个", "156个", "54个"}
    for e in it.evidence:
        assert text[e.start:e.end] == e.text


def test_money_total_in_the_previous_sentence():
    text = "1-5月份，开工在建项目280个，完成固定资产投资131.1亿元，增速115%。其中，新开工127个，完成投资63.5亿元；续建153个，完成投资69.3亿元。"
    checks = _sums(text)
    by_total = {c.total.text: c for c in checks}
    assert by_total["280个"].consistent  # 127 + 153 = 280
    assert not by_total["131.1亿元"].consistent
    assert by_total["131.1亿元"].direction == "over"
    assert "132.8" in _items(text)[0].message


def test_the_total_is_chosen_by_its_label():
    # 194 + 196.4 + 16.5 = 406.9 (计划投资额), not 2650 (总投资额): consistent
    text = "项目库总投资额2650亿元，2022年计划投资额406.9亿元，其中，新开工项目年度计划投资194亿元；续建项目年度计划投资196.4亿元；在谈项目年度计划投资16.5亿元。"
    assert not _items(text)
    assert any(c.total.text == "406.9亿元" and c.consistent for c in _sums(text))


def test_rounding_and_approximate_totals_are_tolerated():
    text = "现有项目37个，总投资约465亿元。\n“签约一批”项目6个，总投资166亿元。\n“开工一批”项目24个，总投资228.35亿元。\n“投产一批”项目7个，总投资70.4亿元。"
    checks = _sums(text)
    assert {c.total.text for c in checks} == {"37个", "约465亿元"}
    assert all(c.consistent for c in checks)
    assert not _items(text)


def test_parallel_paragraphs_that_do_not_add_up():
    text = "现有项目37个，总投资465亿元。\n“签约一批”项目6个，总投资166亿元。\n“开工一批”项目22个，总投资228亿元。\n“投产一批”项目7个，总投资71亿元。"
    items = _items(text)
    assert len(items) == 1 and "35" in items[0].message and "37" in items[0].message


def test_parts_below_the_total_only_when_the_list_is_complete():
    partial = "今年新签约项目26个，其中亿元以上项目18个、外资项目3个。"
    assert not _items(partial)
    complete = "开工的36个项目分别为工业项目21个、基础设施项目9个、社会事业项目3个。"
    items = _items(complete)
    assert len(items) == 1 and "少 3" in items[0].message


def test_parts_with_yishang_only_bound_the_total():
    ok = "全区规上工业企业136家，其中主营业务收入超10亿元企业12家以上、超亿元企业60家以上。"
    assert not _items(ok)
    bad = "全区规上工业企业36家，其中龙头企业12家以上、骨干企业30家以上。"
    assert len(_items(bad)) == 1


def test_different_nouns_are_not_parts_of_one_total():
    text = "将13个子政策整合。这其中，“免申即享”类政策适用的有26项，将原来的6个流程，简化为3个环节。"
    assert not _items(text)


def test_percentages_and_attributes_are_not_summed():
    text = "外贸进出口总额68.7亿元，其中出口52.3亿元，同比增长14.2%，出口额占进出口总额的比重达到76.1%。"
    assert not _items(text)
    text2 = "实际使用外资6.8亿美元；新设外资项目42个，其中总投资超1亿美元的重大外资项目9个，合同外资23.5亿美元。"
    assert not _items(text2)


def test_context_reuse():
    ctx = CheckContext.build([make_report("项目总数为10个，其中，新开工项目6个，续建项目5个。")])
    from db.checks import sums

    assert len(sums.check(ctx)) == 1
