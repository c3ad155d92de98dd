"""`pycustoms db update/status` and what `audit` says about the advisory database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pycustoms.cli import build_parser, main
from tests.fake_upstream import FakeUpstream
from tests.vulns.helpers import ArchiveServer, filler_records, osv, osv_zip

OLD = datetime.now(UTC) - timedelta(days=400)
DEAD = "http://127.0.0.1:9"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh user: default data directory under tmp_path, nothing filled yet."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for name in ("PYCUSTOMS_DATA_DIR", "PYCUSTOMS_DATABASE_URL", "PYCUSTOMS_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    # Never the public index: unless a test names its fake, the index is a dead port.
    monkeypatch.setenv("PYCUSTOMS_INDEX_URL", f"{DEAD}/simple/")
    monkeypatch.setenv("PYCUSTOMS_VULNS_PYPA_ARCHIVE_URL", f"{DEAD}/pypa.zip")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def server() -> Iterator[ArchiveServer]:
    with ArchiveServer() as running:
        yield running


def _status(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["db", "status", "--format", "json"]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def _audit_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["audit", "--format", "json", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_update_uses_the_first_archive_that_answers(
    home: Path, server: ArchiveServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("PYCUSTOMS_VULNS_OSV_ARCHIVE_URL", f"{DEAD}/PyPI/all.zip")
    server.serve("/pypa.zip", osv_zip([osv("PYSEC-1", "demo", fixed="1.2"), *filler_records(9)]))
    monkeypatch.setenv("PYCUSTOMS_VULNS_PYPA_ARCHIVE_URL", server.url("/pypa.zip"))
    assert main(["db", "update", "--min-records", "10"]) == 0
    err = capsys.readouterr().err
    assert "osv: not used: could not download" in err
    assert "coverage full" in err
    status = _status(capsys)
    assert status["coverage"] == "full"
    assert status["origin"] == server.url("/pypa.zip")
    assert (status["advisories"], status["projects"]) == (10, 10)
    assert status["stale"] is False
    # Below the configured minimum, an archive is not a whole ecosystem: refused, kept.
    server.serve("/one.zip", osv_zip([osv("PYSEC-9", "demo")]))
    assert main(["db", "update", "--source", server.url("/one.zip")]) == 3
    assert "fewer than vulns.archive-min-records (1000)" in capsys.readouterr().err
    assert _status(capsys)["origin"] == server.url("/pypa.zip")


def test_update_with_no_working_source_exits_3_and_keeps_the_database(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYCUSTOMS_VULNS_OSV_ARCHIVE_URL", f"{DEAD}/PyPI/all.zip")
    assert main(["db", "update"]) == 3
    err = capsys.readouterr().err
    assert "no advisory source could be used, and the database was not changed" in err
    assert "Traceback" not in err
    assert _status(capsys)["coverage"] == "empty"


def test_update_from_the_json_api_for_a_lock_file(
    home: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    fake_upstream.add_vulnerability("demo", "1.1", {"id": "PYSEC-7", "fixed_in": ["1.2"]})
    req = home / "requirements.txt"
    req.write_text("demo==1.1\nghost==0.1\n")
    argv = ["db", "update", "--source", "json-api", str(req), "--index-url", fake_upstream.url]
    assert main(argv) == 3  # ghost is not on the index: reported, the rest stored
    err = capsys.readouterr().err
    assert "1 release(s) answered" in err
    assert "not answered: ghost 0.1" in err
    status = _status(capsys)
    assert (status["coverage"], status["releases_checked"]) == ("partial", 1)


def test_first_audit_fills_the_database_from_the_json_api(
    home: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_release("demo", "1.1", uploaded=OLD, sdist=False)
    fake_upstream.add_release("calm", "2.0", uploaded=OLD, sdist=False)
    fake_upstream.add_vulnerability("demo", "1.1", {"id": "PYSEC-7", "fixed_in": ["1.2"]})
    req = home / "requirements.txt"
    req.write_text("demo==1.1\ncalm==2.0\n")
    code, report, _ = _audit_json(capsys, str(req), "--index-url", fake_upstream.url)
    deps = {d["name"]: d for d in report["dependencies"]}
    assert [a["id"] for a in deps["demo"]["advisories"]] == ["PYSEC-7"]
    assert deps["calm"]["status"] == "checked"
    assert code == 1  # demo's advisory, not "could not complete"
    [database] = report["vulnerability_databases"]
    assert database["coverage"] == "partial"
    assert (database["answered"], database["not_covered"], database["filled"]) == (2, 0, 2)
    assert database["age_days"] is not None
    assert main(["audit", str(req), "--index-url", fake_upstream.url]) == 1
    assert "PARTIAL coverage" in capsys.readouterr().out


def test_first_audit_without_the_index_names_the_command(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = home / "requirements.txt"
    req.write_text("calm==2.0\n")
    code, report, err = _audit_json(capsys, str(req), "--no-index")
    assert code == 3
    [dep] = report["dependencies"]
    assert dep["status"] == "unverified"
    assert "`pycustoms db update`" in dep["failed"][0]
    assert "pycustoms db update" in err
    assert report["vulnerability_databases"][0]["coverage"] == "empty"


def test_audit_states_age_and_warns_when_old(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = home / "copy"
    copy.mkdir()
    month_ago = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    (copy / "PYSEC-1.json").write_text(json.dumps(osv("PYSEC-1", "demo", modified=month_ago)))
    assert main(["db", "update", "--source", str(copy), "--min-records", "1"]) == 0
    req = home / "requirements.txt"
    req.write_text("calm==2.0\n")
    code, report, err = _audit_json(capsys, str(req), "--no-index")
    assert code == 0  # old data warns; it does not fail
    [database] = report["vulnerability_databases"]
    assert database["coverage"] == "full"
    assert database["stale"] is True
    assert 29.9 < database["age_days"] < 30.1
    assert database["max_age_days"] == 7.0
    assert "30 days old, older than vulns.max-age (7 days)" in err
    assert main(["audit", str(req), "--no-index"]) == 0
    out = capsys.readouterr().out
    assert "full coverage" in out
    assert "30 days old, older than max-age 7 days" in out
    monkeypatch.setenv("PYCUSTOMS_VULNS_MAX_AGE", "P60D")
    code, report, err = _audit_json(capsys, str(req), "--no-index")
    assert (code, report["vulnerability_databases"][0]["stale"]) == (0, False)
    assert "warning" not in err


def test_db_help_documents_update_and_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["db", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in ("update", "import-osv", "status", "full coverage", "partial coverage"):
        assert words in text


@pytest.mark.parametrize("command", ["update", "import-osv", "status"])
def test_every_db_flag_names_its_variable(command: str) -> None:
    top = next(a for a in build_parser("db")._actions if a.dest == "command").choices
    assert isinstance(top, dict)
    commands = next(a for a in top["db"]._actions if a.dest == "db_command").choices
    assert isinstance(commands, dict)
    sub = commands[command]
    for action in sub._actions:
        if not action.option_strings or action.dest in {"help", "verbose"}:
            continue
        assert re.search(r"\[env: PYCUSTOMS_[A-Z_]+\]", action.help or ""), action.option_strings


def test_a_mistyped_source_is_a_usage_error(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["db", "update", "--source", "osvv"]) == 2
    assert "'osvv': expected osv, pypa, json-api" in capsys.readouterr().err
    monkeypatch.setenv("PYCUSTOMS_VULNS_UPDATE_SOURCES", "pypa,jsonapi")
    assert main(["db", "update"]) == 2
    assert "PYCUSTOMS_VULNS_UPDATE_SOURCES" in capsys.readouterr().err
