"""Two changes at once: repeated letters and a slip, a dropped affix and a slip, two slips.

Squatters stack techniques (`selemniumm`: a neighbouring key and doubled
letters; `beautifulsoop`: a changed letter and the `4` dropped; `tensofllow`:
a dropped and a doubled letter). A candidate weighs its target's rank, the
weaker of its two changes (`model.two_edit_technique_points`) and a length
term stricter than one edit's up to nine letters (`model.two_edit_length_points`);
names under `MIN_CORE` letters are never compared. Plain two-slip neighbours
are looked up only for names `index.two_edit_eligible` admits, and only inside
one word of at least `TWO_EDIT_MIN_LENGTH` letters: two edits from a short
name reach thousands of honest names. On the name alone these matches warn at
most (see `pycustoms.analyzers.names`).
"""

from __future__ import annotations

from pycustoms.analyzers.names.edits import (
    Slip,
    align_two,
    classify_edit,
    edit_position,
    word_at,
)
from pycustoms.analyzers.names.forms import collapse, strip_plural
from pycustoms.analyzers.names.index import TWO_EDIT_MIN_LENGTH, NameIndex, Nearby
from pycustoms.analyzers.names.model import (
    ARBITRARY_EDITS,
    TWO_EDIT_MAX_SHORT,
    NameMatch,
    Technique,
    rank_points,
    two_edit_length_points,
    two_edit_technique_points,
)

# Below this many letters (separators ignored) a popular name is not compared
# for two changes at all.
MIN_CORE = TWO_EDIT_MAX_SHORT + 1
# A digit typed next to, or looking like, the letter meant is a slip (`tensofl9w`);
# any other change of a digit is a version or a family member (`django-tables3`,
# `nvidia-cublas-cu114`).
_DIGIT_SLIPS = frozenset({Technique.KEYBOARD_NEIGHBOUR, Technique.VISUAL_LOOKALIKE})
# Honest projects drop and add affixes all the time (`pyconfigparser`): an affix
# plus a slip weighs a point less than two slips.
AFFIX_COST = -1
# A plural and a slip are compared with names of this many letters or more.
PLURAL_MIN_LENGTH = 10
# A dropped plural `-s` and a slip: popular names of this many letters or more
# (`requests`); a shorter stem and a slip are another word (`tool` of `tools`).
SINGULAR_MIN_LENGTH = 8
_SINGULAR_WORDING = frozenset({Technique.SUBSTITUTION, Technique.DROPPED_LETTER})
# Two free-standing slips in an eight- or nine-letter word read as another word
# often (`multifit`, `conifer`); from ten letters on almost never
# (`tensofllow`). Measured on every current project name: see docs/names.md.
SLIP_SHORT = -1
SLIP_LONG = 1
_LONG_WORD = 10
# Edits of these kinds next to each other replace a chunk (`docutils` -> `dj-utils`)
# rather than slip twice; a swap or a doubled letter beside another slip is still a slip.
_CHUNK_SAFE = frozenset({Technique.ADJACENT_SWAP, Technique.DOUBLED_LETTER})


def _match(
    name: str,
    target: str,
    rank: int,
    changes: tuple[Technique, Technique],
    detail: str,
    *,
    word: str = "",
    adjust: int = 0,
) -> NameMatch | None:
    """Weigh a two-change match, or `None` when the compared name is too short.

    The length that counts is *word*'s, the word of *target* that holds the
    slips when one is known, else the whole of *target* without separators.
    """
    size = len(word or collapse(target))
    if size < MIN_CORE:
        return None
    points = (
        rank_points(rank)
        + two_edit_technique_points(*changes)
        + two_edit_length_points(size)
        + adjust
    )
    return NameMatch(name, target, rank, Technique.TWO_EDITS, detail, points)


def _letter_slip(name: str, target: str) -> tuple[Technique, str] | None:
    """The one slip from *target* to *name*, if it can be half of a two-change match.

    It must be on letters, inside a word of at least `MIN_CORE` letters, and on
    neither the first nor the last letter: a changed ending is another word or
    an affix eating into the stem (`validator` + `py-` is not `validators`
    mistyped, `awsclpy` not `awscli`).
    """
    edit = classify_edit(name, target)
    if edit is None or edit[0] is Technique.SEPARATOR:
        return None
    i = edit_position(name, target)
    # The last letter of the longer string: a letter dropped just before the
    # ending leaves the ending alone (`selenim`).
    if i == 0 or i >= max(len(name), len(target)) - 1:
        return None
    if not _on_letters(edit[0], target[i : i + 1], name[i : i + 1]):
        return None
    return edit if len(word_at(target, i)) >= MIN_CORE else None


def _on_letters(technique: Technique, meant: str, typed: str) -> bool:
    """True if a slip is on letters, or is a digit typed for a neighbouring letter."""
    if (meant + typed).isalpha():
        return True
    return meant.isalpha() and technique in _DIGIT_SLIPS


def _repeated_and_edit(name: str, folded: str, index: NameIndex) -> list[NameMatch | None]:
    """`selemniumm`: repeated letters folded (*folded*), then one slip from a popular name."""
    if folded == name or len(folded) < MIN_CORE - 1:
        return []
    found: list[NameMatch | None] = []
    for near in index.neighbours(folded):
        edit = _letter_slip(folded, near)
        if edit is not None:
            changes = (Technique.REPEATED_LETTERS, edit[0])
            detail = f"repeated letters and {edit[1]}"
            found.append(_match(name, near, index.rank[near], changes, detail))
    return found


def _plural_and_edit(name: str, index: NameIndex) -> list[NameMatch | None]:
    """`pyinstalers`: a plural ending added to one slip of a long popular name.

    Short names take a plural and a slip as a new word (`httpcodes`, `pyjats`).
    """
    found: list[NameMatch | None] = []
    for stem, ending in strip_plural(name):
        for near in index.neighbours(stem):
            if len(collapse(near)) < PLURAL_MIN_LENGTH:
                continue
            edit = _letter_slip(stem, near)
            if edit is not None:
                changes = (Technique.PLURAL, edit[0])
                detail = f"plural '-{ending}' and {edit[1]}"
                found.append(_match(name, near, index.rank[near], changes, detail))
    return found


def _singular_and_edit(name: str, index: NameIndex) -> list[NameMatch | None]:
    """`reqeuest`: the plural `-s` of a popular name dropped, and one slip in the rest.

    The slip must sit inside the singular stem (never its first or last letter),
    in a popular name of at least `SINGULAR_MIN_LENGTH` letters, and add or
    move a letter: a changed letter with the `-s` gone is mostly another word
    (`pigment`, `watchfire`), a dropped one an abbreviation (`pygent`, `narwal`).
    """
    if name.endswith("s") or len(name) < SINGULAR_MIN_LENGTH - 2:
        return []
    found: list[NameMatch | None] = []
    plural = name + "s"
    for near in index.neighbours(plural):
        if not near.endswith("s") or near.endswith("ss") or "-" in near:
            continue
        if len(near) < SINGULAR_MIN_LENGTH:
            continue
        edit = _letter_slip(name, near[:-1])
        if edit is None or edit[0] in _SINGULAR_WORDING:
            continue
        changes = (Technique.PLURAL, edit[0])
        detail = f"plural '-s' dropped and {edit[1]}"
        found.append(_match(name, near, index.rank[near], changes, detail))
    return found


def _dropped_affix_and_edit(name: str, index: NameIndex, nearby: Nearby) -> list[NameMatch | None]:
    """`beautifulsoop`: a slip of a long popular name whose affix (`4`) was dropped."""
    found: list[NameMatch | None] = []
    for stem in nearby.stems:
        edit = _letter_slip(name, stem)
        if edit is None or len(collapse(stem)) < TWO_EDIT_MIN_LENGTH:
            continue
        target = index.stems[stem]
        detail = f"affix of {target!r} dropped and {edit[1]}"
        changes = (Technique.AFFIX, edit[0])
        rank = index.rank[target]
        found.append(
            _match(name, target, rank, changes, detail, word=collapse(stem), adjust=AFFIX_COST)
        )
    return found


def _word_around(target: str, flat_positions: list[int]) -> str:
    """The word of hyphenated *target* holding every position of its collapsed form."""
    offset = 0
    for word in target.split("-"):
        if all(offset <= p <= offset + len(word) for p in flat_positions):
            return word
        offset += len(word)
    return ""


def _changes_ending(slip: Slip, size: int) -> bool:
    """True if *slip* changes the last letter of a target of *size* letters.

    A letter typed before the last one leaves the ending alone (`tensofloaw`).
    """
    if slip.kind == "ins":
        return slip.position >= size
    return slip.position >= size - 1


def _reads_as_slips(slips: tuple[Slip, ...], flat_name: str, flat_target: str) -> bool:
    """True if two edits are two independent slips, not a word rewritten."""
    first, second = slips
    size = len(flat_target)
    for slip in slips:
        if slip.position == 0:
            return False  # nobody mistypes the first letter, and then another
        if _changes_ending(slip, size) and slip.technique is not Technique.DOUBLED_LETTER:
            # Another ending is another word: `accelera`, `accelerator`, `simplejob`.
            return False
        where = slice(slip.position, slip.position + 1)
        if not _on_letters(slip.technique, flat_target[where], flat_name[where]):
            return False
    if first.technique in ARBITRARY_EDITS and second.technique in ARBITRARY_EDITS:
        return False
    if first.kind == second.kind == "del" and "undoubled" not in first.detail + second.detail:
        return False  # two letters left out: an abbreviation (`pygets`), not two slips
    if moved_letter(slips):
        return True
    return second.position - first.position > 1 or bool(
        {first.technique, second.technique} & _CHUNK_SAFE
    )


def moved_letter(slips: tuple[Slip, ...]) -> bool:
    """True for one letter moved two places: dropped here, typed there (`simepljson`)."""
    first, second = slips
    return (
        {first.kind, second.kind} == {"ins", "del"}
        and first.char == second.char
        and abs(first.position - second.position) <= 2
    )


def _two_slips(name: str, index: NameIndex, nearby: Nearby) -> list[NameMatch | None]:
    """`tensofllow`, `selemnim`: two slips inside one long word of a popular name."""
    flat = collapse(name)
    found: list[NameMatch | None] = []
    for near in nearby.far:
        if near.count("-") != name.count("-"):
            continue  # other word boundaries: `dcx-utils` is not `docutils` mistyped
        flat_near = collapse(near)
        slips = align_two(flat, flat_near)
        if slips is None:
            continue
        word = _word_around(near, [slip.position for slip in slips])
        if len(word) < TWO_EDIT_MIN_LENGTH:
            continue
        if not _reads_as_slips(slips, flat, flat_near):
            continue
        # A stem of a popular name (`beautifulsoup`): its affix was dropped too.
        target = near if near in index.rank else index.stems[near]
        affix = 0 if target == near else AFFIX_COST
        if moved_letter(slips):
            changes = (Technique.DROPPED_LETTER, Technique.DROPPED_LETTER)
            detail = f"'{slips[0].char}' moved"
        else:
            changes = (slips[0].technique, slips[1].technique)
            detail = " and ".join(slip.detail for slip in slips)
        adjust = (SLIP_LONG if len(word) >= _LONG_WORD else SLIP_SHORT) + affix
        rank = index.rank[target]
        found.append(_match(name, target, rank, changes, detail, word=word, adjust=adjust))
    return found


def two_edit_candidates(
    name: str, index: NameIndex, nearby: Nearby, folded: str
) -> list[NameMatch]:
    """Every two-change reading of normalised, non-popular *name*, unsorted.

    *nearby* is `index.nearby(name)` and *folded* `squeeze(name)`, both
    computed once by the caller.
    """
    found = [
        *_repeated_and_edit(name, folded, index),
        *_plural_and_edit(name, index),
        *_singular_and_edit(name, index),
        *_dropped_affix_and_edit(name, index, nearby),
        *_two_slips(name, index, nearby),
    ]
    return [match for match in found if match is not None]
