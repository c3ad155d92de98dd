"""A throwaway HTTP server on 127.0.0.1 (a free port) in a daemon thread, for test fakes."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def start(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """Serve *handler* on a free loopback port until `stop`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    return server


def stop(server: ThreadingHTTPServer | None) -> None:
    """Stop a server from `start` and release its port."""
    assert server is not None
    server.shutdown()
    server.server_close()
