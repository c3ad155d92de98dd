"""The Celery application that replicas and workers share: one queue of scan jobs on Redis.

Settings that make a job survive a worker's death:

- `task_acks_late`: a job is acknowledged when it has finished, not when a worker
  took it. A worker that dies mid-scan leaves it unacknowledged.
- `task_reject_on_worker_lost`: when the process running a job is killed (out of
  memory, `kill -9`), the worker puts the job back on the queue at once.
- `visibility_timeout`: when the whole worker dies, the job it held goes back on
  the queue after this many seconds (Redis has no connection-bound delivery).
  A scan that runs longer may also be given to a second worker: the verdict is
  the same (same bytes, same rules), only the work is repeated.
- `worker_prefetch_multiplier = 1`: a worker holds one job per process, so a
  dead worker takes no queue of others with it.

Only JSON is accepted (see `jobs`).
"""

from __future__ import annotations

from typing import Any

from celery import Celery

TASK = "pycustoms.scan"
QUEUE = "pycustoms-scans"
DEFAULT_VISIBILITY_TIMEOUT = 300.0


RESULT_KEY = "celery-task-meta-"  # where Celery's Redis result store keeps a job's result


def make_app(
    broker_url: str,
    *,
    visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT,
    results: bool = True,
) -> Celery:
    """The Celery application for *broker_url* (`redis://...`).

    *results*: store results in the same Redis (the workers). The replicas send
    jobs with it off and read results with plain GETs (`client.RemoteScans.poll`):
    Celery's Redis result reader subscribes to a channel per job and, when Redis
    goes away, retries for 20 s and then stops for good ("the Celery application
    must be restarted"), which would leave a replica unable to scan after an
    outage it should survive.
    """
    backend = broker_url if results else None
    app = Celery("pycustoms", broker=broker_url, backend=backend, set_as_current=False)
    transport = {
        "visibility_timeout": visibility_timeout,
        # Look for jobs of dead workers a few times per visibility timeout (kombu's
        # default sweep is every 100 s, whatever the timeout).
        "unacked_restore_interval": max(1, min(10, int(visibility_timeout / 4))),
        "unacked_restore_throttle": 1,
        "socket_timeout": 5.0,
        "socket_connect_timeout": 2.0,
    }
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_default_queue=QUEUE,
        task_track_started=False,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        result_expires=3600,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True,
        # A replica waits on its own terms (see client.py): a broker that is down fails
        # the enqueue quickly rather than retrying behind the request's back.
        broker_connection_timeout=2.0,
        redis_socket_timeout=5.0,
        redis_socket_connect_timeout=2.0,
        redis_retry_on_timeout=False,
        result_backend_always_retry=False,
    )
    app.task(name=TASK, acks_late=True, reject_on_worker_lost=True)(_scan)
    return app


def _scan(job: dict[str, Any]) -> dict[str, Any]:
    """The task: rebuild the job, scan the file, return the result as JSON."""
    from pycustoms.workers.jobs import ScanJob, result_json  # noqa: PLC0415 - worker side
    from pycustoms.workers.task import run_job  # noqa: PLC0415

    return result_json(run_job(ScanJob.from_json(job)))
