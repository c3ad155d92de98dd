"""The one interface every input format implements, and the choice of format by file name."""

from __future__ import annotations

import importlib
import tomllib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from pycustoms.audit.model import FILE_FORMATS, AuditInput, InputFormat
from pycustoms.errors import TargetError, UsageError

_MODULES = {
    InputFormat.REQUIREMENTS: "requirements",
    InputFormat.PYLOCK: "pylock",
    InputFormat.UVLOCK: "uvlock",
    InputFormat.POETRY: "poetry",
    InputFormat.PIPFILE: "pipfile",
    InputFormat.PDM: "pdm",
    InputFormat.PYPROJECT: "pyproject",
    InputFormat.ENVIRONMENT: "environment",
}


class InputReader(ABC):
    """Reads one input format into an `AuditInput`."""

    format: InputFormat

    @classmethod
    @abstractmethod
    def matches(cls, filename: str) -> bool:
        """True if a file called *filename* is in this format."""

    @abstractmethod
    def read(self, path: Path) -> AuditInput:
        """Read *path*; raise `TargetError` (with file and line) when it cannot be read."""


def reader_for(fmt: InputFormat) -> InputReader:
    """The reader of format *fmt*."""
    module = importlib.import_module(f"pycustoms.audit.inputs.{_MODULES[fmt]}")
    reader: InputReader = module.READER
    return reader


# Names that say nothing about the format but are often requirements files
# (`requirements/runtime.txt`, `req-hand.txt`, pip-tools' `dev.in`): read as
# requirements, they are taken for requirements when they parse.
_SNIFFED_SUFFIXES = (".txt", ".in")


def _by_name(path: Path) -> InputFormat | None:
    """The format that *path*'s name says, if any (a directory is an environment)."""
    if path.is_dir():
        return InputFormat.ENVIRONMENT
    for fmt in FILE_FORMATS:
        if reader_for(fmt).matches(path.name):
            return fmt
    return None


def _unknown(path: Path, why: str) -> UsageError:
    choices = ", ".join(f.value for f in FILE_FORMATS)
    return UsageError(
        f"cannot tell the format of {path}: {why}; pass --input-format ({choices}), "
        "or --env PATH to audit an installed environment"
    )


def _as_requirements(path: Path) -> AuditInput:
    """*path* read as a requirements file, or a `UsageError` saying why it is not one."""
    try:
        found = reader_for(InputFormat.REQUIREMENTS).read(path)
    except TargetError as exc:
        raise _unknown(path, f"read as a requirements file it fails ({exc})") from None
    if not found.dependencies:
        raise _unknown(path, "read as a requirements file it holds no requirement")
    return found


def detect(path: Path) -> InputFormat:
    """The format of *path*: from its name, else requirements if a `*.txt`/`*.in` parses as such.

    Raise `UsageError` when neither tells.
    """
    return _by_name(path) or read_input(path).format


def read_input(path: Path, fmt: InputFormat | None = None) -> AuditInput:
    """Read *path* as *fmt* (default: from the file name, else by content; see `detect`)."""
    chosen = fmt or _by_name(path)
    if chosen is not None:
        return reader_for(chosen).read(path)
    if not path.exists():
        raise TargetError(f"{path} does not exist; check the path")
    if path.suffix.lower() in _SNIFFED_SUFFIXES:
        return _as_requirements(path)
    raise _unknown(path, "its name says nothing")


def read_text(path: Path) -> str:
    """The text of an input file, or a `TargetError` that names it."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TargetError(f"{path} does not exist; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"{path} cannot be read as UTF-8 text ({exc})") from None


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """A TOML input and its text, or a `TargetError` with the parser's line and column."""
    text = read_text(path)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"{path}: not valid TOML ({exc}); regenerate the lock file") from None


class LineFinder:
    """Finds the 1-based line where a lock file mentions a package (for SARIF locations)."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()

    def find(self, *needles: str, start: int = 0) -> int | None:
        """The first line from *start* containing every needle."""
        for number in range(start, len(self._lines)):
            line = self._lines[number]
            if all(n in line for n in needles):
                return number + 1
        return None
