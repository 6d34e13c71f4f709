"""The report scales: what makes ``xiangmu report`` fit a large registry gives the
same items as the straightforward way.

* the registry is loaded for the checks only (facts of the kinds they read, as
  light objects): the same items as from the full pydantic reports;
* sentence alignment keeps no unit's shingles, goes through the reports from
  the last one and indexes only units that can be candidates: the same
  matches as the all-in-memory reference below;
* name blocking compares only names that share what a rule leaves alike: the
  same pairs as comparing all pairs, also for names that differ in their first
  characters or share a long common ending;
* the doubled-line and repeat scans, rewritten for speed, agree with their
  reference definitions;
* JSON is written one item at a time, character for character what
  ``json.dump`` of the whole report gives.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate_reports  # noqa: E402
from db.checks import run_checks  # noqa: E402
from db.checks.align import Match, _best_match, _overlaps, _shingles, alignments, units  # noqa: E402
from db.checks.context import CheckContext, ReportView, light_report, rules  # noqa: E402
from db.checks.duplicates import Repeat, _LEAD_PUNCT, doubled_coverage, repeats  # noqa: E402
from db.checks.names import candidate_pairs, variant_reason  # noqa: E402
from db.models import Evidence, Inconsistency, StoredReport  # noqa: E402
from db.report import iter_json, render_json, to_json_dict  # noqa: E402
from extract.models import Project  # noqa: E402

# -- the registry loaded for the checks ------------------------------------------


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    from db import store
    from db.ingest import ingest

    dbp = tmp_path_factory.mktemp("reg") / "r.db"
    database = store.open_db(dbp)
    ingest([ROOT / "corpus" / "articles", ROOT / "corpus" / "extra" / "articles"], database, workers=1)
    return database


def test_light_registry_gives_the_same_report(registry):
    from db.query import load_stored_reports, registry_projects
    from db.report_commands import load_check_reports

    full = load_stored_reports(registry)
    light = load_check_reports(registry)
    projects = registry_projects(registry)
    # the same reports, facts of the kinds the checks read, the same values
    assert [r.id for r in light] == [r.id for r in full]
    for f, li in zip(full, light):
        ref = light_report(f)
        assert (li.path, li.title, li.text, li.reference_date) == (f.path, f.title, f.text, f.reference_date)
        assert li.project_of == ref.project_of
        assert len(li.facts) == len(ref.facts)
        for a, b in zip(li.facts, ref.facts):
            assert type(a) is type(b)
            for k in a.__slots__:
                assert getattr(a, k) == getattr(b, k) and type(getattr(a, k)) is type(getattr(b, k)), k
    items_full = run_checks(full, projects)
    items_light = run_checks(light, projects)
    assert len(items_full) > 10
    assert render_json(items_light, light) == render_json(items_full, full)


def test_a_kind_that_was_not_loaded_is_an_error_not_an_empty_list(registry):
    from db.report_commands import load_check_reports

    rep = next(r for r in load_check_reports(registry) if r.facts)
    view = ReportView(rep)
    assert view.facts("project")
    with pytest.raises(KeyError):
        view.facts("place")  # a check reading places must load them (CHECK_FACT_KINDS)
    # a report built in memory (xiangmu check) holds every kind: none is an error
    assert ReportView(StoredReport(id=1, path="a.txt", text="甲", sha256="")).facts("place") == []


# -- sentence alignment ------------------------------------------------------------


def _reference_alignments(ctx: CheckContext) -> dict:
    """The alignment as first written: every unit's shingles in memory, every unit indexed."""
    cfg = rules()["versions"]
    k, ratio_min, max_df, max_cands = cfg["shingle"], cfg["unit_ratio"], cfg["max_shingle_reports"], \
        cfg["max_unit_reports"]
    order = {v.id: i for i, v in enumerate(ctx.views)}
    all_units = {v.id: units(v) for v in ctx.views}
    unit_shingles = {(v.id, u.idx): _shingles(u.key, k) for v in ctx.views for u in all_units[v.id]}
    df: dict[str, int] = defaultdict(int)
    for v in ctx.views:
        in_report: set[str] = set()
        for u in all_units[v.id]:
            in_report |= unit_shingles[(v.id, u.idx)]
        for sh in in_report:
            df[sh] += 1
    index: dict[str, list] = defaultdict(list)
    for v in ctx.views:
        for u in all_units[v.id]:
            for sh in unit_shingles[(v.id, u.idx)]:
                if df[sh] <= max_df:
                    index[sh].append(u)
    result: dict[tuple[int, int], list[Match]] = defaultdict(list)
    for v in ctx.views:
        for ua in all_units[v.id]:
            sh = unit_shingles[(v.id, ua.idx)]
            hits: dict[tuple[int, int], int] = defaultdict(int)
            for s in sh:
                for ub in index.get(s, ()):
                    if order[ub.view.id] > order[v.id]:
                        hits[(ub.view.id, ub.idx)] += 1
            need = max(2, int(0.2 * len(sh)))
            cands = sorted(((rid, idx) for (rid, idx), n in hits.items() if n >= need),
                           key=lambda c: (order[c[0]], c[1]))
            if len({rid for rid, _ in cands}) > max_cands:
                continue
            best: dict[int, Match] = {}
            for rid, idx in cands:
                m = _best_match(ua, all_units[rid][idx], ratio_min)
                if m and (rid not in best or m.score > best[rid].score):
                    best[rid] = m
            for rid, m in best.items():
                result[(v.id, rid)].append(m)
    for key, ms in result.items():
        ms.sort(key=lambda m: -m.score)
        kept: list[Match] = []
        for m in ms:
            if not any(_overlaps(m.b_span, o.b_span) for o in kept):
                kept.append(m)
        kept.sort(key=lambda m: m.a_span[0])
        result[key] = kept
    return dict(result)


def _flat(al: dict) -> list:
    return [(key, [(m.a.idx, m.b.idx, m.a_span, m.b_span, m.score) for m in ms]) for key, ms in al.items()]


def _edit(text: str, seed: int) -> str:
    """The text with a few figures changed and a sentence dropped (a reprint, edited)."""
    rnd = random.Random(seed)
    text = regex.sub(r"\d+", lambda m: str(int(m.group()) + rnd.choice([0, 0, 1, 7])), text)
    sents = text.split("。")
    if len(sents) > 4:
        del sents[rnd.randrange(1, len(sents) - 1)]
    return "。".join(sents)


def test_alignment_finds_the_same_matches_as_the_reference():
    gen = generate_reports(70, seed=5)
    reps = []
    for i, r in enumerate(gen, 1):
        reps.append(StoredReport(id=i, path=f"{r['id']}.txt", text=r["text"], sha256="",
                                 reference_date=dt.date.fromisoformat(r["reference_date"])))
    # reprints at both ends of the date order (first report against the last one),
    # and a report reprinted twice, so candidates cross many reports in between
    last = max(r.reference_date for r in reps)
    for j, (src, days) in enumerate([(0, 400), (1, 1), (35, 200), (35, 3)]):
        s = reps[src]
        reps.append(StoredReport(id=100 + j, path=f"reprint{j}.txt", text=_edit(s.text, j), sha256="",
                                 reference_date=(last if days > 100 else s.reference_date) + dt.timedelta(days=days)))
    got = alignments(CheckContext.build(reps))
    ref = _reference_alignments(CheckContext.build(reps))
    assert _flat(got) == _flat(ref)
    pairs = {tuple(sorted((a, b))) for a, b in got}
    for j, src in enumerate([0, 1, 35, 35]):
        assert tuple(sorted((reps[src].id, 100 + j))) in pairs
    assert (100 + 2, 100 + 3) in pairs or (100 + 3, 100 + 2) in pairs  # two reprints of one text


def test_a_unit_with_only_two_rare_shingles_is_still_aligned():
    # 甲乙丙丁戊己庚辛壬: its last three shingles stand in 14 other reports (not rare),
    # so it has two rare shingles only - the fewest a candidate can have
    def han(n: int) -> str:
        return "".join(chr(0x5000 + n * 7 + i) for i in range(6))

    reps = [StoredReport(id=i, path=f"f{i}.txt", sha256="", reference_date=dt.date(2023, 3, i),
                         text=f"{han(i)}丙丁戊己庚辛壬{han(100 + i)}。") for i in range(1, 15)]
    reps.append(StoredReport(id=50, path="a.txt", sha256="", reference_date=dt.date(2023, 1, 1),
                             text=f"{han(300)}。甲乙丙丁戊己庚辛壬。{han(301)}。"))
    reps.append(StoredReport(id=51, path="b.txt", sha256="", reference_date=dt.date(2023, 6, 1),
                             text=f"{han(400)}。甲乙丙丁戊己庚辛壬。{han(401)}。"))
    got = alignments(CheckContext.build(reps))
    assert _flat(got) == _flat(_reference_alignments(CheckContext.build(reps)))
    assert [m.a_text for m in got[(50, 51)]] == ["甲乙丙丁戊己庚辛壬。"]


# -- name blocking -------------------------------------------------------------------

_ALPHABET = "鼎盛智能装备产业园清华河北院机器人创新中心二期所"


def _all_pairs(names: list[str], lights: dict = {}) -> set:
    return {(a, b) for i, a in enumerate(names) for b in names[i + 1:]
            if variant_reason(a, b, lights.get(a, {a}), lights.get(b, {b}))}


def _blocked_pairs(names: list[str], lights: dict = {}) -> set:
    return {(a, b) for a, b in candidate_pairs(names)
            if variant_reason(a, b, lights.get(a, {a}), lights.get(b, {b}))}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, min_size=4, max_size=12), min_size=2, max_size=30, unique=True),
       st.randoms(use_true_random=False))
def test_name_blocking_loses_no_pair(names, rnd):
    # make variants of the random names: swaps, one changed character, a block left out
    more = []
    for n in names[:10]:
        i = rnd.randrange(len(n) - 1)
        more.append(n[:i] + n[i + 1] + n[i] + n[i + 2:])
        more.append(n[:i] + rnd.choice(_ALPHABET) + n[i + 1:])
        j = rnd.randrange(i + 1, len(n) + 1)
        more.append(n[:i] + n[j:])
    names = sorted(set(names + [m for m in more if len(m) >= 4]))
    assert _blocked_pairs(names) == _all_pairs(names)


def test_names_that_differ_at_the_front_among_many_with_one_ending():
    ending = "智能装备产业园"
    fronts = ["郑州", "洛阳", "新乡", "许昌", "南阳", "安阳", "焦作", "开封", "鹤壁", "濮阳"]
    names = [f + w + ending for f in fronts for w in ("明晟达", "华兴旺", "天健湖", "宇通客", "中原鼎")]
    # a swap in the first two characters and a different front part: a block on
    # the first characters misses the first, one on a fixed 3-character ending
    # puts every name in one bucket
    names += ["盛鼎" + ending, "鼎盛" + ending, "清智机器人创新中心", "清华河北院清智机器人创新中心"]
    names = sorted(set(names))
    lights = {"清智机器人创新中心": {"郑州清智机器人创新中心"}}  # as written: another front part
    blocked = _blocked_pairs(names, lights)
    assert blocked == _all_pairs(names, lights)
    assert ("盛鼎" + ending, "鼎盛" + ending) in blocked
    assert ("清华河北院清智机器人创新中心", "清智机器人创新中心") in blocked
    # the names one zone's front apart are looked at; those with another company are not
    assert len(candidate_pairs(names)) < len(names) * (len(names) - 1) // 2 // 4


def _project_report(rid: int, name: str, day: dt.date) -> StoredReport:
    text = f"本报讯 {name}项目今日签约，总投资10亿元。"
    start = text.index(name)
    fact = Project(start=start, end=start + len(name) + 2, text=text[start:start + len(name) + 2],
                   name=name + "项目", phase="signed")
    return StoredReport(id=rid, path=f"r{rid}.txt", text=text, sha256="", reference_date=day, facts=[fact])


def test_a_swap_in_the_first_characters_is_reported_across_reports():
    # the two spellings stand in reports far apart, among many names with the same ending
    reps = [_project_report(1, "盛鼎智能装备产业园", dt.date(2023, 1, 5))]
    fronts = ["郑州", "洛阳", "新乡", "许昌", "南阳", "安阳", "焦作", "开封"]
    for i, f in enumerate(fronts, 2):
        reps.append(_project_report(i, f + "华兴智能装备产业园", dt.date(2023, 2, i)))
    reps.append(_project_report(20, "鼎盛智能装备产业园", dt.date(2023, 9, 1)))
    items = run_checks(reps, kinds=["name_variant"])
    spellings = [set(it.details.get("spellings", [])) for it in items]
    assert {"盛鼎智能装备产业园项目", "鼎盛智能装备产业园项目"} in spellings


# -- rewritten scans -----------------------------------------------------------------

_DOUBLED = regex.compile(r"(.{1,40}?)\1", regex.S)


def _reference_doubled_coverage(line: str) -> tuple[float, int]:
    text = line.strip()
    if not text:
        return 0.0, 0
    covered = [False] * len(text)
    longest = 0
    i = 0
    while i < len(text):
        m = _DOUBLED.match(text, i)
        if m and not m.group(1).isspace():
            for j in range(m.start(), m.end()):
                covered[j] = True
            longest = max(longest, len(m.group(1)))
            i = m.end()
        else:
            i += 1
    for j, ch in enumerate(text):
        if ch.isspace():
            covered[j] = True
    return sum(covered) / len(text), longest


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="高新区塔吊林立 \u3000\x1c，。ab", max_size=120))
def test_doubled_coverage_is_the_regex_definition(line):
    assert doubled_coverage(line) == _reference_doubled_coverage(line)


def test_doubled_coverage_on_a_doubled_caption():
    line = "高新区塔吊林立高新区塔吊林立，，项目建设如火如荼项目建设如火如荼"
    assert doubled_coverage(line) == _reference_doubled_coverage(line)
    assert doubled_coverage(line)[0] == 1.0


def _reference_repeats(text: str, k: int) -> list[Repeat]:
    grams: dict[str, list[int]] = defaultdict(list)
    for i in range(len(text) - k + 1):
        g = text[i:i + k]
        if "\n" not in g:
            grams[g].append(i)
    out = []
    for ps in grams.values():
        for a in range(len(ps)):
            for b in range(a + 1, len(ps)):
                p, q = ps[a], ps[b]
                if p > 0 and text[p - 1] == text[q - 1] and text[p - 1] != "\n" and q - 1 > p:
                    continue
                n = 0
                while q + n < len(text) and p + n < q and text[p + n] == text[q + n]:
                    n += 1
                while n and text[p + n - 1] == "\n":
                    n -= 1
                lead = 0
                while lead < n and text[p + lead] in _LEAD_PUNCT:
                    lead += 1
                if n - lead >= k:
                    out.append(Repeat(p + lead, q + lead, n - lead))
    out.sort(key=lambda r: (r.p, r.q))
    return out


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="项目开工签约，。\n甲乙", max_size=200), st.integers(2, 6))
def test_repeats_is_the_reference(text, k):
    assert repeats(text, k) == _reference_repeats(text, k)


def test_repeats_on_generated_reports():
    for r in generate_reports(15, seed=9):
        text = r["text"] + "\n" + r["text"][:300]
        assert repeats(text, 12) == _reference_repeats(text, 12)


# -- JSON written one item at a time ---------------------------------------------------


def test_streamed_json_is_json_dump_of_the_whole_report():
    ev = [Evidence(path="a.txt", start=0, end=3, text="甲\n乙", report_id=1, reference_date=dt.date(2024, 1, 1),
                   sentence_start=0, sentence_end=4, note="注")]
    rep = StoredReport(id=1, path="a.txt", text="甲\n乙。丙", sha256="")
    items = [Inconsistency(kind="sum_mismatch", severity="error", message="多\n行 \"引号\"", evidence=ev,
                           details={"parts": ["1", "2"], "empty": {}, "none": [], "nested": {"a": [{"b": None}]}}),
             Inconsistency(kind="role_change", severity="info", message="x", evidence=ev, project_id=3)]
    for its in ([], items[:1], items):
        whole = json.dumps(to_json_dict(its, [rep]), ensure_ascii=False, indent=1, default=str)
        assert "".join(iter_json(its, [rep])) == whole == render_json(its, [rep])
