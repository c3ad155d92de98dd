"""`ast.parse` for a package's source: quiet, and `None` where Python would refuse it.

The package's own warnings (invalid escape sequences, `is` with a literal) are
its business; printing them on the scanner's stderr would bury the report.
"""

from __future__ import annotations

import ast
import warnings
from typing import Literal, overload


@overload
def parse(source: str, filename: str = ..., mode: Literal["exec"] = ...) -> ast.Module | None: ...
@overload
def parse(source: str, filename: str, mode: Literal["eval"]) -> ast.Expression | None: ...


def parse(source: str, filename: str = "<package>", mode: str = "exec") -> ast.AST | None:
    """The tree of *source*, or `None` if it does not parse (or is too deep or big)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source, filename=filename, mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
