"""A batch of hostile files: each failure is named with a reason, nothing else is lost.

The batch (made in tmp_path, cheaply): random binary data, a 0-byte file, a
file of only a BOM and blanks, a 50 MB sparse file, UTF-8 mixed with GB18030,
a zip archive and a PDF renamed .txt, an HTML page with scripts, a directory
named x.txt, a symlink loop, next to good reports in UTF-8, GB18030, UTF-16 and
UTF-8 with BOM and CRLF.

Loader level (:func:`extract.reports.load_report`) runs now; the ingest level
(``xiangmu ingest``) runs as soon as that command is registered and is skipped
with a message until then.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import random
import re
import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import front_matter_text, generate_reports  # noqa: E402
from extract.loader import LoadError  # noqa: E402
from extract.reports import load_report  # noqa: E402

ARTICLES = sorted((ROOT / "corpus" / "articles").glob("*.txt"))
HUGE = 50 * 1024 * 1024
SCRIPT_MARK = "alert('恶意脚本')"


def _has_html() -> bool:
    try:
        import extract.html  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def make_batch(d: Path) -> dict[str, str | None]:
    """Write the batch into ``d``; return file name -> expected LoadError code (None = loads)."""
    d.mkdir(parents=True, exist_ok=True)
    a = ARTICLES[0].read_text(encoding="utf-8")
    b = ARTICLES[1].read_text(encoding="utf-8")
    c = ARTICLES[4].read_text(encoding="utf-8")
    e = ARTICLES[2].read_text(encoding="utf-8")
    expect: dict[str, str | None] = {}

    def put(name, data: bytes, code):
        (d / name).write_bytes(data)
        expect[name] = code

    put("good_utf8.txt", a.encode("utf-8"), None)
    put("good_gb18030.txt", b.encode("gb18030"), None)
    put("good_bom_crlf.txt", codecs.BOM_UTF8 + c.replace("\n", "\r\n").encode("utf-8"), None)
    put("good_utf16.txt", codecs.BOM_UTF16_LE + e.encode("utf-16-le"), None)
    put("good_generated.txt", front_matter_text(generate_reports(1, seed=4)[0]).encode("utf-8"), None)

    rnd = random.Random(7)
    put("binary.txt", bytes(rnd.randrange(256) for _ in range(4096)), "binary")
    put("empty.txt", b"", "empty")
    put("blank.txt", codecs.BOM_UTF8 + b" \r\n\t\n  \n", "empty")
    mixed = a[:2000].encode("utf-8") + b[:2000].encode("gb18030") + a[2000:3000].encode("utf-8")
    put("mixed_encoding.txt", mixed, "undecodable")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document>" + a[:500] + "</w:document>")
    put("archive.txt", buf.getvalue(), "binary")
    put("scan.txt", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "binary")
    put("nul_in_utf8.txt", a[:500].encode("utf-8") + b"\x00" * 64 + a[500:900].encode("utf-8"), "binary")

    huge = d / "huge.txt"
    with huge.open("wb") as fh:  # sparse: costs no disk and no time
        fh.write("郑州高新区".encode("utf-8"))
        fh.truncate(HUGE)
    expect["huge.txt"] = "too_large"

    (d / "folder.txt").mkdir()
    expect["folder.txt"] = "unreadable"
    try:
        os.symlink(d / "loop_b.txt", d / "loop_a.txt")
        os.symlink(d / "loop_a.txt", d / "loop_b.txt")
        expect["loop_a.txt"] = "unreadable"
        expect["loop_b.txt"] = "unreadable"
    except (OSError, NotImplementedError):  # pragma: no cover - no symlinks here
        pass
    page = (
        "<!DOCTYPE html><html><head><title>郑州高新区项目集中开工</title>"
        f"<script>{SCRIPT_MARK};document.write('总投资999亿元')</script><style>p{{color:red}}</style></head>"
        "<body><div class='article'><p>6月21日，郑州高新区基础设施项目集中开工，总投资22.5亿元。</p>"
        f"<script type='text/javascript'>{SCRIPT_MARK}</script><p>河南鼎盛建筑科技产业园项目正式开工。</p></div>"
        "</body></html>"
    )
    put("page.html", page.encode("utf-8"), None)
    return expect


@pytest.fixture
def batch(tmp_path):
    d = tmp_path / "incoming"
    return d, make_batch(d)


def test_loader_names_every_failure(batch, monkeypatch):
    d, expect = batch
    read_paths = []
    real_read_bytes = Path.read_bytes

    def spy(self):
        read_paths.append(self.name)
        if self.name == "huge.txt":
            raise AssertionError("the 50 MB file was read instead of being rejected by its size")
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    for name, code in sorted(expect.items()):
        path = d / name
        if name == "page.html" and not _has_html():
            continue
        if code is None:
            rep = load_report(path)
            assert rep.text.strip(), name
            assert "\r" not in rep.text and not rep.text.startswith("\ufeff"), name
            continue
        with pytest.raises(LoadError) as ei:
            load_report(path)
        e = ei.value
        assert e.code == code, (name, e.code, e.reason)
        assert name in str(e), str(e)
        assert re.search(r"[\u4e00-\u9fff]", e.reason), e.reason  # the reason is in Chinese
    assert "huge.txt" not in read_paths


def test_good_files_decode_to_their_text(batch):
    d, _ = batch
    a = ARTICLES[0].read_text(encoding="utf-8")
    assert load_report(d / "good_utf8.txt").text == a
    assert load_report(d / "good_gb18030.txt").text == ARTICLES[1].read_text(encoding="utf-8")
    assert load_report(d / "good_bom_crlf.txt").text == ARTICLES[4].read_text(encoding="utf-8")
    assert load_report(d / "good_utf16.txt").text == ARTICLES[2].read_text(encoding="utf-8")
    gen = load_report(d / "good_generated.txt")
    assert gen.date is not None and gen.title


@pytest.mark.skipif(not _has_html(), reason="extract/html.py not built yet: HTML reports cannot be loaded")
def test_html_scripts_are_dropped(batch):
    d, _ = batch
    rep = load_report(d / "page.html")
    assert "22.5亿元" in rep.text
    assert "alert" not in rep.text and "999亿元" not in rep.text and "color:red" not in rep.text


def test_extraction_survives_the_good_files(batch):
    from extract.pipeline import extract_text

    d, expect = batch
    for name, code in expect.items():
        if code is None and name.endswith(".txt"):
            rep = load_report(d / name)
            res = extract_text(rep.text, rep.date)
            for f in res.facts:
                assert rep.text[f.start:f.end] == f.text


# --- ingest level -----------------------------------------------------------------


def _commands() -> set[str]:
    try:
        from db.cli import app
    except Exception:  # pragma: no cover - the CLI itself broken
        return set()
    return {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}


def _stored_paths(db: Path) -> list[str]:
    """Paths of the reports in the registry, by `xiangmu articles` or straight from SQLite."""
    from typer.testing import CliRunner

    from db.cli import app

    if "articles" in _commands():
        r = CliRunner().invoke(app, ["articles", "--db", str(db), "--format", "json"])
        if r.exit_code == 0:
            try:
                rows = json.loads(r.stdout)
                return [row.get("path", "") for row in rows]
            except ValueError:
                pass
    con = sqlite3.connect(db)
    try:
        paths = []
        for (table,) in con.execute("select name from sqlite_master where type='table'"):
            cols = [c[1] for c in con.execute(f"pragma table_info('{table}')")]
            if "path" in cols and "text" in cols:
                paths += [p for (p,) in con.execute(f"select path from '{table}'")]
        return paths
    finally:
        con.close()


@pytest.mark.skipif("ingest" not in _commands(), reason="`xiangmu ingest` not registered yet (db/commands.py)")
def test_ingest_names_each_failure_and_keeps_the_rest(batch, tmp_path):
    from typer.testing import CliRunner

    from db.cli import app

    d, expect = batch
    db = tmp_path / "registry.db"
    r = CliRunner().invoke(app, ["ingest", str(d), "--db", str(db), "--format", "json", "--quiet"])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output
    summary = json.loads(r.stdout[r.stdout.index("{"):])
    failed = {Path(f["path"]).name: f for f in summary["failed"]}
    for name, code in expect.items():
        if code is None or name == "folder.txt":  # a directory may simply be walked into
            continue
        assert name in failed, f"{name} failed without being named: {summary}"
        assert failed[name]["code"] == code, failed[name]
        assert re.search(r"[\u4e00-\u9fff]", failed[name]["reason"]), failed[name]
    stored = [Path(p).name for p in _stored_paths(db)]
    good = [n for n, c in expect.items() if c is None and (n != "page.html" or _has_html())]
    for name in good:
        assert name in stored, f"{name} was lost: stored {stored}, summary {summary}"
    assert not set(stored) & {n for n, c in expect.items() if c is not None}
    assert summary["added"] == len(good)
