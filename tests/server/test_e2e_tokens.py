"""`require-tokens` refusing real pip, basic-auth and `X-Pycustoms-Env` in the install log.

pip and uv have no option to send an arbitrary header, so the header is shown
with httpx against the same server process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pycustoms.db import Database
from pycustoms.server.installlog import InstallEvent, read_events
from tests.fake_upstream import FakeUpstream
from tests.server.serverproc import ServerProcess, clean_env, pip_install

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def _pip(index: str, target: Path, *reqs: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    return pip_install(index, target, *reqs, env=env)


def _events(data: Path, count: int) -> list[InstallEvent]:
    db = Database(f"sqlite:///{data / 'pycustoms.db'}").open()
    try:
        for _ in range(50):  # the writer thread batches every 0.25 s
            events = read_events(db, "tokpkg")
            if len(events) >= count:
                break
            time.sleep(0.1)
    finally:
        db.close()
    return events


def test_required_tokens_pip_basic_auth_and_environment_header(tmp_path: Path) -> None:
    upstream = FakeUpstream(tmp_path / "up")
    upstream.add_release("tokpkg", "1.0", uploaded=OLD, sdist=False)
    upstream.start()
    data = tmp_path / "data"
    data.mkdir()
    token = subprocess.run(
        [sys.executable, "-m", "pycustoms", "token", "create", "ci", "--data-dir", str(data)],
        capture_output=True, text=True, env=clean_env(), cwd=data, check=True,
    ).stdout.strip()  # fmt: skip
    server = ServerProcess(upstream.url, data, env={"PYCUSTOMS_SERVE_REQUIRE_TOKENS": "1"})
    try:
        refused = _pip(server.index, tmp_path / "anon", "tokpkg")
        assert refused.returncode != 0
        assert "from versions: none" in refused.stderr  # pip shows a 401 page as no versions
        with_token = server.index.replace("http://", f"http://staging:{token}@")
        done = _pip(with_token, tmp_path / "ok", "tokpkg")
        assert done.returncode == 0, done.stdout + done.stderr
        page = httpx.get(server.index + "tokpkg/", headers=JSON, auth=("__token__", token))
        url = str(httpx.URL(server.index + "tokpkg/").join(page.json()["files"][0]["url"]))
        assert httpx.get(url).status_code == 401
        headed = httpx.get(
            url,
            auth=("__token__", token),
            headers={"X-Pycustoms-Env": "nightly-build", "User-Agent": "httpx-test/1.0"},
        )
        assert headed.status_code == 200
        events = _events(data, 2)
        by_installer = {e.installer: e.environment for e in events}
        # The token's name is the environment; a user name or header only labels it.
        assert by_installer == {"pip": "ci:staging", "httpx-test": "ci:nightly-build"}
    finally:
        server.stop()
        upstream.stop()
