"""The sample corpus: every malicious sample is blocked, every benign look-alike allowed.

Each sample is assembled into a real wheel and/or sdist in `tmp_path` with
`tests.builders`, then judged by `pycustoms.scan.scan_target` under the default
policy. A malicious sample must also raise the key rule ids its technique calls
for (a subset of what is emitted), so a verdict reached for the wrong reason fails.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from pycustoms.config import Policy
from pycustoms.rules import catalogue
from pycustoms.scan import scan_target
from pycustoms.types import Decision, ScanResult
from tests.samples import Sample, Technique
from tests.samples.benign import BENIGN
from tests.samples.malicious import MALICIOUS

ALL: tuple[Sample, ...] = MALICIOUS + BENIGN


def _params(samples: Iterable[Sample]) -> list[Any]:
    out: list[Any] = []
    for sample in samples:
        for kind in sample.kinds():
            marks = [pytest.mark.xfail(strict=True, reason=sample.xfail)] if sample.xfail else []
            out.append(pytest.param(sample, kind, id=f"{sample.id}[{kind}]", marks=marks))
    return out


def _explain(result: ScanResult) -> str:
    lines = [
        f"decision={result.verdict.decision.value} score={result.verdict.score} "
        f"error={result.error}",
        *(f"  reason: {r}" for r in result.verdict.reasons),
    ]
    for f in result.verdict.findings:
        where = f"{f.file}:{f.line}" if f.file else "-"
        lines.append(f"  {f.severity.label:8} {f.confidence:.2f} {f.rule:40} {where}")
    return "\n".join(lines)


def _scan(sample: Sample, kind: str, directory: Path) -> ScanResult:
    directory.mkdir(parents=True, exist_ok=True)
    return scan_target(sample.assemble(directory, kind), Policy())


@pytest.mark.parametrize(("sample", "kind"), _params(MALICIOUS))
def test_malicious_sample_is_caught(sample: Sample, kind: str, tmp_path: Path) -> None:
    result = _scan(sample, kind, tmp_path)
    emitted = {f.rule for f in result.verdict.findings}
    assert result.error is None, _explain(result)
    assert result.verdict.decision is sample.expect, f"{sample.description}\n{_explain(result)}"
    missing = sorted(sample.rules - emitted)
    assert not missing, f"missing key rules {missing}\n{_explain(result)}"


@pytest.mark.parametrize(("sample", "kind"), _params(BENIGN))
def test_benign_look_alike_is_allowed(sample: Sample, kind: str, tmp_path: Path) -> None:
    result = _scan(sample, kind, tmp_path)
    assert result.error is None, _explain(result)
    assert result.verdict.decision is sample.expect, f"{sample.description}\n{_explain(result)}"


def test_emitted_rule_ids_are_declared(tmp_path: Path) -> None:
    declared = set(catalogue())
    undeclared: dict[str, set[str]] = {}
    for index, sample in enumerate(ALL):
        for kind in sample.kinds():
            result = _scan(sample, kind, tmp_path / f"{index}-{kind}")
            for rule in {f.rule for f in result.verdict.findings} - declared:
                undeclared.setdefault(rule, set()).add(sample.id)
    assert not undeclared, f"rule ids emitted but not in the catalogue: {undeclared}"


def test_expected_rule_ids_are_declared() -> None:
    declared = set(catalogue())
    unknown = {s.id: sorted(s.rules - declared) for s in ALL if s.rules - declared}
    assert not unknown


# --- the corpus itself ---------------------------------------------------------------------


def test_corpus_size() -> None:
    assert len(MALICIOUS) >= 60
    assert len(BENIGN) >= 30


def test_every_technique_has_a_malicious_sample() -> None:
    covered = {t for s in MALICIOUS for t in s.techniques}
    assert set(Technique) - covered == set()


def test_sample_records_are_well_formed() -> None:
    ids = [s.id for s in ALL]
    assert len(ids) == len(set(ids)), "sample ids must be unique"
    for sample in MALICIOUS:
        assert sample.techniques, sample.id
        assert sample.expect in (Decision.BLOCK, Decision.WARN), sample.id
        assert sample.rules, f"{sample.id}: name the key rule ids the technique must raise"
    for sample in BENIGN:
        assert not sample.techniques, sample.id
        assert sample.expect in (Decision.ALLOW, Decision.WARN), sample.id
        assert not sample.rules, sample.id
        assert sample.xfail is None, f"{sample.id}: a false positive is a failure, not an xfail"


# Hosts a sample may name: documentation/reserved addresses and names, plus the
# specific services whose host *is* the technique (webhooks, pastes, tunnels, catchers).
_SERVICE_SUFFIXES = (
    ".invalid",
    ".example",
    ".test",
    "metadata.google.internal",
    "discord.com",
    "discordapp.com",
    "hooks.slack.com",
    "api.telegram.org",
    "pastebin.com",
    "transfer.sh",
    "file.io",
    "ngrok-free.app",
    "trycloudflare.com",
    "webhook.site",
    "oast.fun",
    "burpcollaborator.net",
    "pipedream.net",
    "interact.sh",
)
_DOC_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
_ALLOWED_IPS = {"0.0.0.0", "127.0.0.1", "169.254.169.254"}
_URL_HOST = re.compile(r"\b[a-z][a-z0-9+.-]*://([^/:'\"\s?]+)", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\d.])")


def _host_allowed(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host in _ALLOWED_IPS:
        return True
    if re.fullmatch(r"[\d.]+", host) and host.count(".") < 3:
        return True  # an address cut by a line break in a bytes literal; _IPV4 checks whole ones
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host in ("localhost",) or host.endswith(_SERVICE_SUFFIXES)
    return any(address in net for net in _DOC_NETWORKS)


@pytest.mark.parametrize("sample", ALL, ids=[s.id for s in ALL])
def test_sample_hosts_are_inert(sample: Sample) -> None:
    bad: set[str] = set()
    for name, content in sample.files.items():
        if isinstance(content, bytes):
            continue
        for host in _URL_HOST.findall(content):
            if not _host_allowed(host):
                bad.add(f"{name}: {host}")
        for ip in _IPV4.findall(content):
            if not _host_allowed(ip) and not name.endswith((".js", ".css")):
                bad.add(f"{name}: {ip}")
    assert not bad
