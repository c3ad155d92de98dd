"""Edits of a tar's headers (under its compression) and of the gzip wrapper itself.

Tar mutators work on the uncompressed tar and return new tar bytes; the caller
compresses them again, so that the edit reaches the tar parser rather than
failing a gzip CRC. Checksums are usually recomputed for the same reason.
"""

from __future__ import annotations

import random
import struct
import zlib

from tests.fuzzing.layers import random_bytes

BLOCK = 512
# (offset, width) of the ustar header fields.
FIELDS = {
    "name": (0, 100), "mode": (100, 8), "uid": (108, 8), "size": (124, 12), "mtime": (136, 12),
    "chksum": (148, 8), "type": (156, 1), "linkname": (157, 100), "magic": (257, 8),
    "uname": (265, 32), "devmajor": (329, 8), "prefix": (345, 155),
}  # fmt: skip
TYPES = b"0\x00123456789LKxgSVMDNAZ\xff"
HOSTILE_NAMES = (
    b"../evil.py", b"/etc/cron.d/evil", b"a/../../b.py", b"..", b".", b"", b"a\x00b.py",
    b"C:\\evil.py", b"\\\\host\\share\\x", b"a/./././b.py", b"\xff\xfe.py", b"\xc3(.py",
    b"a\nb.py", b"\x1b[31mred.py", b"a" * 100, b"\xe2\x80\xaeyp.exe", b"con.py", b" ",
)  # fmt: skip
LINK_TARGETS = (
    b"../../../../etc/passwd", b"/etc/passwd", b"..", b".", b"", b"demo/core.py",
    b"a/" * 49 + b"b", b"\\windows\\system32", b"../" * 30,
)  # fmt: skip


def headers(tar: bytes, limit: int = 5000) -> list[int]:
    """Offsets of the header blocks of *tar*, walking sizes as a reader would."""
    found: list[int] = []
    at = 0
    while at + BLOCK <= len(tar) and len(found) < limit:
        block = tar[at : at + BLOCK]
        if block.count(0) == BLOCK:
            break
        found.append(at)
        size = _number(block[124:136])
        if size is None or size < 0:
            break
        at += BLOCK + -(-size // BLOCK) * BLOCK
    return found


def _number(field: bytes) -> int | None:
    if field[:1] in (b"\x80", b"\xff"):
        value = int.from_bytes(field[1:], "big")
        return value if field[:1] == b"\x80" else value - (1 << (8 * (len(field) - 1)))
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        return None


def checksum(header: bytearray) -> None:
    """Write the header checksum as tar readers compute it."""
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)


def _octal(value: int, width: int) -> bytes:
    text = b"%o" % value
    return text.rjust(width - 1, b"0")[-(width - 1) :] + b"\0"


def size_value(rng: random.Random, old: int) -> bytes:
    """A size field: a lie in octal, base-256, negative, or not a number at all."""
    choice = rng.randrange(8)
    if choice == 0:
        return b"\x80" + (rng.choice([1 << 40, 1 << 80, old + 1])).to_bytes(11, "big")
    if choice == 1:
        return b"\xff" * 12  # base-256 minus one
    if choice == 2:
        return b"zzzzzzzzzzz\0"
    if choice == 3:
        return b" " * 12
    value = rng.choice([0, 1, old - 1, old + 1, old + BLOCK, old * 2, 8**11 - 1, 1 << 31])
    return _octal(max(value, 0), 12)


def header_field(tar: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Edit one field of one header (checksum recomputed nine times in ten)."""
    found = headers(tar)
    if not found:
        return tar, "no tar header"
    at = rng.choice(found)
    header = bytearray(tar[at : at + BLOCK])
    field = rng.choice(list(FIELDS))
    offset, width = FIELDS[field]
    if field == "size":
        value = size_value(rng, _number(bytes(header[124:136])) or 0)
    elif field == "type":
        value = bytes([rng.choice(TYPES)])
    elif field in ("name", "prefix"):
        value = rng.choice(HOSTILE_NAMES)
    elif field == "linkname":
        header[156:157] = rng.choice([b"1", b"2"])
        value = rng.choice(LINK_TARGETS)
    elif field == "magic":
        value = rng.choice([b"ustar  \0", b"ustar\x0000", b"\0" * 8, b"garbage!"])
    else:
        value = rng.choice([b"", b"\xff" * width, b"7" * width, random_bytes(rng, width)])
    header[offset : offset + width] = value[:width].ljust(width, b"\0")
    if field != "chksum" and rng.random() < 0.9:
        checksum(header)
    return tar[:at] + bytes(header) + tar[at + BLOCK :], f"tar[{at}].{field}={value[:40]!r}"


def make_header(name: bytes, size: int, kind: bytes, linkname: bytes = b"") -> bytearray:
    """A ustar header block with a valid checksum."""
    header = bytearray(BLOCK)
    header[0:100] = name[:100].ljust(100, b"\0")
    header[100:108] = b"0000644\0"
    header[108:124] = b"0000000\0" * 2
    header[124:136] = _octal(size, 12) if size >= 0 else b"\xff" * 12
    header[136:148] = _octal(1_700_000_000, 12)
    header[156:157] = kind
    header[157:257] = linkname[:100].ljust(100, b"\0")
    header[257:265] = b"ustar\x0000"
    checksum(header)
    return header


def _padded(body: bytes) -> bytes:
    return body + b"\0" * (-len(body) % BLOCK)


def pax_records(rng: random.Random) -> bytes:
    """The body of a pax header: well-formed records of hostile values, or malformed ones."""
    records = []
    for _ in range(rng.randrange(1, 4)):
        key, value = rng.choice(
            [
                (b"path", b"../../evil.py"), (b"path", b"a" * 5000), (b"linkpath", b"/etc/passwd"),
                (b"size", b"99999999999999999999"), (b"size", b"-1"), (b"size", b"x"),
                (b"GNU.sparse.map", b"0,10,999999999999,10"), (b"GNU.sparse.size", b"1"),
                (b"GNU.sparse.realsize", b"1099511627776"), (b"GNU.sparse.major", b"1"),
                (b"GNU.sparse.minor", b"0"), (b"hdrcharset", b"BINARY"), (b"path", b"\xff\xfe"),
                (b"mtime", b"nan"), (b"uid", b"-5"), (b"SCHILY.xattr.x", b"\0" * 10),
            ]
        )  # fmt: skip
        records.append(_pax_record(key, value))
    if rng.random() < 0.3:
        records.append(rng.choice([b"99999999999 path=x\n", b"0 a=b\n", b"5 ab\n", b"-3 a=\n"]))
    return b"".join(records)


def _pax_record(key: bytes, value: bytes) -> bytes:
    body = b" " + key + b"=" + value + b"\n"
    length = len(body) + len(str(len(body)))
    length = len(body) + len(str(length))  # the length counts its own digits
    return b"%d%s" % (length, body)


def insert_meta(tar: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Insert a pax, global pax or GNU long-name header before one of the members."""
    found = headers(tar) or [0]
    at = rng.choice(found)
    kind = rng.choice([b"x", b"x", b"g", b"L", b"K"])
    body = pax_records(rng) if kind in b"xg" else rng.choice(HOSTILE_NAMES) + b"\0"
    declared = rng.choice([len(body), len(body), len(body) + 600, 1 << 20, 1 << 33])
    header = make_header(b"././@meta", declared, kind)
    block = bytes(header) + _padded(body)
    return tar[:at] + block + tar[at:], f"{kind.decode()} header ({declared} bytes) at {at}"


def sparse_member(rng: random.Random) -> tuple[bytes, str]:
    """A GNU sparse member whose holes unpack to far more than the archive holds."""
    region = rng.choice([BLOCK, 8 * BLOCK, 16 * BLOCK])  # text first: not taken for binary
    header = make_header(b"demo-1.0/holes.py", region, b"S")
    real = rng.choice([1 << 20, 64 << 20, 200 << 20, 500 << 20, 600 << 20, 1 << 40])
    # One data region at the start, then nothing but a hole up to `real` bytes.
    header[386:398] = _octal(0, 12)
    header[398:410] = _octal(region, 12)
    header[483:495] = _octal(real, 12)
    checksum(header)
    data = (b"print('head')\n" * (region // 14 + 1))[:region]
    return bytes(header) + data, f"GNU sparse member of {real} bytes"


def append_members(tar: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Links, devices or sparse members added after the seed's own members."""
    end = _end(tar)
    kind = rng.choice([b"1", b"2", b"3", b"4", b"6", b"S", b"7"])
    if kind == b"S":
        block, note = sparse_member(rng)
        return tar[:end] + block + b"\0" * 1024, note
    target = rng.choice(LINK_TARGETS)
    header = make_header(b"demo-1.0/link.py", 0, kind, target)
    return tar[:end] + bytes(header) + b"\0" * 1024, f"type {kind!r} member -> {target!r}"


def _end(tar: bytes) -> int:
    found = headers(tar)
    if not found:
        return 0
    last = found[-1]
    size = _number(tar[last + 124 : last + 136]) or 0
    return min(len(tar), last + BLOCK + -(-max(size, 0) // BLOCK) * BLOCK)


def gzip_header(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Edit the gzip header: flags promising fields that are not there, method, extras."""
    if not data.startswith(b"\x1f\x8b") or len(data) < 18:
        return data, "not gzip"
    out = bytearray(data)
    action = rng.choice(["flags", "method", "extra", "name", "hcrc", "os"])
    if action == "flags":
        out[3] = rng.choice([0x02, 0x04, 0x08, 0x10, 0x1E, 0xE0, 0xFF])
    elif action == "method":
        out[2] = rng.choice([0, 7, 9, 0xFF])
    elif action == "extra":  # FEXTRA with a length that runs past the data
        length = rng.choice([0, 4, 0xFFFF])
        out[3] |= 0x04
        out[10:10] = struct.pack("<H", length) + random_bytes(rng, min(length, 64))
    elif action == "name":  # FNAME without a terminating NUL, or a very long one
        out[3] |= 0x08
        out[10:10] = rng.choice([b"a" * 70_000, b"../../x\0", b"\xff" * 10])
    elif action == "hcrc":
        out[3] |= 0x02
        out[10:10] = b"\x00\x00"
    else:
        out[9] = rng.randrange(256)
    return bytes(out), f"gzip header {action}"


def gzip_trailer(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Edit the gzip trailer or what follows it: CRC, size, more members, junk, zeros."""
    if not data.startswith(b"\x1f\x8b") or len(data) < 18:
        return data, "not gzip"
    action = rng.choice(["crc", "isize", "member", "junk", "zeros", "cut", "bomb"])
    out = bytearray(data)
    if action == "crc":
        out[-8:-4] = random_bytes(rng, 4)
    elif action == "isize":
        out[-4:] = random_bytes(rng, 4)
    elif action == "member":
        out += _gzip(rng.choice([b"", b"junk", b"\0" * 10240, data[:100]]))
    elif action == "junk":
        out += random_bytes(rng, rng.randrange(1, 100))
    elif action == "zeros":
        out += b"\0" * rng.choice([1, 512, 10240])
    elif action == "cut":
        del out[-rng.randrange(1, 9) :]
    else:  # a second member that unpacks far past the tar's end
        out += _gzip(b"\0" * rng.choice([1 << 20, 16 << 20, 128 << 20]), level=9)
    return bytes(out), f"gzip trailer {action}"


def _gzip(data: bytes, level: int = 6) -> bytes:
    packer = zlib.compressobj(level, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()
