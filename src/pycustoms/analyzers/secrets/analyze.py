"""Find secrets in package members; report kind and place, never the value."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from pycustoms.analyzers.code.context import in_test_dir
from pycustoms.analyzers.secrets.patterns import (
    CREDENTIAL_FILES,
    ENV_FILE,
    ENV_SECRET_LINE,
    KINDS,
    PYPIRC_PASSWORD,
    looks_live,
)
from pycustoms.archive import Member
from pycustoms.rules import Rule
from pycustoms.types import Finding, Severity

CREDENTIAL_FILE = "secrets/credential-file"
RULES: tuple[Rule, ...] = (
    *(
        Rule(
            f"secrets/{kind.id}",
            Severity.CRITICAL,
            f"Live-looking {kind.title}",
            "A secret left in the package: anyone who downloads it can use it. Revoke it, "
            "remove it from the sources and the build, and publish again.",
        )
        for kind in KINDS
    ),
    Rule(
        CREDENTIAL_FILE,
        Severity.CRITICAL,
        "Credentials file in the package",
        "A .pypirc, .netrc, .npmrc, .git-credentials, SSH key or .env file with live-looking "
        "values was packaged. Revoke what it holds and exclude it from the build.",
    ),
)
MAX_PER_FILE = 5
_TEXT_LIMIT = 8 * 1024 * 1024


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _severity(path: str) -> Severity:
    # A fixture under tests/ is still published, but is more often a made-up value.
    return Severity.HIGH if in_test_dir(path) else Severity.CRITICAL


def _file_findings(member: Member) -> Iterable[Finding]:
    base = posixpath.basename(member.path).lower()
    data = member.data
    what = CREDENTIAL_FILES.get(base)
    if what is not None:
        live = base != ".pypirc" or any(
            looks_live(m.group(1), 2.5) for m in PYPIRC_PASSWORD.finditer(data)
        )
        if live:
            yield Finding(CREDENTIAL_FILE, _severity(member.path), f"{what} packaged",
                          member.path, None, None, 0.9)  # fmt: skip
    elif ENV_FILE.search(member.path.lower()):
        for match in ENV_SECRET_LINE.finditer(data):
            if looks_live(match.group(1), 3.0):
                line = _line(data, match.start())
                yield Finding(CREDENTIAL_FILE, _severity(member.path),
                              ".env file with a live-looking secret packaged",
                              member.path, line, None, 0.9)  # fmt: skip
                return


def find_secrets(members: Iterable[Member]) -> list[Finding]:
    """Findings for the secrets in *members*: kind and location only (no snippet, no value)."""
    out: list[Finding] = []
    for member in members:
        out.extend(member_secrets(member))
    return out


def member_secrets(member: Member) -> list[Finding]:
    """The secrets in one member (see `find_secrets`)."""
    if member.truncated or len(member.data) > _TEXT_LIMIT:
        return []
    out = list(_file_findings(member))
    data = member.data
    for kind in KINDS:
        for match in kind.pattern.finditer(data):
            value = match.group(1) if kind.pattern.groups else match.group(0)
            if not looks_live(value, kind.min_entropy):
                continue
            out.append(
                Finding(
                    f"secrets/{kind.id}",
                    _severity(member.path),
                    f"{kind.title} in {member.path} (value not shown)",
                    member.path,
                    _line(data, match.start()),
                    None,
                    0.9,
                )
            )
            if len(out) >= MAX_PER_FILE:
                return out
    return out
