"""The domain modules of the platform. A module brings its routers, its permissions (defined
on import), its reactions to other modules' events, and its demo data; the app factory, the
migrations and the demo iterate over this list and know nothing else about the modules."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request, Response

from smartcity.core.jobs import PeriodicJob
from smartcity.core.mqtt import BrokerPolicy
from smartcity.core.platform import Platform
from smartcity.demo_hooks import DemoSeeder


class ModuleRuntime(Protocol):
    """Per-process machinery of a module (an ingestion pipeline, a broker connection),
    started and stopped with the app."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def readiness(self) -> dict[str, tuple[bool, str]]:
        """Checks for `/readyz`: name → (ok, detail)."""
        ...


@dataclass(frozen=True)
class Module:
    name: str
    routers: Sequence[APIRouter] = ()
    demo_seeders: Sequence[DemoSeeder] = ()
    on_startup: Sequence[Callable[[Platform], None]] = field(default_factory=tuple)
    jobs: Sequence[PeriodicJob] = ()
    # Standards with their own error format handle their errors themselves.
    exception_handlers: Mapping[type[Exception], Callable[[Request, Exception], Response]] = field(
        default_factory=dict
    )
    # Built with the app (so that a test client without lifespan finds it in app.state).
    runtime: Callable[[FastAPI, Platform], ModuleRuntime] | None = None
    # What devices may do on the embedded MQTT broker (one module provides it).
    broker_policy: Callable[[FastAPI, Platform], BrokerPolicy] | None = None
    # Plain ASGI middleware classes, inside the platform middleware (headers, limits, logs).
    middleware: Sequence[Callable[..., Any]] = ()


def web_routers() -> tuple[APIRouter, ...]:
    from smartcity.web.backoffice.admin import router as admin_pages
    from smartcity.web.backoffice.cases import router as case_pages
    from smartcity.web.cockpit.routes import router as cockpit_pages
    from smartcity.web.portal.city import router as city_pages
    from smartcity.web.portal.routes import router as portal_pages
    from smartcity.web.site import router as site_pages

    return (site_pages, portal_pages, city_pages, case_pages, admin_pages, cockpit_pages)


def installed_modules() -> list[Module]:
    from smartcity.benches import demo as benches_demo
    from smartcity.benches.alerts import AIR_QUALITY
    from smartcity.benches.routes import pages as bench_pages
    from smartcity.benches.routes import router as benches_router
    from smartcity.cases.retention import CASE_RETENTION
    from smartcity.cases.routes import router as cases_router
    from smartcity.citizen import demo as citizen_demo
    from smartcity.citizen.applications import DRAFT_CLEANUP
    from smartcity.citizen.routes import citizen_auth
    from smartcity.citizen.routes import router as citizen_router
    from smartcity.citizen.routes import staff as catalog_router
    from smartcity.core.audit.routes import router as audit_router
    from smartcity.core.identity.housekeeping import LOGIN_HOUSEKEEPING
    from smartcity.core.identity.routes import auth_router, staff_router
    from smartcity.core.mail.services import MAIL
    from smartcity.core.signing.routes import router as signing_router
    from smartcity.core.tenancy.routes import router as tenancy_router
    from smartcity.lighting import demo as lighting_demo
    from smartcity.lighting.jobs import CONTROL as LIGHTING_CONTROL
    from smartcity.lighting.jobs import FAULTS as LIGHTING_FAULTS
    from smartcity.lighting.routes import router as lighting_router
    from smartcity.open311 import demo as open311_demo
    from smartcity.open311.formats import Open311Error
    from smartcity.open311.formats import handle as open311_error
    from smartcity.open311.routes import router as open311_router
    from smartcity.open311.routes import staff as open311_staff
    from smartcity.parking import demo as parking_demo
    from smartcity.parking.routes import parkendd_router
    from smartcity.parking.routes import router as parking_router
    from smartcity.sensorthings.errors import StaError
    from smartcity.sensorthings.extension_routes import router as sta_extension_router
    from smartcity.sensorthings.ingest.http_fast_path import ObservationFastPath
    from smartcity.sensorthings.ingest.runtime import attach as attach_ingest
    from smartcity.sensorthings.ingest.runtime import broker_policy as sta_broker_policy
    from smartcity.sensorthings.partitions import PARTITIONS
    from smartcity.sensorthings.retention import RETENTION
    from smartcity.sensorthings.routes import router as sta_router
    from smartcity.sensorthings.routes import sta_error
    from smartcity.watermeter import demo as watermeter_demo
    from smartcity.watermeter.routes import router as watermeter_router

    return [
        Module(
            name="core",
            routers=(tenancy_router, auth_router, staff_router, audit_router, signing_router),
            jobs=(LOGIN_HOUSEKEEPING, MAIL),
        ),
        Module(
            name="sensorthings",
            routers=(sta_router, sta_extension_router),
            exception_handlers={StaError: sta_error},
            runtime=attach_ingest,
            jobs=(PARTITIONS, RETENTION),
            broker_policy=sta_broker_policy,
            middleware=(ObservationFastPath,),
        ),
        Module(
            name="parking",
            routers=(parking_router, parkendd_router),
            demo_seeders=(parking_demo.seed,),
        ),
        Module(
            name="open311",
            routers=(open311_router, open311_staff),
            demo_seeders=(open311_demo.seed,),
            exception_handlers={Open311Error: open311_error},
        ),
        Module(
            name="lighting",
            routers=(lighting_router,),
            demo_seeders=(lighting_demo.seed,),
            jobs=(LIGHTING_CONTROL, LIGHTING_FAULTS),
        ),
        Module(
            name="benches",
            routers=(benches_router, bench_pages),
            demo_seeders=(benches_demo.seed,),
            jobs=(AIR_QUALITY,),
        ),
        Module(
            name="citizen",
            routers=(citizen_router, catalog_router, citizen_auth),
            demo_seeders=(citizen_demo.seed,),
            jobs=(DRAFT_CLEANUP,),
        ),
        Module(name="cases", routers=(cases_router,), jobs=(CASE_RETENTION,)),
        Module(
            name="watermeter", routers=(watermeter_router,), demo_seeders=(watermeter_demo.seed,)
        ),
        # Last: its pages under /{municipality}/… must not shadow the instance-wide APIs.
        Module(name="web", routers=web_routers()),
    ]


def import_models() -> None:
    """Import every module's models so that the metadata is complete (migrations, export)."""
    import smartcity.benches.models
    import smartcity.cases.models
    import smartcity.citizen.models
    import smartcity.core.audit.models
    import smartcity.core.identity.models
    import smartcity.core.mail.models
    import smartcity.core.signing.models
    import smartcity.core.tenancy.models
    import smartcity.core.uploads.models
    import smartcity.lighting.models
    import smartcity.open311.models
    import smartcity.parking.models
    import smartcity.sensorthings.models
    import smartcity.watermeter.models  # noqa: F401


def periodic_jobs() -> list[PeriodicJob]:
    return [job for module in installed_modules() for job in module.jobs]
