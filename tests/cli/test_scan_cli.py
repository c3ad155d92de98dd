"""`pycustoms scan` end to end through `main(argv)` and as a real subprocess."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pycustoms.cli import SUBCOMMANDS, main
from tests.builders import build_sdist, build_wheel
from tests.jsondoc import decision, results

CLEAN = {"tidy/__init__.py": "def add(a, b):\n    return a + b\n"}
BAD_SETUP = (
    "import base64\n"
    "from setuptools import setup\n"
    "blob = 'cHJpbnQoJ2hlbGxvJyk='\n"
    "exec(base64.b64decode(blob))\n"
    "setup(name='tidy', version='1.0')\n"
)


def _scan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["scan", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_wheel_exits_zero_with_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = build_wheel(tmp_path, "tidy", "1.0", CLEAN)
    code, out, _ = _scan(capsys, "--format", "json", str(wheel))
    assert code == 0
    [doc] = results(out, "scan")
    assert decision(doc) == "allow"
    assert doc["target"].endswith("tidy-1.0-py3-none-any.whl")
    assert set(doc) >= {"target", "verdict", "capabilities"}
    assert set(doc["verdict"]) == {"decision", "score", "reasons", "findings"}


def test_blocked_sdist_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sdist = build_sdist(tmp_path, "tidy", "1.0", {"setup.py": BAD_SETUP})
    code, out, _ = _scan(capsys, "--format", "json", str(sdist))
    assert code == 1
    [doc] = results(out, "scan")
    assert decision(doc) == "block"
    assert any(f["file"] == "setup.py" for f in doc["verdict"]["findings"])


def test_fail_on_warn_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sdist = build_sdist(tmp_path, "tidy", "1.0", {"setup.py": BAD_SETUP})
    report = tmp_path / "out.sarif"
    code, out, _ = _scan(capsys, "--format", "sarif", "-o", str(report), str(sdist))
    assert code == 1
    assert out == ""
    assert json.loads(report.read_text())["version"] == "2.1.0"


def test_directory_of_archives_is_scanned_in_parallel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "dists"
    folder.mkdir()
    build_wheel(folder, "tidy", "1.0", CLEAN)
    build_sdist(folder, "tidy", "1.0", {"setup.py": BAD_SETUP})
    code, out, _ = _scan(capsys, "-j", "2", "--format", "json", str(folder))
    docs = results(out, "scan")
    assert code == 1
    assert sorted(decision(d) for d in docs) == ["allow", "block"]


def test_missing_target_could_not_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _scan(capsys, str(tmp_path / "absent.whl"))
    assert code == 3
    assert "absent.whl" in err


def test_usage_errors_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--no-progress"]) == 2
    assert "nothing to scan" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["scan", "--format", "yaml", "x"])
    assert exc.value.code == 2


def test_bad_configuration_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "pycustoms.toml"
    config.write_text("warn-score = 'lots'\n")
    wheel = build_wheel(tmp_path, "tidy", "1.0", CLEAN)
    code, _, err = _scan(capsys, "--config", str(config), str(wheel))
    assert code == 2
    assert "warn-score" in err


def test_diff_reports_gained_capabilities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = build_wheel(tmp_path, "tidy", "1.0", CLEAN)
    new_files = {
        "tidy/__init__.py": (
            "import urllib.request\n\n"
            "def fetch(url):\n    return urllib.request.urlopen(url).read()\n"
        )
    }
    new = build_wheel(tmp_path, "tidy", "1.1", new_files)
    code, out, _ = _scan(capsys, "--format", "json", "--diff", str(old), str(new))
    [doc] = results(out, "scan")
    gained = [f for f in doc["verdict"]["findings"] if f["rule"] == "code/capability-gained"]
    assert any("network" in f["message"] for f in gained)
    assert "network" in doc["capabilities"]
    # Gaining network access alone is a warning, not a block: exit 0 under fail-on=block.
    assert decision(doc) == "warn"
    assert code == 0


def test_module_entry_point_runs(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "tidy", "1.0", CLEAN)
    proc = subprocess.run(
        [sys.executable, "-m", "pycustoms", "scan", "--format", "json", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert decision(results(proc.stdout, "scan")[0]) == "allow"


def test_every_command_registers_with_its_listed_summary() -> None:
    for name, (module_name, summary) in SUBCOMMANDS.items():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(module_name).register(sub)
        helps = {action.dest: action.help for action in sub._choices_actions}
        assert helps.get(name) == summary, name


def test_nothing_to_scan_is_never_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: an empty directory or a file that is no package scanned `allow`, exit 0."""
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _out, err = _scan(capsys, str(empty))
    assert code == 3
    assert "holds no files to scan" in err
    notes = tmp_path / "notes.txt"
    notes.write_text("not a package\n")
    code, _out, err = _scan(capsys, str(notes))
    assert code == 3
    assert "not a wheel, sdist, egg, source tree or Python file" in err
    script = tmp_path / "tool.py"
    script.write_text("print('hi')\n")
    assert _scan(capsys, str(script))[0] == 0  # a Python file is something to judge
