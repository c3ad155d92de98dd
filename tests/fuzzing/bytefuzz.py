"""Format-blind damage: truncation, bit flips, overwritten, inserted or removed runs."""

from __future__ import annotations

import random

from tests.fuzzing.layers import random_bytes

_INTERESTING = (b"\x00", b"\xff", b"\x7f", b"\x80", b"PK\x03\x04", b"PK\x01\x02", b"\x1f\x8b")


def _offset(rng: random.Random, size: int) -> int:
    """An offset biased towards the ends, where headers and trailers live."""
    if size <= 1:
        return 0
    pick = rng.random()
    if pick < 0.3:
        return rng.randrange(min(size, 512))
    if pick < 0.6:
        return max(0, size - 1 - rng.randrange(min(size, 512)))
    return rng.randrange(size)


def truncate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Cut the data short (never to nothing: an empty file is its own case)."""
    cut = max(1, _offset(rng, len(data)))
    return data[:cut], f"truncated to {cut} of {len(data)}"


def bit_flips(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Flip a few bits."""
    out = bytearray(data)
    count = rng.choice([1, 1, 2, 4, 16])
    where = []
    for _ in range(count):
        at = _offset(rng, len(out))
        out[at] ^= 1 << rng.randrange(8)
        where.append(at)
    return bytes(out), f"bits flipped at {where[:4]}"


def overwrite(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Overwrite a run of bytes with noise, one repeated byte or a magic number."""
    at = _offset(rng, len(data))
    length = rng.choice([1, 2, 4, 8, 64, 512])
    kind = rng.randrange(3)
    if kind == 0:
        run = random_bytes(rng, length)
    elif kind == 1:
        run = bytes([rng.choice([0, 0xFF, 0x20])]) * length
    else:
        run = rng.choice(_INTERESTING)
    run = run[: len(data) - at]
    return data[:at] + run + data[at + len(run) :], f"{len(run)} bytes overwritten at {at}"


def shift(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Insert or remove a run, moving everything after it (offsets stop matching)."""
    at = _offset(rng, len(data))
    length = rng.choice([1, 3, 512, 4096])
    if rng.random() < 0.5:
        return data[:at] + random_bytes(rng, length) + data[at:], f"{length} bytes inserted at {at}"
    return data[:at] + data[at + length :], f"{length} bytes removed at {at}"


def splice(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Copy one stretch of the file over another (headers land where data was)."""
    if len(data) < 2:
        return data, "too short to splice"
    source = _offset(rng, len(data))
    target = _offset(rng, len(data))
    length = min(rng.choice([30, 46, 512, 2048]), len(data) - source, len(data) - target)
    piece = data[source : source + length]
    return data[:target] + piece + data[target + length :], f"{length} bytes {source}->{target}"


DAMAGE = (truncate, bit_flips, overwrite, shift, splice)


def damage(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One random kind of damage."""
    return rng.choice(DAMAGE)(data, rng)
