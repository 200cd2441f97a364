"""Alerts to the clinician chat, sent from the escalations table (a transactional outbox).

An escalation row with ``alert_due`` is written in the same transaction as the report that
caused it. Sending is attempted right after the user's reply and again on every dispatcher
tick until Telegram accepts it, so a clinician-chat failure never blocks or loses the user's
message, and each escalation is alerted once (the row is claimed before sending).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import TelegramError

from bot.coach import safety_messages
from bot.coach.safety import Code, Level, Reason
from bot.content.texts import t
from bot.logs import pseudonym
from bot.telegram import delivery
from bot.telegram.services import Services
from storage import escalations, pain

log = logging.getLogger(__name__)
BATCH = 20
LEASE = timedelta(minutes=1)


def reason_text(raw: dict[str, object]) -> str:
    detail = {k: v for k, v in raw.items() if k != "code"}
    try:
        return safety_messages.reason_sentence(Reason(Code(str(raw["code"])), detail))
    except (KeyError, ValueError):
        return str(raw.get("code"))


async def send_due(services: Services, bot: Bot) -> int:
    """Send every alert that is due; returns how many went out."""
    chat_id = services.settings.clinician_chat_id
    if chat_id is None:
        return 0
    now = services.clock.now()
    async with services.db.transaction() as tx:
        claimed = await escalations.claim_due_alerts(tx, now, LEASE, BATCH)
        pains = {
            alert.user_id: await pain.reports_since(tx, alert.user_id, now - timedelta(days=7))
            for alert in claimed
        }
    sent = 0
    for alert in claimed:
        level = alert.level
        history = ", ".join(
            f"{r.local_date:%a} {r.score}" for r in pains[alert.user_id] if r.kind == "checkin"
        )
        text = t(
            "alert",
            level=t(f"alert_level.{min(level, Level.EMERGENCY)}"),
            who=pseudonym(alert.user_id, services.settings.pseudonym_secret),
            reasons="; ".join(reason_text(r) for r in alert.reasons),
            pain=history or t("alert_no_pain"),
            advice=t(f"alert_advice.{min(level, Level.EMERGENCY)}"),
        )
        try:
            await delivery.send_text(bot, chat_id, text[:4096])
        except (TelegramError, delivery.Blocked) as exc:
            log.warning("clinician alert not sent (%s); will retry", exc)
            async with services.db.transaction() as tx:
                await escalations.release_alert(tx, alert.escalation_id)
            continue
        async with services.db.transaction() as tx:
            await escalations.alert_sent(tx, alert.escalation_id)
        sent += 1
    return sent
