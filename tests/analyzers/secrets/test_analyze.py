"""Secrets left in a package: found by kind and place, the value never repeated."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from pycustoms.analyzers.secrets import find_secrets
from pycustoms.archive import Member
from pycustoms.cli import main
from tests.builders import build_wheel

_RNG = random.Random(7)


def _random(alphabet: str, size: int) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(size))


ALNUM = string.ascii_letters + string.digits
SECRETS = {
    "aws-access-key": "AKIA" + _random(string.ascii_uppercase + string.digits, 16),
    "github-token": "ghp_" + _random(ALNUM, 36),
    "gitlab-token": "glpat-" + _random(ALNUM, 20),
    "npm-token": "npm_" + _random(ALNUM, 36),
    "google-api-key": "AIza" + _random(ALNUM + "_-", 35),
    "package-index-token": "pypi-AgEI" + _random(ALNUM + "_-", 80),
    "slack-token": "xoxb-" + _random(string.digits, 12) + "-" + _random(ALNUM, 24),
    "telegram-bot-token": _random("98765", 9) + ":AA" + _random(ALNUM + "_-", 33),
}


@pytest.mark.parametrize("kind", list(SECRETS), ids=list(SECRETS))
def test_each_kind_is_found_and_its_value_never_shown(kind: str) -> None:
    value = SECRETS[kind]
    text = f"import os\n\nTOKEN = {value!r}\n"
    (finding,) = find_secrets([Member("pkg/settings.py", text.encode())])
    assert finding.rule == f"secrets/{kind}"
    assert (finding.file, finding.line) == ("pkg/settings.py", 3)
    assert value not in finding.message
    assert finding.snippet is None


def test_private_keys_and_credential_files_are_found() -> None:
    body = "\n".join(_random(ALNUM + "+/", 64) for _ in range(8))
    key = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n"
    env = f"DEBUG=1\nAPI_TOKEN={_random(ALNUM, 32)}\n"
    pypirc = f"[pypi]\nusername = __token__\npassword = {SECRETS['package-index-token']}\n"
    members = [
        Member("pkg/data/deploy_key", key.encode()),
        Member(".env", env.encode()),
        Member(".pypirc", pypirc.encode()),
    ]
    rules = sorted({(f.rule, f.file) for f in find_secrets(members)})
    assert ("secrets/private-key", "pkg/data/deploy_key") in rules
    assert ("secrets/credential-file", ".env") in rules
    assert ("secrets/credential-file", ".pypirc") in rules


@pytest.mark.parametrize(
    "text",
    [
        "AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'\n",
        "token = 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n",
        "url = 'https://user:${PASSWORD}@example.com/simple/'\n",
        "API_KEY=your-api-key-here\n",
        "-----BEGIN PRIVATE KEY-----\n<your key>\n-----END PRIVATE KEY-----\n",
        "key = os.environ['GITHUB_TOKEN']\n",
    ],
)
def test_placeholders_examples_and_references_are_not_secrets(text: str) -> None:
    assert (
        find_secrets([Member("pkg/config.py", text.encode()), Member(".env", text.encode())]) == []
    )


def test_scan_secrets_fails_a_dist_that_leaks_a_token(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    leaky = {"demo/__init__.py": f"GITHUB = {SECRETS['github-token']!r}\n"}
    build_wheel(dist, "demo", "1.0", leaky)
    assert main(["scan", "--secrets", "--format", "json", "-o", str(tmp_path / "r.json"),
                 str(dist)]) == 1  # fmt: skip
    report = (tmp_path / "r.json").read_text()
    assert "secrets/github-token" in report
    assert SECRETS["github-token"] not in report
    # Without --secrets the same wheel is ordinary code.
    assert main(["scan", "--format", "json", "-o", str(tmp_path / "r2.json"), str(dist)]) == 0
