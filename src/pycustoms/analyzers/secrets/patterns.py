"""The kinds of secrets: a pattern that finds a candidate, and the checks that keep it.

Each kind names one issuer's token format (its documented prefix and alphabet)
or one kind of credential file. A candidate must also look live: long enough,
not a documented example or a placeholder, not all one character, and (for the
generic kinds) of enough entropy. What is found is reported by kind and place;
the value itself never leaves the scanner.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of secret."""

    id: str  # the rule id's tail: `secrets/<id>`
    title: str
    pattern: re.Pattern[bytes]
    min_entropy: float = 0.0  # bits per character of the captured value


def _kind(ident: str, title: str, pattern: str, min_entropy: float = 0.0) -> Kind:
    return Kind(ident, title, re.compile(pattern.encode()), min_entropy)


# The value is group 1 wherever there is a group, else the whole match.
KINDS: tuple[Kind, ...] = (
    _kind("private-key", "private key (PEM or OpenSSH)",
          r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
          r"\s*([A-Za-z0-9+/=\s:,-]{64,})"),
    _kind("package-index-token", "package index API token",
          r"\b(pypi-AgE[A-Za-z0-9_-]{50,})"),
    _kind("aws-access-key", "AWS access key id",
          r"\b((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b"),
    _kind("aws-secret-key", "AWS secret access key",
          r"(?i)aws_?secret_?access_?key\s*[=:]\s*[\"']?([A-Za-z0-9/+=]{40})\b", 4.0),
    _kind("github-token", "GitHub token",
          r"\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,})\b"),
    _kind("gitlab-token", "GitLab token", r"\b(glpat-[A-Za-z0-9_-]{20,})\b"),
    _kind("slack-token", "Slack token", r"\b(xox[abposr]-[A-Za-z0-9-]{20,})\b"),
    _kind("npm-token", "npm token", r"\b(npm_[A-Za-z0-9]{36})\b"),
    _kind("google-api-key", "Google API key", r"\b(AIza[0-9A-Za-z_-]{35})\b"),
    _kind("stripe-key", "Stripe live secret key", r"\b((?:sk|rk)_live_[0-9A-Za-z]{24,})\b"),
    _kind("ai-api-key", "AI provider API key",
          r"\b(sk-(?:ant-(?:api|admin)\d{2}-|proj-)[A-Za-z0-9_-]{40,})"),
    _kind("telegram-bot-token", "Telegram bot token", r"\b(\d{8,10}:AA[A-Za-z0-9_-]{33})\b"),
    _kind("discord-webhook", "Discord webhook with its secret",
          r"discord(?:app)?\.com/api/webhooks/\d{17,20}/([A-Za-z0-9_-]{60,70})"),
    _kind("password-in-url", "password in a URL",
          r"\b[a-z][a-z0-9+.-]*://[^/\s:@\"']{1,64}:([^/\s@\"']{8,64})@[A-Za-z0-9.-]+", 3.0),
)  # fmt: skip

# Credential files that have no place in a distribution, by base name.
CREDENTIAL_FILES: dict[str, str] = {
    ".pypirc": "package index credentials file (.pypirc)",
    ".netrc": "netrc credentials file",
    "_netrc": "netrc credentials file",
    ".npmrc": "npm credentials file (.npmrc)",
    ".git-credentials": "git credentials file",
    "id_rsa": "SSH private key file",
    "id_ed25519": "SSH private key file",
    "id_ecdsa": "SSH private key file",
    "credentials.json": "cloud credentials file",
    "service-account.json": "cloud service-account key",
}
# `.env` files hold KEY=value lines; one whose values look live is a secrets file.
ENV_FILE = re.compile(r"(?:^|/)\.env(?:\.[\w-]+)?$")
ENV_SECRET_LINE = re.compile(
    rb"(?im)^\s*(?:export\s+)?[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|APIKEY|"
    rb"PRIVATE_KEY|ACCESS_KEY)[A-Z0-9_]*\s*=\s*[\"']?([^\s\"'#]{12,})"
)
PYPIRC_PASSWORD = re.compile(rb"(?im)^\s*password\s*[=:]\s*(\S{8,})")

# Values documentation and tests use: never reported.
_PLACEHOLDER = re.compile(
    rb"(?i)example|sample|dummy|placeholder|changeme|your[_-]?|xxxx|0000000|1234567|abcdef|"
    rb"fake|redacted|\*\*\*|<[^>]+>|\$\{|%\(|\{\{"
)


def shannon(value: bytes) -> float:
    """Shannon entropy of *value* in bits per byte."""
    if not value:
        return 0.0
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in Counter(value).values())


def looks_live(value: bytes, min_entropy: float) -> bool:
    """True unless *value* is a placeholder, an example, repetitive or too plain."""
    if _PLACEHOLDER.search(value) or len(set(value)) < 6:
        return False
    return shannon(value) >= min_entropy
