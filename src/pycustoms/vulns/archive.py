"""Whole-ecosystem archives of OSV records: fetch one and store it as the full snapshot.

An archive is OSV's PyPI export (`PyPI/all.zip`), the PyPA advisory database
(its repository as a zip), or a copy of either: an http(s) or `file:` URL, or a
local zip or directory. Downloads go to a temporary file in the data directory,
removed afterwards. The archive replaces the previous archive's records in one
transaction, and only when every record in it could be read and it holds at
least `archive-min-records` PyPI records: anything less is not a whole
ecosystem, and the database keeps what it had.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from pycustoms.db import Database
from pycustoms.db.advisories import AdvisoryImportRow
from pycustoms.errors import PycustomsError, TargetError, UsageError
from pycustoms.upstream.client import USER_AGENT
from pycustoms.vulns.interface import Coverage
from pycustoms.vulns.osv_import import iter_records
from pycustoms.vulns.store import ARCHIVE, CHUNK, RecordWriter, drop_archive_records

# OSV's PyPI export is tens of MiB; a body this large is not an advisory archive.
MAX_ARCHIVE_BYTES = 1 << 30
# Errors listed in a message; the rest are counted.
_SHOWN_ERRORS = 5


class SourceUnavailable(PycustomsError):
    """An advisory source could not be reached or read; the database was not changed."""


@dataclass(frozen=True, slots=True)
class ArchiveSummary:
    """What an archive update stored."""

    location: str
    files: int
    advisories: int
    projects: int
    as_of: datetime


def _download(url: str, target: Path, *, timeout: float) -> None:
    """Stream *url* into *target*; `SourceUnavailable` when that fails."""
    try:
        with (
            httpx.Client(
                headers={"User-Agent": USER_AGENT}, timeout=timeout, follow_redirects=True
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise SourceUnavailable(f"{url} answered HTTP {response.status_code}")
            size = 0
            with target.open("wb") as out:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_ARCHIVE_BYTES:
                        raise SourceUnavailable(
                            f"{url} is larger than {MAX_ARCHIVE_BYTES} bytes; not an advisory "
                            "archive"
                        )
                    out.write(chunk)
    except httpx.HTTPError as exc:
        raise SourceUnavailable(
            f"could not download {url} ({type(exc).__name__}: {exc or 'no detail'})"
        ) from None
    except OSError as exc:
        raise SourceUnavailable(f"could not write {target} ({exc.strerror})") from None


@contextmanager
def located(location: str, workdir: Path, *, timeout: float) -> Iterator[tuple[Path, bool]]:
    """A local path to the archive at *location*, and whether it was downloaded now.

    An http(s) URL is downloaded into *workdir* and the file removed on exit.
    """
    scheme = urlsplit(location).scheme
    if scheme == "file":
        path = Path(url2pathname(urlsplit(location).path))
    elif scheme in {"http", "https"}:
        workdir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".advisory-archive-", suffix=".zip", dir=workdir)
        os.close(handle)
        target = Path(name)
        try:
            _download(location, target, timeout=timeout)
            yield target, True
        finally:
            with suppress(OSError):
                target.unlink()
        return
    elif scheme and len(scheme) > 1:
        raise UsageError(f"{location}: only http(s) and file URLs, or local paths, are archives")
    else:
        path = Path(location).expanduser()
    if not path.exists():
        raise SourceUnavailable(f"{path} does not exist")
    yield path, False


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def store_archive(
    db: Database,
    path: Path,
    *,
    location: str,
    downloaded_at: datetime | None,
    min_records: int,
    batch: int = CHUNK,
) -> ArchiveSummary:
    """Replace the previous archive's records with those under *path*, atomically.

    `as_of` is *downloaded_at* for a download (the source's current state), else
    the newest `modified` time among the records (a local copy may be old).
    Raise `SourceUnavailable` (nothing changed) when a file cannot be read or the
    archive holds fewer than *min_records* PyPI records.
    """
    errors: list[str] = []
    files = 0
    newest: datetime | None = None
    with db.session() as session, session.begin():
        drop_archive_records(session)
        writer = RecordWriter(session, ARCHIVE, batch=batch)
        for records in iter_records(path, errors):
            files += 1
            writer.add(records)
            for _, modified in records:
                when = _parse_time(modified)
                if when is not None and (newest is None or when > newest):
                    newest = when
        writer.flush()
        if errors:
            shown = "; ".join(errors[:_SHOWN_ERRORS])
            more = (
                f" (and {len(errors) - _SHOWN_ERRORS} more)" if len(errors) > _SHOWN_ERRORS else ""
            )
            raise SourceUnavailable(
                f"{location}: {len(errors)} file(s) could not be read: {shown}{more}"
            )
        if writer.advisories < min_records:
            raise SourceUnavailable(
                f"{location} holds {writer.advisories} PyPI advisories, fewer than "
                f"vulns.archive-min-records ({min_records}): not a whole-ecosystem archive. "
                "Import a few records with `pycustoms db import-osv` instead, or lower "
                "archive-min-records for a small private mirror"
            )
        now = datetime.now(UTC)
        as_of = downloaded_at or newest or now
        session.add(
            AdvisoryImportRow(
                source=location,
                imported_at=now,
                records=writer.advisories,
                kind=ARCHIVE,
                coverage=Coverage.FULL.value,
                projects=writer.projects,
                as_of=min(as_of, now),
            )
        )
    return ArchiveSummary(location, files, writer.advisories, writer.projects, min(as_of, now))


def update_from_archive(
    db: Database, location: str, *, workdir: Path, timeout: float, min_records: int
) -> ArchiveSummary:
    """Fetch the archive at *location* (URL or path) and store it as the full snapshot."""
    started = datetime.now(UTC)
    with located(location, workdir, timeout=timeout) as (path, downloaded):
        try:
            return store_archive(
                db,
                path,
                location=location,
                downloaded_at=started if downloaded else None,
                min_records=min_records,
            )
        except TargetError:
            raise SourceUnavailable(
                f"{location} is neither a directory nor a zip of OSV records (an error page, or "
                "a cut-off download?)"
            ) from None
