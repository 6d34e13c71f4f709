"""Benchmarks of xiangmu under load: extraction throughput next to jieba and
JioNLP, ingestion rate and memory, query latency, and the distributed run.

    python benchmarks/bench.py            # full: ~1 MB of text, 10,000 reports
    python benchmarks/bench.py --quick    # a few minutes: 200 KB, 1,000 reports
    python benchmarks/bench.py --sections extract,scale --profile

Prints Markdown tables (paste them into benchmarks/README.md) and, with
``--json FILE``, the raw figures. Each section that needs a part of the system
that is not there (``xiangmu ingest`` not built, jionlp not installed …) says so
and is skipped; the others still run. These are measurements, not tests.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate_reports, iter_reports, write_txt  # noqa: E402

SECTIONS = ["extract", "profile", "ingest", "query", "scale"]


# --- small helpers -------------------------------------------------------------


def say(msg: str = "") -> None:
    print(msg, flush=True)


def skip(section: str, why: str) -> None:
    say(f"\n> **{section}: 跳过** — {why}\n")


def table(headers: list[str], rows: list[list]) -> str:
    def cell(v):
        if isinstance(v, float):
            return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
        if isinstance(v, int):
            return f"{v:,}"
        return str(v)

    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    for r in rows:
        out.append("| " + " | ".join(cell(v) for v in r) + " |")
    return "\n".join(out)


def machine() -> dict:
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
    }


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of ``pid`` and all its descendants."""
    try:
        import psutil

        try:
            p = psutil.Process(pid)
            procs = [p] + p.children(recursive=True)
        except psutil.Error:
            return 0
        total = 0
        for q in procs:
            try:
                total += q.memory_info().rss
            except psutil.Error:
                pass
        return total
    except ImportError:
        pass
    kids = _children_map()
    total, todo = 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        q = todo.pop()
        try:
            total += int(Path(f"/proc/{q}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(kids.get(q, []))
    return total


class RssSampler(threading.Thread):
    """Samples the RSS of a process tree every ``interval`` seconds, and, given the
    registry's path, how many reports it holds so far (read-only, WAL lets us read)."""

    def __init__(self, pid: int, interval: float = 0.25, db_path: Optional[Path] = None, table: str = "reports"):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.db_path, self.table = db_path, table
        self.samples: list[tuple[float, int, Optional[int]]] = []
        self._halt = threading.Event()
        self.t0 = time.perf_counter()
        self._con = None

    def _count(self) -> Optional[int]:
        if self.db_path is None or not Path(self.db_path).exists():
            return None
        try:
            import sqlite3

            if self._con is None:
                self._con = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=0.05,
                                            check_same_thread=False)
            return self._con.execute(f"select count(*) from {self.table}").fetchone()[0]
        except Exception:
            return None

    def run(self):
        while not self._halt.is_set():
            self.samples.append((time.perf_counter() - self.t0, tree_rss(self.pid), self._count()))
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()
        if self._con is not None:
            self._con.close()

    def at_fractions(self, fractions=(0.1, 0.25, 0.5, 0.75, 0.95)) -> list[int]:
        if not self.samples:
            return [0 for _ in fractions]
        end = self.samples[-1][0]
        return [min(self.samples, key=lambda s: abs(s[0] - f * end))[1] for f in fractions]

    def at_counts(self, n: int, fractions=(0.25, 0.5, 0.75, 1.0)) -> list[Optional[int]]:
        """RSS when the registry first held 25/50/75/100% of the ``n`` reports."""
        out = []
        for f in fractions:
            hit = next((i for i, s in enumerate(self.samples) if s[2] is not None and s[2] >= f * n), None)
            out.append(max(s[1] for s in self.samples[max(0, hit - 4):hit + 1]) if hit is not None else None)
        return out

    def stored_at(self, n: int) -> Optional[float]:
        """Seconds until all ``n`` reports were stored (the rest is reconciliation)."""
        return next((s[0] for s in self.samples if s[2] is not None and s[2] >= n), None)

    @property
    def peak(self) -> int:
        return max((s[1] for s in self.samples), default=0)


def _descendants(pid: int) -> list[int]:
    kids = _children_map()
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def mb(n: int) -> float:
    return n / 1024 / 1024


def best_time(fn: Callable[[], object], rounds: int) -> tuple[float, object]:
    best, res = float("inf"), None
    for _ in range(rounds):
        t = time.perf_counter()
        res = fn()
        best = min(best, time.perf_counter() - t)
    return best, res


def race(contenders: list[tuple[str, Callable[[], object]]], rounds: int) -> tuple[dict, dict]:
    """Each contender's best time of ``rounds``, run interleaved (one round of all, then
    the next), so that load from other processes hits all alike; and the result of
    its best run."""
    seconds: dict[str, float] = {}
    results: dict[str, object] = {}
    for _ in range(rounds):
        for name, fn in contenders:
            dt, res = best_time(fn, 1)
            if dt < seconds.get(name, float("inf")):
                seconds[name], results[name] = dt, res
    return seconds, results


def p95(values: list[float]) -> float:
    """The 95th percentile by nearest rank (with a few values, the largest)."""
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def corpus_texts() -> list[str]:
    from extract.loader import read_file

    return [read_file(p).text for p in sorted((ROOT / "corpus" / "articles").glob("*.txt"))]


def repeat_to(texts: list[str], chars: int) -> list[str]:
    out, n, i = [], 0, 0
    while n < chars:
        t = texts[i % len(texts)]
        out.append(t)
        n += len(t)
        i += 1
    return out


def xiangmu_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("xiangmu")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from db.cli import main; main()"]


def cli_help(command: str) -> Optional[str]:
    """The ``--help`` text of ``xiangmu COMMAND``, or None when it does not exist."""
    try:
        r = subprocess.run(xiangmu_cmd() + [command, "--help"], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    return r.stdout


# --- 1. extraction throughput --------------------------------------------------


WARM_ROW = "xiangmu extract_text，缓存跨篇保留（仅供参考）"
#: the task JioNLP's two functions do (money and dates, values resolved), nothing else
SAME_TASK_KINDS = ("date", "amount")
SAME_TASK_ROW = "xiangmu 仅日期+金额（与 JioNLP 同一任务）"
#: every stage but the project recogniser: what any project recogniser, however
#: fast, leaves to the rest of the pipeline (the bound of its speed-up)
NO_PROJECT_KINDS = ("date", "amount", "percentage", "count", "entity")
NO_PROJECT_ROW = "xiangmu 除项目阶段外全部（项目识别耗时为零时的上限）"
FACT_ROWS = (WARM_ROW, SAME_TASK_ROW, NO_PROJECT_ROW)


def _ts(day: str) -> float:
    """The POSIX time of midnight of ``day`` (JioNLP's ``time_base``)."""
    y, m, d = map(int, day[:10].split("-"))
    return time.mktime((y, m, d, 0, 0, 0, 0, 0, -1))


def stages_only(texts: list[str], ref: str, kinds: tuple[str, ...], refs: Optional[list[str]] = None) -> int:
    """Cold extraction of ``texts`` with only the extractors of ``kinds`` (in the
    pipeline's order, normalisation included, caches cleared per report, as
    ``extract_text`` does it); the number of facts found."""
    from extract import memo, pipeline
    from extract.doc import Doc

    n = 0
    for i, s in enumerate(texts):
        memo.clear()
        doc = Doc.from_text(s)
        doc.reference_date = _dt.date.fromisoformat(refs[i] if refs else ref)
        n += len(pipeline.run_extractors(doc, kinds))
    return n


def run_extraction(args, results: dict) -> None:
    from extract import pipeline
    from extract.normalize import normalise
    from extract.pipeline import extract_text

    target = 200_000 if args.quick else 1_000_000
    rounds = 1 if args.quick else 2
    base = corpus_texts()
    texts = repeat_to(base, target)
    chars = sum(len(t) for t in texts)
    ref = "2023-06-30"
    present = [k for k, m in pipeline.EXTRACTORS if pipeline._module(m) is not None]
    missing = [k for k, m in pipeline.EXTRACTORS if pipeline._module(m) is None]
    say(f"\n## 抽取吞吐量（{len(texts)} 篇，{chars:,} 字符，语料重复至约 {target // 1000} KB）\n")
    say(f"已有抽取器：{', '.join(present) or '无'}；缺少：{', '.join(missing) or '无'}")

    # warm-up: first call loads rule files, models, dictionaries (timed separately)
    t = time.perf_counter()
    for s in base:
        extract_text(s, ref)
    warm = time.perf_counter() - t
    rows = []

    from extract import memo

    def ours():
        # every report starts cold: the text-keyed caches would otherwise answer the
        # repeated corpus from memory, which neither jieba nor JioNLP does
        n = 0
        for s in texts:
            memo.clear()
            n += len(extract_text(s, ref).facts)
        return n

    def ours_warm():
        return sum(len(extract_text(s, ref).facts) for s in texts)

    def norm_only():
        for s in texts:
            normalise(s)

    contenders: list[tuple[str, Callable[[], object]]] = [
        ("xiangmu extract_text（现有全部抽取器）", ours),
        (WARM_ROW, ours_warm),
        (SAME_TASK_ROW, lambda: stages_only(texts, ref, SAME_TASK_KINDS)),
        (NO_PROJECT_ROW, lambda: stages_only(texts, ref, NO_PROJECT_KINDS)),
        ("xiangmu normalise（仅规范化视图）", norm_only),
    ]
    try:
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()

        def jieba_cut():
            n = 0
            for s in texts:
                for _ in jieba.cut(s):
                    n += 1
            return n

        contenders.append(("jieba.cut（仅分词）", jieba_cut))
    except ImportError:
        say("jieba 未安装：跳过分词对照")
    jio_note = None
    try:
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            import jionlp as jio
        base_ts = _ts(ref)
        jio.ner.extract_money(base[0])
        jio.ner.extract_time(base[0], time_base=base_ts)

        def jionlp_run():
            n = 0
            for s in texts:
                n += len(jio.ner.extract_money(s)) + len(jio.ner.extract_time(s, time_base=base_ts))
            return n

        contenders.append(("JioNLP extract_money + extract_time", jionlp_run))
    except Exception as exc:  # ImportError, or its data files missing
        jio_note = f"JioNLP 不可用（{type(exc).__name__}: {exc}）；请 pip install 'jionlp==1.5.31'"
        say(jio_note)

    measured, counts = race(contenders, rounds)
    jieba_rate = chars / measured["jieba.cut（仅分词）"] if "jieba.cut（仅分词）" in measured else None
    jio_name = "JioNLP extract_money + extract_time"
    jio_rate = chars / measured[jio_name] if jio_name in measured else None
    for name, _ in contenders:
        rate = chars / measured[name]
        rows.append([
            name,
            round(measured[name], 2),
            int(rate),
            f"{rate / jieba_rate:.2f}×" if jieba_rate else "—",
            f"{rate / jio_rate:.2f}×" if jio_rate else "—",
            counts.get(name) if name.startswith(("xiangmu extract", "JioNLP")) or name in FACT_ROWS else "",
        ])

    # the same on generated reports (different layout, more numbers per character)
    gen = []
    n = 0
    for rep in iter_reports(10_000, seed=11):
        gen.append(rep)
        n += len(rep["text"])
        if n >= target:
            break
    def ours_gen():
        n_facts = 0
        for r in gen:
            memo.clear()
            n_facts += len(extract_text(r["text"], r["reference_date"]).facts)
        return n_facts

    gen_texts = [r["text"] for r in gen]
    gen_refs = [r["reference_date"] for r in gen]
    gen_label = f"xiangmu extract_text，生成报道（{len(gen)} 篇）"
    gen_same, gen_bound = f"{SAME_TASK_ROW}，生成报道", f"{NO_PROJECT_ROW}，生成报道"
    gen_contenders: list[tuple[str, Callable[[], object]]] = [
        (gen_label, ours_gen),
        (gen_same, lambda: stages_only(gen_texts, ref, SAME_TASK_KINDS, gen_refs)),
        (gen_bound, lambda: stages_only(gen_texts, ref, NO_PROJECT_KINDS, gen_refs)),
    ]
    # jieba and JioNLP again on the generated reports, so that every ratio compares
    # rates on the same text (the two libraries' rates differ between the corpus and these)
    gen_jieba = gen_jio = None
    if "jieba.cut（仅分词）" in measured:
        gen_jieba = "jieba.cut（仅分词），生成报道"

        def jieba_gen():
            return sum(1 for s in gen_texts for _ in jieba.cut(s))

        gen_contenders.append((gen_jieba, jieba_gen))
    if jio_name in measured:
        gen_jio = "JioNLP extract_money + extract_time，生成报道"

        def jio_gen():
            return sum(
                len(jio.ner.extract_money(s)) + len(jio.ner.extract_time(s, time_base=_ts(gen_refs[i])))
                for i, s in enumerate(gen_texts)
            )

        gen_contenders.append((gen_jio, jio_gen))
    gen_seconds, gen_counts = race(gen_contenders, rounds)
    gen_rates = {label: n / dt for label, dt in gen_seconds.items()}
    g_jieba = gen_rates.get(gen_jieba) if gen_jieba else None
    g_jio = gen_rates.get(gen_jio) if gen_jio else None
    for label, _ in gen_contenders:
        r = gen_rates[label]
        rows.append([label, round(gen_seconds[label], 2), int(r),
                     f"{r / g_jieba:.2f}×" if g_jieba else "—", f"{r / g_jio:.2f}×" if g_jio else "—",
                     gen_counts[label] if not label.startswith("jieba") else ""])
    rate = gen_rates[gen_label]
    say(table(["方法", "秒", "字符/秒", "相对 jieba", "相对 JioNLP", "事实/实体数"], rows))
    say(f"\n首次调用（加载规则、词典、模型）：{warm:.2f} 秒，不计入上表。每项取 {rounds} 轮中最快一轮，各方法交替运行。"
        "\nxiangmu 各行在每篇之前清空按文本内容缓存的结果（extract.memo.clear），与不跨篇缓存的 jieba、JioNLP 同等条件；"
        "“缓存跨篇保留”一行只供参考：语料重复多次，缓存命中远高于真实批次，不用于判断目标。")

    # where the time goes, extractor by extractor
    from extract.doc import Doc

    per: dict[str, float] = {"normalise": 0.0}
    sample = texts[: max(5, len(texts) // 4)]
    for s in sample:
        memo.clear()
        t = time.perf_counter()
        doc = Doc.from_text(s)
        per["normalise"] += time.perf_counter() - t
        import datetime

        doc.reference_date = datetime.date(2023, 6, 30)
        for kind, modname in pipeline.EXTRACTORS:
            mod = pipeline._module(modname)
            if mod is None:
                continue
            t = time.perf_counter()
            doc.found[kind] = mod.extract(doc)
            per[kind] = per.get(kind, 0.0) + time.perf_counter() - t
    total = sum(per.values())
    say("\n各阶段耗时占比（" + f"{len(sample)} 篇）：\n")
    say(table(["阶段", "秒", "占比"], [[k, round(v, 3), f"{100 * v / total:.1f}%"] for k, v in
                                   sorted(per.items(), key=lambda kv: -kv[1])]))

    ours_rate = chars / measured["xiangmu extract_text（现有全部抽取器）"]
    goals = []
    if jieba_rate:
        goals.append(f"≥ 0.5× jieba：{'达到' if ours_rate >= 0.5 * jieba_rate else '未达到'}（{ours_rate / jieba_rate:.2f}×）")
    if jio_rate:
        goals.append(f"≥ 3× JioNLP：{'达到' if ours_rate >= 3 * jio_rate else '未达到'}（{ours_rate / jio_rate:.2f}×）")
    if goals:
        say("\n目标：" + "；".join(goals))
    if jio_rate:
        # what the 3× goal would need, and what is within reach of each part
        same = chars / measured[SAME_TASK_ROW] / jio_rate
        bound = chars / measured[NO_PROJECT_ROW] / jio_rate
        line = (f"相对 JioNLP（语料）：完整抽取 {ours_rate / jio_rate:.2f}×；同一任务（仅日期+金额）{same:.2f}×；"
                f"项目阶段耗时为零时的上限 {bound:.2f}×")
        if g_jio:
            line += (f"。生成报道：完整抽取 {rate / g_jio:.2f}×；同一任务 {gen_rates[gen_same] / g_jio:.2f}×；"
                     f"上限 {gen_rates[gen_bound] / g_jio:.2f}×")
        say(line)
        if jieba_rate:
            say(f"3× JioNLP 即 {3 * jio_rate:,.0f} 字符/秒，为 jieba.cut 本身速度的 {3 * jio_rate / jieba_rate:.2f} 倍。")
    if missing:
        say(f"注意：缺少抽取器 {', '.join(missing)}，完整系统会更慢；全部建成后请重新运行。")
    results["extract"] = {
        "chars": chars, "docs": len(texts), "warmup_s": warm, "seconds": measured,
        "chars_per_s": {k: chars / v for k, v in measured.items()}, "per_stage_s": per,
        "present": present, "missing": missing, "generated_chars_per_s": rate, "jionlp_note": jio_note,
        "generated": {"chars": n, "docs": len(gen), "seconds": gen_seconds,
                      "chars_per_s": gen_rates},
    }


def run_profile(args, results: dict) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        skip("profile", "pyinstrument 未安装（pip install -e '.[bench]'）")
        return
    from extract.pipeline import extract_text

    texts = repeat_to(corpus_texts(), 100_000 if args.quick else 300_000)
    for s in texts[:5]:
        extract_text(s, "2023-06-30")
    from extract import memo

    prof = Profiler(interval=0.0005)
    prof.start()
    for s in texts:
        memo.clear()  # cold, as in the throughput table
        extract_text(s, "2023-06-30")
    prof.stop()
    session = prof.last_session
    selfs: dict[str, float] = {}
    total = session.duration

    by_file: dict[str, float] = {}

    def walk(frame):
        if frame is None:
            return
        if not frame.is_synthetic:
            fp = Path(frame.file_path or "?")
            fname = f"{fp.parent.name}/{fp.name}" if fp.parent.name else fp.name
            key = f"{frame.function} ({fname}:{frame.line_no})"
            own = frame.total_self_time
            selfs[key] = selfs.get(key, 0.0) + own
            by_file[fname] = by_file.get(fname, 0.0) + own
        for c in frame.children:
            walk(c)

    walk(session.root_frame())
    top = sorted(selfs.items(), key=lambda kv: -kv[1])[:15]
    files = sorted(by_file.items(), key=lambda kv: -kv[1])[:10]
    say(f"\n## 性能剖析（pyinstrument，{sum(len(t) for t in texts):,} 字符，{total:.2f} 秒）\n")
    say(table(["函数（自身耗时）", "秒", "占比"], [[k, round(v, 3), f"{100 * v / total:.1f}%"] for k, v in top]))
    say("\n按文件汇总（自身耗时）：\n")
    say(table(["文件", "秒", "占比"], [[k, round(v, 3), f"{100 * v / total:.1f}%"] for k, v in files]))
    out = Path(args.profile_out)
    out.write_text(prof.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    say(f"\n完整调用树：{out}")
    results["profile"] = {"seconds": total, "top_self": top, "by_file": files}


# --- 2. ingestion ---------------------------------------------------------------


def _ingest_option(help_text: str, names: list[str]) -> Optional[str]:
    for n in names:
        if n in help_text:
            return n
    return None


#: Used when the ``xiangmu ingest`` command is not registered but ``db.ingest`` exists.
_INGEST_SNIPPET = (
    "import sys; from db.ingest import ingest; from db.store import open_db; "
    "s = ingest([sys.argv[1]], open_db(sys.argv[2]), workers=int(sys.argv[3])); "
    "print('added', s.count('added'), 'failed', len(s.failed))"
)


def run_ingest(args, results: dict, work: Path) -> Optional[Path]:
    help_text = cli_help("ingest")
    via = "`xiangmu ingest`"
    if help_text is None:
        try:
            import db.ingest  # noqa: F401
            import db.store  # noqa: F401
        except ImportError:
            skip("ingest", "`xiangmu ingest` 尚不存在，db/ingest.py 也没有（入库模块未建成）")
            return None
        via = "`db.ingest.ingest()`（命令 `xiangmu ingest` 尚未接入，改用其公开函数，在子进程中运行）"
        help_text = ""
    db_opt = _ingest_option(help_text, ["--db"]) if help_text else None
    workers_opt = _ingest_option(help_text, ["--workers", "--jobs", "-j"]) if help_text else None
    n = args.n or (1000 if args.quick else 10_000)
    src = work / "reports"
    t = time.perf_counter()
    write_txt(iter_reports(n, seed=args.seed), src)
    gen_s = time.perf_counter() - t
    chars = sum(p.stat().st_size for p in src.iterdir())
    say(f"\n## 入库（{n:,} 篇生成报道，{mb(chars):.1f} MB UTF-8，生成耗时 {gen_s:.1f} 秒）\n")
    say(f"经由 {via}，每次写入一个新的项目库。\n")
    rows, raw = [], {}
    last_db = None
    for workers in args.workers:
        db = work / f"registry_w{workers}.db"
        if help_text == "":
            cmd = [sys.executable, "-c", _INGEST_SNIPPET, str(src), str(db), str(workers)]
        else:
            if workers > 1 and not workers_opt:
                say(f"`xiangmu ingest` 没有 --workers 选项：跳过 {workers} 个进程")
                continue
            cmd = xiangmu_cmd() + ["ingest", str(src)]
            if db_opt:
                cmd += [db_opt, str(db)]
            if workers_opt:
                cmd += [workers_opt, str(workers)]
            if "--quiet" in help_text:
                cmd += ["--quiet"]
        env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
        log = (work / f"ingest_w{workers}.log").open("w")
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work, env=env)
        sampler = RssSampler(proc.pid, interval=0.25, db_path=db)
        sampler.start()
        try:
            rc = proc.wait(timeout=args.ingest_timeout)
        except subprocess.TimeoutExpired:
            for q in _descendants(proc.pid) + [proc.pid]:
                try:
                    os.kill(q, 9)
                except OSError:
                    pass
            proc.wait()
            rc = "超时"
        dt = time.perf_counter() - t
        sampler.stop()
        log.close()
        if help_text and not db_opt:  # the default registry location is unknown: look in the work dir
            cands = sorted(work.glob("*.db"), key=lambda p: p.stat().st_mtime)
            db = cands[-1] if cands else db
        size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) if db.exists() else 0
        tail = (work / f"ingest_w{workers}.log").read_text(errors="replace").strip().splitlines()[-3:]
        stored_s = sampler.stored_at(n)
        by_count = sampler.at_counts(n)
        store_peak = max((smp[1] for smp in sampler.samples if stored_s is None or smp[0] <= stored_s), default=0)
        rows.append([workers, round(dt, 1), round(stored_s, 1) if stored_s else "—",
                     round(n / stored_s, 1) if stored_s else "—",
                     round(dt - stored_s, 1) if stored_s else "—",
                     " → ".join(f"{mb(q):.0f}" if q else "?" for q in by_count), round(mb(store_peak)),
                     round(mb(sampler.peak)), round(mb(size), 1), rc])
        raw[workers] = {"seconds": dt, "stored_after_s": stored_s, "reconcile_s": dt - stored_s if stored_s else None,
                        "reports_per_s_stored": n / stored_s if stored_s else None, "reports_per_s_total": n / dt,
                        "peak_rss_mb": mb(sampler.peak), "peak_rss_mb_while_storing": mb(store_peak),
                        "rss_mb_at_25_50_75_100pct_stored": [mb(q) if q else None for q in by_count],
                        "rss_mb_at_10_25_50_75_95pct_time": [mb(q) for q in sampler.at_fractions()],
                        "db_mb": mb(size), "rc": rc, "log_tail": tail, "command": " ".join(cmd)}
        if rc != 0:
            say(f"进程数 {workers}：`xiangmu ingest` 退出码 {rc}：{' / '.join(tail)}")
        last_db = db if rc == 0 and db.exists() else last_db
    say(table(["进程数", "总秒数", "全部存入用时", "存入 篇/秒", "之后归并用时", "内存 MB @25/50/75/100% 已存入",
               "存入阶段峰值 MB", "总峰值 MB", "数据库 MB", "退出码"], rows))
    say("\n内存为 `xiangmu ingest` 进程及其全部子进程的 RSS 之和，每 0.25 秒采样；进度为项目库 reports 表的行数"
        "（同时只读查询）。“存入”含读文件、抽取、分词与写库；其后是整个项目库的归并（reconcile）。")
    results["ingest"] = {"n": n, "source_mb": mb(chars), "runs": raw}
    return last_db


# --- 3. queries -------------------------------------------------------------------


def run_queries(args, results: dict, db: Optional[Path]) -> None:
    if db is None:
        skip("query", "没有可查询的项目库（入库一节被跳过或失败）")
        return
    try:
        from typer.testing import CliRunner

        from db.cli import app
    except Exception as exc:
        skip("query", f"无法载入 xiangmu 命令（{exc}）")
        return
    runner = CliRunner()
    reps = 5 if args.quick else 20

    def invoke(argv):
        t = time.perf_counter()
        r = runner.invoke(app, argv, catch_exceptions=True)
        return time.perf_counter() - t, r

    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    dt, r = invoke(["projects", "--db", str(db), "--format", "json"])
    projects = []
    if r.exit_code == 0:
        try:
            projects = json.loads(r.stdout)
        except ValueError:
            projects = []
    say(f"\n## 查询延迟（项目库 {db.name}，{len(projects):,} 个项目；进程内调用，每项 {reps} 次）\n")
    plans = {
        "projects": lambda i: ["projects", "--db", str(db), "--format", "json"],
        "project": lambda i: ["project", str(projects[(i * 7919) % len(projects)]["id"]), "--db", str(db)]
        if projects else None,
        "search": lambda i: ["search", _search_term(projects, i), "--db", str(db)] if projects else None,
        "report": lambda i: ["report", "--db", str(db), "--format", "json"],
    }
    rows, raw = [], {}
    for name, plan in plans.items():
        if name not in names:
            rows.append([name, "—", "—", "—", "命令尚不存在"])
            continue
        if name == "report":  # whole-registry checks: each run in a child process, with a time and memory cap
            runs = []
            for i in range(max(1, args.report_runs)):
                rep = _guarded_run(xiangmu_cmd() + plan(i), args.report_timeout, args.rss_cap_mb)
                print(f"  report #{i + 1}: {rep['seconds'] * 1000:.0f} ms, {rep['peak_rss_mb']:.0f} MB",
                      file=sys.stderr, flush=True)
                runs.append(rep)
                if rep["status"] != "ok":
                    break
            ok = [r for r in runs if r["status"] == "ok"]
            secs = sorted(r["seconds"] for r in ok)
            raw[name] = dict(runs[-1], runs=runs)
            if secs:
                raw[name].update(n=len(secs), p50_ms=statistics.median(secs) * 1000,
                                 p95_ms=p95(secs) * 1000)
            note = f"每次一个新的子进程（含启动），峰值内存 {max(r['peak_rss_mb'] for r in runs):.0f} MB"
            if runs[-1]["status"] != "ok":
                note += f"，{runs[-1]['status']}"
            if runs[-1].get("items") is not None:
                note += f"，{runs[-1]['items']:,} 条"
            rows.append([name, len(secs), round(statistics.median(secs) * 1000) if secs else "—",
                         round(raw[name]["p95_ms"]) if secs else "—", note])
            continue
        times, err = [], ""
        for i in range(reps):
            argv = plan(i)
            if argv is None:
                err = "项目库为空"
                break
            if sum(times) > args.query_budget:
                err = f"累计超过 {args.query_budget:.0f} 秒，停止重复"
                break
            dt, r = invoke(argv)
            print(f"  {name} #{i + 1}: {dt * 1000:.0f} ms", file=sys.stderr, flush=True)
            if r.exit_code != 0:
                err = f"退出码 {r.exit_code}: {(r.stdout or '').strip()[-120:]} {r.exception or ''}".strip()
                break
            times.append(dt)
        if times:
            p50 = statistics.median(times) * 1000
            p95_ms = p95(times) * 1000
            rows.append([name, len(times), round(p50, 1), round(p95_ms, 1), err])
            raw[name] = {"n": len(times), "p50_ms": p50, "p95_ms": p95_ms}
        else:
            rows.append([name, 0, "—", "—", err])
    say(table(["命令", "次数", "p50 毫秒", "p95 毫秒", "备注"], rows))
    # what a user at the shell waits for: interpreter start + imports + query
    cold = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(xiangmu_cmd() + ["projects", "--db", str(db), "--format", "json"], capture_output=True)
        cold.append(time.perf_counter() - t)
    say(f"\n命令行冷启动 `xiangmu projects --format json`（含解释器启动与导入）：中位数 {statistics.median(cold):.2f} 秒")
    raw["cli_cold_projects_s"] = statistics.median(cold)
    results["query"] = raw


def _guarded_run(cmd: list[str], timeout: float, rss_cap_mb: float) -> dict:
    """Run ``cmd``, stopping it past ``timeout`` seconds or ``rss_cap_mb`` of memory (shared machine)."""
    out = tempfile.TemporaryFile()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
    sampler = RssSampler(proc.pid, interval=0.25)
    sampler.start()
    status = "ok"
    while proc.poll() is None:
        time.sleep(0.25)
        if time.perf_counter() - t > timeout:
            status = f"超过 {timeout:.0f} 秒被终止"
        elif sampler.samples and mb(sampler.samples[-1][1]) > rss_cap_mb:
            status = f"内存超过 {rss_cap_mb:.0f} MB 被终止"
        else:
            continue
        for q in _descendants(proc.pid) + [proc.pid]:
            try:
                os.kill(q, 9)
            except OSError:
                pass
        proc.wait()
        break
    dt = time.perf_counter() - t
    sampler.stop()
    items = None
    if status == "ok":
        status = "ok" if proc.returncode == 0 else f"退出码 {proc.returncode}"
        out.seek(0)
        try:
            items = len(json.load(out).get("items", []))
        except (ValueError, AttributeError):
            items = None
    out.close()
    return {"seconds": dt, "peak_rss_mb": mb(sampler.peak), "status": status, "items": items}


def _search_term(projects: list[dict], i: int) -> str:
    name = projects[(i * 104729) % len(projects)].get("name") or "项目"
    # a 4-character piece of the name, as a user would type
    k = (i * 31) % max(1, len(name) - 3)
    return name[k:k + 4] or name


# --- 4. beyond one machine -----------------------------------------------------------


def _extract_one(rep: dict) -> int:
    from extract.pipeline import extract_text

    return len(extract_text(rep["text"], rep["reference_date"]).facts)


def run_scale(args, results: dict, work: Optional[Path] = None) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from extract.pipeline import extract_text

    n = 300 if args.quick else 2000
    reps = generate_reports(n, seed=args.seed + 1)
    chars = sum(len(r["text"]) for r in reps)
    say(f"\n## 并行与分布式（{n:,} 篇生成报道，平均 {chars // n:,} 字符/篇）\n")
    rows, raw = [], {}
    for r in reps[:20]:
        extract_text(r["text"], r["reference_date"])
    t = time.perf_counter()
    for r in reps:
        extract_text(r["text"], r["reference_date"])
    dt = time.perf_counter() - t
    rows.append(["单进程（串行）", 1, round(dt, 1), round(n / dt, 1)])
    raw["serial"] = n / dt
    for w in args.workers:
        if w < 2:
            continue
        t = time.perf_counter()
        with ProcessPoolExecutor(w) as ex:
            list(ex.map(_extract_one, reps, chunksize=16))
        dt = time.perf_counter() - t
        rows.append([f"进程池 ProcessPoolExecutor（含启动）", w, round(dt, 1), round(n / dt, 1)])
        raw[f"pool_{w}"] = n / dt
    try:
        import dask.bag as db

        for w in args.workers:
            t = time.perf_counter()
            bag = db.from_sequence(reps, npartitions=max(w * 4, 4)).map(_extract_one)
            bag.sum().compute(scheduler="processes" if w > 1 else "synchronous", num_workers=w)
            dt = time.perf_counter() - t
            rows.append([f"Dask bag（{'processes' if w > 1 else 'synchronous'} 调度器）", w, round(dt, 1),
                         round(n / dt, 1)])
            raw[f"dask_{w}"] = n / dt
    except ImportError:
        say("dask 未安装（pip install -e '.[bench]'）：跳过 Dask 一行")
    say(table(["方式", "进程数", "秒", "篇/秒"], rows))
    per_core = raw["serial"]
    say(f"\n按单核 {per_core:.1f} 篇/秒（平均 {chars // n:,} 字符/篇）估算，只算抽取：\n")
    est = []
    for millions in (1, 10, 100):
        row = [f"{millions} 百万篇"]
        for cores in (1, 2, 16, 64, 256):
            hours = millions * 1e6 / (per_core * cores * 0.9 if cores > 1 else per_core) / 3600
            row.append(f"{hours:,.1f} 小时" if hours >= 1 else f"{hours * 60:,.0f} 分钟" if hours >= 1 / 60
                       else f"{hours * 3600:,.0f} 秒")
        est.append(row)
    say(table(["报道数", "1 核", "2 核", "16 核", "64 核", "256 核"], est))
    say("\n（多核按 90% 并行效率估算；入库写 SQLite 是单写者，见下一节。）")
    results["scale"] = {"n": n, "avg_chars": chars / n, "reports_per_s": raw}
    if work is not None:
        run_reduce(args, results, work, reps)


def _prepare_one(rep: dict) -> str:
    from db.ingest import prepare_record

    return json.dumps(prepare_record(rep), ensure_ascii=False)


def run_reduce(args, results: dict, work: Path, reps: list[dict]) -> None:
    """The two steps of a cluster run, measured here: the map step
    (``prepare_record``: extraction and search-index segmentation, a pure
    function) in a process pool, then the reduce step (``xiangmu ingest`` of
    the pre-extracted records: validation, the single SQLite writer, and the
    reconciliation) in a child process, with its memory sampled."""
    from concurrent.futures import ProcessPoolExecutor

    n = len(reps)
    w = max(args.workers)
    say(f"\n## 分布式的两步：map（抽取+分词）与 reduce（入库已抽取的记录，{n:,} 篇）\n")
    pre = work / "prepared.jsonl"
    t = time.perf_counter()
    with ProcessPoolExecutor(w) as ex, pre.open("w", encoding="utf-8") as fh:
        for line in ex.map(_prepare_one, reps, chunksize=16):
            fh.write(line + "\n")
    map_s = time.perf_counter() - t
    rows = [[f"map：prepare_record（{w} 进程）", round(map_s, 1), round(n / map_s, 1), "", "", mb(pre.stat().st_size)]]
    raw = {"map_s": map_s, "map_workers": w, "prepared_mb": mb(pre.stat().st_size)}
    for label, extra in (("reduce：ingest 已抽取记录（1 进程）", ["-j", "1"]),):
        db = work / "reduce.db"
        for q in work.glob("reduce.db*"):
            q.unlink()
        cmd = xiangmu_cmd() + ["ingest", str(pre), "--db", str(db), "--quiet", "--format", "json", *extra]
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=work)
        sampler = RssSampler(proc.pid, interval=0.25, db_path=db)
        sampler.start()
        out, _ = proc.communicate(timeout=args.ingest_timeout)
        dt = time.perf_counter() - t
        sampler.stop()
        stored_s = sampler.stored_at(n)
        try:
            summary = json.loads(out.decode("utf-8", "replace").strip().splitlines()[-1])
        except (ValueError, IndexError):
            summary = {}
        size = sum(q.stat().st_size for q in work.glob("reduce.db*"))
        rows.append([label, round(dt, 1), round(n / stored_s, 1) if stored_s else "—",
                     round(dt - stored_s, 1) if stored_s else "—", round(mb(sampler.peak)), round(mb(size), 1)])
        raw["reduce"] = {"seconds": dt, "stored_after_s": stored_s, "reports_per_s_stored": n / stored_s if stored_s else None,
                         "peak_rss_mb": mb(sampler.peak), "db_mb": mb(size), "rc": proc.returncode,
                         "facts_from_records": summary.get("facts_from_records"), "added": summary.get("added")}
    say(table(["步骤", "秒", "篇/秒", "其后归并秒", "峰值内存 MB", "输出 MB"], rows))
    red = raw["reduce"]
    say(f"\nreduce 一步存入 {red.get('added')} 篇，其中 {red.get('facts_from_records')} 篇直接采用记录中的事实（不再抽取）。"
        "单写者的存入速度就是集群能喂给一个项目库的上限。")
    results["reduce"] = raw


# --- main -------------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="xiangmu 性能基准：抽取吞吐量、入库、查询、并行")
    ap.add_argument("--quick", action="store_true", help="小规模快速运行（几分钟）")
    ap.add_argument("--sections", default="extract,ingest,query,scale",
                    help=f"要运行的部分，逗号分隔：{','.join(SECTIONS)}")
    ap.add_argument("--profile", action="store_true", help="同时用 pyinstrument 剖析抽取")
    ap.add_argument("--profile-out", default=str(ROOT / "benchmarks" / "profile.txt"))
    ap.add_argument("-n", type=int, default=0, help="入库报道篇数（默认 10000，--quick 时 1000）")
    ap.add_argument("--workers", default="1,2", help="入库/并行的进程数列表，如 1,2")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--report-timeout", type=float, default=300, help="`xiangmu report` 的时间上限（秒）")
    ap.add_argument("--rss-cap-mb", type=float, default=6000, help="`xiangmu report` 的内存上限（MB），超过则终止")
    ap.add_argument("--report-runs", type=int, default=3, help="`xiangmu report` 运行几次（取中位数与 p95）")
    ap.add_argument("--query-budget", type=float, default=120, help="每个查询命令重复测量的总时间上限（秒）")
    ap.add_argument("--ingest-timeout", type=float, default=3600, help="每次入库的时间上限（秒），超时则终止")
    ap.add_argument("--keep", help="把生成的报道和项目库留在这个目录（默认用临时目录并删除）")
    ap.add_argument("--json", help="把原始数字写入这个 JSON 文件")
    args = ap.parse_args(argv)
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    if args.profile and "profile" not in sections:
        sections.insert(1, "profile")
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        ap.error(f"未知的部分：{', '.join(sorted(unknown))}")

    info = machine()
    results: dict = {"machine": info, "command": " ".join(["python", "benchmarks/bench.py"] + (argv or sys.argv[1:]))}
    say("# xiangmu 基准测试\n")
    say(f"机器：{info['nproc']} 核 {info['cpu']}，内存 {info['memory_gb']} GB，Python {info['python']}，"
        f"{info['platform']}；开始时负载 {', '.join(f'{x:.2f}' for x in info['loadavg'] or [])}")
    say(f"命令：`{results['command']}`")

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="xiangmu-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if "extract" in sections:
            run_extraction(args, results)
        if "profile" in sections:
            run_profile(args, results)
        db = None
        if "ingest" in sections:
            db = run_ingest(args, results, work)
        if "query" in sections:
            if db is None and "ingest" not in sections:
                cands = sorted(work.glob("registry_w*.db"))
                db = cands[0] if cands else None
            run_queries(args, results, db)
        if "scale" in sections:
            run_scale(args, results, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
