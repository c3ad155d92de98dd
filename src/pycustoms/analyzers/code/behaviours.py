"""Threat rules grouped by the behaviour they name.

`package_rules` counts behaviours, not rules, when two in one file make a technique;
`metadata_rules` weighs a suspicious identity more when the code shows a threat.
"""

from __future__ import annotations

# A reverse shell found twice, by its socket and by its command line, is one behaviour.
# Modifiers (gating on the environment, sleeping first, obfuscation) are not behaviours.
BEHAVIOURS: dict[str, str] = {
    f"code/{rule}": behaviour
    for behaviour, rules in {
        "a reverse shell": "reverse-shell reverse-shell-command",
        "a download to run": "download-command powershell-download-cradle "
        "powershell-hidden-encoded lolbin-download shell-download-exec download-execute "
        "dropper-package",
        "execution of hidden or fetched code": "exec-remote-code exec-decoded-payload "
        "exec-obfuscated-string exec-file-content exec-encoded-blob",
        "data sent out": "exfiltration host-info-exfiltration dns-exfiltration "
        "credential-exfil webhook-credential-sender install-time-exfiltration out-of-band-probe",
        "install-time network access": "install-time-network install-time-beacon",
        "an install-time command": "install-time-command",
        "credential or wallet theft": "stealer-target-access browser-credential-store "
        "credential-file-access credential-file-sweep",
        "persistence": "persistence",
        "a suspicious endpoint": "suspicious-endpoint request-catcher-endpoint "
        "paste-site-endpoint tunnel-endpoint webhook-exfil-endpoint raw-ip-url",
        "surveillance": "surveillance",
        "a shellcode loader": "shellcode-loader",
        "defences switched off": "defense-evasion",
        "cloud credential access": "cloud-metadata-access",
    }.items()
    for rule in rules.split()
}

# Behaviours that are a threat by themselves. A host named in the code, network or a
# command at install time are what a threat uses, and are weighed where they occur.
THREATS = frozenset(BEHAVIOURS.values()) - {
    "a suspicious endpoint",
    "install-time network access",
    "an install-time command",
}
