"""The replica's side of the scan queue: enqueue a job, wait for it, lock a file's scan.

The lock is Redis `SET NX` with an expiry (redis-py's `Lock`, which releases only
its own token): the replica that takes it fetches the file, has it scanned,
records the verdict in the shared database and releases it; a replica that
finds it taken waits for that verdict instead of scanning the file again. The
holder renews the expiry while it works, so a replica that dies holding it
frees the file within `LOCK_SECONDS`.

Every failure to reach Redis is a `BrokerError`: the caller refuses the file
(fail closed) rather than serve it unscanned.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from typing import Any

from pycustoms.errors import PycustomsError
from pycustoms.redact import redact
from pycustoms.workers.jobs import ScanJob

_log = logging.getLogger(__name__)
LOCK_SECONDS = 30.0
_LOCK_PREFIX = "pycustoms:scan-lock:"


class BrokerError(PycustomsError):
    """Redis (the scan queue) could not be reached, or a job failed on the worker."""


def _errors() -> tuple[type[BaseException], ...]:
    """What Redis, kombu and the socket raise when the queue is unreachable.

    Imported here, not at the top: the server imports this module whether or not it
    uses a queue, and Celery takes a while to import.
    """
    from kombu.exceptions import KombuError  # noqa: PLC0415

    import redis  # noqa: PLC0415

    return (KombuError, redis.RedisError, redis.exceptions.LockError, OSError)


class ScanLock:
    """One replica's hold on one file's scan (see the module's docstring)."""

    def __init__(self, lock: Any) -> None:
        self._lock = lock

    def renew(self) -> None:
        """Push the expiry `LOCK_SECONDS` away again."""
        try:
            self._lock.extend(LOCK_SECONDS, replace_ttl=True)
        except _errors() as exc:
            raise BrokerError(f"cannot renew the scan lock: {exc}") from None

    def release(self) -> None:
        """Let other replicas go (they find the verdict in the database)."""
        try:
            self._lock.release()
        except _errors() as exc:
            # Expired or unreachable: it frees itself within LOCK_SECONDS.
            _log.warning("scan lock not released: %s", exc)


class RemoteScans:
    """Scan jobs on the Celery queue at *broker_url* (`redis://...`)."""

    def __init__(self, broker_url: str) -> None:
        import redis  # noqa: PLC0415 - see _errors
        from pycustoms.workers.broker import make_app  # noqa: PLC0415

        self.broker_url = broker_url
        self._app = make_app(broker_url, results=False)
        self._redis = redis.Redis.from_url(
            broker_url, socket_timeout=5.0, socket_connect_timeout=2.0
        )

    def __repr__(self) -> str:
        return f"RemoteScans({redact(self.broker_url)})"

    def lock(self, sha256: str) -> ScanLock | None:
        """Take the scan lock of *sha256*, or `None` when another replica holds it."""
        lock = self._redis.lock(
            _LOCK_PREFIX + sha256, timeout=LOCK_SECONDS, blocking=False, thread_local=False
        )
        try:
            taken = lock.acquire(blocking=False, token=uuid.uuid4().hex.encode())
        except _errors() as exc:
            raise BrokerError(f"the scan queue is not reachable ({type(exc).__name__})") from None
        return ScanLock(lock) if taken else None

    def locked(self, sha256: str) -> bool:
        """Whether some replica holds the scan lock of *sha256*."""
        try:
            return bool(self._redis.exists(_LOCK_PREFIX + sha256))
        except _errors() as exc:
            raise BrokerError(f"the scan queue is not reachable ({type(exc).__name__})") from None

    def submit(self, job: ScanJob) -> str:
        """Put *job* on the queue; return its id."""
        from pycustoms.workers.broker import TASK  # noqa: PLC0415

        try:
            sent = self._app.send_task(
                TASK, kwargs={"job": job.to_json()}, retry=False, ignore_result=False
            )
        except _errors() as exc:
            raise BrokerError(f"the scan queue is not reachable ({type(exc).__name__})") from None
        return str(sent.id)

    def poll(self, task_id: str) -> dict[str, Any] | None:
        """The job's result (JSON) once done, `None` while it waits or runs.

        Read with a plain GET of the key Celery's Redis result store writes (see
        `broker.make_app`). Raises `BrokerError` when the job failed on the worker
        or Redis is unreachable.
        """
        from pycustoms.workers.broker import RESULT_KEY  # noqa: PLC0415

        try:
            raw = self._redis.get(RESULT_KEY + task_id)
        except _errors() as exc:
            raise BrokerError(f"the scan queue is not reachable ({type(exc).__name__})") from None
        if raw is None:
            return None
        try:
            meta = json.loads(raw)
            state, value = meta["status"], meta.get("result")
        except (ValueError, TypeError, KeyError):
            raise BrokerError("the worker's answer is not a scan result") from None
        if state in ("FAILURE", "REVOKED"):
            if isinstance(value, dict):
                value = f"{value.get('exc_type')}: {value.get('exc_message')}"
            raise BrokerError(f"the scan job failed on the worker: {value}"[:500])
        if state != "SUCCESS":
            return None  # RETRY, STARTED: still going
        if not isinstance(value, dict):
            raise BrokerError("the worker's answer is not a scan result")
        return value

    def forget(self, task_id: str) -> None:
        """Drop a finished job's result from Redis."""
        from pycustoms.workers.broker import RESULT_KEY  # noqa: PLC0415

        # On failure it expires on its own (result_expires).
        with contextlib.suppress(*_errors()):
            self._redis.delete(RESULT_KEY + task_id)

    def close(self) -> None:
        """Close the connections."""
        self._redis.close()
        self._app.close()
