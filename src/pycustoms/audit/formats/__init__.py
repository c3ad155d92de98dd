"""Output formats of `pycustoms audit`; each module exposes `render(report, out)`."""

from __future__ import annotations

import importlib
from typing import IO

from pycustoms.audit.model import AuditReport

FORMATS = ("human", "json", "sarif", "cyclonedx-json", "markdown")
_MODULES = {"cyclonedx-json": "cyclonedx"}
# Formats that shorten what repeats unless asked not to (`-v`); the others keep all.
_SHORTENED = frozenset({"human"})


def render(
    fmt: str, report: AuditReport, out: IO[str], *, verbose: bool = False, quiet: bool = False
) -> None:
    """Write *report* to *out* in format *fmt* (one of `FORMATS`).

    *verbose* and *quiet* shape the human form only; the others keep everything.
    """
    module = importlib.import_module(f"pycustoms.audit.formats.{_MODULES.get(fmt, fmt)}")
    if fmt in _SHORTENED:
        module.render(report, out, verbose=verbose, quiet=quiet)
    else:
        module.render(report, out)
