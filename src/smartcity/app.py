"""The ASGI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from smartcity import __version__
from smartcity.core.http import docs, openapi, problems
from smartcity.core.http.admission import Admission
from smartcity.core.http.caching import ResponseCache
from smartcity.core.http.middleware import PlatformMiddleware, tile_origin
from smartcity.core.jobs import scheduler
from smartcity.core.modules import ModuleRuntime
from smartcity.core.mqtt import (
    BrokerHandle,
    BrokerPolicy,
    EmbeddedBroker,
    ExternalBroker,
    NoDevices,
)
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.web import i18n, rendering
from smartcity.core.web.deps import too_large_page
from smartcity.modules import MODULES, import_models, installed_modules

log = logging.getLogger(__name__)

DESCRIPTION = """\
Self-hosted Smart City platform. Tenant APIs live under `/{municipality}/…`.

Authentication: staff log in at `/auth/login` (a session cookie; send the returned CSRF token
as `X-CSRF-Token` on unsafe requests). Devices and integrations send an API key as
`Authorization: Bearer <key>` or as the password of HTTP Basic (any user name).

Errors are RFC 9457 problem details (`application/problem+json`).
"""


def make_broker(platform: Platform, policy: BrokerPolicy | None) -> BrokerHandle:
    settings = platform.settings
    if settings.mqtt_url:
        return ExternalBroker(settings.mqtt_url, settings.mqtt_ca_file)
    return EmbeddedBroker(settings.host, settings.mqtt_port, policy or NoDevices())


def create_app(
    settings: Settings | None = None,
    *,
    platform: Platform | None = None,
    run_broker: bool = True,
    run_jobs: bool = True,
    modules: Sequence[str] = MODULES,
) -> FastAPI:
    """Build the app. `run_broker=False` starts no broker handling at all and `run_jobs=False`
    no periodic jobs (tests that exercise just the HTTP surface). `modules` names the
    packages to install (`smartcity.modules.MODULES` unless a test adds its own)."""
    import_models(modules)
    platform = platform or Platform.from_settings(settings or Settings())
    registry = installed_modules(modules)
    # A misspelt role would silently ask nobody for a second factor.
    unknown = sorted(platform.settings.mfa_roles - set(registry.roles()))
    if unknown:
        raise ValueError(f"SMARTCITY_MFA_REQUIRED_ROLES: unknown roles {', '.join(unknown)}")

    runtimes: list[ModuleRuntime] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes run in anyio's worker threads: as many as the pool has connections
        # for, so that a flood of requests queues here, cheaply, instead of at the pool.
        to_thread.current_default_thread_limiter().total_tokens = platform.settings.request_threads
        for module in registry:
            for hook in module.on_startup:
                hook(platform)
        if broker is not None:
            await broker.start()
        for runtime in runtimes:
            await runtime.start()
        jobs = registry.jobs()
        job_task = asyncio.create_task(scheduler(platform, jobs)) if run_jobs and jobs else None
        # What start-up built (models, routes, metadata) lives as long as the process: keep
        # it out of the collector's full passes, which otherwise scan it again and again and
        # showed up as 100 ms pauses in the tail latency of large responses.
        gc.freeze()
        try:
            yield
        finally:
            if job_task is not None:
                job_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await job_task
            for runtime in reversed(runtimes):
                await runtime.stop()
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
    app.state.modules = registry
    problems.install(app)
    openapi.install(app)
    app.mount("/static/swagger-ui", docs.swagger_static(), name="swagger-ui")
    # Innermost: device POSTs taken by a module's middleware (the ingestion fast path) wait for
    # their group commit, not for a place among the requests.
    app.add_middleware(
        Admission,
        places=platform.settings.request_threads,
        queue_seconds=platform.settings.request_queue_seconds,
    )
    for module in registry:
        for router in module.routers:
            app.include_router(router)
        for exception_type, handler in module.exception_handlers.items():
            app.add_exception_handler(exception_type, handler)
        if module.runtime is not None:
            runtimes.append(module.runtime(app, platform))
        for middleware in module.middleware:
            app.add_middleware(middleware)
    for module in registry:
        for pages in module.pages:
            app.include_router(pages)
        if module.templates is not None:
            rendering.add_template_directory(module.templates)
        if module.translations is not None:
            i18n.add_catalog(module.translations)
    policies = [m.broker_policy(app, platform) for m in registry if m.broker_policy is not None]
    broker = make_broker(platform, policies[0] if policies else None) if run_broker else None
    app.state.broker = broker
    app.state.runtimes = runtimes
    # Inside the platform's headers and log line, outside everything else: a kept public
    # answer skips admission, routing and dependencies (core/http/caching.py).
    app.add_middleware(ResponseCache)
    # Added last, so outermost: every response gets its headers, limits and log line.
    app.add_middleware(
        PlatformMiddleware,
        max_body_bytes=platform.settings.max_request_bytes,
        too_large_page=too_large_page,
        larger_bodies=registry.large_bodies(),
        image_origin=tile_origin(platform.settings.map_tile_url),
    )

    return app
