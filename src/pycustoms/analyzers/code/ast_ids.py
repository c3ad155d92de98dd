"""Rule ids of the `ast` walk, shared by the walker, its sink families and the text fallback.

Each id is declared with its meaning in `ast_rules.RULES` (the whitespace-padding
one in `text_stats.RULES`); this module only names them, so that every module
that records a hit spells the id once.
"""

from __future__ import annotations

EXEC_DECODED = "code/exec-decoded-payload"
EXEC_REMOTE = "code/exec-remote-code"
EXEC_FILE = "code/exec-file-content"
EXEC_BUILT = "code/exec-obfuscated-string"
OBF_IMPORT = "code/obfuscated-import"
OBF_ATTR = "code/obfuscated-attribute"
CHAR_CODES = "code/char-code-string"
UNICODE_ID = "code/unicode-identifier"
LONG_EXPR = "code/very-long-expression"
PYARMOR = "code/pyarmor-obfuscation"
INSTALL_NET = "code/install-time-network"
INSTALL_PROC = "code/install-time-process"
INSTALL_CMD = "code/install-time-command"
SUSPICIOUS_HOST = "code/suspicious-endpoint"
DOWNLOAD_CMD = "code/download-command"
DOWNLOAD_EXEC = "code/download-execute"
EXFIL = "code/exfiltration"
HOST_EXFIL = "code/host-info-exfiltration"
DNS_EXFIL = "code/dns-exfiltration"
CRED_ACCESS = "code/credential-file-access"
STEALER = "code/stealer-target-access"
METADATA = "code/cloud-metadata-access"
ENV_DUMP = "code/environment-dump"
SURVEIL = "code/surveillance"
PERSIST = "code/persistence"
EVADE = "code/defense-evasion"
REVSHELL = "code/reverse-shell"
SHELLCODE = "code/shellcode-loader"
GATED = "code/environment-gated-payload"
SLEEP = "code/sleep-before-payload"
BACKGROUND_IMPORT = "code/background-interpreter"
OBF_SCRIPT = "code/obfuscated-script-written"
HIDDEN_CODE = "code/whitespace-padding"
