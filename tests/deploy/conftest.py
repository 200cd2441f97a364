"""Real ``backstep webhook`` processes, the Bot API stand-in feeding them, and a database cable.

Everything here runs as in production: the bot is a subprocess started from the installed
``backstep`` script with only ``BACKSTEP_*`` environment variables, in an empty working
directory (so no ``.env`` is picked up), logging JSON lines to a file the test can read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.stub.server import BotApiStub
from storage.models import Base
from tests.waiting import eventually

TOKEN = "123456:TEST-deploy-token"
SECRET = "deploy_secret-0123456789"
READY_SECONDS = 30.0
EXIT_SECONDS = 10.0  # the bound from SIGTERM to exit


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def backstep_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m bot``."""
    script = Path(sys.executable).with_name("backstep")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def clean_environment(**settings: str) -> dict[str, str]:
    """This environment minus any BACKSTEP_* the developer has set, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTEP_")}
    env.update({f"BACKSTEP_{k.upper()}": v for k, v in settings.items()})
    return env


@dataclass
class BotProcess:
    """One ``backstep webhook`` process listening on a loopback port."""

    name: str
    port: int  # the webhook listener, or the health port in polling mode
    log_path: Path
    process: asyncio.subprocess.Process
    command: str = "webhook"
    path: str = "/telegram"
    exit_code: int | None = field(default=None)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return self.base + self.path

    def log_records(self) -> list[dict[str, Any]]:
        """Every log line the process wrote, parsed (each must be one JSON object)."""
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def log_tail(self, lines: int = 25) -> str:
        return "\n".join(self.log_path.read_text(encoding="utf-8").splitlines()[-lines:])

    def handled_update_ids(self) -> set[int]:
        return {r["update_id"] for r in self.log_records() if "update_id" in r}

    async def wait_ready(self, client: httpx.AsyncClient) -> None:
        """Until /healthz answers 200 and updates are being taken (webhook set, or polling)."""

        async def ready() -> bool:
            if self.process.returncode is not None:
                raise AssertionError(f"{self.name} exited early:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                response = await client.get(self.base + "/healthz")
                return response.status_code == 200 and self._webhook_registered()
            return False

        await eventually(ready, f"{self.name} to be ready", READY_SECONDS, seen=self.log_tail)

    def _webhook_registered(self) -> bool:
        marker = "serving the webhook" if self.command == "webhook" else "long polling"
        return any(marker in r.get("message", "") for r in self.log_records())

    async def terminate(self) -> int:
        """SIGTERM, then the exit status (failing if it takes longer than the 10 s allowed)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.exit_code = await asyncio.wait_for(self.process.wait(), EXIT_SECONDS)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(
                f"{self.name} did not exit within {EXIT_SECONDS}s of SIGTERM:\n{self.log_tail()}"
            ) from None
        return self.exit_code

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


StartBot = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    """The stand-in for api.telegram.org, on the real clock (the bots are other processes)."""
    async with BotApiStub(TOKEN, webhook_retry_delay=0.02) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as client:
        yield client


@pytest.fixture
async def start_bot(
    stub: BotApiStub, tmp_path: Path, http: httpx.AsyncClient
) -> AsyncIterator[StartBot]:
    """Start ``backstep webhook`` (or ``run``) processes; any still running at the end are killed.

    In polling mode (``command="run"``) the process gets a health port instead of a webhook.
    """
    started: list[BotProcess] = []

    async def start(
        database_url: str, name: str = "bot", command: str = "webhook", **settings: str
    ) -> BotProcess:
        port = free_port()
        log_path = tmp_path / f"{name}.log"
        bot = BotProcess(name, port, log_path, process=None, command=command)  # type: ignore[arg-type]
        if command == "webhook":
            settings = {"webhook_url": bot.webhook_url, "webhook_secret": SECRET, **settings}
            settings["listen"] = f"127.0.0.1:{port}"
        else:
            settings = {"health_port": str(port), **settings}
        env = clean_environment(
            telegram_token=TOKEN,
            telegram_api_url=stub.base_url,
            database_url=database_url,
            log_format="json",
            **settings,
        )
        workdir = tmp_path / name
        workdir.mkdir()
        with log_path.open("w") as log:
            bot.process = await asyncio.create_subprocess_exec(
                *backstep_command(),
                command,
                env=env,
                cwd=workdir,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        started.append(bot)
        await bot.wait_ready(http)
        return bot

    yield start
    for bot in started:
        await bot.kill()


async def run_backstep(database_url: str, *args: str, **settings: str) -> tuple[int, str]:
    """Run a one-shot ``backstep`` command (like compose's migrate service)."""
    process = await asyncio.create_subprocess_exec(
        *backstep_command(),
        *args,
        env=clean_environment(database_url=database_url, **settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


@pytest.fixture
async def empty_postgres(scratch_postgres: str) -> str:
    """A PostgreSQL database of this run's with no tables at all (not even Alembic's)."""
    engine = create_async_engine(scratch_postgres)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        await engine.dispose()
    return scratch_postgres


class Cable:
    """A TCP forwarder between the bot and PostgreSQL that a test can unplug and plug back.

    Unplugging stops listening and cuts every open connection, which is what the bot sees
    when the database host goes away: refused connects and dead pooled connections.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def plug(self) -> None:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def unplug(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(sink)
            sink.transport.abort()

    def url_through(self, database_url: str) -> str:
        """``database_url`` with host and port replaced by this cable's end."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)


@pytest.fixture
async def cable(postgres_url: str) -> AsyncIterator[Cable]:
    target = make_url(postgres_url)
    forwarder = Cable(target.host or "127.0.0.1", target.port or 5432)
    await forwarder.plug()
    yield forwarder
    await forwarder.unplug()
