"""The GitHub Action of `action.yml`, its `run:` steps played as the runner plays them.

A composite action's `run:` step is a bash script (`bash --noprofile --norc -eo
pipefail`) in the workspace, with `${{ ... }}` expressions replaced before it
starts and `GITHUB_OUTPUT`, `GITHUB_PATH`, `GITHUB_WORKSPACE`, `GITHUB_ACTION_PATH`
and `RUNNER_TEMP` set. The test does the same, with the action's inputs and
earlier steps' outputs for the expressions (any other expression fails the
test, so none goes unplayed). The `uses:` step (the upload to code scanning)
cannot run here; the test checks that it would upload the file that was written.

The install step installs offline (see `offline_install`); the action's own
directory is a copy of the files the action uses, so the build writes nothing
into the repository.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fake_upstream import FakeUpstream
from tests.integrations.offline_install import (
    ROOT,
    copy_context,
    interpreter_dir,
    offline_env,
    provide,
)

ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
OLD = datetime.now(UTC) - timedelta(days=400)


@dataclass
class Runner:
    """What the runner knows while it plays the steps: directories, inputs, outputs."""

    workspace: Path
    action_path: Path
    temp: Path
    env: dict[str, str]
    inputs: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, expression: str) -> str:
        """The value of one `${{ }}` expression (contexts the action's scripts use)."""
        simple = {
            "github.action_path": str(self.action_path),
            "github.workspace": str(self.workspace),
            "runner.temp": str(self.temp),
        }
        if expression in simple:
            return simple[expression]
        if m := re.fullmatch(r"inputs\.([\w-]+)", expression):
            return self.inputs[m.group(1)]
        if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
            return self.outputs.get(m.group(1), {}).get(m.group(2), "")
        raise AssertionError(f"the test cannot evaluate ${{{{ {expression} }}}}")

    def expand(self, text: str) -> str:
        """*text* with every expression replaced."""
        return _EXPRESSION.sub(lambda m: self.value(m.group(1)), text)

    def run(self, step: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        """Play one `run:` step; its outputs are kept under its id."""
        assert step["shell"] == "bash"
        assert "if" not in step, "run steps run unconditionally; the test plays them all"
        index = len(self.outputs)
        output = self.temp / f"output-{index}"
        output.write_text("")
        script = self.temp / f"step-{index}.sh"
        script.write_text(self.expand(step["run"]), encoding="utf-8")
        env = {
            **self.env,
            **{k: self.expand(str(v)) for k, v in step.get("env", {}).items()},
            "GITHUB_OUTPUT": str(output),
            "GITHUB_PATH": str(self.temp / "path"),
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTION_PATH": str(self.action_path),
            "RUNNER_TEMP": str(self.temp),
        }
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace, env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        pairs = (line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        self.outputs[step.get("id", f"step-{index}")] = dict(pairs)
        return proc


def _inputs(**given: str) -> dict[str, str]:
    """The action's inputs: *given* over the defaults; every required input given."""
    declared: dict[str, dict[str, Any]] = ACTION["inputs"]
    assert set(given) <= set(declared), set(given) - set(declared)
    out = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    for name, spec in declared.items():
        assert name in given or not spec.get("required"), f"input {name} is required"
    return {**out, **given}


def _step(name: str) -> dict[str, Any]:
    [found] = [s for s in STEPS if s.get("id") == name or s.get("name") == name]
    return found


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """A runner after the install step: the action's files, pycustoms in a venv of its own."""
    work = tmp_path_factory.mktemp("runner")
    try:
        provided = provide(work / "provided")
    except LookupError as exc:
        pytest.skip(f"this venv does not hold every locked distribution: {exc}; run `make`")
    action_path = work / "action"
    for name in ("action.yml", "pyproject.toml", "README.md", "src", "requirements"):
        copy_context(ROOT / name, action_path / name, ["**/__pycache__", "**/*.egg-info"])
    home = work / "home"
    env = offline_env(provided, interpreter_dir(work / "base-bin"))
    # The runner's user: pycustoms' default data directory is below its home.
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    (work / "temp").mkdir()
    (work / "workspace").mkdir()
    runner = Runner(work / "workspace", action_path, work / "temp", env, _inputs(files="x"))
    proc = runner.run(_step("install"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return runner


def _with_inputs(installed: Runner, workspace: Path, **inputs: str) -> Runner:
    """A fresh run of the later steps on *workspace*, sharing the installed venv."""
    runner = Runner(
        workspace, installed.action_path, installed.temp, installed.env, _inputs(**inputs)
    )
    runner.outputs["install"] = installed.outputs["install"]
    return runner


@pytest.mark.slow
def test_install_step_puts_pycustoms_on_path(installed: Runner) -> None:
    pycustoms = Path(installed.outputs["install"]["pycustoms"])
    assert pycustoms == installed.temp / "pycustoms-venv" / "bin" / "pycustoms"
    assert pycustoms.is_file()
    assert (installed.temp / "path").read_text().strip() == str(pycustoms.parent)


@pytest.mark.slow
def test_audit_writes_sarif_with_paths_relative_to_the_workspace(
    installed: Runner, tmp_path: Path, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.add_project(
        "tidy-widgets", owners=["alice"], urls={"Source": "https://example.org/t"}
    )
    files = fake_upstream.add_release("tidy-widgets", "1.0", uploaded=OLD)
    fake_upstream.add_release("tidy-widgets", "0.9", uploaded=OLD - timedelta(days=30))
    fake_upstream.add_vulnerability(
        "tidy-widgets", "0.9", {"id": "PYSEC-2099-7", "fixed_in": ["1.0"], "details": "bad"}
    )
    workspace = tmp_path / "workspace"
    (workspace / "services" / "api").mkdir(parents=True)
    hashes = " ".join(f"--hash=sha256:{f.sha256}" for f in files)
    (workspace / "requirements.txt").write_text(f"tidy-widgets==1.0 {hashes}\n")
    bad = workspace / "services" / "api" / "requirements.txt"
    bad.write_text("# the API's pins\ntidy-widgets==0.9\n")
    runner = _with_inputs(
        installed,
        workspace,
        # An absolute path and a pattern, on two lines.
        files=f"{bad}\nrequirements*.txt",
        args=f"--index-url {fake_upstream.url} --vuln-source pypi",
        **{"sarif-file": "reports/pycustoms.sarif"},
    )
    audit = runner.run(_step("audit"))
    assert audit.returncode == 0, audit.stdout + audit.stderr
    outputs = runner.outputs["audit"]
    assert outputs == {
        "exit-code": "1",
        "sarif-file": "reports/pycustoms.sarif",
        "sarif-written": "true",
    }, audit.stderr

    document = json.loads((workspace / "reports" / "pycustoms.sarif").read_text(encoding="utf-8"))
    assert document["$schema"].endswith("sarif-2.1.0.json")
    assert document["version"] == "2.1.0"
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "pycustoms"
    assert driver["version"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert {"vulns/known-vulnerability", "audit/missing-hashes"} <= set(rule_ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"note", "warning", "error"}
    assert run["results"]
    uris = set()
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in {"note", "warning", "error"}
        assert result["message"]["text"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        # Relative to the scanned root (the workspace), so code scanning maps it to the file.
        assert not uri.startswith(("/", "..")), uri
        assert "://" not in uri
        assert (workspace / uri).is_file(), uri
        assert physical["region"]["startLine"] == 2
        uris.add(uri)
    assert uris == {"services/api/requirements.txt"}
    assert any("PYSEC-2099-7" in r["message"]["text"] for r in run["results"])

    # The upload step would send that file, as it was written.
    upload = _step("Upload SARIF to code scanning")
    assert re.fullmatch(r"github/codeql-action/upload-sarif@[0-9a-f]{40}", upload["uses"])
    assert "steps.audit.outputs.sarif-written == 'true'" in upload["if"]
    assert runner.expand(upload["with"]["sarif_file"]) == "reports/pycustoms.sarif"
    assert runner.expand(upload["with"]["category"]) == "pycustoms-audit"

    # Findings fail the job after the upload, unless asked not to.
    result = runner.run(_step("Result"))
    assert result.returncode == 1
    assert "::warning::pycustoms audit reported findings" in result.stdout
    runner.inputs["fail-on-findings"] = "false"
    assert runner.run(_step("Result")).returncode == 0


def _audit_only(installed: Runner, workspace: Path, files: str) -> subprocess.CompletedProcess[str]:
    workspace.mkdir(exist_ok=True)
    return _with_inputs(installed, workspace, files=files).run(_step("audit"))


@pytest.mark.slow
def test_a_pattern_that_matches_nothing_fails(installed: Runner, tmp_path: Path) -> None:
    proc = _audit_only(installed, tmp_path / "workspace", "**/requirements*.txt")
    assert proc.returncode == 2
    assert "::error::pycustoms: no file matches '**/requirements*.txt'" in proc.stdout


@pytest.mark.slow
def test_a_file_outside_the_workspace_fails(installed: Runner, tmp_path: Path) -> None:
    outside = tmp_path / "requirements.txt"
    outside.write_text("tidy-widgets==1.0\n")
    proc = _audit_only(installed, tmp_path / "workspace", str(outside))
    assert proc.returncode == 2
    assert f"::error::pycustoms: {outside} is outside the workspace" in proc.stdout


@pytest.mark.slow
def test_an_audit_that_cannot_complete_fails_the_action(installed: Runner, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "deep" / "er").mkdir(parents=True)
    (workspace / "deep" / "er" / "requirements.txt").write_text("tidy-widgets==1.0\n")
    runner = _with_inputs(
        installed,
        workspace,
        files="**/requirements.txt",
        # Nothing listens on port 9: the index cannot be asked.
        args="--index-url http://127.0.0.1:9/simple/ --vuln-source pypi",
    )
    audit = runner.run(_step("audit"))
    assert audit.returncode == 0, audit.stderr
    assert runner.outputs["audit"]["exit-code"] == "3", audit.stderr
    result = runner.run(_step("Result"))
    assert result.returncode == 3
    assert "::error::pycustoms audit could not complete (exit 3)" in result.stdout


def test_every_expression_is_one_the_test_plays() -> None:
    runner = Runner(Path("/w"), Path("/a"), Path("/t"), {}, _inputs(files="x"))
    text = json.dumps(ACTION)
    for expression in _EXPRESSION.findall(text):
        if expression.startswith("always()"):
            continue  # the upload step's condition, checked above
        runner.value(expression)
    outputs: Mapping[str, Any] = ACTION["outputs"]
    assert set(outputs) == {"exit-code", "sarif-file"}
