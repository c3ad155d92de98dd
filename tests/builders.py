"""Build real distribution files from a dict of member names to contents.

Tests assemble every sample they scan with these helpers: no opaque binaries are
committed, and nothing built here is ever installed or run.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import tarfile
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO

Contents = Mapping[str, str | bytes]


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def build_wheel(
    directory: Path,
    name: str,
    version: str,
    files: Contents,
    *,
    tag: str = "py3-none-any",
    metadata_extra: str = "",
    mtime: int | None = None,
) -> Path:
    """Write `{name}-{version}-{tag}.whl` holding *files* plus valid dist-info; return its path.

    With *mtime* (seconds since the epoch) every timestamp is that one, so the
    same arguments give the same bytes (the fuzzing seeds need that).
    """
    dist = name.replace("-", "_")
    dist_info = f"{dist}-{version}.dist-info"
    members: dict[str, bytes] = {k: _bytes(v) for k, v in files.items()}
    members.setdefault(
        f"{dist_info}/METADATA",
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{metadata_extra}".encode(),
    )
    members.setdefault(
        f"{dist_info}/WHEEL",
        f"Wheel-Version: 1.0\nGenerator: pycustoms-tests\nRoot-Is-Purelib: true\nTag: {tag}\n".encode(),
    )
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in members.items())
    members[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    path = directory / f"{dist}-{version}-{tag}.whl"
    _write_zip(path, members, mtime)
    return path


def _write_zip(path: Path, members: Mapping[str, bytes], mtime: int | None) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            if mtime is None:
                archive.writestr(member, data)
                continue
            info = zipfile.ZipInfo(member, time.gmtime(mtime)[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16  # what `writestr` gives a name
            archive.writestr(info, data)


def build_sdist(
    directory: Path,
    name: str,
    version: str,
    files: Contents,
    *,
    fmt: str = "tar.gz",
    mtime: int | None = None,
) -> Path:
    """Write an sdist `{name}-{version}.{fmt}` (tar.gz, tar.bz2 or zip) with a top directory.

    *mtime* fixes every timestamp, as for `build_wheel`.
    """
    top = f"{name.replace('-', '_')}-{version}"
    members: dict[str, bytes] = {f"{top}/{k}": _bytes(v) for k, v in files.items()}
    members.setdefault(
        f"{top}/PKG-INFO", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    )
    path = directory / f"{top}.{fmt}"
    if fmt == "zip":
        _write_zip(path, members, mtime)
        return path
    stamp = int(time.time()) if mtime is None else mtime
    if mtime is not None and fmt in ("tar.gz", "tgz"):
        # `tarfile`'s own gzip header carries the current time: write it ourselves.
        with gzip.GzipFile(path, "wb", mtime=mtime) as raw:
            _write_tar(raw, "w", members, stamp)
        return path
    mode = {"tar.gz": "w:gz", "tgz": "w:gz", "tar.bz2": "w:bz2", "tar": "w"}[fmt]
    with path.open("wb") as raw:
        _write_tar(raw, mode, members, stamp)
    return path


def _write_tar(
    raw: IO[bytes] | gzip.GzipFile, mode: str, members: Mapping[str, bytes], mtime: int
) -> None:
    with tarfile.open(fileobj=raw, mode=mode) as archive:  # type: ignore[call-overload]
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            info.mtime = mtime
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))


def build_tree(directory: Path, files: Contents) -> Path:
    """Write *files* below *directory* (a source tree target) and return it."""
    for member, data in files.items():
        target = directory / member
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_bytes(data))
    return directory
