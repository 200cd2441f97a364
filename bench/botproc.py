"""A bot in its own process, long polling the stand-in: Backstep, or the bare echo baseline.

Run as ``python -m bench.botproc '<json config>'``. It prints ``READY`` once polling, serves
until a line ``STOP`` arrives on stdin, then prints one JSON line with its CPU time and peak
RSS. A separate process gives the bot a core of its own, as in production where Telegram is
on another machine, and lets the benchmark read the bot's CPU time apart from the stand-in's.

With ``"profile": PATH`` in the config the whole serving time runs under cProfile and the
statistics are written to PATH (``python -m bench --only updates --profile DIR``).

Both bots log as ``backstep run`` does (INFO, redacted, one line per update) into a file, so
logging costs the same on both sides of the ratio. Backstep runs as ``backstep run`` does
(``bot.runtime``: uvloop, the start-up heap frozen); the echo bot on asyncio's stock loop and
Python's defaults, as PTB's example does.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import logging
import resource
import sys
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import logs, runtime
from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import Settings

AGAIN = InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data="again")]])


class Echo:
    """PTB's echo bot, answering each update with the Bot API calls Backstep made for it.

    ``script`` is a Backstep user's actions with what Backstep did in the chat for each
    (bench/users.py ``Act``: new messages and edits); every chat walks it in order, starting
    over at its end. A text gets the edits (of the chat's last message) and new messages; a
    button press gets answerCallbackQuery, the edits (of the pressed message) and new messages.
    So both bots make the same calls, and the ratio is Backstep's own work per update.
    """

    def __init__(self, script: list[list[Any]]) -> None:
        self.script = [(int(sent), int(edited)) for _, sent, edited in script] or [(1, 0)]
        self.position: dict[int, int] = {}
        self.last: dict[int, int] = {}

    def _next(self, chat_id: int) -> tuple[int, int]:
        at = self.position.get(chat_id, 0)
        self.position[chat_id] = at + 1
        return self.script[at % len(self.script)]

    async def _answer(self, bot: Any, chat_id: int, target: int | None, update_id: int) -> None:
        sent, edited = self._next(chat_id)
        if target is None:  # nothing to edit yet: a new message instead
            sent, edited = sent + edited, 0
        for n in range(edited):
            await bot.edit_message_text(f"#{update_id}.{n}", chat_id, target, reply_markup=AGAIN)
        for n in range(sent):
            message = await bot.send_message(chat_id, f"#{update_id}.{n}", reply_markup=AGAIN)
            self.last[chat_id] = message.message_id

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        await self._answer(context.bot, chat.id, self.last.get(chat.id), update.update_id)

    async def tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        assert query is not None and query.message is not None and chat is not None
        await query.answer()
        await self._answer(context.bot, chat.id, query.message.message_id, update.update_id)


def echo_application(
    token: str, base_url: str, script: list[list[Any]]
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The echo bot with the same update concurrency Backstep allows (256), on PTB's defaults."""
    echo = Echo(script)
    app = ApplicationBuilder().token(token).base_url(base_url).concurrent_updates(256).build()
    app.add_handler(MessageHandler(filters.TEXT, echo.text))
    app.add_handler(CallbackQueryHandler(echo.tap))
    return app


def backstep_application(config: dict[str, Any]) -> Application[Any, Any, Any, Any, Any, Any]:
    settings = Settings(
        telegram_token=config["token"],
        telegram_api_url=config["base_url"],
        database_url=config["database_url"],
        send_rate_per_second=1_000_000,
    )
    return build_application(settings, migrate=False, jobs=False, rate_limit=False)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def serve(config: dict[str, Any]) -> dict[str, Any]:
    if config["kind"] == "echo":
        app = echo_application(config["token"], config["base_url"], config.get("script", []))
    else:
        app = backstep_application(config)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=10, allowed_updates=ALLOWED_UPDATES)
    if config["kind"] != "echo":
        runtime.freeze_startup_heap()  # as bot/serve.py does once serving
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip() == "STOP":
            break
    cpu = _cpu_seconds()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
    return {"cpu_s": cpu}


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    logs.configure("INFO", "text", [config["token"]])
    handler = logging.FileHandler(config["log_file"])
    root = logging.getLogger()
    handler.filters = root.handlers[0].filters
    handler.setFormatter(root.handlers[0].formatter)
    root.handlers[:] = [handler]
    # Backstep runs on the loop `backstep run` uses (uvloop); the echo bot as PTB's example does.
    run = asyncio.run if config["kind"] == "echo" else runtime.run
    profile = config.get("profile")
    if profile:
        profiler = cProfile.Profile()
        result = profiler.runcall(run, serve(config))
        profiler.dump_stats(profile)
    else:
        result = run(serve(config))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
