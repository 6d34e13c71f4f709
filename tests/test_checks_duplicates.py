"""duplicate_text: a passage printed twice within one report."""

from db.checks import run_checks
from db.checks.duplicates import doubled_coverage
from db.checks.evaluate import make_report


def _dups(text):
    return [it for it in run_checks([make_report(text)]) if it.kind == "duplicate_text"]


def test_a_sentence_printed_again_and_cut_short():
    s = "重点推进总投资180亿元的国电投源网荷储一体化项目、总投资110亿元的屹锂科技固态电池研发生产基地项目等两个百亿"
    text = f"{s}级项目落地，同时大力推进已签约项目。冠晶半导体项目等。{s}\n\n\n\n新点软件开工仪式\n"
    items = _dups(text)
    assert len(items) == 1
    it = items[0]
    assert it.severity == "info" and "中断" in it.message
    assert len(it.evidence) == 2 and it.evidence[0].start < it.evidence[1].start


def test_a_subheading_repeated_in_the_body_is_not_a_duplicate():
    text = "要做强产业稳基础 对标上海“模速空间”建设河南省大模型赋能创新中心\n产业是关键。对标上海“模速空间”建设河南省大模型赋能创新中心，打造功能平台。\n"
    assert not _dups(text)


def test_doubled_caption_lines():
    assert doubled_coverage("高新区塔吊林立高新区塔吊林立，，项目建设热火朝天项目建设热火朝天 张勇张勇摄摄")[0] > 0.9
    assert doubled_coverage("一个个高质量项目落地建设，一个个新兴产业加快推进")[0] < 0.3
    text = "正文第一段。\n\n高新区塔吊林立高新区塔吊林立，，项目建设热火朝天项目建设热火朝天 张勇张勇摄摄\n\n本报记者本报记者 唐强唐强 摄摄\n\n正文。\n"
    items = _dups(text)
    assert len(items) == 1 and len(items[0].evidence) == 2


def test_a_stray_fragment_at_a_paragraph_start():
    items = _dups("节约审批时间2个工作日。\n\n日。率先全面推行工业定制地。\n")
    assert len(items) == 1 and items[0].evidence[0].text.startswith("日。")
    assert not _dups("节约审批时间2个工作日。\n\n率先全面推行工业定制地。\n")


def test_the_same_event_told_twice():
    event = "1月28日，全省第七期“三个一批”项目建设活动举行，郑州高新区“签约一批”项目3个，以“开局即决战，起步即冲刺”的姿态，全面掀起新一轮“三个一批”项目建设热潮！"
    again = "2023年1月28日，全省第七期“三个一批”项目建设活动中，郑州高新区共有12个项目，总投资额160.7亿元，以“开局即决战，起步即冲刺”的竞进姿态，全面掀起新一轮“三个一批”项目建设热潮："
    items = _dups(event + "\n自活动开展以来，高新区高质高效推进项目落地。\n" + again + "\n")
    assert len(items) == 1 and "两次" in items[0].message
    # two news items on one page with the same stock wording are not a duplicate
    other = "区开放创新工作领导小组副组长兼办公室主任郑彦松陪同，投资促进中心相关负责人参加会见。据悉，"
    page = f"本报讯 5月9日，{other}该公司拟迁移总部。\n记者 孙庆辉\n本报讯 5月6日，{other}该公司拟成立区域总部。\n"
    assert not _dups(page)
