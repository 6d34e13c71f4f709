"""The contradiction report is the same whatever Python's hash seed: no item,
evidence list or detail takes its order from a set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from db import store
from db.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent


def test_report_json_does_not_depend_on_the_hash_seed(tmp_path):
    dbp = tmp_path / "r.db"
    db = store.open_db(dbp)
    summary = ingest([ROOT / "corpus" / "articles"], db, workers=1)
    assert summary.count("added") == 5
    db.close()
    outs = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"r{seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run([sys.executable, "-m", "db.cli", "report", "--db", str(dbp), "--format", "json",
                            "-o", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode in (0, 1), r.stderr
        outs.append(out.read_text(encoding="utf-8"))
    assert '"role_change"' in outs[0]  # the corpus has a person with two sets of titles
    assert outs[0] == outs[1] == outs[2]
