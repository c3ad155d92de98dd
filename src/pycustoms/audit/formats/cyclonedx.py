"""`--format cyclonedx-json`: a CycloneDX 1.6 SBOM with purls, hashes, licences, vulnerabilities."""

from __future__ import annotations

from typing import IO

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityRating,
    VulnerabilitySeverity,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from pycustoms.audit.licenses import license_ids
from pycustoms.audit.model import AuditReport, DependencyResult

_ALGORITHMS = {
    "sha256": HashAlgorithm.SHA_256,
    "sha384": HashAlgorithm.SHA_384,
    "sha512": HashAlgorithm.SHA_512,
    "md5": HashAlgorithm.MD5,
}


def _licenses(expression: str | None) -> list[LicenseExpression | DisjunctiveLicense]:
    if not expression:
        return []
    ids = license_ids(expression)
    if len(ids) == 1 and " " not in expression:
        return (
            [DisjunctiveLicense(id=expression)]
            if expression.replace("-", "").replace(".", "").isalnum()
            else [DisjunctiveLicense(name=expression)]
        )
    return [LicenseExpression(expression)]


def _component(result: DependencyResult, ref: str) -> Component:
    d = result.dependency
    hashes = []
    for value in sorted(d.all_hashes()):
        algorithm, _, digest = value.partition(":")
        if algorithm in _ALGORITHMS:
            hashes.append(HashType(alg=_ALGORITHMS[algorithm], content=digest))
    properties = [Property(name="pycustoms:decision", value=result.verdict.decision.value)]
    properties.append(
        Property(name="pycustoms:status", value="unverified" if result.not_checked else "checked")
    )
    properties += [Property(name="pycustoms:unverified", value=u) for u in result.not_checked]
    return Component(
        name=d.display_name,
        version=d.version,
        type=ComponentType.LIBRARY,
        bom_ref=ref,
        purl=PackageURL(type="pypi", name=d.name, version=d.version),
        hashes=hashes,
        licenses=_licenses(result.license),
        properties=properties,
    )


def render(report: AuditReport, out: IO[str]) -> None:
    """Write the SBOM; unchecked dependencies carry a `pycustoms:status=unverified` property."""
    bom = Bom()
    refs: dict[tuple[str, str], str] = {}
    for result in report.results:
        key = (
            result.dependency.name,
            result.dependency.version or result.dependency.specifier or "",
        )
        if key in refs:
            continue
        refs[key] = (
            f"pkg:pypi/{key[0]}@{key[1]}" if result.dependency.version else f"{key[0]}{key[1]}"
        )
        bom.components.add(_component(result, refs[key]))
    seen: set[str] = set()
    for result in report.results:
        key = (
            result.dependency.name,
            result.dependency.version or result.dependency.specifier or "",
        )
        for advisory in result.advisories:
            ident = f"{advisory.id}@{refs[key]}"
            if ident in seen:
                continue
            seen.add(ident)
            fix = f"Upgrade to {', '.join(advisory.fixed)}" if advisory.fixed else None
            bom.vulnerabilities.add(
                Vulnerability(
                    bom_ref=ident,
                    id=advisory.id,
                    description=advisory.summary,
                    recommendation=fix,
                    ratings=[
                        VulnerabilityRating(severity=VulnerabilitySeverity(advisory.severity_label))
                    ],
                    affects=[BomTarget(ref=refs[key])],
                    properties=[
                        Property(name="pycustoms:alias", value=a) for a in advisory.aliases
                    ],
                )
            )
    out.write(JsonV1Dot6(bom).output_as_string(indent=2))
    out.write("\n")
