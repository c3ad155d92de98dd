"""Fuzz the archive reader, the scanner and the index with mutated wheels and sdists.

    .venv/bin/python benchmarks/fuzz_archives.py [--count 10000] [--seed 1] [-j 2]
        [--timeout 30] [--index-count 300] [--mirror-wheels 16] [--sdists 10]
        [--sdist-dir DIR ...] [--memory-mb 4096] [--keep DIR] [--no-record]

Seeds: small wheels and sdists built by `tests.builders` (every format the
reader knows), wheels under 2 MB from pip's local file:// mirrors, and real
sdists under 2 MB from `benchmarks/fetch_sdists.py`'s cache directories. Case
*i* of run *--seed* is made by `tests.fuzzing.cases.make_case` (truncation,
bit flips, zip and tar header edits, gzip edits, nested bombs, polyglots,
duplicate and absurd names, hostile sources) and scanned by `scan_target` in a
worker process with a wall-clock limit; a case over the limit is run again
alone with four times the limit, and only one that still gives no verdict is a
hang. Then `--index-count` of the cases go through a real `pycustoms serve`
over a fake upstream. Prints the tables, appends them to benchmarks/RESULTS.md,
and exits 1 if anything crashed, hung, failed open or broke the index's promise.
Nothing built here is installed, imported or run.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from pycustoms.mirrors import local_mirror_wheels

sys.path.append(str(Path(__file__).parent))
sys.path.append(str(Path(__file__).parent.parent))  # the fuzzing library lives with the tests
from _common import append_results, percentile
from tests.fuzzing.cases import FAMILIES, make_case
from tests.fuzzing.index import IndexReport, serve_cases
from tests.fuzzing.runner import CRASH, ERROR, GENERATOR, HANG, Outcome, RunSettings, run_cases
from tests.fuzzing.seeds import Seed, built_seeds, file_seeds, load_seeds, save_seeds

SDIST_CACHE = Path.home() / ".cache" / "pycustoms-bench"
MAX_SEED_BYTES = 2_000_000


def real_seeds(args: argparse.Namespace) -> tuple[list[Seed], int, int]:
    """Mirror wheels and cached sdists under 2 MB, a seeded sample of each."""
    rng = random.Random(args.seed)
    wheels = [p for p in local_mirror_wheels() if p.stat().st_size < MAX_SEED_BYTES]
    dirs = args.sdist_dir or sorted(SDIST_CACHE.glob("sdists*"))
    sdists = sorted(
        p
        for d in dirs
        if d.is_dir()
        for p in d.iterdir()
        if p.name.endswith((".tar.gz", ".zip")) and p.stat().st_size < MAX_SEED_BYTES
    )
    picked_wheels = rng.sample(wheels, min(args.mirror_wheels, len(wheels)))
    picked_sdists = rng.sample(sdists, min(args.sdists, len(sdists)))
    return file_seeds(picked_wheels + picked_sdists), len(picked_wheels), len(picked_sdists)


def progress(total: int) -> Callable[[Outcome], None]:
    """A callback that prints a line to stderr every 500 cases."""
    start = time.perf_counter()
    done: list[Outcome] = []

    def report(outcome: Outcome) -> None:
        done.append(outcome)
        if len(done) % 500 == 0 or len(done) == total:
            elapsed = time.perf_counter() - start
            print(f"  {len(done)}/{total} cases, {elapsed:.0f} s", file=sys.stderr)

    return report


def retry_slow(
    settings: RunSettings, outcomes: list[Outcome]
) -> tuple[list[Outcome], dict[int, float]]:
    """Run each case over the limit alone with four times the limit; return hangs and the rest."""
    over = [o.index for o in outcomes if o.status == HANG]
    if not over:
        return [], {}
    alone = RunSettings(
        settings.seeds_dir, settings.run_seed, settings.scratch, jobs=1,
        timeout=settings.timeout * 4, memory_mb=settings.memory_mb,
    )  # fmt: skip
    again = run_cases(alone, over)
    finished = {o.index: o.seconds for o in again if o.status != HANG}
    return [o for o in again if o.status == HANG], finished


def verdict_rows(
    outcomes: list[Outcome], hangs: list[Outcome], slow: dict[int, float], timeout: float
) -> list[tuple[str, str]]:
    """The main table."""
    status = Counter(o.status for o in outcomes)
    decisions = Counter(o.decision for o in outcomes if o.decision)
    judged = [o for o in outcomes if o.status not in (CRASH, HANG, GENERATOR)]
    closed = [o for o in judged if not o.clean]
    times = [o.seconds for o in judged]
    by_worker: dict[int, float] = defaultdict(float)
    for o in outcomes:
        by_worker[o.worker] = max(by_worker[o.worker], o.rss_mb)
    peaks = sorted(v for k, v in by_worker.items() if k)
    growth = max(outcomes, key=lambda o: o.rss_growth_mb)
    slow_text = ", ".join(f"#{i} {s:.0f} s" for i, s in sorted(slow.items())) or "none"
    blocked = sum(1 for o in closed if o.decision == "block")
    internal = sum(1 for o in outcomes if o.internal)
    peak_text = f"{peaks[0]:.0f} / {peaks[-1]:.0f} MB over {len(peaks)} workers" if peaks else "-"
    growth_text = (
        f"{growth.rss_growth_mb:.0f} MB (#{growth.index} {growth.family}: {growth.note[:60]})"
    )
    p50, p99, worst = percentile(times, 50), percentile(times, 99), max(times, default=0.0)
    return [
        (
            "allow / warn / block",
            f"{decisions['allow']} / {decisions['warn']} / {decisions['block']}",
        ),
        ("read to the end (no fail-closed finding)", f"{len(judged) - len(closed)}"),
        (
            "fail-closed (`archive/unscannable` or `scan/error`)",
            f"{len(closed)}, blocked: {blocked}",
        ),
        ("`scan/error` results", f"{status[ERROR]} (internal: {internal})"),
        ("fail open (not read to the end, not blocked)", f"{sum(o.fails_open for o in judged)}"),
        ("crashes (exception escaped `scan_target`, worker died)", f"{status[CRASH]}"),
        (f"over {timeout:.0f} s, then finished alone within {4 * timeout:.0f} s", slow_text),
        ("hangs (no verdict even alone at 4x the limit)", f"{len(hangs)}"),
        ("generator faults", f"{status[GENERATOR]}"),
        ("peak RSS per worker (lowest / highest)", peak_text),
        ("largest rise of a worker's peak by one case", growth_text),
        ("seconds per case p50 / p99 / max", f"{p50:.3f} / {p99:.2f} / {worst:.1f}"),
    ]


def family_table(outcomes: list[Outcome]) -> str:
    """Per mutation family: counts, verdicts and time."""
    rows = ["| family | cases | allow | warn | block | fail-closed | p99 s | max s |",
            "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for family in [f.name for f in FAMILIES]:
        mine = [o for o in outcomes if o.family == family]
        if not mine:
            continue
        d = Counter(o.decision for o in mine)
        times = [o.seconds for o in mine]
        rows.append(
            f"| {family} | {len(mine)} | {d['allow']} | {d['warn']} | {d['block']} | "
            f"{sum(1 for o in mine if not o.clean)} | {percentile(times, 99):.2f} | "
            f"{max(times):.1f} |"
        )
    return "\n".join(rows) + "\n"


def index_rows(report: IndexReport) -> list[tuple[str, str]]:
    """The index table."""
    served = report.served
    ok = [s for s in served if s.status == 200 and s.exact]
    refused = Counter(s.status for s in served if s.status is not None and s.status >= 400)
    hidden = sum(1 for s in served if not s.listed)
    refusals = ", ".join(f"{k}: {v}" for k, v in sorted(refused.items())) or "none"
    clean_refused = sum(1 for s in served if s.status != 200 and s.local in ("allow", "warn"))
    return [
        ("downloads", f"{len(served)}"),
        ("200 with the exact bytes, after a clean scan", f"{len(ok)}"),
        ("refused (status: count)", refusals),
        ("hidden from the page", f"{hidden}"),
        ("refused although the local scan allows", f"{clean_refused}"),
        (
            "violations (other bytes, 200 for a blocked file, no answer)",
            f"{len(report.violations)}",
        ),
        ("server alive / health check after", f"{report.alive} / {report.healthy}"),
        ("tracebacks in the server log", f"{report.tracebacks}"),
    ]


def table(rows: list[tuple[str, str]]) -> str:
    """A two-column Markdown table."""
    return "| measure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)


def run_index(
    args: argparse.Namespace, settings: RunSettings, seeds: list[Seed], work: Path
) -> IndexReport:
    """Scan a sample of the cases under their index names, then serve them."""
    rng = random.Random(f"index:{args.seed}")
    picked = sorted(rng.sample(range(args.count), min(args.index_count, args.count)))
    named = RunSettings(
        settings.seeds_dir, settings.run_seed, work / "index-scratch", jobs=settings.jobs,
        timeout=settings.timeout * 4, index_names=True, memory_mb=settings.memory_mb,
    )  # fmt: skip
    local = {o.index: (o.decision or o.status) for o in run_cases(named, picked)}
    for o in [o for o in local.items() if o[1] not in ("allow", "warn", "block")]:
        print(f"  index case #{o[0]} scanned locally as {o[1]}", file=sys.stderr)
    cases = [make_case(seeds, args.seed, i) for i in picked]
    return serve_cases(cases, local, work / "index", timeout=settings.timeout * 8)


def keep_failures(args: argparse.Namespace, seeds: list[Seed], indices: set[int]) -> None:
    """Write the bytes of each failing case to --keep for reproducing by hand."""
    if not args.keep or not indices:
        return
    args.keep.mkdir(parents=True, exist_ok=True)
    for index in sorted(indices):
        case = make_case(seeds, args.seed, index)
        (args.keep / f"{index:05d}-{case.filename}").write_bytes(case.data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="cases through scan_target")
    parser.add_argument("--seed", type=int, default=1, help="the run seed")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--index-count", type=int, default=300, help="cases through the index")
    parser.add_argument("--mirror-wheels", type=int, default=16, help="seed wheels from mirrors")
    parser.add_argument("--sdists", type=int, default=10, help="seed sdists from the cache")
    parser.add_argument("--sdist-dir", type=Path, action="append", help="where sdists are")
    parser.add_argument("--memory-mb", type=int, default=4096, help="address space per worker")
    parser.add_argument("--keep", type=Path, help="write failing cases here")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pycustoms-fuzz-") as tmp:
        work = Path(tmp)
        extra, n_wheels, n_sdists = real_seeds(args)
        save_seeds(built_seeds(work / "build") + extra, work / "seeds")
        seeds = load_seeds(work / "seeds")
        settings = RunSettings(
            work / "seeds", args.seed, work / "scratch", jobs=args.jobs, timeout=args.timeout,
            memory_mb=args.memory_mb,
        )  # fmt: skip
        print(f"{args.count} cases from {len(seeds)} seeds, {args.jobs} workers", file=sys.stderr)
        start = time.perf_counter()
        outcomes = run_cases(settings, range(args.count), progress(args.count))
        wall = time.perf_counter() - start
        hangs, slow = retry_slow(settings, outcomes)
        report = run_index(args, settings, seeds, work) if args.index_count else None
        bad = {o.index for o in outcomes if o.status in (CRASH, GENERATOR) or o.fails_open}
        bad |= {o.index for o in hangs} | {o.index for o in outcomes if o.internal}
        bad |= {s.index for s, _ in report.violations} if report else set()
        keep_failures(args, seeds, bad)

    head = [
        ("cases", f"{len(outcomes)} (run seed {args.seed}; {len(seeds)} seed files: "
         f"{len(seeds) - n_wheels - n_sdists} built, {n_wheels} mirror wheels, {n_sdists} sdists)"),
        ("workers", f"{args.jobs} (spawned; {args.timeout:.0f} s per case; "
         f"{args.memory_mb} MiB address space each)"),
        ("wall time", f"{wall:.0f} s ({len(outcomes) / wall:.1f} cases/s)"),
    ]  # fmt: skip
    body = table(head + verdict_rows(outcomes, hangs, slow, args.timeout))
    body += "\nBy mutation family:\n\n" + family_table(outcomes)
    if report is not None:
        body += f"\nThrough the index ({len(report.served)} of the cases, `pycustoms serve`):\n\n"
        body += table(index_rows(report))
    problems = [
        f"- #{o.index} {o.status} {o.family} ({o.note[:80]}): {o.detail[:160]}"
        for o in outcomes
        if o.index in bad
    ]
    problems += [
        f"- index #{s.index} {s.filename}: {v}" for s, v in (report.violations if report else [])
    ]
    body += "\nFailures:\n\n" + ("\n".join(problems) if problems else "- none") + "\n"
    errors = Counter(
        o.detail.split(":", 1)[-1].strip()[:120] for o in outcomes if o.status == ERROR
    )
    body += "\n`scan/error` results (fail closed), by message:\n\n" + (
        "".join(f"- {n} x {message}\n" for message, n in errors.most_common(8)) or "- none\n"
    )
    slowest = sorted((o for o in outcomes if o.status != HANG), key=lambda o: -o.seconds)[:5]
    body += "\nSlowest:\n\n" + "".join(
        f"- {o.seconds:.1f} s #{o.index} {o.family}: {o.note[:70]} ({o.size} bytes)\n"
        for o in slowest
    )
    print(body)
    if not args.no_record:
        append_results("fuzz_archives", f"Command: `{' '.join(sys.argv)}`\n\n{body}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
