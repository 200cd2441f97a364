"""The dashboard's routes: sign-in, the patient list, a patient, actions, the PDF report.

Every route but sign-in needs a live session (else 401); every POST needs the session's CSRF
token (else 403); every id in a path is looked up within the clinician's own clinic and among
patients who share now, so another clinic's id is a 404, the same as an id that does not exist.
The session cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` when the dashboard's URL is
https.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from bot.clock import Clock
from bot.coach.catalog import Catalog
from bot.dashboard import pages, report
from bot.program import clinic
from bot.program.clinic import Signed
from storage.db import Database

log = logging.getLogger(__name__)

COOKIE = "backstep_dashboard"
PREFIX = "/dashboard"


@dataclass(frozen=True)
class Context:
    db: Database
    catalog: Catalog
    clock: Clock
    secure: bool


CONTEXT = web.AppKey("dashboard", Context)
Handler = Callable[[web.Request, Signed], Awaitable[web.StreamResponse]]


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=text,
        status=status,
        content_type="text/html",
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _not_found() -> web.Response:
    return _html(pages.message("not_found", "not_found_text"), 404)


def signed_in(
    handler: Handler, *, post: bool = False
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Run ``handler`` for a live session only; a POST also needs the session's CSRF token."""

    async def run(request: web.Request) -> web.StreamResponse:
        ctx = request.app[CONTEXT]
        cookie = request.cookies.get(COOKIE, "")
        who = None
        if cookie:
            async with ctx.db.transaction() as tx:
                who = await clinic.session_of(tx, cookie, ctx.clock.now())
        if who is None:
            return _html(pages.message("signed_out", "signed_out_ask"), 401)
        if post:
            data = await request.post()
            given = str(data.get("csrf", ""))
            if not hmac.compare_digest(given.encode(), who.csrf.encode()):
                log.warning("dashboard form refused: missing or wrong CSRF token")
                return _html(pages.message("form_refused", "form_refused_text"), 403)
        return await handler(request, who)

    return run


def _id(request: web.Request, name: str) -> int | None:
    value = request.match_info[name]
    return int(value) if value.isdigit() and len(value) < 19 else None


async def _clinic_name(ctx: Context, who: Signed) -> str:
    async with ctx.db.transaction() as tx:
        return await clinic.clinic_name(tx, who.clinic_id) or ""


async def sign_in_page(request: web.Request) -> web.Response:
    """GET shows a button; only its POST spends the link (so a link preview cannot)."""
    return _html(pages.sign_in_form(request.query.get("token", "")))


async def sign_in(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    token = str((await request.post()).get("token", ""))
    async with ctx.db.transaction() as tx:
        opened = await clinic.open_session(tx, token, ctx.clock.now()) if token else None
    if opened is None:
        return _html(pages.message("link_invalid", "link_invalid_text"), 403)
    cookie, _ = opened
    response = web.Response(status=303, headers={"Location": f"{PREFIX}/"})
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(clinic.SESSION_VALID.total_seconds()),
        path=PREFIX,
        httponly=True,
        secure=ctx.secure,
        samesite="Lax",
    )
    return response


async def sign_out(request: web.Request, who: Signed) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    async with ctx.db.transaction() as tx:
        await clinic.sign_out(tx, who, request.cookies[COOKIE], ctx.clock.now())
    response = _html(pages.message("signed_out", "signed_out_text"))
    response.del_cookie(COOKIE, path=PREFIX)
    return response


async def patients(request: web.Request, who: Signed) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    async with ctx.db.transaction() as tx:
        rows = await clinic.patient_rows(tx, who.clinic_id, ctx.clock.now())
        name = await clinic.clinic_name(tx, who.clinic_id) or ""
    return _html(pages.patient_list(who, name, rows))


async def _patient_page(
    request: web.Request, who: Signed, *, for_report: bool = False
) -> clinic.PatientPage | None:
    """The patient in the path, if they share with the clinician's clinic; a report is logged."""
    ctx = request.app[CONTEXT]
    user_id = _id(request, "user")
    if user_id is None:
        return None
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        found = await clinic.patient_page(tx, who.clinic_id, user_id, now, ctx.catalog)
        if found is not None and for_report:
            await clinic.report_opened(tx, who, user_id, now)
    return found


async def patient(request: web.Request, who: Signed) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    found = await _patient_page(request, who)
    if found is None:
        return _not_found()
    last = max([ctx.clock.now().date(), *found.daily])  # the chart ends today (or later)
    return _html(
        pages.patient(who, await _clinic_name(ctx, who), found, last - timedelta(days=27), last)
    )


async def report_pdf(request: web.Request, who: Signed) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    found = await _patient_page(request, who, for_report=True)
    if found is None:
        return _not_found()
    now = ctx.clock.now()
    name = await _clinic_name(ctx, who)
    blob = await asyncio.to_thread(report.render, found, name, now)
    return web.Response(
        body=blob,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="backstep-{now:%Y-%m-%d}.pdf"',
            "Cache-Control": "no-store",
        },
    )


def _back(user_id: int) -> web.StreamResponse:
    return web.Response(status=303, headers={"Location": f"{PREFIX}/patients/{user_id}"})


async def acknowledge(request: web.Request, who: Signed) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    escalation_id = _id(request, "escalation")
    async with ctx.db.transaction() as tx:
        user_id = (
            await clinic.acknowledge(tx, who, escalation_id, ctx.clock.now())
            if escalation_id is not None
            else None
        )
    if user_id is None:
        return _not_found()
    return _back(user_id)


def _patient_action(
    act: Callable[[Context, Signed, int, web.Request], Awaitable[bool]],
) -> Handler:
    async def run(request: web.Request, who: Signed) -> web.StreamResponse:
        ctx = request.app[CONTEXT]
        user_id = _id(request, "user")
        try:
            ok = user_id is not None and await act(ctx, who, user_id, request)
        except clinic.Refused as exc:
            return _html(pages.refused(exc.reason), 409)
        if not ok or user_id is None:
            return _not_found()
        return _back(user_id)

    return run


async def _clear(ctx: Context, who: Signed, user_id: int, request: web.Request) -> bool:
    async with ctx.db.transaction() as tx:
        return await clinic.clear(tx, who, user_id, ctx.clock.now())


async def _note(ctx: Context, who: Signed, user_id: int, request: web.Request) -> bool:
    text = str((await request.post()).get("note", ""))
    async with ctx.db.transaction() as tx:
        return await clinic.send_note(tx, who, user_id, text, ctx.clock.now())


async def _plan(ctx: Context, who: Signed, user_id: int, request: web.Request) -> bool:
    data = await request.post()
    slot, kind = str(data.get("slot", "")), str(data.get("kind", ""))
    async with ctx.db.transaction() as tx:
        return await clinic.adjust(tx, who, user_id, slot, kind, ctx.clock.now(), ctx.catalog)


def add_routes(
    app: web.Application, db: Database, catalog: Catalog, clock: Clock, *, secure: bool
) -> None:
    """Serve the dashboard under ``/dashboard`` of ``app`` (the webhook's, or its own)."""
    app[CONTEXT] = Context(db, catalog, clock, secure)
    r = app.router
    r.add_get(f"{PREFIX}/sign-in", sign_in_page)
    r.add_post(f"{PREFIX}/sign-in", sign_in)
    r.add_post(f"{PREFIX}/sign-out", signed_in(sign_out, post=True))
    r.add_get(f"{PREFIX}/", signed_in(patients))
    r.add_get(f"{PREFIX}/patients/{{user}}", signed_in(patient))
    r.add_get(f"{PREFIX}/patients/{{user}}/report.pdf", signed_in(report_pdf))
    r.add_post(f"{PREFIX}/patients/{{user}}/clear", signed_in(_patient_action(_clear), post=True))
    r.add_post(f"{PREFIX}/patients/{{user}}/note", signed_in(_patient_action(_note), post=True))
    r.add_post(f"{PREFIX}/patients/{{user}}/plan", signed_in(_patient_action(_plan), post=True))
    r.add_post(
        f"{PREFIX}/escalations/{{escalation}}/acknowledge", signed_in(acknowledge, post=True)
    )


def dashboard_app(db: Database, catalog: Catalog, clock: Clock, *, secure: bool) -> web.Application:
    """The dashboard alone (``backstep dashboard``, the tests)."""
    app = web.Application(client_max_size=64 * 1024)
    add_routes(app, db, catalog, clock, secure=secure)
    return app
