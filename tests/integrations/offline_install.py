"""Run the install recipes (Dockerfile, GitHub Action) here, without reaching any index.

The recipes install `requirements/runtime.txt` with `pip --require-hashes`. The
tests never reach the public index, and pip's local mirrors on a test machine
need not hold the locked files. So the fresh virtual environment is given the
locked distributions *already installed*: the ones this test venv holds, which
`make` installed from the same locks with every hash checked. They are linked
into a directory put first on `PYTHONPATH`, and pip runs with `PIP_NO_INDEX=1`:
every pin must be found satisfied there (a missing or different version fails,
since nothing can be downloaded), and pycustoms itself is built from a copy of
the sources and installed into the new venv for real.

What this leaves untested is pip downloading and hash-checking the locked
files, which `make` does with the same flags on every fresh clone.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import os
import re
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCKS = (ROOT / "requirements" / "bootstrap.txt", ROOT / "requirements" / "runtime.txt")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def pins(locks: Iterable[Path] = LOCKS) -> dict[str, str]:
    """Project name -> version of every pin in *locks*."""
    out: dict[str, str] = {}
    for lock in locks:
        out.update(_PIN.findall(lock.read_text(encoding="utf-8")))
    return out


def provide(dest: Path, locks: Iterable[Path] = LOCKS) -> Path:
    """*dest* filled with links to this venv's copy of every locked distribution.

    Raises `LookupError` naming the pins this venv does not hold at the locked version.
    """
    dest.mkdir(parents=True)
    missing: list[str] = []
    for name, version in sorted(pins(locks).items()):
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(f"{name}=={version} (not installed)")
            continue
        if dist.version != version:
            missing.append(f"{name}=={version} (this venv has {dist.version})")
            continue
        base = Path(str(dist.locate_file("")))
        tops = {f.parts[0] for f in dist.files or () if f.parts and f.parts[0] != ".."}
        for top in tops - {"__pycache__"}:
            source = base / top
            if source.exists() and not (dest / top).exists():
                (dest / top).symlink_to(source, target_is_directory=source.is_dir())
    if missing:
        raise LookupError(", ".join(missing))
    return dest


def interpreter_dir(dest: Path) -> Path:
    """*dest* holding `python` and `python3`: this venv's base interpreter, as a bare
    system Python (the image's, the runner's) would be, without this venv's packages."""
    dest.mkdir(parents=True)
    base = Path(getattr(sys, "_base_executable", sys.executable))
    for name in ("python", "python3"):
        (dest / name).symlink_to(base)
    return dest


def offline_env(
    provided: Path, python: Path, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment the recipes run in: no index, no pip or pycustoms settings of this
    machine, the locked distributions on `PYTHONPATH`, *python* (a directory from
    `interpreter_dir`) first on PATH."""
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if not k.startswith(("PIP_", "PYCUSTOMS_", "UV_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        PYTHONPATH=str(provided),
        PIP_NO_INDEX="1",
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_CACHE_DIR="1",
        # The provided packages are this venv's files: nothing is written next to them.
        PYTHONDONTWRITEBYTECODE="1",
        PATH=f"{python}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def ignored(patterns: Iterable[str]) -> list[str]:
    """`.dockerignore`-style patterns, without comments and blank lines."""
    return [p.strip() for p in patterns if p.strip() and not p.strip().startswith("#")]


def is_ignored(relative: str, patterns: list[str]) -> bool:
    """Whether *relative* (a path in the build context) matches one of *patterns*."""
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        parts = relative.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatchcase(p, pattern) for p in prefixes):
            return True
        if pattern.startswith("**/") and any(fnmatch.fnmatchcase(p, bare) for p in parts):
            return True
    return False


def copy_context(source: Path, dest: Path, patterns: list[str]) -> None:
    """Copy *source* (a file or directory of the repository) to *dest*, skipping ignored paths."""
    relative = source.relative_to(ROOT).as_posix()
    if is_ignored(relative, patterns):
        return
    if source.is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)
        return
    dest.mkdir(parents=True, exist_ok=True)
    for child in sorted(source.iterdir()):
        copy_context(child, dest / child.name, patterns)
