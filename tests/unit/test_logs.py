"""What the log says at each level, and that the token is never in it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from bot import logs

TOKEN = "424242:SECRET-token-value"


class Collect(logging.Handler):
    """Keeps each formatted line, behind the filters and formatter ``logs.configure`` set."""

    def __init__(self, configured: logging.Handler) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.filters = configured.filters
        self.setFormatter(configured.formatter)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def configure() -> Iterator[Callable[[str], list[str]]]:
    root, httpx_logger = logging.getLogger(), logging.getLogger("httpx")
    saved = root.handlers[:], root.level, httpx_logger.level

    def at(level: str) -> list[str]:
        logs.configure(level, "text", [TOKEN])
        collect = Collect(root.handlers[0])
        root.handlers[:] = [collect]
        return collect.lines

    yield at
    root.handlers[:], root.level = saved[0], saved[1]
    httpx_logger.setLevel(saved[2])


def _bot_api_request() -> None:
    """The line httpx writes for every request, with the token in the URL."""
    url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    logging.getLogger("httpx").info('HTTP Request: POST %s "HTTP/1.1 200 OK"', url)


def test_at_info_a_bot_api_request_is_not_a_line_of_its_own(
    configure: Callable[[str], list[str]],
) -> None:
    lines = configure("INFO")
    _bot_api_request()
    logging.getLogger("bot.app").info("update 1 command from u-1")
    assert len(lines) == 1 and "update 1 command" in lines[0]


def test_at_debug_each_request_is_logged_without_the_token(
    configure: Callable[[str], list[str]],
) -> None:
    lines = configure("DEBUG")
    _bot_api_request()
    assert len(lines) == 1 and "HTTP Request: POST" in lines[0]
    assert "<redacted>" in lines[0] and "SECRET" not in lines[0]
