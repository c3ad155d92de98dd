"""Retroactive detection: a `MAL-` advisory imported after a release was served.

End to end in one process: the server's own state and console (`create_app`), install
events through its install log, `pycustoms db import-osv` of a tiny OSV set, then the
console's periodic check → a release block, one incident, and both webhook forms.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pycustoms.cli import main
from pycustoms.server.app import FirewallApp, create_app
from pycustoms.server.console import data
from pycustoms.server.installlog import InstallEvent
from tests.server.consolefixture import Receiver

T0 = datetime.now(UTC) - timedelta(days=2)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.stop()


@pytest.fixture
def served(tmp_path: Path, receiver: Receiver) -> Iterator[FirewallApp]:
    hook = receiver.start()
    config = tmp_path / "pycustoms.toml"
    config.write_text(
        f'[serve]\nwebhooks = ["{hook}/generic"]\nslack-webhooks = ["{hook}/slack"]\n'
    )
    app = create_app(
        config, {"data_dir": str(tmp_path / "data"), "upstream": "http://127.0.0.1:9/simple/"}
    )
    installs = [("build-1", "1.1"), ("build-2", "1.1"), ("build-1", "1.1"), ("build-3", "1.0")]
    for n, (env, version) in enumerate(installs):
        app.state.log.record(
            InstallEvent(
                T0 + timedelta(minutes=n), env, "127.0.0.1", "pip", "24.0", "malpkg", version,
                f"malpkg-{version}-py3-none-any.whl", version.replace(".", "") * 32,
            )
        )  # fmt: skip
    _wait(lambda: app.state.log.written == len(installs))
    try:
        yield app
    finally:
        app.state.close()


def _wait(check: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


def _import_osv(folder: Path, data_dir: Path, config: Path) -> int:
    folder.mkdir()
    record = {
        "id": "MAL-2026-42",
        "modified": "2026-01-01T00:00:00Z",
        "summary": "malicious code in malpkg",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "malpkg"}, "versions": ["1.1"]}],
    }
    (folder / "MAL-2026-42.json").write_text(json.dumps(record))
    return main(["db", "import-osv", str(folder), "--data-dir", str(data_dir),
                 "--config", str(config)])  # fmt: skip


def test_imported_malware_advisory_opens_one_incident_and_notifies(
    served: FirewallApp, receiver: Receiver, tmp_path: Path
) -> None:
    console = served.console
    assert console is not None
    asyncio.run(console.check())  # nothing known yet
    assert data.incidents(served.state.db) == []
    before = served.state.advisories.version

    code = _import_osv(tmp_path / "osv", tmp_path / "data", tmp_path / "pycustoms.toml")
    assert code == 0
    _wait(lambda: served.state.advisories.version != before)  # the server notices the import
    asyncio.run(console.check())

    (incident,) = data.incidents(served.state.db)
    assert (incident["project"], incident["version"], incident["source"]) == (
        "malpkg", "1.1", "advisory",
    )  # fmt: skip
    assert incident["environments"] == 2
    assert incident["reason"].startswith("MAL-2026-42: malicious code in malpkg")
    bodies = dict(receiver.bodies)
    assert set(bodies) == {"/generic", "/slack"}
    generic = bodies["/generic"]
    assert generic["event"] == "pycustoms.incident"
    assert (generic["project"], generic["version"]) == ("malpkg", "1.1")
    assert generic["environments"] == ["build-1", "build-2"]
    assert generic["installs"] == 3
    assert "malpkg==1.1 is now blocked (advisory)" in bodies["/slack"]["text"]
    audit = data.audit(served.state.db)
    assert [(a["action"], a["target"]) for a in audit] == [("block-advisory", "malpkg==1.1")]
    blocks = data.recent_blocks(served.state.db)
    assert [(b["version"], b["source"]) for b in blocks] == [("1.1", "advisory")]

    asyncio.run(console.check())  # detected once, notified once
    console._advisory_version = -1  # even when the advisories are read again
    asyncio.run(console.check())
    assert len(receiver.bodies) == 2
    assert len(data.incidents(served.state.db)) == 1
