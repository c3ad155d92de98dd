"""Scan coordination: fetch, verify, store, scan, remember, at most once per file.

`ScanCoordinator.ensure` is what the file view awaits. Concurrent requests for
one sha256 share one job (single-flight). Fetching runs in a thread, scanning in
a process pool, so the event loop only waits. Verdicts are kept by sha256 in
memory and in the database; a file is served only after its verdict exists.
`metadata` reads a scanned wheel's METADATA (PEP 658 fallback) once, in the pool,
and keeps it as a blob.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import multiprocessing
import os
import tempfile
import time
import uuid
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from pycustoms.archive.stream import COMPLETE_MARKER, FAILED_MARKER, LENGTH_MARKER
from pycustoms.atomic import write_atomic
from pycustoms.config import Policy
from pycustoms.db.firewall import ScanVerdictRow
from pycustoms.db.session import Database
from pycustoms.errors import PycustomsError
from pycustoms.pools import process_pool
from pycustoms.scan import scan_streaming, scan_target
from pycustoms.server.filtering import SCAN_BLOCKED, UNSCANNABLE, Block
from pycustoms.server.wheelmeta import early_metadata, wheel_metadata
from pycustoms.storage import BlobWriter, LocalBlobStore
from pycustoms.storage.local import hash_file
from pycustoms.types import Decision, Finding, ScanResult
from pycustoms.workers.client import LOCK_SECONDS, BrokerError, RemoteScans, ScanLock
from pycustoms.workers.jobs import ScanJob, result_from_json

Fetch = Callable[[BlobWriter], None]
_log = logging.getLogger(__name__)
# A worker that follows a download gives up after this long without a byte or a
# marker. Only a safety net: the server always writes a marker or removes the file.
_STREAM_STALL_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """A file's fate: served (`block is None`) or refused with a reason."""

    sha256: str
    block: Block | None


def _block_of(result: ScanResult, *, quarantine_warn: bool = False) -> Block | None:
    verdict = result.verdict
    if verdict.decision is Decision.WARN and quarantine_warn:
        rules = ", ".join(sorted({f.rule for f in verdict.findings})[:4]) or "scan"
        why = "; ".join(verdict.reasons) or "warn"
        return Block(SCAN_BLOCKED, f"{SCAN_BLOCKED}: quarantined (serve.on-warn): {why} ({rules})")
    if verdict.decision is not Decision.BLOCK:
        return None
    rules = _where(verdict.findings)
    why = "; ".join(verdict.reasons) or "blocked"
    return Block(SCAN_BLOCKED, f"{SCAN_BLOCKED}: {why} ({rules})")


def _where(findings: Sequence[Finding]) -> str:
    """The strongest findings' rules and places (`rule at file:line`), never their values."""
    ordered = sorted(findings, key=lambda f: (-f.severity, f.rule))
    parts: list[str] = []
    for f in ordered:
        place = f" at {f.file}:{f.line}" if f.file and f.line else f" in {f.file}" if f.file else ""
        part = f"{f.rule}{place}"
        if part not in parts:
            parts.append(part)
        if len(parts) == 4:
            break
    return ", ".join(parts) or "scan"


class _Refused(Exception):
    """The file will not be served (it could not be fetched or verified)."""

    def __init__(self, block: Block) -> None:
        super().__init__(block.reason)
        self.block = block


def _commit(writer: BlobWriter, sha256: str, digest: str | None) -> None:
    """Publish the download under *sha256*, or refuse it if its content hashes otherwise."""
    try:
        writer.commit(sha256, digest=digest)
    except PycustomsError as exc:  # the hash differs: the scan result is discarded too
        raise _Refused(Block(UNSCANNABLE, f"{UNSCANNABLE}: {exc}", status=502)) from None


def _mark(path: Path, text: str) -> None:
    """Write a marker for a worker that follows a download (see `archive.stream`).

    Atomically: the worker reads the completion marker's byte count as soon as the
    file exists, and must not read it half written.
    """
    write_atomic(path, text)


def _warm() -> int:
    """Scan a tiny wheel so that the worker has imported and compiled everything."""
    with tempfile.TemporaryDirectory(prefix="pycustoms-warm-") as tmp:
        path = Path(tmp) / "warm-0.0-py3-none-any.whl"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("warm/__init__.py", "VALUE = 1\n")
        scan_target(path, Policy())
    return os.getpid()


@dataclass(frozen=True, slots=True)
class _Wanted:
    """One file to fetch and judge: what `ScanCoordinator.ensure` was asked for."""

    sha256: str
    filename: str
    project: str
    fetch: Fetch
    policy: Policy
    size: int | None  # as the index gives it: a hint for the blob store
    secrets: bool = False  # also look for live-looking secrets (private uploads)


# How much lower than the server's the scan workers' CPU priority is.
_SCAN_NICE = 10


class ScanCoordinator:
    """Owns the scan pool, the verdicts and the in-flight jobs of one server process."""

    def __init__(
        self,
        store: LocalBlobStore,
        db: Database,
        workers: int,
        *,
        streams: int = 1,
        remote: RemoteScans | None = None,
        remote_timeout: float = 600.0,
    ) -> None:
        self.store = store
        # Set: scans go to `pycustoms worker` processes through the queue (remote.py);
        # the local pools then only read wheels' METADATA.
        self._remote = remote
        self._remote_timeout = remote_timeout
        self._db = db
        self._workers = max(1, workers)
        self._pool = self._new_pool(self._workers)
        # Scans that follow a download wait for bytes: they get processes of their
        # own, so that a slow upstream never holds up the scans of files already here.
        self._streams = streams
        self._streaming = 0
        self._stream_pool = self._new_pool(streams) if streams else None
        self._inflight: dict[str, asyncio.Future[Outcome]] = {}
        self.blocks: dict[str, Block] = {}
        self._allowed: set[str] = set()
        # Wheel sha256 -> sha256 of its METADATA (stored as a blob), or None: it has none.
        self.metadata: dict[str, str | None] = {}
        self._reading: dict[str, asyncio.Future[str | None]] = {}
        # Wheel sha256 -> its METADATA read from the fetched, hash-checked bytes while the
        # scan runs (None: not servable before the verdict); kept until the job ends.
        self._early: dict[str, bytes | None] = {}
        self._early_waiting: dict[str, asyncio.Future[bytes | None]] = {}
        # Whether to read it (`serve.early-metadata`).
        self.early_enabled: Callable[[], bool] = lambda: False
        self.on_block: Callable[[str, str], None] | None = None
        self.on_metadata: Callable[[str, str], None] | None = None
        # Whether a warn verdict is held in quarantine rather than served (`serve.on-warn`).
        self.quarantine_warn: Callable[[], bool] = lambda: False
        self._load()

    @staticmethod
    def _new_pool(workers: int) -> ProcessPoolExecutor:
        # forkserver: the server has threads, and fork() with threads can deadlock.
        # Below the server's priority: a page or a stored file never waits behind a scan.
        context = multiprocessing.get_context("forkserver")
        return process_pool(workers, context, nice=_SCAN_NICE)

    def warm_up(self) -> None:
        """Start the worker processes now rather than on the first download."""
        jobs = [self._pool.submit(_warm) for _ in range(self._workers)]
        if self._stream_pool is not None:
            jobs += [self._stream_pool.submit(_warm) for _ in range(self._streams)]
        for job in jobs:
            job.result()

    def _load(self) -> None:
        with self._db.session() as session:
            for row in session.scalars(select(ScanVerdictRow)):
                if row.decision == Decision.BLOCK.value:
                    reason = "; ".join(row.reasons or []) or "blocked"
                    rules = ", ".join((row.rules or [])[:4])
                    self.blocks[row.sha256] = Block(
                        SCAN_BLOCKED, f"{SCAN_BLOCKED}: {reason} ({rules})"
                    )
                else:
                    self._allowed.add(row.sha256)
                    if row.metadata_sha256 is not None:
                        self.metadata[row.sha256] = row.metadata_sha256

    def known(self, sha256: str) -> Outcome | None:
        """The verdict already reached on *sha256*, if the file is stored (or blocked)."""
        block = self.blocks.get(sha256)
        if block is not None:
            return Outcome(sha256, block)
        if sha256 in self._allowed and self.store.has(sha256):
            return Outcome(sha256, None)
        return None

    def override(self, sha256: str, block: Block | None) -> None:
        """Apply a decision made after the scan: serve the stored file (`None`) or refuse it."""
        if block is None:
            self.blocks.pop(sha256, None)
            self._allowed.add(sha256)
        else:
            self._allowed.discard(sha256)
            self.blocks[sha256] = block

    async def ensure(
        self,
        sha256: str,
        filename: str,
        project: str,
        fetch: Fetch,
        policy: Policy,
        *,
        size: int | None = None,
        secrets: bool = False,
    ) -> Outcome:
        """The verdict on the file, fetching and scanning it first if needed (shared).

        *size* is the file's size as the index gives it (a hint for the store);
        *secrets* also searches it for live-looking secrets (private uploads).
        """
        found = self.known(sha256)
        if found is not None:
            return found
        job = self._inflight.get(sha256)
        if job is None:
            wanted = _Wanted(sha256, filename, project, fetch, policy, size, secrets)
            job = asyncio.ensure_future(self._run(wanted))
            self._inflight[sha256] = job
            job.add_done_callback(lambda _: self._job_done(sha256))
        return await asyncio.shield(job)

    def _job_done(self, sha256: str) -> None:
        self._inflight.pop(sha256, None)
        self._early.pop(sha256, None)
        self._settle_early(sha256, None)

    def _settle_early(self, sha256: str, body: bytes | None) -> None:
        waiting = self._early_waiting.pop(sha256, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(body)

    async def early_metadata(
        self, sha256: str, job: asyncio.Future[Outcome], timeout: float
    ) -> bytes | None:
        """The METADATA of wheel *sha256* once fetched, while *job* still scans it.

        `None` when it cannot be given before the verdict (not fetched by this
        job, not plain metadata of the file, the job ended, *timeout*): the
        caller then waits for the scan, as for the wheel itself.
        """
        if sha256 in self._early:
            return self._early[sha256]
        if job.done():
            return None
        waiting = self._early_waiting.get(sha256)
        if waiting is None:
            waiting = asyncio.get_running_loop().create_future()
            self._early_waiting[sha256] = waiting
        job.add_done_callback(lambda _: self._settle_early(sha256, None))
        try:
            return await asyncio.wait_for(asyncio.shield(waiting), timeout)
        except TimeoutError:
            return None

    async def _read_early(self, wanted: _Wanted, path: Path | None, digest: str | None) -> None:
        """Keep a fetched wheel's METADATA for installers that ask before its scan ends.

        Only from bytes whose sha256 (*digest*) is the published one, and only what
        `early_metadata` accepts; nothing of the wheel itself.
        """
        body: bytes | None = None
        if self.early_enabled() and path is not None and digest == wanted.sha256.lower():
            try:
                body = await asyncio.to_thread(early_metadata, path, wanted.filename, wanted.policy)
            except Exception:  # noqa: BLE001 - never a reason for the scan job to fail
                _log.exception("early metadata of %s not read", wanted.filename)
                body = None
        self._early[wanted.sha256] = body
        self._settle_early(wanted.sha256, body)

    async def _run(self, wanted: _Wanted) -> Outcome:
        sha256, filename, project = wanted.sha256, wanted.filename, wanted.project
        if self._remote is not None:
            return await self._run_remote(wanted, self._remote)
        started = time.perf_counter()
        try:
            if self.store.has(sha256):
                path = self.store.blob_path(sha256)
                _, result = await self._hash_and_scan(
                    path, filename, wanted.policy, need_hash=False, secrets=wanted.secrets
                )
            elif filename.endswith(".whl") and self._streaming < self._streams:
                result = await self._fetch_streaming(wanted)
            else:
                result = await self._fetch_then_scan(wanted)
        except _Refused as refused:
            return Outcome(sha256, refused.block)
        except (BrokenProcessPool, OSError) as exc:
            # A worker died (out of memory, killed): nothing is served, the next request retries.
            if isinstance(exc, BrokenProcessPool):
                self._pool = self._new_pool(self._workers)
            # The client gets the kind of failure; the log gets what failed (paths included).
            _log.warning("scan of %s did not complete: %r", filename, exc)
            detail = f"{UNSCANNABLE}: the scan did not complete ({type(exc).__name__}); retry"
            return Outcome(sha256, Block(UNSCANNABLE, detail, status=503))
        scanned = time.perf_counter()
        block = _block_of(result, quarantine_warn=self.quarantine_warn())
        await asyncio.to_thread(self._record, sha256, filename, result, block is not None)
        _log.debug(
            "%s: fetch and scan %.3f s, record %.3f s",
            filename, scanned - started, time.perf_counter() - scanned,
        )  # fmt: skip
        return self._decided(sha256, project, block)

    def _decided(self, sha256: str, project: str, block: Block | None) -> Outcome:
        """Remember a verdict reached (or read from the database) for this process."""
        if block is None:
            self._allowed.add(sha256)
            return Outcome(sha256, None)
        self.blocks[sha256] = block
        if self.on_block is not None:
            self.on_block(project, sha256)
        return Outcome(sha256, block)

    async def _run_remote(self, wanted: _Wanted, remote: RemoteScans) -> Outcome:
        """Have a worker scan the file, once across all replicas (see `workers.client`).

        The replica that takes the file's lock fetches it, has a worker scan it and
        stores the verdict before letting go; another replica asking meanwhile waits
        for that verdict, then fetches and verifies the bytes itself (until the
        store is shared) and serves them under it. Anything that fails on the way
        (Redis down, the job failed, no answer in `scan_timeout`) refuses the file.
        """
        sha256 = wanted.sha256
        deadline = time.monotonic() + self._remote_timeout
        try:
            taken = await self._lock_or_verdict(remote, sha256, deadline)
            if isinstance(taken, ScanVerdictRow):
                return await self._adopt(wanted, taken)
            lock = taken
            try:
                # The holder before us may have finished between our look and our lock.
                row = await asyncio.to_thread(self._stored_verdict, sha256)
                if row is not None:
                    return await self._adopt(wanted, row)
                result, writer = await self._scan_remote(wanted, remote, lock, deadline)
                block = _block_of(result, quarantine_warn=self.quarantine_warn())
                try:
                    await asyncio.to_thread(
                        self._record, sha256, wanted.filename, result, block is not None
                    )
                except BaseException:
                    if writer is not None:
                        writer.abort()
                    raise
                # Published only now: an object in a shared store always has its verdict
                # (the worker checked the sha256 of these bytes; the commit checks it again).
                if writer is not None:
                    await asyncio.to_thread(_commit, writer, sha256, None)
            finally:
                await asyncio.to_thread(lock.release)
        except _Refused as refused:
            return Outcome(sha256, refused.block)
        except (BrokerError, OSError) as exc:
            _log.warning("scan of %s did not complete: %s", wanted.filename, exc)
            detail = f"{UNSCANNABLE}: the scan did not complete (scan queue: {exc}); retry"
            return Outcome(sha256, Block(UNSCANNABLE, detail[:500], status=503))
        return self._decided(sha256, wanted.project, block)

    async def _scan_remote(
        self, wanted: _Wanted, remote: RemoteScans, lock: ScanLock, deadline: float
    ) -> tuple[ScanResult, BlobWriter | None]:
        """Fetch the file into the store's staging area and have a worker scan it.

        Returns the result and the writer to publish the file with once the verdict
        is stored (`None`: the file was in the store already).
        """
        writer = None if self.store.has(wanted.sha256) else self.store.writer(expected=wanted.size)
        try:
            if writer is None:
                source = str(self.store.blob_path(wanted.sha256))
            else:
                await asyncio.to_thread(wanted.fetch, writer)
                writer.finish()
                source = await asyncio.to_thread(writer.share)
            job = ScanJob(
                wanted.sha256,
                os.path.basename(wanted.filename),  # noqa: PTH119 - a bare name
                source,
                wanted.policy,
                wanted.secrets,
            )
            task_id = await asyncio.to_thread(remote.submit, job)
            answer = await self._answer(remote, task_id, lock, deadline)
            await asyncio.to_thread(remote.forget, task_id)
            result = result_from_json(answer, wanted.filename)
        except BaseException as exc:
            if writer is not None:
                writer.abort()
            if isinstance(exc, PycustomsError) and not isinstance(exc, BrokerError):
                raise _Refused(Block(UNSCANNABLE, f"{UNSCANNABLE}: {exc}", status=502)) from None
            raise
        return result, writer

    async def _lock_or_verdict(
        self, remote: RemoteScans, sha256: str, deadline: float
    ) -> ScanLock | ScanVerdictRow:
        """The file's scan lock, or the verdict that the replica holding it stored."""
        while True:
            row = await asyncio.to_thread(self._stored_verdict, sha256)
            if row is not None:
                return row
            lock = await asyncio.to_thread(remote.lock, sha256)
            if lock is not None:
                return lock
            if time.monotonic() > deadline:
                raise BrokerError("another replica's scan of the file did not finish in time")
            await asyncio.sleep(0.2)

    async def _answer(
        self, remote: RemoteScans, task_id: str, lock: ScanLock, deadline: float
    ) -> dict[str, object]:
        """Wait for the worker's answer, renewing the lock meanwhile."""
        renewed = time.monotonic()
        while (answer := await asyncio.to_thread(remote.poll, task_id)) is None:
            now = time.monotonic()
            if now > deadline:
                raise BrokerError(f"no worker finished the scan in {self._remote_timeout:g} s")
            if now - renewed > LOCK_SECONDS / 3:
                await asyncio.to_thread(lock.renew)
                renewed = now
            await asyncio.sleep(0.05)
        return answer

    def _stored_verdict(self, sha256: str) -> ScanVerdictRow | None:
        with self._db.session() as session:
            return session.get(ScanVerdictRow, sha256)

    async def _adopt(self, wanted: _Wanted, row: ScanVerdictRow) -> Outcome:
        """Take a verdict another replica stored: refuse, or fetch and verify the bytes."""
        if row.decision == Decision.BLOCK.value:
            reason = "; ".join(row.reasons or []) or "blocked"
            rules = ", ".join((row.rules or [])[:4])
            block = Block(SCAN_BLOCKED, f"{SCAN_BLOCKED}: {reason} ({rules})")
            return self._decided(wanted.sha256, wanted.project, block)
        if not self.store.has(wanted.sha256):
            writer = self.store.writer(expected=wanted.size)
            try:
                await asyncio.to_thread(wanted.fetch, writer)
            except PycustomsError as exc:
                writer.abort()
                raise _Refused(Block(UNSCANNABLE, f"{UNSCANNABLE}: {exc}", status=502)) from None
            except BaseException:
                writer.abort()
                raise
            await asyncio.to_thread(_commit, writer, wanted.sha256, None)
        if row.metadata_sha256 is not None:
            self.metadata[wanted.sha256] = row.metadata_sha256
        return self._decided(wanted.sha256, wanted.project, None)

    async def _fetch_then_scan(self, wanted: _Wanted) -> ScanResult:
        """Download the whole file, then scan it while hashing it."""
        # Fetch without hashing, then hash while the scan runs: the sha256 of a
        # large file costs about as much as the download, and neither result is
        # used (nor anything served) unless both succeed.
        writer = self.store.writer(inline_hash=False, expected=wanted.size)
        try:
            await asyncio.to_thread(wanted.fetch, writer)
            source = writer.finish()
            # Once hashed (the scan still running), a wheel's METADATA can be given early.
            wheel = wanted.filename.endswith(".whl")
            on_hash = functools.partial(self._read_early, wanted, source) if wheel else None
            digest, result = await self._hash_and_scan(
                source, wanted.filename, wanted.policy, need_hash=True, on_hash=on_hash
            )
        except PycustomsError as exc:
            writer.abort()
            raise _Refused(Block(UNSCANNABLE, f"{UNSCANNABLE}: {exc}", status=502)) from None
        except BaseException:
            writer.abort()
            raise
        _commit(writer, wanted.sha256, digest)
        return result

    async def _fetch_streaming(self, wanted: _Wanted) -> ScanResult:
        """Download a wheel while a worker scans the bytes already there.

        The scan follows the growing file and confirms its reading against the
        wheel's central directory once the download ends (see
        `pycustoms.archive.stream`); the hash is computed as the bytes arrive.
        Nothing is served before both succeed, exactly as on the other path.
        """
        writer = self.store.writer(inline_hash=True, expected=wanted.size)
        growing = writer.growing_path()
        self._streaming += 1
        try:
            async with self._linked(growing, wanted.filename) as target:
                writer.publish_length(target.parent / LENGTH_MARKER)
                loop = asyncio.get_running_loop()
                job = functools.partial(scan_streaming, stall_seconds=_STREAM_STALL_SECONDS)
                scan = loop.run_in_executor(self._stream_pool, job, target, wanted.policy)
                try:
                    await asyncio.to_thread(wanted.fetch, writer)
                    written = writer.finish().stat().st_size
                except BaseException as exc:
                    # The worker stops at this marker (or at the link's removal).
                    _mark(target.parent / FAILED_MARKER, "")
                    writer.abort()
                    if isinstance(exc, PycustomsError):
                        with contextlib.suppress(Exception):
                            await scan
                        block = Block(UNSCANNABLE, f"{UNSCANNABLE}: {exc}", status=502)
                        raise _Refused(block) from None
                    raise
                _mark(target.parent / COMPLETE_MARKER, str(written))
                if wanted.filename.endswith(".whl"):
                    await self._read_early(wanted, writer.growing_path(), writer.inline_digest())
                try:
                    result = await scan
                except BrokenProcessPool:
                    writer.abort()
                    self._stream_pool = self._new_pool(self._streams)
                    detail = f"{UNSCANNABLE}: the scan did not complete (worker died); retry"
                    raise _Refused(Block(UNSCANNABLE, detail, status=503)) from None
                except BaseException:
                    writer.abort()
                    raise
        finally:
            self._streaming -= 1
        _commit(writer, wanted.sha256, None)
        return result

    async def _hash_and_scan(
        self,
        source: Path,
        filename: str,
        policy: Policy,
        *,
        need_hash: bool,
        secrets: bool = False,
        on_hash: Callable[[str], Awaitable[None]] | None = None,
    ) -> tuple[str | None, ScanResult]:
        """Scan *source* under its real filename (the reader needs its suffix); hash meanwhile.

        *on_hash* gets the digest as soon as it is known, while the scan goes on.
        """

        async def hashed() -> str:
            digest = await asyncio.to_thread(hash_file, source)
            if on_hash is not None:
                await on_hash(digest)
            return digest

        async with self._linked(source, filename) as target:
            loop = asyncio.get_running_loop()
            job = functools.partial(scan_target, secrets=secrets)
            scan = loop.run_in_executor(self._pool, job, target, policy)
            if need_hash:
                digest, result = await asyncio.gather(hashed(), scan)
                return digest, result
            return None, await scan

    async def wheel_metadata(
        self, sha256: str, filename: str, project: str, policy: Policy
    ) -> str | None:
        """The sha256 of the METADATA of a stored, allowed wheel (read once, shared), or `None`."""
        if sha256 in self.metadata:
            return self.metadata[sha256]
        if not filename.endswith(".whl") or self.known(sha256) != Outcome(sha256, None):
            return None
        job = self._reading.get(sha256)
        if job is None:
            job = asyncio.ensure_future(self._read_metadata(sha256, filename, project, policy))
            self._reading[sha256] = job
            job.add_done_callback(lambda _: self._reading.pop(sha256, None))
        return await asyncio.shield(job)

    async def _read_metadata(
        self, sha256: str, filename: str, project: str, policy: Policy
    ) -> str | None:
        loop = asyncio.get_running_loop()
        try:
            async with self._linked(self.store.blob_path(sha256), filename) as target:
                body = await loop.run_in_executor(self._pool, wheel_metadata, target, policy)
        except (BrokenProcessPool, OSError):
            return None  # not remembered: the next request tries again
        digest: str | None = None
        if body is not None:
            digest = hashlib.sha256(body).hexdigest()
            if not self.store.has(digest):
                writer = self.store.writer()
                writer.write(body)
                await asyncio.to_thread(writer.commit, digest)
        await asyncio.to_thread(self._record_metadata, sha256, digest)
        self.metadata[sha256] = digest
        if digest is not None and self.on_metadata is not None:
            self.on_metadata(project, sha256)
        return digest

    def _record_metadata(self, sha256: str, digest: str | None) -> None:
        if digest is None:
            return  # "none" is only remembered for this process (cheap to find again)
        with self._db.session() as session, session.begin():
            session.execute(
                update(ScanVerdictRow)
                .where(ScanVerdictRow.sha256 == sha256)
                .values(metadata_sha256=digest)
            )

    @contextlib.asynccontextmanager
    async def _linked(self, source: Path, filename: str) -> AsyncIterator[Path]:
        """*source* hard-linked under its real filename (the reader needs its suffix)."""
        link = self.store.tmp / f"scan-{uuid.uuid4().hex}"
        target = link / os.path.basename(filename)  # noqa: PTH119 - a bare name, no directories
        try:
            link.mkdir()
            os.link(source, target)
            yield target
        finally:
            markers = (COMPLETE_MARKER, FAILED_MARKER, LENGTH_MARKER)
            for leftover in (target, *(link / marker for marker in markers)):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            with contextlib.suppress(OSError):
                link.rmdir()

    def _record(self, sha256: str, filename: str, result: ScanResult, refused: bool) -> None:
        verdict = result.verdict
        # A warn held back by `serve.on-warn = "quarantine"` waits in the quarantine queue.
        decision = Decision.BLOCK.value if refused else verdict.decision.value
        row = ScanVerdictRow(
            sha256=sha256,
            filename=filename,
            decision=decision,
            score=verdict.score,
            reasons=list(verdict.reasons),
            rules=sorted({f.rule for f in verdict.findings}),
            error=result.error[:2000] if result.error else None,
            scanned_at=datetime.now(UTC),
        )
        record_verdict(self._db, row)

    def close(self) -> None:
        """Stop the worker processes."""
        if self._remote is not None:
            self._remote.close()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._stream_pool is not None:
            self._stream_pool.shutdown(wait=True, cancel_futures=True)


def record_verdict(db: Database, row: ScanVerdictRow) -> None:
    """Store *row* (insert, or replace the verdict stored for the same file).

    `merge` reads the row, then inserts it if it was not there. Replicas on one
    PostgreSQL database can scan the same file at the same moment; the second
    insert then fails on the primary key, and the request that waited for the
    scan would fail with it. The verdict is the other replica's on the same bytes,
    so the second `merge`, which now finds that row, just updates it.
    """
    for attempt in range(2):
        try:
            with db.session() as session, session.begin():
                session.merge(row)
        except IntegrityError:
            if attempt:
                raise
        else:
            return
