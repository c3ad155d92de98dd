"""docs/settings.md is what scripts/settings_doc.py writes from the declarations in the code."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def generator() -> dict[str, object]:
    return runpy.run_path(str(ROOT / "scripts" / "settings_doc.py"), run_name="settings_doc")


def test_the_committed_settings_reference_is_current(
    generator: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PYCUSTOMS_CONFIG", "PYCUSTOMS_FORMAT", "PYCUSTOMS_QUIET"):
        monkeypatch.delenv(name, raising=False)
    render = generator["render"]
    assert callable(render)
    committed = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert committed == render(), "run scripts/settings_doc.py and commit docs/settings.md"


def test_every_declared_flag_exists_and_names_its_variable(generator: dict[str, object]) -> None:
    mismatches = generator["flag_mismatches"]
    assert callable(mismatches)
    assert mismatches() == []


def test_the_reference_names_every_variable_once(generator: dict[str, object]) -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for variable in (
        "PYCUSTOMS_SERVE_PORT",
        "PYCUSTOMS_SERVE_WEBHOOKS",
        "PYCUSTOMS_DEEP",
        "PYCUSTOMS_COOLDOWN",
    ):
        assert text.count(f"| `{variable}` |") == 1
