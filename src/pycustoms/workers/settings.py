"""The settings of `pycustoms worker` (the `[worker]` table, `PYCUSTOMS_WORKER_*`).

The queue's URL is not here: it is `serve.broker-url`, the one setting the replicas
and the workers share (`PYCUSTOMS_SERVE_BROKER_URL`), so that one environment
configures both.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from pycustoms.settings_base import Field, parse_int, parse_seconds


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """How one worker runs its scans."""

    concurrency: int = 0
    visibility_timeout: float = 300.0


WORKER_FIELDS: tuple[Field, ...] = (
    Field(
        "concurrency",
        "worker.concurrency",
        parse_int,
        "scan processes (0: one per core)",
        flag="--concurrency",
    ),
    Field(
        "visibility_timeout",
        "worker.visibility-timeout",
        parse_seconds,
        "seconds after which a job taken by a worker that died is run again",
        flag="--visibility-timeout",
    ),
)
assert {f.name for f in fields(WorkerSettings)} == {f.attr for f in WORKER_FIELDS}
