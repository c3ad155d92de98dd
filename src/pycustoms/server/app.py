"""The ASGI application: a small router in front of the views (no framework on the hot path)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pycustoms.server import memory, reason, views
from pycustoms.server.console import Console
from pycustoms.server.console import build_app as build_console_app
from pycustoms.server.health import health
from pycustoms.server.landing import landing
from pycustoms.server.prefetch import popular
from pycustoms.server.responses import Receive, Scope, Send, problem, send_bytes
from pycustoms.server.settings import ConfigWatcher
from pycustoms.server.state import ServerState, build_state


class FirewallApp:
    """Dispatch by path prefix; `state` holds everything else."""

    def __init__(self, state: ServerState, console: Console | None = None) -> None:
        self.state = state
        self.console = console
        self.console_app = build_console_app(console) if console is not None else None
        self._trimming: asyncio.Future[None] | None = None
        self._background: asyncio.Future[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return
        method = scope["method"]
        parts = scope["path"].split("/")[1:]
        head = parts[0] if parts else ""
        state = self.state
        if head in ("api", "console") and self.console_app is not None:
            await self.console_app(scope, receive, send)
            return
        if method in ("GET", "HEAD"):
            if head == "simple":
                if (
                    len(parts) >= 2
                    and parts[1]
                    and len(parts) <= 3
                    and (len(parts) == 2 or not parts[2])
                ):
                    await views.project_page(state, scope, send, parts[1], len(parts) == 3)
                    return
                if len(parts) <= 2 and not (parts[1:] and parts[1]):
                    await views.root_page(state, scope, send)
                    return
            elif head == "files" and len(parts) == 4:
                await views.dist_file(state, scope, send, parts[1:])
                return
            elif head == "provenance" and len(parts) == 4:
                await views.provenance(state, scope, send, parts[1:])
                return
            elif head == "blocked" and len(parts) == 5:
                await views.blocked_file(state, scope, send, parts[1:])
                return
            elif head == "-" and parts[1:] == ["health"]:
                await send_bytes(send, 200, b"ok\n", [(b"content-type", b"text/plain")])
                return
            elif head == "health" and len(parts) == 1:
                await health(state, scope, send)
                return
            elif parts == [""]:
                config = state.watcher.current()
                await landing(scope, send, config, console=self.console_app is not None)
                return
        elif method == "POST" and head == "legacy":
            await views.upload(state, scope, receive, send)
            return
        await problem(send, 404, "policy/not-found", "no such page")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # Ready means ready: the names index is built and the scan workers are
                # started before the socket accepts its first request (the server
                # listens only once this returns), so that the first page does not pay
                # for them, nor share the CPU with them.
                await asyncio.to_thread(self.state.warm_up)
                self.state.store.spare.start()
                self._trimming = asyncio.ensure_future(memory.keep_releasing())
                serve = self.state.watcher.current().serve
                if serve.prefetch_popular > 0:
                    # Off by default; rate-limited by `prefetch-pause` (see `prefetch.popular`).
                    self._background = asyncio.ensure_future(
                        popular(self.state, serve.prefetch_popular, 3600.0, serve.prefetch_pause)
                    )
                if self.console is not None:
                    await self.console.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in (self._trimming, self._background):
                    if task is not None:
                        task.cancel()
                if self.console is not None:
                    await self.console.shutdown()
                self.state.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(
    config_file: Path | None = None, overrides: dict[str, Any] | None = None
) -> FirewallApp:
    """Build the application from the configuration (files, `PYCUSTOMS_*`, *overrides*)."""
    reason.install()
    watcher = ConfigWatcher(config_file, overrides)
    state = build_state(watcher)
    # Blocks made on another replica are read from the database every round: on a
    # shared server (PostgreSQL) four times a second, so that they apply everywhere
    # within a second (docs/scale.md); one SQLite process keeps its once a second.
    every = 1.0 if state.db.backend == "sqlite" else 0.25
    return FirewallApp(state, Console(state, config_file, every=every))
