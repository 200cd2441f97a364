"""The sandbox's own HTTP routes, added to the stand-in's server (same origin as ``/_user``).

    GET  /                          the chat page (``?user=1``, ``?user=2``, ``?user=1,2``)
    GET  /static/{name}             its CSS and JS (plain files, no build step, no CDN)
    GET  /_sandbox/info             the sandbox clock and speed, the bot's name
    GET  /_sandbox/{user}/schedule  the user's next reminder and weekly summary
    POST /_sandbox/{user}/jump      move the clock to the user's next reminder and send it

The page itself speaks to the stand-in's ``/_user`` endpoints (bot.stub.user_http) for the
chat; these routes only add what a stand-in for Telegram has no business knowing: the bot's
database and clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.sandbox.runner import Sandbox

STATIC = Path(__file__).with_name("static")
TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
}
# The page loads nothing from elsewhere; the browser enforces that (and so works offline).
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _json(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(payload, ensure_ascii=False),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def _static(name: str) -> web.Response:
    """One file of ``static/`` by its plain name (no paths, so nothing else is reachable)."""
    path = STATIC / name
    if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        raise web.HTTPNotFound()
    return web.Response(
        body=path.read_bytes(),
        content_type=TYPES.get(path.suffix, "application/octet-stream"),
        charset="utf-8",
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": CSP},
    )


def add_routes(sandbox: Sandbox) -> Callable[[web.Application], None]:
    """The ``extend_app`` hook for :meth:`bot.stub.BotApiStub.start`."""

    def user_id(request: web.Request) -> int:
        return int(request.match_info["user_id"])

    def not_ready() -> web.Response:
        return _json({"ok": False, "description": "the bot is still starting"}, 503)

    async def page(request: web.Request) -> web.StreamResponse:
        return _static("index.html")

    async def static(request: web.Request) -> web.StreamResponse:
        return _static(request.match_info["name"])

    async def info(request: web.Request) -> web.StreamResponse:
        return _json(
            {
                "ok": True,
                "ready": sandbox.ready,
                "now": sandbox.clock.now().isoformat(),
                "speed": sandbox.speed,
                "bot_name": sandbox.stub.state.bot_user["first_name"],
                "bot_username": sandbox.stub.state.bot_user["username"],
            }
        )

    async def schedule(request: web.Request) -> web.StreamResponse:
        if not sandbox.ready:
            return not_ready()
        found = await sandbox.schedule_of(user_id(request))
        return _json({"ok": True, "now": sandbox.clock.now().isoformat(), **found})

    async def jump(request: web.Request) -> web.StreamResponse:
        if not sandbox.ready:
            return not_ready()
        result = await sandbox.jump_to_next_reminder(user_id(request))
        return _json(result.to_json())

    def extend(app: web.Application) -> None:
        user = "/_sandbox/{user_id:-?[0-9]{1,15}}"
        app.router.add_get("/", page)
        app.router.add_get("/static/{name}", static)
        app.router.add_get("/_sandbox/info", info)
        app.router.add_get(f"{user}/schedule", schedule)
        app.router.add_post(f"{user}/jump", jump)

    return extend
