"""Scan every wheel of pip's local mirrors (and any extra directory): speed and verdicts.

    .venv/bin/python benchmarks/scan_corpus.py [-j 2] [--no-mirrors] [DIR ...] [--no-record]

Prints packages/s, MB/s (compressed and uncompressed), p50/p95/max time per
package, peak RSS, and every package with a warn or block verdict with its rules;
appends the table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _common import append_results, peak_rss_mb, percentile

from pycustoms.archive import expand_targets
from pycustoms.config import Policy
from pycustoms.mirrors import local_mirror_wheels
from pycustoms.scan import scan_target
from pycustoms.types import Decision, ScanResult


def _timed(path: Path) -> tuple[ScanResult, float]:
    start = time.perf_counter()
    result = scan_target(path, Policy())
    return result, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="extra directories or archives")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--no-mirrors", action="store_true", help="skip pip's local mirrors")
    parser.add_argument("--limit", type=int, default=0, help="scan only the first N packages")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()

    paths = [] if args.no_mirrors else local_mirror_wheels()
    if args.dirs:
        paths.extend(expand_targets(args.dirs))
    if args.limit:
        paths = paths[: args.limit]
    if not paths:
        print("no packages found (is pip configured with a local file:// index?)")
        return 3
    compressed = sum(p.stat().st_size for p in paths)

    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        timed = list(pool.map(_timed, paths, chunksize=1))
    wall = time.perf_counter() - start

    times = [t for _, t in timed]
    results = [r for r, _ in timed]
    uncompressed = sum(r.bytes_scanned for r in results)
    counts = Counter(r.verdict.decision for r in results)
    own_rss, child_rss = peak_rss_mb()
    n = len(results)
    rows = [
        ("packages", f"{n}"),
        ("workers", f"{args.jobs}"),
        ("wall time", f"{wall:.1f} s"),
        ("packages/s", f"{n / wall:.1f}"),
        ("MB/s compressed", f"{compressed / 1e6 / wall:.1f} ({compressed / 1e6:.0f} MB)"),
        ("MB/s uncompressed", f"{uncompressed / 1e6 / wall:.1f} ({uncompressed / 1e6:.0f} MB)"),
        ("p50 per package", f"{percentile(times, 50) * 1000:.1f} ms"),
        ("p95 per package", f"{percentile(times, 95) * 1000:.1f} ms"),
        ("max per package", f"{max(times) * 1000:.0f} ms"),
        ("peak RSS (parent / largest worker)", f"{own_rss:.0f} MB / {child_rss:.0f} MB"),
        ("allow", f"{counts[Decision.ALLOW]}"),
        ("warn", f"{counts[Decision.WARN]} ({100 * counts[Decision.WARN] / n:.2f}%)"),
        ("block", f"{counts[Decision.BLOCK]} ({100 * counts[Decision.BLOCK] / n:.2f}%)"),
        ("errors", f"{sum(1 for r in results if r.error)}"),
    ]
    table = "| measure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    flagged = [r for r in results if r.verdict.decision is not Decision.ALLOW]
    details = ""
    for r in sorted(flagged, key=lambda r: (-r.verdict.decision.rank, r.target)):
        rules = sorted({f.rule for f in r.verdict.findings if f.severity >= 2})
        details += (
            f"- {r.verdict.decision.value} {Path(r.target).name} "
            f"(score {r.verdict.score}): {', '.join(rules)}\n"
        )
    slowest = sorted(zip(times, results, strict=True), key=lambda tr: -tr[0])[:5]
    slow = "".join(f"- {t * 1000:.0f} ms {Path(r.target).name}\n" for t, r in slowest)
    details = details or "- none\n"
    body = f"{table}\nWarn/block verdicts:\n\n{details}\nSlowest:\n\n{slow}"
    print(body)
    if not args.no_record:
        append_results("scan_corpus", f"Command: `{' '.join(sys.argv)}`\n\n{body}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
