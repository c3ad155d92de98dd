"""A throwaway PostgreSQL server: `initdb` in a temporary directory, `postgres` on a free
loopback port, no system service. Used by the `postgres` tests, `make cluster` and
benchmarks/cluster.py.

PostgreSQL refuses to run as root. When this process is root (CI, containers), the
server runs as the unprivileged `nobody` account (every Debian system has it): the
data directory is created directly under the system temporary directory (whose parent
directories `nobody` can traverse, unlike pytest's root-only 0700 ones) and handed to
that account; `subprocess` drops the user, group and supplementary groups itself, so
no `su`, `runuser` or `sudo` is needed.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.ports import free_port

# Debian installs the server outside PATH, one directory per major version.
_DEBIAN_BINDIRS = "/usr/lib/postgresql"
_UNPRIVILEGED = "nobody"
SUPERUSER = "pycustoms"


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL's server binaries are not installed (the reason says which package)."""


def find_bindir() -> Path:
    """The directory holding `initdb` and `postgres`: the newest Debian version, else PATH."""
    versions = sorted(
        (p for p in Path(_DEBIAN_BINDIRS).glob("*/bin") if (p / "postgres").is_file()),
        key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0),
    )
    if versions:
        return versions[-1]
    found = shutil.which("initdb")
    if found and Path(found).resolve().with_name("postgres").is_file():
        return Path(found).resolve().parent
    raise PostgresUnavailableError(
        "PostgreSQL's server is not installed (Debian: apt-get install postgresql; "
        f"looked in {_DEBIAN_BINDIRS}/*/bin and PATH)"
    )


class LocalPostgres:
    """A PostgreSQL server of its own in a temporary directory; `stop()` removes it all.

    *durable* keeps PostgreSQL's defaults (fsync, synchronous commit); the tests turn
    them off, since a crash of the test machine loses nothing anyone needs.
    """

    def __init__(self, *, durable: bool = False, port: int | None = None) -> None:
        self.bindir = find_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="pycustoms-pg-"))
        self.data = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self._owner: tuple[int, int] | None = None
        if os.geteuid() == 0:
            account = pwd.getpwnam(_UNPRIVILEGED)
            self._owner = (account.pw_uid, account.pw_gid)
            os.chown(self.root, *self._owner)
        self.root.chmod(0o700)
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        try:
            self._init(durable, port)
        except BaseException:
            self.stop()  # leave no directory behind when the server would not start
            raise

    def _init(self, durable: bool, port: int | None) -> None:
        self._run([str(self.bindir / "initdb"), "--auth=trust", "--encoding=UTF8",
                   "--locale=C", "-U", SUPERUSER, "-D", str(self.data)])  # fmt: skip
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.root),
            "max_connections": "200",
            "shared_buffers": "128MB",
            "log_min_messages": "warning",
        }
        if not durable:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.writelines(f"{key} = '{value}'\n" for key, value in settings.items())
        self._start(port)

    def _preexec(self) -> dict[str, object]:
        if self._owner is None:
            return {}
        uid, gid = self._owner
        return {"user": uid, "group": gid, "extra_groups": []}

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=self.root,
            check=False,
            env=self._env(),
            **self._preexec(),  # type: ignore[call-overload]
        )
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")

    def _env(self) -> dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "TZ")
        return {k: v for k, v in os.environ.items() if k in keep} | {"HOME": str(self.root)}

    def _start(self, port: int | None) -> None:
        for _attempt in range(5):
            self.port = port or free_port()
            log = self.log_path.open("ab")
            self.proc = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port)],
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env(),
                start_new_session=True,  # Ctrl-C in a terminal reaches us, not the server
                **self._preexec(),
            )
            log.close()
            if self._ready():
                return
            if port is not None:
                break  # a port the caller chose: do not try others
        raise RuntimeError(f"PostgreSQL did not start:\n{self.output()}")

    def _ready(self) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # the port was taken a moment after we found it free
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1),
            ):
                done = subprocess.run(
                    [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                    capture_output=True,
                    check=False,
                )
                if done.returncode == 0:
                    return True
            time.sleep(0.05)
        return False

    def output(self) -> str:
        """What the server logged."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of *database* (psycopg 3, trust authentication, no password)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """Create a new, empty database; return its URL."""
        import psycopg  # noqa: PLC0415 - only when a server runs

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        dsn = f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then remove the data directory."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)
