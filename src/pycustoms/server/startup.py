"""What the server says once at start-up: facts about its set-up that change what it serves.

- A `file://` upstream (a local PEP 503 directory) publishes no upload times:
  files count from when the index first saw them (see `filtering.filter_page`).
  An http(s) upstream is judged on the first page it serves without them
  (`explain.Explainer.untimed`): pycustoms does not crawl the upstream to find out.
- pip's `extra-index-url`s are not proxied: the server has one upstream. They
  are named, with what to do, so that nobody believes they are checked.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping

from pycustoms.errors import ConfigError
from pycustoms.redact import redact
from pycustoms.server.explain import untimed_advice
from pycustoms.server.settings import ServerConfig
from pycustoms.server.state import ServerState
from pycustoms.upstream.pipconf import discover

LOG = logging.getLogger(__name__)

# The scan workers' fork server listens on `TMPDIR/pymp-XXXXXXXX/listener-XXXXXXXX`, and a
# Unix socket path holds at most 107 bytes: 32 go to those two names.
_MAX_TEMP_DIR = 107 - 32


def check_temp_dir(path: str | None = None) -> None:
    """Refuse a temporary directory whose path is too long for the scan workers' socket
    (every scan would fail with "AF_UNIX path too long" and nothing would be served)."""
    where = path if path is not None else tempfile.gettempdir()
    if len(os.fsencode(where)) > _MAX_TEMP_DIR:
        raise ConfigError(
            f"the temporary directory {where} ({len(os.fsencode(where))} bytes) is too long for "
            f"the scan workers' socket (at most {_MAX_TEMP_DIR} bytes): set TMPDIR to a "
            "shorter directory"
        )


def untimed_note(index_url: str, config: ServerConfig) -> str | None:
    """The warning for an upstream known at start-up to publish no upload times, or `None`."""
    if not index_url.startswith("file:") or config.serve.trusted_for_age:
        return None
    return (
        f"the upstream {redact(index_url)} is a local directory, whose pages carry no upload "
        f"times: {untimed_advice(config)}"
    )


def unproxied_indexes(index_url: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """pip's extra indexes on this host that this server does not proxy."""
    try:
        found = discover(environ)
    except ConfigError:
        return []  # pip's configuration is unreadable: nothing to compare
    ours = index_url.rstrip("/")
    return [url for url in found.extra_index_urls if url.rstrip("/") != ours]


def extras_note(extras: list[str], config: ServerConfig) -> str | None:
    """The warning naming pip's extra indexes that are not proxied, or `None`."""
    if not extras:
        return None
    here = f"http://{config.serve.host}:{config.serve.port}"
    listed = ", ".join(redact(url) for url in extras)
    return (
        f"not proxied: pip on this host also names {len(extras)} extra index(es) "
        f"(extra-index-url / PIP_EXTRA_INDEX_URL): {listed}. This server serves one upstream; "
        f"installers pointed at {here}/simple/ do not see those projects through it, and pip "
        "still fetches from them directly, unchecked, while extra-index-url stays in its "
        "configuration. To check them too, run one more `pycustoms serve --upstream URL "
        "--port PORT` per index and name that server in extra-index-url instead, or upload "
        f"your own packages to this index (twine upload --repository-url {here}/legacy/)"
    )


def announce(state: ServerState, environ: Mapping[str, str] | None = None) -> list[str]:
    """Log the start-up warnings for *state*; return them."""
    config = state.watcher.current()
    env = os.environ if environ is None else environ
    untimed = untimed_note(state.index_url, config)
    if untimed is not None:
        state.pages.explainer.warned()  # said now: not again at the first page
    notes = [untimed, extras_note(unproxied_indexes(state.index_url, env), config)]
    said = [note for note in notes if note is not None]
    for note in said:
        LOG.warning("%s", note)
    return said
