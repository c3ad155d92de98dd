"""OSV records: parse, decide whether a version is affected, severity, alias merging.

Only the `PyPI` ecosystem is read. Versions compare with `packaging` (PEP 440);
`ECOSYSTEM` and `SEMVER` ranges are evaluated as the OSV schema says (events in
version order, `introduced`/`fixed`/`last_affected`/`limit`); `GIT` ranges need
commits and are skipped, the explicit `versions` list covers them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError
from packaging.version import InvalidVersion, Version

from pycustoms.audit.model import Advisory
from pycustoms.types import Severity, normalize_name

ECOSYSTEM = "PyPI"
_DB_SEVERITY = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}
# Preferred primary id when aliases are merged: malware first, then the most specific.
_PREFERENCE = ("MAL-", "PYSEC-", "GHSA-", "CVE-")


@lru_cache(maxsize=65_536)
def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or `None` when *text* is not one."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


@dataclass(frozen=True, slots=True)
class OsvRecord:
    """The parts of an OSV record for one PyPI package that matching and reports need."""

    id: str
    package: str
    aliases: tuple[str, ...]
    summary: str
    ranges: tuple[Mapping[str, Any], ...]
    versions: tuple[str, ...]
    severity: tuple[Mapping[str, Any], ...] = ()
    db_severity: str | None = None
    withdrawn: str | None = None
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A compact JSON form (what the offline database stores)."""
        return {
            "id": self.id,
            "package": self.package,
            "aliases": list(self.aliases),
            "summary": self.summary,
            "ranges": [dict(r) for r in self.ranges],
            "versions": list(self.versions),
            "severity": [dict(s) for s in self.severity],
            "db_severity": self.db_severity,
            "withdrawn": self.withdrawn,
            "url": self.url,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OsvRecord:
        """The inverse of `to_json`."""
        return cls(
            id=str(data["id"]),
            package=str(data["package"]),
            aliases=tuple(data.get("aliases", ())),
            summary=str(data.get("summary", "")),
            ranges=tuple(data.get("ranges", ())),
            versions=tuple(data.get("versions", ())),
            severity=tuple(data.get("severity", ())),
            db_severity=data.get("db_severity"),
            withdrawn=data.get("withdrawn"),
            url=data.get("url"),
        )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_osv(document: Mapping[str, Any]) -> list[OsvRecord]:
    """One `OsvRecord` per PyPI package an OSV document affects; `ValueError` if it has no id."""
    ident = document.get("id")
    if not isinstance(ident, str) or not ident:
        raise ValueError("an OSV record needs an `id`")
    summary = _text(document.get("summary")) or _text(document.get("details"))[:200]
    specific = document.get("database_specific")
    db_severity = specific.get("severity") if isinstance(specific, Mapping) else None
    url = None
    for ref in document.get("references", []) or []:
        if isinstance(ref, Mapping) and ref.get("type") in {"ADVISORY", "WEB", "REPORT"}:
            url = _text(ref.get("url")) or None
            if ref.get("type") == "ADVISORY":
                break
    aliases = tuple(str(a) for a in document.get("aliases", []) or [] if a != ident)
    records: list[OsvRecord] = []
    for affected in document.get("affected", []) or []:
        package = affected.get("package") if isinstance(affected, Mapping) else None
        if not isinstance(package, Mapping) or package.get("ecosystem") != ECOSYSTEM:
            continue
        records.append(
            OsvRecord(
                id=ident,
                package=normalize_name(str(package.get("name", ""))),
                aliases=aliases,
                summary=summary.strip(),
                ranges=tuple(
                    r
                    for r in affected.get("ranges", []) or []
                    if isinstance(r, Mapping) and r.get("type") in {"ECOSYSTEM", "SEMVER"}
                ),
                versions=tuple(str(v) for v in affected.get("versions", []) or []),
                severity=tuple(
                    s for s in document.get("severity", []) or [] if isinstance(s, Mapping)
                ),
                db_severity=str(db_severity) if db_severity else None,
                withdrawn=str(document["withdrawn"]) if document.get("withdrawn") else None,
                url=url,
            )
        )
    return records


def _event_key(event: Mapping[str, Any]) -> Version:
    for kind in ("introduced", "fixed", "last_affected", "limit"):
        if kind in event:
            value = str(event[kind])
            if value == "0":
                return Version("0")
            return parse_version(value) or Version("0")
    return Version("0")


def in_range(events: Sequence[Mapping[str, Any]], version: Version) -> bool:
    """True if *version* lies in the range these OSV events describe."""
    affected = False
    for event in sorted(events, key=_event_key):
        if "introduced" in event:
            start = str(event["introduced"])
            if start == "0" or ((parsed := parse_version(start)) is not None and version >= parsed):
                affected = True
        elif "fixed" in event:
            fixed = parse_version(str(event["fixed"]))
            if fixed is not None and version >= fixed:
                affected = False
        elif "last_affected" in event:
            last = parse_version(str(event["last_affected"]))
            if last is not None and version > last:
                affected = False
        elif "limit" in event:
            limit = parse_version(str(event["limit"]))
            if limit is not None and version >= limit:
                affected = False
    return affected


def affects(record: OsvRecord, version: str) -> bool:
    """True if *record* affects *version* of its package (explicit list, then ranges)."""
    if record.withdrawn:
        return False
    parsed = parse_version(version)
    if version in record.versions or (
        parsed is not None and any(parse_version(v) == parsed for v in record.versions)
    ):
        return True
    if parsed is None:
        return False
    return any(in_range(r.get("events", []) or [], parsed) for r in record.ranges)


def fixed_versions(record: OsvRecord) -> tuple[str, ...]:
    """Every `fixed` version the record names, in version order."""
    found = {str(e["fixed"]) for r in record.ranges for e in r.get("events", []) if "fixed" in e}
    return tuple(sorted(found, key=lambda v: parse_version(v) or Version("0")))


def cvss_score(vector: str) -> float | None:
    """The CVSS v3.x or v4.0 base score of *vector*, or `None` when it is neither (or malformed).

    Scored by the `cvss` library; a v2 vector, or none, leaves the rating to the
    database's own severity.
    """
    text = vector.strip()
    try:
        if text.startswith("CVSS:3"):
            return float(CVSS3(text).base_score)
        if text.startswith("CVSS:4"):
            return float(CVSS4(text).base_score)
    except CVSSError:
        return None
    return None


def severity_of_score(score: float) -> Severity:
    """CVSS qualitative rating (none counts as info)."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0:
        return Severity.LOW
    return Severity.INFO


def severity(record: OsvRecord) -> tuple[Severity, str, str | None]:
    """Severity, its label, and the score text behind it. Malware is always critical.

    Without a usable score or database rating the severity is `medium` labelled
    `unknown`: a known vulnerability is never reported as harmless.
    """
    if record.id.startswith("MAL-"):
        return Severity.CRITICAL, "critical", None
    for entry in record.severity:
        score = cvss_score(str(entry.get("score", "")))
        if score is not None:
            level = severity_of_score(score)
            return level, level.label, f"CVSS {score:.1f}"
    if record.db_severity and record.db_severity.upper() in _DB_SEVERITY:
        level = _DB_SEVERITY[record.db_severity.upper()]
        return level, level.label, record.db_severity.lower()
    return Severity.MEDIUM, "unknown", None


def to_advisory(record: OsvRecord) -> Advisory:
    """The report form of one record."""
    level, label, score = severity(record)
    return Advisory(
        id=record.id,
        aliases=tuple(sorted(set(record.aliases))),
        summary=record.summary,
        severity=int(level),
        severity_label=label,
        score=score,
        fixed=fixed_versions(record),
        url=record.url,
    )


def _preference(ident: str) -> tuple[int, str]:
    for rank, prefix in enumerate(_PREFERENCE):
        if ident.startswith(prefix):
            return rank, ident
    return len(_PREFERENCE), ident


def merge(advisories: Iterable[Advisory]) -> list[Advisory]:
    """Merge advisories that share an id or alias (PYSEC/GHSA/CVE of one flaw) into one each."""
    groups: list[list[Advisory]] = []
    for advisory in advisories:
        ids = advisory.ids()
        joined = [g for g in groups if any(ids & a.ids() for a in g)]
        merged = [advisory]
        for group in joined:
            merged += group
            groups.remove(group)
        groups.append(merged)
    out: list[Advisory] = []
    for group in groups:
        all_ids = set().union(*(a.ids() for a in group))
        primary = min(all_ids, key=_preference)
        worst = max(group, key=lambda a: (a.severity, a.severity_label != "unknown"))
        fixed = sorted(
            {v for a in group for v in a.fixed}, key=lambda v: parse_version(v) or Version("0")
        )
        out.append(
            Advisory(
                id=primary,
                aliases=tuple(sorted(all_ids - {primary})),
                summary=next((a.summary for a in group if a.summary), ""),
                severity=worst.severity,
                severity_label=worst.severity_label,
                score=worst.score,
                fixed=tuple(fixed),
                url=next((a.url for a in group if a.url), None),
            )
        )
    return sorted(out, key=lambda a: (-a.severity, a.id))
