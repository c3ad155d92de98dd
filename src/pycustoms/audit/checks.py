"""Pure checks of one dependency or input: pins, hashes against the index, licences, indexes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from pycustoms.analyzers.names.confusion import is_internal
from pycustoms.analyzers.names.hosts import check_index_url
from pycustoms.audit.licenses import is_choice, license_ids
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
UNUSABLE_HASH = "audit/unusable-hash"
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
        Severity.CRITICAL,
        "A locked hash matches no file the index has",
        "The file was replaced, the lock was edited, or it came from another index; "
        "pip --require-hashes refuses a file whose hash is not locked.",
    ),
    Rule(
        UNUSABLE_HASH,
        Severity.CRITICAL,
        "A locked hash pins nothing",
        "md5 and sha1 collisions are made at will, and pip refuses them in --hash; a "
        "digest of the wrong length matches no file.",
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
# The algorithms pip accepts in `--hash`, with the length of their hex digests.
HEX_DIGITS = {"sha256": 64, "sha384": 96, "sha512": 128}
# Algorithms whose collisions are cheap: such a hash pins nothing, in any format.
_BROKEN = frozenset({"md5", "sha1"})
_HEX = re.compile(r"^[0-9a-f]+$")


def pin_findings(dep: Dependency, fmt: InputFormat) -> list[Finding]:
    """Ranges, missing or unusable hashes, and dependencies that bypass the index."""
    where = {"file": dep.source, "line": dep.line, "snippet": dep.display_name}
    unusable = unusable_hashes(dep, fmt)
    if dep.kind is not DependencyKind.REGISTRY:
        local = dep.kind in {DependencyKind.EDITABLE, DependencyKind.DIRECTORY}
        return [
            Finding(
                NOT_FROM_INDEX,
                Severity.INFO if local else Severity.MEDIUM,
                f"{dep.display_name} is a {dep.kind.value} requirement ({dep.url}); "
                "it is not checked against the index",
                **where,  # type: ignore[arg-type]
            ),
            *unusable,
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
            ),
            *unusable,
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
    return unusable


def _hash_problem(value: str, fmt: InputFormat) -> str | None:
    """Why the locked `algorithm:hex` *value* pins nothing, or `None` when it is usable."""
    algorithm, _, digest = value.partition(":")
    if algorithm in _BROKEN:
        return (
            f"{algorithm} pins nothing: a file with the same {algorithm} can be made at will, "
            "and pip refuses it (--hash takes sha256, sha384 or sha512)"
        )
    expected = HEX_DIGITS.get(algorithm)
    if expected is None:
        # Lock formats may carry other strong algorithms for other installers;
        # pip refuses the whole requirements file.
        if fmt is InputFormat.REQUIREMENTS:
            return f"pip refuses --hash={algorithm} (it takes sha256, sha384 or sha512)"
        return None
    if len(digest) != expected or not _HEX.match(digest):
        return (
            f"{value[:24]} is not a {algorithm} digest ({expected} hex digits): it matches "
            "no file, so pip --require-hashes refuses every one"
        )
    return None


def unusable_hashes(dep: Dependency, fmt: InputFormat) -> list[Finding]:
    """One finding per locked hash that pins nothing (a broken algorithm, a malformed digest)."""
    found: list[Finding] = []
    for value in sorted(dep.all_hashes()):
        problem = _hash_problem(value, fmt)
        if problem is not None:
            found.append(
                Finding(
                    UNUSABLE_HASH,
                    Severity.CRITICAL,
                    f"{dep.display_name} {dep.version or dep.specifier or ''}".rstrip()
                    + f": {problem}; lock sha256 hashes (`pycustoms audit --fix-hashes`)",
                    file=dep.source,
                    line=dep.line,
                    snippet=value,
                )
            )
    return found


def hash_findings(
    dep: Dependency, index_files: Sequence[IndexFile] | None
) -> tuple[list[Finding], list[str]]:
    """Locked hashes the index does not list for this version (or for the file a lock names).

    Returns the findings and the hashes that could not be compared (`unverified`:
    the index publishes no digest of that algorithm for some file). `None` or no
    files: the version is not listed.
    """
    where = {"file": dep.source, "line": dep.line}
    pin = f"{dep.display_name} {dep.version}"
    if not index_files:
        return [
            Finding(
                VERSION_NOT_ON_INDEX,
                Severity.HIGH,
                f"{pin} is not on the index",
                snippet=dep.display_name,
                **where,  # type: ignore[arg-type]
            )
        ], []
    published = [{k.lower(): v.lower() for k, v in f.hashes.items()} for f in index_files]
    by_name = dict(zip((f.filename for f in index_files), published, strict=True))
    findings: list[Finding] = []
    compared: set[str] = set()
    for locked in dep.files:
        own = by_name.get(locked.filename or "")
        if own is None:
            continue  # a file the index does not name: compared with every file below
        for algorithm, digest in sorted(locked.hashes.items()):
            value = f"{algorithm.lower()}:{digest.lower()}"
            theirs = own.get(algorithm.lower())
            if theirs is None:
                continue
            compared.add(value)
            if theirs != digest.lower():
                findings.append(
                    Finding(
                        HASH_NOT_ON_INDEX,
                        Severity.CRITICAL,
                        f"{pin}: the lock records {value[:19]}... for {locked.filename}, the "
                        f"index publishes {algorithm.lower()}:{theirs[:12]}... (the file was "
                        "replaced upstream, or the lock was edited)",
                        snippet=value,
                        **where,  # type: ignore[arg-type]
                    )
                )
    known = {f"{k}:{v}" for hashes in published for k, v in hashes.items()}
    unknown: list[str] = []
    unverified: list[str] = []
    for value in sorted(dep.all_hashes() - compared):
        algorithm = value.partition(":")[0]
        if algorithm not in HEX_DIGITS or value in known:
            continue  # unusable algorithms are `pin_findings`' business
        silent = [
            f.filename for f, h in zip(index_files, published, strict=True) if algorithm not in h
        ]
        if silent:
            unverified.append(
                f"index: no {algorithm} published for {', '.join(silent)}; locked "
                f"{value[:19]}... not compared"
            )
        else:
            unknown.append(value)
    matched = bool(dep.all_hashes() & known)
    consequence = (
        "it is a file removed upstream, one from another index, or an edited lock"
        if matched
        else "pip --require-hashes would refuse every file of this version"
    )
    findings += [
        Finding(
            HASH_NOT_ON_INDEX,
            Severity.CRITICAL,
            f"{pin}: locked {value[:19]}... matches no file the index has for this version; "
            + consequence,
            snippet=value,
            **where,  # type: ignore[arg-type]
        )
        for value in unknown
    ]
    return findings, unverified


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
        ok = bool(ids) and (bool(ids & allowed) if is_choice(license or "") else ids <= allowed)
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
