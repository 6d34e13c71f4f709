"""role_change: one person, two titles."""

from db.checks import run_checks
from db.checks.context import ReportView
from db.checks.evaluate import make_report
from db.checks.roles import mentions, title_posts


def test_title_posts_ignore_organisation_prefixes():
    assert title_posts("郑州高新区党工委副书记、管委会主任") == title_posts("高新区党工委副书记、管委会主任")
    assert title_posts("党工委书记") != title_posts("党工委副书记")


def test_people_are_read_from_the_text():
    v = ReportView(make_report("郑州高新区党工委副书记、管委会主任张红军表示，要抓项目。由党工委书记任组长，设4个工作组。记者 孙庆辉"))
    names = {m.name for m in mentions(v)}
    assert names == {"张红军"}


def test_a_new_title_is_reported_as_info_earliest_first():
    a = make_report("郑州高新区党工委副书记、管委会主任张红军表示，高新区将以项目为王。", id=1, path="a.txt", date="2022-06-28")
    b = make_report("——访高新区党工委书记张红军。郑州高新区党工委书记张红军如是说。", id=2, path="b.txt", date="2023-01-29")
    c = make_report("高新区党工委副书记、管委会主任郭程明会见客人。", id=3, path="c.txt", date="2023-05-15")
    d = make_report("党工委副书记、管委会主任郭程明如此表示。", id=4, path="d.txt", date="2024-08-21")
    items = [it for it in run_checks([a, b, c, d]) if it.kind == "role_change"]
    assert len(items) == 1
    it = items[0]
    assert it.severity == "info" and "张红军" in it.message
    assert it.message.index("党工委副书记") < it.message.index("→")
    assert [e.path for e in it.evidence] == ["a.txt", "b.txt"]
