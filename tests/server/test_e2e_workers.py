"""Scans on Celery workers: two real `serve` replicas on PostgreSQL and Redis, real workers.

The same new file asked of both replicas at once is scanned once (counted in the
workers' logs), and both serve it under the one verdict in the shared database.
A worker killed mid-scan (SIGKILL of its whole process group) leaves the job to
another, and nothing is served before the scan completes. When Redis goes away
during a scan, the waiting request is refused (503); while it is gone, a new file
is refused too (never served unscanned), files already judged are still served
with their install events written, and scans work again once it is back. A replica
killed (SIGKILL) while it waits for a scan has served no byte of that file, every
download it answered before is in the shared install log, and the other replica
installs the file.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from pycustoms.db import Database
from pycustoms.db.firewall import InstallEventRow, ScanVerdictRow
from tests.fake_upstream import FakeUpstream
from tests.redis import LocalRedis
from tests.server.serverproc import (
    INSTALL_LOG_DELAY,
    ServerProcess,
    download_until,
    eventually,
    pip_install,
)
from tests.server.test_e2e_replicas import _cli, _file_url
from tests.server.workerproc import WorkerProcess

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

OLD = datetime.now(UTC) - timedelta(days=60)


def _big_module(n: int) -> str:
    # Distinct code in every module: the analyzers read each one (no shortcut for repeats).
    return "\n".join(
        f"def f{n}_{i}(x):\n    y = x * {i} + {n}\n    return [y + k for k in range({i})]\n"
        for i in range(400)
    )


@dataclass
class Cluster:
    a: ServerProcess
    b: ServerProcess
    workers: list[WorkerProcess]
    redis: LocalRedis
    db_url: str

    def scans(self, sha256: str) -> int:
        return sum(w.scanned(sha256) for w in self.workers)

    def db(self) -> Database:
        return Database(self.db_url)


@pytest.fixture
def cluster(postgres_url: str, redis_server: LocalRedis, tmp_path: Path) -> Iterator[Cluster]:
    upstream = FakeUpstream(tmp_path / "up")
    upstream.add_release("onepkg", "1.0", uploaded=OLD, sdist=False)
    upstream.add_release("otherpkg", "1.0", uploaded=OLD, sdist=False)
    # A wheel that takes a worker a couple of seconds to read (3,000 modules of 30 kB):
    # time enough to kill the worker in the middle of its scan.
    big = {f"bigpkg/m{i}.py": _big_module(i) for i in range(3000)}
    upstream.add_release("bigpkg", "1.0", uploaded=OLD, files=big, sdist=False)
    upstream.start()
    _cli(postgres_url, "db", "upgrade")
    env = {
        "PYCUSTOMS_DATABASE_URL": postgres_url,
        "PYCUSTOMS_SERVE_BROKER_URL": redis_server.url,
        "PYCUSTOMS_SERVE_PRESCAN": "0",
    }
    workers: list[WorkerProcess] = []
    replicas: list[ServerProcess] = []
    try:
        # All four start at once: each mostly waits for its imports and connections.
        with ThreadPoolExecutor(4) as pool:
            starting_workers = [
                pool.submit(
                    WorkerProcess, redis_server.url, tmp_path / n / "worker.log",
                    visibility_timeout=15,
                )
                for n in ("w1", "w2")
            ]  # fmt: skip
            starting_replicas = [
                pool.submit(ServerProcess, upstream.url, tmp_path / n, env=env) for n in ("a", "b")
            ]
        workers += [f.result() for f in starting_workers if f.exception() is None]
        replicas += [f.result() for f in starting_replicas if f.exception() is None]
        for future in starting_workers + starting_replicas:
            if future.exception() is not None:
                raise RuntimeError("a worker or replica did not start") from future.exception()
        yield Cluster(replicas[0], replicas[1], workers, redis_server, postgres_url)
    finally:
        for replica in replicas:
            replica.stop()
        for worker in workers:
            worker.stop()
        upstream.stop()


def _sha_of(server: ServerProcess, project: str) -> str:
    page = httpx.get(
        f"{server.index}{project}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=30,
    ).json()
    return str(page["files"][0]["hashes"]["sha256"])


def test_the_same_file_on_two_replicas_at_once_is_scanned_once(cluster: Cluster) -> None:
    urls = [_file_url(cluster.a, "onepkg", "1.0"), _file_url(cluster.b, "onepkg", "1.0")]
    sha = _sha_of(cluster.a, "onepkg")
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda u: httpx.get(u, timeout=120), urls))
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert hashlib.sha256(answer.content).hexdigest() == sha
    assert cluster.scans(sha) == 1, [w.output() for w in cluster.workers]
    db = cluster.db()
    try:
        with db.session() as session:
            row = session.get(ScanVerdictRow, sha)
            assert row is not None
            assert row.decision == "allow"
    finally:
        db.close()
    # Asked again, on either replica: served from the verdict, no new scan.
    for url in urls:
        assert httpx.get(url, timeout=60).status_code == 200
    assert cluster.scans(sha) == 1


def test_a_worker_killed_mid_scan_leaves_the_job_to_another(
    cluster: Cluster, tmp_path: Path
) -> None:
    sha = _sha_of(cluster.a, "bigpkg")
    with ThreadPoolExecutor(1) as pool:
        install = pool.submit(
            pip_install, cluster.a.index, tmp_path / "site", "--no-compile", "bigpkg==1.0"
        )
        started = eventually(lambda: any(w.started(sha) for w in cluster.workers), 60)
        assert started, [w.output() for w in cluster.workers]
        victim = next(w for w in cluster.workers if w.started(sha))
        victim.kill()
        assert victim.scanned(sha) == 0, "the scan ended before the kill: not mid-scan"
        # Nothing is served while no worker has finished the scan.
        assert not install.done()
        done = install.result(timeout=120)
    assert done.returncode == 0, done.stderr
    survivor = next(w for w in cluster.workers if w is not victim)
    # At least once: a scan that outlasts the visibility timeout may be handed out again.
    assert survivor.scanned(sha) >= 1, survivor.output()
    assert (tmp_path / "site" / "bigpkg" / "m0.py").is_file()


def _events(db_url: str, sha256: str) -> int:
    db = Database(db_url)
    try:
        with db.session() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(InstallEventRow)
                    .where(InstallEventRow.sha256 == sha256)
                )
                or 0
            )
    finally:
        db.close()


def test_without_redis_new_files_are_refused_and_known_ones_still_served(
    cluster: Cluster,
) -> None:
    known = _file_url(cluster.a, "onepkg", "1.0")
    known_sha = _sha_of(cluster.a, "onepkg")
    assert httpx.get(known, timeout=60).status_code == 200
    new = _file_url(cluster.b, "otherpkg", "1.0")
    new_sha = _sha_of(cluster.b, "otherpkg")
    big = _file_url(cluster.a, "bigpkg", "1.0")
    big_sha = _sha_of(cluster.a, "bigpkg")

    with ThreadPoolExecutor(1) as pool:
        # Redis goes away while a worker scans a file a replica waits for.
        in_flight = pool.submit(httpx.get, big, timeout=120)
        started = eventually(lambda: any(w.started(big_sha) for w in cluster.workers), 60)
        assert started, [w.output() for w in cluster.workers]
        cluster.redis.pause()
        cut_off = in_flight.result()
    try:
        assert cut_off.status_code == 503, cut_off.text  # refused, not served unscanned
        refused = httpx.get(new, timeout=60)
        assert refused.status_code == 503, refused.text
        assert "scan" in refused.text
        served: list[Any] = [httpx.get(known, timeout=60) for _ in range(3)]
        assert [a.status_code for a in served] == [200, 200, 200]
        assert cluster.scans(new_sha) == 0
    finally:
        cluster.redis.resume()
    # Redis is back (empty): the replicas and workers reconnect, and the file is scanned.
    assert eventually(lambda: httpx.get(new, timeout=60).status_code == 200, 45)
    assert cluster.scans(new_sha) == 1
    assert eventually(lambda: httpx.get(big, timeout=120).status_code == 200, 60)
    # Every file served, outage or not, is in the install log (written in batches).
    assert eventually(lambda: _events(cluster.db_url, known_sha) == 4, 10)


def _environments(db_url: str, prefix: str) -> set[str]:
    db = Database(db_url)
    try:
        with db.session() as session:
            query = select(InstallEventRow.environment).where(
                InstallEventRow.environment.startswith(prefix)
            )
            return set(session.scalars(query))
    finally:
        db.close()


def test_a_replica_killed_mid_download_serves_no_byte_and_loses_no_answered_event(
    cluster: Cluster, tmp_path: Path
) -> None:
    known = _file_url(cluster.a, "onepkg", "1.0")
    assert httpx.get(known, timeout=60).status_code == 200  # judged: the loop only serves
    big = _file_url(cluster.a, "bigpkg", "1.0")
    big_sha = _sha_of(cluster.a, "bigpkg")
    answered: list[tuple[str, float]] = []
    received: list[int] = []  # bytes of the cold download that reached the client
    stop = threading.Event()

    def cold() -> None:
        try:
            with httpx.stream("GET", big, timeout=120) as answer:
                for chunk in answer.iter_bytes():
                    received.append(len(chunk))
        except httpx.HTTPError:
            return

    threads = [
        threading.Thread(target=download_until, args=(stop, [known], "ack", answered), daemon=True),
        threading.Thread(target=cold, daemon=True),
    ]
    threads[0].start()
    try:
        assert eventually(lambda: len(answered) >= 50, 60), "too few downloads"
        time.sleep(2 * INSTALL_LOG_DELAY)  # downloads go on: some are due by the kill, some not
        threads[1].start()
        started = eventually(lambda: any(w.started(big_sha) for w in cluster.workers), 60)
        assert started, [w.output() for w in cluster.workers]
        killed = time.monotonic()
        cluster.a.kill()  # mid-download: the cold file is still being scanned
    finally:
        stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(60)
    assert sum(received) == 0, "bytes of a file were served before its scan ended"
    # Every download answered long enough before the kill is in the shared install log.
    due = {env for env, at in answered if at < killed - INSTALL_LOG_DELAY}
    assert due, "no download was answered long enough before the kill"
    assert eventually(lambda: due <= _environments(cluster.db_url, "ack-"), 10), sorted(
        due - _environments(cluster.db_url, "ack-")
    )
    # The other replica serves the file, once scanned, and installs it.
    done = pip_install(cluster.b.index, tmp_path / "site", "--no-compile", "bigpkg==1.0")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "bigpkg" / "m0.py").is_file()
