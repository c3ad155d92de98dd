"""Core types passed between the stages of the pipeline.

Everything here is immutable. Analyzers produce `Finding`s, the policy turns them
into a `Verdict`; nothing downstream re-validates what these constructors accept.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import NewType

ProjectName = NewType("ProjectName", str)
"""A PEP 503-normalised project name."""

_SEPARATORS = re.compile(r"[-_.]+")


def normalize_name(name: str) -> ProjectName:
    """Return the PEP 503 normal form of *name* (lower case, runs of `-_.` become `-`)."""
    return ProjectName(_SEPARATORS.sub("-", name).lower())


class Severity(enum.IntEnum):
    """How bad a finding is on its own. Ordered, so `max()` and comparisons work."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a severity name case-insensitively; raise `ValueError` naming the choices."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r}; choose one of {choices}") from None

    @property
    def label(self) -> str:
        """The lower-case name used in every output format."""
        return self.name.lower()


class Decision(enum.StrEnum):
    """What happens to a subject."""

    ALLOW = "allow"
    WARN = "warn"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        """0 for allow, 1 for warn, 2 for block."""
        return {Decision.ALLOW: 0, Decision.WARN: 1, Decision.BLOCK: 2}[self]


class Capability(enum.StrEnum):
    """What a package's code is able to do, independent of whether it is malicious."""

    NETWORK = "network"
    PROCESS = "process-spawn"
    ENV_READ = "environment-read"
    CREDENTIAL_READ = "credential-read"
    DYNAMIC_CODE = "dynamic-code"
    INSTALL_TIME = "install-time-execution"
    NATIVE_BINARY = "native-binary"
    PERSISTENCE = "persistence"


class PackageKind(enum.StrEnum):
    """What kind of subject the files came from."""

    WHEEL = "wheel"
    SDIST = "sdist"
    EGG = "egg"
    DIRECTORY = "directory"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class Finding:
    """One observation by an analyzer, identified by a stable rule id.

    `rule` is a string like ``code/exec-decoded-payload``: its prefix before the
    slash is the category. `file` is a path relative to the subject's root
    (inside an archive: the member name, nested archives joined with ``!``).
    """

    rule: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    snippet: str | None = None
    confidence: float = 1.0

    def __post_init__(self) -> None:
        if "/" not in self.rule:
            raise ValueError(f"rule id {self.rule!r} must look like 'category/name'")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside [0, 1]")

    @property
    def category(self) -> str:
        """The part of the rule id before the slash (``code``, ``names``, ``archive`` ...)."""
        return self.rule.split("/", 1)[0]

    def sort_key(self) -> tuple[int, str, str, int]:
        """Most severe first, then by file, line and rule for stable output."""
        return (-int(self.severity), self.file or "", self.rule, self.line or 0)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The policy's decision on one subject, with the findings and reasons behind it."""

    decision: Decision
    score: int
    findings: tuple[Finding, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What `pycustoms scan` reports for one target."""

    target: str
    verdict: Verdict
    capabilities: frozenset[Capability] = field(default_factory=frozenset)
    files_scanned: int = 0
    bytes_scanned: int = 0
    error: str | None = None
