"""What a domain module declares about itself.

Each package listed in `smartcity.modules.MODULES` has a `module.py` with one
`module = Module(...)`. The app factory, the migrations, the demo, the CLI, the import contracts
and the web shell read these declarations and nothing else about a module, so adding a module
touches its own package and the ordered list of packages only.

The declaration lives in `module.py` rather than in the package's `__init__` (as Django keeps
`apps.py` apart): importing `smartcity.cases.models` must stay cheap and must not pull in the
routes of the package, or two packages' models could not refer to each other without an import
circle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from fastapi import APIRouter, Request, Response

from smartcity.core.identity.permissions import Permission, Principal
from smartcity.core.jobs import PeriodicJob
from smartcity.core.mqtt import BrokerPolicy
from smartcity.core.platform import Platform

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.orm import Session

    from smartcity.core.demo import DemoContext

DemoSeeder = Callable[["DemoContext"], None]


class ModuleRuntime(Protocol):
    """Per-process machinery of a module (an ingestion pipeline, a broker connection),
    started and stopped with the app."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def readiness(self) -> dict[str, tuple[bool, str]]:
        """Checks for `/readyz`: name → (ok, detail)."""
        ...


@dataclass(frozen=True)
class NavEntry:
    """A link in the back office (`/{m}/verwaltung/<path>`) or the portal (`/{m}/<path>`).

    `label` is the English message id; pages translate it. A back-office entry is shown to
    whoever holds `permission` in the municipality; a portal entry without one to everyone."""

    path: str
    label: str
    permission: Permission | None = None
    # Smaller first; modules are otherwise shown in the order of `smartcity.modules.MODULES`.
    order: int = 100

    def visible_to(self, principal: Principal) -> bool:
        return self.permission is None or principal.can(self.permission)


# A map layer's GeoJSON features for one municipality, read through a tenant-scoped session.
Features = Callable[["Session"], list[dict[str, Any]]]


@dataclass(frozen=True)
class MapLayer:
    """GeoJSON features a module contributes to the maps (portal and cockpit).

    `name` is unique among the installed modules and a URL segment
    (`…/cockpit/<name>.geojson`); `label` is the English message id."""

    name: str
    label: str
    features: Features
    # None: public (the portal's maps show it); otherwise only staff holding the permission.
    permission: Permission | None = None
    # The SensorThings Things this layer draws as its own markers (a bench, a lamp).
    things: Callable[[Session], Iterable[int]] | None = None
    # A layer of Things in general (sensorthings' located sensors): its features are Things
    # (`properties.id` is the Thing's id), and those another layer draws are left out.
    of_things: bool = False

    def visible_to(self, principal: Principal) -> bool:
        return self.permission is None or principal.can(self.permission)


@dataclass(frozen=True)
class LiveSource:
    """Datastreams whose new readings change a map layer: the cockpit's live view (server-sent
    events) then sends that layer's markers recomputed, to those who may see the layer."""

    layer: str
    datastreams: Callable[[Session], Iterable[int]]


@dataclass(frozen=True)
class PersonalData:
    """One table's personal data, for the register of processing activities (GDPR Art. 30)
    that the data-protection tooling builds from every module's declarations."""

    table: str
    columns: tuple[str, ...]
    category: str
    subject: str
    purpose: str
    legal_basis: str
    retention: str


@dataclass(frozen=True)
class Module:
    name: str
    # Peer modules this one imports on purpose; the import contracts allow these and no other
    # domain (core and sensorthings are below every domain and need no entry).
    requires: tuple[str, ...] = ()
    # Modules whose import registers the ORM models (for the metadata, migrations, export).
    models: tuple[str, ...] = ()
    # A directory of Alembic revisions this module owns (its own branch, see docs/architecture.md).
    migrations: Path | None = None
    permissions: tuple[Permission, ...] = ()
    routers: Sequence[APIRouter] = ()
    # HTML pages: registered after every module's API routers, so that /{municipality}/…
    # pages never shadow an instance-wide API path.
    pages: Sequence[APIRouter] = ()
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
    navigation: tuple[NavEntry, ...] = ()
    portal_navigation: tuple[NavEntry, ...] = ()
    map_layers: tuple[MapLayer, ...] = ()
    live_sources: tuple[LiveSource, ...] = ()
    # A directory added to the pages' template search path; keep the files in a sub-directory
    # named after the module ("parking/page.html"), so that modules never shadow each other.
    templates: Path | None = None
    # Gettext catalogues (<dir>/<lang>/LC_MESSAGES/messages.po) of the module's own strings.
    translations: Path | None = None
    personal_data: tuple[PersonalData, ...] = ()


@dataclass(frozen=True)
class Registry:
    """The installed modules, in order; the app keeps it in `app.state.modules`."""

    modules: tuple[Module, ...]

    def __iter__(self) -> Iterator[Module]:
        return iter(self.modules)

    def navigation_for(self, principal: Principal) -> list[NavEntry]:
        entries = [e for m in self.modules for e in m.navigation if e.visible_to(principal)]
        return sorted(entries, key=lambda e: e.order)

    def portal_navigation(self) -> list[NavEntry]:
        entries = [e for m in self.modules for e in m.portal_navigation]
        return sorted(entries, key=lambda e: e.order)

    def map_layers(self) -> list[MapLayer]:
        return [layer for m in self.modules for layer in m.map_layers]

    def features(self, layer: MapLayer, db: Session) -> list[dict[str, Any]]:
        """A layer's GeoJSON features; a layer of Things leaves out those that another layer
        draws as its own markers, so that no Thing is drawn twice."""
        found = layer.features(db)
        if not layer.of_things:
            return found
        drawn = {thing for other in self.map_layers() if other.things for thing in other.things(db)}
        return [feature for feature in found if feature["properties"]["id"] not in drawn]

    def live_sources(self) -> list[LiveSource]:
        return [source for m in self.modules for source in m.live_sources]

    def jobs(self) -> list[PeriodicJob]:
        return [job for m in self.modules for job in m.jobs]


def registry_of(request: Request) -> Registry:
    registry: Registry = request.app.state.modules
    return registry
