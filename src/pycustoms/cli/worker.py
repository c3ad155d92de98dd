"""`pycustoms worker`: run scan jobs from the Celery queue on Redis (docs/scale.md)."""

from __future__ import annotations

import argparse
import os
import socket
import uuid
from typing import Any

from pycustoms.cli.common import (
    EXIT_CLEAN,
    EXIT_INCOMPLETE,
    add_verbosity_options,
    env_default,
    env_help,
    stderr,
)
from pycustoms.errors import UsageError
from pycustoms.redact import redact


def register(subparsers: Any) -> None:
    """Add the `worker` subcommand."""
    parser = subparsers.add_parser(
        "worker",
        help="run scan jobs from the queue that `serve --broker-url` replicas fill",
        description="Take scan jobs from the Celery queue on Redis and scan each file with "
        "the same archive reader and analyzers as `serve` (nothing in a package is run). "
        "A job is acknowledged only once scanned: a worker killed mid-scan leaves it to be "
        "run again. See docs/scale.md.",
    )
    parser.add_argument(
        "--broker-url",
        default=env_default("SERVE_BROKER_URL"),
        help=env_help(
            "Redis URL of the scan queue (redis://HOST:PORT/DB); the variable is the one "
            "the `serve` replicas read",
            "SERVE_BROKER_URL",
        ),
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(env_default("WORKER_CONCURRENCY", 0)),
        help=env_help("scan processes (default: one per core)", "WORKER_CONCURRENCY"),
    )
    parser.add_argument(
        "--visibility-timeout",
        type=float,
        default=float(env_default("WORKER_VISIBILITY_TIMEOUT", 300)),
        help=env_help(
            "seconds after which a job taken by a worker that died is run again (default 300)",
            "WORKER_VISIBILITY_TIMEOUT",
        ),
    )
    add_verbosity_options(parser, "show tracebacks and Celery's own log")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start a Celery worker on the scan queue; return when it stops (SIGTERM, Ctrl-C)."""
    from pycustoms.cli.serve import _configure_logging  # noqa: PLC0415
    from pycustoms.workers.broker import QUEUE, make_app  # noqa: PLC0415

    url = args.broker_url
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        raise UsageError(
            "give the scan queue's Redis URL: --broker-url redis://HOST:PORT/DB "
            "(or PYCUSTOMS_SERVE_BROKER_URL)"
        )
    if args.concurrency < 0 or args.visibility_timeout <= 0:
        raise UsageError("--concurrency must be 0 or more and --visibility-timeout positive")
    _configure_logging()
    app = make_app(url, visibility_timeout=args.visibility_timeout)
    concurrency = args.concurrency or max(1, os.cpu_count() or 1)
    name = f"pycustoms-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    if not args.quiet:
        stderr().print(
            f"pycustoms worker {name}: {concurrency} scan processes on {redact(url)}",
            markup=False,
        )
    try:
        app.worker_main(
            [
                "worker",
                "--queues", QUEUE,
                "--concurrency", str(concurrency),
                "--pool", "prefork",
                "--hostname", name,
                "--loglevel", "INFO" if args.verbose else "WARNING",
                "--without-gossip",
                "--without-mingle",
            ]
        )  # fmt: skip
    except SystemExit as exc:
        return EXIT_CLEAN if exc.code in (0, None) else EXIT_INCOMPLETE
    return EXIT_CLEAN
