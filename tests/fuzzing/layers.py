"""Peel a seed into its layers (compression, tar, zip) and put them back together.

Structure-aware mutations edit the layer a reader parses (a tar header under
the gzip, a zip's central directory), not bytes a checksum would catch first.
Seeds are trusted inputs of a few MB, so they are decompressed whole here.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import lzma
import random
import struct
import zlib
from dataclasses import dataclass
from typing import Literal

from tests.fuzzing.seeds import Seed

Compression = Literal["", "gz", "bz2", "xz"]
COMPRESSIONS: tuple[Compression, ...] = ("", "gz", "bz2", "xz")
ZIP_SUFFIXES = (".whl", ".egg", ".zip")


def is_zip(seed: Seed) -> bool:
    """True for a zip seed (wheel, egg, zip sdist)."""
    return seed.data.startswith(b"PK\x03\x04")


def is_tar(seed: Seed) -> bool:
    """True for a tar seed, compressed or not."""
    return not is_zip(seed)


@functools.lru_cache(maxsize=128)
def tar_layer(seed: Seed) -> tuple[Compression, bytes]:
    """The compression of a tar seed and its uncompressed tar bytes."""
    data = seed.data
    if data.startswith(b"\x1f\x8b"):
        return "gz", gzip.decompress(data)
    if data.startswith(b"BZh"):
        return "bz2", bz2.decompress(data)
    if data.startswith(b"\xfd7zXZ\x00"):
        return "xz", lzma.decompress(data)
    return "", data


def compress(kind: Compression, data: bytes, level: int = 6) -> bytes:
    """*data* compressed as *kind* (no timestamps: the same input gives the same bytes)."""
    if kind == "gz":
        return gzip.compress(data, compresslevel=level, mtime=0)
    if kind == "bz2":
        return bz2.compress(data, max(1, level))
    if kind == "xz":
        return lzma.compress(data, preset=min(level, 6))
    return data


def deflate(data: bytes, level: int = 6) -> bytes:
    """Raw deflate (no zlib header), as a zip member holds it."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@dataclass(frozen=True, slots=True)
class ZipEntry:
    """One member for `write_zip`: raw name bytes and every field a reader trusts."""

    name: bytes
    data: bytes
    method: int = 8  # 0 stored, 8 deflate, 12 bzip2, 14 lzma; other values are written as is
    flags: int = 0x800
    external_attr: int = 0o644 << 16
    create_system: int = 3
    declared_size: int | None = None  # None: the true size
    crc: int | None = None  # None: the true CRC
    packed: bytes | None = None  # the compressed bytes as written; None: compress `data`


_LZMA1 = {"id": lzma.FILTER_LZMA1, "dict_size": 1 << 20, "lc": 3, "lp": 0, "pb": 2}
# The same in the zip LZMA header: one byte (pb * 5 + lp) * 9 + lc, then the dictionary size.
_LZMA1_PROPS = struct.pack("<BL", (2 * 5 + 0) * 9 + 3, 1 << 20)
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_EOCD = struct.Struct("<4s4H2LH")


def pack_member(entry: ZipEntry) -> bytes:
    """The compressed bytes of *entry* under its method (raw bytes for unknown methods)."""
    if entry.packed is not None:
        return entry.packed
    if entry.method == 8:
        return deflate(entry.data)
    if entry.method == 12:
        return bz2.compress(entry.data)
    if entry.method == 14:
        raw = lzma.compress(entry.data, lzma.FORMAT_RAW, filters=[_LZMA1])
        return struct.pack("<BBH", 9, 4, len(_LZMA1_PROPS)) + _LZMA1_PROPS + raw
    return entry.data


def write_zip(entries: list[ZipEntry], *, prefix: bytes = b"") -> bytes:
    """A zip of *entries*, written field by field so that any field can lie.

    *prefix* comes before the first entry (offsets count it, as a self-extractor
    would). Past 65,535 entries the end record still says 65,535: no zip64
    records, so the reader must count the directory itself.
    """
    body = bytearray(prefix)
    central = bytearray()
    for entry in entries:
        packed = pack_member(entry)
        crc = zlib.crc32(entry.data) if entry.crc is None else entry.crc
        size = len(entry.data) if entry.declared_size is None else entry.declared_size
        size &= 0xFFFFFFFF
        offset = len(body)
        body += _LOCAL.pack(
            b"PK\x03\x04", 20, entry.flags, entry.method, 0, 0x5761, crc, len(packed), size,
            len(entry.name), 0,
        )  # fmt: skip
        body += entry.name + packed
        central += _CENTRAL.pack(
            b"PK\x01\x02", (entry.create_system << 8) | 20, 20, entry.flags, entry.method, 0,
            0x5761, crc, len(packed), size, len(entry.name), 0, 0, 0, 0, entry.external_attr,
            offset & 0xFFFFFFFF,
        )  # fmt: skip
        central += entry.name
    start = len(body)
    body += central
    count = min(len(entries), 0xFFFF)
    body += _EOCD.pack(b"PK\x05\x06", 0, 0, count, count, len(central), start, 0)
    return bytes(body)


def random_bytes(rng: random.Random, size: int) -> bytes:
    """*size* random bytes from *rng*."""
    return rng.getrandbits(size * 8).to_bytes(size, "little") if size > 0 else b""
