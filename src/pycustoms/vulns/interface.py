"""The one interface every vulnerability source implements. Sources never guess.

A source answers, for each (name, version) asked, either with the OSV records
that affect it (possibly none) or with the reason it could not answer. The
audit turns every "could not" into an unverified result (exit 3).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from pycustoms.vulns.match import OsvRecord


@dataclass(frozen=True, slots=True, order=True)
class Query:
    """One release to look up: a normalised name and an exact version."""

    name: str
    version: str


@dataclass(slots=True)
class Answer:
    """What a source said: records per query it answered, a reason per query it could not."""

    found: dict[Query, list[OsvRecord]] = field(default_factory=dict)
    failed: dict[Query, str] = field(default_factory=dict)

    def fail_all(self, queries: Sequence[Query], reason: str) -> Answer:
        """Mark every query in *queries* as not answered for *reason*; return self."""
        for query in queries:
            self.failed[query] = reason
        return self


class VulnerabilitySource(ABC):
    """A place that knows which releases have known vulnerabilities."""

    name: str

    @abstractmethod
    def query(self, queries: Sequence[Query]) -> Answer:
        """Look up every query; never raise for a lookup that fails (put it in `failed`)."""

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release connections or handles."""
