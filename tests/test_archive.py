"""The safe archive reader: every format, every hostile case, nesting, targets."""

from __future__ import annotations

import base64
import gzip
import io
import os
import stat
import struct
import tarfile
import time
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pycustoms.archive import (
    NESTED_TOO_DEEP,
    NESTED_UNSAFE,
    RULES,
    SYMLINK,
    UNSCANNABLE,
    Limits,
    Member,
    PackageReader,
    expand_targets,
    nested_from_text,
    open_package,
)
from pycustoms.config import Policy
from pycustoms.errors import TargetError
from pycustoms.types import Finding, PackageKind
from tests.builders import build_sdist, build_tree, build_wheel
from tests.fuzzing.bombs import bz2_bomb
from tests.fuzzing.containers import Item, write_tar
from tests.fuzzing.layers import ZipEntry, write_zip
from tests.fuzzing.tarfuzz import checksum, make_header

# -- helpers -------------------------------------------------------------------


def _zip_bytes(entries: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    items = list(entries.items()) if isinstance(entries, dict) else entries
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of some tests
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in items:
                archive.writestr(name, data)
    return buffer.getvalue()


def _tar_bytes(
    entries: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w:gz", **kwargs: object
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, **kwargs) as archive:  # type: ignore[call-overload]
        for info, data in entries:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    result: bytes = buffer.getvalue()
    return result


def _info(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mtime = int(time.time())
    info.mode = 0o644
    return info


@dataclass
class Scan:
    """A reader after its members were read."""

    reader: PackageReader
    members: list[Member]

    @property
    def problems(self) -> list[Finding]:
        return self.reader.problems

    @property
    def kind(self) -> PackageKind:
        return self.reader.kind


def _read(path: Path, limits: Limits | None = None, *, max_binary_bytes: int | None = None) -> Scan:
    reader = open_package(path, limits or Limits(), max_binary_bytes=max_binary_bytes)
    return Scan(reader, list(reader.members()))


def _members(scan: Scan) -> list[Member]:
    return scan.members


def _paths(scan: Scan) -> list[str]:
    return [m.path for m in scan.members]


def _rules(scan: Scan) -> set[str]:
    return {f.rule for f in scan.problems}


def _unscannable(scan: Scan) -> str:
    found = [f for f in scan.problems if f.rule == UNSCANNABLE]
    assert found, f"expected {UNSCANNABLE}, got {scan.problems}"
    assert all(f.severity.label == "critical" for f in found)
    return " | ".join(f"{f.message} @ {f.file}" for f in found)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- formats -------------------------------------------------------------------


def test_wheel_members_are_streamed_with_their_own_paths(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/__init__.py": "x = 1\n"})
    reader = open_package(wheel, Limits())
    members = reader.members()
    assert isinstance(members, Iterator)
    first = next(members)
    assert first == Member("demo/__init__.py", b"x = 1\n", 0)
    rest = [m.path for m in members]
    assert rest == [
        "demo-1.0.dist-info/METADATA",
        "demo-1.0.dist-info/WHEEL",
        "demo-1.0.dist-info/RECORD",
    ]
    assert reader.kind is PackageKind.WHEEL
    assert reader.problems == []
    assert reader.files == 4
    assert reader.bytes_read > 6


def test_egg_is_read_as_zip(tmp_path: Path) -> None:
    egg = _write(tmp_path / "demo-1.0-py3.11.egg", _zip_bytes({"EGG-INFO/PKG-INFO": b"x"}))
    reader = _read(egg)
    assert reader.kind is PackageKind.EGG
    assert _paths(reader) == ["EGG-INFO/PKG-INFO"]


@pytest.mark.parametrize("fmt", ["tar.gz", "tgz", "tar.bz2", "tar", "zip"])
def test_sdist_formats_strip_the_top_directory(tmp_path: Path, fmt: str) -> None:
    sdist = build_sdist(tmp_path, "demo", "1.0", {"setup.py": "pass\n", "demo/a.py": "a"}, fmt=fmt)
    reader = _read(sdist)
    assert reader.kind is PackageKind.SDIST
    assert reader.problems == []
    assert sorted(_paths(reader)) == ["PKG-INFO", "demo/a.py", "setup.py"]
    assert {m.data for m in _members(reader) if m.path == "setup.py"} == {b"pass\n"}


def test_tar_xz_sdist(tmp_path: Path) -> None:
    data = _tar_bytes(
        [(_info("demo-1.0", tarfile.DIRTYPE), None), (_info("demo-1.0/setup.py"), b"x")], "w:xz"
    )
    reader = _read(_write(tmp_path / "demo-1.0.tar.xz", data))
    assert reader.problems == []
    assert _paths(reader) == ["setup.py"]


def test_no_single_top_directory_keeps_paths(tmp_path: Path) -> None:
    data = _tar_bytes([(_info("a/setup.py"), b"1"), (_info("b/x.py"), b"2")])
    assert _paths(_read(_write(tmp_path / "x.tar.gz", data))) == ["a/setup.py", "b/x.py"]
    data = _tar_bytes([(_info("a/setup.py"), b"1"), (_info("evil.pth"), b"import os")])
    assert _paths(_read(_write(tmp_path / "y.tar.gz", data))) == ["a/setup.py", "evil.pth"]
    zipped = _zip_bytes({"pkg/a.py": b"1", "top.py": b"2"})
    assert _paths(_read(_write(tmp_path / "z.zip", zipped))) == ["pkg/a.py", "top.py"]


def test_directory_walk_skips_tool_dirs_and_reports_symlinks(tmp_path: Path) -> None:
    root = build_tree(
        tmp_path / "src",
        {
            "setup.py": "pass",
            "pkg/__init__.py": "",
            "pkg/tests/test_x.py": "t",
            ".git/config": "x",
            "pkg/__pycache__/a.pyc": b"\0",
            ".venv/lib/site.py": "x",
            "venv/x.py": "x",
            "node_modules/m/index.js": "x",
        },
    )
    (root / "pkg" / "link.py").symlink_to("__init__.py")
    reader = _read(root)
    assert reader.kind is PackageKind.DIRECTORY
    assert _paths(reader) == ["setup.py", "pkg/__init__.py", "pkg/tests/test_x.py"]
    assert [(f.rule, f.file) for f in reader.problems] == [(SYMLINK, "pkg/link.py")]


def test_directory_symlink_outside_the_tree_is_unscannable(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "src", {"setup.py": "pass"})
    (root / "creds").symlink_to("/etc/passwd")
    reader = _read(root)
    assert "outside the tree" in _unscannable(reader)
    assert _paths(reader) == ["setup.py"]


_needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")


@_needs_fifo
def test_directory_fifo_is_unscannable_and_does_not_hang(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "src", {"setup.py": "pass"})
    os.mkfifo(root / "pipe")
    reader = _read(root)
    assert "regular file" in _unscannable(reader)
    assert _paths(reader) == ["setup.py"]


@_needs_fifo
def test_fifo_target_is_unscannable(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.whl")
    assert "regular file" in _unscannable(_read(tmp_path / "x.whl"))


@pytest.mark.parametrize("name", ["setup.py", "evil.pth"])
def test_single_file(tmp_path: Path, name: str) -> None:
    reader = _read(_write(tmp_path / name, b"import os\n"))
    assert reader.kind is PackageKind.FILE
    assert _members(reader) == [Member(name, b"import os\n", 0)]


def test_missing_target_raises_target_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="no such file"):
        open_package(tmp_path / "nope.whl", Limits())


def test_limits_from_policy() -> None:
    limits = Limits.from_policy(Policy(max_members=7, max_depth=1))
    assert (limits.max_members, limits.max_depth) == (7, 1)


def test_rules_declare_every_emitted_id() -> None:
    assert {r.id for r in RULES} == {
        UNSCANNABLE,
        NESTED_TOO_DEEP,
        NESTED_UNSAFE,
        SYMLINK,
        "archive/duplicate-member",
    }
    assert all(r.description for r in RULES)


# -- hostile archives ------------------------------------------------------------


def test_zip_bomb_by_ratio_is_refused_before_decompressing(tmp_path: Path) -> None:
    zeros = bytes(Limits().ratio_floor + 16 * 1024**2)
    bomb = _zip_bytes({"a.py": b"x", "zeros.bin": zeros, "z.py": b"z"})
    reader = _read(_write(tmp_path / "bomb-1.0-py3-none-any.whl", bomb))
    assert "ratio" in _unscannable(reader)
    assert _paths(reader) == ["a.py"]  # reading stopped at the bomb


def test_zip_bomb_by_ratio_with_small_limits(tmp_path: Path) -> None:
    limits = Limits(max_ratio=10, ratio_floor=1000)
    bomb = _zip_bytes({"zeros.bin": bytes(100_000)})
    assert "ratio" in _unscannable(_read(_write(tmp_path / "b.whl", bomb), limits))


def test_tar_bomb_by_overall_ratio(tmp_path: Path) -> None:
    limits = Limits(max_ratio=10, ratio_floor=1000)
    data = _tar_bytes([(_info("p-1/zeros.bin"), bytes(200_000))])
    assert "ratio" in _unscannable(_read(_write(tmp_path / "p-1.tar.gz", data), limits))


@pytest.mark.parametrize("suffix", ["whl", "tar.gz"])
def test_bomb_by_total_size(tmp_path: Path, suffix: str) -> None:
    limits = Limits(max_total_bytes=50_000)
    files = {f"m{i}.txt": os.urandom(20_000) for i in range(5)}
    if suffix == "whl":
        path = _write(tmp_path / "p.whl", _zip_bytes(files))
    else:
        path = _write(tmp_path / "p.tar.gz", _tar_bytes([(_info(k), v) for k, v in files.items()]))
    reader = _read(path, limits)
    assert "more than 50000 bytes" in _unscannable(reader)
    assert len(_paths(reader)) <= 2


def test_member_larger_than_file_limit(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.whl", _zip_bytes({"big.txt": os.urandom(5000)}))
    assert "larger than 1000" in _unscannable(_read(path, Limits(max_file_bytes=1000)))


def test_too_many_members(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.whl", _zip_bytes({f"{i}.py": b"" for i in range(20)}))
    assert "members" in _unscannable(_read(path, Limits(max_members=10)))
    tarred = _tar_bytes([(_info(f"{i}.py"), b"") for i in range(20)])
    path = _write(tmp_path / "p.tar.gz", tarred)
    assert "members" in _unscannable(_read(path, Limits(max_members=10)))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../x.py", "traverses"),
        ("pkg/../../x.py", "traverses"),
        ("..\\x.py", "traverses"),
        ("/etc/x", "absolute"),
        ("C:/x.py", "drive"),
        ("a\nb.py", "control"),
    ],
)
def test_hostile_names(tmp_path: Path, name: str, reason: str) -> None:
    path = _write(tmp_path / "p.whl", _zip_bytes({"ok.py": b"1", name: b"evil"}))
    reader = _read(path)
    assert reason in _unscannable(reader)
    assert _paths(reader) == ["ok.py"]
    tarred = _tar_bytes([(_info("ok.py"), b"1"), (_info(name), b"evil")])
    reader = _read(_write(tmp_path / "p.tar.gz", tarred))
    assert reason in _unscannable(reader)
    assert b"evil" not in b"".join(m.data for m in _members(reader))


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        (tarfile.SYMTYPE, "symbolic link"),
        (tarfile.LNKTYPE, "hard link"),
        (tarfile.CHRTYPE, "device"),
        (tarfile.BLKTYPE, "device"),
        (tarfile.FIFOTYPE, "fifo"),
    ],
)
def test_tar_special_members(tmp_path: Path, kind: bytes, reason: str) -> None:
    tarred = _tar_bytes([(_info("p-1/a.py"), b"1"), (_info("p-1/x", kind, "/etc/passwd"), None)])
    reader = _read(_write(tmp_path / "p-1.tar.gz", tarred))
    assert reason in _unscannable(reader)
    assert _paths(reader) == ["a.py"]


def test_zip_symlink_member(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("link.py")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = _write(tmp_path / "p.whl", _zip_bytes([(info, b"/etc/passwd")]))
    assert "symbolic link" in _unscannable(_read(path))


def test_zip_encrypted_member(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("secret.py")
    data = bytearray(_zip_bytes([(info, b"payload")]))
    data[6] |= 1  # local header flag
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1
    assert "encrypted" in _unscannable(_read(_write(tmp_path / "p.whl", bytes(data))))


@pytest.mark.parametrize("names", [["a.py", "a.py"], ["a.py", "./a.py"], ["é.py", "e\u0301.py"]])
def test_duplicate_names_are_noted_and_every_copy_scanned(tmp_path: Path, names: list[str]) -> None:
    # An installer keeps one copy (usually the last): both must reach the analyzers.
    copies = [(n, f"copy{i}".encode()) for i, n in enumerate(names)]
    zipped = _read(_write(tmp_path / "p.whl", _zip_bytes(copies)))
    tarred = _read(_write(tmp_path / "p.tar.gz", _tar_bytes([(_info(n), d) for n, d in copies])))
    for scan in (zipped, tarred):
        assert not [f for f in scan.problems if f.rule == UNSCANNABLE]
        assert [f.rule for f in scan.problems] == ["archive/duplicate-member"]
        assert sorted(m.data for m in scan.members if m.data.startswith(b"copy")) == [
            b"copy0",
            b"copy1",
        ]


def test_undecodable_names(tmp_path: Path) -> None:
    tarred = _tar_bytes(
        [(_info("a\udcff.py"), b"x")],
        "w:gz",
        encoding="utf-8",
        errors="surrogateescape",
        format=tarfile.GNU_FORMAT,
    )
    reader = _read(_write(tmp_path / "p.tar.gz", tarred))
    assert "UTF-8" in _unscannable(reader)
    zipped = _zip_bytes({"é.py": b"x"}).replace("é".encode(), b"\xff\xfe")
    assert "UTF-8" in _unscannable(_read(_write(tmp_path / "p.whl", zipped)))


def test_truncated_gzip(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "demo", "1.0", {"setup.py": os.urandom(5000)})
    truncated = _write(tmp_path / "t.tar.gz", sdist.read_bytes()[:-2000])
    assert "corrupt or truncated" in _unscannable(_read(truncated))


def test_huge_tar_extended_header_is_refused_before_it_is_read(tmp_path: Path) -> None:
    info = _info("p-1/a.py")
    info.pax_headers = {"comment": "x" * 2 * 1024**2}
    data = _tar_bytes([(info, b"x")], "w:gz", format=tarfile.PAX_FORMAT)
    assert "extended header" in _unscannable(_read(_write(tmp_path / "p-1.tar.gz", data)))


def test_truncated_zip(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/a.py": os.urandom(5000)})
    truncated = _write(tmp_path / "t.whl", wheel.read_bytes()[:3000])
    assert "corrupt" in _unscannable(_read(truncated))


@pytest.mark.parametrize("name", ["garbage.whl", "garbage.egg", "garbage.tar.gz", "garbage.zip"])
def test_garbage_is_unknown_or_corrupt(tmp_path: Path, name: str) -> None:
    reader = _read(_write(tmp_path / name, b"this is not an archive at all" * 40))
    assert "unknown format" in _unscannable(reader)


def test_gzip_that_holds_no_tar_is_unscannable_as_sdist(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.tar.gz", gzip.compress(b"print('hi')\n" * 100))
    assert "corrupt" in _unscannable(_read(path))


def _patch_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size of member *name* in both zip headers."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    struct.pack_into("<L", out, local + 22, size)
    central = out.find(b"PK\x01\x02")
    assert out[central + 46 : central + 46 + len(name)] == name
    struct.pack_into("<L", out, central + 24, size)
    return bytes(out)


def test_zip_lying_small_size_is_caught_on_actual_bytes(tmp_path: Path) -> None:
    honest = _zip_bytes({"a.py": b"A" * 100_000})
    liar = _patch_sizes(honest, b"a.py", 10)
    reader = _read(_write(tmp_path / "p.whl", liar))
    assert "CRC" in _unscannable(reader)
    assert _members(reader) == []


def test_zip_lying_large_size_is_refused(tmp_path: Path) -> None:
    liar = _patch_sizes(_zip_bytes({"a.py": b"A" * 1000}), b"a.py", 2**31)
    path = _write(tmp_path / "p.whl", liar)
    assert "ratio" in _unscannable(_read(path))
    assert "larger than" in _unscannable(_read(path, Limits(max_ratio=10**9)))


def test_zip_overlapping_members(tmp_path: Path) -> None:
    data = bytearray(_zip_bytes({"a.py": b"same", "b.py": b"same"}))
    second = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)
    struct.pack_into("<L", data, second + 42, 0)  # b.py's data offset = a.py's
    assert "overlap" in _unscannable(_read(_write(tmp_path / "p.whl", bytes(data))))


def test_zip_declaring_too_many_entries_is_refused_from_its_end_record(tmp_path: Path) -> None:
    data = bytearray(_zip_bytes({"a.py": b"x"}))
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 60_000, 60_000)
    assert "declares 60000 members" in _unscannable(_read(_write(tmp_path / "p.whl", bytes(data))))


# Found by fuzzing (benchmarks/fuzz_archives.py): each hung, or made the reader hold
# gigabytes, before the reader refused it.


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_zip_members_other_than_stored_or_deflate_are_refused(tmp_path: Path, method: int) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("demo/a.py", "A = 1\n")
    zipped = buffer.getvalue()
    assert f"method {method}" in _unscannable(_read(_write(tmp_path / "p.whl", zipped)))
    # Inside a package it is the inner archive that is refused; the rest is read.
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/fixture.zip": zipped, "demo/b.py": "B = 2"})
    scan = _read(wheel)
    assert _rules(scan) == {NESTED_UNSAFE}
    assert "demo/b.py" in _paths(scan)


def test_bzip2_bomb_in_a_zip_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    # 4 blocks of 45 MB of zeros in about 200 bytes: `zipfile` would unpack them in one
    # call (4,000 blocks in 32 KiB would be 180 GB). Refused from the entry's method.
    bomb = bz2_bomb(4)
    entry = ZipEntry(b"demo/data.txt", b"", method=12, packed=bomb, declared_size=100)
    wheel = _write(tmp_path / "p-1.0-py3-none-any.whl", write_zip([entry]))
    assert "method 12" in _unscannable(_read(wheel))


@pytest.mark.parametrize("kind", [b"V", b"M", b"D", b" "])
def test_tar_member_of_unknown_type_declaring_a_huge_size_is_refused(
    tmp_path: Path, kind: bytes
) -> None:
    # `tarfile` skips an unknown member's data 10 KiB at a time, even past the end of
    # the stream: the largest octal size took 10 s to skip, a base-256 one forever.
    header = make_header(b"p-1/x", 0, kind)
    header[124:136] = b"77777777777\0"
    checksum(header)
    data = write_tar([Item(b"p-1/a.py", b"A = 1\n")])[: -2 * 512] + bytes(header)
    reader = _read(_write(tmp_path / "p-1.tar.gz", gzip.compress(data + bytes(1024))))
    assert "larger than" in _unscannable(reader)


def test_tar_sparse_member_is_refused(tmp_path: Path) -> None:
    # A GNU sparse member's holes come from `tarfile`, not from the stream, so no
    # ratio limit saw them: 264 bytes unpacked to 2 GiB and were judged "allow".
    header = make_header(b"p-1/holes.py", 4096, b"S")
    header[386:398] = b"00000000000\0"  # one data region of 4 KiB at offset 0,
    header[398:410] = b"00000010000\0"
    header[483:495] = b"%011o\0" % (100 * 1024**2)  # then holes up to 100 MiB
    checksum(header)
    data = bytes(header) + b"# text\n" * 585 + b"#" + bytes(1024)
    reader = _read(_write(tmp_path / "p-1.tar.gz", gzip.compress(data)))
    assert "sparse member" in _unscannable(reader)
    assert reader.reader.bytes_read < 1024**2


# -- nested archives -------------------------------------------------------------


def test_nested_zip_in_sdist_is_yielded_with_bang_paths(tmp_path: Path) -> None:
    inner = _zip_bytes({"evil/payload.py": b"import os"})
    sdist = build_sdist(tmp_path, "demo", "1.0", {"setup.py": "pass", "vendor/lib.dat": inner})
    reader = _read(sdist)
    assert reader.problems == []
    by_path = {m.path: m for m in _members(reader)}
    assert by_path["vendor/lib.dat"].data == inner  # the outer bytes are a member too
    assert by_path["vendor/lib.dat!evil/payload.py"] == Member(
        "vendor/lib.dat!evil/payload.py", b"import os", 1
    )


def test_nested_tar_gz_and_single_gzip_in_wheel(tmp_path: Path) -> None:
    tarred = _tar_bytes([(_info("x/a.py"), b"a")])
    wheel = build_wheel(
        tmp_path,
        "demo",
        "1.0",
        {"demo/data/t.tar.gz": tarred, "demo/data/table.json.gz": gzip.compress(b"[1]")},
    )
    paths = _paths(_read(wheel))
    assert "demo/data/t.tar.gz!x/a.py" in paths
    assert "demo/data/table.json.gz!table.json" in paths


def test_nesting_depth_limit(tmp_path: Path) -> None:
    innermost = _zip_bytes({"deep.py": b"x"})
    middle = _zip_bytes({"inner.zip": innermost})
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/outer.jar": middle})
    reader = _read(wheel, Limits(max_depth=1))
    assert "demo/outer.jar!inner.zip" in _paths(reader)
    assert not any(p.endswith("deep.py") for p in _paths(reader))
    [finding] = reader.problems
    assert (finding.rule, finding.file) == (NESTED_TOO_DEEP, "demo/outer.jar!inner.zip")
    reader = _read(wheel, Limits(max_depth=2))
    assert ("demo/outer.jar!inner.zip!deep.py", 2) in [(m.path, m.depth) for m in _members(reader)]


def test_corrupt_nested_archive_is_a_finding_not_a_failure(tmp_path: Path) -> None:
    broken = _zip_bytes({"a.py": os.urandom(3000)})[:1500]
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/fixture.zip": broken, "demo/z.py": "z"})
    reader = _read(wheel)
    assert _rules(reader) == {NESTED_UNSAFE}
    assert "demo/z.py" in _paths(reader)


def test_hostile_names_in_nested_archive(tmp_path: Path) -> None:
    inner = _zip_bytes({"../../etc/x": b"x", "ok.py": b"ok"})
    reader = _read(build_wheel(tmp_path, "demo", "1.0", {"demo/a.zip": inner}))
    assert _rules(reader) == {NESTED_UNSAFE}
    assert "demo/a.zip!ok.py" in _paths(reader)


def test_nested_bomb_counts_against_the_package_limits(tmp_path: Path) -> None:
    inner = _zip_bytes({"zeros.bin": bytes(Limits().ratio_floor + 8 * 1024**2)})
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/a.zip": inner, "demo/b.py": b"b"})
    # A bomb-like member inside a nested archive stops that archive only: it is not
    # the package's own bomb, and the rest of the package is still read.
    scan = _read(wheel)
    assert not [f for f in scan.problems if f.rule == UNSCANNABLE]
    assert any("ratio" in f.message for f in scan.problems if f.rule == NESTED_UNSAFE)
    assert "demo/b.py" in _paths(scan)
    limits = Limits(max_total_bytes=len(inner) + 1000, max_ratio=100_000)
    assert "more than" in _unscannable(_read(wheel, limits))


# -- partial reads of large binaries ---------------------------------------------


def test_large_binary_members_are_read_in_part(tmp_path: Path) -> None:
    elf = b"\x7fELF" + os.urandom(100_000)
    text = b"# " + b"a" * 100_000
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/_x.so": elf, "demo/big.py": text})
    scan = _read(wheel, max_binary_bytes=4096)
    by_path = {m.path: m for m in scan.members}
    assert by_path["demo/_x.so"].data == elf[:4096]
    assert by_path["demo/_x.so"].full_size == len(elf)
    assert by_path["demo/_x.so"].truncated
    assert by_path["demo/big.py"].data == text
    assert not by_path["demo/big.py"].truncated
    # Only the head of the binary is produced, so only the head counts as read.
    assert len(text) + 4096 <= scan.reader.bytes_read < len(text) + len(elf)


def test_binary_larger_than_the_file_limit_is_read_in_part(tmp_path: Path) -> None:
    elf = b"\x7fELF" + os.urandom(50_000)
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/_x.so": elf})
    scan = _read(wheel, Limits(max_file_bytes=10_000), max_binary_bytes=4096)
    assert not [f for f in scan.problems if f.rule == UNSCANNABLE]
    assert [m.path for m in scan.members if m.truncated] == ["demo/_x.so"]


def test_highly_compressible_small_member_is_not_a_bomb(tmp_path: Path) -> None:
    # Test fixtures full of zeros compress past 1000:1; below the floor that is fine.
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/data/input_0.pb": bytes(3 * 1024**2)})
    scan = _read(wheel)
    assert not [f for f in scan.problems if f.rule == UNSCANNABLE]


def test_tar_links_inside_the_tree_are_noted_and_escaping_links_refused(tmp_path: Path) -> None:
    inside = tarfile.TarInfo("p-1/zone/Alias")
    inside.type = tarfile.LNKTYPE
    inside.linkname = "p-1/zone/Real"
    rel = tarfile.TarInfo("p-1/zone/Rel")
    rel.type = tarfile.SYMTYPE
    rel.linkname = "Real"
    data = _tar_bytes([(_info("p-1/zone/Real"), b"tz"), (inside, b""), (rel, b"")])
    scan = _read(_write(tmp_path / "p-1.tar.gz", data))
    assert not [f for f in scan.problems if f.rule == UNSCANNABLE]
    assert _paths(scan) == ["zone/Real"]
    assert {f.rule for f in scan.problems} == {"archive/symlink"}
    out = tarfile.TarInfo("p-1/evil")
    out.type = tarfile.SYMTYPE
    out.linkname = "../../etc/passwd"
    data = _tar_bytes([(_info("p-1/a.py"), b"x"), (out, b"")])
    assert "outside" in _unscannable(_read(_write(tmp_path / "q-1.tar.gz", data)))


# -- archives embedded in source text ----------------------------------------------


def test_nested_from_text_finds_base64_zip() -> None:
    payload = _zip_bytes({"stage2.py": b"import socket\n" + os.urandom(90)})
    encoded = base64.b64encode(payload).decode()
    assert len(encoded) >= 200
    text = f'import base64\n\nBLOB = "{encoded}"\n'
    found = nested_from_text("setup.py", text, 0, Limits())
    assert found.problems == []
    assert [(m.path, m.depth) for m in found.members] == [
        ("setup.py!base64@L3", 1),
        ("setup.py!base64@L3!stage2.py", 2),
    ]
    assert found.members[1].data.startswith(b"import socket\n")


def test_nested_from_text_handles_wrapped_gzip_and_ignores_short_runs() -> None:
    payload = gzip.compress(os.urandom(300))
    wrapped = base64.encodebytes(payload).decode()
    text = f'X = """\n{wrapped}"""\nY = "UEsDBBQ"\n'
    found = nested_from_text("pkg/x.py", text, 0, Limits())
    assert [m.path for m in found.members] == ["pkg/x.py!base64@L2", "pkg/x.py!base64@L2!data"]
    assert nested_from_text("a.py", "x = 'UEsDB" + "A" * 50 + "'", 0, Limits()).members == []


def test_nested_from_text_respects_depth() -> None:
    encoded = base64.b64encode(_zip_bytes({"a.py": os.urandom(200)})).decode()
    found = nested_from_text("a.py", encoded, 3, Limits(max_depth=3))
    assert found.members == []
    assert {f.rule for f in found.problems} == {NESTED_TOO_DEEP}


# -- targets ---------------------------------------------------------------------


def test_expand_targets(tmp_path: Path) -> None:
    lone = _write(tmp_path / "x.pth", b"import os")
    source = build_tree(tmp_path / "src", {"pyproject.toml": "", "pkg/a.whl": b""})
    scripts = build_tree(tmp_path / "scripts", {"run.py": "", "data/x.zip": b""})
    wheels = build_tree(
        tmp_path / "dist",
        {"b-1.tar.gz": b"", "a-1-py3-none-any.whl": b"", "sub/c.egg": b"", "README": "x"},
    )
    empty = build_tree(tmp_path / "notes", {"README": "x"})
    assert expand_targets([lone, source, scripts, wheels, empty]) == [
        lone,
        source,
        scripts,
        wheels / "a-1-py3-none-any.whl",
        wheels / "b-1.tar.gz",
        wheels / "sub" / "c.egg",
        empty,
    ]
    with pytest.raises(TargetError, match="no such file"):
        expand_targets([tmp_path / "missing"])


# -- robustness ------------------------------------------------------------------

_SUFFIXES = ["x.whl", "x.tar.gz", "x.tar.bz2", "x.tar.xz", "x.zip", "x.tar", "setup.py"]
_SAMPLE_ZIP = _zip_bytes({"a.py": b"import os\n" * 50, "b/c.py": b"x", "d.zip": b"PK\x03\x04"})
_SAMPLE_TAR = _tar_bytes([(_info("p/a.py"), b"import os\n" * 50), (_info("p/b.py"), b"x")])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2048), suffix=st.sampled_from(_SUFFIXES))
def test_random_bytes_never_raise(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = _write(tmp_path / suffix, data)
    reader = open_package(path, Limits())
    list(reader.members())
    assert all(f.rule.startswith("archive/") for f in reader.problems)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    base=st.sampled_from([(_SAMPLE_ZIP, "x.whl"), (_SAMPLE_TAR, "x.tar.gz")]),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.integers(0, 10**6),
)
def test_damaged_archives_never_raise(
    tmp_path: Path, base: tuple[bytes, str], flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(base[0])
    for where, value in flips:
        data[where % len(data)] = value
    path = _write(tmp_path / base[1], bytes(data[: max(1, cut % (len(data) + 1))]))
    reader = open_package(path, Limits(max_total_bytes=10**6))
    list(reader.members())
    assert all(f.rule.startswith("archive/") for f in reader.problems)
