"""The HTML report as a reader sees it: rendered by headless Chromium.

Needs Debian's ``chromium`` package (``apt-get install -y chromium``; a CJK
font such as ``fonts-wqy-microhei`` makes the screenshot readable). The page
and its screenshot are kept under ``test-artifacts/`` for a person to look at.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from db.checks import run_checks
from db.checks.evaluate import reports_from_gold
from db.report import render_html

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)

pytestmark = pytest.mark.skipif(BROWSER is None, reason="chromium 未安装（apt-get install -y chromium），跳过浏览器渲染测试")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    reports, projects = reports_from_gold(ROOT / "corpus" / "gold")
    items = run_checks(reports, projects)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "report.html"
    path.write_text(render_html(items, reports, generated="测试", source="corpus/gold"), encoding="utf-8")
    profile = tmp_path_factory.mktemp("chromium-profile")
    return path, items, profile


def _run(args, profile):
    return subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def test_rendered_dom(page):
    path, items, profile = page
    res = _run(["--dump-dom", path.as_uri()], profile)
    dom = res.stdout
    assert "<title>项目库一致性检查报告</title>" in dom, res.stderr[-500:]
    # summary: totals by severity, as rendered
    n_err = sum(1 for it in items if it.severity == "error")
    assert re.search(rf'class="total error"[^>]*data-count="{n_err}"', dom)
    assert "分项之和与总数不符" in dom and "同一稿件的不同版本" in dom
    # an item's conflicting figures are highlighted
    assert "<mark>347个</mark>" in dom and "<mark>173个</mark>" in dom
    assert "<mark>突破290亿元</mark>" in dom
    # every item is on the page
    assert dom.count('<section class="item') == len(items)


def test_screenshot(page):
    path, _, profile = page
    shot = ARTIFACTS / "report.png"
    if shot.exists():
        shot.unlink()
    res = _run([f"--screenshot={shot}", "--window-size=1280,2000", path.as_uri()], profile)
    assert shot.exists() and shot.stat().st_size > 20_000, res.stderr[-500:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
