"""Findings about a package as a whole, from facts the orchestrator gathered per file.

Per-file engines see one file at a time. Some signals only exist across files:
a native executable in a package whose wheel tag promises pure Python, a
`setup.py` that executes a `.txt` file which the package ships, credentials read
in one install-time file and sent out by another.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from pycustoms.analyzers.code import FileReport
from pycustoms.analyzers.code.behaviours import BEHAVIOURS
from pycustoms.analyzers.code.context import ExecContext, in_test_dir
from pycustoms.analyzers.code.metadata import MetadataCollector
from pycustoms.analyzers.code.metadata_rules import metadata_findings
from pycustoms.analyzers.code.py2_fallback import RUN_PREFIX  # names of programs run, not exec'd
from pycustoms.analyzers.code.sinks.execution import PACKED_MESSAGE
from pycustoms.rules import Rule
from pycustoms.types import Capability, Finding, PackageKind, Severity

C = Capability
WEBHOOK_SENDER = "code/webhook-credential-sender"
INSTALL_BEACON = "code/install-time-beacon"
COMBINED = "code/combined-threats"
DROPPER_PACKAGE = "code/dropper-package"
EARLY_EXFIL = "code/install-time-exfiltration"
PACKED = "code/packed-pure-code"
RULES: tuple[Rule, ...] = (
    Rule(
        PACKED,
        Severity.CRITICAL,
        "Packed code in a pure-Python package",
        "A source distribution or a `none-any` wheel whose importable or install-time code "
        "is PyArmor-packed: what it does cannot be analysed, so it is not served (fail "
        "closed). Vendors who protect their code ship it as platform wheels with the "
        "runtime, where the finding stays medium.",
        C.DYNAMIC_CODE,
    ),
    Rule(
        "code/binary-in-pure-package",
        Severity.MEDIUM,
        "Native binary in a pure-Python wheel or in an sdist",
        "A wheel tagged `none-any`, or a source distribution, should not carry compiled "
        "executables or libraries.",
        C.NATIVE_BINARY,
    ),
    Rule(
        "code/disguised-binary",
        Severity.HIGH,
        "Executable disguised as data",
        "ELF/PE/Mach-O content under a data file name, or hidden in a data directory of a "
        "pure package.",
        C.NATIVE_BINARY,
    ),
    Rule(
        "code/encoded-executable",
        Severity.CRITICAL,
        "Executable stored XOR-encoded",
        "A member that decodes with a one-byte XOR key to an ELF/PE/Mach-O executable: "
        "hidden from scanners on purpose, to be decoded and run later.",
        C.NATIVE_BINARY,
    ),
    Rule(
        "code/binary-source",
        Severity.HIGH,
        "Binary data under a Python source name",
        "A `.py`/`.pyw` member holding NUL bytes is not source code: Python cannot import it, "
        "so something else reads it (an encrypted payload, or a disguised executable).",
    ),
    Rule(
        "code/exec-non-python-file",
        Severity.HIGH,
        "Executes a non-Python file it ships",
        "Code reads a shipped .txt/.json/image file and passes it to exec.",
        C.DYNAMIC_CODE,
    ),
    Rule(
        "code/cross-file-exfiltration",
        Severity.HIGH,
        "Credentials read and network used by different install-time files",
        "One file that runs at install or start-up reads secrets, another sends data out.",
        C.NETWORK,
    ),
    Rule(
        "code/install-time-code",
        Severity.LOW,
        "setup.py or build backend runs code",
        "Install-time code does more than call setup(): a summary for release-risk analysis.",
        C.INSTALL_TIME,
    ),
    Rule(
        WEBHOOK_SENDER,
        Severity.CRITICAL,
        "Ships a webhook or bot credential and posts to it",
        "A complete Discord/Slack webhook or Telegram bot token in a module whose code posts "
        "to a webhook host: whatever it sends goes to the author's channel.",
        C.NETWORK,
    ),
    Rule(
        INSTALL_BEACON,
        Severity.CRITICAL,
        "Install-time request to a suspicious host",
        "The same statement of install-time code opens a connection and names an IP logger, "
        "request catcher, webhook, tunnel, paste site or raw IP: a beacon, or a stage two.",
        C.NETWORK,
    ),
    Rule(
        COMBINED,
        Severity.HIGH,
        "One file shows two different threat behaviours, one of them high",
        "A file outside tests and docs does two different things malware does, one judged "
        "high and the other at least medium (say, a reverse shell and a download to run, or "
        "an install-time command and install-time network access): each has innocent uses "
        "on its own; together in one file they are how droppers, remote-access tools and "
        "probes are built.",
    ),
)

RULES += (
    Rule(
        EARLY_EXFIL,
        Severity.CRITICAL,
        "Install-time or start-up code sends data out",
        "A file that runs at install (`setup.py`, a build hook) or at every interpreter start "
        "(`.pth`, `sitecustomize`) sends host, user or other local data to the network: the "
        "probe of a dependency-confusion attack, or a theft, done before anything imports "
        "the package.",
        C.NETWORK,
    ),
    Rule(
        DROPPER_PACKAGE,
        Severity.CRITICAL,
        "A package whose little code downloads a program and runs it",
        "All the package's importable code is a few small modules, and one of them writes "
        "downloaded bytes to a file and runs it (or makes it executable): whatever name the "
        "package has, what it installs is a program fetched at run time, which no index "
        "vetted. Large projects that do this in one corner (a build helper, a test tool) "
        "are judged by the per-file rule alone.",
        C.NETWORK,
    ),
)

# setuptools' cli-64.exe/gui-arm64.exe and distlib's t32.exe/w64-arm.exe style stubs.
_LAUNCHER = re.compile(r"(?:cli|gui|t|w)(?:-?(?:32|64|arm64))?(?:-arm)?\.exe")
_DOS_HEADER = b"MZ\x90\x00\x03\x00\x00\x00"
_LIB_SUFFIXES = (".so", ".pyd", ".dll", ".dylib")
_DATA_SUFFIXES = frozenset(
    {
        ".png",
        ".dat",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".ico",
        ".svg",
        ".webp",
        ".txt",
        ".md",
        ".rst",
        ".json",
        ".yaml",
        ".yml",
        ".toml",
        ".cfg",
        ".ini",
        ".csv",
        ".xml",
        ".html",
        ".css",
        ".js",
        ".py",
        ".pyi",
        ".pth",
        ".wav",
        ".mp3",
        ".ttf",
        ".woff",
        ".pdf",
        ".log",
    }
)
_DATA_DIRS = frozenset(
    {
        "data",
        "assets",
        "static",
        "resources",
        "images",
        "img",
        "fonts",
        "templates",
        "locale",
        "media",
        "icons",
    }
)
_RUNS_EARLY = (ExecContext.INSTALL, ExecContext.STARTUP, ExecContext.IMPORT)
_INSTALL_CAPS = frozenset({C.NETWORK, C.PROCESS, C.DYNAMIC_CODE, C.CREDENTIAL_READ, C.PERSISTENCE})


_ASSIGNMENT = re.compile(r"\s*(?:#.*|[\w.]+\s*=\s*[\w.'\"\s,()\[\]+-]*)?")


def assignments_only(text: str) -> bool:
    """True if every line of *text* is blank, a comment or `name = simple literal`."""
    return all(_ASSIGNMENT.fullmatch(line) for line in text.splitlines())


def binary_kind(head: bytes) -> str | None:
    """Name the native executable format of a file from its first bytes, or None."""
    if head.startswith(b"\x7fELF"):
        return "ELF"
    if head.startswith(b"MZ") and len(head) >= 0x40:
        pe = int.from_bytes(head[0x3C:0x40], "little")
        # The DOS header every linker writes, for a PE header cut off by *head*.
        return "PE" if head[pe : pe + 4] == b"PE\0\0" or head.startswith(_DOS_HEADER) else None
    if head[:4] in (
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
    ):
        return "Mach-O"
    # Universal Mach-O shares its magic with Java classes; a small arch count tells them apart.
    if head[:4] == b"\xca\xfe\xba\xbe" and 0 < int.from_bytes(head[4:8], "big") < 20:
        return "Mach-O"
    return None


def xor_binary_kind(head: bytes) -> str | None:
    """The executable format *head* decodes to under a one-byte XOR key (not 0), or None.

    Cheap: the key comes from the first byte and must also turn the next bytes into
    the magic before the header is decoded and checked in full by `binary_kind`.
    """
    if len(head) < 0x40:
        return None
    for magic in (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe"):
        key = head[0] ^ magic[0]
        if key and all(head[i] ^ key == magic[i] for i in range(1, len(magic))):
            return binary_kind(bytes(b ^ key for b in head))
    return None


_APPLE_DOUBLE = b"\x00\x05\x16\x07"  # macOS resource forks (`._name.py`) tar picks up


def opaque_member_findings(path: str, head: bytes, context: ExecContext) -> list[Finding]:
    """Findings on a member that is not a plain executable (*head*: its first 4 KiB)."""
    found: list[Finding] = []
    encoded = xor_binary_kind(head)
    if encoded is not None:
        found.append(
            Finding(
                "code/encoded-executable",
                Severity.CRITICAL,
                f"{encoded} executable stored XOR-encoded",
                path,
                confidence=0.95,
            )
        )
    name = posixpath.basename(path).lower()
    if name.endswith((".py", ".pyw")) and b"\0" in head and not head.startswith(_APPLE_DOUBLE):
        in_tests = context is ExecContext.TEST
        found.append(
            Finding(
                "code/binary-source",
                Severity.MEDIUM if in_tests else Severity.HIGH,
                "binary data (NUL bytes) in a Python source file",
                path,
                confidence=0.8,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What the package rules need to know about one member."""

    path: str
    context: ExecContext
    size: int
    binary: str | None = None  # native format from `binary_kind`
    assignments_only: bool = False  # small text of `name = literal` lines (a version file)


@dataclass(frozen=True, slots=True)
class ExecTarget:
    """A statement that executes the contents of a file named by a literal."""

    source: str  # the member that runs exec
    line: int
    target: str  # the literal file name as written
    context: ExecContext


@dataclass(slots=True)
class PackageFacts:
    """Everything gathered about a package during the per-file pass."""

    kind: PackageKind
    wheel_tags: tuple[str, ...] = ()
    files: list[FileFacts] = field(default_factory=list)
    reports: dict[str, FileReport] = field(default_factory=dict)
    exec_targets: list[ExecTarget] = field(default_factory=list)
    # Local modules imported by each install-time or start-up file.
    imports: dict[str, frozenset[str]] = field(default_factory=dict)
    # The package's declared metadata files (see `metadata_rules`).
    metadata: MetadataCollector = field(default_factory=MetadataCollector)

    @property
    def pure(self) -> bool:
        """True for sdists and trees, and for wheels whose every tag is `*-none-any`."""
        if self.kind is PackageKind.WHEEL:
            return bool(self.wheel_tags) and all(t.endswith("-none-any") for t in self.wheel_tags)
        return self.kind in (PackageKind.SDIST, PackageKind.DIRECTORY)


def wheel_tags(wheel_metadata: str) -> tuple[str, ...]:
    """The `Tag:` values of a wheel's `.dist-info/WHEEL` file."""
    return tuple(
        line.split(":", 1)[1].strip()
        for line in wheel_metadata.splitlines()
        if line.lower().startswith("tag:")
    )


def _is_launcher(path: str) -> bool:
    # Script launcher stubs (setuptools/distlib) are PE files shipped by pure wheels.
    return _LAUNCHER.fullmatch(posixpath.basename(path).lower()) is not None


def _binary_findings(facts: PackageFacts) -> Iterable[Finding]:
    where = "an sdist" if facts.kind is not PackageKind.WHEEL else "a pure-Python wheel"
    for f in facts.files:
        if f.binary is None:
            continue
        suffix = posixpath.splitext(f.path)[1].lower()
        dirs = {p.lower() for p in f.path.split("/")[:-1]}
        # Test suites ship fixture binaries; one that install-time code runs is
        # caught by `_run_binary` whatever its directory.
        in_tests = in_test_dir(f.path)
        if facts.pure and dirs & _DATA_DIRS and not f.path.lower().endswith(_LIB_SUFFIXES):
            yield Finding(
                "code/binary-in-pure-package",
                Severity.LOW if in_tests else Severity.HIGH,
                f"prebuilt {f.binary} executable in {where}",
                f.path,
                confidence=0.6,
            )
        if suffix in _DATA_SUFFIXES:
            yield Finding(
                "code/disguised-binary",
                Severity.HIGH,
                f"{f.binary} executable named like a {suffix} file",
                f.path,
                confidence=0.9,
            )
        elif (
            facts.pure
            and dirs & _DATA_DIRS
            and not in_tests
            and not f.path.lower().endswith(_LIB_SUFFIXES)
        ):
            yield Finding(
                "code/disguised-binary",
                Severity.HIGH,
                f"{f.binary} executable hidden in a data directory of {where}",
                f.path,
                confidence=0.7,
            )
        elif facts.pure and not _is_launcher(f.path):
            library = f.path.lower().endswith(_LIB_SUFFIXES)
            severity = Severity.MEDIUM if library else Severity.HIGH
            if in_tests:
                severity = Severity.LOW
            kind = "library" if library else "executable"
            yield Finding(
                "code/binary-in-pure-package",
                severity,
                f"prebuilt {f.binary} {kind} in {where}",
                f.path,
                confidence=0.6,
            )


def _exec_findings(facts: PackageFacts) -> Iterable[Finding]:
    by_base: dict[str, FileFacts] = {}
    for f in facts.files:
        by_base.setdefault(posixpath.basename(f.path).lower(), f)
    for t in facts.exec_targets:
        name = posixpath.basename(t.target.replace("\\", "/")).lower()
        if name.startswith(RUN_PREFIX):
            target = by_base.get(name[len(RUN_PREFIX) :])
            yield from _run_binary(facts, t, target)
            yield from _run_python(facts, t, target)
            continue
        target = by_base.get(name)
        if name.endswith((".py", ".pyw")) or target is None or target.assignments_only:
            continue
        severity = Severity.CRITICAL if target.binary else t.context.adjust(Severity.HIGH)
        yield Finding(
            "code/exec-non-python-file",
            severity,
            f"executes the contents of shipped file {target.path!r}",
            t.source,
            t.line,
            None,
            0.9,
        )


def _run_binary(facts: PackageFacts, t: ExecTarget, target: FileFacts | None) -> Iterable[Finding]:
    """A native executable shipped in a pure package, named by code that spawns it early."""
    if (
        target is None
        or target.binary is None
        or not facts.pure
        or target.path.lower().endswith(_LIB_SUFFIXES)
        or _is_launcher(target.path)
        or t.context not in _RUNS_EARLY
    ):
        return
    yield Finding(
        "code/binary-in-pure-package",
        Severity.CRITICAL,
        f"shipped {target.binary} executable {target.path!r} is run by code that runs at "
        "install, start-up or import",
        t.source,
        t.line,
        None,
        0.8,
    )


def _run_python(facts: PackageFacts, t: ExecTarget, target: FileFacts | None) -> Iterator[Finding]:
    """Threats of a shipped Python file that install-time or start-up code runs as a program."""
    if (
        target is None
        or not target.path.lower().endswith((".py", ".pyw"))
        or target.path == t.source
        or t.context not in (ExecContext.INSTALL, ExecContext.STARTUP)
    ):
        return
    report = facts.reports.get(target.path)
    if report is None:
        return
    for f in report.findings:
        # High already where it stands: build scripts that fetch tools judge medium.
        if f.rule in _IMPORTED_THREATS and f.severity >= Severity.HIGH:
            yield replace(
                f,
                severity=Severity.CRITICAL,
                message=f"{f.message}; {t.source} runs {target.path} at install or start-up",
            )


# Rules whose hits in a module imported by setup.py or a .pth file run with it.
_IMPORTED_THREATS = frozenset(
    {
        "code/exfiltration",
        "code/host-info-exfiltration",
        "code/dns-exfiltration",
        "code/reverse-shell",
        "code/exec-decoded-payload",
        "code/exec-remote-code",
        "code/download-execute",
        "code/stealer-target-access",
        "code/persistence",
    }
)


def _imported_payloads(facts: PackageFacts) -> Iterable[Finding]:
    """Threat findings of local modules that install-time or start-up code imports.

    Such a module (even one under `tests/`, which is judged leniently on its own)
    runs, and its functions are called, at install or interpreter start.
    """
    where = contexts(facts)
    for seed, modules in sorted(facts.imports.items()):
        if where.get(seed) not in (ExecContext.INSTALL, ExecContext.STARTUP):
            continue
        for module in sorted(modules):
            for path in _module_paths(module):
                report = facts.reports.get(path)
                if report is None or path == seed:
                    continue
                for f in report.findings:
                    if f.rule in _IMPORTED_THREATS and f.severity >= Severity.MEDIUM:
                        yield replace(
                            f,
                            severity=Severity.CRITICAL,
                            message=f"{f.message}; imported by {seed}, so it runs at install "
                            "or start-up",
                        )


def _module_paths(module: str) -> tuple[str, ...]:
    rel = module.replace(".", "/")
    return tuple(f"{root}{rel}{tail}" for root in ("", "src/") for tail in (".py", "/__init__.py"))


def _cross_file(facts: PackageFacts) -> Iterable[Finding]:
    where = contexts(facts)
    seeds = [p for p in facts.reports if where.get(p) in (ExecContext.INSTALL, ExecContext.STARTUP)]
    if not seeds:
        return
    reached: dict[str, frozenset[Capability]] = {}
    for seed in seeds:
        reached[seed] = facts.reports[seed].capabilities
        for module in facts.imports.get(seed, frozenset()):
            for candidate in _module_paths(module):
                if candidate in facts.reports:
                    reached[candidate] = facts.reports[candidate].capabilities
    readers = [p for p, caps in reached.items() if C.CREDENTIAL_READ in caps]
    senders = [p for p, caps in reached.items() if C.NETWORK in caps]
    if readers and senders and not set(readers) & set(senders):
        yield Finding(
            "code/cross-file-exfiltration",
            Severity.HIGH,
            f"{readers[0]} reads credentials and {senders[0]} uses the network, "
            "both at install or start-up",
            readers[0],
            confidence=0.8,
        )


def _combined(facts: PackageFacts) -> Iterable[Finding]:
    """Two findings in one file that together name a technique."""
    where = contexts(facts)
    for path, report in facts.reports.items():
        context = where.get(path)
        if context is None or context >= ExecContext.TEST:
            continue
        by_rule: dict[str, list[Finding]] = {}
        for f in report.findings:
            by_rule.setdefault(f.rule, []).append(f)
        behaviours: dict[str, Finding] = {}  # the most severe finding of each behaviour
        for f in report.findings:
            behaviour = BEHAVIOURS.get(f.rule)
            if behaviour is None or f.severity < Severity.MEDIUM:
                continue
            if behaviour not in behaviours or f.severity > behaviours[behaviour].severity:
                behaviours[behaviour] = f
        ranked = sorted(behaviours.items(), key=lambda kv: (-kv[1].severity, kv[1].line or 0))
        if len(ranked) >= 2 and ranked[0][1].severity >= Severity.HIGH:
            (first, seen), (second, _) = ranked[:2]
            yield Finding(
                COMBINED,
                Severity.HIGH,
                f"one file shows {first} and {second}",
                path,
                seen.line,
                seen.snippet,
                confidence=0.9,
            )
        sends = by_rule.get("code/suspicious-endpoint", [])
        credential = by_rule.get("code/webhook-exfil-endpoint", [])
        if credential and sends and path.lower().endswith((".py", ".pyw")):
            yield Finding(
                WEBHOOK_SENDER,
                Severity.CRITICAL,
                "a complete webhook or bot credential is shipped and the module posts to a "
                "webhook host",
                path,
                sends[0].line,
                sends[0].snippet,
                confidence=0.9,
            )
        if context is ExecContext.INSTALL:
            net_lines = {f.line for f in by_rule.get("code/install-time-network", [])}
            for f in sends:
                if f.line in net_lines and f.line is not None:
                    yield Finding(
                        INSTALL_BEACON,
                        Severity.CRITICAL,
                        "install-time code connects to a suspicious host",
                        path,
                        f.line,
                        f.snippet,
                        confidence=0.9,
                    )
                    break


# Data sent out, judged high in a file that runs at install or start-up: the engine that
# found it (the Python 2 fallback above all) may not have scaled it to that context.
_SENDS = frozenset({"code/exfiltration", "code/host-info-exfiltration", "code/dns-exfiltration"})


def _early_exfiltration(facts: PackageFacts) -> Iterable[Finding]:
    """Host, user or other data sent out by code that runs at install or start-up."""
    where = contexts(facts)
    for path, report in sorted(facts.reports.items()):
        if where.get(path) not in (ExecContext.INSTALL, ExecContext.STARTUP):
            continue
        for f in report.findings:
            if f.rule in _SENDS and f.severity is Severity.HIGH:
                yield replace(
                    f,
                    rule=EARLY_EXFIL,
                    severity=Severity.CRITICAL,
                    message=f"{f.message}; this file runs at install or start-up, so the "
                    "data leaves before anything is imported (a dependency-confusion probe, "
                    "or a theft)",
                )
                return


# "Little code": every importable module together is at most this big and this many.
_DROPPER_MAX_BYTES = 16 * 1024
_DROPPER_MAX_MODULES = 4
_IMPORTABLE = (ExecContext.IMPORT, ExecContext.MODULE)
# The walker reports a download written and run by one routine with confidence 0.85, and
# a download in one helper with a run in another (weaker: "run" may be any program the
# caller starts, such as `git`) with 0.8; only the first makes a package a dropper.
_ONE_ROUTINE = 0.85


def _dropper_package(facts: PackageFacts) -> Iterable[Finding]:
    """A download-and-run routine that is most of what a small package's code does."""
    modules = [
        f
        for f in facts.files
        if f.context in _IMPORTABLE and f.path.lower().endswith((".py", ".pyw")) and f.size
    ]
    if not modules or len(modules) > _DROPPER_MAX_MODULES:
        return
    if sum(f.size for f in modules) > _DROPPER_MAX_BYTES:
        return
    for f in modules:
        report = facts.reports.get(f.path)
        found = [
            x
            for x in (report.findings if report else ())
            if x.rule == "code/download-execute"
            and x.severity >= Severity.MEDIUM
            and x.confidence >= _ONE_ROUTINE
        ]
        if found:
            yield Finding(
                DROPPER_PACKAGE,
                Severity.CRITICAL,
                f"the package's code is {len(modules)} small module(s), and this one "
                "downloads a file and runs it",
                f.path,
                found[0].line,
                found[0].snippet,
                confidence=0.85,
            )
            return


# The walker's finding on `__pyarmor__(__name__, __file__, b'...')`, a packed module's
# body; the runtime's own loader code names `__pyarmor__` without being packed.
_PACKERS = frozenset({"code/pyarmor-obfuscation"})
_RUNS = (ExecContext.INSTALL, ExecContext.STARTUP, ExecContext.IMPORT, ExecContext.MODULE)


def _packed_pure(facts: PackageFacts) -> Iterable[Finding]:
    """Code that runs when the pure package is installed or used, packed beyond analysis."""
    if not facts.pure:
        return
    where = {f.path: f.context for f in facts.files}
    for path, report in sorted(facts.reports.items()):
        if where.get(path, ExecContext.MODULE) not in _RUNS:
            continue
        packed = next(
            (
                f
                for f in report.findings
                if f.rule in _PACKERS and f.message.startswith(PACKED_MESSAGE)
            ),
            None,
        )
        if packed is not None:
            yield Finding(
                PACKED,
                Severity.CRITICAL,
                "code of this pure-Python package is PyArmor-packed: what it does when "
                "imported or installed cannot be analysed",
                path,
                packed.line,
                packed.snippet,
                confidence=0.85,
            )
            return


def _install_summary(facts: PackageFacts) -> Iterable[Finding]:
    install = [f.path for f in facts.files if f.context is ExecContext.INSTALL]
    caps: set[Capability] = set()
    for path in install:
        report = facts.reports.get(path)
        if report is not None:
            caps |= report.capabilities & _INSTALL_CAPS
    if caps:
        names = ", ".join(sorted(c.value for c in caps))
        yield Finding(
            "code/install-time-code",
            Severity.LOW,
            f"install-time code does more than call setup(): {names}",
            install[0],
            confidence=1.0,
        )


def package_findings(facts: PackageFacts) -> tuple[list[Finding], frozenset[Capability]]:
    """Findings and capabilities that only show when the whole package is seen."""
    findings = [
        *_binary_findings(facts),
        *_exec_findings(facts),
        *_cross_file(facts),
        *_imported_payloads(facts),
        *_combined(facts),
        *_dropper_package(facts),
        *_packed_pure(facts),
        *_early_exfiltration(facts),
        *_install_summary(facts),
    ]
    findings += metadata_findings(facts, findings)
    caps: set[Capability] = set()
    if any(f.binary for f in facts.files):
        caps.add(C.NATIVE_BINARY)
    if any(f.rule == "code/install-time-code" for f in findings):
        caps.add(C.INSTALL_TIME)
    if any(f.rule == "code/exec-non-python-file" for f in findings):
        caps.add(C.DYNAMIC_CODE)
    return findings, frozenset(caps)


def contexts(facts: PackageFacts) -> Mapping[str, ExecContext]:
    """The execution context of every member, by path."""
    return {f.path: f.context for f in facts.files}
