"""Types shared by the name analyzers: techniques, matches, upstream facts, weights."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from pycustoms.types import Severity


class Technique(enum.StrEnum):
    """How a name imitates a popular one."""

    ADJACENT_SWAP = "adjacent-swap"
    DOUBLED_LETTER = "doubled-letter"
    DROPPED_LETTER = "dropped-letter"
    KEYBOARD_NEIGHBOUR = "keyboard-neighbour"
    VISUAL_LOOKALIKE = "visual-lookalike"
    SEPARATOR = "separator"
    SUBSTITUTION = "one-substitution"
    EXTRA_LETTER = "one-extra-letter"
    AFFIX = "affix"
    REORDERED_WORDS = "reordered-words"
    PLURAL = "plural"
    REPEATED_LETTERS = "repeated-letters"
    TWO_EDITS = "two-edits"
    COMBOSQUAT = "combosquat"


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A popular project that *name* imitates, how, and how much that weighs.

    `points` is the evidence on the scale documented in docs/names.md:
    0-3 nothing to report, 4-5 medium (reported, no alert), 6-7 warn, 8+ block.
    """

    name: str
    target: str
    target_rank: int
    technique: Technique
    detail: str
    points: int


@dataclass(frozen=True, slots=True)
class UpstreamFacts:
    """What the upstream index knows about a name; `None` means "not known".

    Callers that have talked to the index pass this; without it the name
    analyzers judge the name alone.
    """

    exists: bool | None = None
    first_release: datetime | None = None
    release_count: int | None = None
    latest_version: str | None = None


# Points for the popularity of the imitated project. Squatters aim at the head
# of the distribution: a one-edit neighbour of a rank-14,000 project is noise.
_RANK_POINTS: tuple[tuple[int, int], ...] = (
    (50, 5),
    (200, 4),
    (1_000, 3),
    (3_000, 2),
    (6_000, 1),
)


# Points by technique: slips people really make (and squatters really register)
# weigh more than an arbitrary letter changed. Two-edit matches take the
# weaker of their two slips, an arbitrary letter one point less there
# (`reqless` is not a slip of `requests`), and their own length scale.
TECHNIQUE_POINTS: dict[Technique, int] = {
    Technique.ADJACENT_SWAP: 4,
    Technique.DOUBLED_LETTER: 4,
    Technique.VISUAL_LOOKALIKE: 4,
    Technique.REPEATED_LETTERS: 4,
    Technique.DROPPED_LETTER: 3,
    Technique.KEYBOARD_NEIGHBOUR: 3,
    Technique.SEPARATOR: 3,
    Technique.AFFIX: 3,
    Technique.PLURAL: 3,
    Technique.REORDERED_WORDS: 3,
    Technique.SUBSTITUTION: 2,
    Technique.EXTRA_LETTER: 2,
}
ARBITRARY_EDITS = frozenset({Technique.SUBSTITUTION, Technique.EXTRA_LETTER})
# Two changes to a name of this many letters or fewer are not reported at all.
TWO_EDIT_MAX_SHORT = 4


def two_edit_technique_points(first: Technique, second: Technique) -> int:
    """Points of a two-change match's weaker change."""
    weaker = min(TECHNIQUE_POINTS[first], TECHNIQUE_POINTS[second])
    return weaker - (1 if {first, second} & ARBITRARY_EDITS else 0)


def two_edit_length_points(size: int) -> int:
    """Length term for two changes to a name (or word) of *size* letters.

    One step stricter than one edit up to nine letters and as lenient from ten
    on: two edits from a short name reach many honest names, from `customtkinter`
    almost none.
    """
    if size <= 5:
        return -2
    if size <= 7:
        return -1
    if size <= 9:
        return 0
    return 1 if size <= 11 else 2


def length_points(core: str) -> int:
    """Penalty for short names: almost every short string is one edit from another."""
    size = len(core.replace("-", ""))
    if size <= 3:
        return -4
    if size == 4:
        return -3
    if size == 5:
        return -1
    return 0


LONG_WORD = 12


def word_points(word: str) -> int:
    """Bonus for a slip inside a long word: few honest names sit one slip from `customtkinter`."""
    size = len(word)
    if size >= LONG_WORD:
        return 2
    if size >= 10:
        return 1
    return 0


def rank_points(rank: int) -> int:
    """Evidence points for imitating the project at download *rank*."""
    for limit, points in _RANK_POINTS:
        if rank <= limit:
            return points
    return 0


def severity_for_points(points: int) -> Severity | None:
    """Map evidence points to a finding severity, or `None` below the reporting floor."""
    if points >= 8:
        return Severity.CRITICAL
    if points >= 6:
        return Severity.HIGH
    if points >= 4:
        return Severity.MEDIUM
    return None
