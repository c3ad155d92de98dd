"""Types of the provenance analyzer: publishers, per-file outcomes and recorded history."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Status(enum.StrEnum):
    """The outcome of checking one file's PEP 740 provenance."""

    VERIFIED = "verified"
    # The index has no provenance for the file.
    ABSENT = "absent"
    # A provenance exists and is wrong: bad signature, foreign CA, other file, other publisher.
    INVALID = "invalid"
    # It could not be checked here (trusted root too old, index unreachable).
    UNCHECKED = "unchecked"


@dataclass(frozen=True, slots=True)
class Publisher:
    """A Trusted Publisher identity, as named in a provenance and proven by its certificate.

    `repository` and `workflow` are what continuity compares; `environment` is
    reported but not compared (GitHub environments are not in the certificate).
    For Google publishers `repository` is the service account's e-mail; for
    CircleCI it is the VCS origin and `workflow` the pipeline definition.
    """

    kind: str
    repository: str | None
    workflow: str | None = None
    environment: str | None = None

    def key(self) -> tuple[str, str, str]:
        """What must stay the same from release to release (case-insensitive)."""
        return (self.kind.lower(), (self.repository or "").lower(), (self.workflow or "").lower())

    def label(self) -> str:
        """A short human form: `GitHub owner/repo (release.yml)`."""
        workflow = f" ({self.workflow})" if self.workflow else ""
        return f"{self.kind} {self.repository or '?'}{workflow}"


@dataclass(frozen=True, slots=True)
class FileProvenance:
    """The provenance check of one file."""

    filename: str
    sha256: str | None
    status: Status
    publisher: Publisher | None = None
    reason: str = ""

    @property
    def verified(self) -> bool:
        """True when the provenance verified against the trusted root and the file."""
        return self.status is Status.VERIFIED


@dataclass(frozen=True, slots=True)
class PublisherRecord:
    """What the database remembers of one earlier release: its publishers (empty: unattested)."""

    version: str
    publishers: frozenset[Publisher]

    @property
    def attested(self) -> bool:
        """True when the release's files carried valid provenance."""
        return bool(self.publishers)
