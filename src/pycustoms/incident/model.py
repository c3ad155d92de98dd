"""The incident's data: what is asked (`Spec`) and what is found (`IncidentReport`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from packaging.utils import InvalidName, canonicalize_name

from pycustoms.errors import UsageError
from pycustoms.types import ProjectName


@dataclass(frozen=True, slots=True)
class Spec:
    """A release (`name==1.2.3`) or a whole project (`name`), optionally within a time window."""

    project: ProjectName
    version: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __str__(self) -> str:
        return f"{self.project}=={self.version}" if self.version else self.project


def parse_spec(text: str, since: datetime | None = None, until: datetime | None = None) -> Spec:
    """Parse `name==version` or `name`; raise `UsageError` with the accepted forms."""
    name, sep, version = text.strip().partition("==")
    version = version.strip()
    try:
        project = ProjectName(canonicalize_name(name.strip(), validate=True))
    except InvalidName:
        raise UsageError(f"{text!r} is not a spec; use NAME==VERSION or NAME") from None
    if sep and not version:
        raise UsageError(f"{text!r} names no version after '=='; use NAME==VERSION or NAME")
    if since is not None and until is not None and since > until:
        raise UsageError("--since is after --until; swap them")
    return Spec(project, version or None, since, until)


@dataclass(frozen=True, slots=True)
class EnvironmentHit:
    """One environment that installed (or reported) a release of an incident."""

    environment: str
    project: str
    version: str | None
    first: datetime
    last: datetime
    count: int
    sha256: tuple[str, ...]
    installers: tuple[str, ...]
    source: str = "index"  # "index": served by the firewall; "reported": `pycustoms report`


@dataclass(frozen=True, slots=True)
class ReleaseFacts:
    """What is known about one affected release: its files' verdicts and rule ids."""

    project: str
    version: str | None
    files: tuple[tuple[str, str], ...]  # (filename, sha256)
    decisions: tuple[str, ...]
    rules: tuple[str, ...]
    blocked_because: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One thing to do, with the rule ids that call for it."""

    action: str
    why: str
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IncidentReport:
    """The answer to "which environments installed it, and what could it reach?"."""

    specs: tuple[Spec, ...]
    generated_at: datetime
    environments: tuple[EnvironmentHit, ...]
    releases: tuple[ReleaseFacts, ...]
    capabilities: tuple[str, ...]
    destinations: tuple[str, ...]
    checklist: tuple[ChecklistItem, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def environment_names(self) -> tuple[str, ...]:
        """Distinct affected environments, sorted."""
        return tuple(sorted({h.environment for h in self.environments}))
