"""One's own account (instance-wide, under /auth): the second step of a password login,
the second factor, one's sessions, and the password reset by e-mail."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, status

from smartcity.core.db import transaction
from smartcity.core.errors import Conflict
from smartcity.core.http.deps import (
    SESSION_COOKIE,
    DbDep,
    LoginInStep,
    PlatformDep,
    client_address,
    login_in_step,
    public,
    signed_in,
    signed_in_or_step,
)
from smartcity.core.http.problems import problem
from smartcity.core.identity import login as steps
from smartcity.core.identity import mfa, passkeys, reset, throttle
from smartcity.core.identity.models import UserAccount, WebSession
from smartcity.core.identity.permissions import Principal
from smartcity.core.identity.routes import login_step
from smartcity.core.identity.schemas import (
    LoginStep,
    MfaCode,
    MfaStatus,
    PasskeyAdded,
    PasskeyAssertion,
    PasskeyRegistration,
    PasswordResetCompletion,
    PasswordResetRequest,
    SessionOut,
    TotpEnrolled,
    TotpEnrolment,
)
from smartcity.core.identity.sessions import (
    device_of,
    end_other_sessions,
    needs_second_factor,
    pending_stage,
    sessions_of,
)
from smartcity.core.identity.tokens import digest
from smartcity.core.mail.services import deliver_pending
from smartcity.core.platform import Platform
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM

account_router = APIRouter(prefix="/auth", tags=["authentication"])


@account_router.post(
    "/mfa",
    summary="Login step `mfa`: a code from the authenticator app or a recovery code",
    response_model=LoginStep,
    responses={
        401: {"description": "Wrong code, or no login waiting for it"},
        429: {"description": "Throttled"},
    },
)
def second_factor(
    body: MfaCode,
    request: Request,
    response: Response,
    db: DbDep,
    platform: PlatformDep,
    step: Annotated[LoginInStep, Depends(login_in_step("mfa"))],
) -> Response | LoginStep:
    outcome = steps.second_factor(
        db,
        step.user,
        body.code,
        pending_token=step.token,
        client=client_address(request),
        server_secret=platform.settings.require_secret_key(),
        sessions=platform.session_policy,
        limits=platform.throttle_policy,
        device=device_of(request.headers.get("user-agent", "")),
    )
    if not outcome.ok:
        # Answered, not raised: the request's transaction commits the counted failure.
        return problem(401, "Unauthorized", "The code is wrong.", type_slug="unauthorized")
    return login_step(response, platform, outcome)


@account_router.get("/mfa", summary="One's second factor: set up, required, codes left")
def mfa_status(
    db: DbDep, platform: PlatformDep, principal: Annotated[Principal, Depends(signed_in)]
) -> MfaStatus:
    user = _user(db, principal)
    return MfaStatus(
        totp=mfa.has_totp(db, user.id),
        passkeys=passkeys.count(db, user.id),
        required=needs_second_factor(db, user.id, platform.session_policy),
        recovery_codes_left=mfa.recovery_codes_left(db, user.id),
    )


def _user(db: DbDep, principal: Principal) -> UserAccount:
    user = db.get(UserAccount, principal.id)
    assert user is not None  # the session resolved to this user
    return user


@account_router.post(
    "/mfa/totp",
    summary="Start setting up an authenticator app (also the login step `enrol`)",
    responses={409: {"description": "An app is set up already"}},
)
def start_totp(
    db: DbDep,
    platform: PlatformDep,
    principal: Annotated[Principal, Depends(signed_in_or_step("enrol"))],
) -> TotpEnrolment:
    user = _user(db, principal)
    enrolment = mfa.start_enrolment(db, user, platform.settings.require_secret_key())
    return TotpEnrolment(
        secret=enrolment.secret, otpauth_uri=enrolment.uri, qr_svg=enrolment.qr_svg()
    )


@account_router.post(
    "/mfa/totp/confirm",
    summary="Confirm the app with its first code; answers the recovery codes (once)",
    response_model=TotpEnrolled,
    responses={
        401: {"description": "Wrong code"},
        409: {"description": "Nothing to confirm"},
        429: {"description": "Throttled"},
    },
)
def confirm_totp(
    body: MfaCode,
    request: Request,
    response: Response,
    db: DbDep,
    platform: PlatformDep,
    principal: Annotated[Principal, Depends(signed_in_or_step("enrol"))],
) -> Response | TotpEnrolled:
    user = _user(db, principal)
    throttle_name = f"#mfa:{user.id}"
    client = client_address(request)
    throttle.check_allowed(db, platform.throttle_policy, throttle_name, client)
    codes = mfa.confirm_enrolment(db, user, body.code, platform.settings.require_secret_key())
    if codes is None:
        throttle.record_failure(db, platform.throttle_policy, throttle_name, client)
        return problem(401, "Unauthorized", "The code is wrong.", type_slug="unauthorized")
    throttle.clear_failures(db, platform.throttle_policy, throttle_name)
    token = request.cookies.get(SESSION_COOKIE, "")
    if pending_stage(db, token) == "enrol":
        outcome = steps.enrolled(
            db,
            user,
            pending_token=token,
            sessions=platform.session_policy,
            device=device_of(request.headers.get("user-agent", "")),
        )
        current = login_step(response, platform, outcome)
    else:
        assert principal.csrf_token is not None
        current = LoginStep(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            csrf_token=principal.csrf_token,
        )
    return TotpEnrolled(**current.model_dump(), recovery_codes=codes)


def _party(platform: Platform) -> passkeys.RelyingParty:
    return passkeys.RelyingParty.of(platform.settings.effective_public_url)


def _this_session(request: Request, db: DbDep) -> WebSession:
    found = db.get(WebSession, digest(request.cookies.get(SESSION_COOKIE, "")))
    assert found is not None  # the guard resolved it
    return found


@account_router.post(
    "/mfa/passkeys/options",
    summary="Start registering a passkey: options for navigator.credentials.create() "
    "(also the login step `enrol`)",
)
def passkey_registration_options(
    request: Request,
    db: DbDep,
    platform: PlatformDep,
    principal: Annotated[Principal, Depends(signed_in_or_step("enrol"))],
) -> dict[str, Any]:
    options = passkeys.registration_options(
        db, _user(db, principal), _this_session(request, db), _party(platform)
    )
    found: dict[str, Any] = json.loads(options)
    return found


@account_router.post(
    "/mfa/passkeys",
    summary="Register the passkey the browser created; the first second factor brings "
    "recovery codes (shown once)",
    response_model=PasskeyAdded,
    responses={422: {"description": "The answer does not verify, or no registration began"}},
)
def add_passkey(
    body: PasskeyRegistration,
    request: Request,
    response: Response,
    db: DbDep,
    platform: PlatformDep,
    principal: Annotated[Principal, Depends(signed_in_or_step("enrol"))],
) -> PasskeyAdded:
    user = _user(db, principal)
    web_session = _this_session(request, db)
    codes = passkeys.register(db, user, web_session, _party(platform), body.credential, body.name)
    if web_session.stage == "enrol":
        outcome = steps.enrolled(
            db,
            user,
            pending_token=request.cookies.get(SESSION_COOKIE, ""),
            sessions=platform.session_policy,
            device=device_of(request.headers.get("user-agent", "")),
        )
        current = login_step(response, platform, outcome)
    else:
        current = LoginStep(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            csrf_token=web_session.csrf_token,
        )
    return PasskeyAdded(**current.model_dump(), recovery_codes=codes)


@account_router.post(
    "/mfa/passkey/options",
    summary="Login step `mfa` with a passkey: options for navigator.credentials.get()",
    responses={409: {"description": "The account has no passkey"}},
)
def passkey_login_options(
    db: DbDep,
    platform: PlatformDep,
    step: Annotated[LoginInStep, Depends(login_in_step("mfa"))],
) -> dict[str, Any]:
    options = passkeys.authentication_options(db, step.user, step.web_session, _party(platform))
    if options is None:
        raise Conflict("This account has no passkey; use a code.")
    found: dict[str, Any] = json.loads(options)
    return found


@account_router.post(
    "/mfa/passkey",
    summary="Login step `mfa` with the passkey's answer",
    response_model=LoginStep,
    responses={
        401: {"description": "The answer does not verify"},
        429: {"description": "Throttled"},
    },
)
def passkey_login(
    body: PasskeyAssertion,
    request: Request,
    response: Response,
    db: DbDep,
    platform: PlatformDep,
    step: Annotated[LoginInStep, Depends(login_in_step("mfa"))],
) -> Response | LoginStep:
    outcome = steps.passkey_factor(
        db,
        step.user,
        step.web_session,
        body.credential,
        party=_party(platform),
        pending_token=step.token,
        client=client_address(request),
        sessions=platform.session_policy,
        limits=platform.throttle_policy,
        device=device_of(request.headers.get("user-agent", "")),
    )
    if not outcome.ok:
        return problem(
            401, "Unauthorized", "The passkey's answer is not valid.", type_slug="unauthorized"
        )
    return login_step(response, platform, outcome)


@account_router.get("/sessions", summary="One's own sessions (this and other devices)")
def my_sessions(
    request: Request,
    db: DbDep,
    platform: PlatformDep,
    principal: Annotated[Principal, Depends(signed_in)],
) -> list[SessionOut]:
    current = digest(request.cookies.get(SESSION_COOKIE, ""))
    return [
        SessionOut(
            current=found.token_hash == current,
            created_at=found.created_at,
            last_seen_at=found.last_seen_at,
            device=found.device,
            method=found.auth_method,
        )
        for found in sessions_of(db, _user(db, principal).id, platform.session_policy)
    ]


@account_router.delete(
    "/sessions/others",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out everywhere else (this session stays)",
)
def end_others(
    request: Request, db: DbDep, principal: Annotated[Principal, Depends(signed_in)]
) -> Response:
    end_other_sessions(db, _user(db, principal).id, request.cookies.get(SESSION_COOKIE, ""))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def send_reset(platform: Platform, account: str) -> None:
    """After the answer: queue the link (if the account exists) and deliver the mail."""
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        queued = reset.request_reset(
            db,
            account,
            public_url=platform.settings.effective_public_url,
            minutes=platform.settings.password_reset_minutes,
        )
    if queued:
        deliver_pending(platform)


@account_router.post(
    "/password-reset",
    dependencies=[Depends(public)],
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    summary="Ask for a password-reset link by e-mail (the same answer for every account)",
    responses={202: {"description": "Accepted, with an empty body, whatever the account"}},
)
def ask_for_reset(
    body: PasswordResetRequest, background: BackgroundTasks, platform: PlatformDep
) -> Response:
    background.add_task(send_reset, platform, body.account[:320])
    return Response(status_code=status.HTTP_202_ACCEPTED)


@account_router.post(
    "/password-reset/confirm",
    dependencies=[Depends(public)],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with the link's token; every session of the account ends",
    responses={410: {"description": "Unknown, used or expired link"}},
)
def complete_reset(body: PasswordResetCompletion, db: DbDep, platform: PlatformDep) -> Response:
    reset.complete_reset(db, body.token, body.new_password, passwords=platform.passwords)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
