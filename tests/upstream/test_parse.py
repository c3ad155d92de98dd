"""Both simple-API forms parse into the same models; missing fields stay unknown."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pycustoms.upstream.errors import IndexFormatError
from pycustoms.upstream.models import ProjectStatus
from pycustoms.upstream.parse import (
    parse_json_api,
    parse_simple_html,
    parse_simple_json,
    parse_simple_json_index,
)

PAGE = "https://index.example/simple/demo/"

HTML = b"""<!DOCTYPE html><html><head>
<meta name="pypi:repository-version" content="1.4">
<meta name="pypi:project-status" content="quarantined">
<meta name="pypi:project-status-reason" content="malware">
</head><body>
<a href="../../files/demo-1.0-py3-none-any.whl#sha256=ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB" data-requires-python="&gt;=3.8"
   data-core-metadata="sha256=dededededededededededededededededededededededededededededededede" data-provenance="/prov/1">demo-1.0-py3-none-any.whl</a>
<a href="../../files/demo-1.0.tar.gz#sha256=1212121212121212121212121212121212121212121212121212121212121212" data-yanked="broken">demo-1.0.tar.gz</a>
<a href="../../files/demo-0.9.tar.gz" data-yanked="">demo-0.9.tar.gz</a>
</body></html>"""


def test_html_page() -> None:
    page = parse_simple_html(HTML, PAGE, "Demo")
    wheel, sdist, old = page.files
    assert page.name == "demo"
    assert page.status is ProjectStatus.QUARANTINED
    assert page.status_reason == "malware"
    assert wheel.url == "https://index.example/files/demo-1.0-py3-none-any.whl"
    assert wheel.sha256 == "ab" * 32
    assert wheel.requires_python == ">=3.8"
    assert wheel.core_metadata == {"sha256": "de" * 32}
    assert wheel.provenance == "https://index.example/prov/1"
    assert wheel.upload_time is None  # HTML never carries upload times
    assert not wheel.provenance_known
    assert sdist.yanked == "broken"
    assert old.yanked is True
    assert old.sha256 is None
    assert {str(v) for v in page.files_by_version()} == {"1.0", "0.9"}


def test_json_page() -> None:
    body = json.dumps(
        {
            "meta": {"api-version": "1.4"},
            "name": "demo",
            "versions": ["0.9", "1.0"],
            "project-status": {"status": "archived", "reason": None},
            "files": [
                {
                    "filename": "demo-1.0-py3-none-any.whl",
                    "url": "../../files/demo-1.0-py3-none-any.whl",
                    "hashes": {"sha256": "abc"},
                    "requires-python": ">=3.8",
                    "core-metadata": {"sha256": "def"},
                    "yanked": False,
                    "upload-time": "2024-12-07T10:00:00.123456Z",
                    "size": 123,
                    "provenance": None,
                },
                {
                    "filename": "demo-0.9.tar.gz",
                    "url": "https://files.example/demo-0.9.tar.gz",
                    "hashes": {},
                    "yanked": "bad build",
                    "dist-info-metadata": True,
                },
            ],
        }
    ).encode()
    page = parse_simple_json(body, PAGE)
    wheel, sdist = page.files
    assert page.versions == ("0.9", "1.0")
    assert page.status is ProjectStatus.ARCHIVED
    assert wheel.upload_time == datetime(2024, 12, 7, 10, 0, 0, 123456, tzinfo=UTC)
    assert wheel.size == 123
    assert wheel.provenance_known
    assert wheel.provenance is None
    assert sdist.upload_time is None
    assert not sdist.provenance_known
    assert sdist.yanked == "bad build"
    assert sdist.core_metadata is True


def test_json_page_rejects_garbage() -> None:
    with pytest.raises(IndexFormatError):
        parse_simple_json(b"[]", PAGE)
    with pytest.raises(IndexFormatError):
        parse_simple_json(b"{not json", PAGE)


def test_json_api_document() -> None:
    body = json.dumps(
        {
            "info": {"name": "Demo", "version": "1.0", "project_urls": {"Source": "x"}},
            "releases": {
                "1.0": [
                    {
                        "filename": "demo-1.0.tar.gz",
                        "url": "https://files.example/demo-1.0.tar.gz",
                        "digests": {"sha256": "abc", "md5": "m"},
                        "upload_time_iso_8601": "2020-01-01T00:00:00Z",
                        "yanked": True,
                        "yanked_reason": "oops",
                    }
                ]
            },
            "ownership": {"roles": [{"role": "Owner", "user": "alice"}], "organization": None},
            "vulnerabilities": [{"id": "PYSEC-1"}],
        }
    ).encode()
    info = parse_json_api(body, "https://index.example/pypi/demo/json")
    assert info.name == "demo"
    assert info.roles is not None
    assert info.roles[0].user == "alice"
    (item,) = info.releases["1.0"]
    assert item.upload_time == datetime(2020, 1, 1, tzinfo=UTC)
    assert item.yanked == "oops"
    assert info.vulnerabilities[0]["id"] == "PYSEC-1"


def test_json_api_without_ownership_is_unknown() -> None:
    info = parse_json_api(b'{"info": {"name": "x"}}', "u")
    assert info.roles is None
    assert info.releases == {}


def _big_page() -> bytes:
    files = []
    for release in range(30):
        version = f"1.{release}"
        for name, extra in (
            (f"demo-{version}-py3-none-any.whl", {"provenance": None}),
            (f"demo-{version}.tar.gz", {}),
            (f"demo-{version}.tar.bz2", {"provenance": "/p"}),
        ):
            files.append(
                {
                    "filename": name,
                    "url": f"../../files/{name}",
                    "hashes": {"SHA256": "AB"},
                    "yanked": release == 3,
                    "upload-time": f"2024-01-{release % 28 + 1:02d}T10:00:00+02:00"
                    if release != 5
                    else None,
                    **extra,
                }
            )
    return json.dumps({"name": "Demo", "files": files, "versions": []}).encode()


def test_release_index_agrees_with_the_whole_page() -> None:
    from pycustoms.analyzers.release import assemble  # noqa: PLC0415

    body = _big_page()
    index = parse_simple_json_index(body, PAGE)
    page = parse_simple_json(body, PAGE)
    assert len(index) == len(page.files) == 90
    assert index.page() == page
    assert index.files_by_version() == page.files_by_version()
    assert page.files[2].upload_time == datetime(2024, 1, 1, 8, tzinfo=UTC)
    for version in ("1.0", "1.3", "1.5", "1.29"):
        assert assemble(index, version) == assemble(page, version)
    assert assemble(index, "9.9") is None


def test_version_fast_paths_match_packaging() -> None:
    from pycustoms.upstream.models import _slow_version_of, _version_of  # noqa: PLC0415

    for name in ("demo-1.0.tar.gz", "my-demo-2.0rc1.tar.gz", "demo-x.tar.gz", "-1.0.tar.gz",
                 "demo.tar.gz", "demo-1.0-py3-none-any.whl", "demo-1.0.zip"):  # fmt: skip
        assert _version_of(name) == _slow_version_of(name), name


def test_json_api_releases_are_built_on_lookup() -> None:
    body = json.dumps(
        {"info": {"name": "demo"},
         "releases": {"1.0": [{"filename": "demo-1.0.tar.gz", "url": "f/demo-1.0.tar.gz",
                               "upload_time": "2020-01-01T00:00:00"}], "2.0": []}}
    ).encode()  # fmt: skip
    info = parse_json_api(body, "https://index.example/pypi/demo/json")
    assert set(info.releases) == {"1.0", "2.0"}
    assert info.releases["1.0"][0].upload_time == datetime(2020, 1, 1, tzinfo=UTC)
    assert info.releases["1.0"] is info.releases["1.0"]
    assert dict(info.releases) == {"1.0": info.releases["1.0"], "2.0": ()}


def test_hash_values_that_are_not_hex_digests_are_dropped() -> None:
    hostile = '"><script>alert(1)</script>'
    body = json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "name": "demo",
            "files": [
                {"filename": "a-1.0.tar.gz", "url": "a", "hashes": {"sha256": hostile}},
                {"filename": "b-1.0.tar.gz", "url": "b", "hashes": {"sha256": "ab" * 31}},
                {
                    "filename": "c-1.0.tar.gz",
                    "url": "c",
                    "hashes": {"sha256": "AB" * 32, "md5": "0" * 31},
                },
            ],
        }
    ).encode()
    a, b, c = parse_simple_json(body, PAGE).files
    assert a.sha256 is None
    assert b.sha256 is None  # one byte short
    assert c.hashes == {"sha256": "ab" * 32}
    page = f'<a href="x-1.0.tar.gz#sha256={hostile}">x-1.0.tar.gz</a>'.encode()
    assert parse_simple_html(page, PAGE, "demo").files[0].sha256 is None
