"""The console in a real headless Chromium: the approval flow and the incident page.

Screenshots go to `artifacts/screenshots/`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.consolefixture import Setup, console_setup
from tests.server.serverproc import ROOT

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"
    ),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    yield from console_setup(tmp_path_factory.mktemp("browser"))


def test_approval_flow_and_incident_page(setup: Setup) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    SHOTS.mkdir(parents=True, exist_ok=True)
    assert setup.download("evilpkg", "dev").status_code == 403
    for env in ("ci-a", "ci-b"):
        assert setup.download("goodpkg", env).status_code == 200
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            http_credentials={"username": "alice", "password": setup.tokens["approver"]}
        )
        page = context.new_page()
        page.goto(setup.server.url + "/console/quarantine")
        assert "evilpkg" in page.content()
        page.screenshot(path=str(SHOTS / "quarantine.png"), full_page=True)
        page.get_by_label("Reason").first.fill("reviewed in the browser")
        page.get_by_role("button", name="Approve").first.click()
        page.wait_for_url("**/console/quarantine?done=*")
        assert "approved" in page.get_by_role("status").inner_text()
        page.screenshot(path=str(SHOTS / "approved.png"), full_page=True)
        page.goto(setup.server.url + "/console/audit")
        assert "reviewed in the browser" in page.content()
        page.screenshot(path=str(SHOTS / "audit.png"), full_page=True)
        assert setup.download("evilpkg", "dev").status_code == 200
        time.sleep(0.6)
        page.goto(setup.server.url + "/console/incident")
        page.get_by_label("Release (NAME==VERSION or NAME)").fill("evilpkg==1.0")
        page.get_by_role("button", name="Look up").click()
        page.wait_for_selector("#checklist")
        text = page.content()
        assert page.locator("#checklist + ul li strong").count() >= 1
        assert "dev" in text
        page.screenshot(path=str(SHOTS / "incident.png"), full_page=True)
        page.goto(setup.server.url + "/console/packages/evilpkg")
        page.screenshot(path=str(SHOTS / "package.png"), full_page=True)
        assert "<pre>" in page.content()
        browser.close()
