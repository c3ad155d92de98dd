"""Findings about who a package says it is, weighed with what its code does.

The package's own name goes through the names engine (its findings keep that
engine's rule ids; see `_OWN_NAME` for their severity here); its declared
metadata gives the `meta/` signals of `metadata_signals`. Alone these do not
block, most do not even warn: honest projects have odd versions, template
authors and look-alike names. With code that acts on its own (`acting_code`:
install-time code, or network, processes, dynamic code where nobody asked for
them, or code the engines flagged) they are how squats and dependency-confusion
probes look: `meta/suspicious-identity-with-code` warns for one kind of signal
and blocks for two, for a name the names engine would warn about itself, when
install-time or start-up code opens the network (a beacon), or when the code shows
a threat behaviour (`behaviours.THREATS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pycustoms.analyzers.code.ast_ids import INSTALL_REFUSED
from pycustoms.analyzers.code.behaviours import BEHAVIOURS, THREATS
from pycustoms.analyzers.code.context import ExecContext, installed_path
from pycustoms.analyzers.code.metadata import PackageMetadata
from pycustoms.analyzers.code.metadata_signals import (
    DECLARED_TEST,
    IMPLAUSIBLE_VERSION,
    SHORT_DESCRIPTION,
    SQUATTED_DEPENDENCY,
    STDLIB_DEPENDENCY,
    STEALER_KIT,
    THROWAWAY_AUTHOR,
    declared_test,
    implausible_version,
    squatted_dependencies,
    stdlib_dependencies,
    stealer_kits,
    throwaway_author,
)
from pycustoms.analyzers.names import analyze_name
from pycustoms.rules import Rule
from pycustoms.types import Capability, Finding, Severity

if TYPE_CHECKING:
    from pycustoms.analyzers.code.package_rules import PackageFacts

WITH_CODE = "meta/suspicious-identity-with-code"
PLACEHOLDER = "meta/placeholder-squat"

RULES: tuple[Rule, ...] = (
    Rule(
        PLACEHOLDER,
        Severity.CRITICAL,
        "A placeholder or probe that holds a name and ships no working code",
        "All its importable code together is a few lines, and either it calls itself a "
        "dummy, placeholder, test or research probe with a throwaway identity (template or "
        "disposable author, a zero or outranking version), or its install raises and names "
        "another project (`code/install-refused`). There is nothing to install: what it "
        "holds is a name, often an internal one that an installer would otherwise resolve "
        "here (dependency confusion).",
    ),
    Rule(
        DECLARED_TEST,
        Severity.LOW,
        "Package declares itself a test, proof of concept or placeholder",
        "Its name, summary or short description says `security test`, `proof of concept`, "
        "`do not install`, `dependency confusion`, `bug bounty` and the like.",
    ),
    Rule(
        IMPLAUSIBLE_VERSION,
        Severity.LOW,
        "Version chosen to outrank real releases",
        "`99.0.0`, `66.0.3`, `100.0.1`, `9999`: what dependency-confusion squats publish so "
        "that an installer merging indexes prefers them. Calendar versions pass.",
    ),
    Rule(
        STEALER_KIT,
        Severity.MEDIUM,
        "Depends on a credential stealer's usual libraries",
        "Browser cookie extractors, Discord webhook clients, Roblox account libraries "
        "(medium); keyboard or screen capture, or pywin32 with a crypto library as used to "
        "decrypt browser stores (low: honest tools combine them too).",
    ),
    Rule(
        STDLIB_DEPENDENCY,
        Severity.LOW,
        "Declares a standard-library module as a dependency",
        "`sqlite3`, `os`, `subprocess` are not projects; an installer fetches whatever the "
        "index serves under that name. Popular backports (`dataclasses`, `typing`) pass.",
    ),
    Rule(
        SQUATTED_DEPENDENCY,
        Severity.MEDIUM,
        "Depends on a name that imitates a popular project",
        "Medium when the names engine would block the dependency's name on its own; info "
        "when it would warn (popular projects adopt young forks whose names read as squats).",
    ),
    Rule(
        THROWAWAY_AUTHOR,
        Severity.LOW,
        "Author is a placeholder or a throwaway mailbox",
        "An example or reserved domain, a disposable mailbox, a bug-bounty platform alias, "
        "or a template's `Your Name`.",
    ),
    Rule(
        WITH_CODE,
        Severity.HIGH,
        "Suspicious identity, and code that acts on its own",
        "A squatted name or another `meta/` signal, in a package with install-time code, "
        "network, processes or dynamic code on import, or code findings of medium or more. "
        "Critical with two or more kinds of signal, a name the names engine warns about, "
        "network at install or at start-up (a beacon), or a threat behaviour in the code "
        "(a download to run, data sent out, persistence, theft ...).",
    ),
)

# The scan judges a name without upstream facts, and a young honest fork (`httpx2`)
# reads exactly like a squat; the name gate (check-name, serve, audit) judges names
# with the index's facts. So here the names engine's finding on the package's own
# name is at most medium, and one it only reports (medium) is low; a name it would
# warn about or block gives `WITH_CODE` its weight instead.
_OWN_NAME = {Severity.CRITICAL: Severity.MEDIUM, Severity.HIGH: Severity.MEDIUM}
_LOUD_NAME = Severity.HIGH  # the names engine warns about such a name on its own
_ACTING = (ExecContext.INSTALL, ExecContext.STARTUP, ExecContext.IMPORT, ExecContext.MODULE)
# Findings about shipped files rather than about what code does.
_NOT_CODE = frozenset({"code/binary-in-pure-package", "code/disguised-binary"})
_WHEN = {
    ExecContext.INSTALL: "at install",
    ExecContext.STARTUP: "at interpreter start",
    ExecContext.IMPORT: "on import",
}
_RISKY_CAPS = {
    Capability.NETWORK: "network",
    Capability.PROCESS: "processes",
    Capability.DYNAMIC_CODE: "dynamic code",
    Capability.CREDENTIAL_READ: "credential reads",
    Capability.PERSISTENCE: "persistence",
}


@dataclass(frozen=True, slots=True)
class Signals:
    """The metadata findings of one package, and the worst the names engine said of its name."""

    findings: tuple[Finding, ...]
    name_severity: Severity | None = None  # the names engine's own; None: not flagged

    @property
    def loud_name(self) -> bool:
        """True if the names engine warns about or blocks the name on its own."""
        return self.name_severity is not None and self.name_severity >= _LOUD_NAME

    @property
    def kinds(self) -> list[str]:
        """The rule ids that count towards `WITH_CODE`.

        Informational findings do not, nor does a name the names engine only
        reports: plain words (`matrix`) sit one letter from some project.
        """
        return sorted(
            {
                f.rule
                for f in self.findings
                if f.severity >= Severity.LOW and (self.loud_name or f.category != "names")
            }
        )


def name_findings(meta: PackageMetadata) -> list[Finding]:
    """The names engine's findings on the declared name (offline: no upstream facts)."""
    if not meta.name:
        return []
    return list(analyze_name(meta.name).findings)


def signals(meta: PackageMetadata) -> Signals:
    """Every metadata signal: the name's squat findings and the `meta/` signals."""
    on_name = name_findings(meta)
    scaled = [
        replace(f, severity=_OWN_NAME.get(f.severity, Severity.LOW), file=meta.source)
        for f in on_name
    ]
    found = (
        *scaled,
        *declared_test(meta),
        *implausible_version(meta),
        *throwaway_author(meta),
        *stealer_kits(meta),
        *stdlib_dependencies(meta),
        *squatted_dependencies(meta),
    )
    return Signals(found, max((f.severity for f in on_name), default=None))


def acting_code(facts: PackageFacts, findings: Iterable[Finding]) -> list[str]:
    """What the package's code does without being asked, in words (empty: nothing that counts).

    Risky capabilities count where code runs unasked: install-time code,
    start-up hooks and the top-level package `__init__` (what `import pkg`
    runs). Elsewhere (library modules and subpackages, which run when called
    on) a capability is what a library is for; there only a code finding of at
    least medium severity counts. Tests, data and shipped binaries never count.
    """
    where = {f.path: f.context for f in facts.files}
    found: set[str] = set()
    if any(f.rule == "code/install-time-code" for f in findings):
        found.add("install-time code")
    flagged = [f.rule for f in findings if _suspicious(f)]
    for path, report in facts.reports.items():
        context = where.get(path, ExecContext.MODULE)
        unasked = context in (ExecContext.INSTALL, ExecContext.STARTUP) or (
            context is ExecContext.IMPORT and _top_level_init(installed_path(path, facts.kind))
        )
        if unasked:
            found.update(
                f"{label} {_WHEN[context]}"
                for cap, label in _RISKY_CAPS.items()
                if cap in report.capabilities
            )
        if context in _ACTING:
            flagged += [f.rule for f in report.findings if _suspicious(f)]
    found.update(f"code flagged {rule}" for rule in sorted(set(flagged))[:3])
    return sorted(found)


def _top_level_init(path: str) -> bool:
    parts = path.split("/")
    if parts[0] == "src" and len(parts) == 3:
        parts = parts[1:]
    return len(parts) == 2 and parts[1] == "__init__.py"


def _suspicious(finding: Finding) -> bool:
    return (
        finding.category == "code"
        and finding.severity >= Severity.MEDIUM
        and finding.rule not in _NOT_CODE
    )


def combined(
    meta: PackageMetadata,
    found: Signals,
    acting: Sequence[str],
    *,
    beacon: bool = False,
    threat: bool = False,
) -> list[Finding]:
    """`WITH_CODE` when the code acts: high for one kind of signal, critical for more.

    Also critical for a name the names engine would warn about or block on its
    own (such a name with code that acts is how a typosquat looks), for code
    that phones home before anyone calls it (*beacon*: a DNS or HTTP beacon that
    runs at import or install), and for code that shows a threat behaviour
    (*threat*: a download to run, data sent out, persistence, theft ...) outside
    tests: a probe's or a squat's identity on a payload.
    """
    kinds = found.kinds
    if not kinds or not acting:
        return []
    severity = (
        Severity.CRITICAL
        if len(kinds) >= 2 or found.loud_name or beacon or threat or _phones_home(acting)
        else Severity.HIGH
    )
    return [
        Finding(
            WITH_CODE,
            severity,
            f"declared identity looks like a squat or a probe ({', '.join(kinds)}) and the "
            f"code acts: {', '.join(acting)}",
            meta.source,
            snippet=meta.name or None,
        )
    ]


def _phones_home(acting: Sequence[str]) -> bool:
    """True if install-time or start-up code uses the network.

    What a dependency-confusion probe does with a squat's identity: a beacon that
    leaves before anyone calls the package. Network in a package `__init__` does
    not count here: the capability does not say whether import runs it, and a
    client library's `__init__` defines network functions.
    """
    network = _RISKY_CAPS[Capability.NETWORK]
    early = (_WHEN[ExecContext.INSTALL], _WHEN[ExecContext.STARTUP])
    return any(f"{network} {when}" in acting for when in early)


def metadata_findings(facts: PackageFacts, findings: Sequence[Finding]) -> list[Finding]:
    """Findings from the package's declared metadata, weighed with *findings* of its code."""
    meta = facts.metadata.declared()
    found = signals(meta)
    if not found.findings:
        return placeholder(facts, found, meta)
    every = [*findings, *(f for report in facts.reports.values() for f in report.findings)]
    beacon = any(f.rule in _BEACONS and f.severity >= Severity.HIGH for f in every)
    acting = acting_code(facts, findings)
    return [
        *found.findings,
        *combined(meta, found, acting, beacon=beacon, threat=_threat(facts)),
        *placeholder(facts, found, meta),
    ]


# All importable code together at most this big: a stub, not a library.
_STUB_BYTES = 1024
# Source of compiled extensions: a package with these has code beyond its Python stubs.
_OTHER_SOURCES = (".c", ".cc", ".cpp", ".cxx", ".h", ".pyx", ".pxd", ".rs", ".go", ".f90", ".cu")
_ZERO_VERSIONS = frozenset({"0", "0.0", "0.0.0", "0.0.1", "0.0.0.1"})
# How research probes describe themselves. Only weighed for a package with no working
# code: academic projects say "research purposes" of real code.
_PROBE_WORDING = re.compile(
    r"\b(?:telemetry|dependency|security) research (?:package|project|probe)\b"
    r"|\bresearch purposes? (?:only )?to (?:detect|measure|track)\b",
    re.IGNORECASE,
)


def placeholder(facts: PackageFacts, found: Signals, meta: PackageMetadata) -> list[Finding]:
    """`PLACEHOLDER`: a self-declared dummy or probe, throwaway identity, and only a stub."""
    kinds = {f.rule for f in found.findings}
    declared = DECLARED_TEST in kinds or bool(
        _PROBE_WORDING.search(f"{meta.summary}\n{meta.description[:SHORT_DESCRIPTION]}")
    )
    throwaway = (
        THROWAWAY_AUTHOR in kinds
        or IMPLAUSIBLE_VERSION in kinds
        or meta.version.strip() in _ZERO_VERSIONS
    )
    # An install that refuses and names another project holds the name whoever wrote it.
    refuses = any(
        f.rule == INSTALL_REFUSED for report in facts.reports.values() for f in report.findings
    )
    if not ((declared and throwaway) or refuses) or any(
        f.binary or f.path.lower().endswith(_OTHER_SOURCES) for f in facts.files
    ):
        return []
    code = [
        f
        for f in facts.files
        if f.path.lower().endswith((".py", ".pyw"))
        and f.context in (ExecContext.IMPORT, ExecContext.MODULE)
    ]
    size = sum(f.size for f in code)
    if size > _STUB_BYTES:
        return []
    return [
        Finding(
            PLACEHOLDER,
            Severity.CRITICAL,
            (
                "its install refuses and names another project"
                if refuses
                else "the package calls itself a dummy, test or probe, its identity is a "
                f"throwaway (version {meta.version or 'none'})"
            )
            + f", and all its code is {size} bytes: it holds a name and installs nothing of use",
            meta.source,
            snippet=meta.name or None,
            confidence=0.85,
        )
    ]


def _threat(facts: PackageFacts) -> bool:
    """True if code outside tests and data shows a threat behaviour of medium or more."""
    where = {f.path: f.context for f in facts.files}
    return any(
        BEHAVIOURS.get(f.rule) in THREATS and f.severity >= Severity.MEDIUM
        for path, report in facts.reports.items()
        if where.get(path, ExecContext.MODULE) in _ACTING
        for f in report.findings
    )


# Findings of code that reports home as it runs (high or above only where it runs).
_BEACONS = frozenset({"code/dns-exfiltration", "code/install-time-beacon"})
