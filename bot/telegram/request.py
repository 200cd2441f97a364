"""The HTTP client for the Bot API: aiohttp under PTB's ``BaseRequest``, JSON read by orjson.

Every Bot API call (about 2.8 per update) goes through here. PTB's own client is httpx, and
httpx -> httpcore -> anyio -> h11 is pure Python: in the profile ``Bot._post`` was the largest
CPU cost per update. aiohttp (already a dependency: the stand-in and the dashboard) parses HTTP
in C. Measured with the stand-in in a separate process (``python -m bot.stub``), 2,000
``sendMessage`` plus 2,000 ``editMessageText`` calls through a ``telegram.Bot``, CPU time
(``time.process_time``) of the client per call, PTB's parsing of the answer included:
httpx 2.1-3.1 ms, aiohttp 0.75-1.4 ms on this shared two-core machine; each back-to-back pair
of runs 55-70% less, about 60% (asyncio's loop and uvloop alike).

:class:`AiohttpRequest` keeps :class:`telegram.request.HTTPXRequest`'s semantics, which
bot/telegram/delivery.py and bot/telegram/outbox.py rely on: a timeout is
:class:`~telegram.error.TimedOut` (waiting for a free connection: "Request was *not* sent"), any
other failure of the connection is :class:`~telegram.error.NetworkError`, and nothing is retried
here (aiohttp never resends a POST), so a message is sent at most once per attempt. Error texts
never carry the URL, which holds the bot's token.

Every answer is parsed by orjson; the standard library's parser was one of the larger costs per
update (docs/benchmarks.md). PTB documents ``parse_json_payload`` as the place to change it.
"""

from __future__ import annotations

import asyncio
from typing import Any, NoReturn

import aiohttp
import orjson
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

#: PTB's own default pool sizes (ApplicationBuilder): one per update in flight, one for polling.
POOL_SIZE = 256
POLLING_POOL_SIZE = 1

POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* "
    "sent to Telegram. Consider adjusting the connection pool size or the pool timeout."
)


def parse_json(payload: bytes) -> Any:
    """orjson; invalid JSON falls back to PTB's parser and its error."""
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return BaseRequest.parse_json_payload(payload)


def _add(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def _scrubbed(err: BaseException, url: str) -> str:
    """The error's text with the URL (and so the token) reduced to the method's name."""
    text = str(err)
    return text.replace(url, ".../" + url.rsplit("/", 1)[-1]) if url in text else text


def _raise(error: NetworkError, cause: BaseException, url: str) -> NoReturn:
    """Raise ``error`` from ``cause``, unless the cause's text would show the token."""
    if url in str(cause):
        raise error from None
    raise error from cause


class AiohttpRequest(BaseRequest):
    """PTB's ``BaseRequest`` over one ``aiohttp.ClientSession``; timeouts as HTTPXRequest's.

    Timeouts (seconds, None for no limit), per call unless PTB passes its own:

    * ``pool_timeout``: waiting for one of the ``connection_pool_size`` connections;
    * ``connect_timeout``: opening a connection;
    * ``read_timeout``: Telegram's silence while the answer is awaited (between two reads);
    * ``write_timeout`` / ``media_write_timeout`` (uploads): aiohttp has no write timeout of
      its own and its read timer runs from the moment the request is sent, so an upload gets
      ``read_timeout + media_write_timeout`` for sending the file and hearing back. Other
      requests are a form of a few hundred bytes, written at once; they get ``read_timeout``.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_slots",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = POOL_SIZE,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._proxies: dict[str, tuple[URL | None, aiohttp.BasicAuth | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout; PTB adds the long poll's ``timeout`` to it for getUpdates."""
        return self._read_timeout

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        return parse_json(payload)

    async def initialize(self) -> None:
        """Open the session (it belongs to the running event loop)."""
        if self._session is None or self._session.closed:
            # The connector never waits for a connection: the semaphore hands out the pool's
            # slots first, so that waiting for one is a pool timeout, not a connect timeout.
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            # No trust_env: it reads the environment (and ~/.netrc) again on every request, 1.5 ms
            # of CPU per call here; the proxy is looked up once per server instead (_proxy).
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )
            self._slots = asyncio.Semaphore(self._pool_size)

    def _proxy(self, url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """The proxy HTTPS_PROXY / HTTP_PROXY (and NO_PROXY) name for this server, as httpx
        would use; looked up at the first call to it."""
        server = url.rpartition("/")[0]
        found = self._proxies.get(server)
        if found is None:
            try:
                found = get_env_proxy_for_url(URL(url))
            except LookupError:
                found = (None, None)
            self._proxies[server] = found
        return found

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session, slots = self._session, self._slots
        if session is None or session.closed or slots is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        files = request_data.multipart_data if request_data else None
        params = request_data.json_parameters if request_data else None
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = self._pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if files else self._write_timeout

        data: aiohttp.FormData | dict[str, str] | None = params or None
        if files:
            # Filenames as httpx writes them (UTF-8, not percent-encoded).
            form = aiohttp.FormData(quote_fields=False)
            for name, value in (params or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            data = form
            read_timeout = _add(read_timeout, write_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=connect_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )

        if slots.locked():
            try:
                async with asyncio.timeout(pool_timeout):
                    await slots.acquire()
            except TimeoutError:
                raise TimedOut(message=POOL_TIMEOUT_MESSAGE) from None
        else:
            await slots.acquire()  # a free slot: taken at once, no timer
        try:
            proxy, proxy_auth = self._proxy(url)
            async with session.request(
                method, url, data=data, timeout=timeout, proxy=proxy, proxy_auth=proxy_auth
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's connect and read timeouts are TimeoutErrors
            _raise(TimedOut(), err, url)
        except aiohttp.ClientError as err:
            _raise(NetworkError(f"aiohttp.{type(err).__name__}: {_scrubbed(err, url)}"), err, url)
        finally:
            slots.release()
