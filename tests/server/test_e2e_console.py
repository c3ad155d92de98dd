"""The console's admin API against a real server: roles, quarantine, incidents, webhooks, audit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pycustoms.cli import main
from tests.server.consolefixture import Setup, console_setup

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    yield from console_setup(tmp_path_factory.mktemp("console"))


def _wait(check: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def test_roles_are_enforced(setup: Setup) -> None:
    assert setup.get("/api/v1/quarantine", "install").status_code == 403
    assert setup.get("/api/v1/quarantine", "reader").status_code == 200
    body = {"reason": "looks fine"}
    zero = "0" * 64
    assert setup.post(f"/api/v1/quarantine/{zero}/approve", "reader", body).status_code == 403
    assert setup.post(f"/api/v1/quarantine/{zero}/approve", "approver", body).status_code == 404
    blocked = {"project": "goodpkg", "version": "9", "reason": "x"}
    assert setup.post("/api/v1/blocks", "approver", blocked).status_code == 403
    schema = setup.get("/api/v1/openapi.json").json()
    assert "/api/v1/incident" in schema["paths"]


def test_quarantine_approve_then_served(setup: Setup) -> None:
    assert setup.download("evilpkg", "dev-laptop").status_code == 403
    queue = setup.get("/api/v1/quarantine").json()
    item = next(q for q in queue if q["project"] == "evilpkg")
    done = setup.post(
        f"/api/v1/quarantine/{item['sha256']}/approve", "approver", {"reason": "vetted sample"}
    )
    assert done.status_code == 200, done.text
    assert setup.download("evilpkg", "dev-laptop").status_code == 200
    audit = setup.get("/api/v1/audit").json()
    entry = next(a for a in audit if a["action"] == "quarantine-approve")
    assert (entry["actor"], entry["reason"]) == ("alice", "vetted sample")


def test_manual_block_opens_incident_and_notifies(setup: Setup, tmp_path: Path) -> None:
    for env in ("build-1", "build-2", "build-1"):
        assert setup.download("goodpkg", env).status_code == 200
    time.sleep(0.6)  # the install log writes in batches
    block = {"project": "goodpkg", "version": "2.0", "reason": "maintainer account taken over"}
    answer = setup.post("/api/v1/blocks", "admin", block)
    assert answer.status_code == 200, answer.text
    assert answer.json()["incident"]["environments"] == ["build-1", "build-2"]
    after = setup.download("goodpkg", "build-3")  # 2.0 is hidden: the newest listed is 1.0
    assert after.status_code == 200
    assert "goodpkg-1.0-" in str(after.url)
    _wait(lambda: len(setup.receiver.bodies) >= 2)
    paths = dict(setup.receiver.bodies)
    assert paths["/generic"]["event"] == "pycustoms.incident"
    assert paths["/generic"]["version"] == "2.0"
    assert "goodpkg==2.0" in paths["/slack"]["text"]
    report = setup.get("/api/v1/incident", params={"spec": "goodpkg==2.0"}).json()
    counts = {h["environment"]: h["count"] for h in report["environments"]}
    assert counts == {"build-1": 2, "build-2": 1}
    assert report["environments"][0]["installers"] == ["pip"]
    out = tmp_path / "incident.md"
    code = main(["incident", "goodpkg==2.0", "--server", setup.server.url,
                 "--token", setup.tokens["reader"], "-o", str(out)])  # fmt: skip
    assert code == 1
    assert "| build-1 | goodpkg==2.0 |" in out.read_text()
    incidents = setup.get("/api/v1/incidents").json()
    assert incidents[0]["project"] == "goodpkg"


def test_report_environment_and_incident_finds_it(setup: Setup) -> None:
    code = main(["report", "--server", setup.server.url, "--env", "laptop-7",
                 "--token", setup.tokens["install"]])  # fmt: skip
    assert code == 0
    envs = {e["environment"] for e in setup.get("/api/v1/environments").json()}
    assert "laptop-7" in envs
    report = setup.get("/api/v1/incident", params={"spec": "httpx"}).json()
    assert any(h["environment"] == "laptop-7" and h["source"] == "reported"
               for h in report["environments"])  # fmt: skip
