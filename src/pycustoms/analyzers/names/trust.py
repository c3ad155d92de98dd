"""The hosts pip on this machine trusts as its index, read at run time.

The public index's host is never written in pycustoms: it comes from the
installed pip's own configuration (`PIP_INDEX_URL`, pip.conf) or, when none is
set, from pip's built-in default.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

_INDEX_KEYS = ("index-url", "extra-index-url")


def _hosts_of(urls: str) -> list[str]:
    hosts: list[str] = []
    for url in urls.split():
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname:
            hosts.append(parts.hostname.lower())
    return hosts


def _pip_config_items() -> list[tuple[str, str]]:
    """pip's merged configuration as `(section.key, value)` pairs."""
    try:
        from pip._internal.configuration import Configuration  # noqa: PLC0415

        configuration = Configuration(isolated=False)
        configuration.load()
        return [(k, str(v)) for k, v in configuration.items()]
    except Exception:  # noqa: BLE001, S110 - pip internals change; fall back to its CLI
        pass
    try:
        listing = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    items: list[tuple[str, str]] = []
    for line in listing.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            items.append((key.strip(), value.strip().strip("'\"")))
    return items


def pip_default_hosts() -> list[str]:
    """The host of pip's built-in default index and the file host its pages point to."""
    try:
        from pip._internal.models.index import PyPI  # noqa: PLC0415
    except ImportError:
        return []
    hosts = [PyPI.netloc, PyPI.file_storage_domain]
    return [h.lower() for h in hosts if h]


def pip_trusted_hosts(environ: Mapping[str, str] | None = None) -> list[str]:
    """Hosts of the indexes pip is configured with, else of pip's default index.

    Environment variables (`PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`) and pip's
    configuration files both count. The default index (and its file host) is
    added when no `index-url` is configured, as pip itself would use it.
    """
    env = os.environ if environ is None else environ
    hosts: list[str] = []
    has_index = False
    for variable in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        if env.get(variable):
            hosts += _hosts_of(env[variable])
            has_index = has_index or variable == "PIP_INDEX_URL"
    for key, value in _pip_config_items():
        option = key.rsplit(".", 1)[-1]
        if option in _INDEX_KEYS:
            hosts += _hosts_of(value)
            has_index = has_index or option == "index-url"
    if not has_index:
        hosts += pip_default_hosts()
    return list(dict.fromkeys(hosts))
