"""The `BlobStore` interface: files kept by their sha256, written atomically."""

from __future__ import annotations

import abc
from pathlib import Path


class BlobWriter(abc.ABC):
    """An in-progress write. Nothing is visible under the hash until `commit` succeeds."""

    @abc.abstractmethod
    def write(self, data: bytes | memoryview) -> None:
        """Append *data* (not kept: the caller may reuse a memoryview's buffer afterwards)."""

    @abc.abstractmethod
    def finish(self) -> Path:
        """Close the staged data and return a local path to read it (not yet published)."""

    @abc.abstractmethod
    def commit(self, sha256: str, *, digest: str | None = None) -> None:
        """Verify that the content hashes to *sha256*, then publish it (atomically).

        *digest* is the content's sha256 when the caller computed it already
        (e.g. while a scan ran); otherwise it is computed here. Raises
        `pycustoms.upstream.errors.HashMismatchError` and discards the data when
        the hash differs.
        """

    @abc.abstractmethod
    def abort(self) -> None:
        """Discard what was written."""

    def share(self) -> str:
        """Where a scan worker can read the staged data (after `finish`): a path or URL.

        A local store gives the staged file's path (workers on the same machine or
        a shared volume); an object store uploads it to a staging key first.
        """
        raise NotImplementedError

    def inline_digest(self) -> str | None:
        """The sha256 of what was written, when it was hashed as it came (else `None`)."""
        return None

    def growing_path(self) -> Path | None:
        """A local file that holds what was written so far, or `None` if there is none.

        Lets a scan follow a download (see `pycustoms.archive.stream`); nothing
        may serve from it.
        """
        return None

    def publish_length(self, path: Path) -> None:
        """Keep the number of bytes written so far in *path*, updated after every write.

        The file at `growing_path()` may be longer than what was downloaded (a
        pre-written spare), so a scan that follows it reads only this far. The
        format is `pycustoms.archive.stream.LENGTH`.
        """
        raise NotImplementedError


class BlobStore(abc.ABC):
    """Immutable blobs addressed by lower-case hex sha256."""

    @abc.abstractmethod
    def has(self, sha256: str) -> bool:
        """True if a complete blob with this hash is stored."""

    @abc.abstractmethod
    def path(self, sha256: str) -> Path | None:
        """A local path to read the blob from (zero-copy serving), or `None` if absent."""

    def size(self, sha256: str) -> int | None:
        """The size of a stored blob in bytes, or `None` if it is not stored."""
        found = self.path(sha256)
        try:
            return found.stat().st_size if found is not None else None
        except OSError:
            return None

    @abc.abstractmethod
    def writer(self, *, inline_hash: bool = True, expected: int | None = None) -> BlobWriter:
        """Start writing a new blob (*inline_hash*: hash while writing, else at commit).

        *expected* is the size the index gives for the file, if any (a hint).
        """

    @abc.abstractmethod
    def recover(self) -> int:
        """Remove leftovers of interrupted writes; return how many were removed."""
