"""Benchmark PEP 740 verification: time per file after start-up, p50/p99 (target <= 20 ms).

Usage: ``python benchmarks/provenance.py [--rounds N] [--no-append]``

Verifies the real provenance fixtures of `tests/provenance/assets` offline against
the shipped trusted root. Start-up (imports, parsing the root, building the
verifier) is measured once and reported apart.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import append_results, percentile

ASSETS = Path(__file__).resolve().parents[1] / "tests" / "provenance" / "assets"
FILES = (
    "pypi_attestations-0.0.19.tar.gz",
    "circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl",
    "gcb_attestation_test-0.0.0.tar.gz",
)


def main() -> int:
    """Run the benchmark and print (and append) the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    from pycustoms.analyzers.provenance.model import Status  # noqa: PLC0415 - timed start-up
    from pycustoms.analyzers.provenance.trust import load_trust_root  # noqa: PLC0415
    from pycustoms.analyzers.provenance.verify import (  # noqa: PLC0415
        verifier_for,
        verify_provenance,
    )

    root = load_trust_root()
    verifier_for(root)
    startup = (time.perf_counter() - started) * 1000
    cases = [
        (name, hashlib.sha256((ASSETS / name).read_bytes()).hexdigest(),
         json.loads((ASSETS / f"{name}.provenance").read_bytes()))
        for name in FILES
    ]  # fmt: skip
    times: list[float] = []
    for _ in range(args.rounds):
        for name, sha, document in cases:
            began = time.perf_counter()
            result = verify_provenance(document, name, sha, root)
            times.append((time.perf_counter() - began) * 1000)
            if result.status is not Status.VERIFIED:
                raise SystemExit(f"{name}: {result.reason}")
    body = (
        "| measure | value |\n|---|---|\n"
        f"| start-up (imports, root, verifier) | {startup:.0f} ms |\n"
        f"| files verified | {len(times)} ({len(FILES)} real fixtures x {args.rounds}) |\n"
        f"| p50 per file | {percentile(times, 50):.2f} ms |\n"
        f"| p99 per file | {percentile(times, 99):.2f} ms |\n"
        "| target | <= 20 ms per file |\n"
    )
    print(body)
    if not args.no_append:
        append_results("Provenance verification (benchmarks/provenance.py)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
