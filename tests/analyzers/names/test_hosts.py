from __future__ import annotations

import pytest

from pycustoms.analyzers.names.hosts import check_index_url, edit_distance, redact
from pycustoms.analyzers.names.indexconf import (
    index_options_from_pip_conf,
    index_options_from_pyproject,
    index_options_from_requirements,
    index_options_from_uv_toml,
)
from pycustoms.types import Severity

TRUSTED = ("packages.example.org", "files.examplehosted.org")


def rules(url: str) -> dict[str, Severity]:
    return {f.rule: f.severity for f in check_index_url(url, TRUSTED)}


def test_trusted_host_is_clean() -> None:
    assert rules("https://packages.example.org/simple") == {}
    assert rules("https://files.examplehosted.org/packages/x.whl") == {}


@pytest.mark.parametrize(
    "url",
    [
        "https://packages.exarnple.org/simple",  # visual
        "https://packages.exampel.org/simple",  # swap
        "https://example.net/simple",  # same name, another domain
        "https://exarnple.com/simple",  # look-alike letters in the name
        "https://example-mirror.com/simple",  # name as a token
        "https://examplemirror.io/simple",
    ],
)
def test_lookalike_hosts_block(url: str) -> None:
    assert rules(url).get("names/lookalike-host") == Severity.CRITICAL


def test_name_as_subdomain_of_another_domain_is_only_noted() -> None:
    assert rules("https://example.corp.internal/simple") == {
        "names/lookalike-host": Severity.MEDIUM
    }


def test_unrelated_host_is_clean() -> None:
    assert rules("https://artifacts.mycompany.test/simple") == {}


def test_plain_http_and_credentials() -> None:
    found = rules("http://user:s3cret@artifacts.mycompany.test/simple")
    assert found == {
        "names/plain-http-index": Severity.HIGH,
        "names/credentials-in-url": Severity.MEDIUM,
    }
    assert rules("http://localhost:8080/simple") == {"names/plain-http-index": Severity.LOW}


def test_env_reference_is_not_a_credential() -> None:
    assert rules("https://${TOKEN}@artifacts.mycompany.test/simple") == {}


def test_redact_hides_secret() -> None:
    assert "s3cret" not in redact("https://u:s3cret@h.test/simple")
    assert "tok" not in redact("https://tok@h.test/simple")


def test_edit_distance() -> None:
    assert edit_distance("abcd", "abdc") == 1
    assert edit_distance("kitten", "sitting") == 3


def test_requirements_options() -> None:
    text = (
        "requests==2.0\n"
        "-i https://a.test/simple\n"
        "--extra-index-url=https://b.test/simple  # comment\n"
        "--find-links \\\n  https://c.test/links\n"
    )
    options = index_options_from_requirements(text, "req.txt")
    assert [(o.url, o.option, o.line) for o in options] == [
        ("https://a.test/simple", "index-url", 2),
        ("https://b.test/simple", "extra-index-url", 3),
        ("https://c.test/links", "find-links", 4),
    ]


def test_pip_conf() -> None:
    text = "[global]\nindex-url = https://a.test/simple\nextra-index-url =\n  https://b.test/s\n  https://c.test/s\n"
    urls = [o.url for o in index_options_from_pip_conf(text, "pip.conf")]
    assert urls == ["https://a.test/simple", "https://b.test/s", "https://c.test/s"]


def test_uv_toml_and_pyproject() -> None:
    uv = 'index-url = "https://a.test/simple"\n[[index]]\nname = "x"\nurl = "https://b.test/simple"\n'
    assert [o.url for o in index_options_from_uv_toml(uv, "uv.toml")] == [
        "https://a.test/simple",
        "https://b.test/simple",
    ]
    pyproject = '[tool.uv]\nextra-index-url = ["https://c.test/simple"]\n[[tool.uv.index]]\nurl = "https://d.test/s"\n'
    assert [o.url for o in index_options_from_pyproject(pyproject, "pyproject.toml")] == [
        "https://c.test/simple",
        "https://d.test/s",
    ]
