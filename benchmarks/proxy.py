"""Benchmark `pycustoms serve`: cached pages, a warm pip install, a cold 140 MB wheel.

Everything runs on loopback: a fake upstream in this process, the server as a
subprocess (as users run it), a small keep-alive HTTP/1.1 load generator, and
real pip. Results are appended to benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/proxy.py [--quick] [--no-append]
"""

# ruff: noqa: E402 - sys.path must be fixed before anything imports `inspect` (see below)
from __future__ import annotations

import sys
from pathlib import Path

# This directory holds `inspect.py`, which would shadow the standard library's.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import socket
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from benchmarks._common import append_results, percentile
from tests.builders import build_wheel
from tests.server.fakes import MetadataUpstream
from tests.server.serverproc import ServerProcess, clean_env, free_port

from pycustoms.config import Policy
from pycustoms.scan import scan_target

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


class BenchUpstream(MetadataUpstream):
    """Serves some files from another server (a static one, as a real index's CDN would)."""

    external: dict[str, str]

    def _file_url(self, item: Any) -> str:
        return getattr(self, "external", {}).get(item.filename) or super()._file_url(item)


def static_server(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m http.server` on a free loopback port serving *directory*."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(directory)],
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


def populate(upstream: MetadataUpstream, work: Path, releases: int) -> None:
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


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs, smaller wheel")
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    seconds = 1.5 if args.quick else 4.0
    wheel_mb = 20 if args.quick else 140
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        upstream = BenchUpstream(work / "up")
        populate(upstream, work, 2000)
        (work / "cdn").mkdir()
        wheel = big_wheel(work / "cdn", wheel_mb)
        cdn, cdn_url = static_server(work / "cdn")
        upstream.external = {wheel.name: f"{cdn_url}/{wheel.name}"}
        upstream.add_file("bigwheel", "1.0", wheel.name, wheel.read_bytes(), uploaded=OLD)
        upstream.start()
        # The load generator runs in its own process, away from the fake upstream's threads.
        generator = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        env = {"PYCUSTOMS_PRESCAN": "0", "PYCUSTOMS_NAMES_CHECK": "0"}
        server = ServerProcess(upstream.url, work / "data", env=env)
        try:
            port = server.port
            for project in ("small", "big"):
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
            # Cold fetch of the big wheel: time to first byte vs the scan alone.
            scan_target(wheel, Policy())  # compile rules, fill the page cache
            scan_start = time.perf_counter()
            scan_target(wheel, Policy())
            scan_seconds = time.perf_counter() - scan_start
            page = httpx.get(server.index + "bigwheel/", headers={"Accept": JSON}).json()
            url = str(httpx.URL(server.index + "bigwheel/").join(page["files"][0]["url"]))
            start = time.perf_counter()
            first = total = 0.0
            size = 0
            with httpx.stream("GET", url, timeout=600) as response:
                for chunk in response.iter_raw(1 << 20):
                    if not first:
                        first = time.perf_counter() - start
                    size += len(chunk)
            total = time.perf_counter() - start
            warm_runs = []
            for _ in range(3):
                start = time.perf_counter()
                fetched = fetch_raw(port, httpx.URL(url).raw_path.decode())
                warm_runs.append(time.perf_counter() - start)
                assert fetched == size, (fetched, size)
            warm = size / min(warm_runs) / 1e6
            cold = (
                f"| cold {size / 1e6:.0f} MB wheel | first byte {first:.2f} s "
                f"(scan alone {scan_seconds:.2f} s, ratio {first / scan_seconds:.2f}) | "
                f"complete {total:.2f} s | warm re-fetch {warm:,.0f} MB/s |"
            )
            print(cold, flush=True)
        finally:
            generator.shutdown()
            server.stop()
            upstream.stop()
            cdn.terminate()
            cdn.wait(10)
    body = "\n".join(
        [
            "Server: `pycustoms serve` (1 process, uvicorn h11), policy filtering on,",
            "names check off, install log on; client: an asyncio keep-alive load",
            "generator in one process on the same machine (2 cores shared).",
            "",
            "| page | clients | requests/s | p50 ms | p99 ms |",
            "|---|---|---|---|---|",
            *rows,
            "",
            "| measure | through pycustoms | direct | ratio |",
            "|---|---|---|---|",
            install,
            "",
            cold,
        ]
    )
    if not args.no_append:
        append_results("proxy (pycustoms serve)", body)


if __name__ == "__main__":
    main()
