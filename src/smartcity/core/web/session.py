"""What every page needs to know about the browser: its language, its CSRF token and, in
the back office, the staff member logged in.

CSRF: a random token lives in a `__Host-` cookie (HttpOnly, SameSite=Strict) and every form
repeats it in a hidden field; a forged cross-site form cannot read the cookie to repeat it
("double submit"), and the `__Host-` prefix keeps other hosts from planting one.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

from fastapi import Request, Response
from starlette.datastructures import FormData

from smartcity.core.errors import PermissionDenied
from smartcity.core.identity.models import UserAccount
from smartcity.core.identity.permissions import ANONYMOUS, Principal
from smartcity.core.web import i18n

CSRF_COOKIE = "__Host-smartcity_csrf"
CSRF_FIELD = "csrf_token"
LANGUAGE_COOKIE = "smartcity_lang"
DRAFT_COOKIE = "__Host-smartcity_draft"
ONE_YEAR = 365 * 24 * 3600


@dataclass
class WebState:
    language: i18n.Language
    csrf_token: str
    secure_cookies: bool
    path: str
    principal: Principal = ANONYMOUS
    user: UserAccount | None = None
    new_csrf: bool = False
    set_language: bool = False
    cookies: dict[str, str | None] = field(default_factory=dict)
    # Whether the answer holds a form with the token (`csrf_field` was written): a new token's
    # cookie is set only then, so that pages without a form (the start page, a car park)
    # carry no Set-Cookie and can be kept and shared like any public answer.
    csrf_used: bool = False

    def csrf_input(self) -> str:
        """The hidden form field with the token (marks the token as used)."""
        self.csrf_used = True
        return f'<input type="hidden" name="{CSRF_FIELD}" value="{self.csrf_token}">'

    def apply_cookies(self, response: Response) -> None:
        if self.new_csrf and self.csrf_used:
            response.set_cookie(
                CSRF_COOKIE,
                self.csrf_token,
                path="/",
                secure=self.secure_cookies,
                httponly=True,
                samesite="strict",
            )
        if self.set_language:
            response.set_cookie(
                LANGUAGE_COOKIE,
                self.language,
                max_age=ONE_YEAR,
                path="/",
                secure=self.secure_cookies,
                samesite="lax",
            )
        for name, value in self.cookies.items():
            if value is None:
                response.delete_cookie(name, path="/", secure=self.secure_cookies, httponly=True)
            else:
                response.set_cookie(
                    name,
                    value,
                    path="/",
                    secure=self.secure_cookies,
                    httponly=True,
                    samesite="lax",
                )


def web_state(request: Request, secure_cookies: bool) -> WebState:
    asked = request.query_params.get("lang")
    if asked in i18n.LANGUAGES:
        language, set_language = i18n.pick(asked), True
    elif request.cookies.get(LANGUAGE_COOKIE) in i18n.LANGUAGES:
        language, set_language = i18n.pick(request.cookies[LANGUAGE_COOKIE]), False
    else:
        accept = request.headers.get("accept-language", "")
        language, set_language = i18n.from_accept_language(accept), False
    i18n.current_language.set(language)
    token = request.cookies.get(CSRF_COOKIE, "")
    new_csrf = len(token) < 32
    if new_csrf:
        token = secrets.token_urlsafe(32)
    return WebState(
        language=language,
        csrf_token=token,
        secure_cookies=secure_cookies,
        path=request.url.path,
        new_csrf=new_csrf,
        set_language=set_language,
    )


def check_csrf(request: Request, form: FormData) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD, "")
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(sent, cookie):
        raise PermissionDenied(
            i18n.gettext_(
                "The form has expired or was not sent from this site. "
                "Please reload the page and send it again."
            )
        )
