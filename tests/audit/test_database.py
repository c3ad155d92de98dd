"""The audit reads the database it is pointed at, says which, and never invents an empty one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pycustoms.cli import main
from tests.audit.conftest import run_json
from tests.audit.fake_osv import FakeOsv
from tests.fake_upstream import FakeUpstream

DIGEST = "ab" * 32
OLD = datetime.now(UTC) - timedelta(days=400)


@pytest.fixture
def req(env: Path) -> Path:
    path = env / "requirements.txt"
    path.write_text(f"calm==1.0 --hash=sha256:{DIGEST}\n")
    return path


def test_mistyped_data_dir_is_refused_and_not_created(
    req: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "dta"
    assert main(["audit", str(req), "--no-index", "--data-dir", str(typo)]) == 2
    err = capsys.readouterr().err
    assert str(typo / "pycustoms.db") in err
    assert "db import-osv" in err
    assert not typo.exists()
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    assert main(["audit", str(req), "--no-index", "--database-url", url]) == 2
    assert str(tmp_path / "missing.db") in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()


def test_every_format_says_which_database_it_read(
    req: Path, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = env / "data" / "pycustoms.db"
    code, report = run_json(capsys, str(req), "--no-index")
    assert code == 0
    assert report["database"] == str(database)
    for fmt in ("human", "markdown"):
        assert main(["audit", str(req), "--no-index", "--format", fmt]) == 0
        assert f"database: {database}" in capsys.readouterr().out


def test_index_checks_need_the_named_database(
    req: Path, tmp_path: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_release("calm", "1.0", uploaded=OLD)
    typo = tmp_path / "dta"
    with FakeOsv({}, {}) as api:
        osv = ["--vuln-source", "osv", "--osv-url", api.url, "--index-url", fake_upstream.url]
        assert main(["audit", str(req), *osv, "--data-dir", str(typo)]) == 2
        assert str(typo / "pycustoms.db") in capsys.readouterr().err
        assert not typo.exists()
        # Without a database at all (no advisories, no publisher history to read) the
        # audit reads none and says so.
        code = main(["audit", str(req), *osv, "--no-index", "--format", "json",
                     "--data-dir", str(typo)])  # fmt: skip
        assert json.loads(capsys.readouterr().out)["database"] is None
        assert code == 0
        assert not typo.exists()
