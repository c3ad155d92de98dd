"""Benchmark the name analyzers over every current project name and the top 15,000.

Usage: ``python benchmarks/names.py [ALL_NAMES_TXT] [--top TSV] [--no-append] [--sample N]``

Prints alert rates (warn and block separately), p50/p99 time per name, index
build time and memory, and appends the table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import platform
import random
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

from pycustoms.analyzers.names import NameReport, analyze_name
from pycustoms.analyzers.names.index import NameIndex, default_index, parse_ranking
from pycustoms.config import Policy
from pycustoms.policy import decide
from pycustoms.types import Decision, normalize_name

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ALL_NAMES = SHARED / "pypi-all-names.txt"
TOP = SHARED / "pypi-top-15000.tsv"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def measure_build() -> tuple[float, float, NameIndex]:
    """Seconds and MiB (traced Python allocations) to build the shipped index."""
    default_index.cache_clear()
    gc.collect()
    start = time.perf_counter()
    default_index()
    seconds = time.perf_counter() - start
    # Memory in a second build: tracemalloc slows allocation, so it is not timed.
    default_index.cache_clear()
    gc.collect()
    tracemalloc.start()
    index = default_index()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, index


def run_names(
    names: list[str], index: NameIndex, policy: Policy
) -> tuple[list[float], list[tuple[str, Decision, NameReport]]]:
    """Analyze each name; return per-name seconds and the alerts."""
    timings: list[float] = []
    alerts: list[tuple[str, Decision, NameReport]] = []
    clock = time.perf_counter
    for name in names:
        start = clock()
        report = analyze_name(name, index=index)
        timings.append(clock() - start)
        if report.findings:
            verdict = decide(report.findings, policy)
            if verdict.decision is not Decision.ALLOW:
                alerts.append((name, verdict.decision, report))
    return timings, alerts


def row(
    label: str, total: int, timings: list[float], alerts: list[tuple[str, Decision, NameReport]]
) -> str:
    warn = sum(1 for _, d, _ in alerts if d is Decision.WARN)
    block = sum(1 for _, d, _ in alerts if d is Decision.BLOCK)
    ordered = sorted(timings)
    p50 = statistics.median(ordered) * 1e6
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1e6
    return (
        f"| {label} | {total:,} | {warn:,} ({warn / total:.3%}) | {block:,} ({block / total:.3%}) "
        f"| {(warn + block) / total:.3%} | {p50:.1f} | {p99:.1f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="benchmark the name analyzers")
    parser.add_argument("names", nargs="?", type=Path, default=ALL_NAMES)
    parser.add_argument("--top", type=Path, default=TOP)
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--sample", type=int, default=50, help="alerts to print for review")
    args = parser.parse_args(argv)

    build_s, build_mib, index = measure_build()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    policy = Policy()
    everything = [normalize_name(n) for n in args.names.read_text().split()]
    top = [name for _, name in parse_ranking(args.top.read_text().replace("rank\tname", "#"))]
    top = [normalize_name(n) for n in top]

    all_t, all_alerts = run_names(everything, index, policy)
    top_t, top_alerts = run_names(top, index, policy)

    lines = [
        "",
        f"## names: {datetime.date.today().isoformat()} on {platform.node()} "
        f"({platform.machine()}, {platform.python_implementation()} {platform.python_version()})",
        "",
        f"Command: `python benchmarks/names.py {args.names}`. Index build {build_s:.2f} s, "
        f"{build_mib:.0f} MiB traced allocations for the index, process max RSS {rss_mib:.0f} MiB "
        f"after the build.",
        "",
        "| set | names | warn | block | alert rate | p50 µs/name | p99 µs/name |",
        "|---|---|---|---|---|---|---|",
        row("all current names", len(everything), all_t, all_alerts),
        row("top 15,000", len(top), top_t, top_alerts),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    for name, decision, report in top_alerts:
        print(f"top-15000 alert: {name} {decision.value} {[f.message for f in report.findings]}")
    rng = random.Random(0)
    for name, decision, report in rng.sample(all_alerts, min(args.sample, len(all_alerts))):
        match = report.match
        how = (
            f"{match.target} ({match.target_rank}) {match.technique.value}: {match.detail}"
            if match
            else ""
        )
        print(f"sample: {name} -> {decision.value} {how}")
    if not args.no_append:
        with RESULTS.open("a", encoding="utf-8") as handle:
            if handle.tell() == 0:
                handle.write("# Benchmark results\n\nEach benchmark appends a section.\n")
            handle.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
