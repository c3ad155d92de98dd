"""Policy under a running server: reload on file change and SIGHUP, tokens, internal names."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.fake_upstream import FakeUpstream
from tests.server.serverproc import ServerProcess, clean_env, eventually

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def _rewrite(path: Path, text: str) -> None:
    path.write_text(text)
    stamp = time.time() + 2  # a new mtime even on coarse file systems
    os.utime(path, (stamp, stamp))


def test_reload_tokens_and_internal_names(tmp_path: Path) -> None:
    upstream = FakeUpstream(tmp_path / "up")
    upstream.add_release("coolpkg", "1.0", uploaded=OLD)
    upstream.add_release("coolpkg", "2.0", uploaded=datetime.now(UTC) - timedelta(hours=2))
    upstream.add_release("acme-billing", "99.0", uploaded=OLD)
    upstream.start()
    config = tmp_path / "pycustoms.toml"
    config.write_text('[internal]\nnames = ["acme-billing"]\n')
    data = tmp_path / "data"
    server = ServerProcess(upstream.url, data, config=config, env={"PYCUSTOMS_SERVE_PAGE_TTL": "0"})
    try:
        page = server.index + "coolpkg/"
        assert httpx.get(page, headers=JSON).json()["versions"] == ["1.0"]
        hidden = httpx.get(page, headers=JSON)
        assert hidden.headers["content-type"] == "application/vnd.pypi.simple.v1+json"
        _rewrite(
            config, '[internal]\nnames = ["acme-billing"]\n[serve]\ncooldown-exempt = ["coolpkg"]\n'
        )
        assert eventually(
            lambda: httpx.get(page, headers=JSON).json()["versions"] == ["1.0", "2.0"], seconds=5.0
        )
        internal = httpx.get(server.index + "acme-billing/")
        assert internal.status_code == 404
        assert internal.json()["rule"] == "policy/internal-name"
        assert upstream.requests_to("/simple/acme-billing") == []
        token = subprocess.run(
            [sys.executable, "-m", "pycustoms", "token", "create", "prod", "--data-dir", str(data)],
            capture_output=True, text=True, env=clean_env(), cwd=tmp_path, check=True,
        ).stdout.strip()  # fmt: skip
        config.write_text("[serve]\nrequire-tokens = true\n")  # same second: SIGHUP reloads
        server.proc.send_signal(signal.SIGHUP)
        assert eventually(lambda: httpx.get(page).status_code == 401, seconds=5.0)
        assert httpx.get(page, auth=("prod", token)).status_code == 200
        assert httpx.get(page, auth=("prod", "pyc_wrong")).status_code == 401
    finally:
        server.stop()
        upstream.stop()


@pytest.mark.parametrize("json_api", [True, False])
def test_html_only_upstream_takes_upload_times_from_the_json_api(
    tmp_path: Path, json_api: bool
) -> None:
    # A PEP 503 HTML page has no upload times. With the index's JSON API they are
    # known and the old release is served; without it they stay unknown, and an
    # unknown age counts as too new (fail closed).
    upstream = FakeUpstream(tmp_path / "up")
    upstream.json_simple = False
    upstream.json_api = json_api
    upstream.add_release("oldpkg", "1.0", uploaded=OLD)
    upstream.start()
    config = tmp_path / "pycustoms.toml"
    config.write_text('[serve]\ndeny = ["otherpkg"]\n')
    server = ServerProcess(upstream.url, tmp_path / "data", config=config)
    try:
        versions = httpx.get(server.index + "oldpkg/", headers=JSON).json()["versions"]
        assert versions == (["1.0"] if json_api else [])
        # A settings change re-filters the cached page without asking the upstream
        # again (as a new publisher record or advisory import does): the upload
        # times must survive it.
        before = len(upstream.requests_to("/pypi/"))
        _rewrite(config, '[serve]\ndeny = ["otherpkg", "thirdpkg"]\n')
        server.proc.send_signal(signal.SIGHUP)
        assert eventually(
            lambda: httpx.get(server.index + "thirdpkg/").status_code == 403, seconds=5.0
        )
        versions = httpx.get(server.index + "oldpkg/", headers=JSON).json()["versions"]
        assert versions == (["1.0"] if json_api else [])
        assert len(upstream.requests_to("/pypi/")) == before
    finally:
        server.stop()
        upstream.stop()
