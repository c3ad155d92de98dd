"""Private packages: files uploaded with `twine upload`, which shadow the upstream name.

A project with at least one private file is served from here only; the
upstream is never asked about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from sqlalchemy import select

from pycustoms.db.firewall import PrivateFileRow
from pycustoms.db.session import Database
from pycustoms.errors import UsageError
from pycustoms.server.storage import LocalBlobStore
from pycustoms.types import ProjectName, normalize_name
from pycustoms.upstream.models import IndexFile, ProjectPage

_SAFE_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+!-]*$")


@dataclass(frozen=True, slots=True)
class Upload:
    """What `twine upload` sends for one file (the fields pycustoms uses)."""

    name: str
    version: str
    filename: str
    content: bytes
    sha256_digest: str | None
    requires_python: str | None
    uploader: str


class UploadRejected(UsageError):
    """The upload is refused (bad name, duplicate file, digest mismatch)."""


def _check_filename(upload: Upload) -> ProjectName:
    name = normalize_name(upload.name)
    if not _SAFE_FILENAME.match(upload.filename) or "/" in upload.filename:
        raise UploadRejected(f"invalid filename {upload.filename!r}")
    try:
        if upload.filename.endswith(".whl"):
            found, version, *_ = parse_wheel_filename(upload.filename)
        elif upload.filename.endswith((".tar.gz", ".zip")):
            found, version = parse_sdist_filename(upload.filename)
        else:
            raise UploadRejected("only wheels and .tar.gz/.zip sdists can be uploaded")
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise UploadRejected(f"invalid distribution filename: {exc}") from None
    if normalize_name(found) != name:
        raise UploadRejected(f"{upload.filename} does not belong to project {name}")
    if str(version) != upload.version and version.public != upload.version:
        raise UploadRejected(f"{upload.filename} is not version {upload.version}")
    return name


class PrivateIndex:
    """Private projects in the database, their files in the blob store."""

    def __init__(self, db: Database, store: LocalBlobStore) -> None:
        self._db = db
        self._store = store
        with db.session() as session:
            self.projects: set[str] = set(session.scalars(select(PrivateFileRow.project)))

    def has(self, name: ProjectName) -> bool:
        """True if *name* is a private project (shadows the upstream)."""
        return name in self.projects

    def page(self, name: ProjectName) -> ProjectPage:
        """The project's files as a page (blocking: reads the database)."""
        with self._db.session() as session:
            rows = session.scalars(
                select(PrivateFileRow)
                .where(PrivateFileRow.project == name)
                .order_by(PrivateFileRow.id)
            ).all()
        files = tuple(
            IndexFile(
                filename=r.filename,
                url=f"blob:{r.sha256}",
                hashes={"sha256": r.sha256},
                requires_python=r.requires_python,
                upload_time=r.uploaded_at
                if r.uploaded_at.tzinfo
                else r.uploaded_at.replace(tzinfo=UTC),
                size=r.size,
                provenance_known=True,
            )
            for r in rows
        )
        return ProjectPage(name=name, files=files, source="private")

    def add(self, upload: Upload) -> ProjectName:
        """Store an uploaded file (blocking); raise `UploadRejected` if it is not acceptable."""
        import hashlib  # noqa: PLC0415

        name = _check_filename(upload)
        digest = hashlib.sha256(upload.content).hexdigest()
        if upload.sha256_digest and upload.sha256_digest.lower() != digest:
            raise UploadRejected("the sha256_digest does not match the uploaded content")
        with self._db.session() as session:
            existing = session.scalars(
                select(PrivateFileRow).where(PrivateFileRow.filename == upload.filename)
            ).first()
        if existing is not None:
            raise UploadRejected(f"File already exists: {upload.filename}")
        writer = self._store.writer()
        writer.write(upload.content)
        writer.commit(digest)
        row = PrivateFileRow(
            project=name,
            version=upload.version,
            filename=upload.filename,
            sha256=digest,
            size=len(upload.content),
            requires_python=upload.requires_python or None,
            uploaded_at=datetime.now(UTC),
            uploaded_by=upload.uploader,
        )
        with self._db.session() as session, session.begin():
            session.add(row)
        self.projects.add(name)
        return name
