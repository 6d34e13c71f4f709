"""Before/after speed of two checkouts of xiangmu, for speed work.

    python benchmarks/ab.py OLD_CHECKOUT NEW_CHECKOUT [--rounds 6] [--generated 300]

(``git worktree add /tmp/old <rev>`` gives an old checkout.) Each round runs the
old and then the new code in a fresh process of this interpreter: rules and
models loaded first, then CPU seconds (``time.process_time``) of cold extraction
(``extract.memo.clear()`` before every report) of the corpus repeated to ~1 MB and
of generated reports. Alternating in fresh processes is what makes the figures
comparable on a noisy machine; the table gives medians and the per-round ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

# run in the child: ROOT on sys.path first, so the checkout's own code is imported
CHILD = r"""
import sys, time
root = sys.argv[1]
sys.path.insert(0, root)
from pathlib import Path
from extract import memo
from extract.pipeline import extract_text
from benchmarks.generate import generate_reports
base = [p.read_text(encoding="utf-8") for p in sorted(Path(root, "corpus", "articles").glob("*.txt"))]
texts = base * max(1, int(sys.argv[3]) // sum(map(len, base)))
gen = [r["text"] for r in generate_reports(int(sys.argv[2]), seed=11)]
for s in base:
    extract_text(s, "2023-06-30")
def rate(ts):
    t = time.process_time()
    for s in ts:
        memo.clear()
        extract_text(s, "2023-06-30")
    return sum(map(len, ts)) / (time.process_time() - t)
print(round(rate(texts)), round(rate(gen)))
"""


def measure(root: Path, generated: int, chars: int = 1_000_000) -> tuple[int, int]:
    """(corpus chars/s, generated-report chars/s) of the checkout at ``root``, in a fresh process."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(root), str(generated), str(chars)],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[-2]), int(out[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="两个版本的抽取速度对比（交替运行，CPU 时间，冷缓存）")
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--generated", type=int, default=300, help="生成报道篇数")
    ap.add_argument("--chars", type=int, default=1_000_000, help="语料重复到约多少字符")
    args = ap.parse_args(argv)
    old, new = [], []
    for i in range(args.rounds):
        old.append(measure(args.old, args.generated, args.chars))
        new.append(measure(args.new, args.generated, args.chars))
        print(f"第 {i + 1} 轮：旧 {old[-1]}，新 {new[-1]}", file=sys.stderr)
    print("| 版本 | 语料 字符/秒（中位数） | 生成报道 字符/秒（中位数） |")
    print("| --- | --- | --- |")
    for name, rows in (("旧 " + str(args.old), old), ("新 " + str(args.new), new)):
        print(f"| {name} | {statistics.median(r[0] for r in rows):,.0f} | {statistics.median(r[1] for r in rows):,.0f} |")
    for k, what in ((0, "语料"), (1, "生成报道")):
        ratios = [n[k] / o[k] for o, n in zip(old, new)]
        print(f"\n{what}：新/旧 每轮 {', '.join(f'{r:.2f}' for r in ratios)}；中位数 {statistics.median(ratios):.2f}×")


if __name__ == "__main__":
    main()
