"""Edits of a zip's own structure: local headers, central directory, end records.

Each mutator takes the seed's bytes and a `random.Random` and returns the edited
bytes and a note of what changed (for the report and for reproducing by hand).
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass

from tests.fuzzing.layers import random_bytes

_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"

# (name, offset in the record, width in bytes) of the fields readers trust.
LOCAL_FIELDS = (
    ("version", 4, 2), ("flags", 6, 2), ("method", 8, 2), ("crc", 14, 4),
    ("packed", 18, 4), ("size", 22, 4), ("name_len", 26, 2), ("extra_len", 28, 2),
)  # fmt: skip
CENTRAL_FIELDS = (
    ("made_by", 4, 2), ("flags", 8, 2), ("method", 10, 2), ("crc", 16, 4), ("packed", 20, 4),
    ("size", 24, 4), ("name_len", 28, 2), ("extra_len", 30, 2), ("comment_len", 32, 2),
    ("disk", 34, 2), ("external_attr", 38, 4), ("offset", 42, 4),
)  # fmt: skip
EOCD_FIELDS = (
    ("disk", 4, 2), ("cd_disk", 6, 2), ("entries_here", 8, 2), ("entries", 10, 2),
    ("cd_size", 12, 4), ("cd_offset", 16, 4), ("comment_len", 20, 2),
)  # fmt: skip

# Values with a meaning for the field, besides the boundaries every width gets.
_SPECIAL = {
    "flags": (0x1, 0x8, 0x20, 0x40, 0x800, 0x809, 0x2000, 0xFFFF),
    "method": (0, 1, 6, 9, 12, 14, 93, 95, 98, 99),
    "made_by": (0x0314, 0x0014, 0x0B14, 0x0A14),
    "external_attr": (
        0o120777 << 16, 0o020644 << 16, 0o060644 << 16, 0o010644 << 16, 0o140755 << 16,
        0o040755 << 16, 0o104755 << 16, 0x10, 0xFFFFFFFF,
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ZipLayout:
    """Where the records of a zip are (offsets into its bytes)."""

    eocd: int
    central: tuple[int, ...]
    local: tuple[int, ...]


def layout(data: bytes) -> ZipLayout | None:
    """The records of *data* as a reader finds them from the end, or None if it has none."""
    eocd = data.rfind(_EOCD)
    if eocd < 0 or eocd + 22 > len(data):
        return None
    count, _, cd_offset = struct.unpack_from("<H2L", data, eocd + 10)
    central: list[int] = []
    at = cd_offset
    for _ in range(count):
        if data[at : at + 4] != _CENTRAL or at + 46 > len(data):
            break
        central.append(at)
        name_len, extra_len, comment_len = struct.unpack_from("<3H", data, at + 28)
        at += 46 + name_len + extra_len + comment_len
    local = [struct.unpack_from("<L", data, c + 42)[0] for c in central]
    return ZipLayout(eocd, tuple(central), tuple(o for o in local if data[o : o + 4] == _LOCAL))


def field_value(rng: random.Random, name: str, width: int, old: int, total: int) -> int:
    """A value for a field: a boundary, a meaningful special, a near miss or noise."""
    top = (1 << (8 * width)) - 1
    choices = [0, 1, top, top - 1, top // 2, top // 2 + 1, old + 1, old - 1, old * 2 + 7]
    choices += [total, total - 1, total + 1, old ^ (1 << rng.randrange(8 * width))]
    choices += list(_SPECIAL.get(name, ()))
    if rng.random() < 0.2:
        return rng.randrange(top + 1)
    return rng.choice(choices) & top


def edit_field(
    data: bytes, rng: random.Random, where: int, fields: tuple[tuple[str, int, int], ...], kind: str
) -> tuple[bytes, str]:
    """Set one random field of the record at *where*."""
    name, offset, width = rng.choice(fields)
    at = where + offset
    if at + width > len(data):
        return data, f"{kind}.{name} out of range"
    old = int.from_bytes(data[at : at + width], "little")
    new = field_value(rng, name, width, old, len(data))
    out = bytearray(data)
    out[at : at + width] = new.to_bytes(width, "little")
    return bytes(out), f"{kind}[{where}].{name} {old:#x}->{new:#x}"


def local_field(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Edit a field of one local header."""
    found = layout(data)
    if found is None or not found.local:
        return data, "no local header"
    return edit_field(data, rng, rng.choice(found.local), LOCAL_FIELDS, "local")


def central_field(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Edit a field of one central directory record."""
    found = layout(data)
    if found is None or not found.central:
        return data, "no central record"
    return edit_field(data, rng, rng.choice(found.central), CENTRAL_FIELDS, "central")


def eocd_field(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Edit a field of the end-of-central-directory record."""
    found = layout(data)
    if found is None:
        return data, "no end record"
    return edit_field(data, rng, found.eocd, EOCD_FIELDS, "eocd")


def both_headers(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Set the same field to the same value in an entry's local and central records.

    A lie told consistently passes the checks that compare the two.
    """
    found = layout(data)
    if found is None or not found.local:
        return data, "no entry"
    index = rng.randrange(min(len(found.central), len(found.local)))
    name, value = rng.choice(
        [("packed", 0), ("size", 0), ("size", 0xFFFFFFFF), ("packed", 0xFFFFFFFF), ("crc", 0)]
        + [("method", m) for m in (0, 12, 14, 99)]
        + [("flags", f) for f in (0x1, 0x8, 0x808)]
    )
    local = {n: (o, w) for n, o, w in LOCAL_FIELDS}[name]
    central = {n: (o, w) for n, o, w in CENTRAL_FIELDS}[name]
    out = bytearray(data)
    for base, (offset, width) in ((found.local[index], local), (found.central[index], central)):
        out[base + offset : base + offset + width] = value.to_bytes(width, "little")
    return bytes(out), f"entry {index} {name}={value:#x} in both headers"


def name_bytes(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Overwrite part of one entry's name (central or local) in place."""
    found = layout(data)
    if found is None or not found.central:
        return data, "no entry"
    where = rng.choice(found.central + found.local)
    fixed = 46 if data[where : where + 4] == _CENTRAL else 30
    name_len = struct.unpack_from("<H", data, where + (28 if fixed == 46 else 26))[0]
    if name_len == 0:
        return data, "empty name"
    start = where + fixed + rng.randrange(name_len)
    piece = rng.choice([b"../", b"/", b"\\", b"\x00", b"\xff\xfe", b"\xc3", b"\n", b"C:", b"."])
    piece = piece[: where + fixed + name_len - start]
    out = bytearray(data)
    out[start : start + len(piece)] = piece
    return bytes(out), f"name bytes at {start} = {piece!r}"


def directory_entries(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Drop, repeat or reorder central records (fixing the end record to match)."""
    found = layout(data)
    if found is None or not found.central:
        return data, "no central directory"
    ends = [*found.central[1:], found.eocd]
    records = [data[start:end] for start, end in zip(found.central, ends, strict=True)]
    action = rng.choice(["drop", "repeat", "swap", "repeat-many"])
    index = rng.randrange(len(records))
    if action == "drop":
        del records[index]
    elif action == "repeat":
        records.insert(index, records[index])
    elif action == "repeat-many":
        records += [records[index]] * rng.choice([2, 50, 5000])
    else:
        rng.shuffle(records)
    directory = b"".join(records)
    start = found.central[0]
    eocd = bytearray(data[found.eocd :])
    struct.pack_into("<2HL", eocd, 8, len(records) & 0xFFFF, len(records) & 0xFFFF, len(directory))
    return data[:start] + directory + bytes(eocd), f"central records: {action} #{index}"


def tail(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Trailing bytes, a second end record, or a comment that lies about its length."""
    found = layout(data)
    action = rng.choice(["junk", "second-eocd", "comment", "zip64"])
    if action == "junk" or found is None:
        return data + random_bytes(rng, rng.randrange(1, 300)), "trailing junk"
    eocd = data[found.eocd : found.eocd + 22]
    if action == "second-eocd":
        fake = bytearray(eocd)
        struct.pack_into("<L", fake, 16, rng.choice([0, len(data), 0xFFFFFFFF]))
        return data + bytes(fake), "second end record"
    if action == "comment":
        out = bytearray(data)
        struct.pack_into("<H", out, found.eocd + 20, rng.choice([1, 100, 0xFFFF]))
        return bytes(out), "comment length without a comment"
    marked = bytearray(eocd)
    struct.pack_into("<2H", marked, 8, 0xFFFF, 0xFFFF)
    struct.pack_into("<2L", marked, 12, 0xFFFFFFFF, 0xFFFFFFFF)
    record_at = rng.choice([found.eocd, found.eocd, 0, 1 << 62])  # where the record goes, or not
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, record_at, 1)
    entries = rng.choice([1, 10**6, 1 << 62])
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries,
        rng.choice([1, 1 << 40]), rng.choice([0, 1 << 40]),
    )  # fmt: skip
    head = data[: found.eocd]
    return head + record + locator + bytes(marked) + data[found.eocd + 22 :], "zip64 end records"
