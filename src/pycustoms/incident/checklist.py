"""From what a package's code could reach to what to rotate: a pure function of rule ids.

The rules are the scanner's stable ids (`code/credential-file-access` ...); their
capabilities come from the rule catalogue, so a new rule with a declared capability
is covered by the generic items even before it gets its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from pycustoms.incident.model import ChecklistItem
from pycustoms.rules import describe
from pycustoms.types import Capability

# (rule ids, action, why). Order is the order of the checklist.
_SPECIFIC: tuple[tuple[frozenset[str], str, str], ...] = (
    (
        frozenset({"code/cloud-metadata-access", "code/cloud-metadata-endpoint"}),
        "Rotate cloud credentials (AWS/GCP/Azure keys and instance-role sessions)",
        "the code reads the cloud instance-metadata endpoint",
    ),
    (
        frozenset(
            {
                "code/credential-file-access",
                "code/credential-path",
                "code/credential-file-sweep",
                "code/credential-exfil",
            }
        ),
        "Rotate AWS keys (~/.aws/credentials), SSH keys (~/.ssh), registry and git tokens "
        "(~/.pypirc, ~/.netrc, ~/.docker/config.json, ~/.git-credentials), kubeconfigs",
        "the code opens credential files",
    ),
    (
        frozenset(
            {"code/stealer-target-access", "code/browser-credential-store", "code/stealer-markers"}
        ),
        "Reset browser-saved passwords and sessions, chat tokens and wallet keys of the users",
        "the code reads browser, chat-token or wallet stores",
    ),
    (
        frozenset({"code/environment-dump"}),
        "Rotate CI tokens and every secret passed in environment variables",
        "the code serialises the whole environment",
    ),
    (
        frozenset({"code/exfiltration", "code/host-info-exfiltration", "code/dns-exfiltration",
                   "code/cross-file-exfiltration"}),
        "Treat everything the process could read as disclosed; review outbound logs",
        "the code sends data over the network",
    ),
    (
        frozenset({"code/persistence", "code/persistence-marker", "code/pth-executes-payload",
                   "code/pth-import-hook"}),
        "Rebuild affected machines and images; do not clean in place",
        "the code installs itself to run again (persistence, .pth hooks)",
    ),
    (
        frozenset({"code/reverse-shell", "code/reverse-shell-command", "code/shellcode-loader",
                   "code/download-execute", "code/shell-download-exec"}),
        "Isolate affected hosts and review their process and network history",
        "the code opens a remote shell or runs downloaded code",
    ),
)  # fmt: skip

_BY_CAPABILITY: dict[Capability, tuple[str, str]] = {
    Capability.CREDENTIAL_READ: (
        "Rotate credentials stored on affected machines (files under the home directory)",
        "the code can read credential files",
    ),
    Capability.ENV_READ: (
        "Rotate secrets exposed through environment variables (CI tokens, API keys)",
        "the code reads environment variables",
    ),
    Capability.INSTALL_TIME: (
        "Assume code ran at install time with the installer's privileges",
        "the package runs code while it is installed",
    ),
}


def build_checklist(rules: Iterable[str], destinations: Iterable[str]) -> tuple[ChecklistItem, ...]:
    """The rotation checklist for *rules* (scanner rule ids) and network *destinations*."""
    ids = sorted(set(rules))
    items: list[ChecklistItem] = []
    covered: set[str] = set()
    for group, action, why in _SPECIFIC:
        hit = tuple(r for r in ids if r in group)
        if hit:
            items.append(ChecklistItem(action, why, hit))
            covered.update(hit)
    capabilities: dict[Capability, list[str]] = {}
    for rule in ids:
        capability = describe(rule).capability
        if capability is not None and rule not in covered:
            capabilities.setdefault(capability, []).append(rule)
    for capability, (action, why) in _BY_CAPABILITY.items():
        if capability in capabilities and not any(i.action == action for i in items):
            items.append(ChecklistItem(action, why, tuple(capabilities[capability])))
    network = tuple(sorted(capabilities.get(Capability.NETWORK, [])))
    items.extend(
        ChecklistItem(
            f"Block egress to {destination} and search proxy/DNS logs for it",
            "the code contacts this destination",
            network,
        )
        for destination in sorted(set(destinations))
    )
    if ids and not items:
        items.append(
            ChecklistItem(
                "Remove the release from affected environments and reinstall from a clean lock",
                "the release is blocked; its code showed no credential, environment or "
                "network access",
                tuple(ids),
            )
        )
    return tuple(items)


def capabilities_of(rules: Iterable[str]) -> tuple[str, ...]:
    """The capabilities named by *rules* in the catalogue, sorted."""
    found = {describe(r).capability for r in rules}
    return tuple(sorted(c.value for c in found if c is not None))
