"""`pycustoms db import-osv PATH`: fill the offline database from OSV records (JSON or YAML).

PATH is a directory (searched recursively) or a zip of records, as OSV and the
PyPA advisory database publish them. Every file is read; bad files are reported
together at the end while good ones are imported (one transaction).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, insert

from pycustoms.db import Database
from pycustoms.db.advisories import AdvisoryImportRow, AdvisoryRecordRow
from pycustoms.errors import TargetError
from pycustoms.vulns.match import OsvRecord, parse_osv

_SUFFIXES = (".json", ".yaml", ".yml")
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Rows per INSERT/DELETE statement: SQLite allows 32,766 bound parameters.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """How an import went: files read, records stored, files that could not be read."""

    files: int
    records: int
    errors: tuple[str, ...]


def _documents(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for item in sorted(path.rglob("*")):
            if item.suffix in _SUFFIXES and item.is_file():
                yield str(item), item.read_bytes()
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.endswith(_SUFFIXES) and not info.is_dir():
                    yield f"{path}!{info.filename}", archive.read(info)
    else:
        raise TargetError(f"{path} is neither a directory nor a zip of OSV records")


def load_document(name: str, data: bytes) -> dict[str, Any]:
    """Parse one OSV file; `ValueError` with the reason when it is not a record."""
    try:
        document = (
            json.loads(data) if name.endswith(".json") else yaml.load(data, Loader=_LOADER)  # noqa: S506 - the loader is (C)SafeLoader
        )
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(
            f"not valid {'JSON' if name.endswith('.json') else 'YAML'}: {exc}"
        ) from None
    if not isinstance(document, dict):
        raise ValueError("not an OSV record (expected a mapping)")
    return document


def iter_records(path: Path, errors: list[str]) -> Iterator[list[tuple[OsvRecord, str | None]]]:
    """The PyPI records of each OSV file under *path* (one list per file), with `modified`.

    Files that cannot be read are appended to *errors* and skipped.
    """
    for name, data in _documents(path):
        try:
            document = load_document(name, data)
            modified = str(document["modified"]) if document.get("modified") else None
            yield [(r, modified) for r in parse_osv(document)]
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
            yield []


def import_osv(db: Database, path: Path, *, batch: int = _CHUNK) -> ImportSummary:
    """Import every OSV record under *path* into *db*, replacing earlier copies of them.

    Records are streamed into the database *batch* rows at a time, so memory does
    not grow with the size of the advisory set; the whole import is still one
    transaction (a failed import leaves the previous data as it was). A record
    seen again (the same advisory in two files) replaces the earlier copy.
    """
    if not path.exists():
        raise TargetError(f"{path} does not exist; pass a directory or zip of OSV records")
    errors: list[str] = []
    files = 0
    # Keys only (not records), to count what this import stored.
    seen: set[tuple[str, str]] = set()
    pending: dict[tuple[str, str], dict[str, Any]] = {}
    with db.session() as session, session.begin():

        def flush() -> None:
            ids = sorted({advisory for advisory, _ in pending})
            for start in range(0, len(ids), _CHUNK):
                session.execute(
                    delete(AdvisoryRecordRow).where(
                        AdvisoryRecordRow.advisory_id.in_(ids[start : start + _CHUNK])
                    )
                )
            rows = list(pending.values())
            for start in range(0, len(rows), _CHUNK):
                session.execute(insert(AdvisoryRecordRow), rows[start : start + _CHUNK])
            pending.clear()

        for records in iter_records(path, errors):
            files += 1
            # Rows of one file stay in one batch: a later copy of the same advisory
            # then replaces all of its rows, never half of them.
            for record, modified in records:
                key = (record.id, record.package)
                seen.add(key)
                pending[key] = {
                    "advisory_id": record.id,
                    "package": record.package,
                    "modified": modified,
                    "data": record.to_json(),
                }
            if len(pending) >= batch:
                flush()
        flush()
        session.add(
            AdvisoryImportRow(source=str(path), imported_at=datetime.now(UTC), records=len(seen))
        )
    return ImportSummary(files, len(seen), tuple(errors))
