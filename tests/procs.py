"""Stopping the servers the tests start: SIGTERM, a grace period, then SIGKILL."""

from __future__ import annotations

import subprocess


def stop_process(proc: subprocess.Popen[bytes], grace: float, after_kill: float = 5.0) -> None:
    """Ask *proc* to stop; kill it if it has not within *grace* seconds. A no-op once ended."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(after_kill)
