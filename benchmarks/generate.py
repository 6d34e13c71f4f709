"""Seeded generator of realistic development-zone press releases in Chinese.

Used by the benchmarks (a batch of any size) and by tests that need more text
than the five corpus reports::

    from benchmarks.generate import generate_reports
    reports = generate_reports(100, seed=7)
    reports[0]  # {"id": "gen-7-0000000", "text": "...", "reference_date": "2023-05-18", "title": "..."}

The same ``(seed, index)`` always gives the same report, whatever ``n`` is, so
``generate_reports(10, 1)[:5] == generate_reports(5, 1)``. Every word list and
template lives in ``benchmarks/data/*.yaml``; this module is the engine only.

What varies, so that extraction and reconciliation have work to do:

* zones, cities, campaign rounds ("第七期“三个一批”" or "2023年第2批次"), dates;
* project names built from company + product + 基地/产业园/研发中心/总部 …,
  phase suffixes （一期）/二期, capacity projects (年产150万只…), infrastructure;
* the same projects return in many reports of a zone (a fixed pool per zone),
  now and then written differently (鼎盛/盛鼎, with or without 项目 …);
* numbers: amounts in 亿元/万元 with qualifiers (约, 超过, 以上), percentages,
  counts in digits or Chinese numerals, sums that usually add up (and
  sometimes do not: an editor should be told);
* layout: web style (blank lines) or newspaper-PDF style (hard line breaks
  every ~30 characters, so numbers and names are cut across lines), spaced
  numbers (``160.7 亿元``), full-width digits, ASCII commas.

With ``truth=True`` each report also carries ``truth``: the zone, the round,
and the exact spans (start, end, text) of every project mention (with its
entity id) and every amount (with its value in yuan) in the final text.

Command line::

    python benchmarks/generate.py 1000 --seed 1 --out DIR        # one .txt per report
    python benchmarks/generate.py 1000 --seed 1 --jsonl FILE     # one JSON object per line
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import json
import random
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Optional

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"

#: Dates of generated reports fall in this range (inclusive).
FIRST_DAY = _dt.date(2021, 1, 1)
LAST_DAY = _dt.date(2025, 12, 31)
#: Projects per zone: small enough that projects recur across reports.
POOL_SIZE = 48

_OPEN = "\ue000"  # + one private-use character carrying the annotation index
_CLOSE = "\ue001"
_ANN_BASE = 0xF0000
_FULL = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
_CN_DIGITS = "零一二三四五六七八九"


@functools.lru_cache(maxsize=1)
def load_data() -> dict[str, Any]:
    """The word lists and templates (``benchmarks/data/*.yaml``)."""
    out = {}
    for name in ("places", "names", "templates"):
        with (DATA_DIR / f"{name}.yaml").open(encoding="utf-8") as fh:
            out[name] = yaml.safe_load(fh)
    return out


# --- small formatting helpers ----------------------------------------------


def chinese_numeral(n: int) -> str:
    """0 <= n < 100000000 in Chinese numerals (12 -> 十二, 105 -> 一百零五)."""
    if n < 0:
        raise ValueError(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n - 10] if n > 10 else "")
    if n >= 10000:
        high, low = divmod(n, 10000)
        rest = "" if low == 0 else ("零" if low < 1000 else "") + chinese_numeral(low)
        return chinese_numeral(high) + "万" + rest
    out = []
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if d:
            if zero:
                out.append("零")
                zero = False
            out.append(_CN_DIGITS[d] + name)
        elif out:
            zero = True
    return "".join(out)


def _yi(value: Decimal) -> str:
    """Decimal in 亿 as written: 12 / 12.5 / 0.35."""
    s = format(value.normalize(), "f")
    return s


@dataclass
class Style:
    """How one report writes its numbers and lines."""

    pdf: bool = False  # hard line breaks every `width` characters
    width: int = 32
    spaced: bool = False  # "160.7 亿元", "2023 年 1 月 28 日"
    fullwidth: float = 0.0  # share of numbers written with full-width digits
    ascii_commas: bool = False


@dataclass
class Ctx:
    """Rendering state of one report: its random source, style and annotations."""

    rng: random.Random
    style: Style
    ref: _dt.date
    annotations: list[dict] = field(default_factory=list)

    def annotate(self, text: str, **info) -> str:
        idx = len(self.annotations)
        self.annotations.append(info)
        return _OPEN + chr(_ANN_BASE + idx) + text + _CLOSE

    def num(self, s: str) -> str:
        if self.style.fullwidth and self.rng.random() < self.style.fullwidth:
            return s.translate(_FULL)
        return s

    def sp(self) -> str:
        return " " if self.style.spaced else ""


# --- the world: zones and their project pools --------------------------------


@dataclass
class PoolProject:
    entity: str
    name: str  # the registry (canonical) name
    parts: dict
    company: str
    investment: Decimal  # in 亿元
    sign_day: _dt.date
    alt_investment: Optional[Decimal] = None  # a figure some reports get wrong


def _weighted(rng: random.Random, items: list, key: str = "weight"):
    weights = [it.get(key, 1) if isinstance(it, dict) else 1 for it in items]
    return rng.choices(items, weights=weights, k=1)[0]


def _build_name(parts: dict, *, origin=True, xiangmu=None, brand_swap=False, phase_fmt=None, trad=None) -> str:
    brand = parts["brand"]
    if brand_swap and len(brand) == 2:
        brand = brand[1] + brand[0]
    if parts["kind"] == "infra":
        name = parts["base"]
    elif parts["kind"] == "capacity":
        name = (parts["origin"] if origin else "") + brand + parts["base"]
    else:
        name = (parts["origin"] if origin else "") + brand + parts["industry"] + parts["product"] + parts["facility"]
    with_x = parts["xiangmu"] if xiangmu is None else xiangmu
    if parts["kind"] == "capacity":
        with_x = True  # 年产…项目 always ends in 项目
    if with_x and not name.endswith(("项目", "工程")):
        name += "项目"
    if parts["phase"]:
        fmt = phase_fmt or parts["phase_fmt"]
        name += fmt.format(parts["phase"])
    if trad:
        src, dst = trad
        i = name.find(src)
        if i >= 0:
            name = name[:i] + dst + name[i + 1:]
    return name


@functools.lru_cache(maxsize=8)
def world(seed: int) -> tuple[list[dict], list[list[PoolProject]]]:
    """The zones and a fixed pool of projects per zone for ``seed``."""
    data = load_data()
    names = data["names"]
    zones = data["places"]["zones"]
    pools = []
    span = (LAST_DAY - FIRST_DAY).days
    for zi, zone in enumerate(zones):
        rng = random.Random(f"world:{seed}:{zi}")
        pool = []
        used = set()
        while len(pool) < POOL_SIZE:
            r = rng.random()
            brand = rng.choice(names["brand_first"]) + rng.choice(names["brand_second"])
            parts = {
                "brand": brand,
                "origin": rng.choice(names["origins"]) if rng.random() < 0.6 else "",
                "industry": rng.choice(names["industry"]) if rng.random() < 0.35 else "",
                "product": rng.choice(names["products"]),
                "facility": _weighted(rng, names["facilities"])["word"],
                "xiangmu": rng.random() < 0.5,
                "phase": rng.choice(names["phases"]) if rng.random() < 0.25 else "",
                "phase_fmt": rng.choice(names["phase_brackets"]),
            }
            if r < 0.12:
                cap = rng.choice(names["capacity"])
                parts["kind"] = "capacity"
                parts["base"] = f"年产{rng.choice(cap['qty'])}{cap['unit']}{parts['product']}"
            elif r < 0.27:
                parts["kind"] = "infra"
                roads = rng.sample(names["roads"], 3)
                parts["brand"] = ""
                parts["base"] = rng.choice(names["infrastructure"]).format(
                    road=roads[0], road2=roads[1], road3=roads[2],
                    area=rng.choice(names["areas"]), n_cn=chinese_numeral(rng.randint(2, 9)),
                )
                parts["origin"] = ""
                parts["xiangmu"] = False
            else:
                parts["kind"] = "business"
            name = _build_name(parts)
            if name in used:
                continue
            used.add(name)
            if parts["kind"] == "infra":
                company = f"{zone['city']}{rng.choice(['城市建设发展', '市政工程', '城投'])}有限公司"
                inv = Decimal(rng.randint(3, 60)) / 10
            else:
                company = (parts["origin"] or zone["city"]) + brand + (parts["industry"] or "科技") + rng.choice(
                    names["company_forms"]
                )
                inv = Decimal(rng.choice([rng.randint(5, 99) * 10, rng.randint(10, 300), rng.randint(1, 50) * 100])) / 100
                if rng.random() < 0.15:
                    inv = Decimal(rng.randint(20, 200))  # the 百亿级 ones
            sign = FIRST_DAY + _dt.timedelta(days=rng.randint(-200, span - 60))
            p = PoolProject(
                entity=f"z{zi:02d}-p{len(pool):03d}",
                name=name,
                parts=parts,
                company=company,
                investment=inv,
                sign_day=sign,
            )
            if rng.random() < 0.06:
                p.alt_investment = (inv * Decimal(rng.choice(["1.1", "0.9", "1.2", "0.8"]))).quantize(Decimal("0.1"))
            pool.append(p)
        pools.append(pool)
    return zones, pools


def phase_at(p: PoolProject, day: _dt.date) -> str:
    """The lifecycle phase of a pool project on ``day`` (signed → started → …)."""
    d = (day - p.sign_day).days
    if d < 0:
        return "planned"
    for limit, phase in ((90, "signed"), (150, "land"), (300, "started"), (560, "under_construction"),
                         (640, "topped_out"), (760, "completed"), (1100, "in_production")):
        if d < limit:
            return phase
    return "at_capacity"


# --- one report -------------------------------------------------------------


class _Slots(dict):
    """Template slots; unknown ones are generated on first use (and then fixed)."""

    def __init__(self, gen: "_ReportGen", **kw):
        super().__init__(**kw)
        self.gen = gen

    def __missing__(self, key):
        value = self.gen.slot(key)
        self[key] = value
        return value


class _ReportGen:
    def __init__(self, seed: int, index: int):
        self.seed = seed
        self.index = index
        data = load_data()
        self.names = data["names"]
        self.tpl = data["templates"]
        self.places = data["places"]
        rng = random.Random(f"report:{seed}:{index}")
        self.rng = rng
        zones, pools = world(seed)
        zi = rng.randrange(len(zones))
        self.zone = zones[zi]
        self.pool = pools[zi]
        self.campaign = self.places["campaigns"][self.zone["campaign"]]
        ref = FIRST_DAY + _dt.timedelta(days=rng.randint(0, (LAST_DAY - FIRST_DAY).days))
        pdf = rng.random() < 0.35
        style = Style(
            pdf=pdf,
            width=rng.randint(28, 36),
            spaced=pdf and rng.random() < 0.5 or rng.random() < 0.08,
            fullwidth=rng.choice([0.0] * 8 + [0.3, 1.0]),
            ascii_commas=rng.random() < 0.12,
        )
        self.ctx = Ctx(rng=rng, style=style, ref=ref)
        self.event_day = ref - _dt.timedelta(days=rng.choice([0, 0, 1, 1, 2, 3]))
        self.mentioned: dict[str, int] = {}
        self.inconsistent: list[str] = []
        self.round_totals: Optional[tuple[int, Decimal]] = None
        self.round_counts: Optional[dict[str, int]] = None
        self._fillers = list(self.tpl["fillers"])
        rng.shuffle(self._fillers)

    # -- numbers -----------------------------------------------------------
    def money(self, yi: Decimal, qualifier_p: float = 0.12, subject: Optional[str] = None) -> str:
        """An amount given in 亿元, written as 亿元 or 万元, maybe with a qualifier."""
        rng, c = self.rng, self.ctx
        if yi < 1 and rng.random() < 0.7:
            num, unit = _yi(yi * 10000), "万元"
        else:
            num, unit = _yi(yi), "亿元"
        qual, pre, post = "exact", "", ""
        if rng.random() < qualifier_p:
            kind = rng.choice(["approx", "over", "over_post", "approx_near"])
            if kind == "approx":
                pre, qual = "约", "approx"
            elif kind == "approx_near":
                pre, qual = "近", "approx"
            elif kind == "over":
                pre, qual = rng.choice(["超过", "超", "逾"]), "over"
            else:
                post, qual = "以上", "over"
        text = f"{pre}{c.num(num)}{c.sp()}{unit}{post}"
        value = int(yi * 100000000)
        return c.annotate(text, kind="amount", value_yuan=value, qualifier=qual, subject=subject)

    def pct(self, lo: float, hi: float, digits: int = 1) -> str:
        v = round(self.rng.uniform(lo, hi), digits)
        s = f"{v:.{digits}f}".rstrip("0").rstrip(".") if digits else str(int(v))
        return self.ctx.num(s) + "%"

    def count(self, n: int, cn_p: float = 0.1) -> str:
        if self.rng.random() < cn_p and n < 100:
            return chinese_numeral(n)
        return self.ctx.num(str(n))

    # -- dates -------------------------------------------------------------
    def fmt_date(self, d: _dt.date, year: bool = False) -> str:
        s = self.ctx.sp()
        y = f"{self.ctx.num(str(d.year))}{s}年{s}" if year else ""
        return f"{y}{self.ctx.num(str(d.month))}{s}月{s}{self.ctx.num(str(d.day))}{s}日".strip()

    def slot(self, key: str) -> str:
        rng, z, ref = self.rng, self.zone, self.ctx.ref
        if key in ("zone", "short", "city", "province"):
            return z[key]
        if key == "date":
            if self.event_day == ref - _dt.timedelta(days=1) and rng.random() < 0.15:
                return "昨日"
            return self.fmt_date(self.event_day, year=rng.random() < 0.2)
        if key == "full_date":
            return self.fmt_date(self.event_day, year=True)
        if key == "year":
            return self.ctx.num(str(ref.year))
        if key == "scope":
            return self.campaign["scope"]
        if key == "campaign":
            return self.campaign["name"]
        if key == "campaign_short":
            return "“" + "”“".join(self.campaign["lists"].values()) + "”" if self.zone["campaign"] == "sange" else "重大"
        if key == "round":
            return self.round_label()
        if key in ("person", "reporter", "reporter2"):
            n = self.names
            return rng.choice(n["surnames"]) + "".join(rng.choices(n["given"], k=rng.choice([1, 2, 2])))
        if key == "title":
            return rng.choice(self.names["titles"])
        if key == "product":
            return rng.choice(self.names["products"])
        if key == "asof":
            m = max(1, ref.month - 1)
            opts = [f"截至{self.ctx.num(str(m))}月底", f"1-{self.ctx.num(str(m))}月", "今年以来"]
            if ref.month >= 7:
                opts.append("上半年")
            if ref.month >= 4:
                opts.append("一季度")
            return rng.choice(opts)
        if key == "deadline":
            return rng.choice([f"{self.ctx.num(str(ref.year))}年底前", f"{self.ctx.num(str(ref.year + 1))}年",
                               f"{self.ctx.num(str(min(12, ref.month + 3)))}月底前", "年内"])
        if key == "when":
            return rng.choice(["节后上班首日", self.fmt_date(self.event_day), "截至目前"])
        if key.startswith("pct_"):
            return self.pct(*{"pct_growth": (0.5, 25), "pct_growth2": (0.5, 18), "pct_share": (30, 99),
                              "pct_target": (5, 15), "pct_a": (60, 100), "pct_b": (80, 100)}.get(key, (1, 99)))
        if key.startswith("amt_"):
            return self.money(Decimal(rng.randint(50, 5000)) / 10)
        if key.startswith("n_"):
            hi = {"n_firms": 20000, "n_firms_small": 400, "n_big": 40}.get(key, 300)
            return self.count(rng.randint(3, hi), cn_p=0.05)
        if key in ("acres", "jobs"):
            return self.ctx.num(str(rng.randint(30, 900) if key == "acres" else rng.randint(100, 3000)))
        if key in ("output", "tax"):
            return self.money(Decimal(rng.randint(5, 800)) / 10 if key == "output" else Decimal(rng.randint(5, 90)) / 100)
        raise KeyError(key)

    def round_label(self) -> str:
        d = self.event_day
        if self.zone["campaign"] == "sange":
            k = max(1, ((d.year - 2021) * 12 + d.month - 9) // 3 + 1)
            return f"第{chinese_numeral(k)}{self.campaign['round_word']}"
        q = (d.month - 1) // 3 + 1
        return f"{self.ctx.num(str(d.year))}年第{self.ctx.num(str(q))}{self.campaign['round_word']}"

    # -- projects ----------------------------------------------------------
    def mention(self, p: PoolProject, phase: Optional[str] = None, batch_list: Optional[str] = None) -> str:
        """One mention of a pool project, maybe in a variant spelling."""
        rng = self.rng
        variant = _weighted_key(rng, self.names["variants"])
        parts = p.parts
        kw: dict = {}
        if variant == "drop_xiangmu" and parts["kind"] != "capacity":
            kw["xiangmu"] = not parts["xiangmu"]
        elif variant == "swap_brand" and parts["brand"]:
            kw["brand_swap"] = True
        elif variant == "phase_style" and parts["phase"]:
            kw["phase_fmt"] = rng.choice([f for f in self.names["phase_brackets"] if f != parts["phase_fmt"]])
        elif variant == "drop_origin" and parts["origin"]:
            kw["origin"] = False
        elif variant == "traditional":
            trad = self.places["traditional"]
            for ch in p.name:
                if ch in trad:
                    kw["trad"] = (ch, trad[ch])
                    break
        name = _build_name(parts, **kw)
        if variant == "with_company" and parts["kind"] != "infra":
            name = p.company + _build_name(parts, origin=False)
        self.mentioned[p.entity] = self.mentioned.get(p.entity, 0) + 1
        return self.ctx.annotate(name, kind="project", entity=p.entity, canonical=p.name,
                                 variant=name != p.name, phase=phase, batch_list=batch_list)

    def investment_of(self, p: PoolProject) -> Decimal:
        if p.alt_investment is not None and self.rng.random() < 0.3:
            self.inconsistent.append(f"value_conflict:{p.entity}")
            return p.alt_investment
        return p.investment

    def pick(self, phases: set[str], k: int, exclude: set[str]) -> list[PoolProject]:
        day = self.event_day
        fit = [p for p in self.pool if phase_at(p, day) in phases and p.entity not in exclude]
        rest = [p for p in self.pool if p.entity not in exclude and p not in fit]
        self.rng.shuffle(fit)
        self.rng.shuffle(rest)
        return (fit + rest)[:k]

    # -- paragraphs ---------------------------------------------------------
    def render(self, template: str, **kw) -> str:
        return template.format_map(_Slots(self, **kw))

    def para_round(self) -> tuple[str, list[str]]:
        """The round's lead paragraph and its lists (sums add up)."""
        rng = self.rng
        lists = self.campaign["lists"]
        used: set[str] = set()
        chosen = {}
        for key, phases in (("sign", {"signed", "planned", "land"}), ("start", {"started", "land"}),
                            ("produce", {"in_production", "completed", "at_capacity"})):
            chosen[key] = self.pick(phases, rng.randint(1, 7), used)
            used.update(p.entity for p in chosen[key])
        phase_of = {"sign": "signed", "start": "started", "produce": "in_production"}
        totals = {k: sum((self.investment_of(p) for p in v), Decimal(0)) for k, v in chosen.items()}
        total = sum(totals.values(), Decimal(0))
        n = {k: len(v) for k, v in chosen.items()}
        n_total = sum(n.values())
        self.round_totals = (n_total, total)
        self.round_counts = n
        lead = self.render(
            rng.choice(self.tpl["round_leads"]),
            n_total=self.count(n_total), n_total_cn=chinese_numeral(n_total),
            total=self.money(total, qualifier_p=0), total_plain=self.money(total, qualifier_p=0),
            total_sign=self.money(totals["sign"], qualifier_p=0), total_start=self.money(totals["start"], qualifier_p=0),
            n_sign=self.count(n["sign"]), n_start=self.count(n["start"]), n_produce=self.count(n["produce"]),
            sign_label=lists["sign"], start_label=lists["start"], produce_label=lists["produce"],
        )
        paras = []
        for key, projects in chosen.items():
            items = []
            for p in projects:
                t = rng.choice(self.tpl["list_items"])
                items.append(self.render(t, project=self.mention(p, phase_of[key], batch_list=key),
                                         amount=self.money(self.investment_of(p), subject=p.entity)
                                         if "{amount}" in t else ""))
            paras.append(self.render(rng.choice(self.tpl["round_lists"]), label=lists[key],
                                     items="、".join(items) if rng.random() < 0.7 else "；".join(items),
                                     n=self.count(len(projects))))
        return lead, paras

    def para_detail(self) -> str:
        p = self.pick({"started", "under_construction", "topped_out", "completed", "in_production"}, 1, set())[0]
        phase = phase_at(p, self.event_day)
        words = self.tpl["phase_words"].get(phase) or self.tpl["phase_words"]["started"]
        return self.render(rng_choice(self.rng, self.tpl["project_details"]), project=self.mention(p, phase),
                           company=p.company, amount=self.money(self.investment_of(p), subject=p.entity),
                           phase_word=self.rng.choice(words), product=p.parts.get("product") or "配套设施")

    def para_stats(self) -> str:
        rng = self.rng
        n_new, n_cont, n_talk = rng.randint(20, 200), rng.randint(20, 200), rng.randint(5, 80)
        n_all = n_new + n_cont + n_talk
        if rng.random() < 0.1:
            n_all += rng.choice([-36, -12, -5, 7, 20])
            self.inconsistent.append("sum_mismatch:stats")
        a_new, a_cont, a_talk = (Decimal(rng.randint(50, 3000)) / 10 for _ in range(3))
        return self.render(
            rng.choice(self.tpl["stats"]), n_all=self.count(n_all, 0), n_new=self.count(n_new, 0),
            n_cont=self.count(n_cont, 0), n_talk=self.count(n_talk, 0),
            amt_all=self.money(Decimal(rng.randint(500, 9000)), qualifier_p=0),
            amt_plan=self.money(a_new + a_cont + a_talk, qualifier_p=0),
            amt_new=self.money(a_new, 0), amt_cont=self.money(a_cont, 0), amt_talk=self.money(a_talk, 0),
        )

    def para_progress(self) -> str:
        rng = self.rng
        n1, n2 = rng.randint(10, 200), rng.randint(10, 200)
        a1, a2 = (Decimal(rng.randint(50, 1500)) / 10 for _ in range(2))
        done = a1 + a2
        if rng.random() < 0.1:
            done += Decimal(rng.choice([-17, -5, 8, 30])) / 10
            self.inconsistent.append("sum_mismatch:progress")
        return self.render(rng.choice(self.tpl["progress"]), n1=self.count(n1, 0), n2=self.count(n2, 0),
                           n_active=self.count(n1 + n2, 0), a1=self.money(a1, 0), a2=self.money(a2, 0),
                           amt_done=self.money(done, 0))

    def para(self, kind: str) -> list[str]:
        rng, t = self.rng, self.tpl
        if kind == "round_lead":
            lead, self._lists = self.para_round()
            return [lead]
        if kind == "round_lists":
            return getattr(self, "_lists", [])
        if kind == "project_detail":
            return [self.para_detail()]
        if kind == "stats":
            return [self.para_stats()]
        if kind == "progress":
            return [self.para_progress()]
        if kind == "caption":
            p = rng.choice(self.pool)
            return [self.render(rng.choice(t["captions"]), project=self.mention(p))]
        if kind == "filler":
            if not self._fillers:
                return []
            return [self.render(self._fillers.pop(), n_firms_small=self.count(rng.randint(20, 400), 0))]
        key = {"title": "titles", "byline": "bylines", "quote": "quotes", "target": "targets", "rate": "rates",
               "economy": "economy"}[kind]
        if kind == "title":
            n_total, total = self.round_totals or (rng.randint(5, 30), Decimal(rng.randint(10, 900)))
            return [self.render(rng.choice(t[key]), total=self.money(total, 0), n_total=self.count(n_total, 0))]
        return [self.render(rng.choice(t[key]))]

    def build(self) -> tuple[str, tuple[str, list[dict]]]:
        rng = self.rng
        layout = rng.choice(self.tpl["layouts"])
        paras: list[str] = []
        title_at = None
        for item in layout:
            kind = item.rstrip("?*")
            if item.endswith("?") and rng.random() < 0.5:
                continue
            reps = rng.randint(2, 5) if item.endswith("*") else 1
            if kind == "round_lists" and not hasattr(self, "_lists"):
                continue
            if kind == "title":  # rendered last, so that it can quote the round's totals
                title_at = len(paras)
                paras.append("")
                continue
            for _ in range(reps):
                paras.extend(self.para(kind))
        title = ""
        if title_at is not None:
            paras[title_at] = self.para("title")[0]
            title = _strip_marks(paras[title_at])
            if self.ctx.style.ascii_commas:
                title = title.replace("，", ",").replace("：", ":")
        return title, self._assemble(paras)

    def _assemble(self, paras: list[str]) -> tuple[str, list[dict]]:
        st = self.ctx.style
        rng = self.rng
        out = []
        for i, p in enumerate(paras):
            if st.ascii_commas:
                p = p.replace("，", ",").replace("：", ":")
            if st.pdf and i > 1 and len(p) > st.width:
                lines = _wrap(p, st.width, rng)
                if rng.random() < 0.15:
                    lines = [(" " + ln if rng.random() < 0.05 else ln) for ln in lines]
                out.append("\n".join(lines))
            else:
                out.append(p)
        sep = "\n" if st.pdf else "\n\n"
        text = sep.join(out) + "\n"
        return _strip_marks(text, self.ctx.annotations)


def rng_choice(rng: random.Random, seq):
    return rng.choice(seq)


def _weighted_key(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def _is_mark(ch: str) -> bool:
    return ch in (_OPEN, _CLOSE) or ord(ch) >= _ANN_BASE


def _wrap(p: str, width: int, rng: random.Random) -> list[str]:
    """Cut a paragraph every ``width`` visible characters (newspaper PDF wrapping).

    Annotation marks do not count; a cut never falls just inside an annotation's
    start or end, so a mention's text never begins or ends with a line break.
    """
    lines, cur, count, pending = [], [], 0, False
    i = 0
    while i < len(p):
        ch = p[i]
        if ch == _OPEN:
            if pending:
                lines.append("".join(cur))
                cur, count, pending = [], 0, False
            cur.append(ch + p[i + 1])
            i += 2
            continue
        if ch == _CLOSE:
            cur.append(ch)
            i += 1
            continue
        if pending:
            lines.append("".join(cur) + ("\n" if rng.random() < 0.02 else ""))
            cur, count, pending = [], 0, False
        cur.append(ch)
        count += 1
        if count >= width:
            pending = True
        i += 1
    if cur:
        lines.append("".join(cur))
    return lines


def _strip_marks(text: str, annotations: Optional[list[dict]] = None):
    """Remove annotation marks; with ``annotations``, also return their spans."""
    if annotations is None:
        return "".join(ch for ch in text if not _is_mark(ch))
    out: list[str] = []
    n = 0
    stack: list[tuple[int, int]] = []
    spans: list[dict] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == _OPEN:
            stack.append((ord(text[i + 1]) - _ANN_BASE, n))
            i += 2
            continue
        if ch == _CLOSE:
            idx, start = stack.pop()
            spans.append({**annotations[idx], "start": start, "end": n})
            i += 1
            continue
        out.append(ch)
        n += 1
        i += 1
    result = "".join(out)
    for s in spans:
        s["text"] = result[s["start"]:s["end"]]
    spans.sort(key=lambda s: (s["start"], s["end"]))
    return result, spans


# --- public API -------------------------------------------------------------


def generate_report(index: int, seed: int = 0, *, truth: bool = False) -> dict:
    """Report number ``index`` of the stream for ``seed``."""
    g = _ReportGen(seed, index)
    title, (text, spans) = g.build()
    rep = {
        "id": f"gen-{seed}-{index:07d}",
        "text": text,
        "reference_date": g.ctx.ref.isoformat(),
        "title": title,
    }
    if truth:
        rep["truth"] = {
            "zone": g.zone["zone"],
            "round": g.round_label(),
            # the round's lists in this report: how many projects each, and their total investment
            "round_lists": g.round_counts,
            "round_total_yuan": int(g.round_totals[1] * 100000000) if g.round_totals else None,
            "style": {"pdf": g.ctx.style.pdf, "spaced": g.ctx.style.spaced,
                      "fullwidth": g.ctx.style.fullwidth, "ascii_commas": g.ctx.style.ascii_commas},
            "projects": [s for s in spans if s["kind"] == "project"],
            "amounts": [s for s in spans if s["kind"] == "amount"],
            "inconsistencies": g.inconsistent,
        }
    return rep


def iter_reports(n: int, seed: int = 0, *, truth: bool = False, start: int = 0) -> Iterator[dict]:
    """Reports ``start`` … ``start + n - 1`` of the stream for ``seed``, one at a time."""
    for i in range(start, start + n):
        yield generate_report(i, seed, truth=truth)


def generate_reports(n: int, seed: int = 0, *, truth: bool = False) -> list[dict]:
    """``n`` reports as ``{"id", "text", "reference_date", "title"}`` (plus ``truth`` if asked)."""
    return list(iter_reports(n, seed, truth=truth))


def front_matter_text(rep: dict) -> str:
    """The report as a .txt file whose front matter gives date and title."""
    return f"---\ndate: {rep['reference_date']}\ntitle: {rep['title']}\n---\n{rep['text']}"


def write_txt(reports, out_dir: str | Path, front_matter: bool = True) -> list[Path]:
    """One UTF-8 ``ID.txt`` per report (front matter with date and title by default)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for rep in reports:
        p = out / f"{rep['id']}.txt"
        p.write_text(front_matter_text(rep) if front_matter else rep["text"], encoding="utf-8")
        paths.append(p)
    return paths


def write_jsonl(reports, path: str | Path) -> int:
    """One JSON object per line (the ``xiangmu extract --jsonl`` input format)."""
    n = 0
    with Path(path).open("w", encoding="utf-8") as fh:
        for rep in reports:
            fh.write(json.dumps(rep, ensure_ascii=False) + "\n")
            n += 1
    return n


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="生成开发区项目建设报道（可复现的合成语料）")
    ap.add_argument("n", type=int, help="报道篇数")
    ap.add_argument("--seed", type=int, default=0, help="随机种子（相同种子得到相同报道）")
    ap.add_argument("--start", type=int, default=0, help="从第几篇开始（分片生成）")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", help="输出目录：每篇一个 .txt 文件")
    g.add_argument("--jsonl", help="输出一个 .jsonl 文件（每行一篇）")
    ap.add_argument("--truth", action="store_true", help="附带标注（项目、金额的位置；仅 jsonl）")
    ap.add_argument("--no-front-matter", action="store_true", help=".txt 文件不写日期/标题头")
    args = ap.parse_args(argv)
    reps = iter_reports(args.n, args.seed, truth=args.truth, start=args.start)
    if args.out:
        paths = write_txt(reps, args.out, front_matter=not args.no_front_matter)
        print(f"已生成 {len(paths)} 篇报道：{args.out}", file=sys.stderr)
    else:
        k = write_jsonl(reps, args.jsonl)
        print(f"已生成 {k} 篇报道：{args.jsonl}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
