"""The editors' report: inconsistency items as JSON, Markdown or one HTML page.

* JSON follows ``/work/shared/OUTPUT.md`` (``{"items": [{"kind", "severity",
  "message", "evidence": [{"path", "start", "end", "text"}]}]}``) with extra
  fields (Chinese labels, sentence, date, details) added, never renamed.
* Markdown is for mail: a summary table, then each item with its evidence
  sentences (the cited words in bold).
* HTML is one self-contained page in Chinese (inline CSS, no script, no
  external resource): a summary by kind and severity at the top, then each
  item with its explanation and the sentences it cites side by side, one
  column per report, the cited words highlighted, with each report's path,
  title, date and the position of the words.

All three are pure functions of the items and the reports' texts.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

from db.models import Evidence, Inconsistency, StoredReport

from .checks.context import kind_label, rules, severity_label

SEVERITIES = ["error", "warning", "info"]
#: longest sentence shown whole; longer ones are cut around the cited words
MAX_SENTENCE = 220
WINDOW = 70


def kinds_in_order() -> list[str]:
    return list(rules()["severities"])


# -- text helpers ----------------------------------------------------------------

@dataclass
class Segment:
    text: str
    mark: bool = False
    note: Optional[str] = None


@dataclass
class Excerpt:
    """One sentence (or a window of it) with the cited spans marked."""

    start: int
    end: int
    segments: list[Segment]
    line: int
    cut_before: bool = False
    cut_after: bool = False
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def plain(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class Column:
    """Everything one item cites in one report."""

    path: str
    name: str
    title: Optional[str]
    date: Optional[_dt.date]
    excerpts: list[Excerpt]
    positions: list[str]


class ItemView:
    """One item as the page shows it. Its columns (the cited sentences), change
    rows and fact lines are worked out when first asked for, so a list of
    views (the table of contents) costs little."""

    def __init__(self, number: int, item: Inconsistency, texts: dict[str, StoredReport]):
        self.number = number
        self.item = item
        self.kind_label = kind_label(item.kind)
        self.severity_label = severity_label(item.severity)
        self._texts = texts

    @property
    def anchor(self) -> str:
        return f"item-{self.number}"

    @functools.cached_property
    def columns(self) -> list[Column]:
        it = self.item
        if it.kind != "article_version":
            return columns(it, self._texts)
        return columns(Inconsistency(kind=it.kind, severity=it.severity, message=it.message,
                                     evidence=_first_per_report(it)), self._texts)

    @functools.cached_property
    def changes(self) -> list[dict]:
        """For article_version: rows of (description, A, B)."""
        return _changes(self.item, self._texts)

    @functools.cached_property
    def facts(self) -> list[str]:
        """Short lines explaining the numbers (sums, rates)."""
        return _fact_lines(self.item)


class ItemViews(Sequence):
    """The views of a list of items, each made when it is asked for and not kept:
    a page of many items never holds every item's sentences at once."""

    def __init__(self, items: list[Inconsistency], reports=None):
        self._items = items
        self._texts = _texts(reports)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return ItemView(i + 1, self._items[i], self._texts)

    def __iter__(self):
        for n, it in enumerate(self._items, 1):
            yield ItemView(n, it, self._texts)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _excerpt(text: str, evs: list[Evidence]) -> Excerpt:
    """The sentence of a group of evidence spans, the spans marked."""
    s = min(e.sentence_start if e.sentence_start is not None else e.start for e in evs)
    t = max(e.sentence_end if e.sentence_end is not None else e.end for e in evs)
    s = min(s, min(e.start for e in evs))
    t = max(t, max(e.end for e in evs))
    cut_before = cut_after = False
    lo, hi = min(e.start for e in evs), max(e.end for e in evs)
    if t - s > MAX_SENTENCE:
        ns, nt = max(s, lo - WINDOW), min(t, hi + WINDOW)
        cut_before, cut_after = ns > s, nt < t
        s, t = ns, nt
    spans = sorted({(max(e.start, s), min(e.end, t)) for e in evs if e.end > e.start})
    # merge overlapping spans
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    segs = []
    pos = s
    for a, b in merged:
        if a > pos:
            segs.append(Segment(text[pos:a]))
        segs.append(Segment(text[a:b], mark=True))
        pos = b
    if pos < t:
        segs.append(Segment(text[pos:t]))
    if not merged and evs:
        # zero-length evidence (a place where words were dropped)
        segs = [Segment(text[s:t])]
    return Excerpt(s, t, segs, _line_of(text, evs[0].start), cut_before, cut_after, [tuple(m) for m in merged])


def _texts(reports: Union[None, Iterable[StoredReport], dict]) -> dict[str, StoredReport]:
    if reports is None:
        return {}
    if isinstance(reports, dict):
        reports = reports.values()
    out = {}
    for r in reports:
        out[r.path] = r
        out[str(r.id)] = r
    return out


def _report_of(e: Evidence, texts: dict[str, StoredReport]) -> Optional[StoredReport]:
    if e.report_id is not None and str(e.report_id) in texts:
        return texts[str(e.report_id)]
    return texts.get(e.path)


def columns(item: Inconsistency, texts: dict[str, StoredReport]) -> list[Column]:
    by_path: "OrderedDict[str, list[Evidence]]" = OrderedDict()
    for e in item.evidence:
        by_path.setdefault(e.path, []).append(e)
    cols = []
    for path, evs in by_path.items():
        rep = _report_of(evs[0], texts)
        text = rep.text if rep is not None else None
        excerpts = []
        if text is not None:
            groups: "OrderedDict[tuple, list[Evidence]]" = OrderedDict()
            for e in sorted(evs, key=lambda e: e.start):
                key = (e.sentence_start, e.sentence_end) if e.sentence_start is not None else (e.start, e.end)
                # evidence in overlapping sentences goes together
                for k in list(groups):
                    if k[0] is not None and key[0] is not None and key[0] < k[1] and k[0] < key[1]:
                        key = k
                        break
                groups.setdefault(key, []).append(e)
            excerpts = [_excerpt(text, g) for g in groups.values()]
        else:
            excerpts = [Excerpt(e.start, e.end, [Segment(e.text, mark=True)], 0) for e in evs]
        positions = []
        for e in evs:
            where = f"第 {e.start}–{e.end} 字"
            if text is not None:
                where += f"（第 {_line_of(text, e.start)} 行）"
            positions.append(where)
        cols.append(
            Column(
                path=path,
                name=os.path.basename(path),
                title=(rep.title if rep is not None else None),
                date=(evs[0].reference_date or (rep.reference_date if rep is not None else None)),
                excerpts=excerpts,
                positions=positions,
            )
        )
    return cols


def _fact_lines(item: Inconsistency) -> list[str]:
    d = item.details or {}
    lines = []
    if item.kind == "sum_mismatch":
        lines.append(f"分项：{'、'.join(e.text.replace(chr(10), '') for e in item.evidence if e.note == '分项')}")
        lines.append(f"总数：{next((e.text.replace(chr(10), '') for e in item.evidence if e.note == '总数'), '')}")
    elif item.kind == "rate_mismatch":
        lines.append(f"分子 {d.get('numerator')}，分母 {d.get('denominator')}，计算得 {d.get('computed')}%，"
                     f"所述 {d.get('stated')}%")
    elif item.kind == "role_change":
        for e in item.evidence:
            if e.note:
                lines.append(e.note)
    elif item.kind in ("phase_conflict", "date_conflict", "name_variant"):
        for e in item.evidence:
            if e.note:
                lines.append(e.note)
    if d.get("evidence_omitted"):
        lines.append(f"另有 {d['evidence_omitted']} 处出处未列出（共 {d.get('evidence_total')} 处）")
    if d.get("changes_total", 0) > len(d.get("changes", [])):
        lines.append(f"改动共 {d['changes_total']} 处，下表列出前 {len(d.get('changes', []))} 处")
    return lines


def _marked(text: Optional[str], span, context: int = 12) -> Excerpt:
    """A short window of ``text`` around ``span`` with the span marked."""
    a, b = span
    if text is None:
        return Excerpt(a, b, [], 0)
    s, t = max(0, a - context), min(len(text), b + context)
    segs = [Segment(text[s:a]), Segment(text[a:b], mark=True), Segment(text[b:t])]
    return Excerpt(s, t, [x for x in segs if x.text], _line_of(text, a), s > 0, t < len(text), [(a, b)])


def _changes(item: Inconsistency, texts: dict[str, StoredReport]) -> list[dict]:
    """Rows for an article_version item: what changed, and where, in both versions."""
    if item.kind != "article_version":
        return []
    d = item.details or {}
    paths = d.get("reports") or []
    if len(paths) != 2:
        return []
    ta = texts.get(paths[0])
    tb = texts.get(paths[1])
    rows = []
    for ch in d.get("changes", []):
        a_span = tuple(ch.get("a_span") or (0, 0))
        b_span = tuple(ch.get("b_span") or (0, 0))
        rows.append({
            "description": ch.get("description", ""),
            "a": _marked(ta.text if ta else None, a_span),
            "b": _marked(tb.text if tb else None, b_span),
            "a_pos": a_span[0],
            "b_pos": b_span[0],
        })
    return rows


def item_views(items: list[Inconsistency], reports=None) -> ItemViews:
    return ItemViews(items, reports)


def _first_per_report(it: Inconsistency) -> list[Evidence]:
    seen = set()
    out = []
    for e in it.evidence:
        if e.path in seen:
            continue
        seen.add(e.path)
        out.append(e)
    return out


def summary(items: list[Inconsistency]) -> dict:
    """Counts by kind and severity (every known kind, in the GUIDE's order)."""
    by = defaultdict(lambda: defaultdict(int))
    for it in items:
        by[it.kind][it.severity] += 1
    rows = []
    for k in kinds_in_order():
        sev = rules()["severities"][k]
        n = sum(by[k].values())
        rows.append({"kind": k, "label": kind_label(k), "severity": sev, "severity_label": severity_label(sev),
                     "count": n})
    totals = {s: sum(1 for it in items if it.severity == s) for s in SEVERITIES}
    return {"rows": rows, "totals": totals, "total": len(items)}


# -- JSON --------------------------------------------------------------------------

def _json_record(it: Inconsistency, texts: dict[str, StoredReport]) -> dict:
    """One item as in OUTPUT.md, with the extra fields (labels, sentences, details)."""
    evs = []
    for e in it.evidence:
        d = {"path": e.path, "start": e.start, "end": e.end, "text": e.text}
        rep = _report_of(e, texts)
        if e.report_id is not None:
            d["report_id"] = e.report_id
        if e.reference_date is not None:
            d["reference_date"] = e.reference_date.isoformat()
        if e.sentence_start is not None:
            d["sentence_start"] = e.sentence_start
            d["sentence_end"] = e.sentence_end
            if rep is not None:
                d["sentence"] = rep.text[e.sentence_start:e.sentence_end]
        if e.note:
            d["note"] = e.note
        evs.append(d)
    rec = {
        "kind": it.kind,
        "severity": it.severity,
        "message": it.message,
        "evidence": evs,
        "kind_label": kind_label(it.kind),
        "severity_label": severity_label(it.severity),
    }
    if it.project_id is not None:
        rec["project_id"] = it.project_id
    if it.details:
        rec["details"] = it.details
    return rec


def _json_summary(items: list[Inconsistency]) -> dict:
    return {k: v for k, v in summary(items).items() if k != "rows"}


def to_json_dict(items: list[Inconsistency], reports=None) -> dict:
    texts = _texts(reports)
    return {"items": [_json_record(it, texts) for it in items], "summary": _json_summary(items)}


def iter_json(items: list[Inconsistency], reports=None):
    """:func:`render_json`'s text in pieces, one item at a time: the same characters
    as ``json.dump(to_json_dict(...), indent=1)`` without building every item's
    dict (and its sentences) at once."""
    texts = _texts(reports)

    def dumps(obj) -> str:
        return json.dumps(obj, ensure_ascii=False, indent=1, default=str)

    # json escapes line breaks inside strings: every "\n" of a dump is between
    # two lines of its layout, which are indented one level per enclosing container
    yield '{\n "items": ['
    for n, it in enumerate(items):
        yield ("\n  " if n == 0 else ",\n  ") + dumps(_json_record(it, texts)).replace("\n", "\n  ")
    yield "\n ]" if items else "]"
    yield ',\n "summary": ' + dumps(_json_summary(items)).replace("\n", "\n ") + "\n}"


def render_json(items: list[Inconsistency], reports=None) -> str:
    return json.dumps(to_json_dict(items, reports), ensure_ascii=False, indent=1, default=str)


# -- Markdown ----------------------------------------------------------------------

def _md_escape(s: str) -> str:
    return s.replace("\n", "⏎").replace("|", "｜").replace("*", "＊")


def render_markdown(items: list[Inconsistency], reports=None, title: str = "项目库一致性检查报告",
                    generated: Optional[str] = None) -> str:
    views = item_views(items, reports)
    sm = summary(items)
    lines = [f"# {title}", ""]
    if generated:
        lines += [f"生成时间：{generated}", ""]
    t = sm["totals"]
    lines += [f"共 {sm['total']} 条：错误 {t['error']} 条，警告 {t['warning']} 条，提示 {t['info']} 条。", ""]
    lines += ["| 类型 | 级别 | 条数 |", "| --- | --- | ---: |"]
    for r in sm["rows"]:
        lines.append(f"| {r['label']}（{r['kind']}） | {r['severity_label']} | {r['count']} |")
    lines.append("")
    for v in views:
        lines.append(f"## {v.number}. 【{v.severity_label}】{v.kind_label}")
        lines.append("")
        lines.append(v.item.message)
        lines.append("")
        for f in v.facts:
            lines.append(f"- {f}")
        if v.facts:
            lines.append("")
        for c in v.columns:
            head = f"**{c.name}**" + (f"《{c.title}》" if c.title else "") + (f"，{c.date}" if c.date else "")
            lines.append(f"- {head}（{'；'.join(c.positions[:4])}{'…' if len(c.positions) > 4 else ''}）")
            for ex in c.excerpts:
                body = "".join(f"**{_md_escape(s.text)}**" if s.mark else _md_escape(s.text) for s in ex.segments)
                lines.append(f"  > {'…' if ex.cut_before else ''}{body}{'…' if ex.cut_after else ''}")
        if v.changes:
            lines.append("")
            lines.append("| 改动 | 前一版本 | 后一版本 |")
            lines.append("| --- | --- | --- |")
            for row in v.changes:
                a = "".join(f"**{_md_escape(s.text)}**" if s.mark else _md_escape(s.text) for s in row["a"].segments)
                b = "".join(f"**{_md_escape(s.text)}**" if s.mark else _md_escape(s.text) for s in row["b"].segments)
                lines.append(f"| {_md_escape(row['description'])} | {a} | {b} |")
        lines.append("")
    if not items:
        lines.append("没有发现矛盾。")
    return "\n".join(lines).rstrip() + "\n"


# -- HTML --------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("db", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(items: list[Inconsistency], reports=None, title: str = "项目库一致性检查报告",
                generated: Optional[str] = None, source: Optional[str] = None) -> str:
    views = item_views(items, reports)
    sm = summary(items)
    n_reports = len({r.path for r in (reports.values() if isinstance(reports, dict) else (reports or []))})
    return _env().get_template("report.html.j2").render(
        title=title, views=views, summary=sm, generated=generated, source=source, n_reports=n_reports,
        severities=SEVERITIES, severity_label=severity_label,
    )


def write(items: list[Inconsistency], fmt: str, fh, reports=None, **kw) -> None:
    """Write the report to the text stream ``fh`` piece by piece (same text as :func:`render`).

    JSON is written one item at a time (:func:`iter_json`) and HTML through the
    template's ``generate``, so a large report is never built as one string.
    """
    if fmt == "json":
        for chunk in iter_json(items, reports):
            fh.write(chunk)
    elif fmt in ("md", "markdown"):
        fh.write(render_markdown(items, reports, **{k: v for k, v in kw.items() if k in ("title", "generated")}))
    elif fmt == "html":
        views = item_views(items, reports)
        sm = summary(items)
        n_reports = len({r.path for r in (reports.values() if isinstance(reports, dict) else (reports or []))})
        for chunk in _env().get_template("report.html.j2").generate(
            title=kw.get("title", "项目库一致性检查报告"), views=views, summary=sm, generated=kw.get("generated"),
            source=kw.get("source"), n_reports=n_reports, severities=SEVERITIES, severity_label=severity_label,
        ):
            fh.write(chunk)
    else:
        raise ValueError(f"unknown format {fmt!r}")


def render(items: list[Inconsistency], fmt: str, reports=None, **kw) -> str:
    if fmt == "json":
        return render_json(items, reports)
    if fmt in ("md", "markdown"):
        return render_markdown(items, reports, **{k: v for k, v in kw.items() if k in ("title", "generated")})
    if fmt == "html":
        return render_html(items, reports, **kw)
    raise ValueError(f"unknown format {fmt!r}")
