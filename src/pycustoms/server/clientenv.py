"""Which files an installer will pick: its environment read from its User-Agent.

pip and uv append a JSON object to their User-Agent (the "linehaul" form:
`pip/24.0 {"python":"3.12.1","implementation":{"name":"CPython"},"system":
{"name":"Linux"},"cpu":"x86_64","distro":{"libc":{"lib":"glibc","version":"2.36"}}}`).
From it `pick` chooses, among a page's newest release, the files that installer
is about to download, so that the server can fetch and scan them while the
installer is still reading the page. A guess only decides what is scanned
early: a file it misses is scanned on its own request, as before.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from pycustoms.server.filtering import ServedFile
from pycustoms.upstream.models import FileKind

# Legacy manylinux names and the glibc they stand for (PEP 600).
_LEGACY_GLIBC = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_MANYLINUX = re.compile(r"^(many|musl)linux_(\d+)_(\d+)_(.+)$")
_MACOS = re.compile(r"^macosx_\d+_\d+_(.+)$")
_WINDOWS = {"amd64": "win_amd64", "x86_64": "win_amd64", "arm64": "win_arm64", "x86": "win32"}


@dataclass(frozen=True, slots=True)
class ClientEnv:
    """What an installer said about the interpreter and platform it installs for."""

    python: tuple[int, int]
    implementation: str  # the tag prefix: "cp", "pp"
    system: str  # "linux", "macos", "windows" or another lower-case name
    cpu: str  # platform.machine(), lower case
    libc: str | None = None  # "glibc" or "musl" on Linux
    libc_version: tuple[int, int] | None = None


def _pair(text: object) -> tuple[int, int] | None:
    if not isinstance(text, str):
        return None
    parts = text.split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return int(parts[0]), int(parts[1])


@functools.lru_cache(maxsize=256)
def client_env(agent: str | None) -> ClientEnv | None:
    """The environment in a pip- or uv-style User-Agent, or `None` if it names none."""
    if not agent:
        return None
    start = agent.find("{")
    if start < 0:
        return None
    try:
        data = json.loads(agent[start:])
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    python = _pair(data.get("python"))
    impl = data.get("implementation")
    system = data.get("system")
    cpu = data.get("cpu")
    if python is None or not isinstance(impl, dict) or not isinstance(system, dict):
        return None
    if not isinstance(cpu, str) or not isinstance(system.get("name"), str):
        return None
    impl_name = str(impl.get("name", "")).lower()
    prefix = {"cpython": "cp", "pypy": "pp"}.get(impl_name, impl_name[:2])
    sysname = {"darwin": "macos"}.get(system["name"].lower(), system["name"].lower())
    libc: str | None = None
    libc_version: tuple[int, int] | None = None
    distro = data.get("distro")
    if isinstance(distro, dict) and isinstance(distro.get("libc"), dict):
        lib = str(distro["libc"].get("lib", "")).lower()
        libc = "musl" if "musl" in lib else "glibc" if lib else None
        libc_version = _pair(distro["libc"].get("version"))
    return ClientEnv(python, prefix, sysname, cpu.lower(), libc, libc_version)


def _platform_rank(platform: str, env: ClientEnv) -> int | None:
    """2 for a platform-specific match, 1 for `any`, `None` for a platform *env* cannot use."""
    if platform == "any":
        return 1
    cpu = env.cpu
    if env.system == "linux":
        if platform == f"linux_{cpu}":
            return 2
        legacy = next((v for k, v in _LEGACY_GLIBC.items() if platform == f"{k}_{cpu}"), None)
        if legacy is not None:
            return 2 if env.libc != "musl" and _glibc_ok(legacy, env) else None
        match = _MANYLINUX.match(platform)
        if match is None or match.group(4) != cpu:
            return None
        wanted = "musl" if match.group(1) == "musl" else "glibc"
        if (env.libc or "glibc") != wanted:
            return None
        return 2 if _glibc_ok((int(match.group(2)), int(match.group(3))), env) else None
    if env.system == "macos":
        match = _MACOS.match(platform)
        if match is None:
            return None
        arch = match.group(1)
        ok = (
            arch == cpu
            or arch in ("universal2", "universal")
            or (arch, cpu)
            == (
                "arm64",
                "aarch64",
            )
        )
        return 2 if ok else None
    if env.system == "windows":
        return 2 if platform == _WINDOWS.get(cpu) else None
    return None


def _glibc_ok(needed: tuple[int, int], env: ClientEnv) -> bool:
    # An installer that did not say which libc version it has: assume a current one.
    return env.libc_version is None or needed <= env.libc_version


def _tag_rank(tag: Tag, env: ClientEnv) -> int | None:
    """How well one wheel tag fits *env* (higher is better), or `None` if it does not."""
    major, minor = env.python
    interp, abi = tag.interpreter, tag.abi
    if interp.startswith("py"):
        version = interp[2:]
        if version not in (str(major), f"{major}{minor}") and not (
            version.startswith(str(major)) and version[1:].isdigit() and int(version[1:]) <= minor
        ):
            return None
        if abi != "none":
            return None
        specific = 0
    elif interp.startswith(env.implementation):
        version = interp[len(env.implementation) :]
        if not version.isdigit() or not version.startswith(str(major)):
            return None
        tag_minor = int(version[1:] or 0)
        if abi == "abi3":
            if tag_minor > minor:
                return None
        elif tag_minor != minor or abi not in (f"{env.implementation}{major}{minor}", "none"):
            return None
        specific = 1
    else:
        return None
    platform = _platform_rank(tag.platform, env)
    if platform is None:
        return None
    return platform * 2 + specific


def _wheel_rank(filename: str, env: ClientEnv) -> int | None:
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return None
    ranks = [r for r in (_tag_rank(tag, env) for tag in tags) if r is not None]
    return max(ranks) if ranks else None


def pick(files: Sequence[ServedFile], env: ClientEnv | None, limit: int) -> list[ServedFile]:
    """Up to *limit* files of the newest listed release that *env*'s installer would fetch.

    The wheels that fit, the best fit first; the sdist when no wheel fits. Without
    an environment (another installer, a browser): the newest release's first files.
    """
    listed = [f for f in files if f.version is not None and not f.file.is_yanked]
    if limit <= 0 or not listed:
        return []
    newest = max(f.version for f in listed if f.version is not None)
    release = [f for f in listed if f.version == newest]
    if env is None:
        return release[:limit]
    ranked: list[tuple[int, ServedFile]] = []
    for served in release:
        if served.file.kind is FileKind.WHEEL:
            rank = _wheel_rank(served.file.filename, env)
            if rank is not None:
                ranked.append((rank, served))
    if ranked:
        ranked.sort(key=lambda pair: -pair[0])
        return [served for _, served in ranked[:limit]]
    sdists = [f for f in release if f.file.kind is FileKind.SDIST]
    return sdists[:1]
