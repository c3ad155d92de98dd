"""Two real `serve` replicas on one real PostgreSQL database (docs/scale.md).

pip installs through replica A; replica B, which never saw the file, answers the
incident query for it from the shared install log; an admin block made on B refuses
the file on A within a second, page included (A's page cache is invalidated, not
waited out). A quarantine approval made on B serves the held file on A within a
second.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pycustoms.db import Database
from pycustoms.db.firewall import ScanVerdictRow
from tests.fake_upstream import FakeUpstream
from tests.samples.malicious import SAMPLES
from tests.server.serverproc import ServerProcess, clean_env, eventually, pip_install

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

OLD = datetime.now(UTC) - timedelta(days=60)
JSON_PAGE = {"Accept": "application/vnd.pypi.simple.v1+json"}


@dataclass
class Pair:
    a: ServerProcess
    b: ServerProcess
    admin: str
    url: str


def _cli(url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pycustoms", *args, "--database-url", url],
        capture_output=True, text=True, env=clean_env(), check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def pair(postgres_url: str, tmp_path: Path) -> Iterator[Pair]:
    upstream = FakeUpstream(tmp_path / "up")
    upstream.add_release("sharedpkg", "1.0", uploaded=OLD, sdist=False)
    upstream.add_release("sharedpkg", "2.0", uploaded=OLD, sdist=False)
    sample = next(s for s in SAMPLES if s.id == "typosquat-copy-env-exfil")
    upstream.add_release("heldpkg", "1.0", uploaded=OLD, files=dict(sample.files), sdist=False)
    upstream.start()
    _cli(postgres_url, "db", "upgrade")
    admin = _cli(postgres_url, "token", "create", "root", "--role", "admin")
    env = {"PYCUSTOMS_DATABASE_URL": postgres_url, "PYCUSTOMS_SERVE_PRESCAN": "0"}
    replicas: list[ServerProcess] = []
    try:
        for name in ("a", "b"):
            replicas.append(ServerProcess(upstream.url, tmp_path / name, env=env))
        yield Pair(replicas[0], replicas[1], admin, postgres_url)
    finally:
        for replica in replicas:
            replica.stop()
        upstream.stop()


def _page(server: ServerProcess, project: str) -> dict[str, Any]:
    answer = httpx.get(f"{server.index}{project}/", headers=JSON_PAGE, timeout=30)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def _file_url(server: ServerProcess, project: str, version: str) -> str:
    page = _page(server, project)
    item = next(f for f in page["files"] if f"-{version}-" in f["filename"])
    return str(httpx.URL(f"{server.index}{project}/").join(item["url"]))


def test_install_on_a_incident_on_b_block_on_b_refused_on_a(pair: Pair, tmp_path: Path) -> None:
    # The database is PostgreSQL, not a SQLite file in either data directory.
    assert not (pair.a.data_dir / "pycustoms.db").exists()
    index = pair.a.index.replace("http://", "http://build-42@")
    done = pip_install(index, tmp_path / "site", "sharedpkg==1.0")
    assert done.returncode == 0, done.stderr

    admin = {"Authorization": f"Bearer {pair.admin}"}

    def incident_on_b() -> dict[str, Any]:
        answer = httpx.get(
            pair.b.url + "/api/v1/incident",
            params={"spec": "sharedpkg==1.0"},
            headers=admin,
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        return report

    # A writes its install log in batches (a quarter second when idle).
    assert eventually(lambda: incident_on_b()["environment_count"] == 1, 10)
    report = incident_on_b()
    (hit,) = report["environments"]
    assert hit["environment"] == "build-42"
    assert hit["installers"] == ["pip"]

    file_on_a = _file_url(pair.a, "sharedpkg", "1.0")
    assert httpx.get(file_on_a, timeout=30).status_code == 200
    assert _page(pair.a, "sharedpkg")["versions"] == ["1.0", "2.0"]  # now in A's page cache

    block = {"project": "sharedpkg", "version": "1.0", "reason": "stolen maintainer token"}
    answer = httpx.post(pair.b.url + "/api/v1/blocks", headers=admin, json=block, timeout=30)
    assert answer.status_code == 200, answer.text
    blocked_at = time.monotonic()
    assert answer.json()["files"], "B found the file A served in the shared install log"

    status = 200
    while status != 403 and time.monotonic() - blocked_at < 5:
        status = httpx.get(file_on_a, timeout=30).status_code
    took = time.monotonic() - blocked_at
    assert status == 403
    assert took <= 1.0, f"A refused the file {took:.2f} s after B's block"
    refused = httpx.get(file_on_a, timeout=30)
    assert "stolen maintainer token" in refused.text
    # A's cached page was invalidated with it, and pip is refused through A.
    assert _page(pair.a, "sharedpkg")["versions"] == ["2.0"]
    again = pip_install(pair.a.index, tmp_path / "site2", "sharedpkg==1.0")
    assert again.returncode != 0


def test_an_approval_on_b_serves_the_held_file_on_a(pair: Pair) -> None:
    file_on_a = _file_url(pair.a, "heldpkg", "1.0")
    held = httpx.get(file_on_a, timeout=60)
    assert held.status_code == 403, held.text  # the scanner blocked it on A
    db = Database(pair.url)
    try:
        with db.session() as session:
            (sha,) = session.scalars(
                select(ScanVerdictRow.sha256).where(ScanVerdictRow.decision == "block")
            ).all()
    finally:
        db.close()
    answer = httpx.post(
        f"{pair.b.url}/api/v1/quarantine/{sha}/approve",
        headers={"Authorization": f"Bearer {pair.admin}"},
        json={"reason": "reviewed: a test fixture"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    approved_at = time.monotonic()
    status = 403
    while status != 200 and time.monotonic() - approved_at < 5:
        status = httpx.get(file_on_a, timeout=30).status_code
    took = time.monotonic() - approved_at
    assert status == 200
    assert took <= 1.0, f"A served the approved file {took:.2f} s after B's approval"
