"""The domain modules of the platform. A module brings its routers, its permissions (defined
on import), its reactions to other modules' events, and its demo data; the app factory, the
migrations and the demo iterate over this list and know nothing else about the modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter

from smartcity.core.jobs import PeriodicJob
from smartcity.core.platform import Platform
from smartcity.demo_hooks import DemoSeeder


@dataclass(frozen=True)
class Module:
    name: str
    routers: Sequence[APIRouter] = ()
    demo_seeders: Sequence[DemoSeeder] = ()
    on_startup: Sequence[Callable[[Platform], None]] = field(default_factory=tuple)
    jobs: Sequence[PeriodicJob] = ()


def installed_modules() -> list[Module]:
    from smartcity.core.audit.routes import router as audit_router
    from smartcity.core.identity.housekeeping import LOGIN_HOUSEKEEPING
    from smartcity.core.identity.routes import auth_router, staff_router
    from smartcity.core.tenancy.routes import router as tenancy_router
    from smartcity.parking import demo as parking_demo
    from smartcity.parking.routes import router as parking_router

    return [
        Module(
            name="core",
            routers=(tenancy_router, auth_router, staff_router, audit_router),
            jobs=(LOGIN_HOUSEKEEPING,),
        ),
        Module(name="parking", routers=(parking_router,), demo_seeders=(parking_demo.seed,)),
    ]


def import_models() -> None:
    """Import every module's models so that the metadata is complete (migrations, export)."""
    import smartcity.core.audit.models
    import smartcity.core.identity.models
    import smartcity.core.tenancy.models
    import smartcity.parking.models  # noqa: F401


def periodic_jobs() -> list[PeriodicJob]:
    return [job for module in installed_modules() for job in module.jobs]
