"""Run the Bot API stand-in on its own: ``python -m bot.stub --port 8081 --token 123:abc``.

Useful for trying the bot by hand or from the browser sandbox without Telegram: point the
bot at the printed base URL and talk to it through the ``/_user`` endpoints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from bot.stub.server import DEFAULT_TOKEN, run_stub


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.stub", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--enforce-limits", action="store_true", help="answer 429 beyond Telegram's flood limits"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_stub(args.host, args.port, args.token, enforce_limits=args.enforce_limits))


if __name__ == "__main__":
    main()
