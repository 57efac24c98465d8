"""Pages of one's own staff account: the code step of a login, setting up an authenticator
app, one's sessions, and the password reset by e-mail. They sit on the same services as
`/auth/…` (core/identity)."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from smartcity.core.db import transaction
from smartcity.core.errors import Conflict, Gone, InvalidInput, TooManyRequests
from smartcity.core.http.deps import SESSION_COOKIE, DbDep, PlatformDep, client_address
from smartcity.core.identity import login as steps
from smartcity.core.identity import mfa, passkeys, reset, throttle
from smartcity.core.identity.account_routes import send_reset
from smartcity.core.identity.models import UserAccount, WebSession
from smartcity.core.identity.passwords import MAX_LENGTH, MIN_LENGTH, policy_problem
from smartcity.core.identity.routes import set_login_cookie
from smartcity.core.identity.sessions import (
    FULL,
    device_of,
    end_other_sessions,
    needs_second_factor,
    resolve_pending,
    sessions_of,
)
from smartcity.core.identity.tokens import digest
from smartcity.core.web.deps import FormDep, PageDep, form_text, staff_principal
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState

router = APIRouter(include_in_schema=False)

# Where a login goes on after a step (the stage it owes next).
STEP_PAGES = {"mfa": "/anmelden/code", "password": "/passwort", "enrol": "/zwei-faktor"}


def _site(title: str) -> dict[str, Any]:
    return {"site_name": gettext_("Smart City platform"), "home_url": "/", "page_title": title}


def after_step(outcome: steps.LoginOutcome, done: str = "/verwaltung") -> str:
    """The page for the login's next step, or `done` when it is complete."""
    return done if outcome.stage == FULL else STEP_PAGES[outcome.stage]


def wait_message(refused: TooManyRequests) -> str:
    """Why a login, code or password change is refused for now, and for how long."""
    return gettext_("Too many failed attempts. Please wait %(minutes)s minutes.") % {
        "minutes": max(1, refused.retry_after // 60)
    }


def policy_messages() -> dict[str, str]:
    """What is wrong with a new password, by the policy's code (passwords.POLICY_PROBLEMS)."""
    return {
        "too_short": gettext_("The new password must be at least %(n)s characters long.")
        % {"n": MIN_LENGTH},
        "too_long": gettext_("The new password must be at most %(n)s characters long.")
        % {"n": MAX_LENGTH},
        "common": gettext_("This password is one of the most common ones. Please choose another."),
        "user_name": gettext_("The new password must not be your user name."),
    }


def _with_cookie(response: Response, request: Request, outcome: steps.LoginOutcome) -> Response:
    assert outcome.token is not None
    set_login_cookie(response, request.app.state.platform, SESSION_COOKIE, outcome.token)
    return response


# --- the code step of a login -------------------------------------------------------------


def _party(request: Request) -> passkeys.RelyingParty:
    return passkeys.RelyingParty.of(request.app.state.platform.settings.effective_public_url)


def _code_page(
    request: Request,
    state: WebState,
    db: Session,
    pending: tuple[WebSession, UserAccount],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    web_session, user = pending
    return render(
        request,
        "site/code.html",
        state,
        status_code=status_code,
        errors=errors,
        labels={"code": gettext_("Code")},
        # A new challenge for the passkey form (None: the account has no passkey).
        passkey_options=passkeys.authentication_options(db, user, web_session, _party(request)),
        **_site(gettext_("Second factor")),
    )


@router.get("/anmelden/code")
def code_page(request: Request, state: PageDep, db: DbDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    pending = resolve_pending(db, token, "mfa") if token else None
    if pending is None:
        return RedirectResponse("/anmelden", status_code=303)
    return _code_page(request, state, db, pending, {})


@router.post("/anmelden/code")
def code_step(request: Request, state: PageDep, form: FormDep, platform: PlatformDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    # Own transaction: a wrong code is counted although the step fails.
    with transaction(platform.sessions) as db:
        pending = resolve_pending(db, token, "mfa") if token else None
        if pending is None:
            return RedirectResponse("/anmelden", status_code=303)
        web_session, user = pending
        credential = form_text(form, "credential", 20_000)
        try:
            if credential:
                outcome = steps.passkey_factor(
                    db,
                    user,
                    web_session,
                    credential,
                    party=_party(request),
                    pending_token=token,
                    client=client_address(request),
                    sessions=platform.session_policy,
                    limits=platform.throttle_policy,
                    device=device_of(request.headers.get("user-agent", "")),
                )
            else:
                outcome = steps.second_factor(
                    db,
                    user,
                    form_text(form, "code", 64),
                    pending_token=token,
                    client=client_address(request),
                    server_secret=platform.settings.require_secret_key(),
                    sessions=platform.session_policy,
                    limits=platform.throttle_policy,
                    device=device_of(request.headers.get("user-agent", "")),
                )
        except TooManyRequests as exc:
            errors = {"code": wait_message(exc)}
            response = _code_page(request, state, db, pending, errors, 429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        if not outcome.ok:
            message = (
                gettext_("The passkey could not be checked. Please try again.")
                if credential
                else gettext_("The code is wrong. Please try again with the current code.")
            )
            return _code_page(request, state, db, pending, {"code": message}, 401)
    response = RedirectResponse(after_step(outcome), status_code=303)
    return _with_cookie(response, request, outcome)


# --- the authenticator app ----------------------------------------------------------------


def _account(request: Request, db: DbDep, state: WebState) -> tuple[UserAccount, bool] | None:
    """The user of a full session (False) or of a login that must set up the app (True)."""
    if staff_principal(request, db, state) is not None and state.user is not None:
        return state.user, False
    token = request.cookies.get(SESSION_COOKIE, "")
    pending = resolve_pending(db, token, "enrol") if token else None
    return (pending[1], True) if pending else None


def _mfa_page(
    request: Request,
    state: WebState,
    db: DbDep,
    user: UserAccount,
    enrolling: bool,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    platform = request.app.state.platform
    pending = mfa.pending_enrolment(db, user, platform.settings.require_secret_key())
    this = db.get(WebSession, digest(request.cookies.get(SESSION_COOKIE, "")))
    assert this is not None  # a full session or the login setting up its factor
    return render(
        request,
        "site/mfa.html",
        state,
        status_code=status_code,
        errors=errors or {},
        labels={"code": gettext_("Code from the app")},
        enrolling=enrolling,
        active=mfa.has_totp(db, user.id),
        required=needs_second_factor(db, user.id, platform.session_policy),
        codes_left=mfa.recovery_codes_left(db, user.id),
        pending=pending,
        passkeys=passkeys.credentials_of(db, user.id),
        # A new challenge for the passkey form on every view.
        passkey_options=passkeys.registration_options(db, user, this, _party(request)),
        **_site(gettext_("Two-factor authentication")),
    )


@router.get("/zwei-faktor")
def mfa_page(request: Request, state: PageDep, db: DbDep) -> Response:
    found = _account(request, db, state)
    if found is None:
        return RedirectResponse("/anmelden?next=/zwei-faktor", status_code=303)
    return _mfa_page(request, state, db, *found)


@router.post("/zwei-faktor/einrichten")
def mfa_start(request: Request, state: PageDep, form: FormDep, db: DbDep) -> Response:
    found = _account(request, db, state)
    if found is None:
        return RedirectResponse("/anmelden?next=/zwei-faktor", status_code=303)
    user, _ = found
    with suppress(Conflict):  # set up already: the page says so
        mfa.start_enrolment(db, user, request.app.state.platform.settings.require_secret_key())
    return RedirectResponse("/zwei-faktor", status_code=303)


@router.post("/zwei-faktor/bestaetigen")
def mfa_confirm(request: Request, state: PageDep, form: FormDep, platform: PlatformDep) -> Response:
    client = client_address(request)
    with transaction(platform.sessions) as db:
        found = _account(request, db, state)
        if found is None:
            return RedirectResponse("/anmelden?next=/zwei-faktor", status_code=303)
        user, enrolling = found
        name = f"#mfa:{user.id}"
        try:
            throttle.check_allowed(db, platform.throttle_policy, name, client)
            codes = mfa.confirm_enrolment(
                db, user, form_text(form, "code", 64), platform.settings.require_secret_key()
            )
        except TooManyRequests as exc:
            errors = {"code": wait_message(exc)}
            return _mfa_page(request, state, db, user, enrolling, errors, 429)
        except Conflict:
            return RedirectResponse("/zwei-faktor", status_code=303)
        if codes is None:
            throttle.record_failure(db, platform.throttle_policy, name, client)
            message = gettext_("The code is wrong. Please try again with the current code.")
            return _mfa_page(request, state, db, user, enrolling, {"code": message}, 400)
        throttle.clear_failures(db, platform.throttle_policy, name)
        outcome = None
        if enrolling:
            outcome = steps.enrolled(
                db,
                user,
                pending_token=request.cookies.get(SESSION_COOKIE, ""),
                sessions=platform.session_policy,
                device=device_of(request.headers.get("user-agent", "")),
            )
    # Shown once, on this page: they are not kept in a readable form.
    response = render(
        request,
        "site/recovery_codes.html",
        state,
        codes=codes,
        **_site(gettext_("Your recovery codes")),
    )
    return _with_cookie(response, request, outcome) if outcome is not None else response


@router.post("/zwei-faktor/passkey")
def passkey_add(request: Request, state: PageDep, form: FormDep, platform: PlatformDep) -> Response:
    with transaction(platform.sessions) as db:
        found = _account(request, db, state)
        if found is None:
            return RedirectResponse("/anmelden?next=/zwei-faktor", status_code=303)
        user, enrolling = found
        token = request.cookies.get(SESSION_COOKIE, "")
        this = db.get(WebSession, digest(token))
        assert this is not None
        try:
            codes = passkeys.register(
                db,
                user,
                this,
                _party(request),
                form_text(form, "credential", 20_000),
                form_text(form, "name", 100) or gettext_("Passkey"),
            )
        except InvalidInput:
            message = gettext_("The passkey could not be checked. Please try again.")
            return _mfa_page(request, state, db, user, enrolling, {"name": message}, 400)
        outcome = None
        if enrolling:
            outcome = steps.enrolled(
                db,
                user,
                pending_token=token,
                sessions=platform.session_policy,
                device=device_of(request.headers.get("user-agent", "")),
            )
    if codes is None:
        response: Response = RedirectResponse("/zwei-faktor", status_code=303)
    else:
        response = render(
            request,
            "site/recovery_codes.html",
            state,
            codes=codes,
            **_site(gettext_("Your recovery codes")),
        )
    return _with_cookie(response, request, outcome) if outcome is not None else response


# --- one's sessions -----------------------------------------------------------------------


@router.get("/sitzungen")
def sessions_page(
    request: Request,
    state: PageDep,
    db: DbDep,
    beendet: Annotated[bool, Query()] = False,
) -> Response:
    if staff_principal(request, db, state) is None or state.user is None:
        return RedirectResponse("/anmelden?next=/sitzungen", status_code=303)
    current = digest(request.cookies.get(SESSION_COOKIE, ""))
    found = sessions_of(db, state.user.id, request.app.state.platform.session_policy)
    return render(
        request,
        "site/sessions.html",
        state,
        sessions=[(entry, entry.token_hash == current) for entry in found],
        ended=beendet,
        **_site(gettext_("Your sessions")),
    )


@router.post("/sitzungen/abmelden")
def end_elsewhere(request: Request, state: PageDep, form: FormDep, db: DbDep) -> Response:
    if staff_principal(request, db, state) is None or state.user is None:
        return RedirectResponse("/anmelden?next=/sitzungen", status_code=303)
    end_other_sessions(db, state.user.id, request.cookies.get(SESSION_COOKIE, ""))
    return RedirectResponse("/sitzungen?beendet=true", status_code=303)


# --- password reset by e-mail -------------------------------------------------------------


@router.get("/passwort-vergessen")
def forgot_page(request: Request, state: PageDep) -> Response:
    return render(
        request,
        "site/forgot.html",
        state,
        sent=False,
        errors={},
        labels={"account": gettext_("User name or e-mail address")},
        **_site(gettext_("Forgot your password?")),
    )


@router.post("/passwort-vergessen")
def forgot(
    request: Request,
    state: PageDep,
    form: FormDep,
    platform: PlatformDep,
    background: BackgroundTasks,
) -> Response:
    account = form_text(form, "account", 320)
    if account:
        # After the answer: the page is the same whether or not the account exists.
        background.add_task(send_reset, platform, account)
    return render(
        request,
        "site/forgot.html",
        state,
        sent=True,
        errors={},
        labels={},
        **_site(gettext_("Forgot your password?")),
    )


def _reset_page(
    request: Request,
    state: WebState,
    token: str,
    errors: dict[str, str],
    status_code: int = 200,
    *,
    usable: bool = True,
) -> Response:
    return render(
        request,
        "site/reset.html",
        state,
        status_code=status_code,
        token=token,
        usable=usable,
        errors=errors,
        labels={"new": gettext_("New password"), "repeat": gettext_("New password again")},
        min_length=MIN_LENGTH,
        **_site(gettext_("Set a new password")),
    )


@router.get("/passwort-zuruecksetzen")
def reset_page(
    request: Request, state: PageDep, db: DbDep, token: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    try:
        reset.check_token(db, token)
    except Gone:
        return _reset_page(request, state, "", {}, 410, usable=False)
    return _reset_page(request, state, token, {})


@router.post("/passwort-zuruecksetzen")
def reset_password(
    request: Request, state: PageDep, form: FormDep, db: DbDep, platform: PlatformDep
) -> Response:
    token = form_text(form, "token", 100)
    new = str(form.get("new") or "")[:1000]
    if new != str(form.get("repeat") or "")[:1000]:
        message = gettext_("The two new passwords differ. Please type the same one twice.")
        return _reset_page(request, state, token, {"repeat": message}, 400)
    try:
        reset.check_token(db, token)
        problem = policy_problem(new)
        if problem:
            return _reset_page(request, state, token, {"new": policy_messages()[problem]}, 400)
        reset.complete_reset(db, token, new, passwords=platform.passwords)
    except Gone:
        return _reset_page(request, state, "", {}, 410, usable=False)
    except InvalidInput:
        message = policy_messages()["user_name"]
        return _reset_page(request, state, token, {"new": message}, 400)
    return RedirectResponse("/anmelden?zurueckgesetzt=true", status_code=303)
