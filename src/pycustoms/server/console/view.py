"""Rendering the console's pages: the Jinja environment, its filters and the page headers.

Kept apart from the routes (`html.py`) so that the error handlers (`problems.py`)
render the same pages without importing the routes. The templates are files of the
package (`pycustoms/templates/console/`). The stylesheet is inline and allowed by its
hash in the Content-Security-Policy: no `'unsafe-inline'`, no script.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from pycustoms.server.console.access import Principal, Role
from pycustoms.server.console.charts import day_chart, meter
from pycustoms.server.templating import environment, text

CSS = text("console/console.css")

_STYLE = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src '{_STYLE}'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Every console page: no caching, no framing, no sniffing, and only its own styles and forms.
PAGE_HEADERS = (
    ("cache-control", "no-store"),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("content-security-policy", CSP),
)


def _parse(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def ago(then: datetime, now: datetime) -> str:
    """A short relative time: `just now`, `5 min ago`, `3 h ago`, `2 days ago`, `in 4 h`."""
    seconds = (now - then).total_seconds()
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "h"), (60, "min")):
        if seconds >= size:
            n = int(seconds // size)
            text = f"{n} {unit}{'s' if unit == 'day' and n != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"  # pragma: no cover - the loop covers every value >= 60


def when(value: str | datetime | None, placeholder: str = "-") -> Markup:
    """A time as people read it: `2026-03-01 14:05 UTC (3 h ago)`, the exact instant
    in `<time datetime>` and its tooltip. Unparseable text is shown as it is, escaped."""
    parsed = _parse(value)
    if parsed is None:
        return escape(value) if value else escape(placeholder)
    utc = parsed.astimezone(UTC)
    exact = utc.isoformat().replace("+00:00", "Z")
    shown = utc.strftime("%Y-%m-%d %H:%M UTC")
    relative = ago(utc, datetime.now(UTC))
    return Markup(  # noqa: S704 - built from a parsed datetime, nothing else
        f'<time datetime="{exact}" title="{exact}">{shown}</time> '
        f'<span class="ago">({relative})</span>'
    )


_JINJA = environment(filters={"when": when}, globals_={"day_chart": day_chart, "meter": meter})


def _user(who: Principal | None) -> dict[str, Any] | None:
    if who is None:
        return None
    return {
        "name": who.name,
        "role": who.role.value if who.role else "none",
        "can_decide": who.role is not None and who.role.allows(Role.APPROVER),
        "can_block": who.role is not None and who.role.allows(Role.ADMIN),
    }


def render(
    name: str,
    who: Principal | None,
    flash: str | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page *name* for *who* (`None` on error pages before sign-in)."""
    body = _JINJA.get_template(f"console/{name}.html").render(
        css=Markup(CSS),  # noqa: S704 - a constant; its hash is in the CSP
        who=_user(who),
        flash=flash,
        csrf=who.form_token if who else "",
        **context,
    )
    return HTMLResponse(body, status, headers={**dict(PAGE_HEADERS), **(headers or {})})


def error_page(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """An error as a console page: what happened, and what to do next."""
    return render(
        "error", None, status=status, headers=headers, status_code=status, title=title,
        detail=detail,
    )  # fmt: skip
