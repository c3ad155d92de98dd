"""The Dockerfile, built the way Docker would build it, without Docker.

No container can be built here, so the Dockerfile is read and played: `ENV`,
`WORKDIR` and `COPY` set up a directory that stands for the image's root, and
each `RUN` line runs with `/bin/sh -c`, as in the image. Only paths are adapted:
the image's `/opt`, `/src` and `/data` become directories below that root, and
`python` is this machine's Python 3.11. The installs run offline (see
`offline_install`). The one `RUN` line that is not run is the one that creates
the system user: it would add a user to this machine; it is checked as text.

The server then starts from the `ENTRYPOINT`, on 127.0.0.1 instead of 0.0.0.0
and on a free port, with the image's environment and the fake upstream, and
must answer `/simple/`, a project page and a scanned download.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.fake_upstream import FakeUpstream
from tests.integrations.offline_install import (
    ROOT,
    copy_context,
    ignored,
    interpreter_dir,
    offline_env,
    provide,
)
from tests.ports import free_port
from tests.server.serverproc import ServerProcess

DOCKERFILE = ROOT / "Dockerfile"
# The image's own directories; the rest of its filesystem (the base image) is this machine's.
IMAGE_DIRS = ("opt", "src", "data")
_IMAGE_PATH = re.compile(r"(?<![\w.:/-])/(" + "|".join(IMAGE_DIRS) + r")(?=/|\b|$)")
OLD = datetime.now(UTC) - timedelta(days=400)


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, its continuation lines joined."""

    keyword: str
    args: str


def instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile (comment lines dropped, also inside continuations)."""
    out: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = pending + line
        pending = ""
        keyword, _, args = whole.partition(" ")
        out.append(Instruction(keyword.upper(), " ".join(args.split())))
    assert not pending, "the Dockerfile ends inside a continuation"
    return out


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


@dataclass
class Image:
    """The played Dockerfile: its root directory, environment and last settings."""

    root: Path
    env: dict[str, str]
    workdir: Path
    user: str = ""
    volumes: list[str] = field(default_factory=list)
    exposed: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def adapt(self, text: str) -> str:
        """*text* with the image's absolute paths moved below the root."""
        return _IMAGE_PATH.sub(lambda m: f"{self.root}/{m.group(1)}", text)


def play(dockerfile: Path, root: Path, base_env: dict[str, str]) -> Image:
    """Build *dockerfile* into *root*: run what Docker would run, adapting only paths."""
    image = Image(root=root, env=dict(base_env), workdir=root)
    patterns = ignored((ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines())
    for step in instructions(dockerfile.read_text(encoding="utf-8")):
        match step.keyword:
            case "FROM":
                pass  # the base image is this machine (its Python is put first on PATH)
            case "ENV":
                for pair in shlex.split(step.args):
                    key, _, value = pair.partition("=")
                    image.env[key] = image.adapt(_expand(value, image.env))
            case "WORKDIR":
                image.workdir = Path(image.adapt(step.args))
                image.workdir.mkdir(parents=True, exist_ok=True)
            case "COPY":
                *sources, target = shlex.split(step.args)
                dest = (
                    image.workdir / target
                    if not target.startswith("/")
                    else Path(image.adapt(target))
                )
                for source in sources:
                    path = ROOT / source
                    into = dest / path.name if target.endswith("/") and path.is_file() else dest
                    copy_context(path, into, patterns)
            case "RUN":
                if "useradd" in step.args:
                    image.skipped.append(step.args)
                    continue
                started = time.monotonic()
                proc = subprocess.run(
                    ["/bin/sh", "-c", image.adapt(step.args)],
                    cwd=image.workdir, env=image.env, capture_output=True, text=True,
                    timeout=900, check=False,
                )  # fmt: skip
                image.log.append(f"{time.monotonic() - started:.1f}s RUN {step.args[:60]}")
                assert proc.returncode == 0, f"RUN {step.args}\n{proc.stdout}\n{proc.stderr}"
            case "USER":
                image.user = step.args
            case "VOLUME":
                image.volumes = [image.adapt(v) for v in json.loads(step.args)]
                for volume in image.volumes:
                    Path(volume).mkdir(parents=True, exist_ok=True)  # Docker makes mount points
            case "EXPOSE":
                image.exposed = step.args.split()
            case "HEALTHCHECK":
                command = step.args[step.args.index("CMD ") + 4 :]
                image.healthcheck = json.loads(command)
            case "ENTRYPOINT":
                image.entrypoint = json.loads(step.args)
            case other:
                raise AssertionError(f"the test does not know how to play {other}")
    return image


# -- the Dockerfile as text -----------------------------------------------------------------


STEPS = instructions(DOCKERFILE.read_text(encoding="utf-8"))


def _one(keyword: str) -> str:
    [found] = [s.args for s in STEPS if s.keyword == keyword]
    return found


def test_base_image_is_pinned_by_version_tag() -> None:
    base = _one("FROM")
    name, _, tag = base.partition(":")
    assert name == "python"
    # A version tag (no `latest`); not a digest, which the Dockerfile's comment explains.
    assert re.fullmatch(r"3\.11-slim-\w+", tag), base
    assert "by tag, not by digest" in DOCKERFILE.read_text(encoding="utf-8")


def test_runs_as_an_unprivileged_user_that_owns_the_data_volume() -> None:
    user = _one("USER")
    name, _, group = user.partition(":")
    [create] = [s.args for s in STEPS if s.keyword == "RUN" and "useradd" in s.args]
    assert re.search(rf"useradd --system --uid (\d+) .*--shell /usr/sbin/nologin {name}\b", create)
    uid = int(re.search(r"--uid (\d+)", create).group(1))  # type: ignore[union-attr]
    assert uid >= 1000
    assert f"chown {name}:{group} /data" in create
    assert json.loads(_one("VOLUME")) == ["/data"]
    env = dict(
        pair.split("=", 1) for s in STEPS if s.keyword == "ENV" for pair in shlex.split(s.args)
    )
    assert env["PYCUSTOMS_DATA_DIR"] == "/data"
    assert _one("EXPOSE") == env["PYCUSTOMS_SERVE_PORT"]


def test_installs_only_from_the_hashed_locks() -> None:
    runs = " && ".join(s.args for s in STEPS if s.keyword == "RUN")
    installs = [c.strip() for c in runs.split("&&") if "pip install" in c]
    assert len(installs) == 3
    for command in installs:
        if "--no-deps" in command and command.endswith(" ."):
            continue  # pycustoms itself, from the copied sources, nothing fetched
        assert "--require-hashes" in command, command
        assert re.search(r"-r requirements/(bootstrap|runtime)\.txt", command), command
    assert "curl" not in runs
    assert "wget" not in runs


def test_healthcheck_asks_health_and_entrypoint_serves() -> None:
    health = _one("HEALTHCHECK")
    assert re.search(r"--interval=\d+s --timeout=\d+s", health)
    command = json.loads(health[health.index("CMD ") + 4 :])
    assert command[:2] == ["python", "-c"]
    assert "/health'" in command[2]
    assert "PYCUSTOMS_SERVE_PORT" in command[2]
    assert json.loads(_one("ENTRYPOINT")) == ["pycustoms", "serve", "--host", "0.0.0.0"]


# -- the Dockerfile, played -------------------------------------------------------------------


def _build(work: Path) -> Image:
    try:
        provided = provide(work / "provided")
    except LookupError as exc:
        pytest.skip(f"this venv does not hold every locked distribution: {exc}; run `make`")
    env = offline_env(provided, interpreter_dir(work / "base-bin"))
    return play(DOCKERFILE, work / "root", env)


@contextmanager
def _serving(image: Image, upstream: FakeUpstream) -> Iterator[tuple[str, dict[str, str]]]:
    """The image's ENTRYPOINT, running: its URL and environment."""
    port = free_port()
    # As `docker run -e PYCUSTOMS_SERVE_UPSTREAM=... -p PORT:PORT`; the spare download file
    # (256 MiB written at start-up) is turned off, as in the other server tests.
    env = {
        **image.env,
        "PYCUSTOMS_SERVE_UPSTREAM": upstream.url,
        "PYCUSTOMS_SERVE_PORT": str(port),
        "PYCUSTOMS_SERVE_DOWNLOAD_SPARE_MIB": "0",
    }
    argv = [a if a != "0.0.0.0" else "127.0.0.1" for a in image.entrypoint]
    log_path = image.root / "server.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, cwd=image.workdir, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, log_path.read_text()
                try:
                    if httpx.get(url + "/simple/", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            yield url, env
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def _healthcheck(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.slow
def test_image_builds_installs_and_serves(tmp_path: Path, fake_upstream: FakeUpstream) -> None:
    """One test for the whole build: it is the slow part (see the module's docstring)."""
    image = _build(tmp_path)
    venv = image.root / "opt" / "pycustoms"
    assert image.env["PATH"].startswith(f"{venv}/bin")
    [skipped] = image.skipped  # the user's creation, checked as text above
    assert "useradd" in skipped
    proc = subprocess.run(
        ["python", "-c", "import pycustoms, yara_x; print(pycustoms.__file__)"],
        env=image.env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    # The installed copy (with its package data), not the repository's sources.
    assert proc.stdout.strip().startswith(str(venv / "lib"))
    assert list((venv / "lib").glob("python3*/site-packages/pycustoms/**/*.yar"))

    # The health check reports a server that does not answer.
    down = _healthcheck(image.healthcheck, {**image.env, "PYCUSTOMS_SERVE_PORT": str(free_port())})
    assert down.returncode != 0
    assert "Connection refused" in down.stderr

    fake_upstream.add_project("tidy-widgets", owners=["a"], urls={"Source": "https://example.org"})
    [wheel] = [
        f
        for f in fake_upstream.add_release("tidy-widgets", "1.0", uploaded=OLD)
        if f.filename.endswith(".whl")
    ]
    with _serving(image, fake_upstream) as (url, env):
        assert httpx.get(url + "/simple/", timeout=10).status_code == 200
        page = httpx.get(url + "/simple/tidy-widgets/", timeout=60)
        assert page.status_code == 200
        href = re.search(r'href="([^"#]+' + re.escape(wheel.filename) + ")", page.text)
        assert href is not None, page.text
        got = httpx.get(
            f"{url}/simple/tidy-widgets/{href.group(1)}", timeout=120, follow_redirects=True
        )
        assert got.status_code == 200, got.text
        assert hashlib.sha256(got.content).hexdigest() == wheel.sha256
        # The data directory is the image's volume.
        assert Path(env["PYCUSTOMS_DATA_DIR"]) == image.root / "data"
        assert (image.root / "data" / "pycustoms.db").is_file()


@pytest.mark.slow
def test_healthcheck_passes_on_a_running_server(
    tmp_path: Path, fake_upstream: FakeUpstream
) -> None:
    """The HEALTHCHECK command as written, against `pycustoms serve` from this venv."""
    health = _one("HEALTHCHECK")
    command = json.loads(health[health.index("CMD ") + 4 :])
    server = ServerProcess(fake_upstream.url, tmp_path / "data")
    try:
        assert httpx.get(server.url + "/health", timeout=10).status_code == 200
        env = {
            "PATH": str(interpreter_dir(tmp_path / "bin")),
            "PYCUSTOMS_SERVE_PORT": str(server.port),
        }
        proc = _healthcheck(command, env)
        assert proc.returncode == 0, proc.stderr
    finally:
        server.stop()
