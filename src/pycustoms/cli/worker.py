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
    add_config_option,
    add_field_option,
    add_verbosity_options,
    field_of,
    stderr,
)
from pycustoms.config import load_config
from pycustoms.errors import UsageError
from pycustoms.redact import redact
from pycustoms.server.settings import SERVE_FIELDS, ServeSettings
from pycustoms.settings_base import load_fields
from pycustoms.workers.settings import WORKER_FIELDS, WorkerSettings


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
    add_field_option(
        parser,
        field_of(SERVE_FIELDS, "--broker-url"),
        "the same setting the `serve` replicas read",
    )
    add_field_option(parser, field_of(WORKER_FIELDS, "--concurrency"), "default: 0")
    add_field_option(parser, field_of(WORKER_FIELDS, "--visibility-timeout"), "default: 300")
    add_config_option(parser)
    add_verbosity_options(parser, "show tracebacks and Celery's own log")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start a Celery worker on the scan queue; return when it stops (SIGTERM, Ctrl-C)."""
    from pycustoms.cli.serve import _configure_logging  # noqa: PLC0415
    from pycustoms.workers.broker import QUEUE, make_app  # noqa: PLC0415

    raw = load_config(config_file=args.config).raw
    url = load_fields(
        ServeSettings(), (field_of(SERVE_FIELDS, "--broker-url"),), raw, None,
        {"broker_url": args.broker_url},
    ).broker_url  # fmt: skip
    settings = load_fields(
        WorkerSettings(), WORKER_FIELDS, raw, None,
        {"concurrency": args.concurrency, "visibility_timeout": args.visibility_timeout},
    )  # fmt: skip
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        raise UsageError(
            "give the scan queue's Redis URL: --broker-url redis://HOST:PORT/DB "
            "(or PYCUSTOMS_SERVE_BROKER_URL)"
        )
    if settings.concurrency < 0 or settings.visibility_timeout <= 0:
        raise UsageError("--concurrency must be 0 or more and --visibility-timeout positive")
    _configure_logging()
    app = make_app(url, visibility_timeout=settings.visibility_timeout)
    concurrency = settings.concurrency or max(1, os.cpu_count() or 1)
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
