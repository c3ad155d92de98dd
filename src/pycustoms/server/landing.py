"""`GET /`: a page for the person who opens the index in a browser.

It says what this index is, what it holds back under the configuration in
force, and how to point pip, uv and poetry at it, with this server's own URL
(from the request's Host header, checked and escaped) filled in.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from pycustoms.analyzers.release.settings import format_duration
from pycustoms.server.responses import NOSNIFF, SERVER, Scope, Send, header, send_bytes
from pycustoms.server.settings import ServerConfig
from pycustoms.server.templating import environment, text

# A Host header is the client's to choose: only a plain host[:port] is echoed back.
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_PAGE = environment().get_template("landing.html")
# Allowed by `style-src 'unsafe-inline'`: the page has no script and echoes only escaped text.
_STYLE = Markup(text("landing.css").strip())  # noqa: S704 - a file of the package


def base_url(scope: Scope, config: ServerConfig) -> str:
    """This server's URL as the client reached it (scheme, Host, root path)."""
    host = header(scope, b"host") or ""
    if not _HOST.match(host):
        host = f"{config.serve.host}:{config.serve.port}"
    scheme = "https" if scope.get("scheme") == "https" else "http"
    return f"{scheme}://{host}{scope.get('root_path', '')}"


def _policy(config: ServerConfig) -> list[str]:
    serve = config.serve
    cooldown = config.release.cooldown
    items = [
        f"Files younger than the cooldown ({format_duration(cooldown)}) are not listed, so "
        "installers resolve to the previous release."
        if cooldown.total_seconds() > 0
        else "No cooldown: new releases are listed at once.",
        "Files the upstream gives no upload time for are served without a cooldown "
        "(the upstream is declared trusted for age)."
        if serve.trusted_for_age
        else "A file the upstream gives no upload time for counts from when this index "
        "first saw it.",
        "Every file is scanned before it is served; a blocked file is refused (403) with "
        "its reason, which pip prints.",
    ]
    if serve.allow:
        items.append("Allow-list mode: only listed projects and versions exist.")
    if serve.wheels_only:
        items.append("Wheels only: source distributions are not listed.")
    if serve.require_tokens:
        items.append(
            "Every request needs a token (`pycustoms token create NAME` on the server), "
            "given as the password: http://NAME:TOKEN@HOST/simple/."
        )
    return items


def render_landing(url: str, config: ServerConfig, *, console: bool) -> bytes:
    """The landing page for an index at *url* (`templates/landing.html`)."""
    simple = f"{url}/simple/"
    usage = (
        f"# pip, once\npip install --index-url {simple} PACKAGE\n"
        f"# pip, always (pip.conf or PIP_INDEX_URL)\npip config set global.index-url {simple}\n"
        f"# uv\nuv pip install --index-url {simple} PACKAGE\n"
        f'# uv, in pyproject.toml\n[[tool.uv.index]]\nname = "pycustoms"\nurl = "{simple}"\n'
        "default = true\n"
        f"# poetry\npoetry source add --priority=primary pycustoms {simple}\n"
    )
    page = _PAGE.render(
        css=_STYLE, url=url, simple=simple, policy=_policy(config), usage=usage, console=console
    )
    return page.encode()


async def landing(scope: Scope, send: Send, config: ServerConfig, *, console: bool) -> None:
    """Answer `GET /` with the landing page."""
    body = render_landing(base_url(scope, config), config, console=console)
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"cache-control", b"no-cache"),
        (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'"),
        SERVER,
        NOSNIFF,
    ]
    await send_bytes(send, 200, body, headers, head=scope["method"] == "HEAD")
