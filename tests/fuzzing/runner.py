"""Scan fuzz cases in worker processes, each under a wall-clock limit, and classify them.

A worker generates its case itself (from the seeds on disk, the run seed and
the case number), writes it to a scratch file, calls `scan_target`, and
reports an `Outcome`. The parent hands out one case at a time, so that it can
kill a worker that overruns the limit (a hang) and notice one that dies (a
crash), then start a fresh worker and go on. Memory is measured as each
worker's peak resident set after each case.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from pycustoms.archive import UNSCANNABLE
from pycustoms.config import Policy
from pycustoms.pools import follow_parent
from pycustoms.scan import scan_target
from pycustoms.types import Decision, ScanResult, Severity
from tests.fuzzing.cases import Case, make_case
from tests.fuzzing.seeds import Seed, load_seeds

VERDICT, ERROR, CRASH, HANG, GENERATOR = "verdict", "error", "crash", "hang", "generator"
_START_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one case.

    `status` is `verdict` (the scan finished), `error` (it gave a fail-closed
    error result), `crash` (an exception escaped `scan_target`, or the worker
    died), `hang` (it overran the wall-clock limit) or `generator` (the case
    could not be made: a fault of the fuzzer, not of pycustoms).
    """

    index: int
    family: str
    seed: str
    note: str
    filename: str
    size: int
    status: str
    decision: str | None = None
    unscannable: bool = False
    rules: tuple[str, ...] = ()
    detail: str = ""
    seconds: float = 0.0
    rss_mb: float = 0.0  # the worker's peak resident set after this case
    rss_growth_mb: float = 0.0  # how much this case raised that peak
    worker: int = 0  # the worker's process id

    @property
    def internal(self) -> bool:
        """An exception escaped the reader or an analyzer (caught by `scan_target`)."""
        return self.status == ERROR and self.detail.startswith("internal error")

    @property
    def clean(self) -> bool:
        """The package was read to the end: no fail-closed finding and no error."""
        return self.status == VERDICT and not self.unscannable

    @property
    def fails_open(self) -> bool:
        """Not read to the end, yet not blocked: the one thing a firewall must never do."""
        judged = self.status in (VERDICT, ERROR)
        return judged and not self.clean and self.decision != Decision.BLOCK.value


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How to run a batch of cases."""

    seeds_dir: Path
    run_seed: int
    scratch: Path
    jobs: int = 2
    timeout: float = 30.0
    index_names: bool = False  # scan each case under its `Case.index_filename`
    memory_mb: int | None = None  # address-space limit of each worker


def describe(case: Case, status: str) -> Outcome:
    """An `Outcome` of *case* with nothing but its *status* (fill in the rest with `replace`)."""
    return Outcome(
        case.index, case.family, case.seed, case.note, case.filename, len(case.data), status
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _judge(case: Case, result: ScanResult, seconds: float, before: float) -> Outcome:
    findings = result.verdict.findings
    rules = sorted({f.rule for f in findings if f.severity >= Severity.HIGH})
    peak = _peak_mb()
    return replace(
        describe(case, ERROR if result.error else VERDICT),
        decision=result.verdict.decision.value,
        unscannable=any(f.rule == UNSCANNABLE for f in findings),
        rules=tuple(rules[:6]),
        detail=(result.error or "")[:300],
        seconds=seconds,
        rss_mb=peak,
        rss_growth_mb=peak - before,
        worker=os.getpid(),
    )


def scan_case(seeds: Sequence[Seed], settings: RunSettings, index: int, folder: Path) -> Outcome:
    """Make case *index*, scan it from a file in *folder*, and classify the result."""
    try:
        case = make_case(seeds, settings.run_seed, index)
    except Exception as exc:  # a fault of the fuzzer, reported
        return Outcome(index, "?", "?", "", "", 0, GENERATOR, detail=repr(exc)[:300])
    path = folder / (case.index_filename if settings.index_names else case.filename)
    path.write_bytes(case.data)
    before = _peak_mb()
    start = time.perf_counter()
    try:
        result = scan_target(path, Policy())
    except (Exception, SystemExit, GeneratorExit) as exc:  # counted as a crash
        elapsed = time.perf_counter() - start
        return replace(describe(case, CRASH), detail=repr(exc)[:300], seconds=elapsed)
    finally:
        path.unlink(missing_ok=True)
    return _judge(case, result, time.perf_counter() - start, before)


def _work(conn: Connection, settings: RunSettings, parent: int) -> None:
    """A worker process: scan the case numbers the parent sends until it sends None."""
    follow_parent(parent)
    if settings.memory_mb:
        limit = settings.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    seeds = load_seeds(settings.seeds_dir)
    folder = settings.scratch / f"worker-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    warm = folder / seeds[0].filename  # the first scan loads the rules: not a case's time
    warm.write_bytes(seeds[0].data)
    scan_target(warm, Policy())
    warm.unlink()
    conn.send(None)
    while True:
        index = conn.recv()
        if index is None:
            return
        conn.send(scan_case(seeds, settings, index, folder))


@dataclass
class _Slot:
    process: BaseProcess
    conn: Connection
    index: int | None = None
    started: float = 0.0


class Runner:
    """Hands cases to worker processes, enforcing the limit; see `run_cases`."""

    def __init__(self, settings: RunSettings, seeds: Sequence[Seed]) -> None:
        self.settings = settings
        self.seeds = seeds
        self.context = multiprocessing.get_context("spawn")

    def start(self) -> _Slot:
        mine, theirs = self.context.Pipe()
        process = self.context.Process(
            target=_work, args=(theirs, self.settings, os.getpid()), daemon=True
        )
        process.start()
        theirs.close()
        try:
            if mine.poll(_START_SECONDS):  # the worker says when it is ready
                mine.recv()
                return _Slot(process, mine)
        except EOFError:
            pass
        process.kill()
        raise RuntimeError(f"a fuzz worker did not start (exit code {process.exitcode})")

    def failed(self, index: int, status: str, detail: str, seconds: float) -> Outcome:
        """An outcome for a case whose worker never answered (the case is made again here)."""
        try:
            case = make_case(self.seeds, self.settings.run_seed, index)
        except Exception as exc:  # the generator itself failed
            return Outcome(index, "?", "?", "", "", 0, status, detail=f"{detail}; {exc!r}")
        return replace(describe(case, status), detail=detail, seconds=seconds)

    def run(
        self, indices: Sequence[int], on_outcome: Callable[[Outcome], None] | None = None
    ) -> list[Outcome]:
        pending = deque(indices)
        outcomes: list[Outcome] = []
        slots = [self.start() for _ in range(max(1, min(self.settings.jobs, len(pending))))]
        try:
            for slot in slots:
                self.assign(slot, pending)
            while any(slot.index is not None for slot in slots):
                busy = [slot for slot in slots if slot.index is not None]
                deadline = min(slot.started for slot in busy) + self.settings.timeout
                wait(
                    [s.conn for s in busy] + [s.process.sentinel for s in busy],
                    timeout=max(0.0, deadline - time.monotonic()),
                )
                for position, slot in enumerate(slots):
                    outcome, slots[position] = self.collect(slot)
                    if outcome is not None:
                        outcomes.append(outcome)
                        if on_outcome is not None:
                            on_outcome(outcome)
                        self.assign(slots[position], pending)
        finally:
            for slot in slots:
                self.stop(slot)
        return outcomes

    def assign(self, slot: _Slot, pending: deque[int]) -> None:
        slot.index = pending.popleft() if pending else None
        if slot.index is not None:
            slot.started = time.monotonic()
            slot.conn.send(slot.index)

    def collect(self, slot: _Slot) -> tuple[Outcome | None, _Slot]:
        """The slot's outcome if it has one (and the slot to use next)."""
        if slot.index is None:
            return None, slot
        elapsed = time.monotonic() - slot.started
        try:
            if slot.conn.poll():
                outcome: Outcome = slot.conn.recv()
                return outcome, slot
        except (EOFError, OSError):
            pass
        if not slot.process.is_alive():
            slot.process.join()
            detail = f"worker died (exit code {slot.process.exitcode})"
            outcome = self.failed(slot.index, CRASH, detail, elapsed)
        elif elapsed > self.settings.timeout:
            detail = f"no verdict after {self.settings.timeout:.0f} s"
            outcome = self.failed(slot.index, HANG, detail, elapsed)
        else:
            return None, slot
        self.stop(slot, kill=True)
        return outcome, self.start()

    @staticmethod
    def stop(slot: _Slot, *, kill: bool = False) -> None:
        if slot.process.is_alive():
            if kill:
                slot.process.kill()
            else:
                try:
                    slot.conn.send(None)
                except OSError:
                    slot.process.kill()
            slot.process.join(10)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
        slot.conn.close()


def run_cases(
    settings: RunSettings,
    indices: Sequence[int],
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Scan cases *indices* of the run; one `Outcome` per case, in the order they finished."""
    seeds = load_seeds(settings.seeds_dir)
    return Runner(settings, seeds).run(indices, on_outcome)
