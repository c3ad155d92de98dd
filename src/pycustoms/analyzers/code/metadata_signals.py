"""Signals in a package's declared metadata: each is weak alone, telling in company.

Squats and proof-of-concept uploads give themselves away in what they declare:
a summary that says it is a test or a placeholder, a version chosen to outrank
every real one, an author copied from a template or a throwaway mailbox, and
dependencies that only a credential stealer needs. These functions turn a
`PackageMetadata` into findings; `metadata_rules` weighs them with the code.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence

from packaging.version import InvalidVersion, Version

from pycustoms.analyzers.code.metadata import Dependency, PackageMetadata
from pycustoms.analyzers.names import analyze_name, default_index
from pycustoms.analyzers.names.confusion import is_placeholder_version
from pycustoms.types import Finding, Severity

DECLARED_TEST = "meta/declared-test"
IMPLAUSIBLE_VERSION = "meta/implausible-version"
STEALER_KIT = "meta/stealer-kit-dependency"
STDLIB_DEPENDENCY = "meta/stdlib-dependency"
SQUATTED_DEPENDENCY = "meta/squatted-dependency"
THROWAWAY_AUTHOR = "meta/throwaway-author"

# Wording by which test uploads, proofs of concept and squat placeholders describe
# themselves. Phrases, not words: "test", "security" and "placeholder" alone are
# ordinary in the summaries of honest testing and security tools.
_TEST_WORDING = re.compile(
    r"\bsecurity test\b"
    r"|\bproof[ -]of[ -]concept\b"
    r"|\bpoc\b"
    r"|\bdo(?:n'?t| not) install\b"
    r"|\bplaceholder (?:package|project|release|upload|name)\b"
    r"|\b(?:this is|just) an? placeholder\b"
    r"|\bdependency[ -]confusion\b"
    r"|\bbug[ -]?bounty\b"
    r"|\bpentest\b"
    r"|\bthis (?:package|project|library|module) is (?:just |only )?an? test\b"
    r"|\bthis is (?:just |only )?an? test (?:package|project|upload)\b"
    r"|\bmalicious package for\b"
    r"|(?<!been )\bpwned\b"
    r"|\brce (?:test|poc|demo)\b"
    r"|\bdummy (?:python )?(?:package|project|library|module)\b"
    r"|\btest package (?:to|that) (?:demonstrate|show|prove|check)",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[-_.\s]+")
SHORT_DESCRIPTION = 500  # characters: a placeholder's whole description, not a README

# Template author names left unchanged (cookiecutter, setup.py and pyproject templates).
_TEMPLATE_AUTHORS = frozenset(
    {"your name", "yourname", "your name here", "author name", "firstname lastname", "name"}
)
# Mailboxes nobody answers: reserved example domains, throwaway services, and the
# per-researcher aliases of bug-bounty platforms (a report address, not a maintainer).
_THROWAWAY_DOMAINS = frozenset(
    {
        "example.com",
        "example.org",
        "example.net",
        "test.com",
        "yopmail.com",
        "yopmail.fr",
        "mailinator.com",
        "guerrillamail.com",
        "guerrillamail.net",
        "guerrillamail.org",
        "guerrillamailblock.com",
        "sharklasers.com",
        "grr.la",
        "10minutemail.com",
        "temp-mail.org",
        "tempmail.com",
        "trashmail.com",
        "maildrop.cc",
        "dispostable.com",
        "getnada.com",
        "mailnesia.com",
        "fakeinbox.com",
        "throwawaymail.com",
        "wearehackerone.com",
        "bugcrowdninja.com",
        "intigriti.me",
        "yeswehack.ninja",
    }
)
_RESERVED_TLDS = (".example", ".invalid", ".test", ".localhost")

# Libraries that, together, are a credential stealer's kit: one name of every
# group must be a dependency. Each has honest users; none needs the code that
# acts on its own that `metadata_rules` asks for before it alerts. Libraries
# whose only use is an account's secrets or a chat webhook are medium; capture
# libraries and Windows crypto helpers, which honest tools combine too (desktop
# automation, tools that open their own app's encrypted store), are low.
_KITS: tuple[tuple[str, Severity, tuple[frozenset[str], ...]], ...] = (
    (
        "browser cookie extractor",
        Severity.MEDIUM,
        (frozenset({"browser-cookie3", "browser-cookie"}),),
    ),
    (
        "Discord webhook client",
        Severity.MEDIUM,
        (frozenset({"discordwebhook", "discord-webhook", "dhooks", "dhooks-lite"}),),
    ),
    ("Roblox account library", Severity.MEDIUM, (frozenset({"robloxpy"}),)),
    ("keyboard capture library", Severity.LOW, (frozenset({"pynput"}),)),
    (
        "screen capture pair",
        Severity.LOW,
        (frozenset({"pyautogui"}), frozenset({"pyscreenshot", "mss"})),
    ),
    (
        "Windows data-protection and crypto pair (browser-store decryption)",
        Severity.LOW,
        (frozenset({"pywin32", "pypiwin32"}), frozenset({"pycryptodome", "pycryptodomex"})),
    ),
)
# Modules removed from the standard library by 3.13, so that a verdict does not
# depend on the interpreter that runs the scan.
_REMOVED_STDLIB = frozenset(
    {"distutils", "imp", "asynchat", "asyncore", "smtpd", "cgi", "cgitb", "crypt", "telnetlib"}
    | {"nntplib", "pipes", "imghdr", "sndhdr", "audioop", "uu", "xdrlib", "mailcap", "spwd"}
)
_STDLIB = frozenset(
    name for name in sys.stdlib_module_names | _REMOVED_STDLIB if not name.startswith("_")
)
# A dependency's name judged offline: popular projects adopt young forks whose
# names read as squats (`httpx2`), so only a name the names engine would block
# weighs, and one it would warn about is only shown.
_DEPENDENCY_SEVERITY = {Severity.CRITICAL: Severity.MEDIUM, Severity.HIGH: Severity.INFO}


def _dummy_of(name: str) -> re.Pattern[str]:
    """`Dummy NAME package`: a placeholder that names what it holds (its own name)."""
    spelled = "|".join(
        re.escape(variant) for variant in {name, name.replace("-", "_"), name.replace("_", "-")}
    )
    own = rf"(?:{spelled}) " if name else ""
    return re.compile(
        rf"\bdummy (?:python )?{own}(?:python )?(?:package|project|library|module)\b",
        re.IGNORECASE,
    )


def declared_test(meta: PackageMetadata) -> Iterator[Finding]:
    """The name, summary or a short description says it is a test, PoC or placeholder.

    A long description is a real README: it may well say "do not install
    both variants" or tell how a feature began as a proof of concept.
    """
    short = meta.description if len(meta.description) <= SHORT_DESCRIPTION else ""
    dummy = _dummy_of(meta.name)
    for label, text in (
        ("name", _SEPARATORS.sub(" ", meta.name)),
        ("summary", meta.summary),
        ("description", short),
    ):
        found = _TEST_WORDING.search(text) or dummy.search(text)
        if found:
            yield Finding(
                DECLARED_TEST,
                Severity.LOW,
                f"the package's {label} calls it a test, proof of concept or placeholder: "
                f"{found.group(0)!r}",
                meta.sources.get(label),
                snippet=text[max(0, found.start() - 40) : found.end() + 40].strip(),
                confidence=0.8,
            )
            return


def _calendar(major: int) -> bool:
    """A year (`2024`), or a date or timestamp that starts with one (`202401`, `2026102900`)."""
    text = str(major)
    return 1990 <= major <= 2100 or (len(text) >= 6 and 1990 <= int(text[:4]) <= 2100)


def implausible_version(meta: PackageMetadata) -> Iterator[Finding]:
    """A version chosen to outrank real ones: `99.0.0`, `66.0.3`, `100.0.1`, `9999`.

    Calendar versions (`2024.1.0`, `20240101`), counters such as pywin32's `306`,
    and versions that carry a browser's build number (`120.0.6099.109`) pass.
    """
    try:
        release = Version(meta.version).release
    except InvalidVersion:
        return
    if not release or _calendar(release[0]) or any(part >= 1000 for part in release[1:]):
        return
    major = release[0]
    round_hundred = major >= 100 and major % 100 == 0
    if round_hundred or is_placeholder_version(meta.version):
        yield Finding(
            IMPLAUSIBLE_VERSION,
            Severity.LOW,
            f"version {meta.version} is a number chosen to outrank real releases "
            "(dependency confusion, or a squat's placeholder)",
            meta.sources.get("version"),
            snippet=meta.version,
        )


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower()


def throwaway_author(meta: PackageMetadata) -> Iterator[Finding]:
    """An author address no one answers, or an author name left from a template."""
    for address in meta.emails:
        domain = _domain(address)
        if domain in _THROWAWAY_DOMAINS or domain.endswith(_RESERVED_TLDS):
            what = "is at a throwaway, example or bug-bounty alias domain"
            yield _author_finding(meta, f"author address {address!r} {what}", address)
            return
    for author in meta.authors:
        if " ".join(_SEPARATORS.split(author.lower())).strip() in _TEMPLATE_AUTHORS:
            yield _author_finding(meta, f"author {author!r} is a template's placeholder", author)
            return


def _author_finding(meta: PackageMetadata, message: str, snippet: str) -> Finding:
    return Finding(
        THROWAWAY_AUTHOR, Severity.LOW, message, meta.sources.get("authors"), snippet=snippet
    )


def _first(dependencies: Sequence[Dependency], names: frozenset[str]) -> Dependency | None:
    return next((d for d in dependencies if d.name in names), None)


def stealer_kits(meta: PackageMetadata) -> Iterator[Finding]:
    """Dependencies that together make a credential stealer's kit."""
    for label, severity, groups in _KITS:
        chosen = [_first(meta.dependencies, group) for group in groups]
        present = [d for d in chosen if d is not None]
        if len(present) == len(groups):
            names = " + ".join(d.name for d in present)
            yield Finding(
                STEALER_KIT,
                severity,
                f"depends on {names}: a {label}, part of the usual credential-stealer kit",
                present[0].source,
                snippet=names,
                confidence=0.8,
            )


def stdlib_dependencies(meta: PackageMetadata) -> Iterator[Finding]:
    """Standard-library module names listed as dependencies (`sqlite3`, `os`, `subprocess`).

    A name that is also a popular project upstream (a backport such as
    `dataclasses` or `typing`) is an honest dependency and passes.
    """
    popular = default_index().rank
    for dependency in meta.dependencies:
        if dependency.name in _STDLIB and dependency.name not in popular:
            yield Finding(
                STDLIB_DEPENDENCY,
                Severity.LOW,
                f"declares the standard-library module {dependency.name!r} as a dependency "
                "(an installer fetches whatever the index serves under that name)",
                dependency.source,
                snippet=dependency.name,
            )


def squatted_dependencies(meta: PackageMetadata) -> Iterator[Finding]:
    """Dependencies whose names imitate popular projects, below the names engine's severity.

    Medium for a name the names engine blocks, info for one it warns about,
    nothing for one it only reports (`_DEPENDENCY_SEVERITY`).
    """
    for dependency in meta.dependencies:
        for found in analyze_name(dependency.name).findings:
            severity = _DEPENDENCY_SEVERITY.get(found.severity)
            if severity is None:
                continue
            yield Finding(
                SQUATTED_DEPENDENCY,
                severity,
                f"depends on {dependency.name!r}: {found.message}",
                dependency.source,
                snippet=dependency.name,
                confidence=found.confidence,
            )
