"""Name analyzers: typosquats, combosquats, slopsquats, dependency confusion, look-alike hosts.

`analyze_name` is the entry point for one project name; `check_index_url` (in
`hosts`) for one index URL. Both are pure: upstream facts and trusted hosts are
handed in by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pycustoms.analyzers.names.combosquat import find_combosquat
from pycustoms.analyzers.names.confusion import (
    check_dependency_confusion,
    check_upstream_facts,
    is_internal,
    is_new_project,
)
from pycustoms.analyzers.names.hosts import check_index_url
from pycustoms.analyzers.names.index import NameIndex, default_index
from pycustoms.analyzers.names.model import (
    NameMatch,
    Technique,
    UpstreamFacts,
    rank_points,
    severity_for_points,
)
from pycustoms.analyzers.names.typosquat import find_typosquat
from pycustoms.types import Finding, ProjectName, Severity, normalize_name

__all__ = [
    "NameIndex",
    "NameMatch",
    "NameReport",
    "Technique",
    "UpstreamFacts",
    "analyze_name",
    "check_index_url",
    "default_index",
    "is_valid_name",
]

_VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
# Points a days-old, one-release project adds to a name match: enough to turn a
# warning into a block, and a medium into a warning.
NEW_PROJECT_BONUS = 2
COMBO_OFFSET = 1


def is_valid_name(name: str) -> bool:
    """True if *name* is a syntactically valid project name (PEP 508)."""
    return bool(_VALID_NAME.match(name))


@dataclass(frozen=True, slots=True)
class NameReport:
    """What the name analyzers found for one name."""

    name: str
    normalized: ProjectName
    match: NameMatch | None
    findings: tuple[Finding, ...]

    @property
    def imitates(self) -> str | None:
        """The popular project imitated, if any finding says so."""
        return self.match.target if self.match else None

    @property
    def technique(self) -> Technique | None:
        """How the name imitates it."""
        return self.match.technique if self.match else None


# Evidence that the name alone never turns into a block: many honest projects
# extend a popular name, and two changes at once read as another word too often.
_WARN_ONLY = frozenset({Technique.COMBOSQUAT, Technique.TWO_EDITS})


def _match_finding(match: NameMatch, *, new_project: bool) -> Finding | None:
    if rank_points(match.target_rank) == 0:
        # Squatters aim at the head of the distribution: near an obscure name,
        # however long, a name is one of the many honest neighbours.
        return None
    combo = match.technique is Technique.COMBOSQUAT
    points = match.points + (NEW_PROJECT_BONUS if new_project else 0)
    # Combosquat points are on a scale one lower (no technique term); see docs/names.md.
    severity = severity_for_points(points + (COMBO_OFFSET if combo else 0))
    if severity is None:
        return None
    if match.technique in _WARN_ONLY and not new_project:
        severity = min(severity, Severity.HIGH)
    rule = "names/combosquat" if combo else "names/typosquat"
    verb = "combines" if combo else "imitates"
    return Finding(
        rule,
        severity,
        f"{match.name!r} {verb} {match.target!r} (download rank {match.target_rank}): "
        f"{match.technique.value}, {match.detail}",
        snippet=match.target,
    )


def analyze_name(
    name: str,
    *,
    index: NameIndex | None = None,
    facts: UpstreamFacts | None = None,
    internal_names: Iterable[str] = (),
    internal_prefixes: Iterable[str] = (),
    internal_version: str | None = None,
    now: datetime | None = None,
) -> NameReport:
    """Judge one project *name*: squats of popular names, upstream facts, confusion.

    Without *facts* the name alone is judged. Internal names (policy keys
    `internal.names`, `internal.prefixes`) are the user's own: they are checked
    for dependency confusion instead of squatting.
    """
    lookup = index or default_index()
    normal = normalize_name(name)
    internal_names = tuple(internal_names)
    internal_prefixes = tuple(internal_prefixes)
    internal = is_internal(normal, internal_names, internal_prefixes)
    findings: list[Finding] = []
    match: NameMatch | None = None
    if not internal:
        candidates = (find_typosquat(normal, lookup), find_combosquat(normal, lookup))
        found = [m for m in candidates if m is not None]
        if found:
            match = max(found, key=lambda m: (m.points, -m.target_rank))
    new_project = facts is not None and is_new_project(facts, now=now)
    if match is not None:
        finding = _match_finding(match, new_project=new_project)
        if finding is None:
            match = None
        else:
            findings.append(finding)
    findings += check_upstream_facts(normal, facts, internal=internal, now=now)
    if facts is None:
        return NameReport(name, normal, match, tuple(findings))
    findings += check_dependency_confusion(
        normal,
        facts,
        internal_names=internal_names,
        internal_prefixes=internal_prefixes,
        internal_version=internal_version,
    )
    return NameReport(name, normal, match, tuple(findings))
