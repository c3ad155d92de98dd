"""Benchmark `pycustoms serve`: cached pages, a warm pip install, a cold 140 MB wheel.

Everything runs on loopback: a fake upstream in this process, the server as a
subprocess (as users run it), a small keep-alive HTTP/1.1 load generator, and
real pip. Results are appended to benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/proxy.py [--quick] [--no-append]
"""

from __future__ import annotations

import sys
from pathlib import Path

# The fake upstream lives in the tests package at the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from benchmarks._common import append_results, percentile
from packaging.utils import parse_wheel_filename
from tests.builders import build_wheel
from tests.fake_upstream import FakeUpstream
from tests.server.serverproc import ServerProcess, clean_env, free_port

from pycustoms.config import Policy
from pycustoms.mirrors import local_mirror_wheels
from pycustoms.scan import scan_target
from pycustoms.server.settings import ServeSettings

OLD = datetime.now(UTC) - timedelta(days=90)
JSON = "application/vnd.pypi.simple.v1+json"
HTML = "text/html"


# -- load generator ------------------------------------------------------------------------


async def _client(
    port: int, path: str, accept: str, deadline: float, latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: {accept}\r\n"
        "Accept-Encoding: gzip\r\nUser-Agent: pip/24.0 bench\r\n\r\n"
    ).encode()
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.decode(errors="replace"))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


async def _load(port: int, path: str, accept: str, clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(_client(port, path, accept, deadline, latencies) for _ in range(clients))
    )
    return latencies


def load(
    port: int, path: str, accept: str, clients: int, seconds: float
) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) for *clients* keep-alive connections over *seconds*."""
    asyncio.run(_load(port, path, accept, clients, 0.3))  # warm up
    start = time.perf_counter()
    latencies = asyncio.run(_load(port, path, accept, clients, seconds))
    elapsed = time.perf_counter() - start
    return (
        len(latencies) / elapsed,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
    )


def fetch_raw(port: int, path: str) -> int:
    """GET *path* over a plain socket, discarding the body; return its length."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        buffer = bytearray(8 << 20)
        view = memoryview(buffer)
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(65536)
        header, _, rest = head.partition(b"\r\n\r\n")
        length = int(header.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        got = len(rest)
        while got < length:
            count = sock.recv_into(view)
            if not count:
                break
            got += count
        return got


class BenchUpstream(FakeUpstream):
    """Serves metadata files, and some files from another server (as a real index's CDN would)."""

    external: dict[str, str]

    def _route(self, parts: list[str], headers: Mapping[str, str]) -> tuple[int, bytes, str]:
        if parts[:1] == ["files"] and len(parts) == 3 and parts[2].endswith(".metadata"):
            filename = parts[2].removesuffix(".metadata")
            for project in self.projects.values():
                for _, item in self._files(project):
                    if item.sha256 == parts[1] and item.filename == filename and item.metadata:
                        return 200, item.metadata, "text/plain"
            return 404, b"not found", "text/plain"
        return super()._route(parts, headers)

    def _file_url(self, item: Any) -> str:
        return getattr(self, "external", {}).get(item.filename) or super()._file_url(item)


# A static file server that sends files with sendfile(2), as a web server or CDN
# does: the upstream's own copying then costs the shared 2 cores almost nothing,
# so the cold fetch measures pycustoms rather than Python's `http.server` copying
# 140 MB through user space on the same machine.
_STATIC_SERVER = """
import http.server, os, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def copyfile(self, source, outputfile):
        outputfile.flush()
        self.connection.sendfile(source)
    def log_message(self, *args):
        pass
handler = lambda *a, **k: Handler(*a, directory=sys.argv[2], **k)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
"""


def static_server(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A sendfile static server on a free loopback port serving *directory*."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", _STATIC_SERVER, str(port), str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    return proc, base


# -- fixtures ------------------------------------------------------------------------------


def populate(upstream: FakeUpstream, work: Path, releases: int) -> None:
    """A small project, one with *releases* releases, and 30 installable packages."""
    upstream.add_release("small", "1.0", uploaded=OLD)
    upstream.add_release("small", "1.1", uploaded=OLD)
    for i in range(releases):
        version = f"{i // 100}.{i % 100}.0"
        stem = f"big-{version}"
        digest = hashlib.sha256(stem.encode()).digest()
        upstream.add_file("big", version, f"big-{version}-py3-none-any.whl", digest, uploaded=OLD)
        upstream.add_file("big", version, f"{stem}.tar.gz", digest[::-1], uploaded=OLD)
    for i in range(30):
        upstream.add_release(f"pkg{i:02d}", "1.0", uploaded=OLD, sdist=False)


def pip_install(index: str, target: Path, names: list[str]) -> float:
    """Seconds a fresh `pip install --target` of *names* takes from *index*."""
    env = clean_env(
        PIP_CONFIG_FILE="/dev/null", PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1"
    )
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--index-url", index,
         "--target", str(target), *names],
        check=True, env=env,
    )  # fmt: skip
    return time.perf_counter() - start


def big_wheel(work: Path, megabytes: int) -> Path:
    """A wheel of about *megabytes* MB: many modules plus incompressible data files."""
    files: dict[str, str | bytes] = {}
    for i in range(200):
        files[f"bigwheel/mod{i:03d}.py"] = f"def f{i}(x):\n    return x * {i}\n" * 200
    chunk = 4 << 20
    for i in range(megabytes * (1 << 20) // chunk):
        files[f"bigwheel/data/blob{i:03d}.bin"] = os.urandom(chunk)
    return build_wheel(work, "bigwheel", "1.0", files)


def _module(i: int, rnd: random.Random) -> str:
    """A plausible library module: functions, a class, imports, docstrings (about 12 KB)."""
    lines = [f'"""Module {i} of the benchmark library."""', "from __future__ import annotations",
             "import json", "import os", ""]  # fmt: skip
    for j in range(50):
        n = rnd.randrange(1_000_000)
        lines += [
            f"def func_{j}_{n}(value: int, name: str = 'k{n}') -> dict[str, int]:",
            f'    """Compute quantity {n} for *name*."""',
            f"    result = {{name: value * {n % 97} + len(name)}}",
            f"    if value > {n % 1000}:",
            f"        result['extra_{j}'] = sum(range(value % {n % 50 + 1}))",
            "    return result",
            "",
        ]
    lines += [f"class Store{i}:", "    def __init__(self, root: str) -> None:",
              "        self.path = os.path.join(root, 'data.json')", "",
              "    def load(self) -> object:", "        with open(self.path) as handle:",
              "            return json.load(handle)", ""]  # fmt: skip
    return "\n".join(lines) + "\n"


def code_wheel(work: Path, megabytes: int) -> Path:
    """A wheel of about *megabytes* MB that is almost all Python source (a realistic scan load)."""
    rnd = random.Random(7)
    files: dict[str, str | bytes] = {}
    # Generated source compresses about 6:1 in a wheel.
    for i in range(megabytes * 6 * (1 << 20) // 12_000):
        files[f"codewheel/pkg{i // 200:03d}/mod{i:05d}.py"] = _module(i, rnd)
    return build_wheel(work, "codewheel", "1.0", files)


def _mirror_wheel_near(size: float) -> list[Path]:
    """The wheel in pip's local mirrors whose size is closest to *size* bytes (or none)."""
    wheels = local_mirror_wheels()
    return [min(wheels, key=lambda w: abs(w.stat().st_size - size))] if wheels else []


def new_file_seconds(path: Path, mib: int = 140) -> tuple[Path, float]:
    """Seconds to write a new *mib* MiB file: the page-cache cost a cold download pays."""
    chunk = bytes(1 << 20)
    start = time.perf_counter()
    with path.open("wb", buffering=0) as handle:
        for _ in range(mib):
            handle.write(chunk)
    return path, time.perf_counter() - start


def cold_fetch(server: ServerProcess, wheel: Path, project: str) -> str:
    """The first request for *wheel* through the server: first byte vs the scan alone."""
    scan_target(wheel, Policy())  # compile rules, fill the page cache
    scan_start = time.perf_counter()
    scan_target(wheel, Policy())
    scan_seconds = time.perf_counter() - scan_start
    # One client, its connection opened by the page request: the clock then covers
    # the file request only (a new httpx client alone costs ~20 ms of set-up).
    with httpx.Client(timeout=1200) as client:
        page = client.get(server.index + f"{project}/", headers={"Accept": JSON}).json()
        url = str(httpx.URL(server.index + f"{project}/").join(page["files"][0]["url"]))
        start = time.perf_counter()
        first = 0.0
        size = 0
        with client.stream("GET", url) as response:
            for chunk in response.iter_raw(1 << 20):
                if not first:
                    first = time.perf_counter() - start
                size += len(chunk)
        total = time.perf_counter() - start
    warm_runs = []
    for _ in range(3):
        start = time.perf_counter()
        fetched = fetch_raw(server.port, httpx.URL(url).raw_path.decode())
        warm_runs.append(time.perf_counter() - start)
        assert fetched == size, (fetched, size)
    warm = size / min(warm_runs) / 1e6
    return (
        f"| cold {size / 1e6:.0f} MB wheel ({project}) | first byte {first:.2f} s "
        f"(scan alone {scan_seconds:.2f} s, ratio {first / scan_seconds:.2f}) | "
        f"complete {total:.2f} s | warm re-fetch {warm:,.0f} MB/s |"
    )


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs, smaller wheel")
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    parser.add_argument(
        "--cold-only", action="store_true", help="only the cold big-wheel fetches (no pages)"
    )
    parser.add_argument(
        "--code-mb", type=int, default=None, help="size of the all-Python wheel (default 20)"
    )
    parser.add_argument(
        "--real-wheel",
        type=Path,
        action="append",
        default=[],
        help="also time the cold fetch of this real wheel (default: the wheel in pip's local "
        "mirrors closest to 140 MB, if there are any)",
    )
    parser.add_argument(
        "--stream-scans",
        type=int,
        default=1,
        help="the server's serve.stream-scans (0: scan cold wheels after their download)",
    )
    parser.add_argument(
        "--spare-mib",
        type=int,
        default=ServeSettings().download_spare_mib,
        help="the server's serve.download-spare-mib (0: every download writes a new file)",
    )
    args = parser.parse_args()
    seconds = 1.5 if args.quick else 4.0
    wheel_mb = 20 if args.quick else 140
    # Scanning Python source runs at about 15 MB/s (uncompressed) on one core: a 140 MB
    # wheel of it would take minutes, so the realistic wheel is smaller by default.
    code_mb = args.code_mb or (5 if args.quick else 20)
    rows: list[str] = []
    install = ""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        upstream = BenchUpstream(work / "up")
        populate(upstream, work, 2000)
        (work / "cdn").mkdir()
        wheel = big_wheel(work / "cdn", wheel_mb)
        source = code_wheel(work / "cdn", code_mb)
        cdn, cdn_url = static_server(work / "cdn")
        cold_cases = [(wheel, "bigwheel"), (source, "codewheel")]
        for real in args.real_wheel or _mirror_wheel_near(140e6):
            copy = work / "cdn" / real.name
            shutil.copyfile(real, copy)
            name, version, _build, _tags = parse_wheel_filename(real.name)
            upstream.add_file(name, str(version), copy.name, copy.read_bytes(), uploaded=OLD)
            cold_cases.append((copy, str(name)))
        upstream.external = {w.name: f"{cdn_url}/{w.name}" for w, _ in cold_cases}
        upstream.add_file("bigwheel", "1.0", wheel.name, wheel.read_bytes(), uploaded=OLD)
        upstream.add_file("codewheel", "1.0", source.name, source.read_bytes(), uploaded=OLD)
        upstream.start()
        # The load generator runs in its own process, away from the fake upstream's threads.
        generator = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        env = {
            "PYCUSTOMS_SERVE_PRESCAN": "0",
            "PYCUSTOMS_SERVE_NAMES_CHECK": "0",
            "PYCUSTOMS_SERVE_STREAM_SCANS": str(args.stream_scans),
            "PYCUSTOMS_SERVE_DOWNLOAD_SPARE_MIB": str(args.spare_mib),
        }
        server = ServerProcess(upstream.url, work / "data", env=env)
        try:
            port = server.port
            for project in () if args.cold_only else ("small", "big"):
                for accept, form in ((HTML, "HTML"), (JSON, "JSON")):
                    path = f"/simple/{project}/"
                    body = httpx.get(
                        server.url + path, headers={"Accept": accept, "Accept-Encoding": "gzip"}
                    )
                    size = len(body.content)
                    packed = int(body.headers.get("content-length", "0"))
                    for clients in (1, 8, 64):
                        rps, p50, p99 = generator.submit(
                            load, port, path, accept, clients, seconds
                        ).result()
                        rows.append(
                            f"| {project} {form} ({size // 1024} KiB, gzip {packed // 1024} KiB) "
                            f"| {clients} | {rps:,.0f} | {p50:.2f} | {p99:.2f} |"
                        )
                        print(rows[-1], flush=True)
            if not args.cold_only:
                # Warm install of 30 packages: through pycustoms vs straight from the upstream.
                names = [f"pkg{i:02d}" for i in range(30)]
                pip_install(server.index, work / "warmup", names)  # fetch + scan everything once
                through: list[float] = []
                direct: list[float] = []
                for run in range(3):
                    through.append(pip_install(server.index, work / f"t{run}", names))
                    direct.append(pip_install(upstream.url, work / f"d{run}", names))
                ratio = statistics.median(through) / statistics.median(direct)
                install = (
                    f"| warm pip install of 30 packages | {statistics.median(through):.2f} s | "
                    f"{statistics.median(direct):.2f} s | {ratio:.3f}x |"
                )
                print(install, flush=True)
            # Both scan pools must be started before anything is timed: one wheel and
            # one sdist, each fetched and scanned once.
            for filename in ("small-1.0-py3-none-any.whl", "small-1.0.tar.gz"):
                warm = httpx.get(server.index + "small/", headers={"Accept": JSON}).json()
                entry = next(f for f in warm["files"] if f["filename"] == filename)
                httpx.get(str(httpx.URL(server.index + "small/").join(entry["url"])), timeout=120)
            # Cold fetches: time to first byte vs the scan alone, for a wheel that is mostly
            # incompressible data (fetch-bound) and one that is all Python source (scan-bound).
            # How costly a new file is on this machine right now (kept until the end:
            # deleting it at once would hand its pages to the server's next write).
            probe, fresh = new_file_seconds(work / "probe.bin")
            cold = "\n".join(cold_fetch(server, w, p) for w, p in cold_cases)
            cold += (
                f"\n| this machine: a new 140 MiB file written (page cache) | {fresh:.3f} s | | |"
            )
            probe.unlink()
            print(cold, flush=True)
        finally:
            generator.shutdown()
            server.stop()
            upstream.stop()
            cdn.terminate()
            cdn.wait(10)
    report = "\n".join(
        [
            "Server: `pycustoms serve` (1 process, uvicorn httptools), policy filtering on,",
            "names check off, install log on; client: an asyncio keep-alive load",
            "generator in one process on the same machine (2 cores shared).",
            "Cold fetches: files come from a sendfile static server (as from a CDN);",
            f"`stream-scans = {args.stream_scans}` (1: wheels are scanned while they download),",
            f"`download-spare-mib = {args.spare_mib}` (pre-written file big downloads overwrite);",
            "first byte is timed on a kept-alive connection; scan alone = `scan_target`",
            "in-process.",
            "",
        ]
    )
    if rows:
        report += "\n".join(
            [
                "| page | clients | requests/s | p50 ms | p99 ms |",
                "|---|---|---|---|---|",
                *rows,
                "",
            ]
        )
    if install:
        report += "\n".join(
            ["| measure | through pycustoms | direct | ratio |", "|---|---|---|---|", install, ""]
        )
    report += "\n".join(
        [
            "",
            "| cold fetch | first byte (vs the scan alone) | complete | warm re-fetch |",
            "|---|---|---|---|",
            cold,
        ]
    )
    if not args.no_append:
        append_results("proxy (pycustoms serve)", report)


if __name__ == "__main__":
    main()
