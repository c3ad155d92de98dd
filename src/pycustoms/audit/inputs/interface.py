"""The one interface every input format implements, and the choice of format by file name."""

from __future__ import annotations

import importlib
import tomllib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from pycustoms.audit.model import AuditInput, InputFormat
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


def detect(path: Path) -> InputFormat:
    """The format of *path* from its name; raise `UsageError` when the name says nothing."""
    if path.is_dir():
        return InputFormat.ENVIRONMENT
    for fmt in _MODULES:
        if fmt is not InputFormat.ENVIRONMENT and reader_for(fmt).matches(path.name):
            return fmt
    raise UsageError(
        f"cannot tell the format of {path} from its name; pass --input-format "
        f"({', '.join(f.value for f in InputFormat)})"
    )


def read_input(path: Path, fmt: InputFormat | None = None) -> AuditInput:
    """Read *path* as *fmt* (default: detected from the file name)."""
    return reader_for(fmt or detect(path)).read(path)


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
