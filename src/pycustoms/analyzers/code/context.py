"""Where a file's code runs, which decides how severe the same call is."""

from __future__ import annotations

import enum
import posixpath
import re

from pycustoms.types import PackageKind, Severity


class ExecContext(enum.IntEnum):
    """When a file's top-level code runs, from most to least dangerous.

    INSTALL: `setup.py`, a local build backend or hook: runs on `pip install` of an sdist.
    STARTUP: `*.pth`, `sitecustomize`, `usercustomize`: runs at every interpreter start.
    IMPORT: a package `__init__.py`: runs as soon as the package is imported.
    MODULE: any other module: runs when that module is imported.
    TEST: tests, examples, docs, benchmarks: runs only when someone runs them.
    DATA: not Python (JSON, text, images, binaries): runs only if something loads it.
    """

    INSTALL = 0
    STARTUP = 1
    IMPORT = 2
    MODULE = 3
    TEST = 4
    DATA = 5

    def adjust(self, severity: Severity, *, in_function: bool = False) -> Severity:
        """Scale a top-level severity to this context.

        Install-time and start-up code gains a level (capped at critical); code
        inside a function that nothing calls at import, and test code, lose one.
        """
        level = int(severity)
        if self in (ExecContext.INSTALL, ExecContext.STARTUP) and not in_function:
            level += 1
        elif self is ExecContext.TEST:
            level -= 1
        if in_function and self not in (ExecContext.INSTALL, ExecContext.STARTUP):
            level -= 1
        return Severity(max(int(Severity.INFO), min(int(Severity.CRITICAL), level)))


_TEST_DIRS = frozenset(
    {"test", "tests", "testing", "example", "examples", "docs", "doc", "benchmarks", "bench"}
    # Continuous-integration scripts travel in sdists but are never installed or run
    # by an install.
    | {"ci", ".ci", ".github", ".circleci", ".gitlab", ".azure-pipelines", "ciimage"}
)
_TEST_WORDS = frozenset(
    {"test", "tests", "testing", "testsuite", "unittest", "unittests", "testdata", "fixtures"}
)
_WORD = re.compile(r"[a-z0-9]+")


def _test_like(part: str) -> bool:
    # "manual tests", "test-data", "integration_tests" are test directories too.
    return part in _TEST_DIRS or not _TEST_WORDS.isdisjoint(_WORD.findall(part))


def in_test_dir(root_path: str, own: str | None = None) -> bool:
    """True if a directory of *root_path* holds tests, examples, docs or CI scripts.

    *own* is the package's own import name (its project name, `-` as `_`): a top-level
    package called `shoots_api_test` is the package, not its tests.
    """
    parts = root_path.replace("\\", "/").lower().split("/")[:-1]
    if own and parts:
        top = 1 if parts[0] == "src" and len(parts) > 1 else 0
        if parts[top].replace("-", "_") == own and parts[top] not in _TEST_DIRS:
            parts = parts[top + 1 :]
    return any(_test_like(p) for p in parts)


_STARTUP_MODULES = frozenset({"sitecustomize.py", "usercustomize.py"})
_INSTALL_FILES = frozenset({"setup.py", "build.py", "hatch_build.py", "build_backend.py"})


_WHEEL_DATA_LIBS = re.compile(r"^[^/]+\.data/(purelib|platlib)/")


def installed_path(root_path: str, kind: PackageKind) -> str:
    """Where a wheel member lands in site-packages: `x.data/purelib/m.py` is `m.py`."""
    path = root_path.replace("\\", "/").lstrip("/")
    if kind is PackageKind.WHEEL:
        return _WHEEL_DATA_LIBS.sub("", path, count=1)
    return path


def classify(
    root_path: str,
    kind: PackageKind,
    *,
    build_backend_paths: frozenset[str] = frozenset(),
    own: str | None = None,
) -> ExecContext:
    """Classify a file by its path relative to the package root.

    *build_backend_paths* are root-relative files named by `[build-system]
    backend-path`/`build-backend` in the sdist's pyproject.toml (an in-tree backend).
    A wheel's `*.data/purelib/` and `*.data/platlib/` members are classified where
    they are installed (a `sitecustomize.py` there runs at every start). *own* is the
    package's import name (see `in_test_dir`).
    """
    path = installed_path(root_path, kind)
    base = posixpath.basename(path).lower()
    parts = [p.lower() for p in path.split("/")[:-1]]
    if base.endswith(".pth"):
        return ExecContext.STARTUP
    if not base.endswith((".py", ".pyw")):
        return ExecContext.DATA
    if base in _STARTUP_MODULES and len(parts) <= 1:
        return ExecContext.STARTUP
    if path in build_backend_paths:
        return ExecContext.INSTALL
    in_source_root = kind in (PackageKind.SDIST, PackageKind.DIRECTORY, PackageKind.EGG)
    if in_source_root and not parts and base in _INSTALL_FILES:
        return ExecContext.INSTALL
    if kind is PackageKind.EGG and parts[:1] == ["egg-info"]:
        return ExecContext.INSTALL
    if in_test_dir(path, own) or base.startswith("test_") or base == "conftest.py":
        return ExecContext.TEST
    if base == "__init__.py":
        return ExecContext.IMPORT
    return ExecContext.MODULE
