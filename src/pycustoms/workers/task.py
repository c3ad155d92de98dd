"""What a worker does with one scan job: read the file, check its sha256, scan it.

The bytes are copied from the job's source into a directory of the worker's own
while they are hashed, and the copy is what is scanned: the file scanned is the
file whose sha256 was checked, whatever happens to the source meanwhile. The scan
is `scan_target`, the same archive reader and analyzers as the server's own pool:
nothing in the package is run, imported or installed.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from pathlib import Path

from pycustoms.errors import PycustomsError
from pycustoms.scan import scan_target
from pycustoms.types import ScanResult
from pycustoms.workers.jobs import ScanJob

_log = logging.getLogger(__name__)
_BLOCK = 1 << 20


class SourceError(PycustomsError):
    """The job's file could not be read, or its content is not the sha256 it names."""


def _copy_local(source: Path, target: Path, digest: hashlib._Hash) -> None:
    try:
        with source.open("rb") as src, target.open("wb") as dst:
            while chunk := src.read(_BLOCK):
                digest.update(chunk)
                dst.write(chunk)
    except OSError as exc:
        raise SourceError(f"cannot read the job's file ({exc.strerror})") from None


def fetch_source(job: ScanJob, folder: Path) -> Path:
    """Copy the job's file into *folder* under its own name; check its sha256."""
    target = folder / job.filename
    digest = hashlib.sha256()
    if job.source.startswith("s3://"):
        from pycustoms.storage.s3 import download_checked  # noqa: PLC0415 - only for S3 jobs

        download_checked(job.source, target, digest)
    else:
        _copy_local(Path(job.source), target, digest)
    if digest.hexdigest() != job.sha256:
        raise SourceError(
            f"the job's file is not the one it names (sha256 differs from {job.sha256}); "
            "it was not scanned"
        )
    return target


def run_job(job: ScanJob) -> ScanResult:
    """Scan the job's file after checking it; raise `SourceError` when it cannot be read."""
    started = time.perf_counter()
    _log.info("scanning %s %s", job.sha256, job.filename)
    folder = Path(tempfile.mkdtemp(prefix="pycustoms-job-"))
    try:
        path = fetch_source(job, folder)
        result = scan_target(path, job.policy, secrets=job.secrets)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # One line per completed scan: what an operator (and the tests) count scans by.
    _log.info(
        "scanned %s %s: %s in %.2f s",
        job.sha256, job.filename, result.verdict.decision.value, time.perf_counter() - started,
    )  # fmt: skip
    return result
