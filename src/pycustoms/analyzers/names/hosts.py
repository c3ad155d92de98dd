"""Look-alike, plain-HTTP and credential-bearing index URLs.

`check_index_url` judges one URL against the hosts the user trusts. Trusted hosts
are always passed in: the CLI reads them from pip's own configuration at run
time (`pycustoms.upstream.pipconf.pip_trusted_hosts`), so no index host is written here.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from pycustoms.analyzers.names.forms import skeleton
from pycustoms.types import Finding, Severity

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
_ENV_REFERENCE = re.compile(r"^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$")
_MIN_BRAND = 4


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance of *a* and *b*, or *limit* if it is at least that."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return min(previous[-1], limit)


@cache
def _suffixes() -> PublicSuffixList:
    # The list bundled with the package: offline, and read once per process.
    return PublicSuffixList()


def registrable_domain(host: str) -> str:
    """The organisation's domain: `a.b.example.org` -> `example.org`, `a.x.co.uk` -> `x.co.uk`.

    From the Public Suffix List, private section included: `a.github.io` and
    `b.github.io` belong to different owners. A host that has no registrable part
    (an address, a bare suffix, a single label) is its own domain.
    """
    host = host.rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return _suffixes().privatesuffix(host) or host
    return host


def brand(host: str) -> str:
    """The distinctive label of a host: `packages.example.org` -> `example`."""
    return registrable_domain(host).split(".")[0]


def normalize_host(host: str) -> str:
    """Lower-case *host* without port or trailing dot; accepts a URL too."""
    text = host.strip().lower()
    if "//" not in text:
        text = "//" + text
    return (urlsplit(text).hostname or "").rstrip(".")


def is_trusted(host: str, trusted: Iterable[str]) -> bool:
    """True if *host* is a trusted host or a subdomain of one."""
    return any(host == t or host.endswith("." + t) for t in trusted)


def redact(url: str) -> str:
    """*url* with any password (or lone token) replaced by `***`."""
    parts = urlsplit(url)
    if not parts.username and not parts.password:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    userinfo = f"{user}:***" if parts.password else "***"
    return parts._replace(netloc=f"{userinfo}@{host}").geturl()


def lookalike_reason(host: str, trusted_host: str) -> str | None:
    """Why *host* imitates *trusted_host*, or `None` if it does not."""
    if host == trusted_host or registrable_domain(host) == registrable_domain(trusted_host):
        return None
    if len(trusted_host) >= 6 and edit_distance(host, trusted_host) <= 2:
        return f"{edit_distance(host, trusted_host)} edit(s) from {trusted_host}"
    ours, theirs = brand(host), brand(trusted_host)
    if len(theirs) < _MIN_BRAND:
        return None
    if ours == theirs:
        return f"same name as {trusted_host} under another domain"
    if skeleton(ours) == skeleton(theirs):
        return f"'{ours}' reads like '{theirs}' ({trusted_host}): look-alike letters"
    allowed = 1 if len(theirs) < 8 else 2
    if edit_distance(ours, theirs) <= allowed:
        return f"'{ours}' is one or two letters from '{theirs}' ({trusted_host})"
    if theirs in ours.split("-") or ours.startswith(theirs) or ours.endswith(theirs):
        return f"'{ours}' borrows the name '{theirs}' of {trusted_host}"
    return None


def check_index_url(
    url: str,
    trusted_hosts: Iterable[str],
    *,
    source: str | None = None,
    line: int | None = None,
) -> list[Finding]:
    """Findings for one index or find-links *url* given the *trusted_hosts*.

    Local paths and `file:` URLs are not judged. *source* and *line* say where the
    URL was read (a requirements file, pip.conf ...) and land in each finding.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return []
    host = (parts.hostname or "").rstrip(".")
    trusted = [normalize_host(t) for t in trusted_hosts if t.strip()]
    shown = redact(url)
    found: list[Finding] = []
    if scheme == "http":
        local = host in _LOOPBACK
        found.append(
            Finding(
                "names/plain-http-index",
                Severity.LOW if local else Severity.HIGH,
                f"index {shown} is plain HTTP: anyone on the path can swap packages; use https",
                file=source,
                line=line,
                snippet=shown,
            )
        )
    secret = parts.password or parts.username
    if secret and not _ENV_REFERENCE.match(secret):
        found.append(
            Finding(
                "names/credentials-in-url",
                Severity.MEDIUM,
                f"index URL {shown} carries credentials: they end up in logs and lock "
                "files; use a keyring, .netrc or an environment variable",
                file=source,
                line=line,
                snippet=shown,
            )
        )
    if host and not is_trusted(host, trusted):
        for trusted_host in trusted:
            reason = lookalike_reason(host, trusted_host)
            if reason is not None:
                found.append(
                    Finding(
                        "names/lookalike-host",
                        Severity.CRITICAL,
                        f"index host {host} looks like the trusted {trusted_host}: {reason}",
                        file=source,
                        line=line,
                        snippet=shown,
                    )
                )
                break
        else:
            for trusted_host in trusted:
                name = brand(trusted_host)
                if len(name) >= _MIN_BRAND and name in host.split("."):
                    found.append(
                        Finding(
                            "names/lookalike-host",
                            Severity.MEDIUM,
                            f"index host {host} uses the name '{name}' of {trusted_host} "
                            "on another domain; if it is your mirror, add it to trusted-hosts",
                            file=source,
                            line=line,
                            snippet=shown,
                            confidence=0.5,
                        )
                    )
                    break
    return found


def hosts_of(urls: Iterable[str]) -> list[str]:
    """The lower-case host names of the http(s) URLs among *urls*."""
    hosts: list[str] = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname:
            hosts.append(parts.hostname.lower())
    return hosts
