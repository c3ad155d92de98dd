"""`kill -9` of a real server in the middle of its work, then a restart.

The promise: nothing half-written is served, nothing acknowledged is lost.
Acknowledged means a `200` the client received: an upload listed, a decision or
revocation made, a download served. For downloads the install-log event is
written after the fact by a batching thread (`server/installlog.py`); what a
`200` guarantees there is stated and tested in
`test_kill_9_while_install_events_are_written`.
(`test_e2e_store.py` covers a kill during a download and the scan workers' end.)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import random
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from pycustoms.db.session import Database
from pycustoms.server.auth import create_token
from pycustoms.server.console.access import create_role_token
from tests.builders import build_wheel
from tests.fake_upstream import FakeUpstream
from tests.samples.malicious import SAMPLES
from tests.server.serverproc import (
    INSTALL_LOG_DELAY,
    ServerProcess,
    download_until,
    eventually,
)

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
# No pre-scans (each test chooses what is fetched) and no streamed scans (so that a
# cold download is fetched first, then scanned: the scan is a phase a kill can hit).
ENV = {"PYCUSTOMS_SERVE_PRESCAN": "0", "PYCUSTOMS_SERVE_STREAM_SCANS": "0"}
MODULES = 2000  # source modules in a test wheel: a scan takes ~1 s (0.1 s with 200)


# -- helpers -------------------------------------------------------------------------------


@contextlib.contextmanager
def _database(data: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{data / 'pycustoms.db'}").open()
    try:
        yield db
    finally:
        db.close()


def _query(data: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Rows of *sql* read straight from the server's SQLite file."""
    with contextlib.closing(sqlite3.connect(data / "pycustoms.db", timeout=30)) as db:
        return db.execute(sql, args).fetchall()


def _blobs(data: Path) -> list[Path]:
    return [p for p in (data / "store" / "blobs").rglob("*") if p.is_file()]


def _assert_blobs_whole(data: Path) -> None:
    """Every stored blob is complete: its content hashes to its name."""
    for blob in _blobs(data):
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name, blob


def _scanning(data: Path) -> int:
    """How many scans run: each file is hard-linked under `tmp/scan-*` for its worker."""
    tmp = data / "store" / "tmp"
    count = 0
    for entry in tmp.iterdir():
        with contextlib.suppress(OSError):  # a scan that ended meanwhile
            count += entry.name.startswith("scan-") and any(entry.iterdir())
    return count


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source_wheel(
    directory: Path, name: str, version: str, *, malicious: bool = False, padding: int = 0
) -> Path:
    """A wheel of ~30 MB of plausible Python source (its scan takes about a second even on
    a fast machine, long enough to be seen running), plus *padding* bytes of
    incompressible data."""
    module = name.replace("-", "_")
    rnd = random.Random(5)
    files: dict[str, str | bytes] = {}
    for i in range(MODULES):
        body = "".join(
            f"def f{i}_{j}(value, name='k{rnd.randrange(10**6)}'):\n"
            f"    result = {{name: value * {rnd.randrange(97)} + len(name)}}\n"
            f"    if value > {rnd.randrange(1000)}:\n"
            f"        result['x{j}'] = sum(range(value % {rnd.randrange(1, 50)}))\n"
            "    return result\n\n"
            for j in range(100)
        )
        files[f"{module}/m{i:04d}.py"] = body
    if padding:
        files[f"{module}/padding.bin"] = rnd.randbytes(padding)
    if malicious:
        sample = next(s for s in SAMPLES if s.id == "typosquat-copy-env-exfil")
        files.update(sample.files)
    return build_wheel(directory, name, version, files)


def _upload_request(
    server: ServerProcess, token: str, wheel: Path, name: str, version: str
) -> httpx.Request:
    """The request `twine upload` sends for *wheel*."""
    fields = {":action": "file_upload", "protocol_version": "1", "name": name,
              "version": version, "filetype": "bdist_wheel", "pyversion": "py3",
              "sha256_digest": _sha256(wheel)}  # fmt: skip
    credentials = base64.b64encode(f"__token__:{token}".encode()).decode()
    request = httpx.Request(
        "POST",
        server.url + "/legacy/",
        data=fields,
        files={"content": (wheel.name, wheel.read_bytes(), "application/octet-stream")},
        headers={"Authorization": f"Basic {credentials}"},
    )
    request.read()
    return request


def _open_files(pid: int, below: Path) -> list[str]:
    """Files under *below* that process *pid* holds open (deleted ones too), except in
    multiprocessing's `pymp-*` directories."""
    found = []
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith(str(below)) and "/pymp-" not in target:
                    found.append(target)
    return found


def _page_files(server: ServerProcess, project: str) -> list[str]:
    page = httpx.get(server.index + f"{project}/", headers=JSON, timeout=30)
    return [f["filename"] for f in page.json()["files"]] if page.status_code == 200 else []


def _file_path(server: ServerProcess, project: str, filename: str) -> str:
    """The path of *filename* as its page links it (the same on every restart)."""
    page = httpx.get(server.index + f"{project}/", headers=JSON, timeout=30).json()
    entry = next(f for f in page["files"] if f["filename"] == filename)
    return httpx.URL(server.index + f"{project}/").join(entry["url"]).raw_path.decode()


# -- uploads -------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc")
def test_kill_9_during_an_upload(tmp_path: Path) -> None:
    """Killed while the body streams in, then while the upload is scanned: never listed,
    no partial blob, and the same upload then succeeds."""
    upstream = FakeUpstream(tmp_path / "up").start()
    data = tmp_path / "data"
    # Where the form parser spools the uploaded file: the server's TMPDIR, which is also where
    # multiprocessing puts its fork server's socket. Under pytest-xdist, `tmp_path` is too long
    # for a socket path (108 bytes: "AF_UNIX path too long", every scan failed), so a short one.
    spool = Path(tempfile.mkdtemp(prefix="spool-", dir="/tmp"))
    with _database(data) as db:
        token = create_token(db, "release-bot", publish=["crashpkg"])
    # Larger than the 1 MiB the form parser keeps in memory.
    wheel = _source_wheel(tmp_path, "crashpkg", "1.0", padding=8 << 20)
    env = {**ENV, "TMPDIR": str(spool)}
    server = ServerProcess(upstream.url, data, env=env)
    try:
        # 1. The body arrives slowly; the kill comes while the server spools it.
        request = _upload_request(server, token, wheel, "crashpkg", "1.0")
        body = request.content
        head = "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(f"POST /legacy/ HTTP/1.1\r\n{head}\r\n".encode())
            sock.sendall(body[: len(body) // 2])
            assert eventually(lambda: _open_files(server.proc.pid, spool), 30), "not spooling"
            server.kill()
        # The spooled part died with the process (multiprocessing's own `pymp-*` directory
        # for the scan workers' fork server is not the upload's).
        assert [p for p in spool.iterdir() if not p.name.startswith("pymp-")] == []
        assert _blobs(data) == []
        server = ServerProcess(upstream.url, data, env=env)
        assert list((data / "store" / "tmp").iterdir()) == []
        assert _page_files(server, "crashpkg") == []
        assert _query(data, "SELECT count(*) FROM private_files") == [(0,)]

        # 2. The whole body arrived and is stored; the kill comes during its scan.
        answered: list[str] = []  # how the upload ended, if it did before the kill

        def upload() -> None:
            request = _upload_request(server, token, wheel, "crashpkg", "1.0")
            # The server is killed under it.
            with httpx.Client(timeout=300) as client:
                try:
                    response = client.send(request)
                except httpx.HTTPError as exc:
                    answered.append(f"{type(exc).__name__}: {exc}")
                else:
                    answered.append(f"{response.status_code} {response.text}")

        threading.Thread(target=upload, daemon=True).start()
        deadline = time.monotonic() + 240  # a loaded 2-core machine parses the form slowly
        while not _scanning(data) and not answered and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not answered, f"the upload ended before its scan was seen: {answered}"
        assert _scanning(data), "the upload was never scanned"
        server.kill()
        # At most the complete upload, under its hash.
        assert {blob.name for blob in _blobs(data)} <= {_sha256(wheel)}
        _assert_blobs_whole(data)
        server = ServerProcess(upstream.url, data, env=env)
        assert _page_files(server, "crashpkg") == []
        assert _query(data, "SELECT count(*) FROM private_files") == [(0,)]

        # 3. The same upload again: accepted, listed, served byte for byte.
        with httpx.Client(timeout=120) as client:
            done = client.send(_upload_request(server, token, wheel, "crashpkg", "1.0"))
        assert done.status_code == 200, done.text
        assert _page_files(server, "crashpkg") == [wheel.name]
        served = httpx.get(server.url + _file_path(server, "crashpkg", wheel.name), timeout=60)
        assert served.status_code == 200
        assert served.content == wheel.read_bytes()
        _assert_blobs_whole(data)
    finally:
        server.stop()
        upstream.stop()
        shutil.rmtree(spool, ignore_errors=True)


# -- scans ---------------------------------------------------------------------------------


def test_kill_9_during_scans(tmp_path: Path) -> None:
    """Killed while a clean and a malicious file are scanned: after the restart each is
    fetched and scanned again, the clean one served and the malicious one refused."""
    upstream = FakeUpstream(tmp_path / "up")
    wheels = {
        "cleanbig": _source_wheel(tmp_path, "cleanbig", "1.0"),
        "evilbig": _source_wheel(tmp_path, "evilbig", "1.0", malicious=True),
    }
    for project, wheel in wheels.items():
        upstream.add_file(project, "1.0", wheel.name, wheel.read_bytes(), uploaded=OLD)
    upstream.start()
    data = tmp_path / "data"
    env = {**ENV, "PYCUSTOMS_SERVE_SCAN_WORKERS": "2"}  # both scans at once
    server = ServerProcess(upstream.url, data, env=env)
    try:
        paths = {p: _file_path(server, p, w.name) for p, w in wheels.items()}

        def download(path: str) -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
                httpx.get(server.url + path, timeout=120)

        for path in paths.values():
            threading.Thread(target=download, args=(path,), daemon=True).start()
        assert eventually(lambda: _scanning(data) >= 2, 60), "the scans never started"
        server.kill()
        assert _blobs(data) == []  # a file is published only after its scan
        assert _query(data, "SELECT count(*) FROM scan_verdicts") == [(0,)]
        server = ServerProcess(upstream.url, data, env=env)
        clean = httpx.get(server.url + paths["cleanbig"], timeout=120)
        assert clean.status_code == 200
        assert clean.content == wheels["cleanbig"].read_bytes()
        evil = httpx.get(server.url + paths["evilbig"], timeout=120)
        assert evil.status_code == 403, evil.text
        assert evil.json()["rule"] == "policy/scan-blocked"
        # Each fetched again (nothing kept from before the kill), and judged.
        for wheel in wheels.values():
            assert len(upstream.requests_to(f"/files/{_sha256(wheel)}/")) == 2
        verdicts = dict(_query(data, "SELECT filename, decision FROM scan_verdicts"))
        assert verdicts == {wheels["cleanbig"].name: "allow", wheels["evilbig"].name: "block"}
        _assert_blobs_whole(data)
    finally:
        server.stop()
        upstream.stop()


# -- the install log -----------------------------------------------------------------------


def test_kill_9_while_install_events_are_written(tmp_path: Path) -> None:
    """Every download answered `200` more than INSTALL_LOG_DELAY before the kill is logged."""
    upstream = FakeUpstream(tmp_path / "up")
    for i in range(4):
        upstream.add_release(f"logpkg{i}", "1.0", uploaded=OLD, sdist=False)
    upstream.start()
    data = tmp_path / "data"
    server = ServerProcess(upstream.url, data, env=ENV)
    try:
        paths = [
            _file_path(server, f"logpkg{i}", f"logpkg{i}-1.0-py3-none-any.whl") for i in range(4)
        ]
        urls = [server.url + path for path in paths]
        for url in urls:  # fetched and scanned once: the loop below only serves
            assert httpx.get(url, timeout=60).status_code == 200
        answered: list[tuple[str, float]] = []
        stop = threading.Event()
        workers = [
            threading.Thread(
                target=download_until, args=(stop, urls, f"ack-{w}", answered), daemon=True
            )
            for w in range(4)
        ]
        for worker in workers:
            worker.start()
        assert eventually(lambda: len(answered) >= 100, 60), "too few downloads"
        time.sleep(2 * INSTALL_LOG_DELAY)  # downloads go on: some are due, some are not
        killed = time.monotonic()  # just before: "due" then never takes in a later answer
        server.kill()
        stop.set()
        for worker in workers:
            worker.join(30)
        server = ServerProcess(upstream.url, data, env=ENV)  # recovers the database
        logged = {env for (env,) in _query(data, "SELECT environment FROM install_events")}
        due = [env for env, at in answered if at < killed - INSTALL_LOG_DELAY]
        assert due, "no download was answered long enough before the kill"
        # Answered yet not logged: how long before the kill (for the message).
        unlogged = sorted(round(killed - at, 3) for env, at in answered if env not in logged)
        assert [env for env in due if env not in logged] == [], unlogged
        assert _query(data, "PRAGMA integrity_check") == [("ok",)]
        # And the restarted server goes on logging.
        after = httpx.get(server.url + paths[0], headers={"X-Pycustoms-Env": "after"}, timeout=30)
        assert after.status_code == 200
    finally:
        server.stop()  # a clean stop writes what is queued
        upstream.stop()
    assert _query(data, "SELECT count(*) FROM install_events WHERE environment = 'after'") == [(1,)]


# -- console decisions and tokens ------------------------------------------------------------


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _basic(token: str) -> tuple[str, str]:
    return ("__token__", token)


def test_kill_9_after_decisions_and_during_revocations(tmp_path: Path) -> None:
    """Decisions and revocations answered `200` survive a kill; the database stays whole."""
    sample = next(s for s in SAMPLES if s.id == "typosquat-copy-env-exfil")
    upstream = FakeUpstream(tmp_path / "up")
    upstream.add_release("evilpkg", "1.0", uploaded=OLD, files=dict(sample.files), sdist=False)
    upstream.add_release("evilpkg2", "1.0", uploaded=OLD, files=dict(sample.files), sdist=False)
    upstream.add_release("goodpkg", "1.0", uploaded=OLD, sdist=False)
    upstream.start()
    data = tmp_path / "data"
    with _database(data) as db:
        admin = create_role_token(db, "root", "admin")
        victims = {f"victim{i}": create_token(db, f"victim{i}") for i in range(30)}
    server = ServerProcess(upstream.url, data, env=ENV)
    try:
        evil = {
            p: _file_path(server, p, f"{p}-1.0-py3-none-any.whl") for p in ("evilpkg", "evilpkg2")
        }
        shas = {}
        for project, path in evil.items():
            assert httpx.get(server.url + path, timeout=60).status_code == 403  # quarantined
            shas[project] = path.split("/")[-2]
        # Two decisions answered 200; the kill comes a moment later, among the revocations.
        approved = httpx.post(
            f"{server.url}/api/v1/quarantine/{shas['evilpkg']}/approve",
            json={"reason": "reviewed: a false positive"},
            headers=_bearer(admin),
            timeout=30,
        )
        assert approved.status_code == 200, approved.text
        denied = httpx.post(
            f"{server.url}/api/v1/quarantine/{shas['evilpkg2']}/deny",
            json={"reason": "reviewed: malware"},
            headers=_bearer(admin),
            timeout=30,
        )
        assert denied.status_code == 200, denied.text
        # Revocations one after another, and the kill in the middle of them.
        revoked: list[str] = []

        def revoke_all() -> None:
            with httpx.Client(timeout=30, headers=_bearer(admin)) as client:
                for name in victims:
                    try:
                        done = client.post(
                            f"{server.url}/api/v1/tokens/{name}/revoke", json={"reason": "leak"}
                        )
                    except httpx.HTTPError:
                        return
                    if done.status_code == 200:
                        revoked.append(name)

        worker = threading.Thread(target=revoke_all, daemon=True)
        worker.start()
        assert eventually(lambda: len(revoked) >= 5, 60)
        server.kill()
        worker.join(30)
        assert len(revoked) < len(victims), "the kill came after every revocation"
        server = ServerProcess(upstream.url, data, env=ENV)
        assert _query(data, "PRAGMA integrity_check") == [("ok",)]
        # The decisions: the approved file is served, the denied one is not.
        assert httpx.get(server.url + evil["evilpkg"], timeout=60).status_code == 200
        assert httpx.get(server.url + evil["evilpkg2"], timeout=60).status_code == 403
        decisions = _query(data, "SELECT decision FROM console_quarantine ORDER BY decision")
        assert decisions == [("approve",), ("deny",)]
        # Each acknowledged revocation holds; each token the database says is valid works.
        states = dict(
            _query(
                data,
                "SELECT name, revoked_at IS NOT NULL FROM firewall_tokens WHERE name LIKE 'victim%'",
            )
        )
        assert all(states[name] for name in revoked)
        goodpkg = server.index + "goodpkg/"
        for name, token in victims.items():
            status = httpx.get(goodpkg, auth=_basic(token), timeout=30).status_code
            assert status == (401 if states[name] else 200), (name, status)
        # Every acknowledged change has its audit entry.
        audited = {
            (action, target)
            for action, target in _query(data, "SELECT action, target FROM console_audit")
        }
        assert {("token-revoke", name) for name in revoked} <= audited
        assert ("quarantine-approve", "evilpkg-1.0-py3-none-any.whl") in audited
        assert ("quarantine-deny", "evilpkg2-1.0-py3-none-any.whl") in audited
    finally:
        server.stop()
        upstream.stop()


def _slow_inserts(data: Path, table: str, action: str) -> None:
    """Make the server's inserts of *action* rows into *table* take about a second.

    A trigger counts a cross join: it widens the moment between two transactions
    that a kill would otherwise hit only by chance.
    """
    with contextlib.closing(sqlite3.connect(data / "pycustoms.db")) as db:
        db.execute("CREATE TABLE crash_slow (x INTEGER)")
        db.executemany("INSERT INTO crash_slow VALUES (?)", [(i,) for i in range(200)])
        db.execute(
            f"CREATE TRIGGER crash_slow_insert BEFORE INSERT ON {table} "
            f"WHEN NEW.action = '{action}' "
            "BEGIN SELECT count(*) FROM crash_slow a, crash_slow b, crash_slow c; END"
        )
        db.commit()


def test_kill_9_between_a_revocation_and_its_audit_entry(tmp_path: Path) -> None:
    """A revocation and its audit entry are one change: a kill keeps both or neither."""
    upstream = FakeUpstream(tmp_path / "up").start()
    data = tmp_path / "data"
    with _database(data) as db:
        admin = create_role_token(db, "root", "admin")
        create_token(db, "victim")
    _slow_inserts(data, "console_audit", "token-revoke")
    server = ServerProcess(upstream.url, data, env=ENV)
    try:

        def revoke() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
                httpx.post(
                    f"{server.url}/api/v1/tokens/victim/revoke",
                    json={"reason": "leak"},
                    headers=_bearer(admin),
                    timeout=30,
                )

        threading.Thread(target=revoke, daemon=True).start()
        query = (
            "SELECT count(*) FROM firewall_tokens WHERE name = 'victim' AND revoked_at IS NOT NULL"
        )
        assert eventually(lambda: _query(data, query) == [(1,)], 30)
        server.kill()
        server = ServerProcess(upstream.url, data, env=ENV)
        revoked = _query(data, query) == [(1,)]
        audited = _query(
            data, "SELECT count(*) FROM console_audit WHERE action = 'token-revoke'"
        ) == [(1,)]
        assert revoked == audited
    finally:
        server.stop()
        upstream.stop()
