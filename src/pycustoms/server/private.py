"""Private packages: files uploaded with `twine upload`, which shadow the upstream name.

A project with at least one private file is served from here only; the
upstream is never asked about it. Who may create such a project is guarded by
the upload view (`views.upload`): a token allowed to publish the name, a name
that does not exist upstream unless an admin declared it internal, the names
check and the scan all come before `record` lists a file.
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

from pycustoms.db.console import AuditRow
from pycustoms.db.firewall import PrivateFileRow
from pycustoms.db.session import Database
from pycustoms.errors import UsageError
from pycustoms.types import ProjectName, normalize_name
from pycustoms.upstream.models import IndexFile, ProjectPage

_SAFE_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+!-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Upload:
    """What `twine upload` sends for one file (the fields pycustoms uses), once stored.

    `sha256` and `size` describe the bytes that were received (already in the
    blob store); `uploader` is the name of the token that sent them.
    """

    name: str
    version: str
    filename: str
    sha256: str
    size: int
    sha256_digest: str | None
    requires_python: str | None
    uploader: str


class UploadRejected(UsageError):
    """The upload is refused (bad name, duplicate file, digest mismatch)."""


def check_filename(name: str, version: str, filename: str) -> ProjectName:
    """The normalised project of an upload whose fields agree with its filename."""
    project = normalize_name(name)
    if not _SAFE_FILENAME.match(filename) or "/" in filename:
        raise UploadRejected(f"invalid filename {filename!r}")
    try:
        if filename.endswith(".whl"):
            found, parsed, *_ = parse_wheel_filename(filename)
        elif filename.endswith((".tar.gz", ".zip")):
            found, parsed = parse_sdist_filename(filename)
        else:
            raise UploadRejected("only wheels and .tar.gz/.zip sdists can be uploaded")
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise UploadRejected(f"invalid distribution filename: {exc}") from None
    if normalize_name(found) != project:
        raise UploadRejected(f"{filename} does not belong to project {project}")
    if str(parsed) != version and parsed.public != version:
        raise UploadRejected(f"{filename} is not version {version}")
    return project


class PrivateIndex:
    """Private projects in the database, their files in the blob store."""

    def __init__(self, db: Database) -> None:
        self._db = db
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

    def exists(self, filename: str) -> bool:
        """True if a file of this name was uploaded before (blocking)."""
        with self._db.session() as session:
            found = session.scalars(
                select(PrivateFileRow.id).where(PrivateFileRow.filename == filename)
            ).first()
        return found is not None

    def check(self, upload: Upload) -> ProjectName:
        """The upload's project, if its fields, digest and filename are acceptable (blocking)."""
        name = check_filename(upload.name, upload.version, upload.filename)
        if not _SHA256.match(upload.sha256):
            raise UploadRejected("the stored content has no valid sha256")
        if upload.sha256_digest and upload.sha256_digest.lower() != upload.sha256:
            raise UploadRejected("the sha256_digest does not match the uploaded content")
        if self.exists(upload.filename):
            raise UploadRejected(f"File already exists: {upload.filename}")
        return name

    def record(self, upload: Upload, *, reason: str) -> ProjectName:
        """List a checked and scanned upload, with an audit entry (blocking)."""
        name = self.check(upload)
        now = datetime.now(UTC)
        row = PrivateFileRow(
            project=name,
            version=upload.version,
            filename=upload.filename,
            sha256=upload.sha256,
            size=upload.size,
            requires_python=upload.requires_python or None,
            uploaded_at=now,
            uploaded_by=upload.uploader,
        )
        audit = AuditRow(
            at=now,
            actor=upload.uploader,
            action="private-upload",
            target=upload.filename,
            reason=reason,
            detail={"sha256": upload.sha256, "project": name, "version": upload.version},
        )
        with self._db.session() as session, session.begin():
            session.add(row)
            session.add(audit)
        self.projects.add(name)
        return name

    def refused(self, upload: Upload, reason: str) -> None:
        """Audit a refused upload (blocking): who tried to publish what, and why not."""
        with self._db.session() as session, session.begin():
            session.add(
                AuditRow(
                    at=datetime.now(UTC),
                    actor=upload.uploader,
                    action="private-upload-refused",
                    target=upload.filename[:512],
                    reason=reason[:2000],
                    detail={"sha256": upload.sha256, "project": normalize_name(upload.name)},
                )
            )
