"""End to end: real pip, uv and twine against a real `pycustoms serve` over the fake upstream.

One server serves the whole module. Every project has its own name so that
the order of the tests does not matter.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pycustoms.db import Database
from pycustoms.db.console import AuditRow
from pycustoms.server.installlog import read_events
from tests.builders import build_wheel
from tests.fake_upstream import FakeUpstream
from tests.samples.malicious import SAMPLES
from tests.server.serverproc import ROOT, UV, ServerProcess, clean_env, pip_install

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
RECENT = datetime.now(UTC) - timedelta(hours=3)
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def _payload() -> dict[str, str | bytes]:
    sample = next(s for s in SAMPLES if s.id == "typosquat-copy-env-exfil")
    return dict(sample.files)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeUpstream]:
    fake = FakeUpstream(tmp_path_factory.mktemp("upstream"))
    fake.add_release("plainpkg", "1.0", uploaded=OLD)
    fake.add_release("coolpkg", "1.0", uploaded=OLD)
    fake.add_release("coolpkg", "2.0", uploaded=RECENT)
    fake.add_release("reqeusts", "2.31.0", uploaded=OLD)
    for name in ("evilhttp-pip", "evilhttp-uv"):
        fake.add_release(name, "1.0", uploaded=OLD, files=_payload(), sdist=False)
    fake.add_release("shadowpkg", "9.0", uploaded=OLD)
    fake.add_release("logpkg", "1.0", uploaded=OLD)
    fake.add_release("attested", "1.0", uploaded=OLD, attested_by="example/attested", sdist=False)
    fake.add_release("yankedpkg", "1.0", uploaded=OLD, sdist=False, yanked="broken build")
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-data")


@pytest.fixture(scope="module")
def token(data_dir: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pycustoms", "token", "create", "ci", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=data_dir,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    return lines[0]


@pytest.fixture(scope="module")
def server(upstream: FakeUpstream, data_dir: Path, token: str) -> Iterator[ServerProcess]:
    # shadowpkg exists upstream: an admin declared it internal, so a private upload may shadow it.
    env = {"PYCUSTOMS_SERVE_SCAN_WORKERS": "1", "PYCUSTOMS_INTERNAL_NAMES": "shadowpkg"}
    proc = ServerProcess(upstream.url, data_dir, env=env)
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def pip_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("pip-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return venv / "bin" / "python"


def uv_install(index: str, tmp: Path, *reqs: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        UV_NO_CONFIG="1", UV_CACHE_DIR=str(tmp / "uv-cache"), UV_PYTHON_DOWNLOADS="never"
    )
    venv = tmp / "venv"
    subprocess.run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)],
                   env=env, check=True, capture_output=True)  # fmt: skip
    return subprocess.run(
        [UV, "pip", "install", "--python", str(venv / "bin" / "python"),
         "--default-index", index, *reqs],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def installed(target: Path) -> set[str]:
    return {p.name for p in target.glob("*.dist-info")}


def test_pip_installs_a_normal_package(
    server: ServerProcess, pip_venv: Path, tmp_path: Path
) -> None:
    done = pip_install(server.index, tmp_path, "plainpkg", python=pip_venv)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "plainpkg-1.0.dist-info" in installed(tmp_path)


def test_cooldown_hides_the_new_release_pip(
    server: ServerProcess, pip_venv: Path, tmp_path: Path
) -> None:
    done = pip_install(server.index, tmp_path, "coolpkg", python=pip_venv)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "coolpkg-1.0.dist-info" in installed(tmp_path)
    direct = httpx.get(
        server.index + "coolpkg/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    assert direct.json()["versions"] == ["1.0"]


def test_cooldown_hides_the_new_release_uv(server: ServerProcess, tmp_path: Path) -> None:
    done = uv_install(server.index, tmp_path, "coolpkg")
    assert done.returncode == 0, done.stderr
    assert "coolpkg==1.0" in done.stderr


def test_squatted_name_fails_with_reason_pip(
    server: ServerProcess, pip_venv: Path, tmp_path: Path
) -> None:
    done = pip_install(server.index, tmp_path, "reqeusts", python=pip_venv)
    assert done.returncode != 0
    assert "names/typosquat" in done.stdout + done.stderr
    assert "imitates 'requests'" in done.stdout + done.stderr


def test_squatted_name_fails_with_reason_uv(server: ServerProcess, tmp_path: Path) -> None:
    done = uv_install(server.index, tmp_path, "reqeusts")
    assert done.returncode != 0
    assert "names-typosquat" in done.stderr  # the refused URL names the rule
    assert "403" in done.stderr


def test_malicious_sample_fails_with_reason_pip(
    server: ServerProcess, pip_venv: Path, tmp_path: Path
) -> None:
    done = pip_install(server.index, tmp_path, "evilhttp-pip", python=pip_venv)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "policy/scan-blocked" in output
    assert "code/" in output


def test_malicious_sample_fails_uv(server: ServerProcess, tmp_path: Path) -> None:
    done = uv_install(server.index, tmp_path, "evilhttp-uv")
    assert done.returncode != 0
    # Either the download was refused (403) or a finished pre-scan already hid the file.
    assert "403" in done.stderr or "no version" in done.stderr.lower(), done.stderr


def _create_token(data_dir: Path, name: str, *extra: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pycustoms", "token", "create", name, "--data-dir", str(data_dir),
         *extra],
        capture_output=True, text=True, env=clean_env(), cwd=data_dir, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def _twine(server: ServerProcess, password: str, wheel: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        TWINE_NON_INTERACTIVE="1", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring"
    )
    command = [sys.executable, "-m", "twine", "upload", "--disable-progress-bar",
               "--repository-url", server.url + "/legacy/", "-u", "__token__", "-p", password,
               str(wheel)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def test_twine_upload_needs_a_token_and_shadows_upstream(
    server: ServerProcess, upstream: FakeUpstream, token: str, pip_venv: Path, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    wheel = build_wheel(dist, "shadowpkg", "1.0", {"shadowpkg/__init__.py": "PRIVATE = True\n"})
    refused = _twine(server, "pyc_wrong", wheel)
    assert refused.returncode != 0
    assert "401" in refused.stdout + refused.stderr
    # An install token may not publish anything.
    refused = _twine(server, token, wheel)
    assert refused.returncode != 0
    assert "403" in refused.stdout + refused.stderr
    assert "may not publish" in refused.stdout + refused.stderr
    publisher = _create_token(server.data_dir, "release-bot", "--publish", "shadowpkg")
    before = len(upstream.requests_to("/simple/shadowpkg"))
    done = _twine(server, publisher, wheel)
    assert done.returncode == 0, done.stdout + done.stderr
    target = tmp_path / "target"
    installed_by_pip = pip_install(server.index, target, "shadowpkg", python=pip_venv)
    assert installed_by_pip.returncode == 0, installed_by_pip.stderr
    assert "shadowpkg-1.0.dist-info" in installed(target)
    assert len(upstream.requests_to("/simple/shadowpkg")) == before  # not even asked
    db = Database(f"sqlite:///{server.data_dir / 'pycustoms.db'}").open()
    try:
        audit = db_audit(db)
    finally:
        db.close()
    # The uploader is the token's identity (not a header), and each attempt is audited.
    assert ("release-bot", "private-upload", wheel.name) in audit
    assert ("ci", "private-upload-refused", wheel.name) in audit


def test_upload_cannot_take_over_an_upstream_name(
    server: ServerProcess, upstream: FakeUpstream, tmp_path: Path
) -> None:
    # Before: any token uploaded `six 99.0` and pip then installed it instead of the public six.
    dist = tmp_path / "dist"
    dist.mkdir()
    wheel = build_wheel(dist, "plainpkg", "99.0", {"plainpkg/__init__.py": "EVIL = True\n"})
    publisher = _create_token(server.data_dir, "greedy-bot", "--publish", "*")
    refused = _twine(server, publisher, wheel)
    assert refused.returncode != 0
    assert "exists on the upstream" in refused.stdout + refused.stderr
    page = httpx.get(server.index + "plainpkg/", headers={"Accept": JSON_TYPE}).json()
    assert page["versions"] == ["1.0"]


def test_malicious_private_upload_is_quarantined_not_listed(
    server: ServerProcess, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    wheel = build_wheel(dist, "acme-agent", "1.0", _payload())
    publisher = _create_token(server.data_dir, "acme-bot", "--publish", "acme-*")
    refused = _twine(server, publisher, wheel)
    assert refused.returncode != 0, refused.stdout
    assert "403" in refused.stdout + refused.stderr
    listing = httpx.get(server.index + "acme-agent/", headers={"Accept": JSON_TYPE})
    assert listing.status_code == 404 or listing.json()["files"] == []


def db_audit(db: Database) -> set[tuple[str, str, str]]:
    with db.session() as session:
        rows = session.scalars(select(AuditRow)).all()
        return {(r.actor, r.action, r.target) for r in rows}


def test_install_log_records_environment_and_installer(
    server: ServerProcess, pip_venv: Path, token: str, tmp_path: Path
) -> None:
    index = server.index.replace("http://", f"http://ci-prod:{token}@")
    done = pip_install(index, tmp_path, "logpkg", python=pip_venv)
    assert done.returncode == 0, done.stderr
    uv_done = uv_install(server.index, tmp_path, "logpkg")
    assert uv_done.returncode == 0, uv_done.stderr
    db = Database(f"sqlite:///{server.data_dir / 'pycustoms.db'}").open()
    try:
        for _ in range(40):  # the writer thread batches every 0.25 s
            events = read_events(db, "logpkg")
            if len(events) >= 2:
                break
            time.sleep(0.1)
    finally:
        db.close()
    by_installer = {e.installer: e for e in events}
    # The token "ci" with the user name "ci-prod" as a label (a label never replaces a token).
    assert by_installer["pip"].environment == "ci:ci-prod"
    assert by_installer["pip"].installer_version
    assert by_installer["uv"].environment == "anonymous"
    assert by_installer["pip"].client == "127.0.0.1"
    assert by_installer["pip"].filename == "logpkg-1.0-py3-none-any.whl"
    assert len(by_installer["pip"].sha256) == 64


def test_root_is_this_checkout() -> None:
    assert (ROOT / "src" / "pycustoms" / "server").is_dir()


def test_provenance_and_yanks_pass_through(server: ServerProcess) -> None:
    accept = {"Accept": "application/vnd.pypi.simple.v1+json"}
    page_url = server.index + "attested/"
    (item,) = httpx.get(page_url, headers=accept).json()["files"]
    assert item["provenance"].startswith("../../provenance/attested/")
    document = httpx.get(httpx.URL(page_url).join(item["provenance"])).json()
    publisher = document["attestation_bundles"][0]["publisher"]
    assert publisher["repository"] == "example/attested"
    (yanked,) = httpx.get(server.index + "yankedpkg/", headers=accept).json()["files"]
    assert yanked["yanked"] == "broken build"
    html = httpx.get(server.index + "yankedpkg/").text
    assert 'data-yanked="broken build"' in html


def test_a_private_upload_that_leaks_a_token_is_quarantined(
    server: ServerProcess, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    token_value = "ghp_" + "Zq7Lr2Wm9Xv4Kt8Hb3Nd6Pf1Sc5Jy0Ga3Ue8"
    files = {"acme_config/__init__.py": "", "acme_config/settings.py": f"GH = {token_value!r}\n"}
    wheel = build_wheel(dist, "acme-config", "1.0", files)
    publisher = _create_token(server.data_dir, "config-bot", "--publish", "acme-config")
    refused = _twine(server, publisher, wheel)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "secrets/github-token" in output
    assert "acme_config/settings.py" in output
    assert token_value not in output
    assert token_value not in server.output()
