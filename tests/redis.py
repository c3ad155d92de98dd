"""A throwaway Redis server: `redis-server` on a free loopback port in a temporary
directory, no system service and no persistence. Used by the scan-worker tests,
`make cluster` and benchmarks/cluster.py.

`stop()` ends it for good; `pause()` and `resume()` stop and restart it on the
same port (the tests that take the broker away for a few seconds).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.ports import free_port
from tests.procs import stop_process


class RedisUnavailableError(RuntimeError):
    """`redis-server` is not installed (the reason says which package)."""


def find_server() -> Path:
    """The `redis-server` binary on PATH (Debian installs it in /usr/bin)."""
    found = shutil.which("redis-server")
    if found is None:
        raise RedisUnavailableError(
            "Redis is not installed (Debian: apt-get install redis-server; "
            "looked for redis-server on PATH)"
        )
    return Path(found)


class LocalRedis:
    """A Redis server of its own in a temporary directory; `stop()` removes it all."""

    def __init__(self, *, port: int | None = None) -> None:
        self.binary = find_server()
        self.root = Path(tempfile.mkdtemp(prefix="pycustoms-redis-"))
        self.log_path = self.root / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        try:
            self._start(port)
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        """The broker URL (`redis://127.0.0.1:PORT/0`)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def _start(self, port: int | None) -> None:
        for _attempt in range(5):
            self.port = port or free_port()
            log = self.log_path.open("ab")
            # No config file: everything on the command line. No RDB snapshots and no
            # append-only file: nothing outlives the test.
            command = [str(self.binary), "--bind", "127.0.0.1", "--port", str(self.port),
                       "--dir", str(self.root), "--save", "", "--appendonly", "no",
                       "--protected-mode", "yes", "--daemonize", "no"]  # fmt: skip
            self.proc = subprocess.Popen(
                command,
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in a terminal reaches us, not the server
            )
            log.close()
            if self._ready():
                return
            if port is not None:
                break
        raise RuntimeError(f"redis-server did not start:\n{self.output()}")

    def _ready(self) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # the port was taken a moment after we found it free
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return True
            time.sleep(0.05)
        return False

    def output(self) -> str:
        """What the server logged."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def pause(self) -> None:
        """Stop the server (SIGKILL: what a crash or a lost network looks like)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def resume(self) -> None:
        """Start the server again on the same port (empty: it keeps nothing)."""
        self._start(self.port)

    def stop(self) -> None:
        """Stop the server, then remove its directory."""
        if self.proc is not None:
            stop_process(self.proc, 10)
        shutil.rmtree(self.root, ignore_errors=True)
