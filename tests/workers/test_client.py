"""The replica's client against a real Redis and a real `pycustoms worker`: the lock is
exclusive, a scan comes back as a result, and a job the worker cannot complete is an
error (the caller refuses the file), never a result."""

from __future__ import annotations

import hashlib
import os
import signal
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


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


@pytest.mark.slow
def test_a_scan_process_killed_mid_scan_has_its_job_run_again(
    redis_server: LocalRedis, remote: RemoteScans, tmp_path: Path
) -> None:
    # Enough modules that the scan takes a second or more: time to kill it midway.
    body = "\n".join(f"def f{i}(x):\n    return [x + k for k in range({i})]\n" for i in range(400))
    files = {f"slowpkg/m{i}.py": f"# module {i}\n{body}" for i in range(3000)}
    wheel = build_wheel(tmp_path, "slowpkg", "1.0", files)
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    worker = WorkerProcess(redis_server.url, tmp_path / "w" / "worker.log")
    try:
        task_id = remote.submit(ScanJob(sha, wheel.name, str(wheel), Policy()))
        deadline = time.monotonic() + 60
        while not worker.started(sha):
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.02)
        (child,) = _children(worker.proc.pid)  # the one scan process (--concurrency 1)
        os.kill(child, signal.SIGKILL)
        assert worker.scanned(sha) == 0, "the scan ended before the kill: not mid-scan"
        # The worker puts the job back at once (reject_on_worker_lost) and a new scan
        # process runs it: a result, never an error and never lost.
        answer = _wait(remote, task_id)
        assert result_from_json(answer, wheel.name).verdict.decision is Decision.ALLOW
        assert worker.started(sha) == 2
        assert worker.scanned(sha) == 1
    finally:
        worker.stop()
