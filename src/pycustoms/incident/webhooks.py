"""Tell people about an incident: POST a JSON summary to generic and Slack-compatible webhooks.

Delivery is best effort with two retries; a failed webhook is logged, never raised:
the incident is already recorded in the database and shown in the console.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from pycustoms.settings_base import Field, load_fields, parse_list

_log = logging.getLogger(__name__)


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
        """From the raw configuration, then `PYCUSTOMS_WEBHOOKS` / `PYCUSTOMS_SLACK_WEBHOOKS`."""
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


def _post(client: httpx.Client, url: str, body: dict[str, Any]) -> bool:
    for attempt in range(3):
        try:
            response = client.post(url, json=body)
        except httpx.HTTPError as exc:
            _log.warning("webhook %s: %s", url, exc)
        else:
            if response.status_code < 300:
                return True
            _log.warning("webhook %s answered HTTP %d", url, response.status_code)
        time.sleep(0.2 * (attempt + 1))
    return False


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
