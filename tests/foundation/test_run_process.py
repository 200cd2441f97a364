"""`backstep run` as an operator starts it, against the stand-in: it answers /start, logs one
line per update (not per Bot API request), and never writes the token to its log."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.stub.server import BotApiStub

TOKEN = "424242:SECRET-token-value"


async def test_backstep_run_answers_start_and_never_logs_the_token(tmp_path: Path) -> None:
    async with BotApiStub(TOKEN) as stub:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTEP_")}
        env |= {
            "BACKSTEP_TELEGRAM_TOKEN": TOKEN,
            "BACKSTEP_TELEGRAM_API_URL": stub.base_url,
            "BACKSTEP_LOG_LEVEL": "INFO",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await stub.send_text(77, "/start", first_name="Ola")
            greeting = await stub.next_message(77, timeout=30)
            assert "Hello Ola" in greeting.text and greeting.has_button("I agree")
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = await asyncio.wait_for(process.communicate(), 20)
        log = stderr.decode()
        assert process.returncode == 0, log
        assert TOKEN not in log and "SECRET-token" not in log
        assert "HTTP Request" not in log, "httpx's line per request is DEBUG's, not INFO's"
        assert "update" in log and "command" in log
        assert "/start" not in log, "no message text at INFO"
        assert (tmp_path / "backstep.db").exists(), "run migrated the default SQLite database"
