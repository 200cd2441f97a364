"""The HTTP client for the Bot API: PTB's own (httpx), reading Telegram's JSON with orjson.

Every Bot API answer (each sent message comes back whole, and every long poll) is parsed here;
the standard library's parser was one of the larger costs per update in the profile
(docs/benchmarks.md). PTB documents ``parse_json_payload`` as the place to change the parser.
"""

from __future__ import annotations

from typing import Any

import orjson
from telegram.request import HTTPXRequest

#: PTB's own default pool sizes (ApplicationBuilder): one per update in flight, one for polling.
POOL_SIZE = 256
POLLING_POOL_SIZE = 1


class JsonRequest(HTTPXRequest):
    """HTTPXRequest with orjson; invalid JSON falls back to PTB's parser and its error."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:
            return HTTPXRequest.parse_json_payload(payload)
