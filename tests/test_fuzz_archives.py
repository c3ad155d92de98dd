"""The reader, the scanner and the index under fuzzing: a small seeded run of the benchmark.

`benchmarks/fuzz_archives.py` runs 10,000 mutated archives (and real seeds from
this machine's mirrors); this runs 200 through `scan_target` and 20 through a
real server with the same generator and built seeds only, so that a change
that makes one of them crash, hang or fail open is caught here first. A
failure names the case: `make_case(built seeds, RUN_SEED, index)` gives its bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzzing.cases import FAMILIES, make_case
from tests.fuzzing.index import serve_cases
from tests.fuzzing.runner import CRASH, GENERATOR, HANG, Outcome, RunSettings, run_cases
from tests.fuzzing.seeds import built_seeds, load_seeds, save_seeds

RUN_SEED = 20261121
SCAN_CASES = range(200)
INDEX_CASES = range(10_000, 10_020)  # other cases than the scan's
TIMEOUT = 60.0  # per case: generous for a loaded machine; a real hang never ends


@pytest.fixture(scope="module")
def seeds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    save_seeds(built_seeds(root / "build"), root / "seeds")
    return root / "seeds"


def _explain(outcome: Outcome) -> str:
    return (
        f"case {outcome.index} ({outcome.family}: {outcome.note}; seed {outcome.seed}) "
        f"-> {outcome.status} {outcome.decision}: {outcome.detail}"
    )


def test_cases_are_the_same_bytes_every_time(seeds_dir: Path, tmp_path: Path) -> None:
    again = built_seeds(tmp_path / "again")
    seeds = load_seeds(seeds_dir)
    assert [s.data for s in again] == [s.data for s in seeds]
    for index in (0, 7, 99):
        assert make_case(seeds, RUN_SEED, index) == make_case(again, RUN_SEED, index)
    assert make_case(seeds, RUN_SEED, 1) != make_case(seeds, RUN_SEED + 1, 1)


def test_mutated_archives_get_a_verdict_or_fail_closed(seeds_dir: Path, tmp_path: Path) -> None:
    settings = RunSettings(seeds_dir, RUN_SEED, tmp_path, jobs=2, timeout=TIMEOUT)
    outcomes = run_cases(settings, SCAN_CASES)
    assert sorted(o.index for o in outcomes) == list(SCAN_CASES)
    broken = [o for o in outcomes if o.status in (CRASH, HANG, GENERATOR) or o.internal]
    assert not broken, "\n".join(map(_explain, broken))
    # Whatever was not read to the end is blocked: the firewall fails closed.
    fails_open = [o for o in outcomes if o.fails_open]
    assert not fails_open, "\n".join(map(_explain, fails_open))
    assert all(o.decision == "block" for o in outcomes if not o.clean)
    # The run exercised both ways out, and most kinds of mutation.
    assert sum(o.clean for o in outcomes) > 20
    assert sum(not o.clean for o in outcomes) > 50
    assert len({o.family for o in outcomes}) > len(FAMILIES) * 2 // 3


@pytest.mark.slow
def test_index_serves_exact_bytes_after_a_clean_scan_or_refuses(
    seeds_dir: Path, tmp_path: Path
) -> None:
    named = RunSettings(
        seeds_dir, RUN_SEED, tmp_path / "scratch", timeout=TIMEOUT, index_names=True
    )
    local = {o.index: o.decision or o.status for o in run_cases(named, INDEX_CASES)}
    seeds = load_seeds(seeds_dir)
    cases = [make_case(seeds, RUN_SEED, index) for index in INDEX_CASES]
    report = serve_cases(cases, local, tmp_path / "index")
    assert not report.violations, report.violations
    assert report.alive
    assert report.healthy
    assert report.tracebacks == 0
    statuses = [s.status for s in report.served]
    assert 200 in statuses
    assert any(status is not None and status >= 400 for status in statuses)
