"""`pycustoms db import-osv PATH`: add OSV records (JSON or YAML) to the offline database.

PATH is a directory (searched recursively) or a zip of records, as OSV and the
PyPA advisory database publish them; when it has a `vulns/` directory (the PyPA
repository's layout) only the files below it are records. Every file is read;
bad files are reported together at the end while good ones are imported (one
transaction).

An import adds records and never vouches for what it does not hold: the
database's coverage stays partial (see `vulns.update` for whole archives).
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from pycustoms.db import Database
from pycustoms.db.advisories import AdvisoryImportRow
from pycustoms.errors import TargetError
from pycustoms.vulns.interface import Coverage
from pycustoms.vulns.match import OsvRecord, parse_osv
from pycustoms.vulns.store import CHUNK, IMPORT, RecordWriter

_SUFFIXES = (".json", ".yaml", ".yml")
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# One OSV record is a few KiB; anything this large is not one (and is not read).
MAX_RECORD_BYTES = 16 << 20
_RECORDS_DIR = "vulns"


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """How an import went: files read, records stored, files that could not be read."""

    files: int
    records: int
    errors: tuple[str, ...]


def _wanted(names: list[str]) -> list[str]:
    """The record files among *names*: those below a `vulns/` directory, if there is one."""
    candidates = [n for n in names if n.endswith(_SUFFIXES)]
    below = [n for n in candidates if _RECORDS_DIR in PurePosixPath(n).parts[:-1]]
    return below or candidates


def _from_directory(path: Path, errors: list[str]) -> Iterator[tuple[str, bytes]]:
    files = {item.relative_to(path).as_posix(): item for item in path.rglob("*") if item.is_file()}
    for relative in sorted(_wanted(list(files))):
        item = files[relative]
        try:
            if item.stat().st_size > MAX_RECORD_BYTES:
                errors.append(f"{item}: larger than {MAX_RECORD_BYTES} bytes; not a record")
                continue
            yield str(item), item.read_bytes()
        except OSError as exc:
            errors.append(f"{item}: cannot be read ({exc.strerror})")


def _from_zip(path: Path, errors: list[str]) -> Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = {i.filename: i for i in archive.infolist() if not i.is_dir()}
            for name in _wanted(list(infos)):
                info = infos[name]
                if info.file_size > MAX_RECORD_BYTES:
                    errors.append(f"{path}!{name}: larger than {MAX_RECORD_BYTES} bytes")
                    continue
                yield f"{path}!{name}", archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError) as exc:
        errors.append(f"{path}: not a readable zip ({exc})")


def iter_documents(path: Path, errors: list[str]) -> Iterator[tuple[str, bytes]]:
    """The (name, bytes) of each record file under *path*; problems are added to *errors*."""
    if path.is_dir():
        yield from _from_directory(path, errors)
    elif zipfile.is_zipfile(path):
        yield from _from_zip(path, errors)
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
    for name, data in iter_documents(path, errors):
        try:
            document = load_document(name, data)
            modified = str(document["modified"]) if document.get("modified") else None
            yield [(r, modified) for r in parse_osv(document)]
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
            yield []


def import_osv(db: Database, path: Path, *, batch: int = CHUNK) -> ImportSummary:
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
    with db.session() as session, session.begin():
        writer = RecordWriter(session, IMPORT, batch=batch)
        for records in iter_records(path, errors):
            files += 1
            writer.add(records)
        writer.flush()
        now = datetime.now(UTC)
        session.add(
            AdvisoryImportRow(
                source=str(path),
                imported_at=now,
                records=len(writer.keys),
                kind=IMPORT,
                coverage=Coverage.PARTIAL.value,
                projects=writer.projects,
                as_of=now,
            )
        )
    return ImportSummary(files, len(writer.keys), tuple(errors))
