"""The index explains itself (issue 13 §5): logs, start-up warnings, `/`, `/health`, hints.

Against a real `pycustoms serve` process and the fake upstream, here one that
publishes no upload times at all (no PEP 700 times, no JSON API): a static
mirror or an HTML-only proxy.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.fake_upstream import FakeFile, FakeUpstream
from tests.server.serverproc import ServerProcess, clean_env, eventually
from tests.server.test_e2e_local import _wheelhouse

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=400)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
ADVICE = "PYCUSTOMS_SERVE_TRUSTED_FOR_AGE=1"
WARNED = "neither in its pages nor in a JSON API"  # the warning about an upstream, once


def _untimed(tmp_path: Path, *projects: str) -> tuple[FakeUpstream, dict[str, FakeFile]]:
    """A started upstream without upload times; each project's wheel by project name."""
    upstream = FakeUpstream(tmp_path / "up")
    upstream.upload_times = False
    upstream.json_api = False
    wheels = {}
    for name in projects:
        added = upstream.add_release(name, "1.0", uploaded=OLD, sdist=False)
        wheels[name] = added[0]
    upstream.start()
    return upstream, wheels


def _files(server: ServerProcess, name: str) -> list[dict[str, object]]:
    files: list[dict[str, object]] = httpx.get(
        server.index + name + "/", headers=JSON, timeout=30
    ).json()["files"]
    return files


def test_untimed_files_count_from_first_seen_and_every_refusal_is_logged(
    tmp_path: Path,
) -> None:
    upstream, wheels = _untimed(tmp_path, "stillpkg", "otherpkg")
    wheel = wheels["stillpkg"]
    env = {"PYCUSTOMS_COOLDOWN": "PT4S", "PYCUSTOMS_SERVE_PRESCAN": "0"}
    server = ServerProcess(upstream.url, tmp_path / "data", env=env)
    try:
        assert _files(server, "stillpkg") == []  # first seen now: inside the cooldown
        url = f"{server.url}/files/stillpkg/{wheel.sha256}/{wheel.filename}"
        refused = httpx.get(url, timeout=30)
        assert refused.status_code == 403
        assert refused.json()["rule"] == "policy/cooldown"
        assert "first saw it" in refused.json()["detail"]
        assert _files(server, "otherpkg") == []
        assert eventually(
            lambda: (
                f"hidden project=stillpkg file={wheel.filename} rule=policy/cooldown"
                in server.output()
            )
        )
        out = server.output()
        assert (
            f"refused status=403 project=stillpkg file={wheel.filename} rule=policy/cooldown"
            in (out)
        )
        # Warned once (two projects without times), with the setting that changes it.
        assert out.count(WARNED) == 1, out
        assert ADVICE in out
        # The cooldown runs from the first sighting: the file appears, it is not hidden forever.
        assert eventually(lambda: len(_files(server, "stillpkg")) == 1, seconds=15.0)
        (entry,) = _files(server, "stillpkg")
        assert entry["upload-time"] is not None
        file_url = httpx.URL(server.index + "stillpkg/").join(str(entry["url"]))
        assert httpx.get(file_url, timeout=60).status_code == 200
    finally:
        server.stop()
        upstream.stop()


def test_trusted_for_age_flag_serves_untimed_files_without_a_cooldown(tmp_path: Path) -> None:
    upstream, _ = _untimed(tmp_path, "mirrored")
    server = ServerProcess(
        upstream.url,
        tmp_path / "data",
        args=("--trusted-for-age",),
        env={"PYCUSTOMS_SERVE_PRESCAN": "0"},
    )
    try:
        assert len(_files(server, "mirrored")) == 1  # the default cooldown (7 days) is not applied
        assert WARNED not in server.output()
    finally:
        server.stop()
        upstream.stop()


def test_serve_help_names_the_flag_and_its_variable() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pycustoms", "serve", "--help"],
        capture_output=True, text=True, env=clean_env(COLUMNS="200"), timeout=60, check=True,
    )  # fmt: skip
    assert "--trusted-for-age" in proc.stdout
    assert "PYCUSTOMS_SERVE_TRUSTED_FOR_AGE" in proc.stdout


def test_local_directory_upstream_is_warned_about_at_start_up(tmp_path: Path) -> None:
    simple = _wheelhouse(tmp_path / "house")
    server = ServerProcess(simple.as_uri() + "/", tmp_path / "data")
    try:
        # Before any request: the warning comes from start-up, once.
        out = server.output()
        assert out.count("carry no upload times") == 1, out
        assert ADVICE in out
        httpx.get(server.index + "localpkg/", timeout=30)
        assert eventually(lambda: "hidden project=localpkg" in server.output())
        assert WARNED not in server.output()  # not said twice
    finally:
        server.stop()


def test_pip_extra_indexes_are_named_as_not_proxied(
    tmp_path: Path, fake_upstream: FakeUpstream
) -> None:
    extras = "https://someone:hunter2@extra.example.org/simple/ http://127.0.0.1:9/other/simple/"
    env = {"PIP_CONFIG_FILE": "/dev/null", "PIP_EXTRA_INDEX_URL": extras}
    server = ServerProcess(fake_upstream.url, tmp_path / "data", env=env)
    try:
        out = server.output()
        assert "not proxied" in out
        assert "https://***@extra.example.org/simple/" in out
        assert "http://127.0.0.1:9/other/simple/" in out
        assert "hunter2" not in out
        assert "pycustoms serve --upstream URL" in out  # how to have them checked
    finally:
        server.stop()
    quiet = ServerProcess(
        fake_upstream.url, tmp_path / "quiet", env={"PIP_CONFIG_FILE": "/dev/null"}
    )
    try:
        assert "not proxied" not in quiet.output()
    finally:
        quiet.stop()


def test_landing_page_and_health(tmp_path: Path, fake_upstream: FakeUpstream) -> None:
    server = ServerProcess(fake_upstream.url, tmp_path / "data")
    try:
        page = httpx.get(server.url + "/", timeout=30)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        text = page.text
        assert f"{server.url}/simple/" in text
        for client in ("pip install --index-url", "uv pip install", "poetry source add"):
            assert client in text
        assert 'href="' + server.url + '/console/"' in text
        assert httpx.head(server.url + "/", timeout=30).status_code == 200
        # A forged Host header is not echoed into the page.
        forged = httpx.get(server.url + "/", headers={"Host": "<script>x"}, timeout=30)
        assert "<script>" not in forged.text
        health = httpx.get(server.url + "/health", timeout=30)
        assert health.status_code == 200
        assert health.json() | {"version": None} == {
            "status": "ok", "database": "ok", "store": "ok", "version": None,
        }  # fmt: skip
        # The store stops taking writes: the replica reports itself unhealthy.
        tmp = tmp_path / "data" / "store" / "tmp"
        tmp.rename(tmp.with_name("tmp.away"))
        tmp.write_text("not a directory")
        broken = httpx.get(server.url + "/health", timeout=30)
        assert broken.status_code == 503
        assert broken.json()["status"] == "failing"
        assert broken.json()["store"].startswith("failed:")
        assert broken.json()["database"] == "ok"
        tmp.unlink()
        tmp.with_name("tmp.away").rename(tmp)
        assert httpx.get(server.url + "/health", timeout=30).status_code == 200
    finally:
        server.stop()


def test_upstream_error_hints_name_no_flag_the_command_lacks(
    tmp_path: Path, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.add_release("flaky", "1.0", uploaded=OLD)
    env = {"PYCUSTOMS_UPSTREAM_RETRIES": "0", "PYCUSTOMS_SERVE_PRESCAN": "0"}
    server = ServerProcess(fake_upstream.url, tmp_path / "data", env=env)
    try:
        fake_upstream.fail_next(500, 500)
        answer = httpx.get(server.index + "flaky/", timeout=30)
        assert answer.status_code == 502
        detail = answer.json()["detail"]
        assert "retry later" in detail
        assert "offline" not in detail.lower()  # `serve` has no offline mode
    finally:
        server.stop()
    # `audit` has no --offline flag: its hint names the variable it does read.
    osv = tmp_path / "osv"
    osv.mkdir()
    (osv / "one.json").write_text(
        '{"id": "PYSEC-0-1", "modified": "2024-01-01T00:00:00Z", "affected": '
        '[{"package": {"ecosystem": "PyPI", "name": "unrelated"}, "versions": ["0.1"]}]}'
    )
    data = str(tmp_path / "audit")
    subprocess.run(
        [sys.executable, "-m", "pycustoms", "db", "import-osv", str(osv), "--data-dir", data],
        capture_output=True, text=True, timeout=120, check=True, env=clean_env(),
    )  # fmt: skip
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("flaky==1.0\n")
    fake_upstream.fail_next(*[500] * 20)
    audit = subprocess.run(
        [sys.executable, "-m", "pycustoms", "audit", str(requirements),
         "--index-url", fake_upstream.url, "--data-dir", data],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        env=clean_env(PYCUSTOMS_UPSTREAM_RETRIES="0", COLUMNS="400"),
    )  # fmt: skip
    said = audit.stdout + audit.stderr
    assert "PYCUSTOMS_OFFLINE=1" in said, said  # the upstream failure was reported
    assert "--offline" not in said, said
