"""ASGI middleware: request ids, security headers, body size limit, access log and metrics.

Written as plain ASGI so that streaming responses pass through untouched.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartcity.core.audit.services import request_id_var

log = logging.getLogger("smartcity.access")

REQUESTS = Counter("smartcity_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "smartcity_http_request_duration_seconds",
    "HTTP request duration",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Our pages load nothing from third parties; inline scripts are not allowed either.
POLICY_DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:", "https:"),
    "connect-src": ("'self'",),
    "font-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
# Browser features: the maps may locate the user; nothing else is allowed.
PERMISSIONS: dict[str, str] = {"geolocation": "(self)", "camera": "()", "microphone": "()"}


def content_security_policy(extra: Mapping[str, Sequence[str]] | None = None) -> str:
    """The platform's content security policy, with `extra` sources allowed per directive
    (e.g. `{"script-src": ["'wasm-unsafe-eval'"]}` for a page compiling WebAssembly). A
    directive the platform does not name starts from `default-src`'s sources, as a browser
    would fall back to them."""
    directives = {name: list(sources) for name, sources in POLICY_DIRECTIVES.items()}
    for name, sources in (extra or {}).items():
        found = directives.setdefault(name, list(POLICY_DIRECTIVES["default-src"]))
        found.extend(source for source in sources if source not in found)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def permissions_policy(*allowed: str) -> str:
    """The platform's permissions policy, with the `allowed` features (e.g. "camera")
    allowed for our own pages."""
    features = {**PERMISSIONS, **dict.fromkeys(allowed, "(self)")}
    return ", ".join(f"{feature}={value}" for feature, value in features.items())


CONTENT_SECURITY_POLICY = content_security_policy()
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", permissions_policy().encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
    # Answers may carry personal data (cases, applications): nobody keeps a copy unless the
    # route says it may (static assets, public photos set their own Cache-Control).
    (b"cache-control", b"no-store"),
]
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


def tile_origin(tile_url: str) -> str:
    """The origin the browser loads map tiles from, for the image sources of the policy, where
    `https:` does not cover it already (a tile server of one's own over plain HTTP, e.g. in
    the intranet or a test); "" for none. `{s}` subdomains become a wildcard."""
    parts = urlsplit(tile_url)
    if parts.scheme != "http" or not parts.netloc:
        return ""
    return f"http://{parts.netloc.replace('{s}.', '*.')}"


def security_headers(image_origin: str = "") -> list[tuple[bytes, bytes]]:
    if not image_origin:
        return SECURITY_HEADERS
    policy = content_security_policy({"img-src": [image_origin]})
    return [(b"content-security-policy", policy.encode()), *SECURITY_HEADERS[1:]]


# How a page (an HTML form sent by a browser) over the request limit is answered; the web
# toolkit provides it (the app passes it in), the API answers problem JSON.
TooLargePage = Callable[[Request], Response]
FORM_TYPES = (b"multipart/form-data", b"application/x-www-form-urlencoded")
BODY_LIMIT_KEY = "smartcity.body_limit"


def wants_page(headers: dict[bytes, bytes]) -> bool:
    """An HTML form sent by a browser: a form body from a client that accepts HTML."""
    content_type = headers.get(b"content-type", b"").lower()
    return content_type.startswith(FORM_TYPES) and b"text/html" in headers.get(b"accept", b"")


class PlatformMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        too_large_page: TooLargePage | None = None,
        image_origin: str = "",
        larger_bodies: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Paths whose handlers take more (a timetable zip), checked against the whole path.
        self.larger_bodies = tuple(larger_bodies)
        self.too_large_page = too_large_page
        self.headers = security_headers(image_origin)

    def limit_for(self, path: str) -> int:
        """The body limit of a path: the platform's, or a larger one a module declared."""
        limits = [limit for pattern, limit in self.larger_bodies if pattern.fullmatch(path)]
        return max([self.max_body_bytes, *limits])

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[bytes, bytes],
        rid: str,
        limit: int,
    ) -> None:
        if self.too_large_page is not None and wants_page(headers):
            response = self.too_large_page(Request(scope, receive))
            response.headers["x-request-id"] = rid
            for name, value in self.headers:
                response.headers.setdefault(name.decode(), value.decode())
            await response(scope, receive, send)
            return
        await _too_large(send, rid, limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = {"code": 500}
        limit = self.limit_for(scope.get("path", ""))
        scope[BODY_LIMIT_KEY] = limit  # the "too large" page names the limit that applied
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, headers, request_id, limit)
            status["code"] = 413
            self._observe(scope, status["code"], started, request_id)
            request_id_var.reset(token)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                extra = [*self.headers, (b"x-request-id", request_id.encode())]
                if scope.get("scheme") == "https":
                    extra.append(HSTS)
                existing = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in extra if name not in existing
                ]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            status["code"] = 413
            await self._refuse(scope, receive, send, headers, request_id, limit)
        finally:
            self._observe(scope, status["code"], started, request_id)
            request_id_var.reset(token)

    def _observe(self, scope: Scope, status: int, started: float, request_id: str) -> None:
        elapsed = time.perf_counter() - started
        route = getattr(scope.get("route"), "path", "unmatched")
        method = scope.get("method", "")
        REQUESTS.labels(method, route, str(status)).inc()
        LATENCY.labels(method, route).observe(elapsed)
        # The route template, never the raw path: paths can carry tracking codes or names.
        log.info(
            "request",
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "request_id": request_id,
            },
        )


class _BodyTooLarge(HTTPException):
    """Raised while a route reads a body that grows past the limit (chunked uploads); as an
    HTTPException it becomes a 413 problem inside the app."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds {limit} bytes.")


async def _too_large(send: Send, request_id: str, limit: int) -> None:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": "Request too large",
        "status": 413,
        "detail": f"The request body exceeds {limit} bytes.",
    }
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(payload)).encode()),
                (b"x-request-id", request_id.encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
