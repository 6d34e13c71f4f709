"""The checks scale: on generated reports the items and their evidence stay bounded.

Generated reports (benchmarks/generate.py) share a great deal of stock text
(the same sentences with another zone's name and other figures); before the
cross-report checks compared only candidate groups, 500 of them gave 187,646
items. Here 150 reports must give a number of items linear in the reports,
no item may carry unbounded evidence, and the run must stay fast.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate_reports  # noqa: E402
from db.checks import cap_evidence, run_checks  # noqa: E402
from db.checks.context import rules  # noqa: E402
from db.checks.names import candidate_pairs, variant_reason  # noqa: E402
from db.models import Evidence, Inconsistency, StoredReport  # noqa: E402
from extract.pipeline import extract_text  # noqa: E402

N = 150


@pytest.fixture(scope="module")
def generated():
    import datetime as dt

    out = []
    for i, r in enumerate(generate_reports(N, seed=11), 1):
        d = dt.date.fromisoformat(r["reference_date"])
        res = extract_text(r["text"], d, path=f"{r['id']}.txt", title=r["title"], reference_date_source="given")
        out.append(StoredReport(id=i, path=f"{r['id']}.txt", title=r["title"], text=r["text"],
                                sha256=res.sha256 or "", reference_date=res.reference_date,
                                reference_date_source=res.reference_date_source, facts=list(res.facts)))
    return out


def test_items_and_evidence_stay_bounded(generated):
    t = time.perf_counter()
    items = run_checks(generated)
    took = time.perf_counter() - t
    kinds = Counter(it.kind for it in items)
    assert 0 < len(items) < 3 * N, kinds
    # stock sentences shared by many generated reports are not versions of one text
    assert kinds["article_version"] < N // 10, kinds
    limit = rules()["report"]["max_evidence"]
    assert max(len(it.evidence) for it in items) <= limit
    for it in items:
        if "evidence_omitted" in it.details:
            assert it.details["evidence_total"] == len(it.evidence) + it.details["evidence_omitted"]
        for e in it.evidence:
            rep = generated[e.report_id - 1]
            assert rep.text[e.start:e.end] == e.text
    assert took < 12, f"checks on {N} reports took {took:.1f} s"


def test_twice_the_reports_is_not_four_times_the_work(generated):
    half = generated[: N // 2]
    t = time.perf_counter()
    n_half = len(run_checks(half))
    t_half = time.perf_counter() - t
    t = time.perf_counter()
    n_all = len(run_checks(generated))
    t_all = time.perf_counter() - t
    assert n_all < 3.2 * max(n_half, 10), (n_half, n_all)
    assert t_all < 3.5 * t_half + 1.0, (t_half, t_all)


def test_blocking_finds_every_variant_pair(generated):
    from db.checks.names import core_name, light_name

    lights: dict[str, set] = {}
    for r in generated:
        for f in r.facts:
            if f.kind == "project":
                lights.setdefault(core_name(f.name), set()).add(light_name(f.name))
    names = sorted(c for c in lights if len(c) >= rules()["names"]["min_core"])
    names += ["鼎盛智能装备产业园", "盛鼎智能装备产业园", "机械研究所二期", "机械所二期", "清智机器人创新中心",
              "清华河北院清智机器人创新中心", "智能传感器MEMS平台", "智能传感器MEMS中试平台"]
    for extra in names[-8:]:
        lights.setdefault(extra, {extra})
    names = sorted(set(names))
    full = {(a, b) for i, a in enumerate(names) for b in names[i + 1:] if variant_reason(a, b, lights[a], lights[b])}
    blocked = {(a, b) for a, b in candidate_pairs(names) if variant_reason(a, b, lights[a], lights[b])}
    assert blocked == full
    assert ("盛鼎智能装备产业园", "鼎盛智能装备产业园") in full
    assert len(candidate_pairs(names)) < len(names) * (len(names) - 1) // 4


def test_cap_evidence_keeps_each_spelling_and_counts_the_rest():
    ev = [Evidence(path=f"r{i}.txt", start=0, end=2, text="甲乙" if i % 10 else "甲丙", report_id=i) for i in range(60)]
    it = Inconsistency(kind="name_variant", severity="warning", message="x", evidence=ev)
    capped = cap_evidence(it, 8)
    assert len(capped.evidence) == 8
    assert {e.text for e in capped.evidence} == {"甲乙", "甲丙"}
    assert capped.details == {"evidence_total": 60, "evidence_omitted": 52}
    assert cap_evidence(it, 100) is it


def test_a_reprint_among_many_reports_is_still_found(generated):
    import datetime as dt
    import re

    src = generated[4]
    m = re.search(r"(\d+)(?=(?:\.\d+)?亿元)", src.text)
    assert m
    changed = str(int(m.group(1)) + 7)
    text = src.text[: m.start()] + changed + src.text[m.end():]
    copy = StoredReport(id=N + 1, path="reprint.txt", title=src.title, text=text, sha256="x",
                        reference_date=src.reference_date + dt.timedelta(days=1),
                        reference_date_source="given", facts=[])
    items = run_checks(generated + [copy], kinds=["article_version"])
    pairs = [{e.path for e in it.evidence} for it in items]
    assert {src.path, "reprint.txt"} in pairs
    assert len(items) < N // 10


def test_many_items_make_a_folded_html_page(generated):
    from db.report import render, write
    import io

    items = run_checks(generated)
    assert len(items) > 40
    page = render(items, "html", generated)
    assert page.count("<details class=\"tockind\">") == len({it.kind for it in items})
    assert page.count('<section class="item') == len(items)
    buf = io.StringIO()
    write(items, "html", buf, generated)
    assert buf.getvalue() == page
    buf = io.StringIO()
    write(items, "json", buf, generated)
    assert buf.getvalue() == render(items, "json", generated)
