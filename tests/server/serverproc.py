"""Run `pycustoms serve` as a real subprocess on a free loopback port, and pip against it.

Shared by the end-to-end tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

from tests.ports import free_port
from tests.procs import stop_process

ROOT = Path(__file__).resolve().parents[2]
# The installers the tests drive: the pinned ones of the venv, unless `make test-newest`
# points these at a venv holding the newest pip and uv from the index.
PIP_PYTHON = os.environ.get("PYCUSTOMS_TEST_PIP_PYTHON") or sys.executable
UV = os.environ.get("PYCUSTOMS_TEST_UV") or str(Path(sys.executable).with_name("uv"))


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any PYCUSTOMS_*, PIP_* or UV_* settings of this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYCUSTOMS_", "PIP_", "UV_"))}
    env.update(extra)
    return env


def eventually(check: Callable[[], object], seconds: float = 10.0) -> bool:
    """Whether *check* comes true within *seconds* (asked every 0.1 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


# How long after its `200` a download's install event may still be only in the server's
# memory: the install log takes each event as soon as it is queued and lingers 0.1 s for
# more, then writes the batch in one transaction; the bound leaves room for a busy machine.
INSTALL_LOG_DELAY = 1.0


def download_until(
    stop: threading.Event, urls: Sequence[str], tag: str, answered: list[tuple[str, float]]
) -> None:
    """GET *urls* in turn, each as environment `TAG-N`, until *stop* or the server is gone;
    append (environment, time answered) for every `200` to *answered*."""
    with httpx.Client(timeout=30) as client:
        for n in range(1_000_000):
            if stop.is_set():
                return
            env = f"{tag}-{n}"
            try:
                response = client.get(urls[n % len(urls)], headers={"X-Pycustoms-Env": env})
            except httpx.HTTPError:
                return  # the server is gone
            if response.status_code == 200:
                answered.append((env, time.monotonic()))


def pip_install(
    index: str,
    target: Path,
    *args: str,
    python: Path | str = PIP_PYTHON,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`pip install --target TARGET ARGS` from *index*, blind to this machine's pip settings."""
    pip_env = clean_env(
        PIP_CONFIG_FILE="/dev/null",
        PIP_NO_CACHE_DIR="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        **dict(env or {}),
    )
    return subprocess.run(
        [str(python), "-m", "pip", "install", "--no-input", "--index-url", index,
         "--target", str(target), *args],
        capture_output=True, text=True, env=pip_env, timeout=120, check=False,
    )  # fmt: skip


class ServerProcess:
    """`python -m pycustoms serve` against *upstream*, with its data in *data_dir*."""

    def __init__(
        self,
        upstream: str,
        data_dir: Path,
        *,
        config: Path | None = None,
        env: Mapping[str, str] | None = None,
        args: tuple[str, ...] = (),
    ) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "pycustoms",
            "serve",
            "--port",
            str(self.port),
            "--upstream",
            upstream,
            "--data-dir",
            str(data_dir),
            *args,
        ]
        if config is not None:
            command += ["--config", str(config)]
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = (data_dir / "server.log").open("wb")
        self.proc = subprocess.Popen(
            command,
            cwd=data_dir,
            # No spare download file unless a test asks: each would write 256 MiB.
            env=clean_env(**{"PYCUSTOMS_SERVE_DOWNLOAD_SPARE_MIB": "0", **dict(env or {})}),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    @property
    def index(self) -> str:
        """The simple-API URL to give installers."""
        return self.url + "/simple/"

    def _wait(self) -> None:
        # The server listens once its names index is built (about a second alone; far
        # longer on a 2-core machine running other servers' scans at the same time).
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                if httpx.get(self.url + "/-/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.output()}")

    def output(self) -> str:
        """What the server printed so far."""
        self.log.flush()
        return (self.data_dir / "server.log").read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM, then wait (the install log is flushed on shutdown)."""
        stop_process(self.proc, 20)
        self.log.close()

    def kill(self) -> None:
        """SIGKILL: no cleanup at all."""
        self.proc.kill()
        self.proc.wait(5)
        self.log.close()
