"""Benchmark the install path: pycustoms against a direct static index, in one run.

The rows of issue 18, each against a direct baseline measured in the same run:
the same static upstream (a sendfile server over pip's local PEP 503 mirror)
is both the direct index and pycustoms' upstream. With pip and with uv:

- first (cold) GET of a small project's page, ms; cached small and large pages, req/s
- first (cold) download of 30 projects' wheels through a fresh server, s
- warm `pip install` / `pip download` / `uv pip install` of them, median, ÷ direct
- cold large wheel: first byte and total, s, beside the scan of that wheel alone

Every server runs on 127.0.0.1 and is stopped by its PID. The cached-page rows need
`wrk` (Debian: `apt-get install -y wrk`). Results are appended
to benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/install_path.py [--reps 3] [--no-append]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
import venv
from collections.abc import Callable

import httpx
from benchmarks._common import append_results
from benchmarks.proxy import static_server
from tests.server.serverproc import UV, ServerProcess, clean_env

from pycustoms.config import Policy
from pycustoms.mirrors import discover, local_path
from pycustoms.scan import scan_target

PACKAGES = [
    *("requests", "flask", "click", "rich", "pytest", "pyyaml", "attrs", "jinja2"),
    *("python-dateutil", "six", "tabulate", "tqdm", "packaging", "httpx", "pydantic"),
    *("sqlalchemy", "wrapt", "pygments", "iniconfig", "toml", "tomli", "platformdirs"),
    *("filelock", "cachetools", "certifi", "idna", "urllib3", "charset-normalizer"),
    *("markupsafe", "typing-extensions"),
]
JSON = "application/vnd.pypi.simple.v1+json"
HTML = "text/html"


def mirror_root() -> Path:
    """The first local PEP 503 tree pip is configured with (its `simple/` and `files/`)."""
    conf = discover()
    for url in (conf.index_url, *conf.extra_index_urls):
        path = local_path(url)
        if path is not None and (path / "requests").is_dir():
            return path.parent if path.name == "simple" else path
    raise SystemExit("no local PEP 503 mirror with `requests` in pip's configuration")


def overlay(root: Path, work: Path, releases: int) -> Path:
    """*root* plus a synthetic `bigproj` page of *releases* releases (a page, no files)."""
    tree = work / "overlay"
    (tree / "simple" / "bigproj").mkdir(parents=True)
    (tree / "files").symlink_to(root / "files")
    for project in (root / "simple").iterdir():
        if project.is_dir():
            (tree / "simple" / project.name).symlink_to(project)
    links = "".join(
        f'<a href="../../files/bigproj-{i}.0-py3-none-any.whl#sha256={i:064x}">'
        f"bigproj-{i}.0-py3-none-any.whl</a><br/>\n"
        for i in range(releases)
    )
    (tree / "simple" / "bigproj" / "index.html").write_text(
        f"<!DOCTYPE html><html><body>\n{links}</body></html>\n"
    )
    return tree


def _pip_env() -> dict[str, str]:
    return clean_env(
        PIP_CONFIG_FILE="/dev/null", PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1"
    )


def _timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900, check=False)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{argv[:4]} failed: {done.stderr[-800:]}")
    return seconds


class Clients:
    """pip (the venv's own, as the shared benchmark uses) and uv, each into fresh targets."""

    def __init__(self, work: Path) -> None:
        self.work = work
        venv.create(work / "client", with_pip=True)
        self.python = str(work / "client" / "bin" / "python")
        self.pip_version = subprocess.run(
            [self.python, "-m", "pip", "--version"], capture_output=True, text=True, check=True
        ).stdout.split()[1]
        self.uv_version = subprocess.run(
            [UV, "--version"], capture_output=True, text=True, check=True
        ).stdout.split()[1]
        self._n = 0

    def _fresh(self, name: str) -> Path:
        self._n += 1
        path = self.work / f"{name}-{self._n}"
        shutil.rmtree(path, ignore_errors=True)
        return path

    def pip_download(self, index: str) -> float:
        dest = self._fresh("dl")
        argv = [self.python, "-m", "pip", "download", "--no-cache-dir", "--only-binary=:all:",
                "--index-url", index, "-q", "-d", str(dest), *PACKAGES]  # fmt: skip
        try:
            return _timed(argv, _pip_env())
        finally:
            shutil.rmtree(dest, ignore_errors=True)

    def pip_install(self, index: str) -> float:
        dest = self._fresh("target")
        argv = [self.python, "-m", "pip", "install", "--no-cache-dir", "--only-binary=:all:",
                "--index-url", index, "-q", "--target", str(dest), *PACKAGES]  # fmt: skip
        try:
            return _timed(argv, _pip_env())
        finally:
            shutil.rmtree(dest, ignore_errors=True)

    def uv_install(self, index: str) -> float:
        dest = self._fresh("uvtarget")
        env = clean_env(UV_NO_CONFIG="1", UV_NO_CACHE="1", UV_PYTHON_DOWNLOADS="never")
        argv = [UV, "pip", "install", "--python", self.python, "--no-cache", "--only-binary",
                ":all:", "--default-index", index, "--target", str(dest), "-q",
                *PACKAGES]  # fmt: skip
        try:
            return _timed(argv, env)
        finally:
            shutil.rmtree(dest, ignore_errors=True)


def _server(upstream: str, data: Path) -> ServerProcess:
    # `serve`'s defaults, as the shared benchmark starts it (cooldown off, upstream trusted
    # for age: the static mirror publishes no upload times).
    env = {"PYCUSTOMS_SERVE_TRUSTED_FOR_AGE": "1", "PYCUSTOMS_SERVE_DOWNLOAD_SPARE_MIB": "256"}
    return ServerProcess(upstream, data, env=env, args=("--cooldown", "P0D"))


def _cold_get_ms(index: str, project: str) -> float:
    headers = {"Accept": HTML, "Accept-Encoding": "gzip, deflate", "User-Agent": "bench"}
    start = time.perf_counter()
    httpx.get(f"{index}{project}/", headers=headers, timeout=60).raise_for_status()
    return (time.perf_counter() - start) * 1000


def _rps(index: str, project: str, seconds: float) -> float | None:
    """Requests/s of one client (`wrk -t1 -c1`, pip's headers) on a cached page; None: no wrk."""
    url = f"{index}{project}/"
    httpx.get(url, headers={"Accept": HTML}, timeout=60)  # cached from here
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    done = subprocess.run(
        [wrk, "-t1", "-c1", f"-d{seconds:g}s", "-H", f"Accept: {HTML}",
         "-H", "Accept-Encoding: gzip, deflate", "-H", "Cache-Control: max-age=0", url],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    )  # fmt: skip
    for line in done.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise RuntimeError(f"wrk said: {done.stdout}")


def _median(run: Callable[[str], float], index: str, reps: int) -> float:
    return statistics.median(run(index) for _ in range(reps))


def _cold_wheel(index: str, project: str) -> tuple[float, float, int, str]:
    """(first byte s, total s, bytes, URL) of the first fetch of *project*'s first wheel."""
    with httpx.Client(timeout=1200) as client:
        page = client.get(f"{index}{project}/", headers={"Accept": JSON + ", text/html;q=0.1"})
        if page.headers.get("content-type", "").startswith("application/vnd.pypi"):
            names = [f["url"] for f in page.json()["files"] if f["filename"].endswith(".whl")]
        else:
            names = [p.split('"')[0] for p in page.text.split('href="')[1:] if ".whl" in p]
        url = str(httpx.URL(f"{index}{project}/").join(names[-1]))
        start = time.perf_counter()
        first, size = 0.0, 0
        with client.stream("GET", url) as response:
            response.raise_for_status()
            for chunk in response.iter_raw(1 << 20):
                first = first or time.perf_counter() - start
                size += len(chunk)
        return first, time.perf_counter() - start, size, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3, help="warm repetitions (median)")
    parser.add_argument("--seconds", type=float, default=3.0, help="per cached-page cell")
    parser.add_argument("--small", default="six", help="small project (cold and cached page)")
    parser.add_argument("--releases", type=int, default=2000, help="releases of `bigproj`")
    parser.add_argument("--big-wheel", default="vtk", help="project with a large wheel")
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    root = mirror_root()
    work = Path(tempfile.mkdtemp(prefix="pycustoms-install-path-"))
    procs: list[subprocess.Popen[bytes]] = []
    servers: list[ServerProcess] = []
    rows: dict[str, tuple[str, str, str]] = {}
    try:
        tree = overlay(root, work, args.releases)
        up_proc, up = static_server(tree)
        direct_proc, direct = static_server(tree)
        procs += [up_proc, direct_proc]
        upstream, direct = up + "/simple/", direct + "/simple/"
        clients = Clients(work)

        # pip: a fresh server; its first page, its first download, then warm runs.
        pip_server = _server(upstream, work / "data-pip")
        servers.append(pip_server)
        ours = pip_server.index
        cold_page = (_cold_get_ms(direct, args.small), _cold_get_ms(ours, args.small))
        rows["first (cold) GET of a small project's page, ms"] = (
            f"{cold_page[0]:.0f}",
            f"{cold_page[1]:.0f}",
            "",
        )
        cold_pip = (clients.pip_download(direct), clients.pip_download(ours))
        for label, project in (("small", args.small), (f"{args.releases}-release", "bigproj")):
            d, p = _rps(direct, project, args.seconds), _rps(ours, project, args.seconds)
            rows[f"cached {label} page ({project}), 1 client, req/s"] = (
                f"{d:,.0f}",
                f"{p:,.0f}",
                f"{p / d:.2f}",
            )
        for name, run in (
            ("pip install", clients.pip_install),
            ("pip download", clients.pip_download),
        ):
            d_runs, p_runs = [], []
            for rep in range(args.reps):  # interleaved, the order alternating
                pair = (direct, ours) if rep % 2 == 0 else (ours, direct)
                for index in pair:
                    (d_runs if index == direct else p_runs).append(run(index))
            d, p = statistics.median(d_runs), statistics.median(p_runs)
            rows[f"warm `{name}` of {len(PACKAGES)} projects, s (÷ direct)"] = (
                f"{d:.2f}",
                f"{p:.2f}",
                f"{p / d:.2f}",
            )
        rows["first (cold) `pip download` of their wheels, s"] = (
            f"{cold_pip[0]:.2f}",
            f"{cold_pip[1]:.2f}",
            f"{cold_pip[1] / cold_pip[0]:.2f}",
        )
        d_first, d_total, size, _ = _cold_wheel(direct, args.big_wheel)
        p_first, p_total, _, url = _cold_wheel(ours, args.big_wheel)
        wheel_name = url.rsplit("/", 1)[-1]
        stored = next((root / "files").rglob(wheel_name))
        scan_target(stored, Policy())  # compile rules, fill the page cache
        start = time.perf_counter()
        scan_target(stored, Policy())
        scan_alone = time.perf_counter() - start
        rows[f"cold {size / 1e6:.0f} MB wheel: first byte / total, s (scan alone)"] = (
            f"{d_first:.2f} / {d_total:.2f}",
            f"{p_first:.2f} / {p_total:.2f}",
            f"total ÷ scan {p_total / scan_alone:.2f} ({scan_alone:.2f} s)",
        )
        pip_server.stop()

        # uv: a fresh server for its cold run, then warm runs.
        uv_server = _server(upstream, work / "data-uv")
        servers.append(uv_server)
        cold_uv = (clients.uv_install(direct), clients.uv_install(uv_server.index))
        rows["first (cold) `uv pip install`, s"] = (
            f"{cold_uv[0]:.2f}",
            f"{cold_uv[1]:.2f}",
            f"{cold_uv[1] / cold_uv[0]:.2f}",
        )
        d = _median(clients.uv_install, direct, args.reps)
        p = _median(clients.uv_install, uv_server.index, args.reps)
        rows["warm `uv pip install`, s (÷ direct)"] = (f"{d:.2f}", f"{p:.2f}", f"{p / d:.2f}")
    finally:
        for server in servers:
            server.stop()
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    lines = [
        f"`benchmarks/install_path.py --reps {args.reps}`: pip {clients.pip_version}, "
        f"uv {clients.uv_version}; {len(PACKAGES)} projects from pip's local mirror, "
        "served by a sendfile static server as both the direct index and the upstream; "
        "warm runs interleaved with direct, median.",
        "",
        "| measure | direct | pycustoms | ratio / note |",
        "|---|---:|---:|---|",
        *(f"| {k} | {d} | {p} | {r} |" for k, (d, p, r) in rows.items()),
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_append:
        append_results("Install path against a direct index (issue 18)", table)


if __name__ == "__main__":
    main()
