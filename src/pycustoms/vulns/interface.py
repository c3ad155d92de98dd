"""The one interface every vulnerability source implements. Sources never guess.

A source answers, for each (name, version) asked, with the OSV records that
affect it (possibly none) or with the reason it could not answer. A query may
have both: records that are known to affect it, and a reason why the answer is
not complete (a database that does not cover the release). The audit reports
the records and turns every "could not" into an unverified result (exit 3).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pycustoms.vulns.match import OsvRecord


@dataclass(frozen=True, slots=True, order=True)
class Query:
    """One release to look up: a normalised name and an exact version."""

    name: str
    version: str


@dataclass(slots=True)
class Answer:
    """What a source said: records per query it answered, a reason per query it could not.

    A query in both `found` and `failed` has known records but an incomplete answer.
    """

    found: dict[Query, list[OsvRecord]] = field(default_factory=dict)
    failed: dict[Query, str] = field(default_factory=dict)

    def fail_all(self, queries: Sequence[Query], reason: str) -> Answer:
        """Mark every query in *queries* as not answered for *reason*; return self."""
        for query in queries:
            self.failed[query] = reason
        return self


class Coverage(StrEnum):
    """How much of the ecosystem a local advisory database answers for."""

    FULL = "full"  # a whole-ecosystem archive: every project
    PARTIAL = "partial"  # per-release answers and imported records only
    EMPTY = "empty"  # nothing yet


def _days(value: timedelta) -> float:
    return round(value.total_seconds() / 86_400, 2)


def describe_age(age: timedelta) -> str:
    """*age* in the largest whole unit that fits: `3 days`, `5 hours`, `12 minutes`."""
    seconds = max(0, int(age.total_seconds()))
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """How complete and how current a source's answers in one audit were.

    `as_of` is when the oldest answer used was current (the archive's date for a
    full database, the oldest per-release answer for a partial one); `stale` is
    true when that is older than `max_age`. `answered` and `not_covered` count
    this audit's releases.
    """

    source: str
    coverage: Coverage
    origin: str
    as_of: datetime | None
    now: datetime
    max_age: timedelta
    advisories: int = 0
    projects: int = 0
    releases_checked: int = 0
    imported_records: int = 0
    answered: int = 0
    not_covered: int = 0
    filled: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def age(self) -> timedelta | None:
        """How old the oldest answer used is, or `None` when none was used."""
        return None if self.as_of is None else max(self.now - self.as_of, timedelta(0))

    @property
    def stale(self) -> bool:
        """True when the oldest answer used is older than `max_age`."""
        age = self.age
        return age is not None and age > self.max_age

    def to_json(self) -> dict[str, Any]:
        """The JSON form used in reports."""
        age = self.age
        return {
            "source": self.source,
            "coverage": self.coverage.value,
            "origin": self.origin,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "age_days": _days(age) if age is not None else None,
            "max_age_days": _days(self.max_age),
            "stale": self.stale,
            "advisories": self.advisories,
            "projects": self.projects,
            "releases_checked": self.releases_checked,
            "imported_records": self.imported_records,
            "answered": self.answered,
            "not_covered": self.not_covered,
            "filled": self.filled,
            "warnings": list(self.warnings),
        }

    def describe(self) -> str:
        """One line for people: coverage, where from, how old."""
        age = self.age
        when = (
            f"as of {self.as_of:%Y-%m-%d %H:%M} UTC ({describe_age(age)} old"
            f"{', older than max-age ' + describe_age(self.max_age) if self.stale else ''})"
            if self.as_of is not None and age is not None
            else "no answer used"
        )
        if self.coverage is Coverage.FULL:
            return (
                f"{self.source} advisory database: full coverage from {self.origin} "
                f"({self.advisories} advisories on {self.projects} projects), {when}"
            )
        if self.coverage is Coverage.PARTIAL:
            return (
                f"{self.source} advisory database: PARTIAL coverage ({self.origin}): "
                f"{self.answered} of {self.answered + self.not_covered} releases answered"
                f"{f', {self.filled} fetched now' if self.filled else ''}; {when}. "
                "Run `pycustoms db update` for a whole-ecosystem archive"
            )
        return (
            f"{self.source} advisory database: EMPTY; nothing was answered. Run "
            "`pycustoms db update`"
        )


class VulnerabilitySource(ABC):
    """A place that knows which releases have known vulnerabilities."""

    name: str

    @abstractmethod
    def query(self, queries: Sequence[Query]) -> Answer:
        """Look up every query; never raise for a lookup that fails (put it in `failed`)."""

    def status(self) -> SourceStatus | None:
        """Coverage and age of the last `query`, for sources that keep a local copy."""
        return None

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release connections or handles."""
