"""A bot in its own process, long polling the stand-in: Backstep, or the bare echo baseline.

Run as ``python -m bench.botproc '<json config>'``. It prints ``READY`` once polling, serves
until a line ``STOP`` arrives on stdin, then prints one JSON line with its CPU time and peak
RSS. A separate process gives the bot a core of its own, as in production where Telegram is
on another machine, and lets the benchmark read the bot's CPU time apart from the stand-in's.

With ``"profile": PATH`` in the config the whole serving time runs under cProfile and the
statistics are written to PATH (``python -m bench --only updates --profile DIR``).

Both bots log as ``backstep run`` does (INFO, redacted, one line per update) into a file, so
logging costs the same on both sides of the ratio. Backstep runs on ``bot.eventloop`` (uvloop),
as ``backstep run`` does; the echo bot runs on asyncio's stock loop, as PTB's example does.
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

from bot import eventloop, logs
from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import Settings

AGAIN = InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data="again")]])


async def _echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, message.text or "?", reply_markup=AGAIN
    )


async def _echo_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"{query.data} #{update.update_id}", reply_markup=AGAIN)


def echo_application(token: str, base_url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """PTB's echo bot, with the same update concurrency Backstep allows (256) and no state.

    It makes the same Bot API calls per update as Backstep's usual answer: a text gets a new
    message with a button, a button press gets answerCallbackQuery and an edit.
    """
    app = ApplicationBuilder().token(token).base_url(base_url).concurrent_updates(256).build()
    app.add_handler(MessageHandler(filters.TEXT, _echo_text))
    app.add_handler(CallbackQueryHandler(_echo_tap))
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
        app = echo_application(config["token"], config["base_url"])
    else:
        app = backstep_application(config)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=10, allowed_updates=ALLOWED_UPDATES)
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
    run = asyncio.run if config["kind"] == "echo" else eventloop.run
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
