from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pycustoms.analyzers.names import UpstreamFacts, analyze_name
from pycustoms.analyzers.names.confusion import is_internal, is_placeholder_version
from pycustoms.types import Severity

NOW = datetime(2026, 1, 10, tzinfo=UTC)
OLD = UpstreamFacts(True, NOW - timedelta(days=900), 40, "2.3.0")


def rules(report_findings: tuple[object, ...]) -> dict[str, Severity]:
    return {f.rule: f.severity for f in report_findings}  # type: ignore[attr-defined]


def test_missing_name_is_reported() -> None:
    report = analyze_name("fastjson-yaml-bridge", facts=UpstreamFacts(exists=False), now=NOW)
    assert rules(report.findings) == {"names/not-found": Severity.HIGH}


def test_new_project_raises_a_typosquat_to_block() -> None:
    young = UpstreamFacts(True, NOW - timedelta(days=1), 1, "1.0.0")
    plain = analyze_name("colourama", now=NOW)
    raised = analyze_name("colourama", facts=young, now=NOW)
    assert max(f.severity for f in raised.findings) > max(f.severity for f in plain.findings)
    assert "names/new-project" in rules(raised.findings)


def test_old_project_adds_nothing() -> None:
    assert analyze_name("zebra-accounting-toolkit", facts=OLD, now=NOW).findings == ()


def test_internal_name_upstream_is_dependency_confusion() -> None:
    report = analyze_name(
        "acme-billing",
        facts=OLD,
        internal_names=("acme_billing",),
        internal_version="3.0.0",
        now=NOW,
    )
    assert rules(report.findings) == {"names/dependency-confusion": Severity.HIGH}


def test_higher_upstream_version_blocks() -> None:
    facts = UpstreamFacts(True, NOW - timedelta(days=3), 1, "99.0.0")
    report = analyze_name(
        "acme-tools", facts=facts, internal_prefixes=("acme-",), internal_version="1.4", now=NOW
    )
    found = rules(report.findings)
    assert found["names/dependency-confusion"] == Severity.CRITICAL
    assert found["names/placeholder-version"] == Severity.CRITICAL


def test_internal_name_absent_upstream_is_fine() -> None:
    report = analyze_name(
        "acme-billing", facts=UpstreamFacts(exists=False), internal_names=("acme-billing",)
    )
    assert report.findings == ()


def test_is_internal_prefix_normalised() -> None:
    assert is_internal("Acme_Tools", (), ("acme.",))
    assert not is_internal("acmetools", (), ("acme-",))


@pytest.mark.parametrize("version", ["99.0.0", "66.0.3", "9999", "999.1", "5555", "12345.0"])
def test_placeholder_versions(version: str) -> None:
    assert is_placeholder_version(version)


@pytest.mark.parametrize(
    "version", ["1.0", "75.1.0", "306", "2024.1.1", "20240101", "120.0.1", "x"]
)
def test_honest_versions(version: str) -> None:
    assert not is_placeholder_version(version)
