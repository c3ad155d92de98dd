"""Scanning never runs package code.

Each sample here would write a marker file if any of its install-time or
start-up hooks ran (setup.py top level, a cmdclass override, an in-tree build
backend, a `.pth` import line, sitecustomize, a package `__init__`). The markers'
absolute paths are embedded in the samples; after scanning in-process and through
the CLI in a subprocess, none of them may exist.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pycustoms.archive.stream import COMPLETE_MARKER
from pycustoms.config import Policy
from pycustoms.scan import scan_streaming, scan_target
from tests.builders import build_sdist, build_tree, build_wheel


def _write(marker: Path, label: str) -> str:
    """One line of Python that creates *marker* (never run by these tests)."""
    return f"open({str(marker)!r}, 'w').write({label!r})"


def _trap_files(markers: Path) -> dict[str, str]:
    m = {
        name: markers / f"{name}.ran"
        for name in ("setup", "cmdclass", "backend", "pth", "sitecustomize", "init", "module")
    }
    return {
        "setup.py": "\n".join(
            [
                "from setuptools import setup",
                "from setuptools.command.install import install",
                "from setuptools.command.egg_info import egg_info",
                _write(m["setup"], "setup.py top level"),
                "",
                "class Trap(install):",
                "    def run(self):",
                "        " + _write(m["cmdclass"], "cmdclass install"),
                "",
                "class TrapInfo(egg_info):",
                "    def run(self):",
                "        " + _write(m["cmdclass"], "cmdclass egg_info"),
                "",
                "setup(name='trap', version='1.0', packages=['trap'],",
                "      cmdclass={'install': Trap, 'egg_info': TrapInfo})",
                "",
            ]
        ),
        "pyproject.toml": (
            '[build-system]\nrequires = []\nbuild-backend = "trapbackend"\n'
            'backend-path = ["_backend"]\n'
        ),
        "_backend/trapbackend.py": _write(m["backend"], "build backend") + "\n",
        "trap-hook.pth": "import os; " + _write(m["pth"], "pth import line") + "\n",
        "sitecustomize.py": _write(m["sitecustomize"], "sitecustomize") + "\n",
        "trap/__init__.py": _write(m["init"], "package __init__") + "\n",
        "trap/core.py": _write(m["module"], "module top level") + "\n",
    }


@pytest.fixture
def traps(tmp_path: Path) -> tuple[Path, list[Path]]:
    """The marker directory and trap packages as sdist (tar.gz and zip), wheel and tree."""
    markers = tmp_path / "markers"
    markers.mkdir()
    files = _trap_files(markers)
    dists = tmp_path / "dists"
    dists.mkdir()
    targets = [
        build_sdist(dists, "trap", "1.0", files),
        build_sdist(dists, "trap", "1.0", files, fmt="zip"),
        build_wheel(dists, "trap", "1.0", files),
        build_tree(tmp_path / "tree", files),
    ]
    return markers, targets


def _assert_clean(markers: Path) -> None:
    ran = sorted(p.name for p in markers.iterdir())
    assert not ran, f"package code ran during the scan: {ran}"


def test_scan_target_does_not_execute(traps: tuple[Path, list[Path]]) -> None:
    markers, targets = traps
    for target in targets:
        result = scan_target(target, Policy())
        assert result.error is None, f"{target.name}: {result.error}"
    _assert_clean(markers)


def test_streaming_scan_does_not_execute(traps: tuple[Path, list[Path]]) -> None:
    markers, targets = traps
    wheel = next(t for t in targets if t.name.endswith(".whl"))
    (wheel.parent / COMPLETE_MARKER).write_text(str(wheel.stat().st_size))
    result = scan_streaming(wheel, Policy())
    assert result.error is None, result.error
    _assert_clean(markers)


def test_cli_scan_does_not_execute(traps: tuple[Path, list[Path]], tmp_path: Path) -> None:
    markers, targets = traps
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYCUSTOMS_")}
    env |= {"HOME": str(home), "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pycustoms", "scan", "--format", "json", *map(str, targets)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    _assert_clean(markers)
    # Nothing may have been installed either: a fresh interpreter runs every .pth
    # and sitecustomize on its path, so a planted trap would fire now.
    subprocess.run([sys.executable, "-c", "pass"], cwd=tmp_path, env=env, check=True, timeout=60)
    _assert_clean(markers)
