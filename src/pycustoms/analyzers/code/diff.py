"""Capability diff between two releases of one project (`scan --diff`).

A takeover release typically gains what the project never needed: network
access from install-time code, process spawning, credential reads. The set
difference of capabilities is that signal, turned into one finding.
"""

from __future__ import annotations

from pycustoms.analyzers.code import CodeReport
from pycustoms.types import Capability, Finding, Severity

# Gaining any of these is how a compromised release usually differs from its predecessor.
SEVERE_GAINS = frozenset(
    {
        Capability.NETWORK,
        Capability.PROCESS,
        Capability.CREDENTIAL_READ,
        Capability.DYNAMIC_CODE,
        Capability.INSTALL_TIME,
    }
)
RULE_ID = "code/capability-gained"


def capability_diff(old: CodeReport, new: CodeReport) -> frozenset[Capability]:
    """Capabilities that *new* has and *old* did not."""
    return new.capabilities - old.capabilities


def capability_gained_finding(
    old: CodeReport, new: CodeReport, *, previous: str = "the previous release"
) -> Finding | None:
    """A `code/capability-gained` finding for what *new* gained over *old*, or None.

    High when the gain includes network, process, credential, dynamic-code or
    install-time capabilities; medium otherwise.
    """
    gained = capability_diff(old, new)
    if not gained:
        return None
    severity = Severity.HIGH if gained & SEVERE_GAINS else Severity.MEDIUM
    names = ", ".join(sorted(c.value for c in gained))
    return Finding(RULE_ID, severity, f"gained capabilities since {previous}: {names}")
