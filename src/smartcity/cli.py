"""The `smartcity` command: run, migrate and administer the platform."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.orm import Session

from smartcity.core import migrate as migrations
from smartcity.core.audit import anchors
from smartcity.core.audit import services as audit
from smartcity.core.db import transaction
from smartcity.core.errors import ServiceError
from smartcity.core.identity import apikeys, mfa, users
from smartcity.core.identity.permissions import SCOPES
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings, SettingsError
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.modules import import_models, reserved_slugs

F = TypeVar("F", bound=Callable[..., Any])
CLI_ACTOR = "cli"


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"SMARTCITY_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise click.ClickException(f"invalid configuration: {problems}") from None


def load_platform(settings: Settings | None = None) -> Platform:
    import_models()
    return Platform.from_settings(settings or load_settings())


@contextmanager
def system_session(platform: Platform) -> Iterator[Session]:
    """Administrative commands act on the whole instance, deliberately."""
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        yield db


@contextmanager
def tenant_session(platform: Platform, slug: str) -> Iterator[Session]:
    with transaction(platform.sessions) as db:
        municipality = tenancy.get_municipality(db, slug)
        db.info[SCOPE_KEY] = tenancy.scope_for(municipality)
        yield db


@contextmanager
def friendly_errors() -> Iterator[None]:
    try:
        yield
    except (ServiceError, SettingsError) as exc:
        detail = str(exc)
        if isinstance(exc, ServiceError) and exc.errors:
            detail += " " + "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        raise click.ClickException(detail) from None


@click.group(help="Self-hosted Smart City platform.")
@click.version_option(package_name="smartcity")
def main() -> None:
    pass


@main.command(help="Apply database migrations (or go back to --revision with --down).")
@click.option("--revision", default="heads", show_default=True)
@click.option("--down", is_flag=True, help="Downgrade to --revision instead of upgrading.")
def migrate(revision: str, down: bool) -> None:
    platform = load_platform()
    if down:
        migrations.downgrade(platform.engine, revision)
    else:
        migrations.upgrade(platform.engine, revision)
    click.echo(f"database at revision {migrations.current_revision(platform.engine) or 'base'}")


@main.command(help="Migrate, then run the HTTP server (and the embedded MQTT broker).")
def serve() -> None:
    from smartcity.server import run_server

    settings = load_settings()
    with friendly_errors():
        settings.require_secret_key()
        run_server(load_platform(settings))


@main.command(help="Create a demo region with two municipalities and users, then serve it.")
@click.option("--no-serve", is_flag=True, help="Only create the demo data.")
@click.option("--no-simulate", is_flag=True, help="Serve without the device simulator.")
def demo(no_serve: bool, no_simulate: bool) -> None:
    from smartcity.demo import run_demo

    with friendly_errors():
        run_demo(load_settings(demo_mode=True), serve=not no_serve, simulate=not no_simulate)


@main.command(
    help="Simulate a municipality's devices (car-park counters, benches, luminaires): "
    "readings through HTTP or MQTT, lamps obeying their Tasks."
)
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="Platform URL.")
@click.option("--tenant", "slug", default="dresden", show_default=True)
@click.option(
    "--key",
    envvar="SMARTCITY_SIMULATOR_KEY",
    required=True,
    help="API key with scope sta:write (or $SMARTCITY_SIMULATOR_KEY).",
)
@click.option("--interval", default=10.0, show_default=True, help="Seconds between rounds.")
@click.option(
    "--mqtt", "mqtt_url", default=None, help="Send over MQTT, e.g. mqtt://127.0.0.1:1883."
)
@click.option("--rounds", default=0, help="Stop after this many rounds (0: run until Ctrl-C).")
def simulate(
    url: str, slug: str, key: str, interval: float, mqtt_url: str | None, rounds: int
) -> None:
    from smartcity.simulator.runner import Options, Simulation

    simulation = Simulation(Options(url, slug, key, interval, mqtt_url))
    try:
        if rounds:
            for _ in range(rounds):
                click.echo(f"{simulation.tick()} readings sent")
        else:
            simulation.run(say=click.echo)
    except KeyboardInterrupt:
        pass
    finally:
        simulation.close()


@main.group(help="Municipalities (tenants).")
def tenant() -> None:
    pass


@tenant.command("create", help="Create a municipality (and the region on first use).")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--ags", required=True, help="Amtlicher Gemeindeschlüssel, 8 digits")
@click.option("--timezone", default="Europe/Berlin", show_default=True)
@click.option("--lat", type=float, default=51.1657, show_default=True, help="Centre latitude")
@click.option("--lon", type=float, default=10.4515, show_default=True, help="Centre longitude")
@click.option("--region", default=tenancy.DEFAULT_REGION_SLUG, show_default=True)
def tenant_create(
    slug: str, name: str, ags: str, timezone: str, lat: float, lon: float, region: str
) -> None:
    platform = load_platform()
    with friendly_errors(), system_session(platform) as db:
        data = tenancy.MunicipalityInput(slug, name, ags, timezone, lat, lon)
        municipality = tenancy.create_municipality(
            db, data, tenancy.get_or_create_region(db, region), reserved=reserved_slugs()
        )
        audit.record(
            db,
            actor=CLI_ACTOR,
            action="municipality.create",
            resource_type="municipality",
            resource_id=municipality.id,
            changes={"slug": slug, "name": name, "ags": ags},
        )
    click.echo(f"created municipality {slug} ({name}, AGS {ags})")


@tenant.command("list", help="List municipalities.")
def tenant_list() -> None:
    platform = load_platform()
    with system_session(platform) as db:
        for m in tenancy.list_municipalities(db):
            click.echo(f"{m.slug}\t{m.name}\t{m.ags}\t{m.timezone}")


@main.group(help="Staff accounts and roles.")
def user() -> None:
    pass


@user.command("create", help="Create a staff account (asks for the password).")
@click.argument("username")
@click.option("--display-name", default="")
@click.option("--email", default=None)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="SMARTCITY_NEW_PASSWORD",
    help="Prompted for when not given (or set SMARTCITY_NEW_PASSWORD).",
)
def user_create(username: str, display_name: str, email: str | None, password: str) -> None:
    platform = load_platform()
    with friendly_errors(), system_session(platform) as db:
        users.create_user(
            db,
            username=username,
            password=password,
            display_name=display_name,
            email=email,
            actor=CLI_ACTOR,
            passwords=platform.passwords,
        )
    click.echo(f"created user {username}")


@user.command(
    "reset-mfa",
    help="Remove a user's second factor (app and recovery codes) when both are lost; check "
    "the person's identity first. Their sessions end; the next login sets up a new one "
    "where a role requires it.",
)
@click.argument("username")
def user_reset_mfa(username: str) -> None:
    platform = load_platform()
    with friendly_errors(), system_session(platform) as db:
        account = users.get_user_by_name(db, username)
        removed = mfa.remove(db, account, actor=CLI_ACTOR)
    click.echo(f"second factor of {username} removed" if removed else f"{username} had none")


@user.command(
    "set-role",
    help="Give a user a role in a municipality (or region_admin), as the modules declare it.",
)
@click.argument("username")
@click.argument("role")
@click.option("--tenant", "slug", help="Municipality slug (not for region_admin)")
@click.option("--region", default=tenancy.DEFAULT_REGION_SLUG, show_default=True)
@click.option("--department", default=None, help="Required for case_worker")
def user_set_role(
    username: str, role: str, slug: str | None, region: str, department: str | None
) -> None:
    platform = load_platform()
    with friendly_errors(), system_session(platform) as db:
        account = users.get_user_by_name(db, username)
        chosen = users.parse_role(role)
        if chosen.region:
            users.assign_role(
                db,
                account,
                chosen,
                municipality=None,
                region=tenancy.get_or_create_region(db, region),
                actor=CLI_ACTOR,
            )
            where = f"region {region}"
        else:
            if not slug:
                raise click.UsageError("--tenant is required for this role")
            municipality = tenancy.get_municipality(db, slug)
            users.assign_role(
                db,
                account,
                chosen,
                municipality=municipality,
                department=department,
                actor=CLI_ACTOR,
            )
            where = slug
    click.echo(f"{username} is now {role} in {where}")


@main.group(help="API keys for devices and integrations.")
def apikey() -> None:
    pass


@apikey.command("create", help="Create a key; it is printed alone on the last line.")
@click.option("--tenant", "slug", required=True)
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(sorted(SCOPES)))
@click.option("--name", default="CLI key", show_default=True)
def apikey_create(slug: str, scopes: tuple[str, ...], name: str) -> None:
    platform = load_platform()
    with friendly_errors(), tenant_session(platform, slug) as db:
        key, secret = apikeys.create_api_key(
            db, name=name, scopes=list(scopes), actor=CLI_ACTOR, grantor=None
        )
    click.echo(f"API key {key.id} for {slug} with scopes {', '.join(key.scopes)}.")
    click.echo("Store it now; it cannot be shown again:")
    click.echo(secret)


@apikey.command("revoke", help="Revoke a key by its id.")
@click.option("--tenant", "slug", required=True)
@click.argument("key_id", type=int)
def apikey_revoke(slug: str, key_id: int) -> None:
    platform = load_platform()
    with friendly_errors(), tenant_session(platform, slug) as db:
        apikeys.revoke_api_key(db, key_id, actor=CLI_ACTOR)
    click.echo(f"revoked API key {key_id}")


@apikey.command("list", help="List a municipality's keys (never the secrets).")
@click.option("--tenant", "slug", required=True)
def apikey_list(slug: str) -> None:
    platform = load_platform()
    with friendly_errors(), tenant_session(platform, slug) as db:
        for key in apikeys.list_api_keys(db):
            state = "revoked" if key.revoked_at else "active"
            used = key.last_used_at.isoformat() if key.last_used_at else "never"
            click.echo(
                f"{key.id}\t{key.prefix}…\t{state}\t{','.join(key.scopes)}\t{key.name}\t"
                f"last used {used}"
            )


@main.group(help="The audit log.")
def audit_log() -> None:
    pass


main.add_command(audit_log, name="audit")


@audit_log.command(
    "verify",
    help="Check the hash chains and the newest checkpoint; exit 1 naming what is wrong.",
)
@click.option(
    "--checkpoints",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Checkpoint file (default: the configured one), e.g. assembled from the log.",
)
def audit_verify(checkpoints: Path | None) -> None:
    platform = load_platform()
    path = checkpoints or platform.settings.effective_audit_checkpoint_file
    with system_session(platform) as db:
        result = audit.verify(db)
        problems = [] if result.ok else [str(result.problem)]
        newest = None
        if path.exists():
            try:
                found = anchors.read(path, platform.settings.require_secret_key())
            except anchors.AnchorFileBroken as exc:
                problems.append(f"checkpoint file {path}: {exc}")
            else:
                newest = found[-1] if found else None
                if newest is not None:
                    problems += anchors.check(db, newest)
    if newest is None:
        click.echo(
            f"no checkpoint in {path}: a removed tail or a rewritten chain cannot be detected "
            "(smartcity audit anchor writes one)",
            err=True,
        )
    else:
        click.echo(f"checkpoint of {newest.at.isoformat()}: {len(newest.chains)} chains expected")
    if not problems:
        click.echo(f"audit log intact: {result.entries} entries in {result.chains} chains")
        return
    for problem in problems:
        click.echo(f"audit log BROKEN: {problem}", err=True)
    sys.exit(1)


@audit_log.command("anchor", help="Write a checkpoint of every audit chain now.")
def audit_anchor() -> None:
    platform = load_platform()
    checkpoint = anchors.write_checkpoint(platform)
    assert checkpoint is not None  # written whether or not a chain grew
    path = platform.settings.effective_audit_checkpoint_file
    click.echo(f"checkpoint of {len(checkpoint.chains)} chains appended to {path}")


@main.group(help="Periodic jobs (normally run by the server).")
def jobs() -> None:
    pass


@jobs.command("list", help="List the periodic jobs.")
def jobs_list() -> None:
    from smartcity.modules import periodic_jobs

    for job in periodic_jobs():
        click.echo(f"{job.name}\tevery {job.interval_seconds:g} s")


@jobs.command("run", help="Run a job now (once across instances, as the server does).")
@click.argument("name")
def jobs_run(name: str) -> None:
    from smartcity.core.jobs import run_exclusively
    from smartcity.modules import periodic_jobs

    by_name = {job.name: job for job in periodic_jobs()}
    if name not in by_name:
        raise click.ClickException(f"unknown job '{name}'; known: {', '.join(sorted(by_name))}")
    platform = load_platform()
    if run_exclusively(platform, by_name[name]):
        click.echo(f"ran {name}")
    else:
        click.echo(f"{name} is running on another instance; skipped")


@main.command(help="Export a municipality's complete data as a ZIP archive of CSV and JSON.")
@click.option("--tenant", "slug", required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
def export(slug: str, output: Path | None) -> None:
    from smartcity.core.export import tenant_tables, write_export

    platform = load_platform()
    target = output or Path(f"{slug}-export.zip")
    with friendly_errors(), tenant_session(platform, slug) as db:
        municipality = tenancy.get_municipality(db, slug)
        tables = tenant_tables()
        with click.progressbar(length=len(tables), label=f"exporting {slug}") as bar:
            manifest = write_export(
                db, municipality, target, progress=lambda _name, _rows: bar.update(1)
            )
    total = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"wrote {target}: {len(manifest['tables'])} tables, {total} rows")


@main.command(
    help="Back up the database, uploads, audit checkpoints and configuration into one archive "
    "with a manifest and checksums (safe while the platform runs)."
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--recipient",
    "-r",
    "recipients",
    multiple=True,
    envvar="SMARTCITY_BACKUP_RECIPIENTS",
    help="Encrypt for this age X25519 recipient (age1…); repeatable.",
)
def backup(output: Path, recipients: tuple[str, ...]) -> None:
    from smartcity.core.backup import BackupError, create_backup

    platform = load_platform()
    try:
        with friendly_errors():
            manifest = create_backup(
                platform.engine,
                platform.settings,
                output,
                recipients=list(recipients),
                say=lambda text: click.echo(text, err=True),
            )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(t["rows"] for t in manifest["tables"].values())
    state = "encrypted" if manifest["encrypted"] else "NOT encrypted"
    click.echo(
        f"wrote {output} ({state}): {manifest['backend']} database, {len(manifest['tables'])} "
        f"tables, {rows} rows, {len(manifest['members'])} files"
    )


@main.command(
    help="Restore an archive written by `smartcity backup` (stop the platform first). Checks "
    "every checksum before touching anything and compares every table afterwards."
)
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--identity",
    "-i",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="age identity file (AGE-SECRET-KEY-…) for an encrypted archive.",
)
@click.option("--replace", is_flag=True, help="Overwrite a database that is not empty.")
def restore(archive: Path, identity: Path | None, replace: bool) -> None:
    from smartcity.core.backup import BackupError, restore_backup

    platform = load_platform()
    try:
        with friendly_errors():
            result = restore_backup(
                platform.engine,
                platform.settings,
                archive,
                identities=identity,
                replace=replace,
                say=lambda text: click.echo(text, err=True),
            )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"restored the backup of {result.created_at}: {result.tables} tables, {result.rows} "
        f"rows and {result.files} files, every table equal to the backup"
    )


@main.group(help="The local mailbox (where mail goes without SMARTCITY_MAIL_URL, as in the demo).")
def mail() -> None:
    pass


def _mailbox() -> list[tuple[str, Any]]:
    import mailbox

    path = load_settings().data_dir / "mail"
    if not path.exists():
        return []
    box = mailbox.Maildir(path, create=False)
    return sorted(box.items(), key=lambda item: item[1].get("Date", ""))


def _header(message: Any, name: str) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message.get(name, ""))))


@mail.command("list", help="List the messages, oldest first.")
def mail_list() -> None:
    messages = _mailbox()
    if not messages:
        click.echo("no mail")
    for number, (_, message) in enumerate(messages, start=1):
        click.echo(f"{number:>4}  {_header(message, 'To'):<32} {_header(message, 'Subject')}")


@mail.command("show", help="Show one message by its number in the list.")
@click.argument("number", type=int)
def mail_show(number: int) -> None:
    messages = _mailbox()
    if not 1 <= number <= len(messages):
        raise click.ClickException(
            f"there is no message {number} (the mailbox has {len(messages)})"
        )
    message = messages[number - 1][1]
    for name in ("From", "To", "Subject", "Date"):
        click.echo(f"{name}: {_header(message, name)}")
    click.echo("")
    payload = message.get_payload(decode=True)
    click.echo(payload.decode(message.get_content_charset() or "utf-8") if payload else "")


@main.group(help="The platform's sessions at an external MQTT broker (docs/mqtt.md).")
def mqtt() -> None:
    pass


@mqtt.command(
    "retire-sessions",
    help="End the broker sessions of an instance removed for good, or of worker slots it no "
    "longer runs (after lowering SMARTCITY_WORKERS), so the broker stops handing them a share "
    "of the devices' messages. What such a session still holds is dropped: drain it first "
    "(docs/mqtt.md, 'Sessions that are away'). Never name a running instance's slots.",
)
@click.option(
    "--instance",
    "instances",
    multiple=True,
    required=True,
    help="SMARTCITY_INSTANCE_NAME of the instance whose sessions end (repeatable).",
)
@click.option(
    "--slot",
    "slots",
    multiple=True,
    type=click.IntRange(0, 63),
    help="Only this worker slot (repeatable); default: every slot.",
)
@click.option(
    "--from-slot",
    type=click.IntRange(0, 63),
    default=None,
    help="Slots from this one up: after lowering SMARTCITY_WORKERS to N, --from-slot N.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def mqtt_retire_sessions(
    instances: tuple[str, ...], slots: tuple[int, ...], from_slot: int | None, yes: bool
) -> None:
    from smartcity.core.mqtt import parse_mqtt_url
    from smartcity.sensorthings.mqtt.sessions import (
        MAX_SLOTS,
        consumer_client_id,
        retire_session,
        slots_in_use,
    )

    settings = load_settings()
    if not settings.mqtt_url:
        raise click.ClickException(
            "SMARTCITY_MQTT_URL is not set: the embedded broker keeps no sessions of its own "
            "across restarts, so there is nothing to retire."
        )
    if slots and from_slot is not None:
        raise click.UsageError("give --slot or --from-slot, not both")
    chosen = sorted(set(slots)) if slots else list(range(from_slot or 0, MAX_SLOTS))
    for name in instances:
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", name):
            raise click.BadParameter(
                f"{name!r} is no instance name (letters, digits, '.', '_', '-')",
                param_hint="--instance",
            )
        if name == settings.instance_name:
            busy = slots_in_use(settings.data_dir, chosen)
            if busy:
                raise click.ClickException(
                    f"{name} is this instance, and its worker processes hold slot(s) "
                    f"{', '.join(map(str, busy))} now: retiring them would drop what they "
                    "have not acknowledged yet. Name only slots no process runs."
                )
    client_ids = [consumer_client_id(name, slot) for name in instances for slot in chosen]
    endpoint = parse_mqtt_url(settings.mqtt_url, settings.mqtt_ca_file)
    where = f"{endpoint.host}:{endpoint.port}"
    if not yes:
        shown = client_ids if len(client_ids) <= 4 else [*client_ids[:2], "…", client_ids[-1]]
        click.confirm(
            f"End {len(client_ids)} session(s) at {where} ({', '.join(shown)}) and drop what "
            "they still hold?",
            abort=True,
        )
    with friendly_errors():
        for client_id in client_ids:
            retire_session(endpoint, client_id)
            click.echo(f"retired {client_id}")
    click.echo(f"{len(client_ids)} session(s) ended at {where}")
