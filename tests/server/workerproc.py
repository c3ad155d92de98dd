"""Run `pycustoms worker` as a real subprocess (its own process group), and read its log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.server.serverproc import clean_env


class WorkerProcess:
    """`python -m pycustoms worker` on *broker_url*, logging to *log_path*."""

    def __init__(
        self,
        broker_url: str,
        log_path: Path,
        *,
        concurrency: int = 1,
        visibility_timeout: float = 300.0,
    ) -> None:
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = log_path.open("ab")
        command = [sys.executable, "-m", "pycustoms", "worker", "--broker-url", broker_url,
                   "--concurrency", str(concurrency),
                   "--visibility-timeout", str(visibility_timeout)]  # fmt: skip
        self.proc = subprocess.Popen(
            command,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=clean_env(),
            cwd=log_path.parent,
            start_new_session=True,  # its own group: a kill reaches its scan processes too
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        # Celery prints "ready" once it consumes from the queue (logged at WARNING and above
        # only; so wait for the banner line pycustoms prints, then for the consumer).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.output()}")
            if "scan processes on" in self.output():
                time.sleep(1.0)  # the consumer connects just after the banner
                return
            time.sleep(0.05)
        raise RuntimeError(f"worker did not start: {self.output()}")

    def output(self) -> str:
        """What the worker logged so far."""
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def scanned(self, sha256: str) -> int:
        """How many scans of *sha256* this worker completed (its log's `scanned` lines)."""
        return self.output().count(f"scanned {sha256} ")

    def started(self, sha256: str) -> int:
        """How many scans of *sha256* this worker began."""
        return self.output().count(f"scanning {sha256} ")

    def kill(self) -> None:
        """SIGKILL the worker and its scan processes: no clean-up, no acknowledgement."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()

    def stop(self) -> None:
        """SIGTERM (a warm shutdown: the job in hand finishes), then SIGKILL if it hangs."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if not self.log.closed:
            self.log.close()
