"""The module's per-process machinery, composed: the ingestion path's caches, store and
pipeline, and with a broker the MQTT notifier (every process) and consumer (an external
broker). Each piece is handed only what it uses; none of them knows this runtime."""

from __future__ import annotations

import asyncio
import fcntl
import logging
from typing import IO

from fastapi import FastAPI

from smartcity.core.identity.key_cache import ApiKeyCache
from smartcity.core.identity.key_events import ApiKeyRevoked
from smartcity.core.identity.tokens import digest
from smartcity.core.mqtt import BrokerPolicy, EmbeddedBroker, ExternalBroker
from smartcity.core.platform import Platform
from smartcity.sensorthings.created import EntitiesCreated
from smartcity.sensorthings.ingest.pipeline import IngestPipeline
from smartcity.sensorthings.ingest.store import ObservationStore
from smartcity.sensorthings.ingest.targets import TargetCache
from smartcity.sensorthings.mqtt.consumer import MqttConsumer
from smartcity.sensorthings.mqtt.messages import BadMessage
from smartcity.sensorthings.mqtt.notifier import MqttNotifier, announce
from smartcity.sensorthings.mqtt.policy import SensorThingsBrokerPolicy
from smartcity.sensorthings.mqtt.sessions import MAX_SLOTS, consumer_client_id, slot_lock_path

log = logging.getLogger(__name__)
UNNAMED_INSTANCE = (
    "SMARTCITY_INSTANCE_NAME is not set: this instance's sessions at the external MQTT broker "
    "are named after the host name ({host}), which changes with every new container; the "
    "sessions of earlier names stay in the share group and hold back their share of device "
    "messages until they expire. Set SMARTCITY_INSTANCE_NAME to a stable name (docs/mqtt.md)."
)


class SensorThingsRuntime:
    def __init__(self, platform: Platform, app: FastAPI | None = None) -> None:
        settings = platform.settings
        self.platform = platform
        self.app = app
        # Both only while a broker is there: the notifier with any broker, the consumer
        # with an external one (the embedded broker hands messages to the broker policy).
        self.notifier: MqttNotifier | None = None
        self.consumer: MqttConsumer | None = None
        self._slot: IO[str] | None = None
        # Named after the host only because nothing else was set (an external broker's
        # sessions then pile up where host names change): said in the log and in /readyz.
        self.unnamed_instance = False
        self.targets = TargetCache(platform.sessions, settings.ingest_cache_seconds)
        self.keys = ApiKeyCache(platform.sessions, settings.ingest_cache_seconds)
        self.store = ObservationStore(platform.engine)
        self.pipeline = IngestPipeline(
            self.store,
            self.targets,
            max_batch=settings.ingest_max_batch,
            max_pending=settings.ingest_max_pending,
        )
        platform.bus.subscribe(EntitiesCreated, self._announce)
        platform.bus.subscribe(ApiKeyRevoked, self._key_revoked)
        self._loop: asyncio.AbstractEventLoop | None = None

    def forget(self) -> None:
        """Entities changed through this process: reload what is cached."""
        self.targets.clear()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.pipeline.start()
        broker = getattr(self.app.state, "broker", None) if self.app is not None else None
        if broker is None:
            return
        settings = self.platform.settings
        external = isinstance(broker, ExternalBroker)
        client_id = self._client_id() if external else ""
        if external and "instance_name" not in settings.model_fields_set:
            self.unnamed_instance = True
            if client_id == consumer_client_id(settings.instance_name, 0):
                # Once per instance: its first worker process.
                log.warning(UNNAMED_INSTANCE.format(host=settings.instance_name))
        notifier = MqttNotifier(
            broker.endpoint,
            client_id=client_id,
            public_url=settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}",
            observation_topics=frozenset(
                part.strip() for part in settings.mqtt_observation_topics.split(",") if part.strip()
            ),
            wanted=broker.has_subscribers,
        )
        self.notifier = notifier
        self.pipeline.listeners.append(notifier.observations_stored)
        self.pipeline.throttles.append(notifier.notifications_caught_up)
        starting = [notifier.start()]
        if external:
            self.consumer = MqttConsumer(
                broker.endpoint,
                client_id=client_id,
                share_group=settings.mqtt_share_group,
                session_expiry=settings.mqtt_session_expiry,
                targets=self.targets,
                sessions=self.platform.sessions,
                submit=self.pipeline.submit,
                report=notifier.report,
            )
            starting.append(self.consumer.start())
        # Both connections at once; a broker that is down holds up neither for long.
        await asyncio.gather(*starting)

    async def stop(self) -> None:
        notifier, consumer = self.notifier, self.consumer
        if notifier is not None:
            if notifier.observations_stored in self.pipeline.listeners:
                self.pipeline.listeners.remove(notifier.observations_stored)
            if notifier.notifications_caught_up in self.pipeline.throttles:
                self.pipeline.throttles.remove(notifier.notifications_caught_up)
        if consumer is not None:
            await consumer.settle()
        if notifier is not None:
            await notifier.stop()
            self.notifier = None
        if consumer is not None:
            await consumer.stop()
            self.consumer = None
        await self.pipeline.stop()
        if self._slot is not None:
            self._slot.close()
            self._slot = None

    def readiness(self) -> dict[str, tuple[bool, str]]:
        # The broker may answer while this process's own session is still reconnecting
        # (after a broker restart, paho waits out its back-off): not ready until it is back.
        if self.consumer is None:
            return {}
        checks = {"ingestion": (True, "subscribed")}
        if not self.consumer.connected:
            checks["ingestion"] = (False, "reconnecting to the broker")
        if self.unnamed_instance:
            # A warning, not a reason to take the instance out of service.
            host = self.platform.settings.instance_name
            checks["instance_name"] = (True, "warning: " + UNNAMED_INSTANCE.format(host=host))
        return checks

    def report(self, topic: str, bad: BadMessage, slug: str | None) -> None:
        if self.notifier is not None:
            self.notifier.report(topic, bad, slug)

    def selection_subscribed(self, topic: str) -> None:
        if self.notifier is not None:
            self.notifier.selection_subscribed(topic)

    def _key_revoked(self, event: ApiKeyRevoked) -> None:
        """Revoked through this process (after the commit, in the committing thread): the
        key stops working here at once, and its MQTT connections are closed."""
        self.keys.forget(event.key_hash)
        self._disconnect(event.key_hash)

    def connection_revoked(self, password: str) -> None:
        """The broker policy met a key that is no longer valid (revoked elsewhere)."""
        self._disconnect(digest(password))

    def _disconnect(self, key_hash: str) -> None:
        broker = getattr(self.app.state, "broker", None) if self.app is not None else None
        loop = self._loop
        if not isinstance(broker, EmbeddedBroker) or loop is None or loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(broker.disconnect_key(key_hash), loop)

    def _announce(self, event: EntitiesCreated) -> None:
        if self.notifier is not None:
            settings = self.platform.settings
            announce(self.notifier, self.platform.sessions, settings.effective_public_url, event)

    def _client_id(self) -> str:
        """A client id that the same instance uses again after a restart, so that its broker
        session (and any message it had not acknowledged) is picked up again. Worker
        processes of one instance take numbered slots, held by a file lock until they exit."""
        settings = self.platform.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        for slot in range(MAX_SLOTS):
            handle = slot_lock_path(settings.data_dir, slot).open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            self._slot = handle
            return consumer_client_id(settings.instance_name, slot)
        raise RuntimeError(f"more than {MAX_SLOTS} worker processes share this data directory")


def attach(app: FastAPI, platform: Platform) -> SensorThingsRuntime:
    runtime = SensorThingsRuntime(platform, app)
    app.state.ingest = runtime
    return runtime


def broker_policy(app: FastAPI, platform: Platform) -> BrokerPolicy:
    runtime: SensorThingsRuntime = app.state.ingest
    return SensorThingsBrokerPolicy(
        keys=runtime.keys,
        targets=runtime.targets,
        submit=runtime.pipeline.submit,
        report=runtime.report,
        subscribed=runtime.selection_subscribed,
        revoked=runtime.connection_revoked,
    )
