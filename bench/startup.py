"""Start-up and memory of one process, measured in a fresh interpreter per user count.

``python -m bench.startup '<json>'`` with ``mode``:

- ``backstep``: :func:`bot.app.build_application` as ``backstep run`` builds it (schema check,
  command menu, the reminder job installed), then the reminder dispatcher's first tick, which
  claims and sends the first batch of due reminders. The database is the schedule, so nothing
  here should grow with the number of users.
- ``naive``: the approach of python-telegram-bot's timer example: read every user at start-up
  and give each one a ``JobQueue.run_daily`` job at their local reminder time, then start the
  JobQueue (APScheduler). Everything is in memory, per user. It sends nothing, which only
  flatters it.

Prints one JSON line: seconds from spawn to ready (and to the end of the first tick), and the
peak resident set size (VmHWM, see :func:`_peak_kb`).
"""

from __future__ import annotations

import time

STARTED = time.time()

import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from datetime import datetime  # noqa: E402
from datetime import time as clock_time  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import select  # noqa: E402
from telegram.ext import ApplicationBuilder, ContextTypes  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.telegram.services import SERVICES_KEY, Services  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import User  # noqa: E402

IMPORTED = time.time()


def _peak_kb() -> int:
    """This process's peak resident set size, in KiB.

    ``/proc/self/status`` VmHWM where there is one: on Linux ``ru_maxrss`` keeps the peak of
    the process image *before* ``exec``, i.e. the parent's size at fork, which here is the
    benchmark with its stand-in and would hide the child's own figure.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


async def backstep(config: dict[str, Any]) -> dict[str, Any]:
    settings = Settings(
        telegram_token=config["token"],
        telegram_api_url=config["base_url"],
        database_url=config["database_url"],
        send_rate_per_second=1_000_000,
    )
    now = datetime.fromisoformat(config["now"])
    app = build_application(settings, clock=ManualClock(now), migrate=True, rate_limit=False)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)  # schema check, command menu, reminder job installed
    ready = time.time()
    ready_kb = _peak_kb()
    services: Services = app.bot_data[SERVICES_KEY]
    dispatcher = services.dispatcher
    assert dispatcher is not None
    sent = await dispatcher.tick()
    ticked = time.time()
    peak = _peak_kb()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
    return {"ready": ready, "ticked": ticked, "sent": sent, "ready_kb": ready_kb, "maxrss_kb": peak}


async def _remind(context: ContextTypes.DEFAULT_TYPE) -> None:
    """What a naive reminder job would do (never reached here: nothing is due yet)."""
    job = context.job
    assert job is not None and job.chat_id is not None
    await context.bot.send_message(job.chat_id, "Time for your exercises!")


async def naive(config: dict[str, Any]) -> dict[str, Any]:
    app = ApplicationBuilder().token(config["token"]).base_url(config["base_url"]).build()
    await app.initialize()
    assert app.job_queue is not None
    database = Database(config["database_url"])
    zones: dict[str, ZoneInfo] = {}
    jobs = 0
    async with database.transaction() as tx:
        rows = await tx.stream(
            select(User.id, User.chat_id, User.reminder_time, User.timezone).where(
                User.status == "active",
                User.reminder_time.is_not(None),
                User.timezone.is_not(None),
            )
        )
        async for user_id, chat_id, hhmm, zone_name in rows:
            assert hhmm is not None and zone_name is not None
            zone = zones.get(zone_name) or zones.setdefault(zone_name, ZoneInfo(zone_name))
            hour, minute = (int(part) for part in hhmm.split(":"))
            app.job_queue.run_daily(
                _remind,
                clock_time(hour, minute, tzinfo=zone),
                chat_id=chat_id,
                name=str(user_id),
                data=user_id,
            )
            jobs += 1
    await database.close()
    app.job_queue.scheduler.start(paused=True)  # jobs enter APScheduler's store, none run
    ready = time.time()
    peak = _peak_kb()
    app.job_queue.scheduler.shutdown(wait=False)
    await app.shutdown()
    return {
        "ready": ready,
        "ticked": ready,
        "sent": 0,
        "jobs": jobs,
        "ready_kb": peak,
        "maxrss_kb": peak,
    }


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    runner = backstep if config["mode"] == "backstep" else naive
    result = asyncio.run(runner(config))
    spawned = float(config["spawned"])
    result.update(
        {
            "imports_s": IMPORTED - STARTED,
            "ready_s": result.pop("ready") - spawned,
            "ticked_s": result.pop("ticked") - spawned,
        }
    )
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
