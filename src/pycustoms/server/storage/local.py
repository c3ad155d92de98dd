"""A `BlobStore` in a local directory: `blobs/ab/abcdef...`, temporary files in `tmp/`.

A write goes to `tmp/` and is renamed into place only after its sha256 checked
out, so a reader (or a crash, even `kill -9`) never sees a half-written blob
under a hash. `recover()` at start-up deletes what interrupted writes left in `tmp/`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from pycustoms.server.storage.interface import BlobStore, BlobWriter
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


class _LocalWriter(BlobWriter):
    def __init__(self, store: LocalBlobStore, *, inline_hash: bool) -> None:
        self._store = store
        handle, name = tempfile.mkstemp(dir=store.tmp, prefix="blob-")
        self._file = os.fdopen(handle, "wb")
        self._tmp = Path(name)
        self._digest = hashlib.sha256() if inline_hash else None
        self.size = 0

    def write(self, data: bytes | memoryview) -> None:
        if self._digest is not None:
            self._digest.update(data)
        self.size += len(data)
        self._file.write(data)

    def finish(self) -> Path:
        self._file.close()
        return self._tmp

    def growing_path(self) -> Path:
        return self._tmp

    def commit(self, sha256: str, *, digest: str | None = None) -> None:
        self._file.close()
        if digest is not None:
            actual = digest
        elif self._digest is not None:
            actual = self._digest.hexdigest()
        else:
            actual = hash_file(self._tmp)
        if actual != sha256.lower():
            self.abort()
            raise HashMismatchError(
                f"the content's sha256 {actual} differs from the published {sha256}; "
                "the file was discarded and will not be served"
            )
        target = self._store.blob_path(actual)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._tmp.replace(target)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        self._tmp.unlink(missing_ok=True)


class LocalBlobStore(BlobStore):
    """Blobs below *root*."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.tmp = root / "tmp"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

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

    def writer(self, *, inline_hash: bool = True) -> _LocalWriter:
        return _LocalWriter(self, inline_hash=inline_hash)

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
