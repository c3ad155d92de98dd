"""Audit settings (`[audit]` in the configuration, `PYCUSTOMS_AUDIT_*`): ignores, licences, sources.

[audit]
vuln-sources = ["offline"]
severity-threshold = "low"      # vulnerabilities at or above this fail the audit
licenses.allow = ["MIT", "BSD-3-Clause", "Apache-2.0"]
licenses.deny = ["AGPL-3.0-only"]
[[audit.ignore]]
id = "PYSEC-2023-1"             # an advisory id or alias, or a rule id
package = "demo"                # optional
reason = "not reachable: we never parse untrusted input"
expires = "2026-06-30"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from pycustoms.errors import ConfigError
from pycustoms.settings_base import (
    Field,
    load_fields,
    lookup,
    parse_list,
    parse_severity,
    parse_text,
)
from pycustoms.types import Severity, normalize_name

VULN_SOURCES = ("offline", "osv", "pypi")
DEFAULT_OSV_URL = "https://api.osv.dev"


@dataclass(frozen=True, slots=True)
class Ignore:
    """One configured ignore: what, why, until when (an expired ignore is a finding)."""

    id: str
    reason: str
    expires: date
    package: str | None = None

    def covers(self, ids: frozenset[str], rule: str, package: str) -> bool:
        """True if this ignore names one of *ids* or *rule*, for *package* when it says one."""
        if self.package is not None and normalize_name(self.package) != package:
            return False
        return self.id in ids or self.id == rule


def _as_list(value: Any) -> tuple[str, ...]:
    return parse_list(value, error="expected a list of strings")


def _as_sources(value: Any) -> tuple[str, ...]:
    found = _as_list(value)
    bad = [s for s in found if s not in VULN_SOURCES]
    if bad or not found:
        raise ValueError(f"expected some of {', '.join(VULN_SOURCES)}")
    return found


def parse_ignores(value: Any) -> tuple[Ignore, ...]:
    """Ignores from a TOML array of tables; every one needs an id, a reason and an expiry."""
    if not isinstance(value, list):
        raise ValueError("expected an array of tables with id, reason and expires")
    out: list[Ignore] = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, Mapping):
            raise ValueError(f"ignore #{number} is not a table")
        missing = [k for k in ("id", "reason", "expires") if not item.get(k)]
        if missing:
            raise ValueError(f"ignore #{number} lacks {', '.join(missing)}")
        expires = item["expires"]
        if not isinstance(expires, date):
            try:
                expires = date.fromisoformat(str(expires))
            except ValueError:
                raise ValueError(f"ignore #{number}: expires is not YYYY-MM-DD") from None
        package = item.get("package")
        out.append(Ignore(str(item["id"]), str(item["reason"]), expires, package and str(package)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """Everything `pycustoms audit` reads from configuration beyond the lead's `Policy`."""

    vuln_sources: tuple[str, ...] = ("offline",)
    osv_url: str = DEFAULT_OSV_URL
    severity_threshold: Severity = Severity.LOW
    licenses_allow: tuple[str, ...] = ()
    licenses_deny: tuple[str, ...] = ()
    ignores: tuple[Ignore, ...] = ()


AUDIT_FIELDS: tuple[Field, ...] = (
    Field(
        "vuln_sources",
        "audit.vuln-sources",
        _as_sources,
        "vulnerability sources (offline, osv, pypi)",
        flag="--vuln-source",
    ),
    Field("osv_url", "audit.osv-url", parse_text, "base URL of the OSV API", flag="--osv-url"),
    Field(
        "severity_threshold",
        "audit.severity-threshold",
        parse_severity,
        "vulnerabilities at or above this fail the audit",
        flag="--severity-threshold",
    ),
    Field("licenses_allow", "audit.licenses.allow", _as_list, "allowed SPDX ids"),
    Field("licenses_deny", "audit.licenses.deny", _as_list, "denied SPDX ids"),
    Field("ignores", "audit.ignore", parse_ignores, "ignores with reason and expiry"),
)
assert {f.name for f in fields(AuditSettings)} == {f.attr for f in AUDIT_FIELDS}


def load_audit_settings(
    raw: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> AuditSettings:
    """Audit settings from raw configuration, `PYCUSTOMS_AUDIT_*` and flags."""
    if lookup(raw, "audit") is not None and not isinstance(lookup(raw, "audit"), Mapping):
        raise ConfigError("configuration: `audit` must be a table")
    return load_fields(AuditSettings(), AUDIT_FIELDS, raw, environ, overrides)
