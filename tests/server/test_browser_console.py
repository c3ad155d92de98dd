"""The console in a real headless Chromium: the approval flow, the incident page, and a
manual block from the package page (driven with the keyboard) that opens an incident.

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


def test_block_from_the_console_opens_an_incident(setup: Setup) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    SHOTS.mkdir(parents=True, exist_ok=True)
    for env in ("build-x", "build-y"):
        assert setup.download("goodpkg", env).status_code == 200  # goodpkg 2.0
    time.sleep(0.6)  # the install log writes in batches
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            http_credentials={"username": "root", "password": setup.tokens["admin"]}
        )
        page = context.new_page()
        page.goto(setup.server.url + "/console/packages/goodpkg")
        # From the version field on, keyboard only: Tab follows the visual order. (Headless
        # Chromium ignores synthetic access keys, so the `b` key is checked, not pressed.)
        version = page.get_by_label("Version")
        assert version.get_attribute("accesskey") == "b"
        version.focus()
        page.keyboard.type("2.0")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "block-reason"
        page.keyboard.type("maintainer account taken over")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Block release"
        page.screenshot(path=str(SHOTS / "block-form.png"), full_page=True)
        page.keyboard.press("Enter")
        page.wait_for_url("**/console/packages/goodpkg?done=*")
        assert "opened an incident" in page.get_by_role("status").inner_text()
        page.screenshot(path=str(SHOTS / "blocked.png"), full_page=True)
        page.locator("#incidents + table").get_by_role("link", name="goodpkg==2.0").click()
        page.wait_for_selector("#checklist")
        environments = page.locator("#environments + table").inner_text()
        assert "build-x" in environments
        assert "build-y" in environments
        assert "blocked: maintainer account taken over" in page.content()
        page.screenshot(path=str(SHOTS / "block-incident.png"), full_page=True)
        page.goto(setup.server.url + "/console/audit")
        row = page.get_by_role("row").filter(has_text="block-manual")
        assert "maintainer account taken over" in row.inner_text()
        browser.close()
    assert setup.download("goodpkg", "build-z").status_code == 200
    assert "goodpkg-1.0-" in str(setup.download("goodpkg", "build-z").url)  # 2.0 is refused
