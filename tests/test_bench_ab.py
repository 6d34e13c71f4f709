"""``benchmarks/ab.py`` times a checkout in a fresh process and prints the comparison table."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks import ab  # noqa: E402


def test_compares_two_checkouts(capsys):
    ab.main([str(ROOT), str(ROOT), "--rounds", "1", "--generated", "2", "--chars", "1"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("| 旧", "| 新"))]
    assert len(rows) == 2
    for row in rows:
        rates = [int(x.replace(",", "")) for x in re.findall(r"\| ([\d,]+) ", row + " ")]
        assert len(rates) == 2 and all(r > 0 for r in rates)
    assert re.search(r"语料：新/旧 每轮 [\d.]+；中位数 [\d.]+×", out)
