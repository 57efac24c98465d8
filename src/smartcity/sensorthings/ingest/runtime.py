"""The ingestion path's per-process objects: caches, store and pipeline."""

from __future__ import annotations

import fcntl
from typing import IO, TYPE_CHECKING

from fastapi import FastAPI

from smartcity.core.identity.key_cache import ApiKeyCache
from smartcity.core.mqtt import BrokerPolicy, ExternalBroker
from smartcity.core.platform import Platform
from smartcity.sensorthings.created import EntitiesCreated, announce
from smartcity.sensorthings.ingest.pipeline import IngestPipeline
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import TargetCache

if TYPE_CHECKING:
    from smartcity.sensorthings.mqtt.bridge import MqttBridge


class IngestRuntime:
    def __init__(self, platform: Platform, app: FastAPI | None = None) -> None:
        settings = platform.settings
        self.platform = platform
        self.app = app
        self.bridge: MqttBridge | None = None
        self._slot: IO[str] | None = None
        self.targets = TargetCache(platform.sessions, settings.ingest_cache_seconds)
        self.keys = ApiKeyCache(platform.sessions, settings.ingest_cache_seconds)
        self.store = ObservationStore(platform.engine)
        self.pipeline = IngestPipeline(
            self.store,
            self.targets,
            max_batch=settings.ingest_max_batch,
            max_pending=settings.ingest_max_pending,
        )
        platform.bus.subscribe(EntitiesCreated, lambda event: announce(self, event))

    def forget(self) -> None:
        """Entities changed through this process: reload what is cached."""
        self.targets.clear()

    async def start(self) -> None:
        await self.pipeline.start()
        broker = getattr(self.app.state, "broker", None) if self.app is not None else None
        if broker is not None:
            from smartcity.sensorthings.mqtt.bridge import MqttBridge

            external = isinstance(broker, ExternalBroker)
            self.bridge = MqttBridge(
                self,
                broker.endpoint,
                consume=external,
                client_id=self._client_id() if external else "",
                wanted=broker.has_subscribers,
            )
            await self.bridge.start()

    async def stop(self) -> None:
        if self.bridge is not None:
            await self.bridge.stop()
            self.bridge = None
        await self.pipeline.stop()
        if self._slot is not None:
            self._slot.close()
            self._slot = None

    def readiness(self) -> dict[str, tuple[bool, str]]:
        # The broker may answer while this process's own session is still reconnecting
        # (after a broker restart, paho waits out its back-off): not ready until it is back.
        if self.bridge is None or not self.bridge.consume:
            return {}
        if self.bridge.connected:
            return {"ingestion": (True, "subscribed")}
        return {"ingestion": (False, "reconnecting to the broker")}

    def _client_id(self) -> str:
        """A client id that the same instance uses again after a restart, so that its broker
        session (and any message it had not acknowledged) is picked up again. Worker
        processes of one instance take numbered slots, held by a file lock until they exit."""
        settings = self.platform.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        for slot in range(64):
            handle = (settings.data_dir / f"mqtt-slot-{slot}.lock").open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            self._slot = handle
            return f"smartcity-{settings.instance_name}-{slot}"
        raise RuntimeError("more than 64 worker processes share this data directory")


def attach(app: FastAPI, platform: Platform) -> IngestRuntime:
    runtime = IngestRuntime(platform, app)
    app.state.ingest = runtime
    return runtime


def broker_policy(app: FastAPI, platform: Platform) -> BrokerPolicy:
    from smartcity.sensorthings.mqtt.policy import SensorThingsBrokerPolicy

    runtime: IngestRuntime = app.state.ingest
    return SensorThingsBrokerPolicy(runtime)
