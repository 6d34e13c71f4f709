"""article_version: two reports that are versions of one text.

Built on the sentence alignment of :mod:`.align`. Matched sentences that
follow each other in both reports form a passage; a pair of reports is one
text in two versions when its passages are long enough (``versions`` in
``patterns/checks.yaml``: a run of several consecutive sentences, or a large
share of the shorter report). A single stock sentence shared by two reports
is not a version. The item lists every change inside the passages: words
replaced, added or dropped, and sentences dropped or added between matched
ones, each cited in both reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from db.models import Evidence, Inconsistency

from .align import Change, Match, Unit, alignments, changes, similarity, unit_chars
from .context import CheckContext, ReportView, make_item, rules


@dataclass
class Passage:
    matches: list[Match] = field(default_factory=list)

    @property
    def a_units(self) -> list[int]:
        return [m.a.idx for m in self.matches]

    @property
    def b_units(self) -> list[int]:
        return [m.b.idx for m in self.matches]


@dataclass
class VersionPair:
    a: ReportView
    b: ReportView
    passages: list[Passage]
    aligned_chars: int
    share: float
    longest_run: int
    similarity: float
    is_version: bool
    edits: list[tuple[str, Change]] = field(default_factory=list)


def _cfg() -> dict:
    return rules()["versions"]


def _passages(ms: list[Match], gap: int = 3) -> list[Passage]:
    out: list[Passage] = []
    for m in sorted(ms, key=lambda m: (m.a.idx, m.a_span[0])):
        if out:
            last = out[-1].matches[-1]
            if 0 <= m.a.idx - last.a.idx <= gap and 0 <= m.b.idx - last.b.idx <= gap:
                out[-1].matches.append(m)
                continue
        out.append(Passage([m]))
    return out


def _run_length(p: Passage) -> int:
    """Distinct sentences of A in a passage."""
    return len(set(p.a_units))


def pair_versions(ctx: CheckContext) -> list[VersionPair]:
    if "versions" in ctx.cache:
        return ctx.cache["versions"]
    cfg = _cfg()
    out = []
    views = {v.id: v for v in ctx.views}
    for (ida, idb), ms in alignments(ctx).items():
        if not ms:
            continue
        a, b = views[ida], views[idb]
        passages = _passages(ms)
        aligned = sum(len(_key(m.a_text)) for m in ms)
        total_a = unit_chars(ctx, a) or 1
        total_b = unit_chars(ctx, b) or 1
        share = aligned / min(total_a, total_b)
        longest = max(_run_length(p) for p in passages)
        sim_num = sum(similarity(_key(m.a_text), _key(m.b_text)) * len(_key(m.a_text)) for m in ms)
        sim = sim_num / aligned if aligned else 0.0
        is_version = aligned >= cfg["min_chars"] and (longest >= cfg["min_run"] or share >= cfg["min_share"])
        vp = VersionPair(a, b, passages, aligned, share, longest, sim, is_version)
        if is_version:
            vp.edits = _edits(vp)
        out.append(vp)
    ctx.cache["versions"] = out
    return out


def _key(s: str) -> str:
    from .align import _KEEP

    return "".join(_KEEP.findall(s))


def passage_spans(p: Passage) -> tuple[tuple[int, int], tuple[int, int]]:
    """Normalised spans of a passage in A and in B (first to last matched stretch)."""
    a0 = min(m.a_span[0] for m in p.matches)
    a1 = max(m.a_span[1] for m in p.matches)
    b0 = min(m.b_span[0] for m in p.matches)
    b1 = max(m.b_span[1] for m in p.matches)
    return (a0, a1), (b0, b1)


def _significant(p: Passage) -> bool:
    """A passage worth listing: several sentences, or one long sentence."""
    return len(p.matches) > 1 or len(_key(p.matches[0].a_text)) >= 30


def _edits(vp: VersionPair) -> list[tuple[str, Change]]:
    """All changes inside the passages: a character diff of each passage's two versions."""
    edits: list[tuple[str, Change]] = []
    for p in vp.passages:
        if not _significant(p):
            continue
        (a0, a1), (b0, b1) = passage_spans(p)
        whole = Match(p.matches[0].a, p.matches[0].b, (a0, a1), (b0, b1), 0.0)
        for c in changes(whole):
            edits.append(("edit", c))
    return edits


def _around(view: ReportView, span: tuple[int, int], ctxn: int) -> tuple[int, int]:
    s, e = span
    s2, e2 = max(0, s - ctxn), min(len(view.text), e + ctxn)
    # keep inside the line
    line_s = view.text.rfind("\n", 0, s) + 1
    line_e = view.text.find("\n", e)
    line_e = len(view.text) if line_e < 0 else line_e
    s2, e2 = max(s2, line_s), min(e2, line_e)
    if e2 <= s2:
        e2 = min(len(view.text), s2 + 1)
    return s2, e2


def _short(s: str, n: int = 24) -> str:
    s = s.replace("\n", "")
    return s if len(s) <= n else s[: n - 1] + "…"


def describe_change(kind: str, c: Change) -> str:
    if c.tag == "delete":
        return f"删去「{_short(c.a_text)}」"
    if c.tag == "insert":
        return f"增加「{_short(c.b_text)}」"
    return f"「{_short(c.a_text)}」→「{_short(c.b_text)}」"


def check(ctx: CheckContext) -> list[Inconsistency]:
    cfg = _cfg()
    out = []
    for vp in pair_versions(ctx):
        if not vp.is_version:
            continue
        a, b = vp.a, vp.b
        ev: list[Evidence] = []
        listed = []
        for k, (kind, c) in enumerate(vp.edits[: cfg["max_changes"]], 1):
            desc = describe_change(kind, c)
            listed.append(desc)
            ev.append(a.evidence(*_around(a, c.a_span, cfg["change_context"]), note=f"改动{k}（{a.name}）：{desc}"))
            ev.append(b.evidence(*_around(b, c.b_span, cfg["change_context"]), note=f"改动{k}（{b.name}）：{desc}"))
        if not ev:
            m = vp.passages[0].matches[0]
            ev = [a.evidence(*m.a_span, note="相同段落"), b.evidence(*m.b_span, note="相同段落")]
        n = len(vp.edits)
        head = "；".join(listed[:8]) + ("；…" if n > 8 else "")
        msg = (
            f"{a.name}（{a.date or '日期不详'}）与 {b.name}（{b.date or '日期不详'}）是同一文本的不同版本："
            f"{sum(1 for p in vp.passages if _significant(p))} 段相同或相近的文字，共约 {vp.aligned_chars} 字，相似度 {vp.similarity:.2f}，"
            f"改动 {n} 处" + (f"：{head}" if head else "")
        )
        out.append(
            make_item(
                "article_version",
                msg,
                ev,
                details={
                    "reports": [a.path, b.path],
                    "aligned_chars": vp.aligned_chars,
                    "share_of_shorter": round(vp.share, 3),
                    "longest_run": vp.longest_run,
                    "similarity": round(vp.similarity, 3),
                    "passages": len(vp.passages),
                    "changes": [
                        {"kind": kind, "from": c.a_text, "to": c.b_text, "description": describe_change(kind, c),
                         "a_span": list(a.orig_span(*c.a_span)), "b_span": list(b.orig_span(*c.b_span))}
                        for kind, c in vp.edits[: cfg["max_changes"]]
                    ],
                    "changes_total": n,
                },
            )
        )
    return out
