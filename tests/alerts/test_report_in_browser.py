"""The HTML report in a real browser: headless Chromium renders it, no script from
article text runs, the page logs nothing to the console, and a screenshot is kept in
test-artifacts/ for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import lxml.html
import pytest

from alerts import ReportData, render_html
from facts.model import Alert, ChangeKind, Severity, Source

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HOSTILE = (
    "<script>document.title='pwned'</script>"
    "<img src=x onerror=\"document.title='pwned-img'\">"
    "<svg><a xlink:href=\"javascript:document.title='pwned-svg'\">x</a></svg>"
    '<a href="java&#x09;script:alert(1)">link</a>'
)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"
)


def _chromium(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                "--enable-logging=stderr", "--v=0", *extra, page.as_uri(),
            ],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def _report() -> str:
    source = Source(
        url="javascript:alert(1)", outlet=f"Outlet {HOSTILE}", published=date(2025, 12, 5),
        quote=f"Trade rose {HOSTILE}", fact_id="f_0000000000000000",
    )  # fmt: skip
    alert = Alert(
        id="a_0000000000000000", topic="t", kind=ChangeKind.FIGURE_CHANGED,
        severity=Severity.HIGH, subject=f"bilateral trade {HOSTILE}", key="figure|x|money|target",
        summary=f"bilateral trade: $100 billion → $150 billion {HOSTILE}",
        baseline_value="$100 billion", baseline_quote=f"The aim is $100 billion {HOSTILE}",
        observed_value="$150 billion", observed_quote=f"Now it is $150 billion {HOSTILE}",
        source=source,
    )  # fmt: skip
    data = ReportData(
        topic="t", title=f"Report {HOSTILE}", generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        alerts=[alert], confirmations=[("bilateral trade", 2)], sources_ok=["https://feed.example/rss"],
        source_errors=[(f"https://feed.example/{HOSTILE}", f"HTTP 500 {HOSTILE}")],
        articles_new=1, facts_new=2,
    )  # fmt: skip
    return render_html(data)


def test_the_detector_sees_a_script_that_runs(tmp_path: Path) -> None:
    """Control: the same harness does see a page whose script runs and logs."""
    page = tmp_path / "control.html"
    page.write_text(
        "<!doctype html><title>ok</title><script>document.title='pwned';"
        "console.error('ran')</script>",
        encoding="utf-8",
    )
    result = _chromium(page, "--dump-dom")
    assert "<title>pwned</title>" in result.stdout
    assert _console(result.stderr)


def test_report_renders_with_no_script_and_no_console_errors(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(_report(), encoding="utf-8")
    dom = _chromium(page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    title = dom.stdout.split("<title>", 1)[1].split("</title>", 1)[0]
    # Cleaned text (alerts.escape.clean_text), not rewritten by a script.
    assert title.startswith("Report ") and "pwned" not in title and "&lt;" not in title
    tree = lxml.html.fromstring(dom.stdout)
    assert not tree.xpath("//script | //img | //svg | //iframe | //form | //object | //embed")
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name.lower() in ("href", "src", "xlink:href", "action"):
                assert value.startswith(("http://", "https://", "#")), value
    assert "$150 billion" in dom.stdout
    assert _console(dom.stderr) == []

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    taken = _chromium(page, f"--screenshot={shot}", "--window-size=1200,1600")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank image
    assert _console(taken.stderr) == []
