"""article_version: two reports that are versions of one text."""

from db.checks import run_checks
from db.checks.evaluate import make_report

P1 = "项目谋划体现高站位，对外突出招大引强、招高引新、招优引精，围绕物联网、电子信息、北斗应用、新材料四大主导产业持续完善产业体系。"
P2 = "目前高新区已成功获批河南省首批未来产业先导区、数字化转型示范区；传感器产业列“中国十大传感器产业园区”第四名，中部第一。"
P3 = "张红军表示，今年高新区工作要突出一个主题，聚焦稳增长、稳预期、稳民生，坚持项目化管理、任务化分解、方案化落实、清单化推进。"
P4 = "以“万人助万企”活动为载体，由党工委书记任组长，设梧桐、双桥、石佛、枫杨4个工作组，一对一联系走访企业精准服务。"


def _versions(a, b):
    ra = make_report(a, id=1, path="a.txt", date="2023-01-29")
    rb = make_report(b, id=2, path="b.txt", date="2023-01-30")
    return [it for it in run_checks([ra, rb]) if it.kind == "article_version"]


def test_two_versions_of_one_text_and_their_changes():
    a = "\n".join([P1, P2, P3, P4, "记者 孙庆辉 文/图"])
    b = "\n".join([P1, P2.replace("产业列", "产业位列"), P3, P4.replace("4个", "四个"), "本报记者 刘地"])
    items = _versions(a, b)
    assert len(items) == 1
    it = items[0]
    assert it.severity == "info"
    changes = [c["description"] for c in it.details["changes"]]
    assert any("位" in c for c in changes)
    assert any("四" in c for c in changes)
    # the change is cited in both reports
    assert {e.path for e in it.evidence} == {"a.txt", "b.txt"}


def test_one_shared_stock_sentence_is_not_a_version():
    a = P1 + "\n今年是开局之年，高新区在新春伊始定下目标。\n"
    b = P1 + "\n苏州工业园区一季度实际使用外资6.8亿美元，同比增长12.3%。\n"
    assert not _versions(a, b)
