"""Reading a wheel while it is still being downloaded, without changing the verdict.

The firewall's cold path is download, verify, scan, serve. The scan needs
nothing but bytes, and a zip's members arrive in order behind their local
headers, so the scan can follow the download instead of waiting for it.

A zip's authority is its central directory at the end, which the stream only
sees last; an installer trusts that directory, not the local headers. So the
streamed reading is optimistic: `StreamedWheel.members()` yields what the local
headers describe through the same `ArchiveWalker` (same limits, same member reads,
same nested archives) as `archive.walk.ArchiveWalker.zip`, and `confirm()` then reads
the finished file's central directory and accepts the streamed reading only if
it lists exactly the streamed entries (offset, name, flags, method, CRC and
both sizes), in the same order, with none of the problems the ordinary reader
would refuse or skip (links, devices, encryption, overlaps, oversized
directories, the archive-wide ratio). Anything unusual (data descriptors,
zip64 sizes in a local header, other compression methods, a CRC or size that
disagrees, data before the first header) stops the stream; the caller then
scans the finished file the ordinary way. Either way the verdict is the one the
ordinary reader reaches on the same bytes.

The file grows on disk, written by another process. `GrowingFile` waits for
bytes; the writer publishes how many it wrote in a length file beside it (the
file itself may be a longer, pre-written spare that the download overwrites)
and says how the download ended with a marker file.
"""

from __future__ import annotations

import contextlib
import os
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from pycustoms.archive.base import CHUNK, Member, check_name, sniff, zip_directory_precheck
from pycustoms.archive.walk import ArchiveWalker, check_overlap, duplicate_name, zip_type_problem
from pycustoms.errors import PycustomsError

# Marker files written beside the growing file by the process that downloads it.
COMPLETE_MARKER = ".complete"  # holds the final size in bytes
FAILED_MARKER = ".failed"  # the download failed: stop reading
LENGTH_MARKER = ".length"  # the bytes written so far, as `LENGTH`
LENGTH = struct.Struct("<Q")

_LOCAL = b"PK\x03\x04"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
# General-purpose flags a streamed entry may carry: deflate's level hints (bits
# 1, 2) and UTF-8 names (bit 11). Encryption (0), data descriptors (3), patched
# data (5) and anything else send the package to the ordinary reader.
_STREAMABLE_FLAGS = 0x0806
_STORED, _DEFLATED = 0, 8
_IN_CHUNK = 1 << 20
_MIN_IN = 64 * 1024
_MAX_POLL = 0.002


class DownloadFailed(PycustomsError):
    """The download that feeds a `GrowingFile` failed, was abandoned or stalled."""


class _Fallback(Exception):
    """The stream cannot be read optimistically; scan the finished file instead."""


class GrowingFile:
    """Positional reads of a file that another process is still writing.

    A read waits until the bytes it asks for were written: the writer keeps
    their count in `LENGTH_MARKER` in the same directory (no length file yet
    counts as none written). Nothing past that count is read, even where the
    file already holds bytes (a spare being overwritten). The writer ends the
    growth with `COMPLETE_MARKER` (the final size, after the file was cut to
    it) or `FAILED_MARKER`; removing the file's name also counts as failure.
    With no growth and no marker for *stall_seconds*, reading gives up.
    """

    def __init__(self, path: Path, *, stall_seconds: float) -> None:
        self.path = path
        self._stall = stall_seconds
        self._fd = os.open(path, os.O_RDONLY)
        self._length_fd: int | None = None
        self._known = 0
        self.final: int | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file."""
        for fd in (self._fd, self._length_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _written(self) -> int:
        """The length the writer published (0 before it did)."""
        if self._length_fd is None:
            try:
                self._length_fd = os.open(self.path.parent / LENGTH_MARKER, os.O_RDONLY)
            except FileNotFoundError:
                return 0
        # Read until two readings agree: an 8-byte update is not promised to be atomic.
        previous = None
        while True:
            raw = os.pread(self._length_fd, LENGTH.size, 0)
            value = int(LENGTH.unpack(raw)[0]) if len(raw) == LENGTH.size else 0
            if value == previous:
                return min(value, os.fstat(self._fd).st_size)
            previous = value

    def _ended(self) -> int | None:
        """The final size once the writer marked the file complete; raise if it failed."""
        folder = self.path.parent
        complete = folder / COMPLETE_MARKER
        if complete.exists():
            with contextlib.suppress(OSError, ValueError):
                return int(complete.read_text().strip())
        if (folder / FAILED_MARKER).exists() or not self.path.exists():
            raise DownloadFailed("the download did not complete")
        return None

    def wait_for(self, end: int) -> bool:
        """Wait until the file holds *end* bytes; False if it was completed shorter."""
        if end <= self._known:
            return True
        delay = 0.0002
        last_growth = time.monotonic()
        while True:
            size = self._written()
            if size > self._known:
                self._known = size
                last_growth = time.monotonic()
            if self._known >= end:
                return True
            if self.final is None:
                self.final = self._ended()
            if self.final is not None:
                # The writer cut the file to its final size before it said so.
                self._known = min(self.final, os.fstat(self._fd).st_size)
                return self._known >= end
            if time.monotonic() - last_growth > self._stall:
                raise DownloadFailed(f"the download stalled for {self._stall:.0f} s")
            time.sleep(delay)
            delay = min(delay * 2, _MAX_POLL)

    def complete(self) -> int:
        """Wait for the writer to finish; return the final size."""
        while self.final is None:
            self.wait_for(self._known + (1 << 62))
        return self.final

    def pread(self, offset: int, size: int) -> bytes:
        """Exactly *size* bytes at *offset*; `_Fallback` if the file ends before them."""
        if not self.wait_for(offset + size):
            raise _Fallback("the file ends inside a member")
        data = os.pread(self._fd, size, offset)
        if len(data) != size:
            raise _Fallback("short read")
        return data

    def peek(self, offset: int, size: int) -> bytes:
        """Up to *size* bytes at *offset* (fewer only where the finished file ends)."""
        self.wait_for(offset + size)
        return os.pread(self._fd, max(0, min(size, self._known - offset)), offset)


class _EntryReader:
    """The decompressed bytes of one entry whose data lie at [start, start + packed)."""

    def __init__(self, source: GrowingFile, start: int, packed: int, method: int) -> None:
        self._source = source
        self._pos = start
        self._end = start + packed
        self._inflate = zlib.decompressobj(-zlib.MAX_WBITS) if method == _DEFLATED else None
        self._pending = b""
        self.produced = 0

    def read(self, size: int = -1, /) -> bytes:
        """Up to *size* bytes (at most `CHUNK`); empty at the end of the entry."""
        size = CHUNK if size < 0 else min(size, CHUNK)
        if self._inflate is None:
            count = min(size, self._end - self._pos)
            data = self._source.pread(self._pos, count) if count > 0 else b""
            self._pos += len(data)
        else:
            data = self._inflated(size)
        self.produced += len(data)
        return data

    def _inflated(self, size: int) -> bytes:
        assert self._inflate is not None
        pieces: list[bytes] = []
        want = size
        while want > 0 and not self._inflate.eof:
            if not self._pending:
                # About as much input as output is wanted: a head read of a large
                # member then copies little more than the head's compressed bytes.
                count = min(max(want, _MIN_IN), _IN_CHUNK, self._end - self._pos)
                if count <= 0:
                    break
                self._pending = self._source.pread(self._pos, count)
                self._pos += count
            piece = self._inflate.decompress(self._pending, want)
            self._pending = self._inflate.unconsumed_tail
            pieces.append(piece)
            want -= len(piece)
        return b"".join(pieces)


@dataclass(frozen=True, slots=True)
class _Entry:
    offset: int
    name: str  # as `zipfile` decodes it (its `orig_filename`)
    flags: int
    method: int
    crc: int
    packed: int
    size: int

    def matches(self, info: zipfile.ZipInfo) -> bool:
        return (
            info.header_offset == self.offset
            and info.orig_filename == self.name
            and info.flag_bits == self.flags
            and info.compress_type == self.method
            and self.crc == info.CRC
            and info.compress_size == self.packed
            and info.file_size == self.size
        )


class StreamedWheel:
    """One top-level wheel read from a `GrowingFile` through a package's `ArchiveWalker`.

    Iterate `members()` once, then call `confirm()`. `failed` says why the
    streamed reading was abandoned (then its members must not be trusted).
    """

    def __init__(self, source: GrowingFile, walker: ArchiveWalker) -> None:
        self._source = source
        self._walker = walker
        self._entries: list[_Entry] = []
        self._produced = 0
        self.failed: str | None = None

    def members(self) -> Iterator[Member]:
        """What the local headers describe, read as `ArchiveWalker.zip` reads the directory."""
        try:
            yield from self._members()
        except DownloadFailed:
            raise
        except (_Fallback, PycustomsError, OSError, zlib.error, ValueError, struct.error) as exc:
            self.failed = str(exc) or type(exc).__name__

    def _members(self) -> Iterator[Member]:
        walker, source = self._walker, self._source
        seen: set[str] = set()
        offset = 0
        while source.peek(offset, 4) == _LOCAL:
            entry, start = self._entry(offset)
            name, problem = check_name(entry.name)
            if problem is not None:
                raise _Fallback(problem)
            walker.count(name)
            if duplicate_name(seen, name):
                walker.duplicate(0, name)
            offset = start + entry.packed
            if entry.name.endswith("/"):  # `ZipInfo.is_dir()`
                continue
            walker.ratio(entry.size, entry.packed, name)
            reader = _EntryReader(source, start, entry.packed, entry.method)
            member = walker.read(reader, name, 0, entry.size, entry.packed)
            # `zipfile` checks the CRC of what it reads to the end, not of a head.
            if not member.truncated and (
                reader.produced != entry.size or zlib.crc32(member.data) != entry.crc
            ):
                raise _Fallback(f"{name}: the data disagree with the local header")
            self._produced += len(member.data)
            yield from walker.emit(member)

    def _entry(self, offset: int) -> tuple[_Entry, int]:
        header = self._source.pread(offset, _LOCAL_HEADER.size)
        _, _, flags, method, _, _, crc, packed, size, name_len, extra_len = _LOCAL_HEADER.unpack(
            header
        )
        if flags & ~_STREAMABLE_FLAGS:
            raise _Fallback(f"local header flags {flags:#x}")
        if method not in (_STORED, _DEFLATED):
            raise _Fallback(f"compression method {method}")
        if 0xFFFFFFFF in (packed, size):
            raise _Fallback("zip64 sizes in a local header")
        raw = self._source.pread(offset + _LOCAL_HEADER.size, name_len)
        name = raw.decode("utf-8" if flags & 0x800 else "cp437")
        entry = _Entry(offset, name, flags, method, crc, packed, size)
        self._entries.append(entry)
        return entry, offset + _LOCAL_HEADER.size + name_len + extra_len

    def confirm(self) -> bool:
        """Wait for the whole file; True if its central directory is what was streamed."""
        size = self._source.complete()
        if self.failed is not None:
            return False
        limits = self._walker.limits
        if self._produced > limits.ratio_floor and self._produced > max(size, 1) * (
            limits.max_ratio
        ):
            self.failed = "archive compression ratio"
            return False
        try:
            infos = _directory(self._source.path, size, limits.max_members)
        except (_Fallback, PycustomsError, OSError, zipfile.BadZipFile, ValueError) as exc:
            self.failed = str(exc) or type(exc).__name__
            return False
        if len(infos) != len(self._entries):
            self.failed = "the central directory lists other entries than the local headers"
            return False
        for info, entry in zip(infos, self._entries, strict=True):
            if not entry.matches(info):
                self.failed = f"{entry.name}: the central directory disagrees with the stream"
                return False
            if zip_type_problem(info) is not None:
                self.failed = f"{entry.name}: {zip_type_problem(info)}"
                return False
        return True


def _directory(path: Path, size: int, max_members: int) -> list[zipfile.ZipInfo]:
    """The central directory of the finished zip at *path*, checked as `ArchiveWalker.zip` does."""
    with path.open("rb") as handle:
        if sniff(handle.read(512)) != "zip":
            raise _Fallback("not a zip archive")
        zip_directory_precheck(handle, size, max_members)
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    check_overlap(infos, size, "")
    return infos
