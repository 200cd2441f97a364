"""Storage queries moved out of bot/ on both backends: the clinician-alert lease, the /stats
counts and the pain scores history and the cohort read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from storage import escalations, pain, stats, users
from storage.db import Database
from storage.models import Escalation, ExerciseSession

NOW = datetime(2026, 1, 12, 6, 0, tzinfo=UTC)
LEASE = timedelta(minutes=1)


async def test_a_due_alert_is_claimed_once_per_lease_until_sent(database: Database) -> None:
    async with database.transaction() as tx:
        users.new_user(tx, 1, 1, NOW)
        await tx.flush()
        tx.add(Escalation(user_id=1, at=NOW, level=2, reasons=[{"code": "x"}], alert_due=True))
    async with database.transaction() as tx:
        claimed = await escalations.claim_due_alerts(tx, NOW, LEASE, 20)
    assert [(a.user_id, a.level, a.reasons) for a in claimed] == [(1, 2, [{"code": "x"}])]
    async with database.transaction() as tx:
        assert await escalations.claim_due_alerts(tx, NOW + LEASE / 2, LEASE, 20) == []
        await escalations.release_alert(tx, claimed[0].escalation_id)
    async with database.transaction() as tx:
        again = await escalations.claim_due_alerts(tx, NOW, LEASE, 20)
        assert [a.escalation_id for a in again] == [claimed[0].escalation_id]
        await escalations.alert_sent(tx, claimed[0].escalation_id)
    async with database.transaction() as tx:
        assert await escalations.claim_due_alerts(tx, NOW + LEASE * 2, LEASE, 20) == []


async def test_the_stats_counts(database: Database) -> None:
    async with database.transaction() as tx:
        alice = users.new_user(tx, 1, 1, NOW)
        alice.status, alice.onboarded_on = "active", date(2026, 1, 10)
        bob = users.new_user(tx, 2, 2, NOW)
        bob.status = "paused"
        users.new_user(tx, 3, 3, NOW)
        await tx.flush()
        tx.add(
            ExerciseSession(
                user_id=1,
                started_at=NOW - timedelta(days=1),
                finished_at=NOW - timedelta(days=1),
                local_date=date(2026, 1, 11),
                status="done",
            )
        )
        pain.add_report(tx, bob, at=NOW, local_date=NOW.date(), kind="checkin", score=4)
        pain.add_report(tx, alice, at=NOW, local_date=NOW.date(), kind="checkin", score=3)
        pain.add_report(tx, alice, at=NOW, local_date=NOW.date(), kind="during_exercise", score=7)
        tx.add(Escalation(user_id=2, at=NOW, level=2, reasons=[], report_ids=[]))
        tx.add(Escalation(user_id=2, at=NOW, level=2, reasons=[], report_ids=[]))
        tx.add(Escalation(user_id=1, at=NOW, level=1, reasons=[], report_ids=[]))
    since = NOW - timedelta(days=7)
    async with database.transaction() as tx:
        assert await stats.users_by_status(tx) == {"active": 1, "paused": 1, "onboarding": 1}
        assert await stats.sessions_finished_since(tx, since) == 1
        assert await stats.users_engaged_since(tx, since) == 2
        assert await stats.active_program_starts(tx) == [date(2026, 1, 10)]
        assert await stats.users_with_open_escalations(tx, 2) == {2: 1}
        assert await stats.finished_session_days(tx, 1) == [date(2026, 1, 11)]
        one = await stats.pain_scores(tx, [1], {"checkin"})
        assert [(s.user_id, s.kind, s.score) for s in one] == [(1, "checkin", 3)]
        both = await stats.pain_scores(tx, [1, 2], {"checkin"}, since=NOW.date())
        assert sorted((s.user_id, s.score) for s in both) == [(1, 3), (2, 4)]
        assert await stats.pain_scores(tx, [1], {"checkin"}, since=date(2026, 2, 1)) == []


async def test_the_furthest_reach_of_each_day(database: Database) -> None:
    day = NOW.date()
    async with database.transaction() as tx:
        alice = users.new_user(tx, 1, 1, NOW)
        await tx.flush()
        for days_ago, reach in ((9, 4), (1, 3), (1, 1), (0, None), (0, 2)):
            pain.add_report(
                tx,
                alice,
                at=NOW - timedelta(days=days_ago),
                local_date=day - timedelta(days=days_ago),
                kind="checkin",
                score=4,
                reach=reach,
            )
    async with database.transaction() as tx:
        reached = await stats.furthest_reach_by_day(tx, 1, since=day - timedelta(days=7))
    assert reached == {day - timedelta(days=1): 3, day: 2}
