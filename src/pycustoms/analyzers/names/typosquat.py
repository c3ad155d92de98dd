"""Typosquats: a name a slip of the finger or the eye away from a popular project.

`find_typosquat` returns the strongest `NameMatch` (or `None`) using the prebuilt
`NameIndex`; `classify_edit` says which slip turns one name into the other. The
weights are explained, with examples, in docs/names.md.
"""

from __future__ import annotations

from pycustoms.analyzers.names.index import (
    NameIndex,
    collapse,
    skeleton,
    strip_affixes,
    words,
)
from pycustoms.analyzers.names.model import NameMatch, Technique, rank_points

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

# Points by technique: slips people really make (and squatters really register)
# weigh more than an arbitrary letter changed.
TECHNIQUE_POINTS: dict[Technique, int] = {
    Technique.ADJACENT_SWAP: 4,
    Technique.DOUBLED_LETTER: 4,
    Technique.VISUAL_LOOKALIKE: 4,
    Technique.DROPPED_LETTER: 3,
    Technique.KEYBOARD_NEIGHBOUR: 3,
    Technique.SEPARATOR: 3,
    Technique.AFFIX: 3,
    Technique.REORDERED_WORDS: 3,
    Technique.SUBSTITUTION: 2,
    Technique.EXTRA_LETTER: 2,
}


def length_points(target: str) -> int:
    """Penalty for short targets: almost every short string is one edit from another."""
    size = len(collapse(target))
    if size <= 3:
        return -4
    if size == 4:
        return -3
    if size == 5:
        return -1
    return 0


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
            if frozenset((typed, meant)) in VISUAL_PAIRS:
                return Technique.VISUAL_LOOKALIKE, detail
            if typed in KEYBOARD.get(meant, ()):
                return Technique.KEYBOARD_NEIGHBOUR, detail
            return Technique.SUBSTITUTION, detail
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
        i = _first_difference(target, name)
        if name[i + 1 :] != target[i:]:
            return None
        extra = name[i]
        if extra == "-":
            return Technique.SEPARATOR, f"separator inserted at position {i + 1}"
        before = name[i - 1] if i > 0 else ""
        after = name[i + 1] if i + 1 < size else ""
        if extra in (before, after):
            return Technique.DOUBLED_LETTER, f"'{extra}' doubled"
        if extra in KEYBOARD.get(before, ()) or extra in KEYBOARD.get(after, ()):
            return Technique.KEYBOARD_NEIGHBOUR, f"'{extra}' typed next to a neighbouring key"
        return Technique.EXTRA_LETTER, f"'{extra}' inserted at position {i + 1}"
    if size + 1 == target_size:
        i = _first_difference(name, target)
        if target[i + 1 :] != name[i:]:
            return None
        dropped = target[i]
        if dropped == "-":
            return Technique.SEPARATOR, f"separator at position {i + 1} removed"
        return Technique.DROPPED_LETTER, f"'{dropped}' dropped at position {i + 1}"
    return None


def _first_difference(shorter: str, longer: str) -> int:
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    return i


def _make(
    name: str,
    target: str,
    rank: int,
    technique: Technique,
    detail: str,
    *,
    core: str | None = None,
    adjust: int = 0,
) -> NameMatch:
    """Weigh one match: rank + technique + length of the compared *core* + *adjust*."""
    points = rank_points(rank) + TECHNIQUE_POINTS[technique] + length_points(core or target)
    return NameMatch(name, target, rank, technique, detail, points + adjust)


def _edit_adjustment(name: str, target: str, technique: Technique) -> int:
    """Fine-tune a one-edit match by where the edit is.

    People rarely mistype the first letter, while many real projects differ from a
    popular one only there (`nbclient`/`wbclient`); and adding a separator between
    two words (`bit-array`) is how many honest names are spelled.
    """
    first_letter = (
        Technique.SUBSTITUTION,
        Technique.EXTRA_LETTER,
        Technique.KEYBOARD_NEIGHBOUR,
    )
    if technique in first_letter and name[0] != target[0]:
        return -1
    if technique is Technique.SEPARATOR and len(name) > len(target):
        return -1
    return 0


def typosquat_candidates(name: str, index: NameIndex) -> list[NameMatch]:
    """Every popular project *name* imitates by a typo-like technique, unsorted.

    *name* must be PEP 503-normalised. A popular name is never a squat of another
    popular name (`boto`/`boto3`, `attrs`/`cattrs`), so popular names get `[]`.
    """
    rank = index.rank
    if name in rank:
        return []
    found: list[NameMatch] = []
    for near in index.neighbours(name):
        edit = classify_edit(name, near)
        if edit is not None:
            technique, detail = edit
            adjust = _edit_adjustment(name, near, technique)
            found.append(_make(name, near, rank[near], technique, detail, adjust=adjust))

    flat = collapse(name)
    target: str | None = index.collapsed.get(flat)
    if target is not None and target != name:
        found.append(
            _make(name, target, rank[target], Technique.SEPARATOR, "same letters, other separators")
        )
    folded = skeleton(flat)
    target = index.skeletons.get(folded)
    if target is not None and target != name and collapse(target) != flat:
        found.append(
            _make(
                name,
                target,
                rank[target],
                Technique.VISUAL_LOOKALIKE,
                "look-alike characters (rn/m, l/1/i, 0/o)",
            )
        )

    for stem, affix in strip_affixes(name):
        # `python-requests` -> `requests`; `requests-py` -> `requests`.
        target = index.collapsed.get(collapse(stem))
        if target is None:
            target = index.stems.get(stem)
        if target is not None and target != name:
            found.append(
                _make(
                    name,
                    target,
                    rank[target],
                    Technique.AFFIX,
                    f"affix '{affix}' added",
                    core=stem,
                    # Both names carry an affix around a shared stem (`py-retry`/`retry-py`):
                    # weaker than adding one to the real name.
                    adjust=0
                    if stem in index.collapsed or collapse(stem) in index.collapsed
                    else -1,
                )
            )
    target = index.stems.get(name) or index.stems.get(flat)
    if target is not None and target != name:
        # `dateutil` -> `python-dateutil`: the affix of the real name was dropped.
        found.append(_make(name, target, rank[target], Technique.AFFIX, "affix removed", core=name))

    parts = words(name)
    if len(parts) > 1:
        target = index.reordered.get("-".join(sorted(parts)))
        if target is not None and target != name:
            found.append(
                _make(name, target, rank[target], Technique.REORDERED_WORDS, "words reordered")
            )
    return found


def find_typosquat(name: str, index: NameIndex) -> NameMatch | None:
    """The strongest typo-like match of normalised *name*, or `None`.

    Strongest means most points, then the more popular target.
    """
    candidates = typosquat_candidates(name, index)
    if not candidates:
        return None
    return max(candidates, key=lambda m: (m.points, -m.target_rank))
