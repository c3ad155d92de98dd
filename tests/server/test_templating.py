"""The server's templates are package data: they ship in the wheel and render escaped."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pycustoms.server.templating import environment, text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src" / "pycustoms" / "templates"


def _template_files() -> list[str]:
    return sorted(
        f"pycustoms/templates/{p.relative_to(TEMPLATES).as_posix()}"
        for p in TEMPLATES.rglob("*")
        if p.is_file() and p.suffix in {".html", ".css"}
    )


def test_every_template_is_read_from_the_package() -> None:
    files = _template_files()
    assert "pycustoms/templates/console/base.html" in files
    assert "pycustoms/templates/landing.html" in files
    env = environment()
    for name in files:
        relative = name.removeprefix("pycustoms/templates/")
        assert text(relative) == (TEMPLATES / relative).read_text(encoding="utf-8")
        if relative.endswith(".html"):
            env.parse(text(relative))  # a syntax error raises


def test_html_templates_are_autoescaped() -> None:
    page = (
        environment()
        .get_template("console/error.html")
        .render(
            css="", who=None, flash="<b>flash</b>", status_code=404, title="<i>", detail="<script>"
        )
    )
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;b&gt;flash&lt;/b&gt;" in page


@pytest.mark.slow
def test_the_wheel_ships_every_template(tmp_path: Path) -> None:
    """Build the wheel from a copy of this tree (no network, no build isolation) and list it."""
    tree = tmp_path / "tree"
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", tree / "src", ignore=junk)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, tree / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(tmp_path), str(tree)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    [wheel] = tmp_path.glob("pycustoms-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    missing = [name for name in _template_files() if name not in names]
    assert not missing, f"not in the wheel: {missing}"
    assert "pycustoms/data/popular-names.tsv" in names
