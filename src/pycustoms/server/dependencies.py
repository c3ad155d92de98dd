"""The dependencies an installer will ask for next, read from a scanned wheel's METADATA.

pip resolves one project at a time: it reads a wheel's dependencies, then asks
for their pages and files. The server can read the same `Requires-Dist` lines
as soon as the wheel is scanned and start fetching and scanning those projects
while the installer is still busy, so that a chain of waits becomes parallel
work. Markers are evaluated for the installer's environment (`clientenv`);
requirements behind an extra are left out (the server cannot know which extras
were asked for). Nothing here fetches: it only names projects.
"""

from __future__ import annotations

from email.parser import HeaderParser

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement

from pycustoms.server.clientenv import ClientEnv
from pycustoms.types import ProjectName, normalize_name

_PLATFORMS = {"linux": "linux", "macos": "darwin", "windows": "win32"}
_IMPLEMENTATIONS = {"cp": "cpython", "pp": "pypy"}
# A wheel naming more dependencies than this is followed no further (a cap on fan-out).
MAX_FOLLOWED = 64


def marker_environment(env: ClientEnv) -> dict[str, str]:
    """PEP 508 marker variables for *env* (what the User-Agent tells; the rest left generic)."""
    major, minor = env.python
    implementation = _IMPLEMENTATIONS.get(env.implementation, env.implementation)
    return {
        "python_version": f"{major}.{minor}",
        "python_full_version": f"{major}.{minor}.0",
        "implementation_name": implementation,
        "platform_python_implementation": {"cpython": "CPython", "pypy": "PyPy"}.get(
            implementation, implementation
        ),
        "sys_platform": _PLATFORMS.get(env.system, env.system),
        "platform_system": {"linux": "Linux", "macos": "Darwin", "windows": "Windows"}.get(
            env.system, env.system
        ),
        "os_name": "nt" if env.system == "windows" else "posix",
        "platform_machine": env.cpu,
        "platform_release": "",
        "platform_version": "",
        "implementation_version": f"{major}.{minor}.0",
        "extra": "",
    }


def dependencies(metadata: str, env: ClientEnv) -> list[ProjectName]:
    """The projects that the METADATA text *metadata* requires in *env* (no extras), in order."""
    variables = marker_environment(env)
    found: dict[ProjectName, None] = {}
    for line in HeaderParser().parsestr(metadata).get_all("Requires-Dist") or []:
        try:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate(variables):
                continue
        except (InvalidRequirement, InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
            continue
        found[normalize_name(requirement.name)] = None
        if len(found) >= MAX_FOLLOWED:
            break
    return list(found)
