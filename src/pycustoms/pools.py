"""Process pools whose workers end with the process that started them.

A `ProcessPoolExecutor` worker waits on a queue whose pipe it holds both ends
of, so when its parent dies without shutting the pool down (`kill -9`, the
out-of-memory killer) nothing ever wakes it: it stays, idle, for good. Under
`forkserver` each worker also holds the fork server's "alive" pipe, so the
fork server and the resource tracker stay too. Every pool here gives its
workers a thread that waits for the parent's end and then exits the worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext


def process_pool(
    workers: int, context: BaseContext | None = None, *, nice: int = 0
) -> ProcessPoolExecutor:
    """A pool of *workers* processes that exit when this process ends, however it ends.

    *nice* lowers the workers' CPU priority by that much: a server's own requests
    then go first, and the workers take what CPU is left.
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context or multiprocessing.get_context(),
        initializer=follow_parent,
        initargs=(os.getpid(), nice),
    )


def follow_parent(parent: int, nice: int = 0) -> None:
    """Worker initializer: end this process when process *parent* ends; lower its priority."""
    if nice > 0:
        with contextlib.suppress(OSError):
            os.nice(nice)
    watcher = threading.Thread(target=_exit_after, args=(parent,), name="pycustoms-follow")
    watcher.daemon = True
    watcher.start()


def _exit_after(parent: int) -> None:
    try:
        # Readable once the process has ended (a zombie counts), with no polling.
        handle = os.pidfd_open(parent)
    except (AttributeError, OSError):  # not Linux, or already gone
        while _alive(parent):
            time.sleep(1.0)
    else:
        select.select([handle], [], [])
    os._exit(0)  # no clean-up to wait for: the pool's owner is gone


def _alive(pid: int) -> bool:
    with contextlib.suppress(PermissionError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
    return True
