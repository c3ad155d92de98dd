"""CLI behaviour: licences from the index, index options, ranges, thresholds, fix-hashes, help."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pycustoms.cli import build_parser, main
from tests.audit.conftest import run_json
from tests.audit.fake_osv import FakeOsv
from tests.fake_upstream import FakeFile, FakeUpstream
from tests.jsondoc import load

OLD = datetime.now(UTC) - timedelta(days=400)
GPL = "License :: OSI Approved :: GNU General Public License v3 (GPLv3)"


def _pylock(path: Path, pins: dict[str, tuple[str, list[FakeFile]]]) -> Path:
    parts = ['lock-version = "1.0"\ncreated-by = "tests"\n']
    for name, (version, files) in pins.items():
        wheels = ", ".join(
            f'{{ name = "{f.filename}", hashes = {{ sha256 = "{f.sha256}" }} }}'
            for f in files
            if f.filename.endswith(".whl")
        )
        parts.append(f'[[packages]]\nname = "{name}"\nversion = "{version}"\nwheels = [{wheels}]\n')
    path.write_text("\n".join(parts))
    return path


def test_licences_from_the_index(
    env: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_project("latest-mit", license_expression="MIT")
    mit = fake_upstream.add_release("latest-mit", "1.0", uploaded=OLD, sdist=False)
    fake_upstream.add_project("older-gpl", classifiers=[GPL])
    gpl = fake_upstream.add_release("older-gpl", "1.0", uploaded=OLD, sdist=False)
    fake_upstream.add_release("older-gpl", "2.0", uploaded=OLD, sdist=False)
    fake_upstream.add_project("bare")
    bare = fake_upstream.add_release("bare", "1.0", uploaded=OLD, sdist=False)
    (env / "pycustoms.toml").write_text(
        '[audit]\nlicenses.allow = ["MIT"]\nlicenses.deny = ["GPL-3.0-only"]\n'
    )
    lock = _pylock(
        env / "pylock.toml",
        {"latest-mit": ("1.0", mit), "older-gpl": ("1.0", gpl), "bare": ("1.0", bare)},
    )
    _, report = run_json(capsys, str(lock), "--index-url", fake_upstream.url)
    deps = {d["name"]: d for d in report["dependencies"]}
    assert deps["latest-mit"]["license"] == "MIT"
    assert deps["older-gpl"]["license"] == "GPL-3.0-only"
    assert deps["bare"]["license"] is None
    assert fake_upstream.requests_to("/pypi/older-gpl/1.0/json")  # not the latest's licence

    def rules(name: str) -> set[str]:
        return {f["rule"] for f in deps[name]["verdict"]["findings"]}

    assert not rules("latest-mit") & {"audit/license-denied", "audit/license-not-allowed"}
    assert "audit/license-denied" in rules("older-gpl")
    assert "audit/license-not-allowed" in rules("bare")


def test_licence_from_core_metadata_without_json_api(
    env: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_project("meta-only", license_expression="Apache-2.0")
    files = fake_upstream.add_release("meta-only", "1.0", uploaded=OLD, sdist=False)
    fake_upstream.json_api = False
    lock = _pylock(env / "pylock.toml", {"meta-only": ("1.0", files)})
    _, report = run_json(capsys, str(lock), "--index-url", fake_upstream.url, "--allow-unverified")
    [dep] = report["dependencies"]
    assert dep["license"] == "Apache-2.0"
    assert fake_upstream.requests_to(f"/files/{files[0].sha256}/{files[0].filename}.metadata")


def test_lookalike_host_and_extra_index_confusion(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "https://packages.example.org/simple")
    (env / "pycustoms.toml").write_text('[internal]\nnames = ["acme-core"]\n')
    req = env / "requirements.txt"
    req.write_text(
        "--index-url https://packages.exarnple.org/simple\n"
        "--extra-index-url http://mirror.example.net/simple\n"
        f"acme-core==1.0 --hash=sha256:{'ab' * 32}\n"
    )
    code, report = run_json(capsys, str(req), "--no-index")
    [found] = [i for i in report["input_findings"] if i["path"] == str(req)]
    where = {(f["rule"], f["line"]) for f in found["verdict"]["findings"]}
    assert ("names/lookalike-host", 1) in where
    assert ("names/plain-http-index", 2) in where
    assert ("audit/extra-index-confusion", 2) in where
    assert found["verdict"]["decision"] == "block"
    assert code == 1


def test_unpinned_pyproject_is_reported_not_incomplete(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\ndependencies = ["attrs>=23", "demo==1.1"]\n'
    )
    code, report = run_json(capsys, str(env / "pyproject.toml"), "--no-index")
    deps = {d["name"]: d for d in report["dependencies"]}
    attrs = deps["attrs"]
    assert attrs["status"] == "unverified"
    assert attrs["failed"] == []
    assert "not determined" in attrs["unverified"][0]
    assert "audit/unpinned" in {f["rule"] for f in attrs["verdict"]["findings"]}
    assert report["failed"] == 0
    assert deps["demo"]["advisories"]  # the exact pin is still looked up
    assert code == 1  # because of demo's critical advisory, not exit 3
    assert main(["audit", str(env / "pyproject.toml"), "--no-index", "--format", "human"]) == 1
    assert "not determined" in capsys.readouterr().out


def test_severity_threshold_flag_and_variable(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    osv = env / "mild-osv"
    osv.mkdir()
    (osv / "GHSA-mild.json").write_text(
        json.dumps(
            {
                "id": "GHSA-mild",
                "summary": "a moderate problem",
                "database_specific": {"severity": "MODERATE"},
                "affected": [
                    {"package": {"ecosystem": "PyPI", "name": "mild"}, "versions": ["1.0"]}
                ],
            }
        )
    )
    assert main(["db", "import-osv", str(osv)]) == 0
    req = env / "requirements.txt"
    req.write_text(f"mild==1.0 --hash=sha256:{'ab' * 32}\n")
    code, report = run_json(capsys, str(req), "--no-index")
    assert report["dependencies"][0]["advisories"][0]["severity"] == "medium"
    assert code == 1  # medium reaches the default threshold (low)
    assert run_json(capsys, str(req), "--no-index", "--severity-threshold", "high")[0] == 0
    monkeypatch.setenv("PYCUSTOMS_AUDIT_SEVERITY_THRESHOLD", "high")
    assert run_json(capsys, str(req), "--no-index")[0] == 0
    assert run_json(capsys, str(req), "--no-index", "--severity-threshold", "medium")[0] == 1
    with pytest.raises(SystemExit):
        main(["audit", str(req), "--severity-threshold", "bogus"])


def test_osv_paging_error_exits_3(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = env / "requirements.txt"
    req.write_text(f"demo==1.1 --hash=sha256:{'ab' * 32}\n")
    with FakeOsv({("demo", "1.1"): ["A-1", "A-2"]}, {}) as api:
        api.broken_pages = True
        argv = ["audit", "--format", "json", str(req), "--no-index", "--vuln-source", "osv"]
        code = main([*argv, "--osv-url", api.url])
    assert code == 3
    out, err = capsys.readouterr()
    [dep] = json.loads(out)["dependencies"]
    assert "could not complete" in dep["failed"][0]
    assert "could not complete" in err


def test_fix_hashes_unreadable_and_unknown(
    env: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_release("demo", "1.3", uploaded=OLD)
    index = ["--index-url", fake_upstream.url]
    broken = env / "requirements-broken.txt"
    broken.write_bytes(b"demo==1.3\n\xff\xfe\n")
    assert main(["audit", "--fix-hashes", str(broken), *index]) == 3
    assert broken.read_bytes() == b"demo==1.3\n\xff\xfe\n"
    assert "cannot be read" in capsys.readouterr().err
    assert main(["audit", "--fix-hashes", str(env / "missing.txt"), *index]) == 3
    req = env / "requirements.txt"
    original = "demo==9.9\nnowhere==1.0\n"
    req.write_text(original)
    assert main(["audit", "--fix-hashes", str(req), *index]) == 3
    assert req.read_text() == original
    out = capsys.readouterr().out  # what it did is the command's data
    assert "no files for this version" in out
    assert "no project nowhere" in out


def test_help_names_every_variable() -> None:
    parser = build_parser("audit")
    sub = next(a for a in parser._actions if a.dest == "command")
    assert isinstance(sub.choices, dict)
    audit = sub.choices["audit"]
    for action in audit._actions:
        if not action.option_strings or action.dest in {"help", "verbose"}:
            continue
        assert re.search(r"\[env: PYCUSTOMS_[A-Z_]+\]", action.help or ""), action.option_strings


def test_fix_hashes_of_several_files_honours_format(
    env: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = fake_upstream.add_release("demo", "1.3", uploaded=OLD)
    calm = fake_upstream.add_release("calm", "2.0", uploaded=OLD)
    first, second = env / "a.txt", env / "requirements" / "b.txt"
    second.parent.mkdir()
    first.write_text("demo==1.3\n")
    second.write_text("calm==2.0\nnowhere==1.0\n")
    index = ["--index-url", fake_upstream.url]
    code = main(["audit", "--fix-hashes", str(first), str(second), "--format", "json", *index])
    assert code == 3  # nowhere==1.0 got no hashes
    out = capsys.readouterr().out
    document = load(out, "audit-fix-hashes")
    by_path = {f["path"]: f for f in document["files"]}
    assert by_path[str(first)]["fixed"] == ["demo==1.3"]
    assert by_path[str(second)]["fixed"] == ["calm==2.0"]
    assert "no project nowhere" in by_path[str(second)]["missing"][0]
    for path, files in ((first, demo), (second, calm)):
        for item in files:
            assert f"--hash=sha256:{item.sha256}" in path.read_text()
    # The positional form means the same; a fixed file is left alone the second time.
    assert main(["audit", str(first), "--fix-hashes", "--format", "json", *index]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["fixed"] == []


def test_fix_hashes_refuses_what_it_cannot_do(
    env: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    req = env / "requirements.txt"
    req.write_text("demo==1.3\n")
    index = ["--index-url", fake_upstream.url]
    assert main(["audit", "--fix-hashes", str(req), "--format", "sarif", *index]) == 2
    assert "--format" in capsys.readouterr().err
    assert main(["audit", "--fix-hashes", "--env", *index]) == 2
    assert "--env" in capsys.readouterr().err
    assert main(["audit", "--fix-hashes", *index]) == 2
    assert req.read_text() == "demo==1.3\n"
