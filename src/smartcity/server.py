"""Running the HTTP server: migrations first, then uvicorn with the app."""

from __future__ import annotations

import gc
import logging
from typing import Any

import uvicorn
from fastapi import FastAPI

from smartcity.app import create_app
from smartcity.core import migrate
from smartcity.core.logging import configure_logging
from smartcity.core.mqtt import port_free
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings, SettingsError
from smartcity.workers import run_workers

log = logging.getLogger(__name__)

DEMO_PORT_ATTEMPTS = 20


def choose_broker_port(platform: Platform) -> None:
    """Check the embedded broker's port before anything starts, so the operator gets one clear
    sentence instead of a traceback. The demo moves to the next free port and says so."""
    settings = platform.settings
    if settings.mqtt_url or port_free(settings.host, settings.mqtt_port):
        return
    taken = settings.mqtt_port
    if not settings.demo_mode:
        raise SettingsError(
            f"The embedded MQTT broker cannot use port {taken} on {settings.host}: it is taken "
            "(is Mosquitto running?). Set SMARTCITY_MQTT_PORT to a free port, or "
            f"SMARTCITY_MQTT_URL=mqtt://{settings.host}:{taken} to use the broker on that port."
        )
    for candidate in range(taken + 1, taken + 1 + DEMO_PORT_ATTEMPTS):
        if port_free(settings.host, candidate):
            settings.mqtt_port = candidate
            print(
                f"NOTE: MQTT port {taken} is taken (probably by Mosquitto); the demo's embedded "
                f"broker uses port {candidate} instead. Set SMARTCITY_MQTT_PORT to choose one."
            )
            return
    raise SettingsError(f"No free port for the embedded MQTT broker near {taken}.")


def run_server(platform: Platform) -> None:
    settings = platform.settings
    configure_logging(settings.log_level, settings.log_format)
    if settings.workers > 1 and not settings.mqtt_url:
        raise SettingsError(
            f"SMARTCITY_WORKERS={settings.workers} needs an external MQTT broker "
            "(SMARTCITY_MQTT_URL): the embedded broker lives in one process."
        )
    if settings.workers > 1 and not settings.mqtt_share_group:
        raise SettingsError(
            f"SMARTCITY_WORKERS={settings.workers} needs a shared subscription "
            "(SMARTCITY_MQTT_SHARE_GROUP): with plain subscriptions every worker process "
            "would store every device message."
        )
    choose_broker_port(platform)
    if settings.migrate_on_start:
        migrate.upgrade(platform.engine)
    elif not migrate.is_up_to_date(platform.engine):
        raise SettingsError(
            "The database is not at the newest migration and SMARTCITY_MIGRATE_ON_START is "
            "false: run `smartcity migrate` (the migration job) first."
        )
    options: dict[str, Any] = {"proxy_headers": True, "log_config": None, "server_header": False}
    if settings.workers > 1:
        # Stateless instances: each worker process builds its own app from the environment.
        platform.engine.dispose()
        run_workers(
            "smartcity.server:app_from_environment",
            settings.workers,
            settings.host,
            settings.port,
            options,
        )
        return
    app = settled(create_app(platform=platform))
    uvicorn.run(app, host=settings.host, port=settings.port, **options)


def settled(app: FastAPI) -> FastAPI:
    """What was imported and built until now lives as long as the process: moved out of the
    garbage collector's sight (`gc.freeze`), so that a full collection no longer walks the
    600,000 objects of the imported modules. Such a collection cost 450 ms of CPU and was the
    p95 of requests that allocate much, e.g. a catalogue page (docs/performance.md)."""
    gc.collect()
    gc.freeze()
    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process (settings from the environment, as the parent's)."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return settled(create_app(settings))
