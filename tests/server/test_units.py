"""Small pieces of the server: negotiation, rendering, storage, tokens, settings reload."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pycustoms.archive.stream import LENGTH
from pycustoms.config import Policy
from pycustoms.db import Database
from pycustoms.errors import UsageError
from pycustoms.policy import decide
from pycustoms.server.auth import (
    TokenBook,
    TokenInfo,
    create_token,
    credentials_token,
    environment_name,
    list_tokens,
    looks_like_token,
    parse_basic,
    revoke_token,
)
from pycustoms.server.console.access import Principal, Role, console_secret
from pycustoms.server.filtering import Block, FilteredPage, ServedFile
from pycustoms.server.installlog import InstallEvent, InstallLog, read_events
from pycustoms.server.negotiate import Form, accepts_gzip, negotiate, parse_user_agent
from pycustoms.server.private import PrivateIndex, Upload, UploadRejected
from pycustoms.server.reason import REASON, set_reason
from pycustoms.server.render import make_body, render_html, render_json
from pycustoms.server.scanning import _block_of
from pycustoms.server.settings import ConfigWatcher
from pycustoms.storage import LocalBlobStore
from pycustoms.types import Decision, Finding, ProjectName, ScanResult, Severity
from pycustoms.upstream.errors import HashMismatchError
from pycustoms.upstream.models import IndexFile, ProjectStatus
from pycustoms.upstream.parse import parse_simple_html, parse_simple_json

SHA = "a" * 64
JSON_T = "application/vnd.pypi.simple.v1+json"
HTML_T = "application/vnd.pypi.simple.v1+html"


@pytest.mark.parametrize(
    ("accept", "form"),
    [
        (None, Form.TEXT_HTML),
        ("application/vnd.pypi.simple.v1+json", Form.JSON),
        (f"{JSON_T}, {HTML_T};q=0.2, text/html;q=0.01", Form.JSON),
        (f"{HTML_T};q=0.9, {JSON_T};q=0.5", Form.HTML),
        ("text/html", Form.TEXT_HTML),
        ("image/png", Form.NONE),
        ("application/vnd.pypi.simple.v1+json;q=0", Form.NONE),
    ],
)  # fmt: skip
def test_negotiate(accept: str | None, form: Form) -> None:
    assert negotiate(accept) is form


def test_gzip_and_user_agent() -> None:
    assert accepts_gzip("gzip, deflate")
    assert not accepts_gzip("identity")
    assert not accepts_gzip(None)
    assert parse_user_agent('pip/24.0 {"ci":null}') == ("pip", "24.0")
    assert parse_user_agent("uv/0.13.8") == ("uv", "0.13.8")
    assert parse_user_agent(None) == (None, None)


def _filtered(status: ProjectStatus | None = None, blocked: Block | None = None) -> FilteredPage:
    item = IndexFile(
        "demo-1.0-py3-none-any.whl",
        "https://files.example/demo-1.0-py3-none-any.whl",
        {"sha256": SHA},
        requires_python=">=3.9",
        yanked="broken",
        size=10,
        core_metadata={"sha256": "b" * 64},
        provenance="https://files.example/prov",
        provenance_known=True,
    )
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    return FilteredPage(
        ProjectName("demo"),
        (ServedFile(item, item.version, when),),
        status=status,
        status_reason="why" if status else None,
        blocked=blocked,
    )


def test_rendered_pages_round_trip_through_the_parsers() -> None:
    page = _filtered()
    as_json = parse_simple_json(render_json(page), "http://127.0.0.1:1/simple/demo/")
    as_html = parse_simple_html(render_html(page), "http://127.0.0.1:1/simple/demo/", "demo")
    for parsed in (as_json, as_html):
        item = parsed.files[0]
        assert item.url == f"http://127.0.0.1:1/files/demo/{SHA}/demo-1.0-py3-none-any.whl"
        assert item.sha256 == SHA
        assert item.yanked == "broken"
        assert item.requires_python == ">=3.9"
        assert item.core_metadata == {"sha256": "b" * 64}
        assert (
            item.provenance == f"http://127.0.0.1:1/provenance/demo/{SHA}/demo-1.0-py3-none-any.whl"
        )
    document = json.loads(render_json(page))
    assert document["meta"]["api-version"] == "1.4"
    assert document["versions"] == ["1.0"]
    assert document["files"][0]["upload-time"] == "2025-01-02T03:04:05.000000Z"
    assert document["files"][0]["size"] == 10


def test_quarantined_page_points_at_blocked_urls() -> None:
    page = _filtered(ProjectStatus.QUARANTINED, Block("names/typosquat", "imitates x"))
    document = json.loads(render_json(page))
    assert document["project-status"] == {"status": "quarantined", "reason": "why"}
    assert document["files"][0]["url"].startswith("../../blocked/names-typosquat/demo/")
    html = render_html(page).decode()
    assert '<meta name="pypi:project-status" content="quarantined">' in html


def test_body_is_precompressed() -> None:
    body = make_body(b"x" * 1000, "text/html")
    assert gzip.decompress(body.gzipped) == body.raw
    assert body.etag.startswith(b'"')
    assert len(body.etag) == 34


def test_blob_store_is_atomic_and_verifies(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    data = b"wheel bytes"
    digest = hashlib.sha256(data).hexdigest()
    writer = store.writer()
    writer.write(data[:4])
    assert not store.has(digest)
    writer.write(data[4:])
    writer.commit(digest)
    assert store.path(digest) is not None
    bad = store.writer()
    bad.write(b"other")
    with pytest.raises(HashMismatchError):
        bad.commit(digest.replace(digest[0], "0" if digest[0] != "0" else "1"))
    assert list(store.tmp.iterdir()) == []
    (store.tmp / "blob-crashed").write_bytes(b"partial")  # what a kill -9 leaves
    assert store.recover() == 1
    with pytest.raises(ValueError, match="sha256"):
        store.blob_path("../etc/passwd")


def _spare_ready(store: LocalBlobStore) -> list[Path]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        spares = sorted(store.tmp.glob("spare-*"))
        if spares:
            return spares
        time.sleep(0.01)
    pytest.fail("no spare was written")


def test_a_large_download_overwrites_the_spare_and_is_cut_to_length(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path, spare_bytes=1 << 20)
    store.spare.start()
    try:
        first = _spare_ready(store)
        assert [p.stat().st_size for p in first] == [1 << 20]
        small = store.writer(expected=1000)  # too small to take the spare
        assert small.growing_path().name.startswith("blob-")
        small.abort()
        data = os.urandom(300_000)
        digest = hashlib.sha256(data).hexdigest()
        writer = store.writer(expected=len(data))
        assert writer.growing_path() == first[0]  # the spare's pages are reused
        length = tmp_path / "length"
        writer.publish_length(length)
        writer.write(data[:100_000])
        assert LENGTH.unpack(length.read_bytes())[0] == 100_000
        assert first[0].stat().st_size == 1 << 20  # still the spare's size
        writer.write(data[100_000:])
        writer.commit(digest)
        stored = store.path(digest)
        assert stored is not None
        assert stored.read_bytes() == data  # not a byte of the spare's zeros past the end
        second = _spare_ready(store)
        assert second != first  # a new spare replaces the one taken
        # A wrong hash discards a spare-backed download like any other.
        bad = store.writer(expected=len(data))
        assert bad.growing_path() == second[0]
        bad.write(data[:-1])
        with pytest.raises(HashMismatchError):
            bad.commit(digest)
        assert not second[0].exists()
        assert store.path(digest) is not None
    finally:
        store.close()
    assert list(store.tmp.glob("*spare-*")) == []  # close() removes the spare nobody took


def test_a_spare_removed_behind_the_stores_back_is_replaced(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path, spare_bytes=1 << 20)
    store.spare.start()
    try:
        (gone,) = _spare_ready(store)
        gone.unlink()
        writer = store.writer(expected=1 << 20)
        assert writer.growing_path().name.startswith("blob-")  # a new file, as without spares
        writer.abort()
        assert [p.name for p in _spare_ready(store)] != [gone.name]
    finally:
        store.close()


def test_tokens_and_identity(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    try:
        token = create_token(db, "ci")
        book = TokenBook(db)
        assert book.cached(token) is None
        assert book.lookup(token) == TokenInfo("ci")
        assert book.cached(token) == TokenInfo("ci")
        assert book.lookup("pyc_nope") is None
        assert book.cached("pyc_nope") is False
        with pytest.raises(UsageError):
            create_token(db, "has space")
        with pytest.raises(UsageError, match="exists already"):
            create_token(db, "ci")
    finally:
        db.close()
    header = "Basic " + base64.b64encode(b"prod:secret").decode()
    assert parse_basic(header) == ("prod", "secret")
    assert parse_basic("Bearer x") is None
    ci = TokenInfo("ci")
    assert environment_name(None, None, ci) == "ci"
    assert environment_name(None, "ci", ci) == "ci"
    # A label refines a token's environment; it never replaces it.
    assert environment_name("staging", "prod", ci) == "ci:staging"
    assert environment_name(None, "prod", None) == "prod"
    assert environment_name(None, None, None) == "anonymous"


def test_revoked_and_expired_tokens_stop_within_a_second(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    try:
        token = create_token(db, "laptop")
        book = TokenBook(db, recheck=0.2)
        assert book.lookup(token) == TokenInfo("laptop")
        assert revoke_token(db, "laptop") == 1
        assert book.cached(token) == TokenInfo("laptop")  # still within the re-check delay
        time.sleep(0.25)
        assert book.cached(token) is None  # must be asked again...
        assert book.lookup(token) is None  # ...and is refused
        assert revoke_token(db, "laptop") == 0
        # The name is free again once its token is revoked.
        again = create_token(db, "laptop", expires_at=datetime.now(UTC) - timedelta(seconds=1))
        assert book.lookup(again) is None  # already expired
        states = {(t.name, t.state) for t in list_tokens(db)}
        assert states == {("laptop", "revoked"), ("laptop", "expired")}
    finally:
        db.close()


def test_token_caches_are_bounded(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    try:
        book = TokenBook(db)
        for i in range(10_050):
            book._unknown[f"{i:064x}"] = 0.0  # as `lookup` remembers refused tokens
        assert book.lookup("pyc_" + "x" * 40) is None
        assert len(book._unknown) <= 10_000
    finally:
        db.close()


def test_token_shaped_user_names_are_tokens_never_labels() -> None:
    token = "pyc_" + "A" * 43
    assert looks_like_token(token)
    assert credentials_token((token, "")) == (token, None)
    assert credentials_token(("__token__", token)) == (token, None)
    assert credentials_token((token, "pyc_other" + "B" * 40)) == ("pyc_other" + "B" * 40, None)
    assert credentials_token(("alice", "")) == (None, "alice")
    assert environment_name(token, None, None) == "anonymous"


def test_publish_rights_match_names_and_prefixes(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    try:
        token = create_token(db, "bot", publish=["Acme_Tools", "corp-*"])
        info = TokenBook(db).lookup(token)
        assert info is not None
        assert info.may_publish("acme-tools")
        assert info.may_publish("corp-billing")
        assert not info.may_publish("six")
        assert not TokenInfo("installer").may_publish("acme-tools")
        with pytest.raises(UsageError, match="publish pattern"):
            create_token(db, "bad", publish=["../x"])
    finally:
        db.close()


def test_install_log_batches_and_flushes(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    log = InstallLog(db)
    for i in range(3):
        log.record(
            InstallEvent(
                datetime.now(UTC), "ci", "127.0.0.1", "pip", "24.0", "demo", "1.0", f"f{i}", SHA
            )
        )
    log.close()
    assert [e.filename for e in read_events(db, "demo")] == ["f0", "f1", "f2"]
    db.close()


def _upload(name: str, version: str, filename: str, sha: str, digest: str | None) -> Upload:
    return Upload(name, version, filename, sha, 3, digest, None, "ci")


def test_private_upload_checks(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    index = PrivateIndex(db)
    good = _upload("Acme_Tools", "1.0", "acme_tools-1.0-py3-none-any.whl", SHA, None)
    assert index.record(good, reason="test") == "acme-tools"
    assert index.has(ProjectName("acme-tools"))
    with pytest.raises(UploadRejected, match="already exists"):
        index.record(good, reason="test")
    with pytest.raises(UploadRejected, match="does not belong"):
        index.check(_upload("other", "1.0", "acme_tools-2.0-py3-none-any.whl", SHA, None))
    with pytest.raises(UploadRejected, match="sha256"):
        index.check(_upload("acme-tools", "2.0", "acme_tools-2.0.tar.gz", SHA, "0" * 64))
    page = index.page(ProjectName("acme-tools"))
    assert [f.filename for f in page.files] == ["acme_tools-1.0-py3-none-any.whl"]
    db.close()


def test_config_watcher_reloads_on_change_and_keeps_the_old_on_error(tmp_path: Path) -> None:
    path = tmp_path / "pycustoms.toml"
    path.write_text("cooldown = 'P7D'\n")
    watcher = ConfigWatcher(path, environ={}, check_every=0.0)
    first = watcher.current()
    assert first.release.cooldown == timedelta(days=7)
    path.write_text("cooldown = 'P1D'\n")
    stamp = time.time() + 5
    os.utime(path, (stamp, stamp))
    second = watcher.current()
    assert second.release.cooldown == timedelta(days=1)
    assert second.version != first.version
    path.write_text("cooldown = 'soon'\n")
    os.utime(path, (stamp + 5, stamp + 5))
    assert watcher.current() is second
    assert watcher.last_error is not None
    assert "cooldown" in watcher.last_error
    watcher.request_reload()
    assert watcher.current() is second


def test_reason_phrase_is_sanitised() -> None:
    set_reason("bad\r\nheader: x é")
    value = REASON.get()
    assert value is not None
    assert b"\r" not in value
    assert b"\n" not in value


def test_console_form_tokens_rotate_hourly_and_need_the_servers_secret(tmp_path: Path) -> None:
    secret = console_secret(tmp_path)
    assert console_secret(tmp_path) == secret  # kept: replicas on the data dir share it
    assert oct((tmp_path / "console.key").stat().st_mode & 0o777) == "0o600"
    who = Principal("alice", Role.APPROVER, "a" * 64)
    now = 1_800_000_000.0
    token = who.csrf(secret, now=now)
    assert who.csrf_valid(secret, token, now=now)
    assert who.csrf_valid(secret, token, now=now + 3600)  # the previous hour still counts
    assert not who.csrf_valid(secret, token, now=now + 7200)  # then it has rotated
    assert not who.csrf_valid(b"x" * 32, token, now=now)  # another server's secret
    other = Principal("mallory", Role.APPROVER, "b" * 64)
    assert not other.csrf_valid(secret, token, now=now)  # another user's token


def test_a_page_with_a_file_of_unknown_size_does_not_promise_pep_700() -> None:
    page = _filtered()
    item = page.files[0]
    unsized = replace(page, files=(replace(item, file=replace(item.file, size=None)),))
    document = json.loads(render_json(unsized))
    assert "size" not in document["files"][0]
    assert document["meta"]["api-version"] == "1.0"
    assert json.loads(render_json(page))["meta"]["api-version"] == "1.4"


def test_a_warn_verdict_is_served_or_quarantined_as_configured() -> None:
    finding = Finding("code/download-command", Severity.HIGH, "downloads", "m.py", 1)
    warned = ScanResult("x.whl", decide([finding], Policy()))
    assert warned.verdict.decision is Decision.WARN
    assert _block_of(warned) is None  # serve.on-warn = "serve" (the default)
    held = _block_of(warned, quarantine_warn=True)
    assert held is not None
    assert "quarantined (serve.on-warn)" in held.reason


def test_a_revocation_from_the_command_line_is_audited_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import select  # noqa: PLC0415

    from pycustoms.cli import main  # noqa: PLC0415
    from pycustoms.db.console import AuditRow  # noqa: PLC0415

    data = tmp_path / "data"
    assert main(["token", "create", "laptop", "--data-dir", str(data)]) == 0
    assert main(["token", "revoke", "laptop", "--data-dir", str(data)]) == 0
    assert main(["token", "revoke", "laptop", "--data-dir", str(data)]) == 2  # none left
    capsys.readouterr()
    db = Database(f"sqlite:///{data / 'pycustoms.db'}").open()
    try:
        with db.session() as session:
            rows = session.scalars(select(AuditRow)).all()
        assert [(r.action, r.target, r.detail) for r in rows] == [
            ("token-revoke", "laptop", {"revoked": 1})
        ]
        assert rows[0].actor.startswith("cli:")
    finally:
        db.close()
