"""Where an upstream's pages may send the firewall for files (and redirects).

A hostile or compromised upstream can list any URL for a file: `file:///etc/passwd`
(the firewall would read a local file), `http://127.0.0.1:6379/` or a cloud
metadata address (it would reach internal hosts on the upstream's behalf). A
file URL is fetched only when it stays on the upstream's own origin (scheme,
host, port), or goes over HTTPS to a host the operator allowed (`serve.files-hosts`;
by default pip's own files host when the upstream is pip's default index). A
`file://` upstream may only point inside its own directory (the mirror's root when
the directory is its `simple/`). Every redirect hop is held to the same rule.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from pycustoms.upstream.errors import UpstreamError

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower().rstrip("."), port


def _local(url: str) -> str:
    return os.path.realpath(Path(url2pathname(unquote(urlsplit(url).path))))


@dataclass(frozen=True, slots=True)
class FileOrigins:
    """The upstream's origin and the other hosts its file links may use."""

    upstream: str
    hosts: frozenset[str] = frozenset()

    def allows(self, url: str) -> bool:
        """True if the firewall may fetch *url* for this upstream."""
        scheme, host, port = _origin(url)
        own_scheme, own_host, own_port = _origin(self.upstream)
        if own_scheme == "file":
            if scheme != "file":
                return False
            root = Path(_local(self.upstream))
            if root.name == "simple":  # files beside it: ../files, ../packages
                root = root.parent
            return os.path.commonpath([str(root), _local(url)]) == str(root)
        if scheme not in ("http", "https") or not host:
            return False
        if (scheme, host, port) == (own_scheme, own_host, own_port):
            return True
        return scheme == "https" and host in self.hosts and port == 443

    def check(self, url: str) -> None:
        """Raise `UpstreamError` unless *url* may be fetched (the URL itself is not echoed)."""
        if not self.allows(url):
            scheme, host, _ = _origin(url)
            where = f"{scheme}://{host}" if host else f"a {scheme or 'relative'} URL"
            raise UpstreamError(
                f"the upstream links a file on {where}, outside its own origin and the allowed "
                "files hosts (serve.files-hosts); refused"
            )


def default_files_hosts(upstream: str) -> frozenset[str]:
    """pip's files host when *upstream* is pip's own default index, else none."""
    try:
        from pip._internal.models.index import PyPI  # noqa: PLC0415 - private, isolated here
    except ImportError:
        return frozenset()
    simple = getattr(PyPI, "simple_url", "")
    files = getattr(PyPI, "file_storage_domain", "")
    if (
        isinstance(simple, str)
        and isinstance(files, str)
        and files
        and upstream.rstrip("/") == simple.rstrip("/")
    ):
        return frozenset({files.lower()})
    return frozenset()
