"""A pre-written spare file that a large download overwrites instead of growing a new file.

Writing a new file costs the kernel a fresh page-cache page per 4 KiB. On a
virtual machine whose freed memory goes back to the host (virtio-balloon free
page reporting, as on the machine `benchmarks/proxy.py` ran on), each of those
pages is a fault in the host too: a new 140 MB file took 0.27-0.33 s to write
there, and overwriting a file whose pages were already in memory 0.015 s. That
write sits on a cold download's critical path (nothing is served before the file
is stored), so a download that the index says is large takes the spare: its
bytes overwrite pages that exist, and the file is cut to the downloaded length
before it is hashed or published. A background thread, at the lowest CPU
priority, writes the next spare once that download is published or discarded.

The spare holds zeros, never an earlier download, and what lies past the
downloaded length is never read: `archive.stream.GrowingFile` follows the
length the writer publishes, not the file's size.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from pathlib import Path

_log = logging.getLogger(__name__)
_ZEROS = bytes(1 << 20)
PREFIX = "spare-"


class SpareFile:
    """Keeps one pre-written spare of *size* bytes in *folder* (a store's `tmp/`)."""

    def __init__(self, folder: Path, size: int) -> None:
        self.folder = folder
        self.size = size
        self._ready: Path | None = None
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Write the first spare in the background, and a new one after each `take`."""
        if self.size <= 0 or self._thread is not None:
            return
        self._wanted.set()
        self._thread = threading.Thread(target=self._run, name="pycustoms-spare", daemon=True)
        self._thread.start()

    def take(self, expected: int | None) -> Path | None:
        """The spare's path, now the caller's own, if one is ready and *expected* is large.

        Small files cost little to write as new, and each spare taken is
        written again in full: only a download of at least a quarter of the
        spare's size, as the index gives it, takes one (so the background
        writes are at most four times the downloads that used a spare).
        """
        if self.size <= 0 or expected is None or expected < self.size // 4:
            return None
        with self._lock:
            spare, self._ready = self._ready, None
        if spare is None:
            self._wanted.set()  # none ready: try again (after a failed write, say)
        return spare

    def replace(self) -> None:
        """Write the next spare: the download that took the last one is over.

        Called when that download is published or discarded, after its scan,
        so that writing the next spare does not compete with them.
        """
        self._wanted.set()

    def close(self) -> None:
        """Stop the background writer and remove the spare that nobody took."""
        self._stopped = True
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        with self._lock:
            spare, self._ready = self._ready, None
        if spare is not None:
            spare.unlink(missing_ok=True)

    def _run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # only this thread, where supported
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._stopped:
                return
            if self._ready is not None:
                continue
            try:
                spare = self._write()
            except OSError as exc:  # a full disk: downloads just write new files
                _log.warning("cannot write a spare download file: %s", exc.strerror)
                continue
            if spare is None:
                return
            _log.debug("spare download file of %d bytes ready", self.size)

    def _write(self) -> Path | None:
        """A new spare, written under a temporary name, renamed when whole and made ready."""
        name = uuid.uuid4().hex
        partial = self.folder / f".{PREFIX}{name}"
        try:
            whole = self._fill(partial)
            if whole:
                final = self.folder / f"{PREFIX}{name}"
                with self._lock:  # visible under its name only once `take` can have it
                    partial.replace(final)
                    self._ready = final
                return final
        except OSError:
            partial.unlink(missing_ok=True)
            raise
        partial.unlink(missing_ok=True)
        return None

    def _fill(self, path: Path) -> bool:
        """Write the spare's zeros to *path*; False if stopped before the end."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            left = self.size
            while left > 0:
                if self._stopped:
                    return False
                written = os.write(fd, _ZEROS[: min(left, len(_ZEROS))])
                if written <= 0:
                    raise OSError(0, "the file system took no bytes")
                left -= written
        finally:
            os.close(fd)
        return True
