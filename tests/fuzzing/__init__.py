"""Mutated archives for fuzzing the reader, the scanner and the index.

- `seeds`: small real wheels and sdists (built with `tests.builders`, or read
  from disk) that the mutations start from.
- `cases`: the weighted mutation families and `make_case(seeds, run_seed,
  index)`; case *index* of run *run_seed* is always the same bytes, so any
  failure is reproduced from two numbers.
- the families: `bytefuzz` (truncation, bit flips, runs), `zipfuzz` (local and
  central headers, end records), `tarfuzz` (tar headers under their
  compression, gzip header and trailer), `bombs` (nesting, ratio, member count,
  declared sizes, polyglots), `names` (duplicate and absurd names, sources that
  strain a parser); `layers` and `containers` take seeds apart and rebuild them.
- `runner`: scans cases in worker processes with a wall-clock limit per case
  and classifies each outcome (verdict, fail-closed error, crash, hang).
- `index`: serves cases from a fake upstream through a real `pycustoms serve`.

Used by `tests/test_fuzz_archives.py` (a small seeded run) and
`benchmarks/fuzz_archives.py` (the full count). Nothing here executes,
installs or imports the packages it builds.
"""
