"""The console that human output is written through: wrapped for people, never for tools.

On a terminal, rich fits tables to the window (key columns fold rather than
lose their end). In a file, a pipe or a CI log there is no window: a line
broken at 80 columns splits URLs, paths and rule ids so that they can no
longer be searched, copied or parsed, so nothing is wrapped there.
"""

from __future__ import annotations

from typing import IO

from rich.console import Console

# Wider than any line pycustoms writes: in a pipe, tables take the width of their content.
UNBOUNDED = 1 << 15


def data_console(out: IO[str]) -> Console:
    """A console writing to *out*: the terminal's width on a terminal, unbounded elsewhere."""
    terminal = out.isatty()
    return Console(
        file=out,
        highlight=False,
        soft_wrap=not terminal,
        width=None if terminal else UNBOUNDED,
    )
