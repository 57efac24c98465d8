"""The ASGI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from smartcity import __version__
from smartcity.core.db import transaction
from smartcity.core.http import docs, health, problems
from smartcity.core.http.middleware import PlatformMiddleware
from smartcity.core.identity.apikeys import authenticate_api_key
from smartcity.core.jobs import scheduler
from smartcity.core.mqtt import BrokerHandle, EmbeddedBroker, ExternalBroker
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.modules import import_models, installed_modules

log = logging.getLogger(__name__)

DESCRIPTION = """\
Self-hosted Smart City platform. Tenant APIs live under `/{municipality}/…`.

Authentication: staff log in at `/auth/login` (a session cookie; send the returned CSRF token
as `X-CSRF-Token` on unsafe requests). Devices and integrations send an API key as
`Authorization: Bearer <key>` or as the password of HTTP Basic (any user name).

Errors are RFC 9457 problem details (`application/problem+json`).
"""


def make_broker(platform: Platform) -> BrokerHandle:
    settings = platform.settings
    if settings.mqtt_url:
        return ExternalBroker(settings.mqtt_url)

    def device_may_connect(_username: str | None, password: str | None) -> bool:
        with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
            key = authenticate_api_key(db, password or "")
            return key is not None and bool({"sta:read", "sta:write"} & set(key.scopes))

    return EmbeddedBroker(settings.host, settings.mqtt_port, device_may_connect)


def create_app(
    settings: Settings | None = None,
    *,
    platform: Platform | None = None,
    run_broker: bool = True,
    run_jobs: bool = True,
) -> FastAPI:
    """Build the app. `run_broker=False` starts no broker handling at all and `run_jobs=False`
    no periodic jobs (tests that exercise just the HTTP surface)."""
    import_models()
    platform = platform or Platform.from_settings(settings or Settings())
    broker: BrokerHandle | None = make_broker(platform) if run_broker else None
    modules = installed_modules()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for module in modules:
            for hook in module.on_startup:
                hook(platform)
        if broker is not None:
            await broker.start()
        jobs = [job for module in modules for job in module.jobs]
        job_task = asyncio.create_task(scheduler(platform, jobs)) if run_jobs and jobs else None
        try:
            yield
        finally:
            if job_task is not None:
                job_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await job_task
            if broker is not None:
                await broker.stop()

    app = FastAPI(
        title="Smart City platform",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.platform = platform
    app.state.broker = broker
    problems.install(app)
    app.include_router(health.router)
    app.include_router(docs.router)
    app.mount("/static/swagger-ui", docs.swagger_static(), name="swagger-ui")
    for module in modules:
        for router in module.routers:
            app.include_router(router)
        for exception_type, handler in module.exception_handlers.items():
            app.add_exception_handler(exception_type, handler)
    app.add_middleware(PlatformMiddleware, max_body_bytes=platform.settings.max_request_bytes)

    return app
