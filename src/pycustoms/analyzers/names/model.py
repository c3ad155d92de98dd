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
