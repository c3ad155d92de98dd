"""Output formats for scan results: one module per format behind `render`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

from pycustoms.report import human, json_format, sarif
from pycustoms.types import ScanResult

FORMATS = ("human", "json", "sarif")


def render(
    results: Sequence[ScanResult],
    fmt: str,
    out: IO[str],
    *,
    base: Path,
    verbose: bool = False,
    quiet: bool = False,
) -> None:
    """Write *results* to *out* in *fmt*; paths are made relative to *base*.

    *verbose* and *quiet* shape the human form only; the others keep everything.
    """
    if fmt == "json":
        json_format.render(results, out, base=base)
    elif fmt == "sarif":
        sarif.render(results, out, base=base)
    elif fmt == "human":
        human.render(results, out, base=base, verbose=verbose, quiet=quiet)
    else:
        raise ValueError(f"unknown format {fmt!r}")
