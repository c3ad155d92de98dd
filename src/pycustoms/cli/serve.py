"""`pycustoms serve`: run the firewall index that pip, uv and poetry install through."""

from __future__ import annotations

import argparse
import logging
import signal
import socket
from typing import Any

from pycustoms.analyzers.release.settings import RELEASE_FIELDS
from pycustoms.cli.common import (
    EXIT_CLEAN,
    add_config_option,
    add_data_options,
    add_field_option,
    add_verbosity_options,
    field_of,
    stderr,
)
from pycustoms.errors import PycustomsError
from pycustoms.redact import install_log_filter, redact
from pycustoms.server.settings import SERVE_FIELDS


def register(subparsers: Any) -> None:
    """Add the `serve` subcommand."""
    parser = subparsers.add_parser(
        "serve",
        help="run the firewall index (PEP 503/691) that installers use instead of the upstream",
        description="Serve a filtered, scanning mirror of one upstream index. Point pip "
        "(--index-url http://HOST:PORT/simple/), uv or poetry at it; see docs/serve.md.",
    )
    add_field_option(parser, field_of(SERVE_FIELDS, "--host"), "default 127.0.0.1")
    add_field_option(parser, field_of(SERVE_FIELDS, "--port"), "default 8080", type=int)
    add_field_option(parser, field_of(SERVE_FIELDS, "--upstream"))
    add_data_options(parser, database_url=True)
    add_config_option(parser)
    add_field_option(parser, field_of(RELEASE_FIELDS, "--cooldown"), "default: P7D")
    add_field_option(
        parser,
        field_of(SERVE_FIELDS, "--trusted-for-age"),
        "for a curated mirror; otherwise a file's age counts from when this index first saw it",
        action="store_const",
        const=True,
    )
    add_field_option(
        parser,
        field_of(SERVE_FIELDS, "--broker-url"),
        "scans go to `pycustoms worker` processes instead of this process's own pool",
    )
    add_field_option(parser, field_of(SERVE_FIELDS, "--store-url"))
    add_verbosity_options(parser, "show tracebacks and access logs")
    parser.set_defaults(handler=run)


def _listen(host: str, port: int) -> socket.socket:
    """Bind the listening socket here, so that a busy port is a clear error (exit 3)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio turns Nagle's algorithm off only on
    # sockets that say they are TCP, and accepted connections inherit this one's.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PycustomsError(
            f"cannot listen on {host}:{port} ({exc.strerror}); stop what uses the port "
            "or pass another --port"
        ) from None
    return sock


def _configure_logging() -> None:
    """pycustoms' own records at INFO on stderr; credentials masked in every record."""
    logger = logging.getLogger("pycustoms")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    install_log_filter("pycustoms", "uvicorn", "uvicorn.error", "uvicorn.access")


def run(args: argparse.Namespace) -> int:
    """Build the app and serve until interrupted; SIGHUP reloads the configuration."""
    import uvicorn  # noqa: PLC0415 - only `serve` needs the ASGI server

    from pycustoms.server import memory  # noqa: PLC0415
    from pycustoms.server.app import create_app  # noqa: PLC0415
    from pycustoms.server.protocol import http_protocol  # noqa: PLC0415 - imports uvicorn
    from pycustoms.server.startup import announce, check_temp_dir  # noqa: PLC0415

    memory.limit_arenas()  # before the app starts its threads
    check_temp_dir()
    overrides = {
        "host": args.host,
        "port": args.port,
        "upstream": args.upstream,
        "data_dir": args.data_dir,
        "database_url": args.database_url,
        "cooldown": args.cooldown,
        "trusted_for_age": args.trusted_for_age,
        "broker_url": args.broker_url,
        "store_url": args.store_url,
    }
    _configure_logging()  # before the app is built: its start-up warnings are logged
    app = create_app(args.config, overrides)
    config = app.state.watcher.current()
    serve = config.serve
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, lambda *_: app.state.watcher.request_reload())
    sock = _listen(serve.host, serve.port)
    stderr().print(
        f"pycustoms serving http://{serve.host}:{serve.port}/simple/ "
        f"(upstream {redact(app.state.index_url)}, data {app.state.data_dir})",
        markup=False,
    )
    announce(app.state)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            http=http_protocol(),
            lifespan="on",
            access_log=args.verbose,
            log_level="info" if args.verbose else "warning",
            timeout_keep_alive=30,
            server_header=False,
        )
    )
    _configure_logging()
    # The socket object itself, not its descriptor: uvicorn wraps a bare descriptor
    # as a Unix socket, and asyncio then leaves Nagle's algorithm on for every
    # connection (a response written as head + body then waits ~40 ms for the
    # client's delayed ACK).
    server.run(sockets=[sock])
    return EXIT_CLEAN
