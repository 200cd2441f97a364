"""``python -m bot`` is ``backstep``."""

from bot.cli import main

raise SystemExit(main())
