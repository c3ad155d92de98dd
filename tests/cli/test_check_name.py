from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pycustoms.cli import main
from tests.fake_upstream import FakeUpstream
from tests.jsondoc import decision, messages, results, rules


def test_json_output_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check-name", "reqeusts", "requests", "--format", "json"])
    data = results(capsys.readouterr().out, "check-name")
    assert code == 1
    assert [d["name"] for d in data] == ["reqeusts", "requests"]
    assert decision(data[0]) == "block"
    assert data[0]["imitates"] == "requests"
    assert data[0]["technique"] == "adjacent-swap"
    assert messages(data[0])
    assert data[1] == {**data[1], "imitates": None, "technique": None}
    assert data[1]["verdict"] == {"decision": "allow", "score": 0, "reasons": [], "findings": []}


def test_clean_names_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-name", "requests", "boto3"]) == 0
    assert "requests" in capsys.readouterr().out


def test_fail_on_warn(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-name", "colorama-utils"]) == 0
    assert main(["check-name", "colorama-utils", "--fail-on", "warn"]) == 1


def test_requirements_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("# deps\nrequets>=2\nnumpy[extra]==1.0 ; python_version>'3'\n-e .\n")
    code = main(["check-name", "-r", str(req), "--format", "json"])
    data = results(capsys.readouterr().out, "check-name")
    assert [d["name"] for d in data] == ["requets", "numpy"]
    assert code == 1


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-name"]) == 2
    assert main(["check-name", "not a name!"]) == 2


def test_unreadable_file_is_exit_3(tmp_path: Path) -> None:
    assert main(["check-name", "-r", str(tmp_path / "missing.txt")]) == 3


def test_check_index(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://packages.exarnple.org/simple\n")
    code = main(
        [
            "check-index",
            "--no-pip-config",
            "--trusted-host",
            "packages.example.org",
            "https://packages.example.org/simple",
            "--file",
            str(conf),
            "--format",
            "json",
        ]
    )
    data = results(capsys.readouterr().out, "check-index")
    assert code == 1
    assert [decision(d) for d in data] == ["allow", "block"]
    assert data[1]["line"] == 2


# -- --upstream: facts from the (fake) index -------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _upstream(
    up: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["check-name", *args, "--upstream", "--index-url", up.url,
                 "--data-dir", str(tmp_path / "data"), "--format", "json"])  # fmt: skip
    captured = capsys.readouterr()
    found = results(captured.out, "check-name") if captured.out.strip() else []
    return code, found, captured.err


_rules = rules


def test_missing_name_is_not_found(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_project("requests", owners=["psf"])
    fake_upstream.add_release("requests", "2.32.0", uploaded=_now() - timedelta(days=900))
    code, data, _ = _upstream(fake_upstream, tmp_path, capsys, "fastjson-yaml-bridge", "requests")
    missing, real = data
    assert _rules(missing) == {"names/not-found"}
    assert missing["upstream"]["exists"] is False
    assert "does not exist on the upstream index" in messages(missing)[0]
    assert decision(real) == "allow"
    assert real["upstream"] == {**real["upstream"], "exists": True, "release_count": 1}
    assert code == 0  # not-found warns; --fail-on warn makes it fail
    code, _, _ = _upstream(fake_upstream, tmp_path, capsys, "fastjson-yaml-bridge",
                           "--fail-on", "warn")  # fmt: skip
    assert code == 1


def test_days_old_single_release_squat_blocks_with_new_project_reason(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("requets", "colourama"):
        fake_upstream.add_project(name, owners=["mallory"])
        fake_upstream.add_release(name, "0.1.0", uploaded=_now() - timedelta(days=2))
    # Names alone: `colourama` only warns.
    assert main(["check-name", "colourama", "--format", "json"]) == 0
    assert decision(results(capsys.readouterr().out, "check-name")[0]) == "warn"
    code, data, _ = _upstream(fake_upstream, tmp_path, capsys, "requets", "colourama")
    assert code == 1
    for entry in data:
        assert decision(entry) == "block", entry
        assert {"names/typosquat", "names/new-project"} <= _rules(entry)
        assert any("first appeared 2 day(s) ago with 1 release(s)" in r for r in messages(entry))
        assert entry["upstream"]["release_count"] == 1


def test_old_project_with_a_lookalike_name_is_unchanged(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_project("colourama", owners=["someone"])
    for i in range(5):
        fake_upstream.add_release(
            "colourama", f"1.{i}", uploaded=_now() - timedelta(days=2_000 - 100 * i)
        )
    main(["check-name", "colourama", "--format", "json"])
    names_only = results(capsys.readouterr().out, "check-name")[0]
    code, data, _ = _upstream(fake_upstream, tmp_path, capsys, "colourama")
    assert code == 0
    assert decision(data[0]) == decision(names_only) == "warn"
    assert data[0]["verdict"]["findings"] == names_only["verdict"]["findings"]
    assert data[0]["upstream"]["release_count"] == 5
    assert data[0]["upstream"]["latest_version"] == "1.4"


def test_html_only_index_without_times_makes_no_age_claim(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.json_simple = False
    fake_upstream.json_api = False
    fake_upstream.add_project("colourama")
    fake_upstream.add_release("colourama", "0.1.0", uploaded=_now() - timedelta(days=2))
    code, data, _ = _upstream(fake_upstream, tmp_path, capsys, "colourama", "absent-name-xyz")
    assert code == 0
    assert decision(data[0]) == "warn"
    assert data[0]["upstream"]["first_release"] is None
    assert _rules(data[1]) == {"names/not-found"}


def test_json_api_supplies_times_an_html_page_lacks(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.json_simple = False
    fake_upstream.add_project("colourama")
    fake_upstream.add_release("colourama", "0.1.0", uploaded=_now() - timedelta(days=2))
    _, data, _ = _upstream(fake_upstream, tmp_path, capsys, "colourama")
    assert decision(data[0]) == "block"
    assert "names/new-project" in _rules(data[0])


def test_upstream_down_is_exit_3_naming_the_names(
    fake_upstream: FakeUpstream,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYCUSTOMS_UPSTREAM_RETRIES", "0")
    fake_upstream.stop()
    code, data, err = _upstream(fake_upstream, tmp_path, capsys, "requests", "colourama")
    assert code == 3
    assert "could not complete" in err
    assert "colourama, requests" in err
    assert all(entry["unverified"] for entry in data)
    assert all(entry["upstream"] is None for entry in data)
    # --allow-unverified: judged by name alone, marked, exit by verdict.
    code, data, err = _upstream(fake_upstream, tmp_path, capsys, "requests", "colourama",
                                "--allow-unverified")  # fmt: skip
    assert code == 0
    assert "unverified" in err
    assert [decision(d) for d in data] == ["allow", "warn"]


def test_upstream_from_environment_asks_each_name_once(
    fake_upstream: FakeUpstream,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYCUSTOMS_CHECK_UPSTREAM", "1")
    monkeypatch.setenv("PYCUSTOMS_INDEX_URL", fake_upstream.url)
    monkeypatch.setenv("PYCUSTOMS_DATA_DIR", str(tmp_path / "data"))
    names = [f"zz-project-{i}" for i in range(25)]
    code = main(["check-name", *names, "ZZ_Project_0", "--format", "json"])
    data = results(capsys.readouterr().out, "check-name")
    assert code == 0
    assert len(data) == 26
    assert all(_rules(d) == {"names/not-found"} for d in data)
    assert len(fake_upstream.requests_to("/simple/")) == 25


def test_names_only_by_default_asks_nothing(
    fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYCUSTOMS_INDEX_URL", fake_upstream.url)  # shared with inspect
    assert main(["check-name", "requests", "--format", "json"]) == 0
    assert results(capsys.readouterr().out, "check-name")[0]["upstream"] is None
    assert fake_upstream.requests == []
