"""The replica's client against a real Redis and a real `pycustoms worker`: the lock is
exclusive, a scan comes back as a result, and a job the worker cannot complete is an
error (the caller refuses the file), never a result."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pycustoms.config import Policy
from pycustoms.types import Decision
from pycustoms.workers.client import BrokerError, RemoteScans
from pycustoms.workers.jobs import ScanJob, result_from_json
from tests.builders import build_wheel
from tests.redis import LocalRedis
from tests.server.workerproc import WorkerProcess

pytestmark = [pytest.mark.redis]


@pytest.fixture
def remote(redis_server: LocalRedis) -> Iterator[RemoteScans]:
    client = RemoteScans(redis_server.url)
    try:
        yield client
    finally:
        client.close()


def test_the_scan_lock_is_held_by_one_replica_at_a_time(remote: RemoteScans) -> None:
    sha = "e" * 64
    first = remote.lock(sha)
    assert first is not None
    assert remote.locked(sha)
    assert remote.lock(sha) is None  # another replica: waits for the verdict instead
    first.renew()
    first.release()
    assert not remote.locked(sha)
    again = remote.lock(sha)
    assert again is not None
    again.release()


def _wait(remote: RemoteScans, task_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = remote.poll(task_id)
        if answer is not None:
            return answer
        time.sleep(0.05)
    raise AssertionError("no answer in 60 s")


@pytest.mark.slow
def test_a_worker_scans_a_job_and_fails_one_it_cannot_read(
    redis_server: LocalRedis, remote: RemoteScans, tmp_path: Path
) -> None:
    wheel = build_wheel(tmp_path, "plain", "1.0", {"plain/__init__.py": "X = 1\n"})
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    worker = WorkerProcess(redis_server.url, tmp_path / "w" / "worker.log")
    try:
        answer = _wait(remote, remote.submit(ScanJob(sha, wheel.name, str(wheel), Policy())))
        assert result_from_json(answer, wheel.name).verdict.decision is Decision.ALLOW
        assert worker.scanned(sha) == 1
        # The staged file is gone (a replica that died, a volume not shared): an error.
        gone = ScanJob(sha, wheel.name, str(tmp_path / "gone.whl"), Policy())
        with pytest.raises(BrokerError, match="cannot read"):
            _wait(remote, remote.submit(gone))
        # Bytes that are not the sha256 the job names: refused, not scanned.
        other = ScanJob("f" * 64, wheel.name, str(wheel), Policy())
        with pytest.raises(BrokerError, match="sha256 differs"):
            _wait(remote, remote.submit(other))
        assert worker.scanned("f" * 64) == 0
    finally:
        worker.stop()


def test_an_unreachable_queue_is_an_error_not_a_hang() -> None:
    redis = LocalRedis()
    url = redis.url
    redis.stop()
    client = RemoteScans(url)
    try:
        started = time.monotonic()
        with pytest.raises(BrokerError):
            client.lock("a" * 64)
        with pytest.raises(BrokerError):
            client.submit(ScanJob("a" * 64, "x.whl", "/nowhere", Policy()))
        assert time.monotonic() - started < 30
    finally:
        client.close()
