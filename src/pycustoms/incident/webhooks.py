"""Tell people about an incident: POST a JSON summary to generic and Slack-compatible webhooks.

Delivery is best effort with two retries; a failed webhook is logged, never raised:
the incident is already recorded in the database and shown in the console.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from pycustoms.retry import Backoff, retry_call
from pycustoms.settings_base import Field, load_fields, parse_list

_log = logging.getLogger(__name__)
# Best effort: two retries, soon (the incident is recorded whatever the webhook does).
_BACKOFF = Backoff(retries=2, first=0.4, cap=2.0)


def _urls(value: Any) -> tuple[str, ...]:
    return tuple(u for u in parse_list(value, error="expected a list of URLs") if u)


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Where incident summaries go: `[serve] webhooks` and `[serve] slack-webhooks`."""

    generic: tuple[str, ...] = ()
    slack: tuple[str, ...] = ()

    @classmethod
    def load(
        cls, raw: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> WebhookSettings:
        """From the raw configuration, then `PYCUSTOMS_SERVE_WEBHOOKS` and
        `PYCUSTOMS_SERVE_SLACK_WEBHOOKS` (their former names without `SERVE_` too)."""
        return load_fields(cls(), WEBHOOK_FIELDS, raw, environ)


WEBHOOK_FIELDS: tuple[Field, ...] = (
    Field(
        "generic",
        "serve.webhooks",
        _urls,
        "URLs that get a JSON summary of every incident",
        "WEBHOOKS",
    ),
    Field(
        "slack",
        "serve.slack-webhooks",
        _urls,
        "Slack-compatible incoming-webhook URLs for incidents",
        "SLACK_WEBHOOKS",
    ),
)


def slack_payload(summary: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack-compatible message (`text` plus mrkdwn blocks) for an incident *summary*."""
    envs = summary.get("environments", [])
    shown = ", ".join(f"`{e}`" for e in envs[:20]) + (" …" if len(envs) > 20 else "")
    steps = "\n".join(f"• {c}" for c in summary.get("checklist", [])[:10])
    text = (
        f":rotating_light: pycustoms: {summary['project']}=={summary['version']} is now blocked "
        f"({summary['source']}): {summary['reason']}. "
        f"{len(envs)} environment(s) installed it."
    )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Environments:* {shown or '-'}"}},
    ]
    if steps:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Rotate:*\n{steps}"}}
        )
    return {"text": text, "blocks": blocks}


def generic_payload(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The generic JSON body: `{"event": "pycustoms.incident", ...summary}`."""
    return {"event": "pycustoms.incident", **summary}


class _Refused(Exception):
    """The webhook answered, but not with success."""


def _post(client: httpx.Client, url: str, body: dict[str, Any]) -> bool:
    def attempt() -> None:
        response = client.post(url, json=body)
        if response.status_code >= 300:
            raise _Refused(f"answered HTTP {response.status_code}")

    def failed(exc: BaseException, _number: int = 0) -> None:
        _log.warning("webhook %s: %s", url, exc)

    try:
        retry_call(
            attempt,
            on=lambda exc: isinstance(exc, _Refused | httpx.HTTPError),
            backoff=_BACKOFF,
            on_retry=failed,
        )
    except (_Refused, httpx.HTTPError) as exc:
        failed(exc)
        return False
    return True


def send(settings: WebhookSettings, summary: Mapping[str, Any]) -> int:
    """POST *summary* to every configured webhook (blocking); return how many accepted it."""
    if not settings.generic and not settings.slack:
        return 0
    delivered = 0
    with httpx.Client(timeout=5.0, headers={"User-Agent": "pycustoms-webhook"}) as client:
        for url in settings.generic:
            delivered += _post(client, url, generic_payload(summary))
        for url in settings.slack:
            delivered += _post(client, url, slack_payload(summary))
    return delivered
