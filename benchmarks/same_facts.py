"""Guard for speed work: do the extractors still give exactly the same facts?

Extracts a fixed set of texts (every report under ``corpus/``, generated
reports, and seeded mutations of both: line breaks, full-width digits, lone
units, long numeral runs …) and writes every fact as JSON, one line per text.
Run it before a change with ``--write``, after it with ``--check``::

    python benchmarks/same_facts.py --write /tmp/facts_before.jsonl
    python benchmarks/same_facts.py --check /tmp/facts_before.jsonl

``--check`` prints the first differences and exits with 1 when any text's facts
differ. Nothing here is tuned on: the held-out reports are only compared with
themselves.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_MUTATIONS = ["\n", "１２", "亿元", "万元", "%", "（", "）", "二〇二三年", "9" * 12, "正月初七", "1-5月", "，", "个项目"]


def _mutate(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(max(1, len(chars) // 200)):
        i = rng.randrange(len(chars) + 1)
        chars.insert(i, rng.choice(_MUTATIONS))
    return "".join(chars)


def texts(n_generated: int = 200, seed: int = 11) -> Iterator[tuple[str, str, Optional[str]]]:
    """``(id, text, reference_date)`` of every text compared."""
    from extract.loader import read_file

    from benchmarks.generate import iter_reports

    rng = random.Random(seed)
    files = sorted(p for p in (ROOT / "corpus").rglob("*.txt") if "tools" not in p.parts)
    for p in files:
        t = read_file(p).text
        rel = str(p.relative_to(ROOT))
        yield rel, t, None
        yield rel + "#given", t, "2023-06-30"
        yield rel + "#mutated", _mutate(t, rng), "2023-06-30"
    for rep in iter_reports(n_generated, seed=seed):
        yield rep["id"], rep["text"], rep.get("reference_date")
        if rng.random() < 0.25:
            yield rep["id"] + "#mutated", _mutate(rep["text"], rng), rep.get("reference_date")


def run(n_generated: int) -> Iterator[dict]:
    from extract.pipeline import extract_text

    for tid, text, ref in texts(n_generated):
        res = extract_text(text, ref)
        yield {
            "id": tid,
            "reference_date": res.reference_date.isoformat() if res.reference_date else None,
            "facts": [f.model_dump(mode="json") for f in res.facts],
        }


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", help="write the facts to this JSONL file")
    g.add_argument("--check", help="compare with the facts in this JSONL file")
    ap.add_argument("-n", type=int, default=200, help="generated reports (default 200)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.write:
        n = 0
        with open(args.write, "w", encoding="utf-8") as fh:
            for rec in run(args.n):
                fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
                n += 1
        print(f"wrote {n} texts in {time.perf_counter() - t0:.1f} s")
        return 0
    with open(args.check, encoding="utf-8") as fh:
        before = {r["id"]: r for r in map(json.loads, fh)}
    n = bad = 0
    for rec in run(args.n):
        n += 1
        old = before.get(rec["id"])
        rec = json.loads(json.dumps(rec, ensure_ascii=False, sort_keys=True))
        if old == rec:
            continue
        bad += 1
        if bad <= 5:
            print(f"DIFFERENT: {rec['id']}")
            if old is None:
                print("  (not in the baseline)")
                continue
            a = {json.dumps(f, ensure_ascii=False, sort_keys=True) for f in old["facts"]}
            b = {json.dumps(f, ensure_ascii=False, sort_keys=True) for f in rec["facts"]}
            for f in sorted(a - b)[:3]:
                print("  - " + f[:300])
            for f in sorted(b - a)[:3]:
                print("  + " + f[:300])
    print(f"{n} texts compared, {bad} different, {time.perf_counter() - t0:.1f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
