"""End to end: `pycustoms prefetch` and page-time prescans against a real server.

A real `pycustoms serve` over the fake upstream; real pip and uv install what was
prefetched. What the upstream served is read from its request log: a prefetched
file is fetched once, before any installer asks, and never again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.fake_upstream import FakeUpstream
from tests.samples.malicious import SAMPLES
from tests.server.serverproc import UV, ServerProcess, clean_env, eventually, pip_install

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
RECENT = datetime.now(UTC) - timedelta(hours=3)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeUpstream]:
    fake = FakeUpstream(tmp_path_factory.mktemp("upstream"))
    fake.add_release("lockedpkg", "1.0", uploaded=OLD)
    fake.add_release("lockedpkg", "2.0", uploaded=OLD)
    fake.add_release("rangepkg", "1.0", uploaded=OLD)
    fake.add_release("freshpkg", "1.0", uploaded=RECENT)
    fake.add_release("uvpkg", "1.0", uploaded=OLD)
    fake.add_release("agentpkg", "1.0", uploaded=OLD)
    requires = (
        "Metadata-Version: 2.1\nName: parentpkg\nVersion: 1.0\n"
        "Requires-Dist: childpkg>=1\n"
        'Requires-Dist: winonlypkg; sys_platform == "win32"\n'
        "Requires-Dist: extrapkg; extra == 'fancy'\n"
    )
    parent_files = {
        "parentpkg/__init__.py": "VALUE = 1\n",
        "parentpkg-1.0.dist-info/METADATA": requires,
    }
    fake.add_release("parentpkg", "1.0", uploaded=OLD, files=parent_files, sdist=False)
    for name in ("childpkg", "winonlypkg", "extrapkg"):
        fake.add_release(name, "1.0", uploaded=OLD, sdist=False)
    sample = next(s for s in SAMPLES if s.id == "typosquat-copy-env-exfil")
    fake.add_release("badlocked", "1.0", uploaded=OLD, files=dict(sample.files), sdist=False)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-data")


@pytest.fixture(scope="module")
def admin(data_dir: Path) -> str:
    return subprocess.run(
        [sys.executable, "-m", "pycustoms", "token", "create", "ops", "--role", "admin",
         "--data-dir", str(data_dir)],
        capture_output=True, text=True, env=clean_env(), cwd=data_dir, check=True,
    ).stdout.strip()  # fmt: skip


@pytest.fixture(scope="module")
def server(upstream: FakeUpstream, data_dir: Path, admin: str) -> Iterator[ServerProcess]:
    # Two scan workers and a streamed scan: prefetches and downloads run in parallel.
    env = {"PYCUSTOMS_SERVE_SCAN_WORKERS": "2", "PYCUSTOMS_SERVE_STREAM_SCANS": "1"}
    proc = ServerProcess(upstream.url, data_dir, env=env)
    yield proc
    proc.stop()


def _fetched(upstream: FakeUpstream, filename: str) -> int:
    return sum(1 for r in upstream.requests_to("/files/") if r[1].endswith("/" + filename))


def _file(upstream: FakeUpstream, name: str, version: str, suffix: str) -> tuple[str, str]:
    item = next(f for f in upstream.project(name).releases[version] if f.filename.endswith(suffix))
    return item.filename, item.sha256


def _prefetch(server: ServerProcess, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pycustoms", "prefetch", "--server", server.url,
         "--token", token, "--format", "json", *args],
        capture_output=True, text=True, env=clean_env(), timeout=300, check=False,
    )  # fmt: skip


def test_prefetch_scans_a_locks_files_and_pip_then_installs_them_from_the_store(
    server: ServerProcess, upstream: FakeUpstream, admin: str, tmp_path: Path
) -> None:
    wheel, wheel_sha = _file(upstream, "lockedpkg", "1.0", ".whl")
    sdist, sdist_sha = _file(upstream, "lockedpkg", "1.0", ".tar.gz")
    lock = tmp_path / "requirements.txt"
    lock.write_text(
        f"lockedpkg==1.0 --hash=sha256:{wheel_sha} --hash=sha256:{sdist_sha}\nrangepkg>=0.5\n"
    )
    done = _prefetch(server, admin, "-r", str(lock))
    assert done.returncode == 0, done.stdout + done.stderr
    results = {r["filename"]: r for r in json.loads(done.stdout)}
    # Exactly the locked files (not 2.0's), and for the range the newest release's wheel.
    rangewheel, _ = _file(upstream, "rangepkg", "1.0", ".whl")
    assert set(results) == {wheel, sdist, rangewheel}
    assert {r["status"] for r in results.values()} == {"allowed"}
    assert _fetched(upstream, wheel) == 1
    assert _fetched(upstream, sdist) == 1
    assert _fetched(upstream, _file(upstream, "lockedpkg", "2.0", ".whl")[0]) == 0

    installed = pip_install(server.index, tmp_path / "t", "lockedpkg==1.0", "--only-binary=:all:")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (tmp_path / "t" / "lockedpkg-1.0.dist-info").is_dir()
    assert _fetched(upstream, wheel) == 1  # served from the store, scanned before


def test_prefetch_reports_blocked_and_hidden_files_and_exits_1(
    server: ServerProcess, upstream: FakeUpstream, admin: str, tmp_path: Path
) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text("badlocked==1.0\nfreshpkg==1.0\n")
    done = _prefetch(server, admin, "-r", str(lock))
    assert done.returncode == 1, done.stdout + done.stderr
    by_project = {r["project"]: r for r in json.loads(done.stdout)}
    assert by_project["badlocked"]["status"] == "blocked"
    assert "scan" in by_project["badlocked"]["detail"]
    # A file the page hides (cooldown) is reported, never fetched.
    assert by_project["freshpkg"]["status"] == "hidden"
    assert _fetched(upstream, by_project["freshpkg"]["filename"]) == 0
    # The blocked wheel leaves the page and stays refused.
    wheel, _ = _file(upstream, "badlocked", "1.0", ".whl")
    page = httpx.get(server.index + "badlocked/", headers={"Accept": "text/html"})
    assert wheel not in page.text
    refused = pip_install(server.index, tmp_path / "t", "badlocked==1.0")
    assert refused.returncode != 0


def test_prefetch_needs_an_admin_token(server: ServerProcess, tmp_path: Path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text("lockedpkg==1.0\n")
    done = _prefetch(server, "not-a-token", "-r", str(lock))
    assert done.returncode == 3, done.stdout + done.stderr
    assert "401" in done.stderr


def test_prefetch_then_uv_installs(
    server: ServerProcess, upstream: FakeUpstream, admin: str, tmp_path: Path
) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text("uvpkg==1.0\n")
    done = _prefetch(server, admin, "-r", str(lock))
    assert done.returncode == 0, done.stdout + done.stderr
    wheel, _ = _file(upstream, "uvpkg", "1.0", ".whl")
    assert _fetched(upstream, wheel) == 1
    env = clean_env(UV_NO_CONFIG="1", UV_CACHE_DIR=str(tmp_path / "uv-cache"))
    venv = tmp_path / "venv"
    subprocess.run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)],
                   env=env, check=True, capture_output=True)  # fmt: skip
    installed = subprocess.run(
        [UV, "pip", "install", "--python", str(venv / "bin" / "python"),
         "--default-index", server.index, "uvpkg==1.0"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert _fetched(upstream, wheel) == 1


def test_a_page_served_to_pip_starts_the_scan_of_the_wheel_pip_will_pick(
    server: ServerProcess, upstream: FakeUpstream
) -> None:
    wheel, _ = _file(upstream, "agentpkg", "1.0", ".whl")
    sdist, _ = _file(upstream, "agentpkg", "1.0", ".tar.gz")
    agent = "pip/24.0 " + json.dumps(
        {
            "python": f"{sys.version_info[0]}.{sys.version_info[1]}.0",
            "implementation": {"name": "CPython"},
            "system": {"name": "Linux"},
            "cpu": "x86_64",
        }
    )
    page = httpx.get(server.index + "agentpkg/", headers={"User-Agent": agent})
    assert page.status_code == 200
    # Fetched (and scanned) without a download request; the sdist pip would not take is not.
    assert eventually(lambda: _fetched(upstream, wheel) == 1, seconds=30)
    assert _fetched(upstream, sdist) == 0
    metadata = server.index.replace("/simple/", "/simple/agentpkg/")
    assert eventually(
        lambda: "data-core-metadata" in httpx.get(metadata, headers={"User-Agent": agent}).text,
        seconds=30,
    )


def test_the_dependencies_of_a_scanned_wheel_are_prefetched_for_the_installer(
    server: ServerProcess, upstream: FakeUpstream
) -> None:
    agent = "pip/24.0 " + json.dumps(
        {
            "python": "3.12.1",
            "implementation": {"name": "CPython"},
            "system": {"name": "Linux"},
            "cpu": "x86_64",
        }
    )
    page = httpx.get(server.index + "parentpkg/", headers={"User-Agent": agent})
    assert page.status_code == 200
    child, _ = _file(upstream, "childpkg", "1.0", ".whl")
    # pip would ask for childpkg next: it is fetched and scanned before pip asks.
    assert eventually(lambda: _fetched(upstream, child) == 1, seconds=60)
    # Not for Linux, or behind an extra: not followed.
    for name in ("winonlypkg", "extrapkg"):
        wheel, _ = _file(upstream, name, "1.0", ".whl")
        assert _fetched(upstream, wheel) == 0
        assert not upstream.requests_to(f"/simple/{name}/")
