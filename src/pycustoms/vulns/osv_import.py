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
        if name.endswith(".json"):
            document = json.loads(data)
        else:
            document = yaml.load(data, Loader=_LOADER)  # noqa: S506 - CSafeLoader/SafeLoader
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(
            f"not valid {'JSON' if name.endswith('.json') else 'YAML'}: {exc}"
        ) from None
    if not isinstance(document, dict):
        raise ValueError("not an OSV record (expected a mapping)")
    return document


def read_records(path: Path) -> tuple[list[tuple[OsvRecord, str | None]], int, list[str]]:
    """Every PyPI record under *path* with its `modified` time, the file count and errors."""
    records: list[tuple[OsvRecord, str | None]] = []
    errors: list[str] = []
    files = 0
    for name, data in _documents(path):
        files += 1
        try:
            document = load_document(name, data)
            modified = str(document["modified"]) if document.get("modified") else None
            records += [(r, modified) for r in parse_osv(document)]
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
    return records, files, errors


def import_osv(db: Database, path: Path) -> ImportSummary:
    """Import every OSV record under *path* into *db*, replacing earlier copies of them."""
    if not path.exists():
        raise TargetError(f"{path} does not exist; pass a directory or zip of OSV records")
    records, files, errors = read_records(path)
    rows = [
        {
            "advisory_id": r.id,
            "package": r.package,
            "modified": modified,
            "data": r.to_json(),
        }
        for r, modified in records
    ]
    ids = sorted({r.id for r, _ in records})
    with db.session() as session, session.begin():
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            session.execute(
                delete(AdvisoryRecordRow).where(AdvisoryRecordRow.advisory_id.in_(chunk))
            )
        seen: set[tuple[str, str]] = set()
        unique = []
        for row in rows:
            key = (str(row["advisory_id"]), str(row["package"]))
            if key not in seen:
                seen.add(key)
                unique.append(row)
        for start in range(0, len(unique), _CHUNK):
            session.execute(insert(AdvisoryRecordRow), unique[start : start + _CHUNK])
        session.add(
            AdvisoryImportRow(source=str(path), imported_at=datetime.now(UTC), records=len(unique))
        )
    return ImportSummary(files, len(unique), tuple(errors))
