"""Fetch the newest sdist of projects in a download-rank range: a benign corpus for benchmarks.

    .venv/bin/python benchmarks/fetch_sdists.py --ranks 1-400 [--every 1] [--max-mb 40]
    .venv/bin/python benchmarks/fetch_sdists.py --ranks 401-15000 --every 11 --out DIR
    .venv/bin/python benchmarks/fetch_sdists.py --ranks 401-15000 --every 11 --offset 5 --out DIR2

Ranks come from `data/pypi-top-15000.tsv` beside the team's shared data (or
`--ranks-file`). Files are fetched by pycustoms' own upstream client (the
index pip on this machine is configured with, hash-checked) into
`~/.cache/pycustoms-bench/sdists/` (or `--out`); nothing is committed. Only
the bytes are stored: nothing is unpacked, built or run. Projects whose
newest release has no sdist, or whose sdist is larger than `--max-mb`, are
skipped. Re-running fetches only what is missing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pycustoms.errors import PycustomsError
from pycustoms.upstream.cache import HttpCache
from pycustoms.upstream.client import ClientOptions, UpstreamClient
from pycustoms.upstream.models import FileKind
from pycustoms.upstream.pipconf import discover

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DEFAULT_OUT = Path.home() / ".cache" / "pycustoms-bench" / "sdists"


def read_ranks(path: Path) -> list[tuple[int, str]]:
    """(rank, name) rows of a `rank<TAB>name` file, header skipped."""
    rows: list[tuple[int, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rank, _, name = line.partition("\t")
        if rank.strip().isdigit() and name.strip():
            rows.append((int(rank), name.strip()))
    return rows


def _fetch(client: UpstreamClient, name: str, out: Path, max_bytes: int) -> str:
    page = client.project_page(name)
    sdists = [
        f for f in page.files if f.kind is FileKind.SDIST and f.version is not None and not f.yanked
    ]
    if not sdists:
        return "no sdist"
    newest = max(sdists, key=lambda f: (f.version, f.filename.endswith(".tar.gz")))
    target = out / newest.filename
    if target.exists():
        return "have"
    if newest.size is not None and newest.size > max_bytes:
        return "too large"
    path = client.download(newest)
    shutil.copyfile(path, target)
    path.unlink(missing_ok=True)
    return "fetched"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", default="1-400", help="rank range, e.g. 401-15000")
    parser.add_argument("--every", type=int, default=1, help="take every Nth project of the range")
    parser.add_argument(
        "--offset", type=int, default=0, help="start at the Nth project of the range"
    )
    parser.add_argument("--ranks-file", type=Path, default=SHARED / "pypi-top-15000.tsv")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--max-mb", type=float, default=40.0)
    parser.add_argument("-j", "--jobs", type=int, default=8)
    args = parser.parse_args()
    if not args.ranks_file.is_file():
        print(f"no rank file at {args.ranks_file}; pass --ranks-file", file=sys.stderr)
        return 3
    low, _, high = args.ranks.partition("-")
    chosen = [
        name for rank, name in read_ranks(args.ranks_file) if int(low) <= rank <= int(high or low)
    ][args.offset :: max(1, args.every)]
    args.out.mkdir(parents=True, exist_ok=True)
    cache = args.out.parent / "http-cache"
    options = ClientOptions(timeout=60.0)
    counts: dict[str, int] = {}
    with UpstreamClient(discover().index_url, cache=HttpCache(cache), options=options) as client:

        def one(name: str) -> str:
            try:
                return _fetch(client, name, args.out, int(args.max_mb * 1024**2))
            except PycustomsError as exc:
                return f"error: {type(exc).__name__}"

        with ThreadPoolExecutor(args.jobs) as pool:
            for name, outcome in zip(chosen, pool.map(one, chosen), strict=True):
                key = outcome.split(":")[0]
                counts[key] = counts.get(key, 0) + 1
                if key == "error":
                    print(f"{name}: {outcome}", file=sys.stderr)
    print(
        f"{len(chosen)} projects into {args.out}: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
