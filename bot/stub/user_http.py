"""The simulated users' side over HTTP, for the browser sandbox (``/_user/...``).

A web page plays a user's phone: it sends texts, presses buttons, shares a location, and
long-polls the chat for what the bot did, identified by a sequence number so that a page
reload can resume.  These endpoints are thin wrappers over the same in-process API the
tests use, so the page and the tests see exactly the same behaviour.  Answers allow any
origin, because the sandbox page may be served from another port.

    POST /_user/{user_id}/send       {"text": "...", "first_name"?, "reply_to"?}
    POST /_user/{user_id}/press      {"message_id": 5, "data": "..."}
    POST /_user/{user_id}/location   {"latitude": 52.5, "longitude": 13.4}
    GET  /_user/{user_id}/chat?after=<seq>&timeout=<seconds>   (long poll for new events)
    GET  /_user/{user_id}/view       (the whole chat as it looks now)
    GET  /_user/files/{file_id}      (a file the bot sent)
    GET  /_user/commands             (what setMyCommands published)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.stub.chat import keyboard_json
from bot.stub.errors import StubRefusal

if TYPE_CHECKING:
    from bot.stub.server import BotApiStub

MAX_POLL_SECONDS = 60.0
DEFAULT_POLL_SECONDS = 25.0
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
}

UserHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _answer(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(payload, ensure_ascii=False),
        status=status,
        content_type="application/json",
        headers=_CORS,
    )


def _refused(description: str, status: int = 400) -> web.Response:
    return _answer({"ok": False, "description": description}, status)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise StubRefusal("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise StubRefusal("the body must be a JSON object")
    return data


def _user_id(request: web.Request) -> int:
    return int(request.match_info["user_id"])


def add_user_routes(app: web.Application, stub: BotApiStub) -> None:
    """Register the ``/_user`` endpoints of ``stub`` on ``app``."""

    def guarded(handler: UserHandler) -> UserHandler:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except StubRefusal as exc:
                return _refused(str(exc))
            except (KeyError, TypeError, ValueError) as exc:
                return _refused(f"bad request: {exc!r}")

        return wrapper

    def file_url(event_file_id: str | None) -> str | None:
        return f"/_user/files/{event_file_id}" if event_file_id else None

    async def send(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        update = await stub.send_text(
            _user_id(request),
            str(body["text"]),
            body.get("first_name"),
            reply_to=body.get("reply_to"),
        )
        return _answer({"ok": True, "update": update, "seq": stub.state.last_seq})

    async def press(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        update = await stub.press(_user_id(request), int(body["message_id"]), str(body["data"]))
        return _answer({"ok": True, "update": update, "seq": stub.state.last_seq})

    async def location(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        update = await stub.send_location(
            _user_id(request), float(body["latitude"]), float(body["longitude"])
        )
        return _answer({"ok": True, "update": update, "seq": stub.state.last_seq})

    async def chat_events(request: web.Request) -> web.StreamResponse:
        user_id = _user_id(request)
        after = int(request.query.get("after", "0"))
        timeout = min(float(request.query.get("timeout", DEFAULT_POLL_SECONDS)), MAX_POLL_SECONDS)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        while True:
            chat = stub.state.chats.get(user_id)
            events = chat.events_after(after) if chat is not None else []
            remaining = deadline - loop.time()
            if events or remaining <= 0 or stub.state.updates.closed:
                break
            await stub.state.wait_news(remaining)
        return _answer(
            {
                "ok": True,
                "events": [
                    e.to_json(
                        file_url(e.message.file.file_id if e.message and e.message.file else None)
                    )
                    for e in events
                ],
                "last_seq": events[-1].seq if events else after,
            }
        )

    async def view(request: web.Request) -> web.StreamResponse:
        user_id = _user_id(request)
        current = stub.chat(user_id)
        chat = stub.state.chats.get(user_id)
        return _answer(
            {
                "ok": True,
                "user_id": user_id,
                "blocked": bool(chat and chat.blocked),
                "messages": [
                    m.to_json(file_url(m.file.file_id if m.file else None))
                    for m in current.messages
                ],
                "callback_answers": [a.to_json() for a in current.callback_answers],
                "reply_keyboard": keyboard_json(
                    current.reply_keyboard_message.reply_markup
                    if current.reply_keyboard_message
                    else None
                ),
                "last_seq": chat.events[-1].seq if chat and chat.events else 0,
            }
        )

    async def file(request: web.Request) -> web.StreamResponse:
        from bot.stub.server import file_response

        stored = stub.state.files.get(request.match_info["file_id"])
        if stored is None:
            return _refused("file not found", 404)
        response = file_response(stored)
        response.headers.update(_CORS)
        return response

    async def commands(request: web.Request) -> web.StreamResponse:
        published = [
            {"scope": json.loads(scope), "language_code": language, "commands": listed}
            for (scope, language), listed in stub.state.commands.items()
        ]
        return _answer({"ok": True, "commands": stub.commands(), "all": published})

    async def preflight(request: web.Request) -> web.StreamResponse:
        return web.Response(status=204, headers=_CORS)

    user = "/_user/{user_id:-?[0-9]+}"
    app.router.add_get("/_user/files/{file_id}", guarded(file))
    app.router.add_get("/_user/commands", guarded(commands))
    app.router.add_post(f"{user}/send", guarded(send))
    app.router.add_post(f"{user}/press", guarded(press))
    app.router.add_post(f"{user}/location", guarded(location))
    app.router.add_get(f"{user}/chat", guarded(chat_events))
    app.router.add_get(f"{user}/view", guarded(view))
    app.router.add_route("OPTIONS", "/_user/{tail:.*}", preflight)
