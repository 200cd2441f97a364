"""The single-machine setup: ``backstep run`` (long polling, SQLite) with its health port.

What systemd runs must be as observable and as stoppable as the webhook instances: /healthz and
/metrics on ``BACKSTEP_HEALTH_PORT``, and SIGTERM ending it cleanly with exit status 0.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.stub.server import BotApiStub
from tests.deploy.conftest import StartBot, run_backstep

ANNA = 7101


async def test_a_polling_instance_serves_health_and_metrics_and_stops_cleanly(
    stub: BotApiStub, start_bot: StartBot, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'backstep.db'}"
    bot = await start_bot(database, command="run")

    await stub.send_text(ANNA, "/start", first_name="Anna")
    welcome = await stub.next_message(ANNA, timeout=10)
    health = await http.get(bot.base + "/healthz")
    metrics = await http.get(bot.base + "/metrics")

    assert welcome.text.startswith("Hello Anna")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    families = {f.name for f in text_string_to_metric_families(metrics.text)}
    assert {"backstep_updates", "backstep_reminders", "backstep_telegram_errors"} <= families
    assert (await http.post(bot.base + "/telegram", json={})).status_code in (404, 405)
    # What the container HEALTHCHECK and an operator's script run:
    assert (await run_backstep(database, "healthcheck", health_port=str(bot.port)))[0] == 0

    assert await bot.terminate() == 0
    assert (await run_backstep(database, "healthcheck", health_port=str(bot.port)))[0] == 1
    messages = [r["message"] for r in bot.log_records()]
    assert messages[-1] == "stopped"
    assert stub.pending_updates == 0  # polling confirmed the update before stopping
