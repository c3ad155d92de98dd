"""Errors a user can act on. The CLI catches `PycustomsError` once, in `main()`."""

from __future__ import annotations


class PycustomsError(Exception):
    """Base class: the message is a complete sentence that says what to do next."""

    exit_code = 3


class UsageError(PycustomsError):
    """The command line or configuration is wrong (exit code 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """A configuration file or `PYCUSTOMS_*` variable has an invalid value."""


class TargetError(PycustomsError):
    """A scan target could not be read at all (missing, unreadable)."""


class UnscannableError(PycustomsError):
    """An archive is malformed or hostile; the scanner turns this into `archive/unscannable`."""

    def __init__(self, message: str, *, member: str | None = None, local: bool = False) -> None:
        super().__init__(message)
        self.member = member
        # True when only the archive being read is at fault (a ratio or size limit
        # of one member), not the package's global budget: a nested archive that
        # trips it is skipped and reported instead of failing the whole package.
        self.local = local
