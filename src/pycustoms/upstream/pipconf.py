"""Find the index pip on this host is configured with.

Order, later wins, as pip reads it: global files, user files, the site file of
the running environment, the file named by `PIP_CONFIG_FILE`, then the
`PIP_INDEX_URL` / `PIP_EXTRA_INDEX_URL` variables. In each file the `[install]`
section overrides `[global]`. With no setting anywhere, pip's own built-in
default is asked from the installed pip (`pip_default_index`), so that no index
host name is written into pycustoms.

This is the one reader of pip's configuration: the index the upstream client asks
(`discover`) and the hosts the names checks trust (`pip_trusted_hosts`) both come
from here.
"""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pycustoms.analyzers.names.hosts import hosts_of
from pycustoms.errors import ConfigError


@dataclass(frozen=True, slots=True)
class PipIndexes:
    """The primary index and extra indexes, with where the primary one came from."""

    index_url: str
    extra_index_urls: tuple[str, ...] = ()
    origin: str = "pip default"


def pip_default_index() -> str:
    """The simple-API URL pip uses when nothing is configured, read from the installed pip.

    This module is the only place pycustoms touches pip's private modules.
    """
    try:
        from pip._internal.models.index import PyPI  # noqa: PLC0415 - private, isolated here
    except ImportError:
        raise ConfigError(
            "no package index is configured and pip is not installed to supply its default; "
            "pass --index-url or set PYCUSTOMS_INDEX_URL"
        ) from None
    url = getattr(PyPI, "simple_url", None)
    if not isinstance(url, str) or not url:
        raise ConfigError(
            "this pip version does not expose its default index; "
            "pass --index-url or set PYCUSTOMS_INDEX_URL"
        )
    return url


def config_files(environ: Mapping[str, str], home: Path | None = None) -> list[Path]:
    """pip's configuration files in the order pip reads them (missing files included)."""
    if environ.get("PIP_CONFIG_FILE") == os.devnull:
        return []
    home = home or Path.home()
    files: list[Path] = []
    xdg_dirs = environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
    files += [Path(d) / "pip" / "pip.conf" for d in xdg_dirs if d]
    files.append(Path("/etc/pip.conf"))
    if sys.platform == "win32":
        appdata = environ.get("APPDATA")
        files += [home / "pip" / "pip.ini"] + (
            [Path(appdata) / "pip" / "pip.ini"] if appdata else []
        )
    elif sys.platform == "darwin":
        files += [home / ".pip" / "pip.conf", home / "Library/Application Support/pip/pip.conf"]
    else:
        xdg_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
        files += [home / ".pip" / "pip.conf", xdg_home / "pip" / "pip.conf"]
    files.append(Path(sys.prefix) / ("pip.ini" if sys.platform == "win32" else "pip.conf"))
    if named := environ.get("PIP_CONFIG_FILE"):
        files.append(Path(named))
    return files


def _split(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.split() if part)


def _read(path: Path) -> configparser.ConfigParser | None:
    """One pip configuration file, or `None` if there is none at *path*."""
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"pip configuration {path} cannot be read ({exc})") from None
    return parser


def pip_default_hosts() -> tuple[str, ...]:
    """The host of pip's built-in default index and the file host its pages link to,
    from the installed pip (empty when pip is not installed)."""
    try:
        from pip._internal.models.index import PyPI  # noqa: PLC0415 - private, isolated here
    except ImportError:
        return ()
    hosts = (getattr(PyPI, "netloc", ""), getattr(PyPI, "file_storage_domain", ""))
    return tuple(h.lower() for h in hosts if isinstance(h, str) and h)


def configured_index_urls(
    environ: Mapping[str, str] | None = None, files: Sequence[Path] | None = None
) -> tuple[tuple[str, ...], bool]:
    """Every index URL pip's configuration names anywhere, and whether any is an
    `index-url` (rather than only extra indexes).

    Unlike `discover`, nothing is overridden: `index-url` and `extra-index-url` of
    every section of every file, then `PIP_INDEX_URL` / `PIP_EXTRA_INDEX_URL`. These
    are the hosts the person running pip has chosen to trust.
    """
    env = os.environ if environ is None else environ
    urls: list[str] = []
    has_index = False
    for variable, primary in (("PIP_INDEX_URL", True), ("PIP_EXTRA_INDEX_URL", False)):
        if value := env.get(variable):
            urls += _split(value)
            has_index = has_index or primary
    for path in config_files(env) if files is None else files:
        parser = _read(path)
        if parser is None:
            continue
        for section in parser.sections():
            for option, primary in (("index-url", True), ("extra-index-url", False)):
                if value := parser.get(section, option, fallback=None):
                    urls += _split(value)
                    has_index = has_index or primary
    return tuple(dict.fromkeys(urls)), has_index


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


def discover(
    environ: Mapping[str, str] | None = None, files: Sequence[Path] | None = None
) -> PipIndexes:
    """The indexes pip on this host would use (see the module docstring for the order)."""
    env = os.environ if environ is None else environ
    index_url: str | None = None
    extras: tuple[str, ...] = ()
    origin = "pip default"
    for path in config_files(env) if files is None else files:
        parser = _read(path)
        if parser is None:
            continue
        for section in ("global", "install"):
            if not parser.has_section(section):
                continue
            if value := parser.get(section, "index-url", fallback=None):
                index_url, origin = value.strip(), str(path)
            if value := parser.get(section, "extra-index-url", fallback=None):
                extras = _split(value)
    if value := env.get("PIP_INDEX_URL"):
        index_url, origin = value.strip(), "PIP_INDEX_URL"
    if value := env.get("PIP_EXTRA_INDEX_URL"):
        extras = _split(value)
    if index_url is None:
        index_url = pip_default_index()
    return PipIndexes(index_url, extras, origin)
