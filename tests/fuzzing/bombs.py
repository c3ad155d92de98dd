"""Archives that unpack to far more than they hold, nest deeply, or mean two things.

Each mutator returns ``(data, note, filename)``; *filename* is None to keep the
seed's name. Large payloads are made once per process and cached: a bomb costs
the generator a fraction of a second, the reader must refuse it just as fast.
"""

from __future__ import annotations

import bz2
import functools
import random
import zlib
from dataclasses import replace

from tests.fuzzing.containers import Item, Variant, members, rebuild, top, write_tar
from tests.fuzzing.layers import (
    ZipEntry,
    compress,
    is_zip,
    pack_member,
    random_bytes,
    tar_layer,
    write_zip,
)
from tests.fuzzing.seeds import Seed
from tests.fuzzing.tarfuzz import make_header

MIB = 1 << 20
_BLOCK_MAGIC_BITS = 48
_END_MAGIC = 0x177245385090


_LINE = b"value = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'\n"


@functools.lru_cache(maxsize=16)
def packed_run(size: int, wbits: int = -zlib.MAX_WBITS) -> tuple[bytes, int]:
    """*size* bytes of one repeated line of text, deflated (raw, or gzip with ``wbits=31``).

    Returns the packed bytes and the CRC-32 of the text. The text is made and
    packed a mebibyte at a time, so that the generator's own memory stays small
    beside what the reader is made to hold.
    """
    piece = _LINE * (MIB // len(_LINE) + 1)
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    out: list[bytes] = []
    crc, left = 0, size
    while left > 0:
        chunk = piece[: min(left, MIB)]
        crc = zlib.crc32(chunk, crc)
        out.append(packer.compress(chunk))
        left -= len(chunk)
    out.append(packer.flush())
    return b"".join(out), crc


@functools.lru_cache(maxsize=1)
def _bz2_block() -> tuple[int, int, int]:
    """One bzip2 block of 45 MB of zeros: its bits as an integer, their count, its CRC."""
    packer = bz2.BZ2Compressor(9)
    one = b"".join(packer.compress(b"\0" * 1_000_000) for _ in range(45)) + packer.flush()
    bits, total = int.from_bytes(one, "big"), len(one) * 8
    for pad in range(8):
        end = total - pad - 80  # the end marker, then a 32-bit CRC and the padding
        if (bits >> (total - end - 48)) & ((1 << 48) - 1) == _END_MAGIC:
            break
    else:
        raise ValueError("no bzip2 end marker")
    width = end - 32
    block = (bits >> (total - end)) & ((1 << width) - 1)
    return block, width, (block >> (width - _BLOCK_MAGIC_BITS - 32)) & 0xFFFFFFFF


def bz2_bomb(blocks: int) -> bytes:
    """A bzip2 stream of *blocks* copies of one block of 45 MB of zeros (about 40 bytes each).

    bzip2 blocks are bit-aligned, so the block is cut out of a real stream as an
    integer and repeated; the stream CRC combines the block CRCs as bzip2 does.
    """
    block, width, crc = _bz2_block()
    out, combined = int.from_bytes(b"BZh9", "big"), 0
    for _ in range(blocks):
        out = (out << width) | block
        combined = (((combined << 1) | (combined >> 31)) & 0xFFFFFFFF) ^ crc
    out = (((out << 48) | _END_MAGIC) << 32) | combined
    length = 32 + blocks * width + 80
    return (out << (-length % 8)).to_bytes(-(-length // 8), "big")


@functools.lru_cache(maxsize=1)
def _lzma_text() -> ZipEntry:
    """A zip LZMA member of 1 MB of text, packed (its text is not kept)."""
    text = _LINE * 20_000
    entry = ZipEntry(b"", b"", method=14, flags=0x2, crc=zlib.crc32(text))
    return replace(entry, packed=pack_member(replace(entry, data=text)), declared_size=len(text))


def _small_archive(rng: random.Random, payload: bytes, name: bytes) -> tuple[bytes, str]:
    """*payload* as the only member of a zip or a tar.gz; returns (bytes, suffix)."""
    if rng.random() < 0.5:
        return write_zip([ZipEntry(name, payload)]), ".zip"
    return compress("gz", write_tar([Item(name, payload)])), ".tar.gz"


def nested_chain(seed: Seed, rng: random.Random) -> Variant:
    """An archive in an archive in an archive ... past the depth the reader opens."""
    depth = rng.randrange(2, 7)
    data, suffix = _small_archive(rng, b"import os\nVALUE = os.sep\n", b"deep.py")
    for level in range(depth - 1):
        data, suffix = _small_archive(rng, data, b"level%d%s" % (level, suffix.encode()))
    extra = Item(top(seed) + b"demo/data/nested" + suffix.encode(), data)
    return rebuild(seed, [*members(seed), extra]), f"archives nested {depth} deep", None


def fan_out(seed: Seed, rng: random.Random) -> Variant:
    """42.zip in small: copies of an inner zip, each of many highly compressed members."""
    size = rng.choice([4 * MIB, 16 * MIB, 60 * MIB])
    packed, crc = packed_run(size)
    copies = rng.choice([2, 4, 8])
    # At most 8 MiB of file: the bomb is in the ratio, not in the download.
    inner_members = min(rng.choice([4, 16, 64]), max(1, 8 * MIB // (copies * len(packed))))
    inner = write_zip(
        [
            ZipEntry(b"part%d.txt" % n, b"", packed=packed, declared_size=size, crc=crc)
            for n in range(inner_members)
        ]
    )
    items = [Item(top(seed) + b"demo/data/layer%d.zip" % n, inner) for n in range(copies)]
    note = f"{copies} zips of {inner_members} x {size // MIB} MiB"
    return rebuild(seed, [*members(seed), *items]), note, None


def high_ratio(seed: Seed, rng: random.Random) -> Variant:
    """One member that unpacks to far more than its packed size (sizes honest or not)."""
    size = rng.choice([8 * MIB, 63 * MIB, 65 * MIB, 128 * MIB])
    name = top(seed) + rng.choice([b"demo/big.py", b"demo/big.txt", b"demo/big.bin"])
    if not is_zip(seed):
        # gzip members concatenate: the seed's members and the header, the big body, the end.
        head = write_tar([*members(seed), Item(name, b"")])[: -3 * 512]
        head += bytes(make_header(name, size, b"0"))
        body = packed_run(size, 31)[0]
        end = compress("gz", b"\0" * (-size % 512 + 1024))
        return compress("gz", head) + body + end, f"tar member of {size} bytes", None
    declared = rng.choice([size, 1000, 60 * MIB, 0xFFFFFFFF])
    packed, crc = packed_run(size)
    entry = ZipEntry(name, b"", packed=packed, declared_size=declared, crc=crc)
    note = f"deflated member of {size} bytes, declared {declared}"
    return rebuild(seed, [*members(seed), Item(name, b"", zip_entry=entry)]), note, None


def bzip2_member(seed: Seed, rng: random.Random) -> Variant:
    """A bzip2 or LZMA zip member: bzip2 blocks of zeros unpack a million to one."""
    name = top(seed) + b"demo/data/blob.txt"
    blocks = rng.choice([1, 4, 20, 100])
    declared = rng.choice([100, 60 * MIB, blocks * 45_000_000])
    if rng.random() < 0.3:
        entry = replace(_lzma_text(), name=name)
        note = "lzma member of 1 MB"
    else:
        entry = ZipEntry(name, b"", method=12, packed=bz2_bomb(blocks), declared_size=declared)
        note = f"bzip2 member of {blocks} x 45 MB declared {declared}"
    if not is_zip(seed):  # a zip of it inside the sdist
        inner = write_zip([entry])
        return rebuild(seed, [*members(seed), Item(name + b".zip", inner)]), note, None
    return rebuild(seed, [*members(seed), Item(name, b"", zip_entry=entry)]), note, None


def many_members(seed: Seed, rng: random.Random) -> Variant:
    """Thousands of tiny members, around and past the member limit, maybe nested."""
    count = rng.choice([1000, 5000, 19_990, 20_001, 70_000])
    base = top(seed) + b"demo/many/"
    extra = [Item(base + b"f%d.txt" % n, b"x") for n in range(count)]
    if rng.random() < 0.3:  # inside an inner zip, so that only the shared count stops them
        inner = write_zip([ZipEntry(item.name, item.data, method=0) for item in extra])
        extra = [Item(base + b"inner.zip", inner), Item(base + b"inner2.zip", inner)]
    return rebuild(seed, [*members(seed), *extra]), f"{count} extra members", None


def huge_declared(seed: Seed, rng: random.Random) -> Variant:
    """A member that declares gigabytes it does not hold."""
    name = top(seed) + b"demo/huge.dat"
    if is_zip(seed):
        declared = rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 600 * MIB])
        entry = ZipEntry(name, b"tiny", declared_size=declared)
        items = [*members(seed), Item(name, b"", zip_entry=entry)]
        return rebuild(seed, items), f"zip member declares {declared}", None
    kind, _ = tar_layer(seed)
    size = rng.choice([1 << 33, 600 * MIB, 1 << 40])
    body = bytearray(write_tar([*members(seed), Item(name, b"tiny")]))
    at = body.rfind(name[:100].ljust(100, b"\0"))
    body[at + 124 : at + 136] = b"%011o\0" % size
    body[at + 148 : at + 156] = b" " * 8
    body[at + 148 : at + 156] = b"%06o\0 " % sum(body[at : at + 512])
    return compress(kind, bytes(body[: at + 1024])), f"tar member declares {size}", None


def polyglot(seed: Seed, rng: random.Random) -> Variant:
    """One file that two readers read differently: appended or prepended archives."""
    wheel = write_zip([ZipEntry(b"demo/__init__.py", b"import os\nos.getcwd()\n")])
    action = rng.choice(["append-zip", "prepend", "prepend-shifted", "zip-in-comment", "two"])
    rename = rng.choice([None, None, "demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz"])
    if action == "append-zip":
        return seed.data + wheel, "seed + appended zip", rename
    if action == "prepend":
        stub = rng.choice([b"#!/bin/sh\nexit 0\n", random_bytes(rng, 100), compress("gz", b"x")])
        return stub + seed.data, "data prepended to the seed", rename
    if action == "prepend-shifted" and is_zip(seed):
        items = list(members(seed))
        data = rebuild(seed, items, prefix=compress("gz", write_tar(items)))
        return data, "tar.gz before a zip whose offsets count it", rename
    if action == "zip-in-comment" and is_zip(seed):
        data = seed.data[:-2] + len(wheel).to_bytes(2, "little") + wheel
        return data, "zip inside the zip comment", rename
    return seed.data + seed.data, "seed twice", rename
