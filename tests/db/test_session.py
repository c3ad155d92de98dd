"""`Database.open()` migrates only when the schema is behind; `script_heads` agrees with alembic."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from pycustoms.db.session import MIGRATIONS, Database, script_heads


def _alembic_heads(location: Path) -> frozenset[str]:
    return frozenset(ScriptDirectory(str(location)).get_heads())


def _script(versions: Path, revision: str, down: str, extra: str = "") -> None:
    """A migration creating table `t_<revision>`; *down* is Python source for `down_revision`."""
    versions.mkdir(parents=True, exist_ok=True)
    (versions / f"{revision}_step.py").write_text(
        textwrap.dedent(f'''\
            """Step {revision}."""
            import sqlalchemy as sa
            from alembic import op

            revision = "{revision}"
            down_revision: str | tuple[str, ...] | None = {down}
            {extra}

            def upgrade() -> None:
                op.create_table("t_{revision}", sa.Column("id", sa.Integer, primary_key=True))


            def downgrade() -> None:
                op.drop_table("t_{revision}")
            ''')
    )


def _location(tmp_path: Path) -> Path:
    """A script directory with pycustoms' env.py and no migrations yet."""
    location = tmp_path / "migrations"
    (location / "versions").mkdir(parents=True)
    shutil.copy(MIGRATIONS / "env.py", location / "env.py")
    return location


def _stamped(db: Database) -> frozenset[str]:
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
        return frozenset(str(r) for r in rows.scalars())


def test_heads_of_the_shipped_migrations_match_alembic() -> None:
    # New migration files (parallel feature branches, merges) are picked up as they land.
    assert script_heads() == _alembic_heads(MIGRATIONS)


def test_heads_with_branches_labels_and_a_merge(tmp_path: Path) -> None:
    location = _location(tmp_path)
    versions = location / "versions"
    (versions / "__init__.py").write_text('"""Scripts."""\n')
    _script(versions, "a1", "None")
    _script(versions, "b1", '"a1"', 'branch_labels = ("feature-b",)')
    _script(versions, "c1", '"a1"', 'depends_on = "b1"')
    _script(versions, "c2", '"c1"')
    assert script_heads(versions) == _alembic_heads(location) == {"b1", "c2"}
    _script(versions, "m1", '("b1", "c2")')  # a merge joins the branches again
    assert script_heads(versions) == _alembic_heads(location) == {"m1"}
    _script(versions, "d1", '["a1"]')
    assert script_heads(versions) == _alembic_heads(location) == {"m1", "d1"}


def test_scripts_it_cannot_read_leave_the_decision_to_alembic(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    _script(versions, "a1", "None")
    (versions / "b1_odd.py").write_text('revision = "b" + "1"\ndown_revision = "a1"\n')
    assert script_heads(versions) is None
    (versions / "b1_odd.py").write_text("revision = (\n")
    assert script_heads(versions) is None
    assert script_heads(tmp_path / "empty") is None


def test_open_migrates_new_and_behind_databases_only(tmp_path: Path) -> None:
    location = _location(tmp_path)
    versions = location / "versions"
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    _script(versions, "a1", "None")
    db = Database(url, migrations=location)
    assert not db.is_current()  # no version table yet
    db.open()
    assert db.is_current()
    assert _stamped(db) == {"a1"}
    db.close()
    # Two features add migrations side by side: the database is behind, open() catches up.
    _script(versions, "b1", '"a1"', 'branch_labels = ("b",)')
    _script(versions, "c1", '"a1"', 'branch_labels = ("c",)')
    db = Database(url, migrations=location)
    assert not db.is_current()
    db.open()
    assert _stamped(db) == {"b1", "c1"}
    db.close()


def test_open_skips_alembic_when_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    Database(url).open().close()

    def refuse(self: Database) -> None:
        raise AssertionError("migrated a current database")

    monkeypatch.setattr(Database, "migrate", refuse)
    Database(url).open().close()


def test_a_current_open_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    Database(url).open().close()
    code = (
        "import sys; from pycustoms.db import Database; "
        f"Database({url!r}).open().close(); "
        "assert 'alembic' not in sys.modules, 'alembic was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
