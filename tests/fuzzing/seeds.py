"""The archives the mutations start from: small, real, and the same bytes every time."""

from __future__ import annotations

import gzip
import io
import lzma
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.builders import build_sdist, build_wheel

# Every timestamp of a built seed, so that a run seed names the same bytes on any day.
MTIME = 1_700_000_000

_SETUP = """\
from setuptools import setup

setup(name="{name}", version="1.0", packages=["{module}"])
"""
_MODULE = '''\
"""A small module that does ordinary things."""

import json
import os


def settings(path):
    """Read a JSON settings file next to this module."""
    with open(os.path.join(os.path.dirname(__file__), path)) as handle:
        return json.load(handle)
'''
_LONG_NAME = "deeply/" * 14 + "nested_module_with_a_long_name.py"  # > 100 bytes: a pax header


@dataclass(frozen=True, slots=True)
class Seed:
    """One archive to mutate: its file name (which selects the reader) and its bytes."""

    filename: str
    data: bytes


def built_seeds(directory: Path) -> list[Seed]:
    """Wheels, an egg and sdists in every format the reader knows, with nested archives."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, str | bytes] = {
        "demo/__init__.py": "from demo.core import settings\n\n__all__ = ['settings']\n",
        "demo/core.py": _MODULE,
        "demo/data/defaults.json": '{"retries": 3, "verbose": false}\n',
        "demo/data/words.txt.gz": gzip.compress(b"alpha\nbeta\ngamma\n" * 40, mtime=0),
        "demo/data/bundle.zip": _zip({"inner/readme.txt": b"inner text\n" * 20}),
    }
    paths = [
        build_wheel(directory, "demo", "1.0", files, mtime=MTIME),
        build_wheel(directory, "tiny", "0.1", {"tiny.py": "VALUE = 1\n"}, mtime=MTIME),
    ]
    sdist_files: dict[str, str | bytes] = {
        "setup.py": _SETUP.format(name="demo", module="demo"),
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n',
        "demo/__init__.py": "VERSION = '1.0'\n",
        "demo/core.py": _MODULE,
        _LONG_NAME: "X = 1\n",
    }
    for fmt in ("tar.gz", "tar.bz2", "zip", "tar"):
        paths.append(build_sdist(directory, "demo", "1.0", sdist_files, fmt=fmt, mtime=MTIME))
    vendored = dict(sdist_files)
    vendored["vendor/tiny-0.1-py3-none-any.whl"] = paths[1].read_bytes()
    vendored["tests/fixtures/sample.tar.gz"] = paths[2].read_bytes()
    paths.append(build_sdist(directory, "vendoring", "2.0", vendored, mtime=MTIME))
    seeds = [Seed(path.name, path.read_bytes()) for path in paths]
    seeds.append(_as_xz(seeds[2]))
    seeds.append(Seed("demo-1.0-py3.11.egg", _egg()))
    return seeds


def file_seeds(paths: Iterable[Path]) -> list[Seed]:
    """Seeds read from real distribution files (a wheel or sdist keeps its own name)."""
    return [Seed(path.name, path.read_bytes()) for path in paths]


def save_seeds(seeds: Iterable[Seed], directory: Path) -> None:
    """Write *seeds* to *directory* so that worker processes load exactly these bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(seeds):
        (directory / f"{number:04d}-{seed.filename}").write_bytes(seed.data)


def load_seeds(directory: Path) -> list[Seed]:
    """The seeds `save_seeds` wrote, in the same order."""
    return [
        Seed(path.name.split("-", 1)[1], path.read_bytes())
        for path in sorted(directory.iterdir())
        if path.is_file()
    ]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2023, 11, 14, 22, 13, 20)), data)
    return buffer.getvalue()


def _as_xz(tar_gz: Seed) -> Seed:
    """The same sdist as a .tar.xz (the builders write gzip, bzip2 and zip only)."""
    data = lzma.compress(gzip.decompress(tar_gz.data))
    return Seed(tar_gz.filename.replace(".tar.gz", ".tar.xz"), data)


def _egg() -> bytes:
    return _zip(
        {
            "EGG-INFO/PKG-INFO": b"Metadata-Version: 1.1\nName: demo\nVersion: 1.0\n",
            "EGG-INFO/top_level.txt": b"demo\n",
            "demo/__init__.py": b"VERSION = '1.0'\n",
        }
    )
