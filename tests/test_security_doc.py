"""docs/security.md names, for every attack, the tests that prove it: each must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `tests/x.py::test_a`, then `::test_b` for more tests of the same file.
_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?::(test_\w+)(?:\[[^\]]*\])?`|`(tests/[\w/]+\.py)`")


def references(text: str) -> list[tuple[str, str | None]]:
    """(file, test or None) for every test the text names, in order."""
    found: list[tuple[str, str | None]] = []
    current: str | None = None
    for match in _REFERENCE.finditer(text):
        path, test, bare = match.groups()
        if bare:
            current = bare
            found.append((bare, None))
            continue
        current = path or current
        assert current is not None, f"`::{test}` has no file before it"
        found.append((current, test))
    return found


def test_every_test_the_security_table_names_exists() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    named = references(text)
    assert len(named) >= 30
    missing = []
    for path, test in named:
        source = ROOT / path
        if not source.is_file():
            missing.append(path)
        elif test and not re.search(rf"^(async )?def {test}\(", source.read_text(), re.M):
            missing.append(f"{path}::{test}")
    assert missing == []


def test_each_of_the_thirteen_attacks_has_a_row_that_holds() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \|[^|]+\| (\w+) \|[^|]+\| ([^|]+) \|$", text, re.M)
    assert [int(n) for n, _, _ in rows] == list(range(1, 14))
    assert {status for _, status, _ in rows} == {"held"}
    assert all("test_" in tests for _, _, tests in rows)
