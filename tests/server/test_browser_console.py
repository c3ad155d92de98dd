"""The console in a real headless Chromium: the approval flow, the incident page, a
manual block from the package page (driven with the keyboard) that opens an incident,
the morning dashboard with its charts, the package search, hidden files, hostile
markup shown as text, and the error pages.

Screenshots go to `$PYCUSTOMS_TEST_ARTIFACTS/screenshots/` (default: `artifacts/` in the
repository, which git ignores): the directory to keep as an artifact.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.consolefixture import HOSTILE, Setup, console_setup
from tests.server.serverproc import ROOT

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("PYCUSTOMS_TEST_ARTIFACTS") or ROOT / "artifacts") / "screenshots"
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


def test_morning_dashboard_search_and_hidden_files(setup: Setup) -> None:
    from playwright.sync_api import ConsoleMessage, Dialog, sync_playwright  # noqa: PLC0415

    SHOTS.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(IndexError):  # already hidden if an earlier test fetched it
        assert setup.download("xsspkg", "nightly").status_code == 403
    assert setup.download("freshpkg", "nightly").status_code == 200  # 1.0; 2.0 is too new
    assert setup.download("goodpkg", "laptop-3").status_code == 200
    time.sleep(0.6)  # the install log writes in batches
    block = {"project": "freshpkg", "version": "1.0", "reason": "typosquat reported by CERT"}
    assert setup.post("/api/v1/blocks", "admin", block).status_code == 200
    dialogs: list[str] = []
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            http_credentials={"username": "rita", "password": setup.tokens["reader"]},
            viewport={"width": 1280, "height": 900},
        )
        page = context.new_page()

        def on_dialog(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        def on_console(message: ConsoleMessage) -> None:
            # A CSP violation is reported here; the 404 page's own status is expected.
            if message.type == "error" and "Failed to load resource" not in message.text:
                problems.append(message.text)

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.goto(setup.server.url + "/console/")
        # The stylesheet applies: its hash is in the CSP (no 'unsafe-inline').
        header = page.locator("header").evaluate("e => getComputedStyle(e).backgroundColor")
        assert header == "rgb(17, 34, 51)"
        for name in ("Installs", "Releases blocked", "Files quarantined"):
            chart = page.get_by_role("img", name=re.compile(f"^{name} per day"))
            assert chart.count() == 1, name
            assert chart.locator("rect").count() == 14
        caption = page.locator("#chart-installs figcaption").inner_text()
        assert int(re.search(r": (\d+) in 14 days", caption).group(1)) >= 2  # type: ignore[union-attr]
        assert "typosquat reported by CERT" in page.locator("#reasons + table").inner_text()
        exposed = page.locator("#exposure ~ table").inner_text()
        assert "nightly" in exposed
        assert "freshpkg==1.0" in exposed
        assert page.locator("time").count() > 0
        page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
        # The numbers behind a chart, without a mouse: open its <details> from the keyboard.
        page.locator("#chart-installs summary").focus()
        page.keyboard.press("Enter")
        assert page.locator("#chart-installs details table").is_visible()
        # Search from the header, then open a package from the list.
        page.get_by_label("Search packages").fill("PKG")
        page.keyboard.press("Enter")
        page.wait_for_url("**/console/packages?q=PKG")
        listed = page.locator("main table").inner_text()
        for project in ("freshpkg", "goodpkg", "xsspkg"):
            assert project in listed
        page.get_by_label("Order").select_option("flagged")
        page.get_by_role("button", name="Search").last.click()
        page.wait_for_url("**/console/packages?q=PKG&sort=flagged")
        page.screenshot(path=str(SHOTS / "packages.png"), full_page=True)
        page.get_by_role("link", name="freshpkg", exact=True).click()
        page.wait_for_url("**/console/packages/freshpkg")
        hidden = page.locator("#hidden").inner_text()
        assert "freshpkg-2.0-py3-none-any.whl" in hidden
        assert "policy/cooldown" in hidden
        assert "typosquat reported by CERT" in hidden  # 1.0, blocked by hand
        page.screenshot(path=str(SHOTS / "package-hidden.png"), full_page=True)
        # A finding's snippet carrying markup is shown as text; no script runs.
        page.goto(setup.server.url + "/console/packages/xsspkg")
        snippet = page.locator("ul.findings pre").first.inner_text()
        assert HOSTILE in snippet
        assert page.locator("script").count() == 0
        page.screenshot(path=str(SHOTS / "package-findings-hostile.png"), full_page=True)
        # Errors are pages, not JSON, for a browser.
        missing = page.goto(setup.server.url + "/console/no-such-page")
        assert missing is not None
        assert missing.status == 404
        assert page.get_by_role("heading", level=1).inner_text() == "404 · Not found"
        page.screenshot(path=str(SHOTS / "error-404.png"), full_page=True)
        browser.close()
    assert dialogs == []
    assert problems == []


def test_a_wrong_token_gets_a_sign_in_page(setup: Setup) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        # What a person sees after typing a wrong token into the browser's prompt.
        context = browser.new_context(
            http_credentials={"username": "rita", "password": "not-a-token"}
        )
        page = context.new_page()
        answer = page.goto(setup.server.url + "/console/")
        assert answer is not None
        assert answer.status == 401
        assert "Sign in with a console token" in page.locator("main").inner_text()
        page.screenshot(path=str(SHOTS / "error-401.png"), full_page=True)
        browser.close()
