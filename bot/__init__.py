"""Backstep: a Telegram coach for low back pain and sciatica home exercise programs."""

import os

# Opt in to python-telegram-bot's future behaviour: time periods (retry_after, ...) as
# timedelta, so the deprecation path is never taken.
os.environ.setdefault("PTB_TIMEDELTA", "1")
