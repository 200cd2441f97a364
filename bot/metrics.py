"""Prometheus metrics, defined once so every module counts into the same series."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

UPDATES = Counter("backstep_updates_total", "Updates handled, by type", ["type"])
HANDLER_SECONDS = Histogram(
    "backstep_handler_seconds",
    "Time to handle one update, from receipt to the last reply",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
REMINDERS = Counter("backstep_reminders_total", "Reminders by outcome", ["outcome"])
ESCALATIONS = Counter("backstep_escalations_total", "Safety escalations by level", ["level"])
TELEGRAM_ERRORS = Counter("backstep_telegram_errors_total", "Bot API errors by code", ["code"])
WEBHOOK_REJECTED = Counter(
    "backstep_webhook_rejected_total",
    "Webhook requests refused before processing, by reason",
    ["reason"],
)
REMINDER_CLAIMS_RELEASED = Counter(
    "backstep_reminder_claims_released_total",
    "Reminder claims handed back at shutdown for another instance to send",
)
REPLIES_EXPIRED = Counter(
    "backstep_replies_expired_total", "Replies given up after 24 hours of Telegram refusing"
)
