"""Dependency confusion, placeholder versions and facts from the upstream index.

Pure functions: callers hand in the policy's internal names and whatever the
upstream client learned (`UpstreamFacts`); nothing here talks to an index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from packaging.version import InvalidVersion, Version

from pycustoms.analyzers.names.model import UpstreamFacts
from pycustoms.types import Finding, Severity, normalize_name

# A project this young, with this few releases, has no history to vouch for it.
NEW_PROJECT_DAYS = 30
NEW_PROJECT_MAX_RELEASES = 2
_REPEATED_DIGIT = re.compile(r"^([5-9])\1+$")


def is_internal(name: str, internal_names: Iterable[str], internal_prefixes: Iterable[str]) -> bool:
    """True if *name* is one of the internal names or starts with an internal prefix.

    Both sides are compared in PEP 503 normal form, so `Acme_Billing` matches
    `acme-billing` and the prefix `acme_` matches `acme-tools`.
    """
    internal_names = tuple(internal_names)
    internal_prefixes = tuple(internal_prefixes)
    if not internal_names and not internal_prefixes:
        return False
    normal = normalize_name(name)
    if any(normal == normalize_name(n) for n in internal_names):
        return True
    return any(p and normal.startswith(normalize_name(p)) for p in internal_prefixes)


def is_placeholder_version(version: str) -> bool:
    """True for versions chosen to outrank any real one (`99.0.0`, `66.0.3`, `9999`).

    Repeated-digit majors of two or more digits from 55 up, and majors of 1000 or
    more that are not calendar versions (`2024.1`, `20240101`). Large honest
    majors such as `306` (pywin32-style counters) or `120.0` stay allowed.
    """
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    major = parsed.release[0] if parsed.release else 0
    if _REPEATED_DIGIT.match(str(major)):
        return True
    if major < 1000:
        return False
    text = str(major)
    calendar_year = 1990 <= major <= 2100
    calendar_date = len(text) in (6, 8) and 1990 <= int(text[:4]) <= 2100
    return not (calendar_year or calendar_date)


def _newer(upstream: str, internal: str) -> bool:
    try:
        return Version(upstream) > Version(internal)
    except InvalidVersion:
        return False


def check_dependency_confusion(
    name: str,
    facts: UpstreamFacts | None,
    *,
    internal_names: Iterable[str] = (),
    internal_prefixes: Iterable[str] = (),
    internal_version: str | None = None,
) -> list[Finding]:
    """Findings for an internal *name* that also exists on the upstream index.

    An internal name published upstream is `names/dependency-confusion` (high);
    when the upstream version is higher than *internal_version*, installers that
    merge indexes pick the upstream one, so it is critical.
    """
    if not is_internal(name, internal_names, internal_prefixes):
        return []
    if facts is None or facts.exists is not True:
        return []
    latest = facts.latest_version
    if latest and internal_version and _newer(latest, internal_version):
        return [
            Finding(
                "names/dependency-confusion",
                Severity.CRITICAL,
                f"internal project {name!r} exists upstream with version {latest}, higher "
                f"than the internal {internal_version}: an installer that merges indexes "
                "would take the upstream one",
                snippet=name,
            )
        ]
    shown = f" (latest {latest})" if latest else ""
    return [
        Finding(
            "names/dependency-confusion",
            Severity.HIGH,
            f"internal project {name!r} also exists on the upstream index{shown}; "
            "install it only from the internal index (pin the index, or use hashes)",
            snippet=name,
        )
    ]


def check_upstream_facts(
    name: str,
    facts: UpstreamFacts | None,
    *,
    internal: bool = False,
    now: datetime | None = None,
) -> list[Finding]:
    """Findings from what the upstream index says: missing, brand new, placeholder version."""
    if facts is None:
        return []
    found: list[Finding] = []
    if facts.exists is False:
        if not internal:
            found.append(
                Finding(
                    "names/not-found",
                    Severity.HIGH,
                    f"{name!r} does not exist on the upstream index: likely mistyped or "
                    "invented (an assistant's suggestion?); anyone could register it",
                    snippet=name,
                )
            )
        return found
    if is_new_project(facts, now=now):
        found.append(
            Finding(
                "names/new-project",
                Severity.LOW,
                f"{name!r} first appeared {_age(facts, now)} with "
                f"{facts.release_count} release(s): no history vouches for it",
                snippet=name,
            )
        )
    if facts.latest_version and is_placeholder_version(facts.latest_version):
        found.append(
            Finding(
                "names/placeholder-version",
                Severity.CRITICAL if internal else Severity.HIGH,
                f"{name!r} has version {facts.latest_version}, a number chosen to outrank "
                "real versions (dependency confusion or a placeholder squat)",
                snippet=facts.latest_version,
            )
        )
    return found


def is_new_project(facts: UpstreamFacts, *, now: datetime | None = None) -> bool:
    """True if the project is at most `NEW_PROJECT_DAYS` old with very few releases."""
    if facts.first_release is None or facts.release_count is None:
        return False
    current = now or datetime.now(UTC)
    first = facts.first_release
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    young = current - first <= timedelta(days=NEW_PROJECT_DAYS)
    return young and facts.release_count <= NEW_PROJECT_MAX_RELEASES


def _age(facts: UpstreamFacts, now: datetime | None) -> str:
    assert facts.first_release is not None
    first = facts.first_release
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    days = ((now or datetime.now(UTC)) - first).days
    return "today" if days <= 0 else f"{days} day(s) ago"
