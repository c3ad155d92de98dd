from __future__ import annotations

import json
from pathlib import Path

import pytest

from pycustoms.cli import main


def test_json_output_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check-name", "reqeusts", "requests", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [d["name"] for d in data] == ["reqeusts", "requests"]
    assert data[0]["verdict"] == "block"
    assert data[0]["imitates"] == "requests"
    assert data[0]["technique"] == "adjacent-swap"
    assert data[0]["reasons"]
    assert data[1] == {**data[1], "verdict": "allow", "imitates": None, "technique": None}


def test_clean_names_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-name", "requests", "boto3"]) == 0
    assert "requests" in capsys.readouterr().out


def test_fail_on_warn(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-name", "colorama-utils"]) == 0
    assert main(["check-name", "colorama-utils", "--fail-on", "warn"]) == 1


def test_requirements_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("# deps\nrequets>=2\nnumpy[extra]==1.0 ; python_version>'3'\n-e .\n")
    code = main(["check-name", "-r", str(req), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in data] == ["requets", "numpy"]
    assert code == 1


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-name"]) == 2
    assert main(["check-name", "not a name!"]) == 2


def test_unreadable_file_is_exit_3(tmp_path: Path) -> None:
    assert main(["check-name", "-r", str(tmp_path / "missing.txt")]) == 3


def test_check_index(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://packages.exarnple.org/simple\n")
    code = main(
        [
            "check-index",
            "--no-pip-config",
            "--trusted-host",
            "packages.example.org",
            "https://packages.example.org/simple",
            "--file",
            str(conf),
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [d["verdict"] for d in data] == ["allow", "block"]
    assert data[1]["line"] == 2
