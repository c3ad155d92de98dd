from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pycustoms.analyzers.names import Technique, UpstreamFacts, analyze_name, default_index
from pycustoms.analyzers.names.combosquat import find_combosquat
from pycustoms.types import Severity

NOW = datetime(2026, 1, 10, tzinfo=UTC)


def test_popular_name_plus_lure_word_warns() -> None:
    report = analyze_name("colorama-utils")
    assert report.technique is Technique.COMBOSQUAT
    assert report.imitates == "colorama"
    assert max(f.severity for f in report.findings) == Severity.HIGH


def test_names_alone_never_block_a_combosquat() -> None:
    for name in ("requests-toolkit", "boto3-sdk", "numpy-utils", "colorama-utils"):
        report = analyze_name(name)
        assert all(f.severity <= Severity.HIGH for f in report.findings), name


def test_new_single_release_project_raises_combosquat_to_block() -> None:
    facts = UpstreamFacts(True, NOW - timedelta(days=2), 1, "0.1.0")
    report = analyze_name("colorama-utils", facts=facts, now=NOW)
    rules = {f.rule: f.severity for f in report.findings}
    assert rules["names/combosquat"] == Severity.CRITICAL
    assert "names/new-project" in rules


def test_popular_extension_is_not_a_combosquat() -> None:
    assert find_combosquat("requests-toolbelt", default_index()) is None
    assert analyze_name("flask-sqlalchemy").findings == ()


def test_plugin_ecosystem_naming_is_not_a_combosquat() -> None:
    """`django-websockets` names a Django plugin; it is not about `websockets`."""
    match = find_combosquat("django-websockets", default_index())
    assert match is None or match.target != "websockets"


def test_buried_popular_word_is_ignored() -> None:
    assert find_combosquat("odoo13-addon-sale-packaging-wishlist", default_index()) is None
