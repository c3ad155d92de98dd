"""`make cluster` (scripts/cluster.py): PostgreSQL, Redis, SeaweedFS, two workers and two
replicas start, share one database, one admin token, one scan queue (a file asked of both
replicas is scanned once, by a worker) and one bucket (the file is stored there, not in a
replica's directory), and Ctrl-C stops every process and removes the directory."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import httpx
import pytest

from tests.fake_upstream import FakeUpstream
from tests.postgres import PostgresUnavailableError, find_bindir
from tests.redis import RedisUnavailableError, find_server
from tests.seaweed import BUCKET, ENVIRONMENT, SeaweedUnavailableError, find_weed
from tests.server.serverproc import ROOT, clean_env, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
OLD = datetime.now(UTC) - timedelta(days=60)


def test_cluster_starts_two_replicas_on_one_database_and_stops_them(
    fake_upstream: FakeUpstream,
) -> None:
    try:
        find_bindir()
        find_server()
        find_weed()
    except (PostgresUnavailableError, RedisUnavailableError, SeaweedUnavailableError) as exc:
        pytest.skip(str(exc))
    fake_upstream.add_release("clusterpkg", "1.0", uploaded=OLD, sdist=False)
    ports = [free_port(), free_port()]
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "cluster.py"),
         "--ports", ",".join(map(str, ports)), "--upstream", fake_upstream.url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(),
    )  # fmt: skip
    lines: dict[str, str] = {}
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            key, _, value = line.partition(": ")
            lines[key.strip()] = value.strip()
            if line.startswith("ready"):
                break
        ready = "ready; Ctrl-C stops the replicas, the workers, SeaweedFS, Redis and PostgreSQL"
        assert ready in lines, lines
        assert lines["broker"].startswith("redis://127.0.0.1:"), lines
        store, _, endpoint = lines["files"].partition(" at ")
        assert store == f"s3://{BUCKET}/cluster", lines
        assert ENVIRONMENT["AWS_SECRET_ACCESS_KEY"] not in "".join(lines.values())
        token = lines["admin token"]
        assert lines["database"].startswith("postgresql+psycopg://")
        for i, port in enumerate(ports):
            assert lines[f"replica {i + 1}"] == f"http://127.0.0.1:{port}/simple/"
            answer = httpx.get(
                f"http://127.0.0.1:{port}/api/v1/environments",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert answer.status_code == 200, answer.text  # one token table for both
        data = Path(lines["data"])
        # One file through both replicas: served by each, scanned once, by a worker.
        page = httpx.get(
            f"http://127.0.0.1:{ports[0]}/simple/clusterpkg/",
            headers={"Accept": "application/vnd.pypi.simple.v1+json"},
            timeout=30,
        ).json()
        item = page["files"][0]
        sha = item["hashes"]["sha256"]
        for port in ports:
            url = httpx.URL(f"http://127.0.0.1:{port}/simple/clusterpkg/").join(item["url"])
            answer = httpx.get(url, timeout=120)
            assert answer.status_code == 200, answer.text
            assert hashlib.sha256(answer.content).hexdigest() == sha
        logs = "".join((data / f"worker-{i}.log").read_text() for i in (1, 2))
        assert logs.count(f"scanned {sha} ") == 1, logs
        # Stored in the bucket both replicas read; what a replica keeps is a read cache.
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint.split(" ")[0],
            aws_access_key_id=ENVIRONMENT["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
            region_name=ENVIRONMENT["AWS_DEFAULT_REGION"],
        )
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="cluster/blobs/")
        assert f"cluster/blobs/{sha[:2]}/{sha}" in [o["Key"] for o in listed["Contents"]]
        for cached in (data / "replica-2").rglob(sha):
            cached.unlink()
        url = httpx.URL(f"http://127.0.0.1:{ports[1]}/simple/clusterpkg/").join(item["url"])
        again = httpx.get(url, timeout=120)
        assert again.status_code == 200, again.text
        assert hashlib.sha256(again.content).hexdigest() == sha
        keys = {(data / f"replica-{i}" / "console.key").read_bytes() for i in (1, 2)}
        assert len(keys) == 1  # one signing key: console forms work on either replica
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            # Stopping waits for both replicas and PostgreSQL: slow on a loaded 2-core machine.
            _, err = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()  # the assertion that brought us here (if any) is the one reported
            _, err = proc.communicate()
            err += "\n(the cluster did not stop within 180 s of Ctrl-C)"
    assert proc.returncode == 0, err
    assert "cluster stopped" in err
    assert not data.exists()
    for port in ports:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/-/health", timeout=2)
