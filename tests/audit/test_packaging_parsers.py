"""Inputs read through `packaging` (direct_url, dependency groups, pylock names, licences)."""

from __future__ import annotations

import tomllib

import pytest

from pycustoms.audit.checks import LICENSE_NOT_ALLOWED, license_findings
from pycustoms.audit.inputs.environment import _kind
from pycustoms.audit.inputs.pylock import PylockReader
from pycustoms.audit.inputs.pyproject import parse_pyproject
from pycustoms.audit.model import Dependency, DependencyKind
from pycustoms.audit.settings import AuditSettings
from pycustoms.errors import TargetError
from pycustoms.types import normalize_name


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (None, DependencyKind.REGISTRY),
        ('{"url": "file:///src/app", "dir_info": {"editable": true}}', DependencyKind.EDITABLE),
        # Before: a string test for '"editable": true' missed this compact JSON.
        ('{"url":"file:///src/app","dir_info":{"editable":true}}', DependencyKind.EDITABLE),
        ('{"url": "file:///src/app", "dir_info": {}}', DependencyKind.URL),
        (
            '{"url": "https://files.example/x-1.0-py3-none-any.whl", "archive_info": {}}',
            DependencyKind.URL,
        ),
        ("not json", DependencyKind.URL),
        ("[]", DependencyKind.URL),
    ],
)
def test_direct_url_kinds(text: str | None, kind: DependencyKind) -> None:
    assert _kind(text) is kind


def test_dependency_group_names_are_normalised_for_includes() -> None:
    """Before: `include-group = "dev-tools"` found nothing in a group written `Dev_Tools`."""
    text = (
        '[project]\nname = "app"\nversion = "1"\n'
        '[dependency-groups]\nDev_Tools = ["ruff>=0.6"]\n'
        'test = ["pytest >= 8", {include-group = "dev-tools"}]\n'
    )
    result = parse_pyproject(tomllib.loads(text), text, "pyproject.toml")
    found = {(d.name, d.groups, d.line) for d in result.dependencies}
    assert ("pytest", ("group:test",), 6) in found
    assert ("ruff", ("group:test",), 5) in found
    assert ("ruff", ("group:Dev_Tools",), 5) in found


def test_a_group_that_includes_itself_is_an_error() -> None:
    text = '[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "a"}]\n'
    with pytest.raises(TargetError, match=r"includes itself|[Cc]yclic"):
        parse_pyproject(tomllib.loads(text), text, "pyproject.toml")


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("pylock.toml", True),
        ("pylock.dev.toml", True),
        ("pylock.a.b.toml", False),
        ("pylock.txt", False),
    ],
)
def test_pylock_file_names(name: str, matches: bool) -> None:
    assert PylockReader.matches(name) is matches


def _dep() -> Dependency:
    return Dependency(normalize_name("demo"), "demo", "requirements.txt")


def test_a_licence_choice_is_read_in_any_case() -> None:
    """Before: `mit or apache-2.0` was no choice (the test was for ' OR ') and its ids
    were compared as written, so an allow list of MIT refused it."""
    settings = AuditSettings(licenses_allow=("MIT",))
    assert license_findings(_dep(), "mit or apache-2.0", settings) == []
    assert license_findings(_dep(), "MIT OR Apache-2.0", settings) == []
    [finding] = license_findings(_dep(), "MIT AND Apache-2.0", settings)
    assert finding.rule == LICENSE_NOT_ALLOWED
