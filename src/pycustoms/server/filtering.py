"""What a project page may show: pure functions of the page, the configuration and the clock.

`project_gate` decides before anything is fetched (allow/deny lists by name,
the names check); `filter_page` decides file by file. A hidden file is never
offered; asking for it directly gets its `Block` as a 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from packaging.requirements import Requirement
from packaging.version import Version

from pycustoms.analyzers.names import analyze_name
from pycustoms.analyzers.names.confusion import is_internal
from pycustoms.analyzers.release.facts import ReleaseFacts
from pycustoms.analyzers.release.rules import too_new
from pycustoms.analyzers.release.settings import ReleasePolicy, format_duration
from pycustoms.policy import decide
from pycustoms.rules import Rule
from pycustoms.server.settings import ServerConfig
from pycustoms.types import Decision, ProjectName, Severity, normalize_name
from pycustoms.upstream.models import FileKind, IndexFile, ProjectPage, ProjectStatus

COOLDOWN = "policy/cooldown"
UPLOAD_TIME_UNKNOWN = "policy/upload-time-unknown"
EXCLUDE_NEWER = "policy/exclude-newer"
DENIED = "policy/denied"
NOT_ALLOWED = "policy/not-allowed"
WHEELS_ONLY = "policy/wheels-only"
INTERNAL = "policy/internal-name"
SCAN_BLOCKED = "policy/scan-blocked"
UNSCANNABLE = "policy/fetch-failed"

RULES: tuple[Rule, ...] = (
    Rule(COOLDOWN, Severity.HIGH, "Release younger than the cooldown",
         "The file was uploaded more recently than the cooldown allows; the index hides "
         "it so that installers pick the previous release."),
    Rule(UPLOAD_TIME_UNKNOWN, Severity.HIGH, "Upload time unknown",
         "The upstream gives no upload time, no first-seen time is known and the "
         "upstream is not declared trusted-for-age."),
    Rule(EXCLUDE_NEWER, Severity.MEDIUM, "Uploaded after exclude-newer",
         "The file is newer than the configured absolute cut-off date."),
    Rule(DENIED, Severity.HIGH, "On the deny-list", "The configuration denies this project."),
    Rule(NOT_ALLOWED, Severity.MEDIUM, "Not on the allow-list",
         "Allow-list mode: only listed projects and versions exist."),
    Rule(WHEELS_ONLY, Severity.LOW, "Not a wheel",
         "Wheels-only mode: sdists would run build code on install."),
    Rule(INTERNAL, Severity.HIGH, "Internal name not published privately",
         "The name is internal; the upstream is never asked about it."),
    Rule(SCAN_BLOCKED, Severity.CRITICAL, "Blocked by the scanner",
         "The scan of the file's content reached a block verdict."),
    Rule(UNSCANNABLE, Severity.HIGH, "File could not be fetched or verified",
         "The upstream file could not be fetched, or its sha256 differs from the index's."),
    # Answers of the index itself (HTTP problems), not judgements of a package.
    Rule("policy/not-found", Severity.INFO, "Not found", "The index has no such page or file."),
    Rule("policy/upstream-error", Severity.INFO, "Upstream error",
         "The upstream index failed; nothing unverified is served instead."),
    Rule("policy/unauthenticated", Severity.INFO, "Token missing or invalid",
         "The request needs a valid token (`pycustoms token create NAME`)."),
    Rule("policy/not-acceptable", Severity.INFO, "No acceptable format",
         "The Accept header names no simple-API format."),
    Rule("policy/scan-pending", Severity.INFO, "Scan still running",
         "The file is being scanned; nothing is served before the verdict. Retry later."),
    Rule("policy/bad-upload", Severity.INFO, "Upload refused",
         "The uploaded file is malformed, mismatched or already exists."),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Block:
    """Why something is not served: a rule id and a one-line reason (shown to clients)."""

    rule: str
    reason: str
    # 403 for a policy block; 404 where the policy says the project does not exist.
    status: int = 403


@dataclass(frozen=True, slots=True)
class ServedFile:
    """A file the page lists, with the upload time it is listed with."""

    file: IndexFile
    version: Version | None
    upload_time: datetime | None
    # True when `upload_time` is the time this index first saw the file (the upstream
    # gives none): the real upload was no later, so age checks against it are conservative.
    first_seen: bool = False


@dataclass(frozen=True, slots=True)
class FilteredPage:
    """The page as pycustoms serves it."""

    name: ProjectName
    files: tuple[ServedFile, ...]
    hidden: Mapping[str, Block] = field(default_factory=dict)
    # Set when the whole project is blocked: its files are listed (so that clients
    # ask for one and show the 403 reason) but every download is refused.
    blocked: Block | None = None
    status: ProjectStatus | None = None
    status_reason: str | None = None
    # Earliest time at which a hidden file may become visible (cooldown expiry).
    changes_at: datetime | None = None

    def versions(self) -> tuple[str, ...]:
        """PEP 700 `versions`: the versions of the files listed, ascending."""
        found = {f.version for f in self.files if f.version is not None}
        return tuple(str(v) for v in sorted(found))


def _matching(reqs: tuple[Requirement, ...], name: ProjectName) -> list[Requirement]:
    return [r for r in reqs if normalize_name(r.name) == name]


def project_gate(name: ProjectName, config: ServerConfig, *, private: bool) -> Block | None:
    """A block for the whole project from the lists and internal names, else `None`.

    Checked before the upstream is asked, so denied and internal names never leak.
    """
    serve = config.serve
    if any(not r.specifier for r in _matching(serve.deny, name)):
        return Block(DENIED, f"{name} is on the deny-list")
    if private:
        return None
    if serve.allow and not _matching(serve.allow, name):
        return Block(NOT_ALLOWED, f"{name} is not on the allow-list", status=404)
    names, prefixes = config.internal
    if is_internal(name, names, prefixes):
        return Block(
            INTERNAL,
            f"{name} is an internal name and has no private upload; the upstream is not asked",
            status=404,
        )
    return None


def name_block(name: ProjectName, config: ServerConfig) -> Block | None:
    """A block from the names check (typo- and combosquats) judged by the policy, else `None`."""
    if not config.serve.names_check:
        return None
    names, prefixes = config.internal
    report = analyze_name(name, internal_names=names, internal_prefixes=prefixes)
    if not report.findings:
        return None
    verdict = decide(report.findings, config.policy)
    if verdict.decision is not Decision.BLOCK:
        return None
    top = verdict.findings[0]
    return Block(top.rule, f"{top.rule}: {top.message}")


def _cooldown_block(
    name: ProjectName, item: ServedFile, release: ReleasePolicy, now: datetime
) -> Block | None:
    if item.version is None or item.upload_time is None:
        return None
    dated = replace(item.file, upload_time=item.upload_time)
    facts = ReleaseFacts(name, item.version, (dated,), ())
    for finding in too_new(facts, release, now):
        if item.first_seen:
            age = format_duration(now - item.upload_time)
            return Block(
                COOLDOWN,
                f"{COOLDOWN}: the upstream gives no upload time for {item.file.filename} and "
                f"this index first saw it {age} ago; the cooldown is "
                f"{format_duration(release.cooldown)} (trusted-for-age serves such files "
                "without one)",
            )
        return Block(COOLDOWN, f"{COOLDOWN}: {finding.message}")
    return None


def file_block(
    name: ProjectName,
    item: ServedFile,
    config: ServerConfig,
    now: datetime,
    *,
    private: bool,
) -> Block | None:
    """Why *item* may not be served under *config* at *now*, or `None`."""
    serve = config.serve
    filename = item.file.filename
    for req in _matching(serve.deny, name):
        if item.version is not None and req.specifier.contains(item.version, prereleases=True):
            return Block(DENIED, f"{DENIED}: {name} {req.specifier} is on the deny-list")
    allowed = _matching(serve.allow, name)
    if allowed and not private:
        ok = item.version is not None and any(
            r.specifier.contains(item.version, prereleases=True) for r in allowed
        )
        if not ok:
            return Block(NOT_ALLOWED, f"{NOT_ALLOWED}: {filename} is outside the allow-list")
    if serve.wheels_only and item.file.kind is not FileKind.WHEEL:
        return Block(WHEELS_ONLY, f"{WHEELS_ONLY}: {filename} is not a wheel")
    if private:
        return None
    if item.upload_time is None or item.first_seen:
        if serve.trusted_for_age:
            return None  # the upstream is trusted for age: no cooldown, no cut-off
        if item.upload_time is None:
            return Block(
                UPLOAD_TIME_UNKNOWN,
                f"{UPLOAD_TIME_UNKNOWN}: the upstream gives no upload time for {filename}",
            )
    if serve.exclude_newer is not None and item.upload_time > serve.exclude_newer:
        return Block(
            EXCLUDE_NEWER,
            f"{EXCLUDE_NEWER}: {filename} was uploaded after {serve.exclude_newer.isoformat()}",
        )
    if not config.exempt(name):
        return _cooldown_block(name, item, config.release, now)
    return None


def filter_page(
    page: ProjectPage,
    config: ServerConfig,
    now: datetime,
    *,
    verdicts: Mapping[str, Block],
    private: bool = False,
    blocked: Block | None = None,
    upload_times: Mapping[str, datetime] | None = None,
    first_seen: Mapping[str, datetime] | None = None,
    releases: Mapping[Version, Block] | None = None,
) -> FilteredPage:
    """Keep the files of *page* that policy allows; record why the others are hidden.

    *verdicts* maps a sha256 to the scanner's block; *upload_times* supplies
    upload times the page lacks (the index's JSON API); *first_seen* the time this
    index first saw each file that has no upload time at all, used in its place
    (conservative: the real upload was no later); *releases* blocks whole versions
    (advisories: malware reports, vulnerabilities).
    """
    kept: list[ServedFile] = []
    hidden: dict[str, Block] = {}
    changes: list[datetime] = []
    cooldown = config.release.cooldown
    for item in page.files:
        when = item.upload_time
        if when is None and upload_times is not None:
            when = upload_times.get(item.filename)
        seen = None if when is not None or first_seen is None else first_seen.get(item.filename)
        when = when or seen
        served = ServedFile(item, item.version, when, first_seen=seen is not None)
        reason = None
        if releases and item.version is not None:
            reason = releases.get(item.version)
        if reason is None:
            reason = file_block(page.name, served, config, now, private=private)
        sha = item.sha256
        if reason is None and sha is not None and sha in verdicts:
            reason = verdicts[sha]
        if reason is None and sha is None:
            reason = Block(UNSCANNABLE, f"{UNSCANNABLE}: the index publishes no sha256")
        if reason is None:
            kept.append(served)
            continue
        hidden[item.filename] = reason
        if reason.rule == COOLDOWN and when is not None:
            changes.append(when + cooldown + timedelta(seconds=1))
    status, status_reason = page.status, page.status_reason
    if blocked is not None:
        status, status_reason = ProjectStatus.QUARANTINED, blocked.reason
    return FilteredPage(
        name=page.name,
        files=tuple(kept),
        hidden=hidden,
        blocked=blocked,
        status=status,
        status_reason=status_reason,
        changes_at=min(changes, default=None),
    )


def describe_age(delta: timedelta) -> str:
    """A short human age (re-exported for messages)."""
    return format_duration(delta)
