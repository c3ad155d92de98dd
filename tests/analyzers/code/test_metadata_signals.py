"""Each metadata signal on what squats and probes declare, and silent on honest look-alikes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from pycustoms.analyzers.code.metadata import Dependency, PackageMetadata
from pycustoms.analyzers.code.metadata_signals import (
    declared_test,
    implausible_version,
    squatted_dependencies,
    stdlib_dependencies,
    stealer_kits,
    throwaway_author,
)
from pycustoms.types import Finding, Severity, normalize_name

Signal = Callable[[PackageMetadata], Iterator[Finding]]


def _deps(*names: str) -> PackageMetadata:
    return PackageMetadata(
        name="demo",
        dependencies=tuple(Dependency(normalize_name(n), "PKG-INFO") for n in names),
        sources={"name": "PKG-INFO"},
    )


def _severities(signal: Signal, meta: PackageMetadata) -> list[Severity]:
    return [f.severity for f in signal(meta)]


@pytest.mark.parametrize(
    ("name", "summary", "description"),
    [
        ("acme-billing", "Security test, please ignore", ""),
        ("acme-billing", "Proof of concept for a dependency confusion report", ""),
        ("corp-utils", "", "This package is a test. Do not install."),
        ("corp-utils", "dont install", ""),
        ("internal-auth", "Placeholder package to reserve the name", ""),
        ("internal-auth-poc", "", ""),
        ("x", "Bug bounty research", ""),
        ("x", "RCE test", ""),
        ("x", "pwned by a researcher", ""),
        ("x", "Dummy package", ""),
        ("x", "", "A test package to demonstrate install-time execution"),
        ("x", "malicious package for a training course", ""),
        ("x", "pentest upload", ""),
    ],
)
def test_declared_test_wording(name: str, summary: str, description: str) -> None:
    meta = PackageMetadata(name=name, summary=summary, description=description)
    assert _severities(declared_test, meta) == [Severity.LOW]


@pytest.mark.parametrize(
    ("name", "summary", "description"),
    [
        ("pytest-foo", "A pytest plugin for foo", "Run the tests with pytest."),
        ("django-test-plus", "Testing utilities for Django", ""),
        ("faker-placeholder", "Generates placeholder text and images", ""),
        ("hibp-client", "Client for the Have I Been Pwned API", ""),
        ("pocketsphinx", "Speech recognition", "pocket-sized"),
        ("security-scanner", "Security testing framework for web applications", ""),
    ],
)
def test_honest_testing_and_security_wording_is_not_a_signal(
    name: str, summary: str, description: str
) -> None:
    meta = PackageMetadata(name=name, summary=summary, description=description)
    assert _severities(declared_test, meta) == []


@pytest.mark.parametrize("version", ["99.0.0", "66.0.3", "100.0.1", "999", "9999.0", "1337.0.0"])
def test_implausible_versions(version: str) -> None:
    assert _severities(implausible_version, PackageMetadata(version=version)) == [Severity.LOW]


@pytest.mark.parametrize(
    "version", ["2024.1.0", "20240101", "306", "120.0.6099.109", "42.0", "1.0.0", "not-a-version"]
)
def test_plausible_versions(version: str) -> None:
    assert _severities(implausible_version, PackageMetadata(version=version)) == []


@pytest.mark.parametrize(
    ("deps", "severity"),
    [
        (("browser_cookie3",), Severity.MEDIUM),
        (("requests", "discord-webhook"), Severity.MEDIUM),
        (("dhooks",), Severity.MEDIUM),
        (("robloxpy",), Severity.MEDIUM),
        (("pynput",), Severity.LOW),
        (("pyautogui", "mss"), Severity.LOW),
        (("pywin32", "pycryptodome"), Severity.LOW),
    ],
)
def test_stealer_kits(deps: tuple[str, ...], severity: Severity) -> None:
    assert _severities(stealer_kits, _deps(*deps)) == [severity]


@pytest.mark.parametrize(
    "deps", [("pywin32",), ("pyautogui",), ("pycryptodome", "requests"), ("mss", "numpy")]
)
def test_libraries_that_are_only_a_kit_together(deps: tuple[str, ...]) -> None:
    assert _severities(stealer_kits, _deps(*deps)) == []


def test_stdlib_names_as_dependencies() -> None:
    findings = list(stdlib_dependencies(_deps("sqlite3", "subprocess", "requests")))
    assert [f.snippet for f in findings] == ["sqlite3", "subprocess"]
    assert {f.severity for f in findings} == {Severity.LOW}


def test_popular_backports_of_stdlib_names_pass() -> None:
    assert _severities(stdlib_dependencies, _deps("dataclasses", "typing", "argparse")) == []


def test_squatted_dependency_weighs_only_when_the_names_engine_would_block_it() -> None:
    # `reqeusts` is a critical typosquat of a top-10 project as a name of its own;
    # `colourama` one the names engine warns about; `djanga` one it only reports.
    assert _severities(squatted_dependencies, _deps("reqeusts")) == [Severity.MEDIUM]
    assert _severities(squatted_dependencies, _deps("colourama")) == [Severity.INFO]
    assert _severities(squatted_dependencies, _deps("djanga")) == []


def test_honest_dependencies_are_not_squats() -> None:
    meta = _deps("requests", "requests-toolbelt", "pytest-cov", "types-requests")
    assert _severities(squatted_dependencies, meta) == []


@pytest.mark.parametrize(
    ("authors", "emails"),
    [
        ((), ("you@example.com",)),
        ((), ("someone@yopmail.com",)),
        ((), ("researcher+pkg@wearehackerone.com",)),
        ((), ("dev@corp.test",)),
        (("Your Name",), ("",)),
    ],
)
def test_throwaway_authors(authors: tuple[str, ...], emails: tuple[str, ...]) -> None:
    meta = PackageMetadata(authors=authors, emails=tuple(e for e in emails if e))
    assert _severities(throwaway_author, meta) == [Severity.LOW]


def test_real_looking_authors_pass() -> None:
    meta = PackageMetadata(
        authors=("Jane Example", "Example Corp"),
        emails=("jane@examples.dev", "team@testing.io", "ops@mycompany.com"),
    )
    assert _severities(throwaway_author, meta) == []
