"""Python modules too large to parse whole: the statements that hold trigger words.

`ast.parse` costs about a second and 200 MB of memory per MiB of dense source,
so members above `analyze.TEXT_LIMIT` used to get byte patterns only, and a
payload appended to a module padded past that size went unjudged. Here the
prefilter's trigger words (the same single YARA-X pass that decides which small
files are walked) are located, and each top-level statement holding one is kept
while every other line is blanked. The result has the original's line numbers,
parses in a fraction of the time, and goes through the ordinary analysis.

A statement is kept only if it parses on its own (a window that starts inside
a multi-line string is widened, then given up), is at most `MAX_STATEMENT`
characters, and fits the `MAX_KEPT` budget. The import statements are kept too,
so that names resolve as they do in the whole file. What could not be kept is
counted and reported: those statements got byte patterns only.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from dataclasses import dataclass

from pycustoms.analyzers.code.prefilter import trigger_offsets
from pycustoms.rules import Rule
from pycustoms.types import Finding, Severity

HUGE_LIMIT = 64 * 1024 * 1024  # beyond this, byte patterns only (as for any huge member)
MAX_STATEMENT = 256 * 1024  # characters of one kept top-level statement
MAX_KEPT = 2 * 1024 * 1024  # characters of source kept per module
_WIDEN = 3  # attempts to widen a window that does not parse
_TAIL_STATEMENTS = 40  # the module's last statements are kept (within the budget) too
_TAIL_PRIORITY = 1_000  # after every statement with a trigger word
_NOT_STARTS = (" ", "\t", "#", ")", "]", "}", "\f")
_CLAUSES = ("else", "elif", "except", "finally", "case")
PARTLY = "code/partly-analysed"

RULES: tuple[Rule, ...] = (
    Rule(
        PARTLY,
        Severity.INFO,
        "Part of a very large module got byte patterns only",
        "Statements with trigger words that could not be parsed on their own, or that "
        "exceed the size kept per module, in a Python file too large to parse whole.",
    ),
)


@dataclass(frozen=True, slots=True)
class Reduced:
    """The kept statements, at their own lines, and what could not be kept."""

    text: str
    kept: int
    skipped: int


def reduce_source(data: bytes, text: str) -> Reduced | None:
    """The statements of *text* (decoded from *data*) that hold trigger words, or `None`."""
    triggers = trigger_offsets(data)
    if not triggers:
        return None
    lines = text.split("\n")
    ends = _line_ends(data)
    starts = _statement_starts(lines)
    # Each statement once, with the most telling word it holds.
    windows: dict[tuple[int, int], int] = {}
    for offset, priority in triggers:
        window = _window(starts, bisect.bisect_left(ends, offset), len(lines))
        windows[window] = min(priority, windows.get(window, priority))
    imports = [
        (start, end)
        for start, end in zip(starts, [*starts[1:], len(lines)], strict=True)
        if lines[start].startswith(("import ", "from "))
    ]
    order = [(-1, window) for window in imports]
    order += sorted((priority, window) for window, priority in windows.items())
    # The module's last statements, trigger words or not: where a launcher appended
    # after padding or an embedded payload sits (`tmp.write(blob)`, `run(f"... {tmp.name}")`).
    tail = [(start, end) for start, end in zip(starts, [*starts[1:], len(lines)], strict=True)][
        -_TAIL_STATEMENTS:
    ]
    order += [(_TAIL_PRIORITY, window) for window in tail if window not in windows]
    keep = [False] * len(lines)
    kept = skipped = 0
    budget = MAX_KEPT
    for _, window in order:
        if budget <= 0 or _size(lines, window) > min(budget, MAX_STATEMENT):
            skipped += 1
            continue
        found = _parsable(lines, starts, window)
        if found is None or _size(lines, found) > budget:
            skipped += 1
            continue
        fresh = [i for i in range(*found) if not keep[i]]
        budget -= sum(len(lines[i]) + 1 for i in fresh)
        for i in fresh:
            keep[i] = True
        kept += 1
    bound = _long_literals(lines, starts)
    body = "\n".join(line if keep[i] else bound.get(i, "") for i, line in enumerate(lines))
    return Reduced(body, kept, skipped)


_OPENS_LONG_LITERAL = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<prefix>[bBrRuU]{0,2})(?P<quote>'''|\"\"\")"
)


def _long_literals(lines: list[str], starts: list[int]) -> dict[int, str]:
    """A name bound to a triple-quoted literal that spans lines, bound to an empty one.

    Such literals are what is too large to keep (an embedded payload), and the
    statements that write or run them refer to them by name.
    """
    bound: dict[int, str] = {}
    for index in starts:
        found = _OPENS_LONG_LITERAL.match(lines[index])
        if found is None or lines[index].count(found.group("quote")) > 1:
            continue
        empty = "b''" if "b" in found.group("prefix").lower() else "''"
        bound[index] = f"{found.group('name')} = {empty}"
    return bound


def _size(lines: list[str], window: tuple[int, int]) -> int:
    return sum(len(line) + 1 for line in lines[window[0] : window[1]])


def partly_analysed(path: str, reduced: Reduced, size: int) -> Finding:
    """The note that some statements of a large module were not walked."""
    return Finding(
        PARTLY,
        Severity.INFO,
        f"{reduced.skipped} statement(s) with trigger words in this {size / 2**20:.0f} MiB "
        "module were not walked (too large, past the size kept per module, or not parsable "
        "on their own): byte patterns only",
        path,
        None,
        None,
        0.5,
    )


def _line_ends(data: bytes) -> list[int]:
    """The byte offset of each line's terminating newline (the last line ends at len)."""
    ends: list[int] = []
    at = data.find(b"\n")
    while at >= 0:
        ends.append(at)
        at = data.find(b"\n", at + 1)
    ends.append(len(data))
    return ends


def _statement_starts(lines: list[str]) -> list[int]:
    """Lines that may begin a top-level statement (decorators hold on to their definition)."""
    starts: list[int] = []
    decorated = False
    for index, line in enumerate(lines):
        if not line or line.startswith(_NOT_STARTS) or line.strip() == "":
            continue
        word = line.split(None, 1)[0].rstrip(":")
        if word in _CLAUSES:
            continue
        if not decorated:
            starts.append(index)
        decorated = line.startswith("@")
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return starts


def _window(starts: list[int], line: int, count: int) -> tuple[int, int]:
    """The candidate statement around *line*: from its start to the next start."""
    at = bisect.bisect_right(starts, line) - 1
    end = starts[at + 1] if at + 1 < len(starts) else count
    return starts[at], end


def _parsable(
    lines: list[str], starts: list[int], window: tuple[int, int]
) -> tuple[int, int] | None:
    """*window*, widened by whole statements until it parses on its own; `None` if never."""
    start, end = window
    for _ in range(_WIDEN + 1):
        source = "\n".join(lines[start:end])
        if len(source) > MAX_STATEMENT:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes in the package's strings
                ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            at = bisect.bisect_left(starts, start)
            start = starts[at - 1] if at > 0 else start
            later = bisect.bisect_right(starts, end)
            end = starts[later] if later < len(starts) else len(lines)
            continue
        return start, end
    return None
