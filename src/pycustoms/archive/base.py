"""Building blocks of `pycustoms.archive`: limits, members, format sniffing, name checks, streams.

Nothing here reads more than it is told to, and nothing here raises anything but
`UnscannableError` (a limit was hit) or the usual decoding errors, which the
reader turns into findings.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import struct
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Literal, Protocol

from pycustoms.errors import UnscannableError

if TYPE_CHECKING:
    from pycustoms.config import Policy

UNSCANNABLE = "archive/unscannable"
NESTED_TOO_DEEP = "archive/nested-too-deep"
NESTED_UNSAFE = "archive/nested-unsafe"
SYMLINK = "archive/symlink"
DUPLICATE = "archive/duplicate-member"

Format = Literal["zip", "gz", "bz2", "xz", "tar"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits on what one package may make the reader do.

    `max_ratio` applies to each member and to each archive as a whole, once
    more than `ratio_floor` bytes came out. Below that a high ratio is ordinary
    (test data full of zeros compresses past 1000:1) and the byte limits
    already bound the work; a bomb needs output far above the floor.
    """

    max_members: int = 20_000
    max_total_bytes: int = 2 * 1024**3
    max_file_bytes: int = 512 * 1024**2
    max_ratio: int = 200
    max_depth: int = 3
    ratio_floor: int = 64 * 1024**2

    @classmethod
    def from_policy(cls, policy: Policy) -> Limits:
        """The limits configured in *policy*."""
        return cls(
            max_members=policy.max_members,
            max_total_bytes=policy.max_total_bytes,
            max_file_bytes=policy.max_file_bytes,
            max_ratio=policy.max_ratio,
            max_depth=policy.max_depth,
        )


@dataclass(frozen=True, slots=True)
class Member:
    """One regular file of a package.

    `path` is relative to the package root (an sdist's single top-level
    directory removed); members of nested archives are named
    ``outer/inner.zip!dir/file.py``. `depth` is 0 for the package's own files
    and grows by one per nested archive. `full_size` is set when `data` holds
    only the first bytes of a large binary member (see `open_package`).
    """

    path: str
    data: bytes
    depth: int = 0
    full_size: int | None = None

    @property
    def truncated(self) -> bool:
        """True when `data` is only the head of the member."""
        return self.full_size is not None


class Readable(Protocol):
    """Anything with a binary ``read(size)``."""

    def read(self, size: int = -1, /) -> bytes:
        """Read up to *size* bytes."""
        ...


# A read never asks a decompressor for more than this at once, so that a lie in
# a header cannot make us allocate a huge buffer up front.
CHUNK = 8 * 1024**2

_NATIVE_MAGIC = (
    b"\x7fELF",  # Linux, BSD
    b"MZ",  # Windows PE
    b"\xcf\xfa\xed\xfe",  # Mach-O 64
    b"\xce\xfa\xed\xfe",  # Mach-O 32
    b"\xca\xfe\xba\xbe",  # Mach-O fat (and Java class files)
    b"\xfe\xed\xfa\xcf",
    b"\xfe\xed\xfa\xce",
)
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_COMPRESSED_SUFFIXES = (".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz")


def sniff(head: bytes) -> Format | None:
    """The archive format of a file from its first 512 bytes, or None if it is not one."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gz"
    if head.startswith(b"BZh") and head[4:10] == b"1AY&SY":
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head[257:262] == b"ustar":
        return "tar"
    return None


def looks_native(path: str, head: bytes) -> bool:
    """True for compiled code or other binary data (by magic bytes or a NUL byte).

    The default test of which large members may be read only in part.
    """
    if sniff(head) is not None:
        return False  # archives are always read in full, to look inside them
    return head.startswith(_NATIVE_MAGIC) or b"\x00" in head[:4096]


def check_name(raw: str) -> tuple[str, str | None]:
    """Normalise a member name; return ``(name, problem)``.

    *name* uses ``/`` separators, no empty or ``.`` components, Unicode NFC;
    *problem* says why the name is hostile or unusable (then *name* is only for
    the report).
    """
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        return raw.encode("utf-8", "replace").decode("utf-8"), "member name is not valid UTF-8"
    if _CONTROL.search(raw):
        return raw, "member name contains control characters"
    text = raw.replace("\\", "/")
    if text.startswith("/"):
        return raw, "absolute member path"
    if _DRIVE.match(text):
        return raw, "member path starts with a drive letter"
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if ".." in parts:
        return raw, "member path traverses out of the archive ('..')"
    if not parts:
        return raw, "empty member name"
    name = "/".join(parts)
    if not name.isascii():
        name = unicodedata.normalize("NFC", name)
    return name, None


def common_top(names: Iterable[tuple[str, bool]]) -> str | None:
    """The single top-level directory shared by every ``(name, is_dir)``, else None."""
    top: str | None = None
    has_file = False
    for name, is_dir in names:
        head, sep, _ = name.partition("/")
        if not sep and not is_dir:
            return None  # a file at the top level
        if top is None:
            top = head
        elif head != top:
            return None
        has_file = has_file or not is_dir
    return top if has_file else None


def strip_top(name: str, top: str | None) -> str:
    """*name* without the directory *top* (see `common_top`)."""
    return name[len(top) + 1 :] if top is not None else name


def inner_name(outer: str) -> str:
    """The name of the one file inside a compressed single file (``a.json.gz`` -> ``a.json``)."""
    base = outer.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    for suffix in _COMPRESSED_SUFFIXES:
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return "data"


def decompressor(fmt: Format, raw: IO[bytes]) -> Readable:
    """A reader of the decompressed bytes of *raw* (which is left open)."""
    if fmt == "gz":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if fmt == "bz2":
        return bz2.BZ2File(raw, "rb")
    if fmt == "xz":
        return lzma.LZMAFile(raw, "rb")
    return raw


def read_capped(handle: Readable, cap: int) -> bytes:
    """Read up to *cap* bytes (fewer only at the end) in bounded chunks.

    Never asks for *cap* bytes at once: buffered readers allocate what is asked.
    """
    chunks: list[bytes] = []
    left = cap
    while left > 0:
        chunk = handle.read(min(left, CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class BoundedStream:
    """A read-only stream over *inner* that refuses to produce more than *cap* bytes.

    It also enforces the compression ratio of the whole stream (*produced* /
    *compressed*) once more than *ratio_floor* bytes came out, and can push back
    bytes already read (to sniff a format).
    """

    def __init__(
        self, inner: Readable, *, cap: int, compressed: int, max_ratio: int, ratio_floor: int
    ) -> None:
        self._inner = inner
        self._cap = cap
        self._compressed = max(compressed, 1)
        self._max_ratio = max_ratio
        self._floor = ratio_floor
        self._pushback = b""
        self.produced = 0

    def read(self, size: int | None = -1) -> bytes:
        """Read up to *size* bytes; raise `UnscannableError` past the cap or ratio."""
        if size is None or size < 0:
            size = self._cap - self.produced + 1
        if self._pushback:
            data, self._pushback = self._pushback[:size], self._pushback[size:]
            return data
        size = min(size, self._cap - self.produced + 1, CHUNK)
        data = self._inner.read(size) if size > 0 else b""
        self.produced += len(data)
        if self.produced > self._cap:
            raise UnscannableError(f"archive unpacks to more than {self._cap} bytes")
        if self.produced > self._floor and self.produced > self._compressed * self._max_ratio:
            raise UnscannableError(
                f"archive compression ratio exceeds {self._max_ratio}:1 (archive bomb?)"
            )
        return data

    def write(self, data: bytes, /) -> int:
        """Refuse: the stream is read-only."""
        raise OSError("read-only stream")

    def tell(self) -> int:
        """Bytes produced so far."""
        return self.produced

    def seek(self, pos: int, /) -> int:
        """Refuse: the stream only goes forward."""
        raise OSError("stream is not seekable")

    def close(self) -> None:
        """Nothing to release: the caller owns the inner stream."""

    def unread(self, data: bytes) -> None:
        """Push *data* back so that the next read returns it first."""
        self._pushback = data + self._pushback


def zip_directory_precheck(handle: IO[bytes], size: int, max_members: int) -> None:
    """Refuse a zip whose central directory declares too many entries or bytes.

    `zipfile` parses the whole central directory into memory before anything
    can be counted, so a directory of millions of entries is refused from its
    end record alone. Unparseable end records are left for `zipfile` to reject.
    """
    tail_len = min(size, 65_536 + 22)
    handle.seek(size - tail_len)
    tail = handle.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return
    _, _, _, _, entries, cd_size, cd_offset, _ = struct.unpack("<4s4H2LH", tail[at : at + 22])
    if 0xFFFF in (entries,) or 0xFFFFFFFF in (cd_size, cd_offset):
        locator = tail[at - 20 : at] if at >= 20 else b""
        if len(locator) == 20 and locator.startswith(b"PK\x06\x07"):
            record_at = struct.unpack("<Q", locator[8:16])[0]
            if record_at + 56 <= size:
                handle.seek(record_at)
                record = handle.read(56)
                if record.startswith(b"PK\x06\x06"):
                    entries, cd_size = struct.unpack("<2Q", record[32:48])
    if entries > max_members:
        raise UnscannableError(f"zip declares {entries} members, more than {max_members}")
    if cd_size > max(max_members * 512, 1024**2):
        raise UnscannableError(f"zip central directory of {cd_size} bytes is too large")
    handle.seek(0, os.SEEK_SET)
