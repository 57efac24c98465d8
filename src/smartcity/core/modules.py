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

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from fastapi import APIRouter, Request, Response
from starlette.routing import BaseRoute

from smartcity.core.identity.permissions import Permission, Principal, StaffRole
from smartcity.core.jobs import PeriodicJob
from smartcity.core.mqtt import BrokerPolicy
from smartcity.core.platform import Platform

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.orm import Session

    from smartcity.core.demo import DemoContext
    from smartcity.core.tenancy.models import Municipality

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


# What erasure (GDPR Art. 17) and retention do to a declaration's columns.
ERASE_DELETE = "delete"  # the whole row goes
ERASE_ANONYMISE = "anonymise"  # the declared columns are emptied, the row stays (statistics)
ERASE_KEEP = "keep"  # a law requires the data; the declaration says which (`keep_reason`)


@dataclass(frozen=True)
class Link:
    """The rows of a declared table that belong to rows of another declared table (a case's
    events to the case, an application's files to the application): found and erased with
    them. `where` narrows a table that belongs to several kinds of owner (uploads)."""

    column: str
    table: str
    target: str = "id"
    where: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Retention:
    """A retention class: how long a declaration's rows are kept and what happens then.

    `days` counted from the timestamp column `after` (rows whose `after` is NULL, such as an
    open case, are not due). `handled_by` names the module's own job where the period is not
    one number (a case file's retention is set per service); the platform's retention job
    then leaves those rows to it and only reports them. `days=None` and no job: kept as long
    as the thing it describes exists (an account, a meter)."""

    label: str
    days: int | None = None
    after: str | None = None
    action: str = ERASE_DELETE
    handled_by: str | None = None


@dataclass(frozen=True)
class Recount:
    """A count stored with the rows of another table (a proposal's number of supports) that
    changes when rows of this declaration go: after erasure or retention deletes some,
    `table.column` is set again to the number of this declaration's rows whose column `via`
    points at its `target`."""

    table: str
    column: str
    via: str
    target: str = "id"


@dataclass(frozen=True)
class Removal:
    """Rows of one table a module's own retention job removes, or would remove (dry run),
    under one retention class; `held` rows are due but kept by a legal hold."""

    table: str
    retention: str
    action: str
    rows: int
    held: int = 0


@dataclass
class Removed:
    """What a module's retention job removed, and the upload files to delete once its
    transaction has committed."""

    removals: list[Removal]
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class RetentionJob:
    """A module's own retention, where a period is not one number counted from one column
    (a case file's is set per service; a login session ends idle or at its absolute limit).
    Declarations name it in `Retention.handled_by`.

    `plan(platform, db, now)` is its dry run: it counts, in the session's scope, what a run at
    `now` would remove; `apply(platform, db, now)` removes exactly what is due at `now` in that
    scope and says what it removed, counted the same way. The data-protection officer's
    retention run calls both (so its dry run shows counts for every module); the module's own
    periodic job calls `apply` too. Rows of municipalities are planned and removed in each
    municipality's scope; an `instance_wide` job runs once, in the SYSTEM scope."""

    name: str
    plan: Callable[[Platform, Session, datetime], list[Removal]]
    apply: Callable[[Platform, Session, datetime], Removed]
    instance_wide: bool = False


@dataclass(frozen=True)
class PersonalData:
    """Personal data in one table (or in the rows of it that `link` selects): what it is, whose,
    why, on what legal ground, for whom, how long, and how a person's rows are found and erased.

    Read by the data-protection tooling (`smartcity.privacy`) for the record of processing
    activities (GDPR Art. 30), access (Art. 15), erasure (Art. 17), restriction (Art. 18),
    retention and the privacy notices (Art. 13). Categories, subjects and uses are keys of the
    fideslang taxonomy (docs/data-protection.md)."""

    table: str
    columns: tuple[str, ...]
    # fideslang data categories, e.g. "user.contact.email", "user.content.private".
    categories: tuple[str, ...]
    # fideslang data subject: "citizen_voter", "employee", "customer", "visitor", ...
    subject: str
    purpose: str
    # Art. 6 (1) GDPR with the specific law where known.
    legal_basis: str
    retention: Retention
    # fideslang data use, e.g. "essential.service", "essential.service.security".
    use: str = "essential.service"
    recipients: tuple[str, ...] = ()
    # How a person's rows are found: column -> kind of identifier ("email", "name",
    # "citizen_subject", "tracking_code", "user_id", "username"). A row found by a
    # column also yields its other identifier columns, so a tracking code leads to the
    # e-mail address given with it and from there to everything else.
    identifiers: Mapping[str, str] = field(default_factory=dict)
    # Or: the rows belong to rows of another declared table.
    link: Link | None = None
    # Or, for pseudonymous data nobody can attribute without extra knowledge (keyed hashes):
    # why access and erasure cannot find it (Art. 11 GDPR).
    unidentifiable: str = ""
    # What erasure does: ERASE_DELETE, ERASE_ANONYMISE, or ERASE_KEEP with the law's reason.
    erasure: str = ERASE_ANONYMISE
    keep_reason: str = ""
    # The service (portal form) whose privacy notice lists this declaration, if any.
    service: str | None = None
    # Counts kept elsewhere that follow when rows of this declaration are deleted.
    recount: tuple[Recount, ...] = ()
    # Columns (besides e-mail and name) the officer may correct on request (Art. 16), each
    # with what it holds: "address", "phone", "public_name", "birth_date", ...
    rectifiable: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NotPersonal:
    """Columns whose names look personal but hold no personal data (a bench's name, a
    sensor's description), with the reason; the declaration test accepts these."""

    table: str
    columns: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class PortalBanner:
    """A notice at the top of every portal page (a weather warning, a service outage).
    `text` and `link_text` are already in the visitor's language; the frame escapes them."""

    text: str
    # "info", "warning", "danger" or "success": the KERN alert the frame draws.
    level: str = "warning"
    url: str | None = None
    link_text: str | None = None


@dataclass(frozen=True)
class AlternateLink:
    """A `<link rel="alternate">` in the portal pages' head (a feed, a calendar)."""

    href: str
    type: str
    title: str


@dataclass(frozen=True)
class PortalFrame:
    """What a module adds to the frame of every portal page of a municipality."""

    banners: tuple[PortalBanner, ...] = ()
    alternates: tuple[AlternateLink, ...] = ()


# Called for each portal page with the request and its municipality (a
# `core.tenancy.models.Municipality`); it must be cheap (a process-wide copy, core/snapshots),
# as every portal page asks it.
PortalFrameHook = Callable[[Request, Any], PortalFrame]


@dataclass(frozen=True)
class ChannelProposal:
    """A post a module suggests for the city's channel (a council meeting, a participation
    phase opening, a pool closed today). Nothing is published until staff who may publish
    open it in the channel's editor and save it. `key` is stable per occasion, so that a
    proposal taken once is not offered again; texts are in the municipality's language."""

    key: str
    # "news", "press", "event" or "warning".
    kind: str
    title: str
    teaser: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: str = ""


# Called with a session in the municipality's tenant scope when the channel's back office
# lists what modules propose.
ChannelProposals = Callable[["Session"], list[ChannelProposal]]


@dataclass(frozen=True)
class TableColumn:
    name: str
    # Text people wrote (a report's description, a comment): never published as open data.
    free_text: bool = False


@dataclass(frozen=True)
class Table:
    """The rows a module releases as open data; the catalogue writes them as CSV and JSON."""

    columns: tuple[TableColumn, ...]
    rows: list[tuple[object, ...]]
    # For data about people: the column that counts the persons behind each row. The catalogue
    # publishes such a table only aggregated and suppresses rows under its minimum count.
    persons: str | None = None
    # The time the rows cover (dct:temporal), when they cover one.
    start: datetime | None = None
    end: datetime | None = None


# A module's rows for one municipality, read through a tenant-scoped session at a given time.
TableSource = Callable[["Session", "Municipality", datetime], Table]


@dataclass(frozen=True)
class DataApi:
    """A live interface of a module, published as a dcat:DataService; `path` and
    `description_path` are below the municipality's base URL (`/{m}/…`)."""

    title: str
    description: str
    path: str
    description_path: str | None = None
    # The standard the interface follows (dct:conformsTo), a URL.
    conforms_to: str | None = None


@dataclass(frozen=True)
class Period:
    """One closed period of a dataset series (a month, a year): `key` ("2026-11") names its
    dataset for good, `label` and `label_en` ("November 2026") end the dataset's title."""

    key: str
    label: str
    label_en: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class SeriesMembers:
    """What makes a declaration a dataset series (dcat:DatasetSeries): one dataset per closed
    period, kept after the period ends. `periods` lists the closed periods that have data,
    oldest first; `table` gives one period's rows. The catalogue writes each as CSV and JSON,
    as it does a declaration's `table`."""

    periods: Callable[[Session, Municipality, datetime], Sequence[Period]]
    table: Callable[[Session, Municipality, Period], Table]
    # How often a member changes once its period has closed (an EU frequency code).
    member_frequency: str = "NEVER"


@dataclass(frozen=True)
class DatasetDeclaration:
    """A dataset a module can release as open data; the data officer switches it on per
    municipality and the catalogue keeps its files current. Texts are German (the catalogue's
    language) with an English version; codes are from the EU authority tables."""

    key: str
    title: str
    title_en: str
    description: str
    description_en: str
    # EU data themes (data-theme codes such as "TRAN"), update frequency (frequency codes such
    # as "DAILY"), and the high-value-dataset category (a code of data.europa.eu/bna) if any.
    themes: tuple[str, ...]
    frequency: str
    keywords: tuple[str, ...] = ()
    table: TableSource | None = None
    api: DataApi | None = None
    hvd_category: str | None = None
    # Derived from data about people (reports, bookings, votes): `table` must then count
    # persons per row (`Table.persons`), and only aggregated rows leave the platform.
    about_people: bool = False
    # A series instead of one dataset: the texts, themes and `frequency` (how often a member
    # appears) describe the series; `table` and `api` are then not used.
    series: SeriesMembers | None = None


@dataclass(frozen=True)
class LargeBody:
    """Paths (a regular expression matched against the whole path) whose requests may be larger
    than SMARTCITY_MAX_REQUEST_BYTES, up to `limit()` bytes — e.g. a timetable zip. Their
    handlers must check the caller's permission before they read the body, so that nobody
    without it can make the server spool a large upload."""

    path: str
    limit: Callable[[], int]


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
    # Roles staff can be given for this module's work (`define_role`): the back office offers
    # them with their labels, the demo creates their accounts, stored roles are checked by them.
    roles: tuple[StaffRole, ...] = ()
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
    # The module's own static files (scripts, styles, WebAssembly), served by the shell under
    # /static/<module name>/ with the platform's headers; nothing is loaded from elsewhere.
    static: Path | None = None
    personal_data: tuple[PersonalData, ...] = ()
    # The module's own retention jobs with their dry run (named by `Retention.handled_by`).
    retention_jobs: tuple[RetentionJob, ...] = ()
    # Columns that look personal by their names but are not (checked by tests/privacy).
    not_personal: tuple[NotPersonal, ...] = ()
    # Open data the module can release (the opendata module's catalogue reads them).
    datasets: tuple[DatasetDeclaration, ...] = ()
    # Contributions to every portal page's frame: banners and `<link rel="alternate">`.
    portal_frame: tuple[PortalFrameHook, ...] = ()
    # Posts the module proposes for the city's channel (confirmed there by a person).
    channel_proposals: tuple[ChannelProposals, ...] = ()
    # Templates (names on the template path) included as sections of each municipality's
    # privacy policy (`/{m}/datenschutz`), after the general part, in module order.
    privacy_sections: tuple[str, ...] = ()
    # Routes that take a larger request body than the platform's limit.
    large_bodies: tuple[LargeBody, ...] = ()


def route_paths(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[str]:
    """The full path of every route, also of those in routers included into a router (FastAPI
    keeps such a router as one node, with the prefix it was included under)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from route_paths(included.routes, prefix + str(getattr(context, "prefix", "")))
        elif isinstance(path := getattr(route, "path", None), str):
            yield prefix + path


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

    def reserved_slugs(self) -> frozenset[str]:
        """The first path segments of every module's routes and pages (`api`, `verwaltung`,
        `oparl` …). A municipality's URLs start with its slug, so it cannot take one of these."""
        routers = [router for m in self.modules for router in (*m.routers, *m.pages)]
        paths = route_paths(route for router in routers for route in router.routes)
        firsts = (path.strip("/").split("/")[0] for path in paths)
        return frozenset(first for first in firsts if first and not first.startswith("{"))

    def roles(self) -> list[StaffRole]:
        """Every installed module's roles, in module order (a key declared twice is an error
        when it is defined)."""
        return [role for m in self.modules for role in m.roles]

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

    def personal_data(self) -> list[PersonalData]:
        return [declared for m in self.modules for declared in m.personal_data]

    def retention_jobs(self) -> list[RetentionJob]:
        return [job for m in self.modules for job in m.retention_jobs]

    def not_personal(self) -> list[NotPersonal]:
        return [declared for m in self.modules for declared in m.not_personal]

    def datasets(self) -> dict[str, DatasetDeclaration]:
        """Every module's dataset declarations by "<module>.<key>"."""
        return {f"{m.name}.{d.key}": d for m in self.modules for d in m.datasets}

    def channel_proposals(self, db: Session) -> list[tuple[str, ChannelProposal]]:
        """Every module's proposals for the channel, with the proposing module's name."""
        return [(m.name, p) for m in self.modules for hook in m.channel_proposals for p in hook(db)]

    def portal_frame(self, request: Request, municipality: Any) -> PortalFrame:
        """Every module's contribution to a portal page's frame, in module order."""
        parts = [hook(request, municipality) for m in self.modules for hook in m.portal_frame]
        return PortalFrame(
            banners=tuple(b for part in parts for b in part.banners),
            alternates=tuple(a for part in parts for a in part.alternates),
        )

    def privacy_sections(self) -> list[str]:
        return [section for m in self.modules for section in m.privacy_sections]

    def large_bodies(self) -> list[tuple[re.Pattern[str], int]]:
        """Each declared larger-body path, compiled, with its limit (read once, at start)."""
        return [(re.compile(b.path), b.limit()) for m in self.modules for b in m.large_bodies]


def registry_of(request: Request) -> Registry:
    registry: Registry = request.app.state.modules
    return registry
