"""`pycustoms serve` under upstream faults: never an unverified byte, and recovery.

Every fault of `HostileUpstream` is armed on one project's page or files in
front of a real server process. Real clients (httpx, pip) must get either the
exact bytes the index published, with 200, or an RFC 9457 problem, and must
not wait past a few upstream timeouts; the blob store must hold only whole
files named by their sha256; and once the upstream behaves again, the same
page and files are served. One server (per test worker) serves every case,
each on a project of its own, so a fault must not disturb the other projects.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.builders import build_wheel
from tests.fake_upstream import FakeFile, FakeProject
from tests.server.hostile_upstream import Fault, HostileUpstream
from tests.server.serverproc import ServerProcess, eventually, pip_install

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
HTML = {"Accept": "text/html"}
# The server's upstream timeout: stalls and slowloris bodies must end within a few of
# these (three attempts at most), not after the ten minutes a scan may take.
TIMEOUT = 2.0
LIMIT = 3 * TIMEOUT + 8.0
# How long a client waits for any one answer in these tests.
PATIENCE = 60.0
SPARE_MIB = 1  # files of 256 KiB and more are written over the spare download file
_serial = itertools.count()


@dataclass
class Rig:
    """The hostile upstream, another origin it may point at, and the server in front."""

    upstream: HostileUpstream
    other: HostileUpstream
    server: ServerProcess

    @property
    def store(self) -> Path:
        """The server's blob store."""
        return self.server.data_dir / "store"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    root = tmp_path_factory.mktemp("faults")
    upstream = HostileUpstream(root / "up")
    other = HostileUpstream(root / "other")
    upstream.start()
    other.start()
    env = {
        "PYCUSTOMS_UPSTREAM_TIMEOUT": str(TIMEOUT),
        "PYCUSTOMS_UPSTREAM_RETRIES": "1",
        "PYCUSTOMS_SERVE_PAGE_TTL": "0",  # every request revalidates: pages follow the upstream
        "PYCUSTOMS_SERVE_PRESCAN": "0",
        "PYCUSTOMS_SERVE_SCAN_WORKERS": "1",
        "PYCUSTOMS_SERVE_DOWNLOAD_SPARE_MIB": str(SPARE_MIB),
    }
    try:
        server = ServerProcess(upstream.url, root / "data", env=env)
    except BaseException:
        upstream.stop()
        other.stop()
        raise
    try:
        rig = Rig(upstream, other, server)
        # A first page and download load the server's code: the timings below are its own.
        name, files = _project(rig, data=1024)
        for item in files:
            _recovers(rig, name, item)
        yield rig
    finally:
        server.stop()
        upstream.stop()
        other.stop()


@pytest.fixture
def rig(shared: Rig) -> Iterator[Rig]:
    """The shared rig; afterwards the upstream behaves and the server must still be up."""
    yield shared
    shared.upstream.behave()
    shared.other.behave()
    assert shared.server.proc.poll() is None, shared.server.output()
    assert httpx.get(shared.server.url + "/-/health", timeout=PATIENCE).status_code == 200


def _project(rig: Rig, *, data: int = 300 << 10, sdist: bool = True) -> tuple[str, list[FakeFile]]:
    """A new project whose 1.0 is a wheel (and an sdist) holding *data* random bytes."""
    name = f"faultpkg{os.getpid()}x{next(_serial)}"
    module = name.replace("-", "_")
    contents: dict[str, str | bytes] = {
        f"{module}/__init__.py": "VALUE = 1\n",
        f"{module}/data.bin": os.urandom(data),
    }
    files = rig.upstream.add_release(name, "1.0", uploaded=OLD, files=contents, sdist=sdist)
    return name, files


def _page(server: ServerProcess, name: str) -> dict[str, dict[str, Any]]:
    """The server's JSON page of *name*, by filename (it must answer 200)."""
    answer = httpx.get(server.index + f"{name}/", headers=JSON, timeout=PATIENCE)
    assert answer.status_code == 200, answer.text
    return {entry["filename"]: entry for entry in answer.json()["files"]}


def _listed(server: ServerProcess, name: str) -> set[tuple[str, str]]:
    """(filename, sha256) of every file the server lists for *name*."""
    return {(f, e["hashes"]["sha256"]) for f, e in _page(server, name).items()}


def _url(server: ServerProcess, name: str, entry: dict[str, Any]) -> str:
    return str(httpx.URL(server.index + f"{name}/").join(str(entry["url"])))


def _is_problem(answer: httpx.Response) -> dict[str, object]:
    """The RFC 9457 document of a refusal (the whole body is that document, nothing else)."""
    assert 400 <= answer.status_code < 600, answer.status_code
    assert answer.headers["content-type"] == "application/problem+json"
    document: dict[str, object] = answer.json()
    assert document["status"] == answer.status_code
    assert str(document["rule"]).startswith("policy/")
    return document


def _fetch(url: str, expected: bytes) -> httpx.Response:
    """GET a file: 200 with exactly *expected*, or a problem document; nothing in between."""
    answer = httpx.get(url, timeout=PATIENCE)
    if answer.status_code == 200:
        served = hashlib.sha256(answer.content).hexdigest()
        assert served == hashlib.sha256(expected).hexdigest(), "bytes not published were served"
        assert url.split("/")[-2] == served
    else:
        _is_problem(answer)
    return answer


def _blob(rig: Rig, sha256: str) -> Path:
    return rig.store / "blobs" / sha256[:2] / sha256


def _store_is_whole(rig: Rig) -> None:
    """Blobs are whole files named by their sha256; nothing half written stays in `tmp/`."""
    for blob in (rig.store / "blobs").rglob("*"):
        if blob.is_file():
            assert blob.parent.name == blob.name[:2]
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name, blob

    def settled() -> bool:
        # At rest `tmp/` holds at most the spare download file: whole, and only zeros.
        left = list((rig.store / "tmp").iterdir())
        spares = [p for p in left if p.name.startswith("spare-")]
        return len(left) == len(spares) <= 1 and all(
            p.read_bytes() == bytes(SPARE_MIB << 20) for p in spares
        )

    assert eventually(settled, 15), sorted(p.name for p in (rig.store / "tmp").iterdir())


def _recovers(rig: Rig, name: str, item: FakeFile) -> None:
    """Once the upstream behaves, the page lists *item* under its sha256 and serves its bytes."""
    deadline = time.monotonic() + PATIENCE
    while True:
        entry = _page(rig.server, name).get(item.filename, {})
        listed = entry.get("hashes") == {"sha256": item.sha256}
        if listed and _fetch(_url(rig.server, name, entry), item.data).status_code == 200:
            return
        assert time.monotonic() < deadline, f"{item.filename} was not served again"
        time.sleep(0.2)


# -- project pages -------------------------------------------------------------------------


def _arm_page(rig: Rig, name: str, kind: str) -> None:
    upstream = rig.upstream
    prefix = f"/simple/{name}/"
    project = upstream.project(name)
    if kind == "timeout":
        upstream.misbehave(prefix, Fault.STALL)
    elif kind == "reset":
        upstream.misbehave(prefix, Fault.RESET)
    elif kind in {"500", "502", "503"}:
        upstream.misbehave(prefix, Fault.STATUS, status=int(kind))
    elif kind in {"truncated-json", "truncated-html"}:
        upstream.misbehave(prefix, Fault.SHORT)
    elif kind == "chunked-cut":
        upstream.misbehave(prefix, Fault.CHUNKED_CUT)
    elif kind == "invalid-json":  # cut in the middle, and the Content-Length says so
        body = upstream.simple_json(project)
        upstream.misbehave(prefix, Fault.REPLACE, bodies=(body[: len(body) // 2],))
    elif kind == "invalid-html":  # not UTF-8
        body = upstream.simple_html(project).replace(b"<body>", b"<body>\xff\xfe")
        upstream.misbehave(prefix, Fault.REPLACE, bodies=(body,))
    elif kind == "slowloris":
        upstream.misbehave(prefix, Fault.TRICKLE)
    elif kind == "redirect-other-origin":  # the other origin has a page: still never asked
        rig.other.serve_raw(f"/elsewhere/{name}/", upstream.simple_json(project), JSON["Accept"])
        upstream.misbehave(prefix, Fault.REDIRECT, location=f"{rig.other.root}/elsewhere/{name}/")
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "timeout",
        "reset",
        "500",
        "502",
        "503",
        "truncated-json",
        "invalid-json",
        "chunked-cut",
        "truncated-html",
        "invalid-html",
        "slowloris",
        "redirect-other-origin",
    ],
)
def test_page_fault_is_a_problem_answer_then_the_page_recovers(rig: Rig, kind: str) -> None:
    name, files = _project(rig, data=1024)
    rig.upstream.json_simple = not kind.endswith("-html")  # the server then parses HTML
    try:
        _arm_page(rig, name, kind)
        for accept in (JSON, HTML):
            started = time.monotonic()
            answer = httpx.get(rig.server.index + f"{name}/", headers=accept, timeout=PATIENCE)
            assert time.monotonic() - started < LIMIT
            assert answer.status_code in {502, 503}, answer.text
            assert _is_problem(answer)["rule"] == "policy/upstream-error"
            assert not any(item.filename in answer.text for item in files)
        assert rig.other.requests_to("/elsewhere/") == []  # the server never went there
        rig.upstream.behave()
        # Nothing of the failure is remembered: the very next request is whole.
        assert set(_page(rig.server, name)) == {item.filename for item in files}
        _recovers(rig, name, files[0])
    finally:
        rig.upstream.json_simple = True
    _store_is_whole(rig)


def test_page_that_flips_between_two_versions_is_served_whole_each_time(
    rig: Rig, tmp_path: Path
) -> None:
    """Each answer is one whole version of the page, and each file is served as published."""
    name, _ = _project(rig, data=1024, sdist=False)
    module = name.replace("-", "_")
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    first = build_wheel(tmp_path / "a", name, "1.0", {f"{module}/__init__.py": "V = 'a'\n"})
    swapped = build_wheel(tmp_path / "b", name, "1.0", {f"{module}/__init__.py": "V = 'b'\n"})
    added = build_wheel(tmp_path / "b", name, "1.1", {f"{module}/__init__.py": "V = 'c'\n"})
    one = FakeProject(name, {"1.0": [FakeFile(first.name, first.read_bytes(), OLD)]})
    two = FakeProject(
        name,
        {
            "1.0": [FakeFile(swapped.name, swapped.read_bytes(), OLD)],  # same name, new bytes
            "1.1": [FakeFile(added.name, added.read_bytes(), OLD)],
        },
    )
    by_sha: dict[str, bytes] = {}
    for project in (one, two):
        for item in (f for files in project.releases.values() for f in files):
            by_sha[item.sha256] = item.data
            rig.upstream.serve_raw(f"/files/{item.sha256}/{item.filename}", item.data)
    versions = [
        {(f.filename, f.sha256) for files in p.releases.values() for f in files} for p in (one, two)
    ]
    rig.upstream.misbehave(
        f"/simple/{name}/",
        Fault.REPLACE,
        bodies=(rig.upstream.simple_json(one), rig.upstream.simple_json(two)),
        content_type="application/vnd.pypi.simple.v1+json",
    )
    served: set[str] = set()
    for _ in range(8):
        page = _page(rig.server, name)
        assert {(f, e["hashes"]["sha256"]) for f, e in page.items()} in versions
        for entry in page.values():
            sha = entry["hashes"]["sha256"]
            if _fetch(_url(rig.server, name, entry), by_sha[sha]).status_code == 200:
                served.add(sha)
    assert served  # a flipping page is still usable: files are served, each one checked
    rig.upstream.behave()
    _store_is_whole(rig)


@pytest.mark.parametrize("change", ["added", "removed", "hash-changed"])
def test_page_that_changed_since_the_client_read_it(rig: Rig, change: str) -> None:
    """An old listing gets the old verified bytes or a problem; the new page is followed."""
    name, (old,) = _project(rig, data=1024, sdist=False)
    module = name.replace("-", "_")
    before = _page(rig.server, name)[old.filename]
    if change == "added":
        rig.upstream.add_release(name, "1.1", uploaded=OLD, sdist=False)
    elif change == "removed":
        rig.upstream.add_release(name, "1.1", uploaded=OLD, sdist=False)
        rig.upstream.remove_release(name, "1.0")
    else:
        folder = rig.upstream.workdir / "rebuilt" / name
        folder.mkdir(parents=True)
        rebuilt = build_wheel(folder, name, "1.0", {f"{module}/__init__.py": "V = 2\n"})
        rig.upstream.replace_data(old.filename, rebuilt.read_bytes())
    _fetch(_url(rig.server, name, before), old.data)
    now = {
        (f.filename, f.sha256)
        for files in rig.upstream.project(name).releases.values()
        for f in files
    }
    assert eventually(lambda: _listed(rig.server, name) == now, PATIENCE)
    current = rig.upstream.project(name).releases
    for item in (f for files in current.values() for f in files):
        _recovers(rig, name, item)
    if change != "added":  # the old listing now points at nothing the page has
        gone = httpx.get(_url(rig.server, name, before), timeout=PATIENCE)
        assert gone.status_code == 404
        _is_problem(gone)
    _store_is_whole(rig)


# -- file downloads ------------------------------------------------------------------------

# kind: (what the first download gets, phrases of which the refusal's reason has one)
FILE_FAULTS = {
    "timeout": ("refused", "no status line and headers within|timed out"),
    "reset": ("refused", "did not deliver"),
    "reset-once": ("served", ""),  # the server's own retry gets the file
    "503": ("refused", "HTTP 503"),
    "reset-mid-body": ("refused", "did not deliver"),
    "truncated": ("refused", "bytes short"),
    "chunked-cut": ("refused", "did not deliver"),
    "wrong-sha256": ("refused", "sha256 differs"),
    "wrong-size-larger": ("either", ""),  # the sha256 checks out: served, or refused
    "wrong-size-smaller": ("either", ""),
    "redirect-other-origin": ("refused", "outside its own origin"),
    "redirect-same-origin": ("served", ""),  # the control: redirects as such are fine
    "slowloris": ("refused", "slower than"),
    "slow-headers": ("refused", "no status line and headers within"),
}


def _arm_file(rig: Rig, item: FakeFile, kind: str) -> None:
    upstream = rig.upstream
    prefix = f"/files/{item.sha256}/"
    faults = {
        "timeout": Fault.STALL,
        "reset": Fault.RESET,
        "reset-mid-body": Fault.RESET_MID_BODY,
        "truncated": Fault.SHORT,
        "chunked-cut": Fault.CHUNKED_CUT,
        "slowloris": Fault.TRICKLE,
        "slow-headers": Fault.SLOW_HEADERS,
    }
    if kind in faults:
        upstream.misbehave(prefix, faults[kind])
    elif kind == "reset-once":
        upstream.misbehave(prefix, Fault.RESET, times=1)
    elif kind == "503":
        upstream.misbehave(prefix, Fault.STATUS, status=503)
    elif kind == "wrong-sha256":  # the index publishes the hash of other bytes
        upstream.tamper(item.filename, hashlib.sha256(item.data + b"x").hexdigest())
    elif kind == "wrong-size-larger":
        upstream.resize(item.filename, len(item.data) * 4)
    elif kind == "wrong-size-smaller":
        upstream.resize(item.filename, 100)
    elif kind == "redirect-other-origin":  # the other origin has the very bytes: still refused
        rig.other.serve_raw(f"/elsewhere/{item.filename}", item.data, "application/octet-stream")
        location = f"{rig.other.root}/elsewhere/{item.filename}"
        upstream.misbehave(prefix, Fault.REDIRECT, location=location)
    elif kind == "redirect-same-origin":
        upstream.serve_raw(f"/moved/{item.filename}", item.data, "application/octet-stream")
        upstream.misbehave(prefix, Fault.REDIRECT, location=f"/moved/{item.filename}")
    else:
        raise AssertionError(kind)


def _disarm_file(rig: Rig, item: FakeFile) -> None:
    rig.upstream.behave(f"/files/{item.sha256}/")
    rig.upstream.tamper(item.filename, item.sha256)
    rig.upstream.resize(item.filename, None)


@pytest.mark.parametrize("kind", list(FILE_FAULTS))
def test_file_fault_never_serves_an_unverified_byte_then_recovers(rig: Rig, kind: str) -> None:
    """The wheel (scanned as it downloads) and the sdist (scanned after) under one fault."""
    outcome, reason = FILE_FAULTS[kind]
    name, files = _project(rig)
    for item in files:
        _arm_file(rig, item, kind)
    page = _page(rig.server, name)
    urls = [_url(rig.server, name, page[item.filename]) for item in files]
    started = time.monotonic()
    with ThreadPoolExecutor(len(files)) as pool:
        answers = list(pool.map(_fetch, urls, [item.data for item in files]))
    assert time.monotonic() - started < LIMIT, "the server waited past its upstream timeout"
    for item, answer in zip(files, answers, strict=True):
        if outcome == "served":
            assert answer.status_code == 200, answer.text
        elif outcome == "refused":
            assert answer.status_code in {502, 503}, answer.status_code
            problem = _is_problem(answer)
            assert problem["rule"] == "policy/fetch-failed"
            detail = str(problem["detail"])
            assert any(phrase in detail for phrase in reason.split("|")), detail
            assert not _blob(rig, item.sha256).exists()
    assert rig.other.requests_to("/elsewhere/") == []
    _store_is_whole(rig)
    for item in files:
        _disarm_file(rig, item)
    for item in files:
        _recovers(rig, name, item)
    _store_is_whole(rig)


def test_pip_fails_closed_on_faults_and_installs_once_the_upstream_recovers(
    rig: Rig, tmp_path: Path
) -> None:
    name, files = _project(rig, data=4096)
    module = name.replace("-", "_")
    target = tmp_path / "target"
    rig.upstream.misbehave(f"/simple/{name}/", Fault.STATUS, status=503)
    failed = pip_install(rig.server.index, target, name)
    assert failed.returncode != 0
    assert "No matching distribution" in failed.stderr
    rig.upstream.behave()
    for item in files:
        rig.upstream.misbehave(f"/files/{item.sha256}/", Fault.RESET_MID_BODY)
    failed = pip_install(rig.server.index, target, name)
    assert failed.returncode != 0
    assert not (target / module).exists()
    rig.upstream.behave()
    done = pip_install(rig.server.index, target, name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (target / module / "__init__.py").read_text() == "VALUE = 1\n"
    _store_is_whole(rig)
