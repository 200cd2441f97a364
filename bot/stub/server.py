"""``BotApiStub``: a local Telegram Bot API server for tests, the browser sandbox and benchmarks.

The real python-telegram-bot ``Application`` talks to it unchanged (build it with
``.base_url(stub.base_url)``), so everything between the bot's handlers and the HTTP wire
is exercised as in production, while the test plays the users from the other side::

    async with BotApiStub(token="123:abc") as stub:
        app = ApplicationBuilder().token("123:abc").base_url(stub.base_url).build()
        ...
        await stub.send_text(42, "/start")
        msg = await stub.next_message(42)
        await stub.press(42, msg.message_id, msg.button("I agree"))

Every request is checked against the official API description, answered in Telegram's exact
shape, and can be made to fail on demand (``fail_next``, ``drop_next``, ``block``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import re
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from bot.stub.chat import (
    BOT_EVENTS,
    CallbackAnswer,
    Chat,
    ChatEvent,
    ChatMessage,
    ChatView,
    EventKind,
    GroupView,
)
from bot.stub.errors import (
    NOT_FOUND,
    UNAUTHORIZED,
    BotApiError,
    StubRefusal,
    bad_request,
    status_error,
    too_many_requests,
)
from bot.stub.faults import Fault, FaultPlan, RateLimiter, RateLimits, Stats
from bot.stub.media import (
    StoredFile,
    UploadedFile,
    image_size,
    placeholder_ogg,
    placeholder_png,
    placeholder_tgs,
    placeholder_webm,
    placeholder_webp,
)
from bot.stub.methods import MESSAGE_METHODS, BotMethods
from bot.stub.spec import MethodSpec, load_spec
from bot.stub.state import StubState, scope_key
from bot.stub.validation import RequestValidator
from bot.stub.webhook import WebhookDelivery

log = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,100}")
MAX_BODY = 52 * 1024 * 1024  # Telegram accepts uploads up to 50 MB
DEFAULT_TOKEN = "123456789:TEST-stub-token"
# How long a test waits for something it expects. Generous: it costs nothing when the bot is on
# time, and a loaded two-core machine can be slow; a miss fails with what did arrive.
WAIT_SECONDS = 20.0
StickerFormat = Literal["static", "animated", "video"]
_IMAGE_TYPES = {
    b"\x89P": "image/png",
    b"\xff\xd8": "image/jpeg",
    b"GI": "image/gif",
    b"RI": "image/webp",
}


class NoEventError(AssertionError):
    """The bot did not do what a test waited for, within the time allowed."""


def _dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(text=_dumps(payload), status=status, content_type="application/json")


def _error_response(exc: BotApiError) -> web.Response:
    return _json_response(exc.payload(), exc.status)


async def read_params(request: web.Request) -> tuple[dict[str, Any], bool]:
    """Raw parameters of a Bot API call, and whether they are string-encoded (form-like).

    Like Telegram, the query string and the body are merged, and a JSON body, a url-encoded
    form and a multipart form are all accepted.
    """
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.body_exists:
        return params, True
    content_type = request.content_type
    if content_type == "application/json":
        body = await request.read()
        if not body.strip():
            return params, True
        try:
            data = json.loads(body)
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(data, dict):
            raise bad_request("can't parse JSON object")
        params.update(data)
        return params, False
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                params[name] = UploadedFile(value.filename, value.content_type, value.file.read())
            elif isinstance(value, (bytes, bytearray)):
                params[name] = UploadedFile(None, None, bytes(value))
            else:
                params[name] = value
    return params, True


class BotApiStub:
    """A stand-in for api.telegram.org, with a remote control for simulated users."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_name: str = "Backstep",
        bot_username: str = "backstep_test_bot",
        clock: Callable[[], float] = time.time,
        enforce_limits: bool = False,
        limits: RateLimits | None = None,
        limit_clock: Callable[[], float] = time.monotonic,
        webhook_retry_delay: float = 0.05,
        group_privacy: bool = True,
    ) -> None:
        if not TOKEN_PATTERN.fullmatch(token):
            raise ValueError(f"{token!r} is not shaped like a bot token (<digits>:<secret>)")
        self.token = token
        self.spec = load_spec()
        self.state = StubState(
            token=token,
            bot_first_name=bot_name,
            bot_username=bot_username,
            clock=clock,
            group_privacy=group_privacy,
        )
        self.webhook = WebhookDelivery(
            self.state.updates, retry_delay=webhook_retry_delay, clock=clock
        )
        self.methods = BotMethods(self.state, self.webhook)
        self.validator = RequestValidator(self.spec)
        self.faults = FaultPlan()
        self.limiter = RateLimiter(limits or RateLimits(), limit_clock) if enforce_limits else None
        self.stats = Stats()
        self.internal_errors: list[str] = []
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0

    # -- lifecycle ----------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        """The aiohttp application (for embedding the stand-in in another server)."""
        from bot.stub.user_http import add_user_routes

        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_request)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file_download)
        add_user_routes(app, self)
        return app

    async def start(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        extend_app: Callable[[web.Application], None] | None = None,
    ) -> None:
        """Listen on ``host:port`` (port 0 picks a free one; see :attr:`port`).

        ``extend_app`` may add routes (the browser sandbox serves its page this way, from
        the same origin as the ``/_user`` endpoints).
        """
        if self._runner is not None:
            raise RuntimeError("the stand-in is already running")
        self.state.updates.reopen()
        app = self.build_app()
        if extend_app is not None:
            extend_app(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()  # e.g. the port is taken: leave nothing half-open
            raise
        self._runner = runner
        self._host = host
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop serving; long polls still waiting are answered first."""
        self.state.updates.close()
        self.state.notify()
        await self.webhook.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiStub:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """Root URL of the server, e.g. ``http://127.0.0.1:8081``."""
        host = self._host
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "[::1]"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._port}"

    @property
    def base_url(self) -> str:
        """What ``ApplicationBuilder.base_url`` takes; PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What ``ApplicationBuilder.base_file_url`` takes, for file downloads."""
        return f"{self.url}/file/bot"

    # -- serving the Bot API --------------------------------------------------------------

    async def _bot_request(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not TOKEN_PATTERN.fullmatch(token):
            return _error_response(NOT_FOUND)
        if token != self.token:
            return _error_response(UNAUTHORIZED)
        spec = self.spec.method(request.match_info["method"])
        if spec is None:
            self.stats.statuses[404] += 1
            return _error_response(NOT_FOUND)
        self.stats.requests[spec.name] += 1
        return await self._serve(request, spec)

    async def _serve(self, request: web.Request, spec: MethodSpec) -> web.StreamResponse:
        """Answer one call, unless a planned fault answers instead."""
        name = spec.name
        fault = self.faults.take(name)
        try:
            if fault is not None and fault.drop and not fault.after_processing:
                return self._drop(request)
            if fault is not None and not fault.drop:
                raise self._fault_error(fault)
            raw, form = await read_params(request)
            params = self.validator.validate(spec, raw, form=form)
            handler = self.methods.handler(name)
            if handler is None:
                raise bad_request(f"method {name} is not emulated by the local stand-in")
            chat_id = self._limited_chat(name, params)
            paid = params.get("allow_paid_broadcast") is True
            if self.limiter is not None and chat_id is not False:
                wait = self.limiter.retry_after(chat_id, paid)
                if wait is not None:
                    raise too_many_requests(wait)
            result = await handler(params)
            if self.limiter is not None and chat_id is not False:
                self.limiter.record(chat_id, paid)
        except BotApiError as exc:
            self.stats.statuses[exc.status] += 1
            return _error_response(exc)
        except Exception:
            detail = traceback.format_exc()
            log.exception("stand-in failed while serving %s", name)
            self.internal_errors.append(f"{name}: {detail}")
            self.stats.statuses[500] += 1
            return _error_response(status_error(500))
        if fault is not None and fault.drop:
            return self._drop(request)
        self.stats.statuses[200] += 1
        return _json_response({"ok": True, "result": result})

    @staticmethod
    def _limited_chat(name: str, params: dict[str, Any]) -> int | bool | None:
        """The chat a flood limit applies to; False when the call is not a message."""
        if name.lower() not in MESSAGE_METHODS:
            return False
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int):
            return chat_id
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            return int(chat_id)
        return None

    @staticmethod
    def _fault_error(fault: Fault) -> BotApiError:
        if fault.status == 429:
            error = too_many_requests(fault.retry_after if fault.retry_after is not None else 3)
            if fault.description:
                error.description = fault.description
            return error
        return status_error(fault.status, fault.description)

    def _drop(self, request: web.Request) -> web.StreamResponse:
        """Close the connection without an answer, as a failing network would."""
        self.stats.dropped += 1
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=499)

    async def _file_download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(UNAUTHORIZED)
        stored = self.state.files.by_path(request.match_info["path"])
        if stored is None:
            return _error_response(NOT_FOUND)
        return file_response(stored)

    # -- the users' side --------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        """Open the chat with a user who has not written yet (so the bot may write first)."""
        self.state.open_chat(
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )

    def _user_chat(self, user_id: int, **profile: Any) -> Chat:
        chat = self.state.open_chat(user_id, **profile)
        if chat.blocked:
            raise StubRefusal(f"user {user_id} has blocked the bot; call unblock() first")
        return chat

    def _acting_in(
        self, user_id: int, chat_id: int | None, **profile: Any
    ) -> tuple[Chat, int | None]:
        """Where ``user_id`` acts: their private chat, or group ``chat_id`` as a member.

        Returns the chat and the sender to name in it (None: the private chat's user).
        """
        if chat_id is None or chat_id == user_id:
            return self._user_chat(user_id, **profile), None
        group = self._group(chat_id)
        self.state.member_of(group, user_id)
        self.state.update_profile(user_id, **profile)
        return group, user_id

    def _group(self, chat_id: int) -> Chat:
        try:
            return self.state.group(chat_id)
        except LookupError as exc:
            raise StubRefusal(str(exc)) from None

    async def send_text(
        self,
        user_id: int,
        text: str,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        reply_to: int | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """User ``user_id`` sends ``text``; returns the Update the bot will receive.

        Text starting with "/" carries a ``bot_command`` entity, as Telegram adds it.  The
        first contact opens the chat (first name "User" unless given).  With ``chat_id`` of
        a group the user is a member of, the text goes to the group instead; the bot gets
        it only if it may see it (see :meth:`add_group`).
        """
        chat, sender = self._acting_in(
            user_id,
            chat_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        return self.state.user_text(chat, text, reply_to=reply_to, sender_id=sender)

    async def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        first_name: str | None = None,
        *,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """User ``user_id`` shares a location; returns the Update."""
        chat, sender = self._acting_in(user_id, chat_id, first_name=first_name)
        return self.state.user_location(chat, latitude, longitude, sender_id=sender)

    async def send_photo(
        self,
        user_id: int,
        data: bytes | None = None,
        *,
        caption: str = "",
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """User ``user_id`` sends a photo (PNG, JPEG, GIF or WebP bytes; by default a
        1280x960 placeholder); the bot gets ``photo`` as a list of PhotoSize."""
        chat, sender = self._acting_in(user_id, chat_id)
        data = placeholder_png() if data is None else data
        size = image_size(data)
        if size is None:
            raise StubRefusal("a photo must be a PNG, JPEG, GIF or WebP image")
        stored = self.state.files.store(
            data,
            filename=None,
            mime_type=_IMAGE_TYPES.get(data[:2], "image/jpeg"),
            kind="photo",
            width=size[0],
            height=size[1],
        )
        sizes = tuple(self.state.files.photo_sizes(stored))
        return self.state.user_media(
            chat,
            "photo",
            stored,
            caption=caption,
            photo_sizes=sizes,
            reply_to=reply_to,
            sender_id=sender,
        )

    async def send_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str = "document.txt",
        mime_type: str | None = None,
        *,
        caption: str = "",
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """User ``user_id`` sends a file; the MIME type is guessed from the name if not given."""
        chat, sender = self._acting_in(user_id, chat_id)
        if not file_name:
            raise StubRefusal("a document sent from a client has a file name")
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self.state.files.store(data, filename=file_name, mime_type=mime, kind="document")
        return self.state.user_media(
            chat, "document", stored, caption=caption, reply_to=reply_to, sender_id=sender
        )

    async def send_voice(
        self,
        user_id: int,
        duration: int = 2,
        data: bytes | None = None,
        *,
        caption: str = "",
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """User ``user_id`` records a voice note of ``duration`` seconds (Ogg Opus)."""
        if duration < 0:
            raise StubRefusal("a voice note cannot last less than nothing")
        chat, sender = self._acting_in(user_id, chat_id)
        stored = self.state.files.store(
            placeholder_ogg() if data is None else data,
            filename=None,
            mime_type="audio/ogg",
            kind="voice",
        )
        return self.state.user_media(
            chat,
            "voice",
            stored,
            caption=caption,
            media={"duration": duration},
            reply_to=reply_to,
            sender_id=sender,
        )

    async def send_sticker(
        self,
        user_id: int,
        emoji: str = "\N{THUMBS UP SIGN}",
        *,
        set_name: str | None = None,
        sticker_format: StickerFormat = "static",
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """User ``user_id`` sends a 512x512 sticker: static (WebP), animated (TGS) or video
        (WebM)."""
        chat, sender = self._acting_in(user_id, chat_id)
        data, mime = {
            "static": (placeholder_webp(), "image/webp"),
            "animated": (placeholder_tgs(), "application/x-tgsticker"),
            "video": (placeholder_webm(), "video/webm"),
        }[sticker_format]
        stored = self.state.files.store(
            data, filename=None, mime_type=mime, kind="sticker", width=512, height=512
        )
        media = {
            "type": "regular",
            "is_animated": sticker_format == "animated",
            "is_video": sticker_format == "video",
            "emoji": emoji,
            "set_name": set_name,
        }
        return self.state.user_media(
            chat, "sticker", stored, media=media, reply_to=reply_to, sender_id=sender
        )

    async def edit_text(
        self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """User ``user_id`` edits their message ``message_id`` (its text, or a caption).

        Returns the ``edited_message`` Update; the bot gets it if it received the message
        and its allowed_updates include edited_message (Telegram's default set does).
        """
        chat, sender = self._acting_in(user_id, chat_id)
        return self.state.user_edit(chat, message_id, text, sender_id=sender)

    async def press(
        self, user_id: int, message_id: int, callback_data: str, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """User ``user_id`` presses the button with ``callback_data`` under ``message_id``.

        Raises :class:`StubRefusal` unless that message shows such a button: a real user
        can only press what is on the screen.  Use :meth:`inject_callback` to forge data.
        With ``chat_id`` of a group, the message is the bot's message in that group.
        """
        if chat_id is None or chat_id == user_id:
            chat = self._existing_chat(user_id)
            if chat.blocked:
                raise StubRefusal(f"user {user_id} has blocked the bot; call unblock() first")
            return self.state.user_press(chat, message_id, callback_data, check=True)
        group, sender = self._acting_in(user_id, chat_id)
        return self.state.user_press(group, message_id, callback_data, check=True, sender_id=sender)

    async def inject_callback(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """Deliver a callback query no real button produced (forged or stale data)."""
        if chat_id is None or chat_id == user_id:
            chat = self.state.open_chat(user_id)
            return self.state.user_press(chat, message_id, data, check=False)
        group = self._group(chat_id)
        return self.state.user_press(group, message_id, data, check=False, sender_id=user_id)

    def _existing_chat(self, user_id: int) -> Chat:
        try:
            chat = self.state.chat(user_id)
        except LookupError as exc:
            raise StubRefusal(str(exc)) from None
        if chat.is_group:
            raise StubRefusal(f"{user_id} is a group; pass it as chat_id=")
        return chat

    # -- groups -----------------------------------------------------------------------------

    def add_group(
        self,
        chat_id: int,
        title: str,
        members: Iterable[int] = (),
        *,
        chat_type: Literal["group", "supergroup"] = "group",
        username: str | None = None,
        with_bot: bool = False,
    ) -> None:
        """Create a group (negative id above -10**12) or a supergroup (-100...) with members.

        Members appear as in their private chat with the bot, if they have one, else as
        "User".  The bot is not in it unless ``with_bot`` (already in, no update) or until
        :meth:`add_bot_to_group`.  While the bot is in, it sees service messages, commands
        (``/cmd`` or ``/cmd@<bot username>``) and replies to its messages; everything else
        only with ``BotApiStub(group_privacy=False)``, as with privacy mode on Telegram.
        """
        group = self.state.add_group(
            chat_id, title, chat_type=chat_type, username=username, with_bot=with_bot
        )
        for user_id in members:
            self.state.join_group(group, user_id)

    def add_group_member(
        self,
        chat_id: int,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        """Make ``user_id`` a member of group ``chat_id`` (no update: set-up, not an event)."""
        self.state.join_group(
            self._group(chat_id),
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )

    async def add_bot_to_group(self, chat_id: int, by: int) -> dict[str, Any]:
        """Member ``by`` adds the bot to group ``chat_id``; returns the ``my_chat_member``
        Update (old status "left", new "member").  A ``message`` Update with
        ``new_chat_members`` follows, as on Telegram."""
        group = self._group(chat_id)
        self.state.member_of(group, by)
        if group.bot_status == "member":
            raise StubRefusal(f"the bot is already in group {chat_id}")
        update = self.state.bot_membership(group, "member", by=by)
        self.state.record(group, "bot_added", actor_id=by)
        self.state.service_message(group, by, {"new_chat_members": [dict(self.state.bot_sender)]})
        return update

    async def remove_bot_from_group(self, chat_id: int, by: int) -> dict[str, Any]:
        """Member ``by`` removes the bot from group ``chat_id``; returns the
        ``my_chat_member`` Update (new status "left" in a basic group, "kicked" in a
        supergroup).  A ``message`` Update with ``left_chat_member`` follows.  Calls to the
        group then answer 403 "Forbidden: bot was kicked from the group chat"."""
        group = self._group(chat_id)
        self.state.member_of(group, by)
        if group.bot_status != "member":
            raise StubRefusal(f"the bot is not in group {chat_id}")
        update = self.state.bot_membership(group, "kicked", by=by)
        self.state.record(group, "bot_removed", actor_id=by)
        self.state.service_message(
            group, by, {"left_chat_member": dict(self.state.bot_sender)}, deliver=True
        )
        return update

    def group(self, chat_id: int) -> GroupView:
        """Group ``chat_id`` as its members see it: messages, members, the bot's status."""
        view = self.state.group(chat_id).view()
        assert isinstance(view, GroupView)
        return view

    # -- looking at a chat ------------------------------------------------------------------

    def chat(self, user_id: int) -> ChatView:
        """The chat with ``user_id`` as the user sees it now (empty if they never wrote)."""
        chat = self.state.chats.get(user_id)
        if chat is None:
            return ChatView(user_id, (), ())
        return chat.view()

    def message(self, user_id: int, message_id: int) -> ChatMessage:
        """One message of the chat as it looks now (after any edits)."""
        found = self.state.chat(user_id).messages.get(message_id)
        if found is None:
            raise LookupError(f"no message {message_id} in the chat with user {user_id}")
        return found

    def callback_answers(self, user_id: int) -> list[CallbackAnswer]:
        return list(self.chat(user_id).callback_answers)

    def file(self, file_id: str) -> StoredFile:
        return self.state.file(file_id)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The command list setMyCommands published for ``scope`` and ``language_code``."""
        return list(self.state.commands.get((scope_key(scope), language_code), []))

    async def next_event(
        self,
        user_id: int,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109
        *,
        kinds: frozenset[EventKind] | set[EventKind] = BOT_EVENTS,
    ) -> ChatEvent:
        """The next thing the bot did in this chat that the test has not read yet.

        Events are read in order, like scrolling the chat: events of other ``kinds``
        passed on the way are skipped for good.  Raises :class:`NoEventError` when nothing
        comes within ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            chat = self.state.chats.get(user_id)
            if chat is not None:
                while chat.read_upto < len(chat.events):
                    event = chat.events[chat.read_upto]
                    chat.read_upto += 1
                    if event.kind in kinds:
                        return event
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise NoEventError(self._nothing_came(user_id, kinds, timeout))
            await self.state.wait_news(remaining)

    async def next_shown(self, user_id: int) -> ChatMessage:
        """What the bot shows next, once every update sent so far is handled: cards it closed
        on the way (buttons taken off, or a question turned into its answer with more below)
        and animations above a card are passed over, the way a reader's eye goes to the live
        card (``unread`` and ``bot_messages`` still have them)."""
        await self.wait_handled()
        chat = self.state.chats.get(user_id)
        pending = [] if chat is None else chat.events[chat.read_upto :]
        shown = [
            (i, e)
            for i, e in enumerate(pending)
            if e.kind in ("message", "edit") and e.action != "stripped"
        ]
        for n, (i, event) in enumerate(shown):
            assert event.message is not None
            passed = event.action == "closed" or event.message.kind == "animation"
            if passed and n + 1 < len(shown):
                continue
            assert chat is not None
            chat.read_upto += i + 1
            return event.message
        event = await self.next_event(user_id, kinds={"message", "edit"})
        while event.action == "stripped" or (
            event.message is not None and event.message.kind == "animation"
        ):
            event = await self.next_event(user_id, kinds={"message", "edit"})
        assert event.message is not None
        return event.message

    async def next_message(
        self,
        user_id: int,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109
    ) -> ChatMessage:
        """The next message the bot sends to ``user_id`` (skipping edits and answers)."""
        event = await self.next_event(user_id, timeout, kinds={"message"})
        assert event.message is not None
        return event.message

    async def next_edit(
        self,
        user_id: int,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109
    ) -> ChatMessage:
        """The next edit of a bot message in this chat, as the message looks after it."""
        event = await self.next_event(user_id, timeout, kinds={"edit"})
        assert event.message is not None
        return event.message

    async def next_answer(
        self,
        user_id: int,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """The bot's next answer to a button press in this chat."""
        event = await self.next_event(user_id, timeout, kinds={"callback_answer"})
        assert event.answer is not None
        return event.answer

    def unread_events(
        self, user_id: int, kinds: frozenset[EventKind] | set[EventKind] = BOT_EVENTS
    ) -> list[ChatEvent]:
        """Bot events not read yet (marking them read), without waiting."""
        chat = self.state.chats.get(user_id)
        if chat is None:
            return []
        events = chat.events[chat.read_upto :]
        chat.read_upto = len(chat.events)
        return [e for e in events if e.kind in kinds]

    def _nothing_came(self, user_id: int, kinds: Any, timeout: float) -> str:
        chat = self.state.chats.get(user_id)
        recent = [
            f"#{e.seq} {e.kind}: {(e.message.text if e.message else e.action or '')[:60]!r}"
            for e in (chat.events[-8:] if chat else [])
        ]
        lines = [
            f"no {'/'.join(sorted(kinds))} event in chat {user_id} within {timeout}s",
            f"recent events: {recent or 'none'}",
        ]
        if self.internal_errors:
            lines.append(f"stand-in internal errors: {self.internal_errors[-3:]}")
        return "\n".join(lines)

    def report_handled(self, update_id: int) -> None:
        """The bot says it has finished ``update_id`` (sent all it will send for it).

        An in-process bot reports through the ``on_handled`` hook of its update processor;
        webhook delivery reports by itself, since a webhook answers 2xx only when done.
        """
        self.state.updates.mark_handled(update_id)

    async def wait_handled(self, timeout: float = WAIT_SECONDS) -> None:  # noqa: ASYNC109
        """Wait until the bot has handled every update the users have sent so far.

        This is an outcome, not a quiet window: it holds once the bot has reported each
        queued update as handled (see :meth:`report_handled`). Tests that check that
        something did *not* happen wait for this first.
        """
        queue = self.state.updates
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while queue.unhandled:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise NoEventError(self._not_handled(timeout))
            await queue.wait_changed(remaining)

    def _not_handled(self, timeout: float) -> str:
        queue = self.state.updates
        waiting = [
            f"#{update_id} {kind} ({'fetched' if update_id <= queue.handed_out_upto else 'queued'})"
            for update_id, kind in list(queue.unhandled.items())[:8]
        ]
        lines = [f"the bot did not finish these updates within {timeout}s: {waiting}"]
        for chat in list(self.state.chats.values())[-3:]:
            recent = [
                f"#{e.seq} {e.kind}: {(e.message.text if e.message else e.action or '')[:60]!r}"
                for e in chat.events[-5:]
            ]
            lines.append(f"chat {chat.user_id}, last events: {recent or 'none'}")
        if self.internal_errors:
            lines.append(f"stand-in internal errors: {self.internal_errors[-3:]}")
        return "\n".join(lines)

    @property
    def pending_updates(self) -> int:
        """Updates the bot has not confirmed (polling) or accepted (webhook) yet."""
        return len(self.state.updates)

    # -- faults -----------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 3,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` ("*" for any) fail with ``status``.

        429 answers carry ``parameters.retry_after``; other codes use Telegram's wording
        (500 "Internal Server Error", 502 "Bad Gateway"...) unless ``description`` is given.
        """
        self.faults.add(
            method,
            Fault(status=status, description=description, retry_after=retry_after, remaining=times),
        )

    def drop_next(self, method: str, times: int = 1, *, after_processing: bool = False) -> None:
        """Close the connection of the next ``times`` calls of ``method`` without answering.

        With ``after_processing`` the call takes effect first (the message is sent, only
        the answer is lost), as when the network fails on the way back.
        """
        self.faults.add(
            method, Fault(drop=True, after_processing=after_processing, remaining=times)
        )

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to their chat answer 403 until :meth:`unblock`.

        The bot receives a ``my_chat_member`` update, as from Telegram.
        """
        self._set_blocked(user_id, True)

    def unblock(self, user_id: int) -> None:
        self._set_blocked(user_id, False)

    def _set_blocked(self, user_id: int, blocked: bool) -> None:
        chat = self.state.open_chat(user_id)
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        bot = self.state.bot_sender
        old, new = ("member", "kicked") if blocked else ("kicked", "member")

        def member(status: str) -> dict[str, Any]:
            return {
                "user": bot,
                "status": status,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        self.state.updates.push(
            "my_chat_member",
            {
                "chat": chat.chat_json(),
                "from": chat.user_json(),
                "date": self.state.now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
            chat.user_id,
        )

    def set_webhook_targets(self, urls: Sequence[str] | None) -> None:
        """Deliver webhook updates round robin to ``urls`` instead of setWebhook's URL.

        The secret token set by setWebhook still applies; None restores the single URL.
        """
        self.webhook.set_targets(list(urls) if urls else None)

    def clear_faults(self) -> None:
        self.faults.clear()


def file_response(stored: StoredFile) -> web.Response:
    """The bytes of a stored file with its type and name."""
    headers = {}
    if stored.filename:
        safe = stored.filename.replace('"', "")
        headers["Content-Disposition"] = f'inline; filename="{safe}"'
    return web.Response(
        body=stored.data,
        content_type=stored.mime_type or "application/octet-stream",
        headers=headers,
    )


async def run_stub(
    host: str = "127.0.0.1", port: int = 8081, token: str = DEFAULT_TOKEN, **options: Any
) -> None:
    """Run a stand-in until cancelled (used by ``python -m bot.stub``)."""
    stub = BotApiStub(token, **options)
    await stub.start(host, port)
    log.warning("Bot API stand-in listening: base_url=%s token=%s", stub.base_url, token)
    try:
        await asyncio.Event().wait()
    finally:
        await stub.stop()
