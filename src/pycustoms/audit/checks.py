"""Pure checks of one dependency or input: pins, hashes against the index, licences, indexes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from pycustoms.analyzers.names.confusion import is_internal
from pycustoms.analyzers.names.hosts import check_index_url
from pycustoms.audit.licenses import license_ids
from pycustoms.audit.model import Dependency, DependencyKind, IndexSetting, InputFormat
from pycustoms.audit.settings import AuditSettings, Ignore
from pycustoms.config import Policy
from pycustoms.rules import Rule
from pycustoms.types import Finding, Severity
from pycustoms.upstream.models import IndexFile

UNPINNED = "audit/unpinned"
MISSING_HASHES = "audit/missing-hashes"
NOT_FROM_INDEX = "audit/not-from-index"
HASH_NOT_ON_INDEX = "audit/hash-not-on-index"
VERSION_NOT_ON_INDEX = "audit/version-not-on-index"
EXTRA_INDEX_CONFUSION = "audit/extra-index-confusion"
LICENSE_DENIED = "audit/license-denied"
LICENSE_NOT_ALLOWED = "audit/license-not-allowed"
EXPIRED_IGNORE = "audit/expired-ignore"
BLOCKED_FILE = "audit/blocked-file"
RULES = (
    Rule(
        UNPINNED,
        Severity.MEDIUM,
        "Dependency is not pinned to one version",
        "A range lets the next install take whatever was published last, takeovers included.",
    ),
    Rule(
        MISSING_HASHES,
        Severity.MEDIUM,
        "Pinned dependency has no hashes",
        "Without hashes a swapped file on the index or a mirror installs silently.",
    ),
    Rule(
        NOT_FROM_INDEX,
        Severity.MEDIUM,
        "Dependency comes from a URL, VCS or local path",
        "It cannot be checked against the index; pin a commit or hash and review it.",
    ),
    Rule(
        HASH_NOT_ON_INDEX,
        Severity.HIGH,
        "A locked hash matches no file the index has",
        "The file was replaced, the lock was edited, or it came from another index.",
    ),
    Rule(
        VERSION_NOT_ON_INDEX,
        Severity.HIGH,
        "The locked version is not on the index",
        "Deleted upstream, or the lock came from somewhere else (dependency confusion).",
    ),
    Rule(
        EXTRA_INDEX_CONFUSION,
        Severity.HIGH,
        "--extra-index-url with internal names",
        "pip picks the highest version across all indexes: anyone can publish your "
        "internal name upstream with a higher version. Use one index that proxies both.",
    ),
    Rule(LICENSE_DENIED, Severity.HIGH, "Licence on the deny list"),
    Rule(LICENSE_NOT_ALLOWED, Severity.MEDIUM, "Licence not on the allow list (or unknown)"),
    Rule(
        EXPIRED_IGNORE,
        Severity.MEDIUM,
        "An audit ignore has expired",
        "The ignore no longer applies: fix the dependency or renew the ignore with a reason.",
    ),
    Rule(BLOCKED_FILE, Severity.CRITICAL, "A locked file was blocked by the scanner"),
)
_LOCKS = frozenset(InputFormat) - {InputFormat.PYPROJECT, InputFormat.ENVIRONMENT}


def pin_findings(dep: Dependency, fmt: InputFormat) -> list[Finding]:
    """Ranges, missing hashes and dependencies that bypass the index."""
    where = {"file": dep.source, "line": dep.line, "snippet": dep.display_name}
    if dep.kind is not DependencyKind.REGISTRY:
        local = dep.kind in {DependencyKind.EDITABLE, DependencyKind.DIRECTORY}
        return [
            Finding(
                NOT_FROM_INDEX,
                Severity.INFO if local else Severity.MEDIUM,
                f"{dep.display_name} is a {dep.kind.value} requirement ({dep.url}); "
                "it is not checked against the index",
                **where,  # type: ignore[arg-type]
            )
        ]
    if fmt is InputFormat.ENVIRONMENT:
        return []
    if not dep.pinned:
        severity = Severity.INFO if fmt is InputFormat.PYPROJECT else Severity.MEDIUM
        return [
            Finding(
                UNPINNED,
                severity,
                f"{dep.display_name} {dep.specifier or '(any version)'} is a range: lock it "
                "to one version with hashes",
                **where,  # type: ignore[arg-type]
            )
        ]
    if fmt in _LOCKS and not dep.all_hashes():
        return [
            Finding(
                MISSING_HASHES,
                Severity.MEDIUM,
                f"{dep.display_name}=={dep.version} has no hashes: add them "
                "(`pycustoms audit --fix-hashes`) and install with --require-hashes",
                **where,  # type: ignore[arg-type]
            )
        ]
    return []


def hash_findings(dep: Dependency, index_files: Sequence[IndexFile] | None) -> list[Finding]:
    """Locked hashes the index does not know for this version (`None`: version not listed)."""
    where = {"file": dep.source, "line": dep.line}
    if index_files is None or not index_files:
        return [
            Finding(
                VERSION_NOT_ON_INDEX,
                Severity.HIGH,
                f"{dep.display_name} {dep.version} is not on the index",
                snippet=dep.display_name,
                **where,  # type: ignore[arg-type]
            )
        ]
    known = {f"sha256:{f.sha256}" for f in index_files if f.sha256}
    return [
        Finding(
            HASH_NOT_ON_INDEX,
            Severity.HIGH,
            f"{dep.display_name} {dep.version}: locked {value[:19]}... matches no file "
            "the index has for this version",
            snippet=value,
            **where,  # type: ignore[arg-type]
        )
        for value in sorted(dep.all_hashes())
        if value.startswith("sha256:") and value not in known
    ]


def license_findings(
    dep: Dependency, license: str | None, settings: AuditSettings
) -> list[Finding]:
    """Findings for a licence on the deny list, or off a non-empty allow list."""
    where = {"file": dep.source, "line": dep.line, "snippet": license}
    ids = license_ids(license) if license else set()
    denied = sorted(ids & set(settings.licenses_deny))
    if denied:
        return [
            Finding(
                LICENSE_DENIED,
                Severity.HIGH,
                f"{dep.display_name} is licensed {license}, denied by policy ({', '.join(denied)})",
                **where,  # type: ignore[arg-type]
            )
        ]
    # An `A OR B` expression passes if one choice is allowed; AND needs all.
    if settings.licenses_allow:
        allowed = set(settings.licenses_allow)
        ok = bool(ids) and (bool(ids & allowed) if " OR " in (license or "") else ids <= allowed)
        if not ok:
            return [
                Finding(
                    LICENSE_NOT_ALLOWED,
                    Severity.MEDIUM,
                    f"{dep.display_name} is licensed {license or 'unknown'}, "
                    "which the allow list does not include",
                    **where,  # type: ignore[arg-type]
                )
            ]
    return []


def index_findings(
    indexes: Iterable[IndexSetting],
    deps: Iterable[Dependency],
    policy: Policy,
    trusted_hosts: Sequence[str],
) -> list[Finding]:
    """Look-alike and plain-HTTP index hosts, and the extra-index confusion risk."""
    found: list[Finding] = []
    settings = list(indexes)
    for setting in settings:
        found += check_index_url(
            setting.url, trusted_hosts, source=setting.source, line=setting.line
        )
    extra = [s for s in settings if s.option == "extra-index-url"]
    internal = sorted(
        {
            d.display_name
            for d in deps
            if is_internal(d.name, policy.internal_names, policy.internal_prefixes)
        }
    )
    if extra and internal:
        found.append(
            Finding(
                EXTRA_INDEX_CONFUSION,
                Severity.HIGH,
                f"--extra-index-url {extra[0].url} with internal names ({', '.join(internal)}): "
                "the upstream index can win with a higher version",
                file=extra[0].source,
                line=extra[0].line,
                snippet=extra[0].url,
            )
        )
    return found


def expired_ignores(ignores: Iterable[Ignore], today: date, source: str) -> list[Finding]:
    """One finding per ignore whose expiry date has passed."""
    return [
        Finding(
            EXPIRED_IGNORE,
            Severity.MEDIUM,
            f"the ignore of {i.id} expired on {i.expires.isoformat()} ({i.reason})",
            file=source,
            snippet=i.id,
        )
        for i in ignores
        if i.expires < today
    ]
