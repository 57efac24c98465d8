"""`smartcity demo`: a demo region with Dresden and its neighbour Radebeul, staff accounts
for every role, each module's demo data, and the server on 127.0.0.1:8000."""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy import select

from smartcity.core import migrate
from smartcity.core.audit import services as audit
from smartcity.core.db import transaction
from smartcity.core.demo import DemoContext
from smartcity.core.identity import apikeys, users
from smartcity.core.identity.models import UserAccount
from smartcity.core.identity.permissions import StaffRole
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.modules import MODULES, import_models, installed_modules, reserved_slugs

REGION_SLUG = "elbtal"
SIMULATOR_KEY_NAME = "Demo-Simulator"
MUNICIPALITIES = [
    tenancy.MunicipalityInput(
        "dresden", "Landeshauptstadt Dresden", "14612000", "Europe/Berlin", 51.0504, 13.7373
    ),
    tenancy.MunicipalityInput(
        "radebeul", "Große Kreisstadt Radebeul", "14627210", "Europe/Berlin", 51.1066, 13.6600
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: StaffRole
    municipality: str | None
    department: str | None = None


def demo_users(modules: Sequence[str] = MODULES) -> list[DemoUser]:
    """A staff account for each demo account the installed modules' roles declare."""
    return [
        DemoUser(a.username, a.display_name, role, a.municipality, a.department)
        for role in installed_modules(modules).roles()
        for a in role.demo
    ]


def credentials_path(data_dir: Path) -> Path:
    """Where the demo's passwords are kept, owner-readable only."""
    return (data_dir / "demo-credentials.json").resolve()


def _credentials(data_dir: Path, accounts: Sequence[DemoUser]) -> dict[str, str]:
    """Demo passwords are generated once and kept (owner-readable only) in the data dir; an
    account a module declared since gets its own."""
    path = credentials_path(data_dir)
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [u.username for u in accounts if u.username not in stored]
    if missing or not path.exists():
        stored |= {name: "demo-" + secrets.token_urlsafe(9) for name in missing}
        path.touch(mode=0o600)
        path.write_text(json.dumps(stored, indent=2))
    return stored


def create_demo_data(platform: Platform, modules: Sequence[str] = MODULES) -> dict[str, str]:
    settings = platform.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # The modules' own migration branches are known to Alembic once their declarations are
    # read (a caller that has not built the app yet, as tools/demo_instance.py, would miss them).
    import_models(modules)
    migrate.upgrade(platform.engine)
    accounts = demo_users(modules)
    passwords = _credentials(settings.data_dir, accounts)
    created: dict[str, Municipality] = {}
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        region = tenancy.get_or_create_region(db, REGION_SLUG)
        region.name = "Smart Region Elbtal"
        fresh = []
        for data in MUNICIPALITIES:
            existing = db.scalar(select(Municipality).where(Municipality.slug == data.slug))
            if existing is None:
                existing = tenancy.create_municipality(
                    db, data, region, reserved=reserved_slugs(modules)
                )
                audit.record(
                    db,
                    actor="demo",
                    action="municipality.create",
                    resource_type="municipality",
                    resource_id=existing.id,
                    changes={"slug": data.slug, "name": data.name, "ags": data.ags},
                )
                fresh.append(existing)
            created[data.slug] = existing
        for demo_user in accounts:
            if db.scalar(select(UserAccount.id).where(UserAccount.username == demo_user.username)):
                continue
            account = users.create_user(
                db,
                username=demo_user.username,
                password=passwords[demo_user.username],
                display_name=demo_user.display_name,
                # The demo's mail stays in DATA_DIR/mail (`smartcity mail list`): a password
                # reset can be tried out.
                email=f"{demo_user.username}@demo.example",
                actor="demo",
                passwords=platform.passwords,
            )
            users.assign_role(
                db,
                account,
                demo_user.role,
                municipality=created.get(demo_user.municipality or ""),
                region=region,
                department=demo_user.department,
                actor="demo",
            )
    if fresh:
        registry = installed_modules(modules)
        context = DemoContext(
            platform,
            {m.slug: m for m in fresh},
            say=lambda text: click.echo("  " + text),
            modules=registry,
        )
        for module in registry:
            for seed in module.demo_seeders:
                seed(context)
    return passwords


def run_demo(settings: Settings, *, serve: bool = True, simulate: bool = True) -> None:
    from smartcity.server import choose_broker_port, run_server

    import_models()
    platform = Platform.from_settings(settings)
    settings.require_secret_key()  # generates the demo secret on first run
    click.echo(f"Preparing the demo in {settings.data_dir.resolve()} …")
    passwords = create_demo_data(platform)
    if serve:
        choose_broker_port(platform)
    base = settings.effective_public_url
    click.echo("")
    click.echo("Smart City platform demo — region 'Smart Region Elbtal': dresden, radebeul")
    click.echo(f"  Citizen portal:     {base}/dresden/")
    click.echo(f"  Staff login:        {base}/anmelden   (back office and city cockpit)")
    click.echo(f"  API documentation:  {base}/api/docs")
    click.echo(f"  Health:             {base}/healthz   Readiness: {base}/readyz")
    click.echo(f"  Dresden car parks:  {base}/dresden/api/v1/parking/car-parks")
    click.echo(f"  Citizen services:   {base}/dresden/api/v1/citizen/services")
    click.echo(f"  Water meter form:   POST {base}/dresden/api/v1/watermeter/readings")
    click.echo(f"  Public keys (JWKS): {base}/.well-known/jwks.json")
    click.echo(f"  Demo mailbox:       smartcity mail list  (Maildir {settings.data_dir / 'mail'})")
    click.echo(f"  SensorThings API:   {base}/dresden/sta/v1.1")
    click.echo(
        f"  Log in:             {base}/anmelden (API: POST {base}/auth/login) "
        "with one of these accounts:"
    )
    for demo_user in demo_users():
        where = demo_user.municipality or "whole region"
        click.echo(
            f"    {demo_user.username:<26} {passwords[demo_user.username]:<20} "
            f"{demo_user.role} ({where})"
        )
    click.echo(f"    (these logins are also in {credentials_path(settings.data_dir)})")
    if not settings.mqtt_url:
        click.echo(
            f"  MQTT (embedded):    {settings.host}:{settings.mqtt_port} "
            "(password: an API key with scope sta:write)"
        )
    click.echo("  Create a device key: smartcity apikey create --tenant dresden --scope sta:write")
    click.echo("  Another HTTP port:  SMARTCITY_PORT=8080 make demo")
    click.echo("")
    if serve:
        # Worker processes (SMARTCITY_WORKERS) read their settings from the environment.
        os.environ["SMARTCITY_DEMO_MODE"] = "true"
        os.environ["SMARTCITY_MQTT_PORT"] = str(settings.mqtt_port)
        if simulate:
            start_simulator(platform)
        run_server(platform)


def start_simulator(platform: Platform) -> None:
    """Dresden's devices come alive once the server answers: a fresh key for the simulator
    (the previous one revoked), then a simulation round every ten seconds in a daemon
    thread. The simulated transit operator serves its GTFS-Realtime feed on a free loopback
    port, and Dresden's realtime sources are pointed at it, so the platform's realtime poll
    reads it as it reads a real operator's feed."""
    import random
    import threading

    from smartcity.core.identity.models import ApiKey
    from smartcity.simulator.realtime import FeedServer, RealtimeFeed
    from smartcity.simulator.runner import Options, Simulation
    from smartcity.transit import demo as transit_demo

    settings = platform.settings
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        dresden = db.scalar(select(Municipality).where(Municipality.slug == "dresden"))
    if dresden is None:
        return
    with transaction(platform.sessions, **{SCOPE_KEY: tenancy.scope_for(dresden)}) as db:
        for old in db.scalars(select(ApiKey).where(ApiKey.name == SIMULATOR_KEY_NAME)):
            if old.revoked_at is None:
                apikeys.revoke_api_key(db, old.id, actor="demo")
        _, secret = apikeys.create_api_key(
            db, name=SIMULATOR_KEY_NAME, scopes=["sta:write"], actor="demo", grantor=None
        )
    base = f"http://127.0.0.1:{settings.port}"
    realtime = RealtimeFeed(random.Random(), dresden.timezone)  # noqa: S311 - simulated values
    server = FeedServer(realtime)
    transit_demo.use_realtime(platform, dresden.id, server.trip_updates_url, server.alerts_url)

    def run() -> None:
        import httpx

        for _ in range(120):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        simulation = Simulation(Options(base, "dresden", secret, interval=10.0), realtime=realtime)
        simulation.run(say=lambda text: click.echo("  Simulator: " + text))

    threading.Thread(target=run, name="demo-simulator", daemon=True).start()
    click.echo(
        "  Simulator:          Dresden's counters, benches, lamps, charging points and WiFi "
        "hotspots send every 10 s"
    )
    click.echo(f"  GTFS-Realtime:      {server.trip_updates_url} (polled every 30 s)")
