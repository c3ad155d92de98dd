"""Content negotiation for the simple API (PEP 691) and the client's identity (User-Agent)."""

from __future__ import annotations

import enum
import functools
import re


class Form(enum.Enum):
    """Which representation of a page to send."""

    JSON = "json"
    HTML = "html"
    TEXT_HTML = "text-html"
    NONE = "none"  # nothing acceptable: 406


_TYPES = {
    "application/vnd.pypi.simple.v1+json": Form.JSON,
    "application/vnd.pypi.simple.latest+json": Form.JSON,
    "application/vnd.pypi.simple.v1+html": Form.HTML,
    "application/vnd.pypi.simple.latest+html": Form.HTML,
    "text/html": Form.TEXT_HTML,
    "*/*": Form.TEXT_HTML,
    "text/*": Form.TEXT_HTML,
    "application/*": Form.JSON,
}


@functools.lru_cache(maxsize=512)
def negotiate(accept: str | None) -> Form:
    """Pick the representation for an `Accept` header (absent: HTML, as PEP 691 asks)."""
    if not accept:
        return Form.TEXT_HTML
    best: tuple[float, int, Form] | None = None
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        form = _TYPES.get(media.lower())
        if form is None:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (quality, -position, form)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best is not None else Form.NONE


def accepts_gzip(header: str | None) -> bool:
    """True if `Accept-Encoding` allows gzip (ignoring the rare explicit `q=0`)."""
    if not header or "gzip" not in header:
        return False
    return "gzip;q=0" not in header.replace(" ", "") or "gzip;q=0." in header.replace(" ", "")


_AGENT = re.compile(r"^\s*([A-Za-z][\w.+-]*)/([\w.+!-]+)")


@functools.lru_cache(maxsize=256)
def parse_user_agent(agent: str | None) -> tuple[str | None, str | None]:
    """The installer and its version from a User-Agent (`pip/24.0 {...}` -> `pip`, `24.0`)."""
    if not agent:
        return None, None
    match = _AGENT.match(agent)
    if match is None:
        return agent[:64], None
    name = match.group(1).lower()
    return name[:64], match.group(2)[:64]
