"""Capability diff between two releases of one project (`scan --diff`, `inspect --deep`).

A takeover release typically gains what the project never needed: network
access from install-time code, process spawning, credential reads. Each
capability gained becomes one `code/capability-gained` finding.
"""

from __future__ import annotations

from pycustoms.rules import Rule
from pycustoms.types import Capability, Finding, Severity

RULE_ID = "code/capability-gained"

# What a new release gaining each capability says about a possible takeover.
GAIN_SEVERITY: dict[Capability, Severity] = {
    Capability.NETWORK: Severity.HIGH,
    Capability.PROCESS: Severity.HIGH,
    Capability.CREDENTIAL_READ: Severity.HIGH,
    Capability.DYNAMIC_CODE: Severity.HIGH,
    Capability.INSTALL_TIME: Severity.HIGH,
    Capability.PERSISTENCE: Severity.HIGH,
    Capability.ENV_READ: Severity.MEDIUM,
    Capability.NATIVE_BINARY: Severity.MEDIUM,
}

RULES = (
    Rule(
        RULE_ID,
        Severity.HIGH,
        "Release gained a capability",
        "Compared with the previous release, the code can now do something it could not "
        "(network, processes, credentials, dynamic code, install-time code, persistence: high; "
        "environment reads, native binaries: medium). The typical shape of an account takeover.",
    ),
)


def capability_findings(
    old: frozenset[Capability], new: frozenset[Capability], *, previous: str
) -> list[Finding]:
    """One finding per capability in *new* that *old* (the release *previous*) lacked."""
    return [
        Finding(
            RULE_ID,
            GAIN_SEVERITY[capability],
            f"gained capability {capability.value!r} that {previous} did not have",
        )
        for capability in sorted(new - old)
    ]
