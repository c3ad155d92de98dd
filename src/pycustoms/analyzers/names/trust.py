"""The hosts pip on this machine trusts as its index.

The public index's host is never written in pycustoms: it comes from the
installed pip's own configuration (`PIP_INDEX_URL`, pip.conf) or, when none is
set, from pip's built-in default. Reading pip's configuration is the one reader in
`pycustoms.upstream.pipconf`; this module only turns its URLs into host names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from pycustoms.upstream.pipconf import configured_index_urls, pip_default_hosts


def hosts_of(urls: Iterable[str]) -> list[str]:
    """The lower-case host names of the http(s) URLs among *urls*."""
    hosts: list[str] = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname:
            hosts.append(parts.hostname.lower())
    return hosts


def pip_trusted_hosts(
    environ: Mapping[str, str] | None = None, files: Sequence[Path] | None = None
) -> list[str]:
    """Hosts of the indexes pip is configured with, else of pip's default index.

    Environment variables (`PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`) and pip's
    configuration files both count. The default index (and its file host) is
    added when no `index-url` is configured, as pip itself would use it. *files*
    replaces pip's list of configuration files (tests).
    """
    urls, has_index = configured_index_urls(environ, files)
    hosts = hosts_of(urls)
    if not has_index:
        hosts += pip_default_hosts()
    return list(dict.fromkeys(hosts))
