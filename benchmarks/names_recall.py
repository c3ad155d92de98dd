"""Recall of `check-name` on a labelled list of real squats, split into two halves.

Usage: ``python benchmarks/names_recall.py [LABELS.tsv] [--no-append] [--misses]``

The labelled file defaults to `benchmarks/data/squats.tsv`, built by hand from
the project names of real malicious projects (its header says how). One squat
per line, tab-separated, `#` starts a comment:

    name<TAB>kind<TAB>target

- `name`: the squatting project's name (any spelling; it is normalised),
- `kind`: `typo` (typosquat: misspelling, affix, separator, reordered words)
  or `combo` (combosquat: the popular name joined with other words),
- `target`: the project it imitates (optional; used for the "target in the
  index" column, which counts only squats whose target is in the shipped
  popular-name index and so can be caught at all).

A name counts as caught when check-name's verdict (`decide` with the default
`Policy`) is warn or block. Squats are split into halves A and B by the first
byte of the SHA-256 of the normalised name (even: A, odd: B), so that one half
can be developed on and the other measured; the table shows both and all.
The table is appended to benchmarks/RESULTS.md unless `--no-append`.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _common import append_results

from pycustoms.analyzers.names import analyze_name, default_index
from pycustoms.config import Policy
from pycustoms.policy import decide
from pycustoms.types import Decision, normalize_name

KINDS = ("typo", "combo")
LABELS = Path(__file__).resolve().parent / "data" / "squats.tsv"


@dataclass(frozen=True, slots=True)
class Squat:
    """One labelled squat and how check-name judged it."""

    name: str
    kind: str
    target: str | None
    half: str
    verdict: Decision
    imitates: str | None


def half_of(name: str) -> str:
    """`A` or `B`: the half a normalised name falls in, by a hash of the name."""
    return "A" if hashlib.sha256(name.encode()).digest()[0] % 2 == 0 else "B"


def read_labels(path: Path) -> list[tuple[str, str, str | None]]:
    """Parse the labelled file; every bad line is reported at once."""
    rows: list[tuple[str, str, str | None]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        fields = text.split("\t")
        if len(fields) not in (2, 3) or fields[1] not in KINDS:
            errors.append(f"{path}:{number}: expected 'name<TAB>typo|combo[<TAB>target]'")
            continue
        name = normalize_name(fields[0])
        if name in seen:
            continue
        seen.add(name)
        target = normalize_name(fields[2]) if len(fields) == 3 and fields[2] else None
        rows.append((name, fields[1], target))
    if errors:
        raise SystemExit("\n".join(errors))
    return rows


def judge(rows: list[tuple[str, str, str | None]]) -> tuple[list[Squat], list[float]]:
    """Run check-name's judgement on every labelled name; return results and seconds each."""
    index = default_index()
    policy = Policy()
    results: list[Squat] = []
    timings: list[float] = []
    for name, kind, target in rows:
        start = time.perf_counter()
        report = analyze_name(name, index=index)
        verdict = decide(report.findings, policy).decision if report.findings else Decision.ALLOW
        timings.append(time.perf_counter() - start)
        results.append(Squat(name, kind, target, half_of(name), verdict, report.imitates))
    return results, timings


def _rate(squats: list[Squat]) -> str:
    if not squats:
        return "-"
    caught = sum(1 for s in squats if s.verdict is not Decision.ALLOW)
    return f"{caught / len(squats):.1%} ({caught}/{len(squats)})"


def table(results: list[Squat]) -> str:
    """Markdown table: recall by half and kind, overall and for targets in the index."""
    index = default_index()
    lines = [
        "| half | kind | squats | recall | recall, target in the index |",
        "|---|---|---|---|---|",
    ]
    for half in ("A", "B", "all"):
        for kind in KINDS:
            chosen = [s for s in results if s.kind == kind and half in ("all", s.half)]
            reachable = [s for s in chosen if s.target is None or s.target in index.rank]
            lines.append(
                f"| {half} | {kind} | {len(chosen)} | {_rate(chosen)} | {_rate(reachable)} |"
            )
    return "\n".join(lines)


def _shown(path: Path) -> str:
    """*path* relative to the repository when it is inside it."""
    try:
        return str(path.resolve().relative_to(LABELS.parents[2]))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    """Measure recall on the labelled squats and print (and append) the table."""
    parser = argparse.ArgumentParser(description="recall of check-name on labelled squats")
    parser.add_argument(
        "labels",
        nargs="?",
        type=Path,
        default=LABELS,
        help="labelled TSV: name<TAB>typo|combo[<TAB>target] (default: benchmarks/data/squats.tsv)",
    )
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--misses", action="store_true", help="list the squats not caught")
    args = parser.parse_args(argv)

    default_index.cache_clear()
    start = time.perf_counter()
    default_index()  # built once, outside the per-name timings
    load = time.perf_counter() - start
    results, timings = judge(read_labels(args.labels))
    p50 = statistics.median(timings) * 1e3 if timings else 0.0
    worst = max(timings) * 1e3 if timings else 0.0
    body = (
        f"Command: `python benchmarks/names_recall.py {_shown(args.labels)}`. "
        f"Caught = warn or block (name alone, default policy). Index load {load:.2f} s; "
        f"per name p50 {p50:.2f} ms, max {worst:.2f} ms.\n\n{table(results)}\n"
    )
    print(body)
    if args.misses:
        for squat in results:
            if squat.verdict is Decision.ALLOW:
                print(
                    f"miss [{squat.half}] {squat.kind}: {squat.name} (target {squat.target})",
                    file=sys.stderr,
                )
    if not args.no_append:
        append_results("names recall", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
