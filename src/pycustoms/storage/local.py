"""A `BlobStore` in a local directory: `blobs/ab/abcdef...`, temporary files in `tmp/`.

A write goes to `tmp/` and is renamed into place only after its sha256 checked
out, so a reader (or a crash, even `kill -9`) never sees a half-written blob
under a hash. `recover()` at start-up deletes what interrupted writes left in `tmp/`.
`tmp/` also holds the spare that large downloads overwrite (`spare.SpareFile`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from pycustoms.archive.stream import LENGTH
from pycustoms.storage.interface import BlobStore, BlobWriter
from pycustoms.storage.spare import SpareFile
from pycustoms.upstream.errors import HashMismatchError

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_BLOCK = 4 << 20


def hash_file(path: Path) -> str:
    """The sha256 of a file, read in large blocks (hashlib releases the GIL on them)."""
    digest = hashlib.sha256()
    buffer = bytearray(_BLOCK)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as handle:
        while count := handle.readinto(buffer):
            digest.update(view[:count])
    return digest.hexdigest()


class LocalWriter(BlobWriter):
    """Writes to a new temporary file, or over a pre-written spare (then cut to length)."""

    def __init__(self, store: LocalBlobStore, *, inline_hash: bool, spare: Path | None) -> None:
        self._store = store
        handle = None
        if spare is not None:
            try:
                handle = os.open(spare, os.O_WRONLY)  # no truncation: its pages are reused
                name = str(spare)
            except OSError:  # gone or unreadable: write a new file as usual
                with contextlib.suppress(OSError):
                    spare.unlink()
                store.spare.replace()
        if handle is None:
            spare = None
            handle, name = tempfile.mkstemp(dir=store.tmp, prefix="blob-")
        self._fd: int | None = handle
        self._tmp = Path(name)
        self._spare = spare is not None
        self._digest = hashlib.sha256() if inline_hash else None
        self._length_fd: int | None = None
        self.size = 0

    def write(self, data: bytes | memoryview) -> None:
        if self._fd is None:
            raise ValueError("write to a closed blob writer")
        if self._digest is not None:
            self._digest.update(data)
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        self.size += len(data)
        if self._length_fd is not None:
            os.pwrite(self._length_fd, LENGTH.pack(self.size), 0)

    def publish_length(self, path: Path) -> None:
        self._length_fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.pwrite(self._length_fd, LENGTH.pack(self.size), 0)

    def _close(self) -> None:
        """Cut a spare to what was written, then close (once)."""
        fd, self._fd = self._fd, None
        if self._length_fd is not None:
            os.close(self._length_fd)
            self._length_fd = None
        if fd is None:
            return
        try:
            if self._spare:
                os.ftruncate(fd, self.size)
        finally:
            os.close(fd)

    def finish(self) -> Path:
        self._close()
        return self._tmp

    def growing_path(self) -> Path:
        return self._tmp

    def inline_digest(self) -> str | None:
        return self._digest.hexdigest() if self._digest is not None else None

    def share(self) -> str:
        return str(self._tmp)

    def _final_digest(self, digest: str | None) -> str:
        """The staged bytes' sha256: *digest* when the caller hashed them, else the one
        kept while writing, else read back from the file."""
        if digest is not None:
            return digest
        if self._digest is not None:
            return self._digest.hexdigest()
        return hash_file(self._tmp)

    def commit(self, sha256: str, *, digest: str | None = None) -> None:
        self._close()
        if self._tmp.stat().st_size != self.size:  # never publish bytes nobody hashed
            self.abort()
            raise HashMismatchError(
                f"the staged file is not the {self.size} bytes downloaded; it was discarded"
            )
        actual = self._final_digest(digest)
        if actual != sha256.lower():
            self.abort()
            # The actual digest is not put in the message: it reaches clients, and for a
            # URL a hostile upstream chose it would tell them what the firewall read.
            raise HashMismatchError(
                f"the content's sha256 differs from the published {sha256}; "
                "the file was discarded and will not be served"
            )
        target = self._store.blob_path(actual)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._tmp.replace(target)
        self._done()

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._close()
        self._tmp.unlink(missing_ok=True)
        self._done()

    def _done(self) -> None:
        if self._spare:
            self._spare = False
            self._store.spare.replace()


class LocalBlobStore(BlobStore):
    """Blobs below *root*."""

    def __init__(self, root: Path, *, spare_bytes: int = 0) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.tmp = root / "tmp"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.spare = SpareFile(self.tmp, spare_bytes)

    def blob_path(self, sha256: str) -> Path:
        """Where the blob with *sha256* lives (whether or not it exists)."""
        if not _HEX64.match(sha256):
            raise ValueError(f"{sha256!r} is not a sha256 hex digest")
        return self.blobs / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.blob_path(sha256).is_file()

    def path(self, sha256: str) -> Path | None:
        target = self.blob_path(sha256)
        return target if target.is_file() else None

    def writer(self, *, inline_hash: bool = True, expected: int | None = None) -> LocalWriter:
        return LocalWriter(self, inline_hash=inline_hash, spare=self.spare.take(expected))

    def close(self) -> None:
        """Stop writing spares and remove the one left (see `spare.SpareFile`)."""
        self.spare.close()

    def recover(self) -> int:
        removed = 0
        for leftover in self.tmp.iterdir():
            with contextlib.suppress(OSError):
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover)  # a scan's hard link and its markers
                else:
                    leftover.unlink()
                removed += 1
        return removed
