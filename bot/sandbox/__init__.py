"""Try the whole coach in a browser: the stand-in Bot API, the real bot and a web chat page.

``backstep sandbox`` (and ``make demo``) starts :class:`bot.stub.BotApiStub`, the Application
from :func:`bot.app.build_application` (the one ``backstep run`` uses) long-polling it, and
serves a Telegram-like chat page from the stand-in's own port. Nothing leaves the machine: no
Telegram account, no token, no network. See docs/sandbox.md.
"""

from bot.sandbox.runner import MAX_SPEED, SANDBOX_TOKEN, JumpResult, Sandbox, run_sandbox

__all__ = ["MAX_SPEED", "SANDBOX_TOKEN", "JumpResult", "Sandbox", "run_sandbox"]
