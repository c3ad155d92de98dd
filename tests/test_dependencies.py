"""Dependencies are declared where the lock is built from, and agree with the package metadata."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def _in_file(name: str) -> set[str]:
    lines = (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines()
    found = set()
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if text and not text.startswith("-"):
            found.add(str(Requirement(text)))
    return found


def test_the_runtime_lock_input_is_the_package_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {str(Requirement(r)) for r in project["dependencies"]}
    assert declared == _in_file("runtime.in")


def test_dev_tools_are_declared_once() -> None:
    """Before: pyproject.toml's `dev` extra repeated requirements/dev.in (and drifted)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "optional-dependencies" not in project or "dev" not in project["optional-dependencies"]


def test_setuptools_is_new_enough_for_the_pep_639_licence_field() -> None:
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    [setuptools] = [Requirement(r) for r in build["requires"] if r.startswith("setuptools")]
    assert "76.9" not in setuptools.specifier
    assert "77" in setuptools.specifier
