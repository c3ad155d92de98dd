"""`pycustoms incident` on a local data directory: the database it read, or a refusal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pycustoms.cli import main
from pycustoms.db import Database
from pycustoms.db.firewall import InstallEventRow

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    db = Database(f"sqlite:///{folder / 'pycustoms.db'}").open()
    with db.session() as session, session.begin():
        session.add(
            InstallEventRow(
                at=T0, environment="build-1", client="127.0.0.1", installer="pip",
                installer_version=None, project="goodpkg", version="2.0",
                filename="goodpkg-2.0.whl", sha256="a" * 64,
            )
        )  # fmt: skip
    db.close()
    return folder


def test_mistyped_data_dir_is_refused_and_nothing_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "dta"
    assert main(["incident", "goodpkg==2.0", "--data-dir", str(typo)]) == 2
    out, err = capsys.readouterr()
    assert str(typo / "pycustoms.db") in err
    assert "environment(s) affected" not in out
    assert not typo.exists()


def test_missing_database_in_an_existing_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["incident", "goodpkg", "--data-dir", str(tmp_path)]) == 2
    assert str(tmp_path / "pycustoms.db") in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_report_names_the_database_it_read(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = data / "pycustoms.db"
    assert main(["incident", "goodpkg==2.0", "--data-dir", str(data)]) == 1
    out = capsys.readouterr().out
    assert "1 environment(s) affected" in out
    assert f"Read from the database at {database}" in out
    assert main(["incident", "goodpkg==2.0", "--data-dir", str(data), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "pycustoms/incident/1"
    assert doc["read_from"] == {"database": str(database)}
    assert doc["environment_count"] == 1


def test_quiet_lists_the_affected_environments_only(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["incident", "goodpkg==2.0", "--data-dir", str(data), "-q"]) == 1
    assert capsys.readouterr() == ("build-1\tgoodpkg==2.0\n", "")
    assert main(["incident", "otherpkg", "--data-dir", str(data), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
