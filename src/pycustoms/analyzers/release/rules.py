"""Release-risk rules: pure functions from `ReleaseFacts` to findings (THREATS.md §2).

Each rule has a stable id in `RULES`. A fact the index did not give is a known
unknown with its own finding, never a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from pycustoms.analyzers.release.facts import ReleaseFacts
from pycustoms.analyzers.release.settings import ReleasePolicy, format_duration
from pycustoms.rules import Rule
from pycustoms.types import Capability, Finding, Severity
from pycustoms.upstream.models import FileKind, ProjectStatus

RULES: tuple[Rule, ...] = (
    Rule("release/too-new", Severity.CRITICAL, "Release younger than the cooldown",
         "A file of the release was uploaded more recently than the cooldown allows; "
         "takeover releases are caught within hours or days."),
    Rule("release/upload-time-unknown", Severity.HIGH, "Upload time unknown",
         "The index gives no upload time, so the cooldown cannot be checked."),
    Rule("release/new-project", Severity.HIGH, "New project",
         "The project's first release is younger than the new-project threshold."),
    Rule("release/dormant", Severity.HIGH, "Release after long dormancy",
         "The release follows a long silence, a sign of a taken-over or expired account."),
    Rule("release/version-jump", Severity.MEDIUM, "Placeholder or huge version",
         "A placeholder version (0.0.0, 99.x) or a major version far above any before it."),
    Rule("release/files-added-late", Severity.HIGH, "Files added late",
         "A file was added to the release long after its first file."),
    Rule("release/sdist-only-install-code", Severity.HIGH, "Sdist only, with install-time code",
         "No wheel: installing builds the sdist, whose setup.py runs code.",
         Capability.INSTALL_TIME),
    Rule("release/yanked", Severity.MEDIUM, "Yanked release",
         "The release is yanked (PEP 592)."),
    Rule("release/owners-changed", Severity.HIGH, "Owners changed",
         "Accounts with a role on the project changed since pycustoms last looked."),
    Rule("release/owners-unknown", Severity.LOW, "Owners unknown",
         "The index does not publish the project's owners, so changes cannot be seen."),
    Rule("release/no-source-repository", Severity.LOW, "No source repository",
         "The project links no source repository."),
    Rule("release/metadata-unknown", Severity.LOW, "Project metadata unknown",
         "The index has no JSON API, so project links and owners are unknown."),
    Rule("release/attestations-missing", Severity.HIGH, "Attestations missing",
         "Earlier releases carried PEP 740 attestations; this one does not."),
    Rule("release/provenance-unknown", Severity.INFO, "Provenance unknown",
         "The index does not say whether files carry attestations."),
    Rule("release/quarantined", Severity.CRITICAL, "Project quarantined",
         "The index has quarantined the project (PEP 792)."),
    Rule("release/project-inactive", Severity.LOW, "Project archived or deprecated",
         "The project is archived or deprecated (PEP 792)."),
)  # fmt: skip

_REPOSITORY_KEYS = ("source", "repository", "code", "github", "gitlab", "bitbucket", "tracker")
_REPOSITORY_HOSTS = ("github.com/", "gitlab.com/", "bitbucket.org/", "codeberg.org/", "sr.ht/")

Check = Callable[[ReleaseFacts, ReleasePolicy, datetime], Iterable[Finding]]


def _f(rule: str, message: str, severity: Severity | None = None) -> Finding:
    declared = next(r for r in RULES if r.id == rule)
    return Finding(rule, severity or declared.severity, message)


def too_new(facts: ReleaseFacts, policy: ReleasePolicy, now: datetime) -> Iterable[Finding]:
    """The newest file of the release is younger than the cooldown."""
    times = [f.upload_time for f in facts.files if f.upload_time is not None]
    if policy.cooldown <= timedelta(0) or not times:
        return
    age = now - max(times)
    if age < policy.cooldown:
        yield _f(
            "release/too-new",
            f"{facts.project} {facts.version} was uploaded {format_duration(age)} ago; "
            f"the cooldown is {format_duration(policy.cooldown)}",
        )


def upload_time_unknown(facts: ReleaseFacts, _: ReleasePolicy, __: datetime) -> Iterable[Finding]:
    """Files whose upload time the index does not give."""
    unknown = [f.filename for f in facts.files if f.upload_time is None]
    if unknown:
        yield _f(
            "release/upload-time-unknown",
            f"the index gives no upload time for {len(unknown)} of {len(facts.files)} file(s) "
            f"({', '.join(sorted(unknown)[:3])}); the release's age cannot be checked",
        )


def new_project(facts: ReleaseFacts, policy: ReleasePolicy, now: datetime) -> Iterable[Finding]:
    """The project's first release is younger than the threshold."""
    firsts = [r.first_upload for r in facts.history if r.first_upload is not None]
    if policy.new_project_age <= timedelta(0) or not firsts:
        return
    age = now - min(firsts)
    if age < policy.new_project_age:
        yield _f(
            "release/new-project", f"{facts.project}'s first release is {format_duration(age)} old"
        )


def dormant(facts: ReleaseFacts, policy: ReleasePolicy, _: datetime) -> Iterable[Finding]:
    """The release came after a long silence."""
    this = next((r for r in facts.history if r.version == facts.version), None)
    if policy.dormancy <= timedelta(0) or this is None or this.first_upload is None:
        return
    start = this.first_upload
    earlier = [
        r.last_upload
        for r in facts.history
        if r.version != facts.version and r.last_upload is not None and r.last_upload < start
    ]
    if not earlier:
        return
    gap = start - max(earlier)
    if gap >= policy.dormancy:
        yield _f(
            "release/dormant",
            f"{facts.version} was released after {format_duration(gap)} without a release",
        )


def calendar_major(major: int) -> bool:
    """True for a major that is a year (2025) or a date (20251018): calendar versioning."""
    return 1990 <= major <= 2100 or 19900101 <= major <= 21001231


def version_jump(facts: ReleaseFacts, policy: ReleasePolicy, _: datetime) -> Iterable[Finding]:
    """Placeholder versions and major versions far above any earlier one."""
    version = facts.version
    placeholder = version.major >= 99 and not calendar_major(version.major)
    if version.release in {(0,), (0, 0), (0, 0, 0)} or placeholder:
        yield _f("release/version-jump", f"{version} looks like a placeholder version")
        return
    earlier = [r.version for r in facts.history if r.version < version]
    if earlier and policy.major_jump > 0:
        top = max(earlier)
        if calendar_major(version.major) and calendar_major(top.major):
            return  # calendar versions (2025.2, 2026.10.18) move by years, not majors
        if version.major - top.major >= policy.major_jump:
            yield _f("release/version-jump", f"{version} jumps from {top} (previous highest)")


def files_added_late(facts: ReleaseFacts, policy: ReleasePolicy, _: datetime) -> Iterable[Finding]:
    """A file uploaded long after the release's first file."""
    timed = [(f.upload_time, f.filename) for f in facts.files if f.upload_time is not None]
    if policy.late_files <= timedelta(0) or len(timed) < 2:
        return
    first = min(t for t, _ in timed)
    late = sorted(name for t, name in timed if t - first >= policy.late_files)
    if late:
        spread = max(t for t, _ in timed) - first
        yield _f(
            "release/files-added-late",
            f"{', '.join(late[:3])} added {format_duration(spread)} after the release's first file",
        )


def sdist_install_code(facts: ReleaseFacts, _: ReleasePolicy, __: datetime) -> Iterable[Finding]:
    """Sdist-only release whose setup.py runs code at install time (scanner fact)."""
    if facts.sdist_only and facts.install_time_code:
        yield _f(
            "release/sdist-only-install-code",
            f"{facts.version} ships no wheel and its setup.py runs code when installed",
        )


def yanked(facts: ReleaseFacts, _: ReleasePolicy, __: datetime) -> Iterable[Finding]:
    """The release (all its files) is yanked."""
    files = [f for f in facts.files if f.kind is not FileKind.OTHER] or list(facts.files)
    if files and all(f.is_yanked for f in files):
        reason = next((f.yanked for f in files if isinstance(f.yanked, str)), None)
        yield _f("release/yanked", f"{facts.version} is yanked" + (f": {reason}" if reason else ""))


def owners(facts: ReleaseFacts, _: ReleasePolicy, __: datetime) -> Iterable[Finding]:
    """Owners changed since the last snapshot; or owners unknown."""
    if facts.owners is None:
        yield _f("release/owners-unknown", "the index does not publish the project's owners")
        return
    if facts.previous_owners is None:
        return
    added = sorted(facts.owners - facts.previous_owners)
    removed = sorted(facts.previous_owners - facts.owners)
    if added or removed:
        parts = ([f"added {', '.join(added)}"] if added else []) + (
            [f"removed {', '.join(removed)}"] if removed else []
        )
        yield _f(
            "release/owners-changed",
            f"owners of {facts.project} changed since last seen: {'; '.join(parts)}",
            None if added else Severity.MEDIUM,
        )


def source_repository(facts: ReleaseFacts, _: ReleasePolicy, __: datetime) -> Iterable[Finding]:
    """No link to a source repository (or no project metadata at all)."""
    if facts.project_urls is None:
        yield _f("release/metadata-unknown", "the index has no JSON API; project links unknown")
        return
    for key, url in facts.project_urls.items():
        if any(k in key.lower() for k in _REPOSITORY_KEYS) or any(
            h in url.lower() for h in _REPOSITORY_HOSTS
        ):
            return
    yield _f("release/no-source-repository", f"{facts.project} links no source repository")


def attestations(facts: ReleaseFacts, _: ReleasePolicy, __: datetime) -> Iterable[Finding]:
    """Earlier releases were attested and this one is not (presence only)."""
    this = next((r for r in facts.history if r.version == facts.version), None)
    if this is None or this.attested is None:
        yield _f("release/provenance-unknown", "the index does not say whether files are attested")
        return
    if this.attested:
        return
    earlier = [r for r in facts.history if r.version < facts.version and r.attested]
    if earlier:
        last = max(r.version for r in earlier)
        yield _f(
            "release/attestations-missing",
            f"{facts.version} has no attestations; earlier releases had them (last: {last})",
        )


def project_status(facts: ReleaseFacts, _: ReleasePolicy, __: datetime) -> Iterable[Finding]:
    """PEP 792 status: quarantined blocks; archived or deprecated is noted."""
    reason = f" ({facts.status_reason})" if facts.status_reason else ""
    if facts.status is ProjectStatus.QUARANTINED:
        yield _f("release/quarantined", f"the index has quarantined {facts.project}{reason}")
    elif facts.status in {ProjectStatus.ARCHIVED, ProjectStatus.DEPRECATED}:
        yield _f("release/project-inactive", f"{facts.project} is {facts.status}{reason}")


CHECKS: tuple[Check, ...] = (
    too_new,
    upload_time_unknown,
    new_project,
    dormant,
    version_jump,
    files_added_late,
    sdist_install_code,
    yanked,
    owners,
    source_repository,
    attestations,
    project_status,
)


def analyze_release(facts: ReleaseFacts, policy: ReleasePolicy, now: datetime) -> list[Finding]:
    """Every release-risk finding about *facts* at time *now* (aware, UTC)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return [finding for check in CHECKS for finding in check(facts, policy, now)]
