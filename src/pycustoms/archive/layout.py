"""One file, one reading: refuse archives that different readers would read differently.

A verdict belongs to the bytes *and* to the way an installer reads them. A
file that is both a gzip'd tar and a zip (a polyglot) is a harmless sdist to
one reader and a malicious wheel to another; a zip with bytes before its first
entry, or with data hidden between entries, lists one set of files in its
central directory and another to a reader that walks the local headers (as
streaming installers do); a gzip member followed by more bytes carries data
that `tar` never reads but another tool might. Each is refused (fail closed),
so that every file pycustoms judges has exactly one meaning.

Only top-level files are checked: installers never read archives nested in a
package.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Sequence
from typing import IO

from pycustoms.archive.base import Format
from pycustoms.errors import UnscannableError

_EOCD = b"PK\x05\x06"
_LOCAL = b"PK\x03\x04"
_DESCRIPTOR = b"PK\x07\x08"
_TAIL = 65_536 + 22
_CHUNK = 1 << 20


def check_single_reading(handle: IO[bytes], size: int, fmt: Format) -> None:
    """Refuse a tar/gzip/bzip2/xz file that a zip reader would also open."""
    if fmt == "zip" or not _has_zip_directory(handle, size):
        return
    raise UnscannableError(
        f"the file is a {fmt} archive and also a zip archive (a polyglot that installers "
        "read differently); refused"
    )


def _has_zip_directory(handle: IO[bytes], size: int) -> bool:
    """True if a zip reader finds a central directory with at least one entry."""
    tail_len = min(size, _TAIL)
    handle.seek(size - tail_len)
    found = _EOCD in handle.read(tail_len)
    handle.seek(0)
    if not found:
        return False
    try:
        with zipfile.ZipFile(handle) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error):
        return False
    finally:
        handle.seek(0)


def check_gzip_end(handle: IO[bytes], size: int) -> None:
    """Refuse a gzip file with bytes after its last member (other than zero padding).

    Called after the tar inside was read within the limits, so the stream is
    known to decompress within them; the output is discarded in small chunks.
    """
    handle.seek(0)
    decomp = zlib.decompressobj(wbits=31)
    pending = b""
    while True:
        chunk = pending or handle.read(_CHUNK)
        pending = b""
        if not chunk:
            break
        data = chunk
        while data and not decomp.eof:
            try:
                decomp.decompress(data, _CHUNK)
            except zlib.error as exc:
                raise UnscannableError(
                    f"the gzip data is corrupt past the end of the tar ({exc}); refused"
                ) from None
            data = decomp.unconsumed_tail
        if decomp.eof:
            rest = decomp.unused_data
            if rest.startswith(b"\x1f\x8b"):  # another member: read it the same way
                decomp = zlib.decompressobj(wbits=31)
                pending = rest
                continue
            trailing = rest + handle.read()
            if trailing.strip(b"\0"):
                raise UnscannableError(
                    f"{len(trailing)} bytes follow the gzip data (another archive or a payload "
                    "that tar never reads); refused"
                )
            break
    handle.seek(0)
    del size  # the whole stream was read; the size only documents the call


def check_zip_layout(
    handle: IO[bytes], size: int, infos: Sequence[zipfile.ZipInfo], start_dir: int
) -> None:
    """Refuse a zip whose entries do not fill it from byte 0 to its central directory.

    Bytes before the first entry (another archive, a stub) or between entries
    (a local entry the central directory does not list) are what make two zip
    readers disagree.
    """
    if not infos:
        return
    ordered = sorted(infos, key=lambda i: i.header_offset)
    if ordered[0].header_offset != 0:
        raise UnscannableError(
            f"{ordered[0].header_offset} bytes precede the first zip entry (another archive "
            "or a stub); refused"
        )
    position = 0
    for info in ordered:
        if info.header_offset != position:
            raise UnscannableError(
                "data hidden between zip entries (a reader that walks local headers would "
                f"see other files); refused at byte {position}",
                member=info.filename,
            )
        position = _entry_end(handle, info, size)
    if position != start_dir:
        raise UnscannableError(
            f"{start_dir - position} bytes hidden between the last zip entry and the central "
            "directory; refused"
        )
    handle.seek(0)


def _entry_end(handle: IO[bytes], info: zipfile.ZipInfo, size: int) -> int:
    """The offset just past *info*'s local header, data and data descriptor."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) < 30 or not header.startswith(_LOCAL):
        raise UnscannableError("a zip entry has no local header", member=info.filename)
    name_len, extra_len = struct.unpack("<2H", header[26:30])
    end: int = info.header_offset + 30 + name_len + extra_len + info.compress_size
    if info.flag_bits & 0x08:  # a data descriptor follows the data
        handle.seek(end)
        peek = handle.read(24)
        signed = 4 if peek.startswith(_DESCRIPTOR) else 0
        zip64 = info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF
        end += signed + 4 + (16 if zip64 else 8)
    if end > size:
        raise UnscannableError("a zip entry runs past the end of the file", member=info.filename)
    return end
