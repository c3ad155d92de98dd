"""`pycustoms inspect` end to end against the fake upstream, with public takeover cases.

Timelines are rebuilt from public reports (THREATS.md §2); dates and release
lists are simplified to the facts each case turns on. Each case blocks the
attack release at the time of the attack and passes the release before it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pycustoms.cli import main
from tests.fake_upstream import FakeUpstream
from tests.jsondoc import load


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    name: str
    attack: str
    before: str
    at: str
    rules: frozenset[str]


def _ctx(up: FakeUpstream) -> None:
    # Dormant since 2014; in May 2022 the owner's expired e-mail domain was re-registered
    # and new versions appeared after more than seven years of silence.
    up.add_project("ctx", owners=["figlief"], urls={"Source": "https://git.example/ctx"})
    for version, when in (
        ("0.1.0", "2014-10-01"),
        ("0.1.1", "2014-11-20"),
        ("0.1.2", "2014-12-19"),
    ):
        up.add_release("ctx", version, uploaded=_t(when))
    up.add_release("ctx", "0.2.2", uploaded=_t("2022-05-14T18:00:00"))


def _ultralytics(up: FakeUpstream) -> None:
    # Releases came from Trusted Publishing with attestations; 8.3.45 was uploaded
    # with a leftover API token, without them.
    up.add_project("ultralytics", owners=["glenn-jocher"], urls={"Source": "https://git.example/u"})
    up.add_release("ultralytics", "8.0.0", uploaded=_t("2023-01-10T10:00"), attested_by="u/u")
    for version, when in (("8.3.39", "2024-11-26T10:00"), ("8.3.40", "2024-11-28T10:00")):
        up.add_release("ultralytics", version, uploaded=_t(when), attested_by="ultralytics/u")
    up.add_release("ultralytics", "8.3.45", uploaded=_t("2024-12-07T12:00"))


def _num2words(up: FakeUpstream) -> None:
    # A phished maintainer's account published 0.5.15, live for hours.
    up.add_project(
        "num2words", owners=["savoirfairelinux"], urls={"Source": "https://git.example/n"}
    )
    up.add_release("num2words", "0.5.13", uploaded=_t("2023-10-18T09:00"))
    up.add_release("num2words", "0.5.14", uploaded=_t("2024-12-17T09:00"))
    up.add_release("num2words", "0.5.15", uploaded=_t("2025-07-28T10:00"))


PTH_PAYLOAD = "import os, base64; exec(base64.b64decode(os.environ.get('X', 'cHJpbnQoMSk=')))\n"


def _litellm(up: FakeUpstream) -> None:
    # A stolen token published 1.82.7 and 1.82.8 minutes apart; 1.82.8 carried a .pth
    # file that runs at every interpreter start.
    up.add_project("litellm", owners=["krrishdholakia"], urls={"Source": "https://git.example/l"})
    up.add_release("litellm", "1.0.0", uploaded=_t("2023-11-16T08:00"))
    up.add_release("litellm", "1.82.5", uploaded=_t("2026-03-05T08:00"))
    up.add_release("litellm", "1.82.6", uploaded=_t("2026-03-12T08:00"))
    up.add_release("litellm", "1.82.7", uploaded=_t("2026-03-24T10:10"))
    up.add_release(
        "litellm",
        "1.82.8",
        uploaded=_t("2026-03-24T10:40"),
        files={"litellm/__init__.py": "", "litellm_init.pth": PTH_PAYLOAD},
    )


CASES = {
    "ctx": (_ctx, Case("ctx", "0.2.2", "0.1.2", "2022-05-14T20:00:00Z",
                       frozenset({"release/too-new", "release/dormant"}))),
    "ultralytics": (_ultralytics, Case("ultralytics", "8.3.45", "8.3.40", "2024-12-07T14:00:00Z",
                    frozenset({"release/too-new", "release/attestations-missing"}))),
    "num2words": (_num2words, Case("num2words", "0.5.15", "0.5.14", "2025-07-28T15:00:00Z",
                  frozenset({"release/too-new"}))),
    "litellm": (_litellm, Case("litellm", "1.82.8", "1.82.6", "2026-03-24T10:52:00Z",
                frozenset({"release/too-new"}))),
}  # fmt: skip


def _inspect(
    up: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, object]]:
    code = main(["inspect", *args, "--index-url", up.url, "--data-dir", str(tmp_path / "data"),
                 "--format", "json"])  # fmt: skip
    out = capsys.readouterr().out
    return code, load(out, "inspect") if out.strip() else {}


@pytest.mark.parametrize("case", sorted(CASES))
def test_takeover_blocked_at_the_time_and_previous_passes(
    case: str, fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build, facts = CASES[case]
    build(fake_upstream)
    code, report = _inspect(fake_upstream, tmp_path, capsys,
                            f"{facts.name}=={facts.attack}", "--at", facts.at)  # fmt: skip
    verdict = report["verdict"]
    assert isinstance(verdict, dict)
    assert verdict["decision"] == "block"
    assert code == 1
    rules = {f["rule"] for f in verdict["findings"]}
    assert facts.rules <= rules
    code, report = _inspect(fake_upstream, tmp_path, capsys,
                            f"{facts.name}=={facts.before}", "--at", facts.at)  # fmt: skip
    assert report["verdict"]["decision"] == "allow", report["verdict"]  # type: ignore[index]
    assert code == 0


def test_without_version_judges_pips_choice(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _num2words(fake_upstream)
    fake_upstream.add_release("num2words", "0.6.0rc1", uploaded=_t("2025-07-29T10:00"))
    fake_upstream.yank("num2words", "0.5.15", "compromised")
    _, report = _inspect(fake_upstream, tmp_path, capsys, "num2words")
    assert report["project"] == "num2words"
    assert report["version"] == "0.5.14"
    assert {"filename", "sha256", "upload_time", "provenance"} <= set(report["files"][0])  # type: ignore[index]


def test_owner_change_since_last_look_and_human_output(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _num2words(fake_upstream)
    _inspect(fake_upstream, tmp_path, capsys, "num2words==0.5.14")
    fake_upstream.projects["num2words"].owners = ["mallory"]
    fake_upstream.add_release("num2words", "0.5.16", uploaded=_t("2020-01-01"))  # bust caches
    # --refresh: the cached documents are younger than upstream.max-age.
    code = main(["inspect", "num2words==0.5.14", "--index-url", fake_upstream.url,
                 "--data-dir", str(tmp_path / "data"), "--refresh"])  # fmt: skip
    out = capsys.readouterr().out
    assert "release/owners-changed" in out
    assert "mallory" in out
    assert code in {0, 1}


def test_offline_and_unknown_project(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ctx(fake_upstream)
    _inspect(fake_upstream, tmp_path, capsys, "ctx==0.1.2")
    fake_upstream.stop()
    code, report = _inspect(fake_upstream, tmp_path, capsys, "ctx==0.1.2", "--offline")
    assert code == 0
    assert report["version"] == "0.1.2"
    code, _ = _inspect(fake_upstream, tmp_path, capsys, "absent", "--offline")
    assert code == 3
    assert main(["inspect", "ctx==", "--index-url", fake_upstream.url]) == 2


def test_deep_downloads_verifies_and_scans(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _litellm(fake_upstream)
    code, report = _inspect(fake_upstream, tmp_path, capsys, "litellm==1.82.8", "--deep",
                            "--at", "2026-03-24T10:52:00Z")  # fmt: skip
    assert code == 1
    files = report["files"]
    assert isinstance(files, list)
    assert len(files) == 2
    assert all(set(f["scan"]) == {"decision", "score", "reasons", "findings"} for f in files)
    scanned = {f["file"] for f in report["verdict"]["findings"] if f["file"]}  # type: ignore[index]
    assert any(name and ".whl" in name for name in scanned)


def test_fresh_cache_is_used_unasked_until_max_age_or_refresh(
    fake_upstream: FakeUpstream,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _num2words(fake_upstream)
    _inspect(fake_upstream, tmp_path, capsys, "num2words==0.5.14")
    asked = len(fake_upstream.requests)
    code, report = _inspect(fake_upstream, tmp_path, capsys, "num2words==0.5.14")
    assert (code, report["version"]) == (0, "0.5.14")
    assert len(fake_upstream.requests) == asked  # inside the window: no request at all
    _inspect(fake_upstream, tmp_path, capsys, "num2words==0.5.14", "--refresh")
    revalidated = fake_upstream.requests[asked:]
    assert revalidated
    assert all("if-none-match" in headers for _, _, headers in revalidated)
    asked = len(fake_upstream.requests)
    monkeypatch.setenv("PYCUSTOMS_UPSTREAM_MAX_AGE", "0")
    _inspect(fake_upstream, tmp_path, capsys, "num2words==0.5.14")
    assert len(fake_upstream.requests) > asked


def test_a_release_newer_than_the_fresh_page_is_fetched(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _num2words(fake_upstream)
    _inspect(fake_upstream, tmp_path, capsys, "num2words==0.5.14")
    fake_upstream.add_release("num2words", "0.5.16", uploaded=_t("2025-08-01T10:00"))
    code, report = _inspect(fake_upstream, tmp_path, capsys, "num2words==0.5.16",
                            "--at", "2025-08-01T12:00:00Z")  # fmt: skip
    assert report["version"] == "0.5.16"
    assert code == 1  # too new


def test_snapshot_recorded_only_when_something_changed(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3  # noqa: PLC0415

    _num2words(fake_upstream)
    for _ in range(3):
        _inspect(fake_upstream, tmp_path, capsys, "num2words==0.5.14", "--refresh")
    fake_upstream.projects["num2words"].owners = ["mallory"]
    fake_upstream.yank("num2words", "0.5.13")  # the fake renders again on a content change
    _inspect(fake_upstream, tmp_path, capsys, "num2words==0.5.14", "--refresh")
    with sqlite3.connect(tmp_path / "data" / "pycustoms.db") as db:
        rows = db.execute("SELECT owners FROM project_snapshots ORDER BY id").fetchall()
    assert [json.loads(r[0]) for r in rows] == [["savoirfairelinux"], ["mallory"]]


@pytest.mark.parametrize(
    ("requirement", "is_range"),
    [("six>=1", True), ("six~=1.16", True), ("six!=1.0", True), ("six==1.*", True),
     ("six>1,<2", True), ("six===1.0", False), ("six[extra]==1.0", False),
     ("six; python_version>'3'", False), ("six==not-a-version", False)],
)  # fmt: skip
def test_ranges_and_other_forms_are_refused_without_asking_the_index(
    requirement: str,
    is_range: bool,
    fake_upstream: FakeUpstream,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["inspect", requirement, "--index-url", fake_upstream.url,
                 "--data-dir", str(tmp_path / "data")])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "NAME or NAME==VERSION" in err
    assert requirement in err
    assert ("ranges are not supported" in err) is is_range
    assert fake_upstream.requests == []
    assert not (tmp_path / "data").exists()
