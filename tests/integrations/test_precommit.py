"""The pre-commit hooks of `.pre-commit-hooks.yaml`, run as pre-commit runs them.

pre-commit is not installed here. What it does with a hook is small and is
done the same way below: split `entry` like a shell, append `args`, then the
staged files that `files` matches (`re.search`) and `exclude` does not; run
that in the project directory with the hook's environment on PATH, and fail
the commit on a non-zero exit. The commands run as real processes, against
the fake upstream index for what the audit asks.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from pycustoms.audit.inputs import detect
from pycustoms.cli import main
from tests.fake_upstream import FakeUpstream
from tests.jsondoc import decision, results

ROOT = Path(__file__).resolve().parents[2]
OLD = datetime.now(UTC) - timedelta(days=400)
# Keys pre-commit's manifest schema requires of every hook, and those it knows.
REQUIRED = {"id", "name", "entry", "language"}
KNOWN = REQUIRED | {
    "alias", "files", "exclude", "types", "types_or", "exclude_types", "additional_dependencies",
    "args", "always_run", "fail_fast", "pass_filenames", "description", "language_version",
    "log_file", "minimum_pre_commit_version", "require_serial", "stages", "verbose",
}  # fmt: skip


def _hooks() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return {hook["id"]: hook for hook in hooks}


def command(hook: dict[str, Any], staged: list[str]) -> list[str] | None:
    """The command pre-commit runs for *hook* on *staged* files; None if it would skip it."""
    files = [
        name
        for name in staged
        if re.search(hook.get("files", ""), name) and not re.search(hook.get("exclude", "^$"), name)
    ]
    if not files and not hook.get("always_run", False):
        return None
    tail = files if hook.get("pass_filenames", True) else []
    return [*shlex.split(hook["entry"]), *hook.get("args", []), *tail]


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # pre-commit puts the hook's environment first on PATH; here that is this venv.
    env = {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _env(**extra: str) -> dict[str, str]:
    """This environment without any PYCUSTOMS_* or PIP_* setting of the machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYCUSTOMS_", "PIP_"))}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "COLUMNS": "200", **extra}


def test_manifest_is_what_pre_commit_reads() -> None:
    hooks = _hooks()
    assert set(hooks) == {"pycustoms-audit", "pycustoms-check-name"}
    for hook in hooks.values():
        assert set(hook) >= REQUIRED, hook["id"]
        assert set(hook) <= KNOWN, set(hook) - KNOWN
        assert hook["language"] == "python"  # pre-commit installs this repository itself
        assert shlex.split(hook["entry"])[0] == "pycustoms"
        re.compile(hook["files"])
    # The flag that makes file names files must survive a project's own `args`.
    assert "--from-files" in hooks["pycustoms-check-name"]["entry"]


def test_audit_hook_takes_exactly_the_files_audit_can_read() -> None:
    hook = _hooks()["pycustoms-audit"]
    taken = [
        "requirements.txt", "requirements-dev.txt", "dev-requirements.txt", "svc/requirements.txt",
        "uv.lock", "a/b/poetry.lock", "Pipfile.lock", "pdm.lock", "pylock.toml", "pylock.web.toml",
    ]  # fmt: skip
    left = [
        "README.md",
        "src/app.py",
        "requirements.in",
        "pyproject.toml",
        "notes.txt",
        "uv.lock.bak",
    ]
    argv = command(hook, [*taken, *left])
    assert argv is not None
    assert argv[2:] == taken
    for name in taken:
        detect(Path(name))  # raises when `audit` could not tell the format from the name
    assert command(hook, left) is None  # pre-commit skips the hook: nothing to audit


def test_check_name_hook_takes_requirements_files() -> None:
    hook = _hooks()["pycustoms-check-name"]
    taken = ["requirements.txt", "requirements.in", "dev-requirements.txt", "requirements/ci.txt"]
    left = ["uv.lock", "setup.py", "docs/requirements.md", "notes.txt"]
    argv = command(hook, [*taken, *left])
    assert argv == ["pycustoms", "check-name", "--from-files", *taken]


# -- the hooks' commands, run -------------------------------------------------------------


@pytest.mark.slow
def test_check_name_hook_on_good_and_bad_requirements(tmp_path: Path) -> None:
    hook = _hooks()["pycustoms-check-name"]
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\nnumpy>=1.26  # arrays\n-e .\n")
    (tmp_path / "requirements-dev.txt").write_text("pytest==8.3.0\nrequets==2.0\n")
    staged = ["requirements.txt", "src/app.py"]
    argv = command(hook, staged)
    assert argv is not None
    good = _run(argv, tmp_path, _env())
    assert good.returncode == 0, good.stdout + good.stderr
    assert "requests" in good.stdout
    assert "numpy" in good.stdout
    assert "block" not in good.stdout

    argv = command(hook, ["requirements-dev.txt", "README.md"])
    assert argv is not None
    bad = _run(argv, tmp_path, _env())
    assert bad.returncode == 1, bad.stdout + bad.stderr
    row = next(line for line in bad.stdout.splitlines() if "requets" in line)
    assert "block" in row
    assert "requests" in row  # the project it imitates


@pytest.mark.slow
def test_audit_hook_on_good_and_bad_lock_files(tmp_path: Path, fake_upstream: FakeUpstream) -> None:
    hook = _hooks()["pycustoms-audit"]
    fake_upstream.add_project(
        "tidy-widgets", owners=["alice"], urls={"Source": "https://example.org/tidy"}
    )
    files = fake_upstream.add_release("tidy-widgets", "1.0", uploaded=OLD)
    fake_upstream.add_release("tidy-widgets", "0.9", uploaded=OLD - timedelta(days=30))
    fake_upstream.add_vulnerability(
        "tidy-widgets",
        "0.9",
        {"id": "PYSEC-2099-7", "aliases": ["CVE-2099-7"], "fixed_in": ["1.0"], "details": "bad"},
    )
    hashes = " ".join(f"--hash=sha256:{f.sha256}" for f in files)
    project = tmp_path / "project"
    (project / "svc").mkdir(parents=True)
    (project / "requirements.txt").write_text(f"tidy-widgets==1.0 {hashes}\n")
    (project / "svc" / "requirements.txt").write_text("tidy-widgets==0.9\n")
    # The project's settings reach the hook the way they reach the command line; the data
    # directory is the default one, of a fresh user.
    home = tmp_path / "home"
    env = _env(
        PYCUSTOMS_INDEX_URL=fake_upstream.url,
        PYCUSTOMS_AUDIT_VULN_SOURCES="pypi",
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )

    argv = command(hook, ["requirements.txt", "setup.py"])
    assert argv == ["pycustoms", "audit", "requirements.txt"]
    good = _run(argv, project, env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "no findings" in good.stdout

    argv = command(hook, ["svc/requirements.txt"])
    assert argv is not None
    bad = _run(argv, project, env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "PYSEC-2099-7" in bad.stdout
    assert "audit/missing-hashes" in bad.stdout


# -- check-name --from-files, in process --------------------------------------------------


def test_check_name_reads_names_from_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "requirements.txt"
    first.write_text("requests==2.32.3\n--index-url https://example.org/simple\n")
    second = tmp_path / "requirements-dev.txt"
    second.write_text("requets==2.0  # typo\n")
    code = main(["check-name", "--from-files", str(first), str(second), "--format", "json"])
    data = results(capsys.readouterr().out, "check-name")
    assert [d["name"] for d in data] == ["requests", "requets"]
    assert [decision(d) for d in data] == ["allow", "block"]
    assert code == 1
    # Without the flag the same arguments are names: a file name passes as a project name,
    # which is why the hook needs the flag.
    assert main(["check-name", str(first.name), "--format", "json"]) == 0
    assert results(capsys.readouterr().out, "check-name")[0]["name"] == "requirements.txt"


def test_check_name_from_files_fails_closed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "requirements.txt"
    empty.write_text("# nothing pinned yet\n-r base.txt\n")
    assert main(["check-name", "--from-files", str(empty)]) == 2
    assert f"no project names found in {empty}" in capsys.readouterr().err
    assert main(["check-name", "--from-files", str(tmp_path / "missing.txt")]) == 3
    assert "missing.txt" in capsys.readouterr().err
    assert main(["check-name", "--from-files"]) == 2
