"""A database filled by `db import-osv` before coverage was recorded reads as partial after it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import text

from pycustoms.db import Database
from pycustoms.db.session import MIGRATIONS
from pycustoms.vulns.interface import Coverage, Query
from pycustoms.vulns.offline import OfflineSource
from pycustoms.vulns.store import read_state


def test_imports_made_before_the_upgrade_stay_partial(tmp_path: Path) -> None:
    older = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, older, ignore=shutil.ignore_patterns("0010_*", "__pycache__"))
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    before = Database(url, migrations=older).open()
    record = {"id": "PYSEC-1", "package": "demo", "versions": ["1.0"]}
    with before.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO advisory_records (advisory_id, package, modified, data) "
                "VALUES ('PYSEC-1', 'demo', NULL, :data)"
            ),
            {"data": json.dumps(record)},
        )
        connection.execute(
            text(
                "INSERT INTO advisory_imports (source, imported_at, records) "
                "VALUES ('/srv/advisories', '2025-01-01 00:00:00', 1)"
            )
        )
    before.close()
    db = Database(url).open()  # upgrades to the current heads
    try:
        with db.session() as session:
            state = read_state(session)
        assert state.coverage is Coverage.PARTIAL
        assert state.imported_records == 1
        answer = OfflineSource(db).query([Query("demo", "1.0"), Query("demo", "2.0")])
        assert [r.id for r in answer.found[Query("demo", "1.0")]] == ["PYSEC-1"]
        assert Query("demo", "2.0") in answer.failed
    finally:
        db.close()
