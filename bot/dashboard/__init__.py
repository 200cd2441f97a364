"""The clinicians' dashboard: a small server-rendered web app over the shared database.

It keeps no state of its own (sessions, sign-in links and every action live in the database),
so any instance serves any request, and it sends nothing itself: what a patient is told goes
through the reply outbox that every bot instance sends from (docs/clinic.md).
"""
