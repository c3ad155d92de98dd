"""Slips that turn a popular name into another string: one edit, or two.

`classify_edit` names the single slip between two names (a swap, a doubled,
dropped or neighbouring letter ...). `align_two` explains a pair within two
edits as the slips a typist or a squatter makes, preferring real slips
(a dropped or doubled letter, a neighbouring key) over arbitrary letters, so
that the caller can weigh how typo-like a two-edit difference is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pycustoms.analyzers.names.model import Technique

_KEYBOARD_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, frozenset[str]]:
    """Keys touching each key on a QWERTY layout (same row and the rows above/below)."""
    position: dict[str, tuple[int, int]] = {}
    for row, keys in enumerate(_KEYBOARD_ROWS):
        for column, key in enumerate(keys):
            position[key] = (row, column)
    near: dict[str, frozenset[str]] = {}
    for key, (row, column) in position.items():
        near[key] = frozenset(
            other
            for other, (r, c) in position.items()
            if other != key
            and abs(r - row) <= 1
            and c - column in ((-1, 0, 1) if r == row else (0, 1) if r < row else (-1, 0))
        )
    return near


KEYBOARD = _keyboard_neighbours()
VISUAL_PAIRS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair) for pair in (("l", "1"), ("l", "i"), ("i", "1"), ("o", "0"))
)
_RUNS = re.compile(r"(.)\1+")


def squeeze(name: str) -> str:
    """Fold every run of a repeated character to one (`selleniumm` -> `selenium`)."""
    return _RUNS.sub(r"\1", name)


def _substitution(meant: str, typed: str) -> Technique:
    if frozenset((typed, meant)) in VISUAL_PAIRS:
        return Technique.VISUAL_LOOKALIKE
    if typed in KEYBOARD.get(meant, ()):
        return Technique.KEYBOARD_NEIGHBOUR
    return Technique.SUBSTITUTION


def _insertion(name: str, i: int) -> Technique:
    """What the character `name[i]`, absent from the target, is: a doubled key, a neighbour ..."""
    extra = name[i]
    before = name[i - 1] if i > 0 else ""
    after = name[i + 1] if i + 1 < len(name) else ""
    if extra in (before, after):
        return Technique.DOUBLED_LETTER
    if extra in KEYBOARD.get(before, ()) or extra in KEYBOARD.get(after, ()):
        return Technique.KEYBOARD_NEIGHBOUR
    return Technique.EXTRA_LETTER


def classify_edit(name: str, target: str) -> tuple[Technique, str] | None:
    """Name the single slip that turns *target* into *name*, or `None` if there is none."""
    if name == target:
        return None
    size, target_size = len(name), len(target)
    if size == target_size:
        diffs = [i for i in range(size) if name[i] != target[i]]
        if len(diffs) == 1:
            i = diffs[0]
            typed, meant = name[i], target[i]
            detail = f"'{meant}' replaced by '{typed}' at position {i + 1}"
            return _substitution(meant, typed), detail
        if (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and name[diffs[0]] == target[diffs[1]]
            and name[diffs[1]] == target[diffs[0]]
        ):
            i = diffs[0]
            return Technique.ADJACENT_SWAP, f"'{target[i : i + 2]}' swapped to '{name[i : i + 2]}'"
        return None
    if size == target_size + 1:
        i = first_difference(target, name)
        if name[i + 1 :] != target[i:]:
            return None
        extra = name[i]
        if extra == "-":
            return Technique.SEPARATOR, f"separator inserted at position {i + 1}"
        technique = _insertion(name, i)
        if technique is Technique.DOUBLED_LETTER:
            return technique, f"'{extra}' doubled"
        if technique is Technique.KEYBOARD_NEIGHBOUR:
            return technique, f"'{extra}' typed next to a neighbouring key"
        return technique, f"'{extra}' inserted at position {i + 1}"
    if size + 1 == target_size:
        i = first_difference(name, target)
        if target[i + 1 :] != name[i:]:
            return None
        dropped = target[i]
        if dropped == "-":
            return Technique.SEPARATOR, f"separator at position {i + 1} removed"
        return Technique.DROPPED_LETTER, f"'{dropped}' dropped at position {i + 1}"
    return None


def first_difference(shorter: str, longer: str) -> int:
    """Index of the first character where *longer* departs from *shorter*."""
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    return i


def edit_position(name: str, target: str) -> int:
    """Where *name* first departs from *target* (for a one-edit pair: where the edit is)."""
    return first_difference(*sorted((name, target), key=len))


def word_at(name: str, i: int) -> str:
    """The separator-delimited word of *name* around index *i*."""
    start = name.rfind("-", 0, i) + 1
    stop = name.find("-", i)
    return name[start : stop if stop >= 0 else len(name)]


@dataclass(frozen=True, slots=True)
class Slip:
    """One edit of a two-edit difference, at `position` in the target (0-based)."""

    technique: Technique
    position: int
    kind: str  # "sub", "ins", "del" or "swap": where the edit sits, for the caller's rules
    char: str  # the character typed, inserted or dropped (the first one of a swap)
    detail: str


# Alignment cost: edits first, then edits that are not real slips. Scaled so
# that two edits of any kind always cost less than three.
_EDIT = 10
_NOT_A_SLIP = 1
_ARBITRARY = frozenset({Technique.SUBSTITUTION, Technique.EXTRA_LETTER})


# The two slips may sit far apart in a long word (`beutifulsoop`: the third and
# the twelfth letter); the table stays under 20 x 20 cells.
_MAX_SPAN = 18


def _cost(technique: Technique) -> int:
    return _EDIT + (_NOT_A_SLIP if technique in _ARBITRARY else 0)


def align_two(name: str, target: str) -> tuple[Slip, ...] | None:
    """The two slips that turn *target* into *name*, or `None` when they are not two apart.

    Both strings are separator-free. Among alignments with the fewest edits
    (optimal string alignment: adjacent swaps count as one) the one with the
    most real slips wins, so `tensofllow` reads as a dropped `r` and a doubled
    `l`, not as two arbitrary substitutions.
    """
    if abs(len(name) - len(target)) > 2 or name == target:
        return None
    start = 0
    while start < min(len(name), len(target)) and name[start] == target[start]:
        start += 1
    end_name, end_target = len(name), len(target)
    while end_name > start and end_target > start and name[end_name - 1] == target[end_target - 1]:
        end_name -= 1
        end_target -= 1
    rows, cols = end_name - start, end_target - start
    if rows > _MAX_SPAN or cols > _MAX_SPAN:  # bounds the table: two slips in a long word
        return None
    inf = 10 * _EDIT
    cost = [[inf] * (cols + 1) for _ in range(rows + 1)]
    step: list[list[tuple[str, Technique | None]]] = [
        [("", None)] * (cols + 1) for _ in range(rows + 1)
    ]
    cost[0][0] = 0
    for r in range(rows + 1):
        for c in range(cols + 1):
            if r == 0 and c == 0:
                continue
            i, j = start + r - 1, start + c - 1  # the characters this cell consumes
            options: list[tuple[int, str, Technique | None]] = []
            if r and c and name[i] == target[j]:
                options.append((cost[r - 1][c - 1], "eq", None))
            if r and c and name[i] != target[j]:
                technique = _substitution(target[j], name[i])
                options.append((cost[r - 1][c - 1] + _cost(technique), "sub", technique))
            if r:
                technique = _insertion(name, i)
                options.append((cost[r - 1][c] + _cost(technique), "ins", technique))
            if c:
                options.append((cost[r][c - 1] + _EDIT, "del", Technique.DROPPED_LETTER))
            if (
                r > 1
                and c > 1
                and name[i] == target[j - 1]
                and name[i - 1] == target[j]
                and name[i] != name[i - 1]
            ):
                options.append((cost[r - 2][c - 2] + _EDIT, "swap", Technique.ADJACENT_SWAP))
            best = min(options, key=lambda option: option[0])
            cost[r][c] = best[0]
            step[r][c] = (best[1], best[2])
    if cost[rows][cols] // _EDIT != 2:
        return None
    return tuple(_backtrace(name, target, start=start, step=step, end=(rows, cols)))


def _backtrace(
    name: str,
    target: str,
    *,
    start: int,
    step: list[list[tuple[str, Technique | None]]],
    end: tuple[int, int],
) -> list[Slip]:
    """The slips along the cheapest path of *step*, from its cell *end* back to the start."""
    slips: list[Slip] = []
    r, c = end
    while r or c:
        kind, technique = step[r][c]
        i, j = start + r - 1, start + c - 1
        if kind == "eq":
            r, c = r - 1, c - 1
            continue
        assert technique is not None
        if kind == "sub":
            detail = f"'{target[j]}' replaced by '{name[i]}'"
            slips.append(Slip(technique, j, kind, name[i], detail))
            r, c = r - 1, c - 1
        elif kind == "ins":
            verb = "doubled" if technique is Technique.DOUBLED_LETTER else "inserted"
            slips.append(Slip(technique, j + 1, kind, name[i], f"'{name[i]}' {verb}"))
            r -= 1
        elif kind == "del":
            doubled = target[j] in (target[j - 1 : j], target[j + 1 : j + 2])
            detail = f"'{target[j]}' {'undoubled' if doubled else 'dropped'}"
            slips.append(Slip(technique, j, kind, target[j], detail))
            c -= 1
        else:
            detail = f"'{target[j - 1 : j + 1]}' swapped"
            slips.append(Slip(technique, j - 1, kind, target[j - 1], detail))
            r, c = r - 2, c - 2
    slips.reverse()
    return slips
