"""Build the e3 gold JSON files from compact specs (name + unique hint, fields).

Entity protocol: every occurrence of the listed organisations and places OUTSIDE a
gold project name is annotated; a place inside an organisation's name is not a place
of its own; a body that opens a person's title (…党工委书记X, …管委会主任X) is part of
the title, and the zone before it is a place (and the person's organisation)."""
import json, re, sys
from pathlib import Path
ROOT = Path(__file__).resolve().parent

def flex(s):
    return "\\s*".join(re.escape(ch) for ch in s)

def find_hint(text, hint):
    ms = list(re.finditer(flex(hint), text))
    assert len(ms) == 1, f"hint {hint!r} found {len(ms)}x"
    return ms[0]

def item(text, name, hint=None):
    hint = hint or name
    m = find_hint(text, hint)
    ctx = m.group()
    nm = list(re.finditer(flex(name), ctx))
    assert len(nm) == 1, f"name {name!r} in hint {hint!r}: {len(nm)}"
    return {"text": nm[0].group(), "context": ctx}, m.start() + nm[0].start(), m.start() + nm[0].end()

def unique_ctx(text, s, e):
    for w in range(0, 40):
        a, b = max(0, s - w), min(len(text), e + w)
        c = text[a:b]
        if text.count(c) == 1 and c.count(text[s:e]) == 1:
            return c
    raise AssertionError(text[s:e])

def build(fname, refdate, basis, projects, persons, orgs, places):
    text = (ROOT / 'articles' / fname).read_text(encoding='utf-8')
    gold = {"article": fname, "reference_date": refdate, "reference_basis": basis,
            "kinds": ["projects"], "amounts": [], "percentages": [], "dates": [], "counts": [],
            "projects": [], "entities": []}
    pspans = []
    for p in projects:
        name, hint, phase, batch, bl, inv = p[:6]
        opt = len(p) > 6 and p[6]
        d, s, e = item(text, name, hint)
        pspans.append((s, e))
        d.update({"entity": None, "phase": phase, "batch": batch, "batch_list": bl,
                  "investment_yuan": inv, "optional": bool(opt)})
        gold["projects"].append(d)
    for name, hint, title in persons:
        d, s, e = item(text, name, hint)
        d.update({"kind": "person", "name": name, "title": title})
        gold["entities"].append(d)
    taken = []
    org_spans = []
    for kind, names in (("organisation", orgs), ("place", places)):
        taken = []
        for n in sorted(names, key=len, reverse=True):
            for m in re.finditer(flex(n), text):
                s, e = m.start(), m.end()
                if any(a <= s and e <= b for a, b in pspans):
                    continue
                if any(s < b and a < e for a, b in taken):
                    continue
                if kind == "place" and any(a <= s and e <= b for a, b in org_spans):
                    continue
                taken.append((s, e))
                if kind == "organisation":
                    org_spans.append((s, e))
                gold["entities"].append({"text": m.group(), "context": unique_ctx(text, s, e),
                                         "kind": kind, "name": n})
    (ROOT / 'gold' / fname.replace('.txt', '.json')).write_text(
        json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding='utf-8')
    print(fname, len(gold["projects"]), "projects", len(gold["entities"]), "entities")

S, ST, P = "sign", "start", "produce"
build("e3_01_luoyang.txt", "2023-07-19", "7月18日 is the activity of the 8th round (2023); the report appeared the next day",
 [
  ("中航光电高端连接器产业基地", None, "signed", None, S, None),
  ("洛阳轴承智能化改造升级项目", None, "signed", None, S, None),
  ("麦斯克电子材料12英寸硅片研发中心", None, "signed", None, S, None),
  ("伊滨科技城孵化器", "伊滨科技城孵化器等，总投资36", "signed", None, S, None),
  ("洛阳北方玻璃技术股份有限公司超薄玻璃深加工项目", None, "started", 6, ST, None),
  ("中信重工智能矿山装备产业园（一期）", None, "started", 7, ST, None),
  ("洛阳双瑞特种装备有限公司海洋防腐新材料项目", None, "started", 7, ST, None),
  ("洛阳国润新材料科技有限公司碳纤维复合材料生产线项目", None, "started", 8, ST, None),
  ("普莱柯生物疫苗研发中心二期项目", None, "started", 8, ST, None),
  ("洛阳高新区智慧物流港项目", None, "started", 8, ST, None),
  ("河南科技大学国家大学科技园（二期）", None, "started", 8, ST, None),
  ("洛阳石化配套产业园项目", None, "started", 8, ST, None),
  ("洛阳万基铝加工高精度铝板带项目", None, "in_production", 5, P, None),
  ("一拖智能农机装备制造基地", None, "in_production", 7, P, None),
  ("洛阳轴研科技数字化车间项目", None, "in_production", 7, P, None),
  ("中航光电华中产业园三期项目", None, "topped_out", None, None, 1200000000),
  ("洛阳高新区智慧物流港", "加快推进洛阳高新区智慧物流港", "under_construction", None, None, None),
  ("伊滨科技城孵化器", "伊滨科技城孵化器等项目建设", "under_construction", None, None, None),
  ("洛阳新能源电池储能产业园项目", None, None, None, None, 2000000000),
  ("氢能装备产业园", None, "planned", None, None, None),
  ("工业互联网创新中心", None, "planned", None, None, None),
 ],
 [("王晓东", "本报记者 王晓东", "记者"), ("李佳", "通讯员 李佳", "通讯员"),
  ("赵明远", "党工委书记赵明远", "党工委书记"), ("孙立新", "管委会副主任孙立新", "管委会副主任")],
 ["洛阳双瑞特种装备有限公司", "中船集团"],
 ["洛阳高新区", "高新区"])

build("e3_02_xinxiang.txt", "2023-05-20", "二季度 and 5月12日 投产 in 2023 (1至3月 figures)",
 [
  ("新乡华锐锂电新材料有限公司年产5万吨磷酸铁锂项目", None, "started", None, None, None),
  ("新乡白鹭新材料研究院中试基地项目", None, "started", None, None, 680000000),
  ("新乡经开区氢燃料电池汽车示范应用产业园项目", None, "started", None, None, 1500000000),
  ("新乡经开区氢能产业园一期项目", None, "in_production", None, None, 3000000000),
  ("新乡骆驼岭新材料科技园", None, "completed", None, None, None),
  ("新乡巨晶化工年产10万吨再生铝项目", None, "at_capacity", None, None, None),
  ("平原新区智能装备制造基地", None, "land", None, None, None),
  ("新乡豫北生物医药产业园", None, "land", None, None, None),
  ("新乡综合保税区二期", None, "under_construction", None, None, None),
  ("新乡高铁物流园", None, "under_construction", None, None, None),
 ],
 [("刘卫东", "管委会主任刘卫东", "党工委副书记、管委会主任"),
  ("马俊峰", "管委会副主任马俊峰", "党工委委员、管委会副主任"),
  ("张晓峰", "记者 张晓峰", "记者"), ("郭丽", "通讯员 郭丽", "通讯员")],
 ["河南豫氢动力有限公司", "河南心连心化学工业集团股份有限公司", "比亚迪", "宁德时代", "新乡日报"],
 ["新乡经开区", "经开区"])

build("e3_03_kaifeng.txt", "2023-06-20", "6月16日 signing and 截至5月底 figures, 2023",
 [
  ("比亚迪开封新能源汽车零部件产业园项目", None, "signed", None, None, 5000000000),
  ("开封宋都古城文化产业园", None, "under_construction", None, None, None),
  ("开封国际马拉松运动公园", None, "under_construction", None, None, None),
  ("黄河悬河文化展示馆", None, "under_construction", None, None, None),
  ("开封奇瑞汽车二期项目", None, "under_construction", None, None, None),
  ("奇瑞汽车发动机工厂", None, "in_production", None, None, None, True),
  ("开封数字经济产业园", None, "planned", None, None, None),
  ("示范区智能网联汽车测试基地", None, "planned", None, None, None),
  ("开封中原数字港项目", None, "started", 8, ST, None),
  ("开封乐高主题乐园项目", None, "land", 7, S, None),
 ],
 [("陈建华", "——访开封市城乡一体化示范区党工委书记陈建华", "党工委书记"),
  ("陈建华", "党工委书记陈建华开门见山", "党工委书记"),
  ("陈建华", "陈建华介绍", None), ("陈建华", "陈建华表示", None),
  ("周敏", "记者 周敏", "记者"),
  ("黄国强", "管委会主任黄国强", "党工委副书记、管委会主任")],
 ["比亚迪汽车工业有限公司", "开封奇瑞汽车有限公司"],
 ["开封市城乡一体化示范区", "示范区"])

build("e3_04_anyang.txt", "2023-09-21", "9月20日 is the 9th-round activity (2023)",
 [
  ("安阳鑫燁光電产业园项目", None, "signed", None, S, None),
  ("中国钢研安阳特种合金研发基地", None, "signed", None, S, None),
  ("安阳高新区数字文创产业园", None, "signed", None, S, None),
  ("河南海能达智能终端生产基地", None, "signed", None, S, None),
  ("安阳殷墟文旅综合体", None, "signed", None, S, None),
  ("安阳凯地电磁技术有限公司新能源汽车电机项目", None, "started", 8, ST, None),
  ("安阳复星合力新药研发中心", "安阳复星合力新药研发中心、安阳高新区创新", "started", 9, ST, None),
  ("安阳高新区创新创业孵化园（二期）", None, "started", 9, ST, None),
  ("河南利源新能科技有限公司储能电池项目", None, "started", 9, ST, None),
  ("安阳工学院科技园", "安阳工学院科技园以及", "started", 9, ST, None),
  ("林州重机智能制造产业园项目", None, "started", 9, ST, None),
  ("安钢集团冷轧薄板深加工项目", None, "in_production", 7, P, None),
  ("安阳新北方光电产业园", None, "in_production", 8, P, None),
  ("安阳豫北数据中心项目", None, "in_production", 8, P, None),
  ("安阳航空航天产业园一期项目", None, "topped_out", 8, ST, None),
  ("安阳文峰大道智慧停车综合体项目", None, "under_construction", None, None, 800000000),
  ("安阳复星合力新药研发中心", "项目：安阳复星合力新药研发中心", "land", 9, ST, None),
  ("安阳工学院科技园", "安阳工学院科技园两宗", "land", 9, ST, None),
 ],
 [("王海涛", "管委会主任王海涛", "管委会主任"),
  ("程官江", "党委书记、董事长程官江", "党委书记、董事长"),
  ("刘慧", "记者 刘慧", "记者"), ("李想", "通讯员 李想", "通讯员")],
 ["安阳钢铁集团有限责任公司"],
 ["安阳高新区", "高新区"])
