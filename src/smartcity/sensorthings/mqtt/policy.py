"""What devices may do on the embedded broker. The API key a device connects with decides its
municipality: it may publish new Observations for that municipality's (Multi)Datastreams and
subscribe to that municipality's entities and entity sets. Its messages are taken by the
platform directly (never passed on raw: subscribers get the stored Observation)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from smartcity.core.identity.key_cache import ApiKeyCache, KeyGrant
from smartcity.sensorthings.ingest.pipeline import Submit
from smartcity.sensorthings.ingest.targets import CacheMiss, TargetCache
from smartcity.sensorthings.mqtt import topics
from smartcity.sensorthings.mqtt.messages import (
    BadMessage,
    Received,
    Report,
    is_notification,
    parse_message,
)

DEVICE_SCOPES = frozenset({"sta:read", "sta:write"})
log = logging.getLogger(__name__)


class SensorThingsBrokerPolicy:
    def __init__(
        self,
        *,
        keys: ApiKeyCache,
        targets: TargetCache,
        submit: Submit,
        report: Report,
        subscribed: Callable[[str], None],
        revoked: Callable[[str], None] = lambda _password: None,
    ) -> None:
        """`report`: why a message was refused (on its error topic); `subscribed`: a topic
        someone subscribed to (for `$select` projections); `revoked`: a connected device's
        key is no longer valid (its connection is to be closed)."""
        self.keys = keys
        self.targets = targets
        self.submit = submit
        self.report = report
        self.subscribed = subscribed
        self.revoked = revoked
        self._cached = targets.cached_only()

    def may_connect(self, client_id: str, username: str | None, password: str | None) -> bool:
        grant = self.keys.lookup(password or "")
        return grant is not None and bool(DEVICE_SCOPES & grant.scopes)

    async def _grant(self, password: str | None) -> KeyGrant | None:
        secret = password or ""
        return self.keys.cached(secret) or await asyncio.to_thread(self.keys.lookup, secret)

    async def may(self, password: str | None, topic: str, action: str) -> bool:
        if action not in ("subscribe", "receive"):
            # Publishing: what devices send is taken by `received`, never passed on raw.
            return False
        try:
            grant = await self._grant(password)
        except Exception:
            # The key could not be looked up (the database is away): nothing is passed on
            # meanwhile, but nobody is disconnected for it either.
            log.warning("API key look-up failed; MQTT %s refused", action, exc_info=True)
            return False
        if grant is None:
            # Revoked since it connected (or subscribed): it gets nothing more, and its
            # connection is closed (through this process at once, see runtime; through
            # another within SMARTCITY_INGEST_CACHE_SECONDS, when the cached key expires).
            if password:
                self.revoked(password)
            return False
        if action == "receive":
            return True  # the topic itself was checked when subscribing
        if topic == topics.error_topic(f"{grant.municipality_slug}/{topics.BULK}"):
            return True  # why the municipality's bulk messages were refused
        wanted = topics.subscription_topic(topic.removeprefix(topics.ERRORS_PREFIX))
        if wanted is None:
            return False
        if wanted.slug is not None:
            allowed = wanted.slug == grant.municipality_slug
        else:
            assert wanted.entity_id is not None
            owner = await asyncio.to_thread(
                self.targets.owner, wanted.entity.model, wanted.entity_id
            )
            allowed = owner == grant.municipality_id
        if allowed:
            self.subscribed(topic)
        return allowed

    async def received(self, client_id: str, password: str | None, topic: str, data: bytes) -> None:
        if is_notification(data):
            return
        grant = await self._grant(password)
        if grant is None and password:
            self.revoked(password)  # revoked since it connected: close the connection
        create = topics.create_topic(topic)
        try:
            if grant is None or "sta:write" not in grant.scopes:
                raise BadMessage("forbidden", "This key may not create Observations.")
            if create is None:
                raise BadMessage("topic", f"Observations are not created on {topic}.")
            received = await self._parse(create, data, grant.municipality_id)
        except BadMessage as bad:
            self.report(topic, bad, grant.municipality_slug if grant else None)
            return
        if received.refused is not None:
            self.report(topic, received.refused, grant.municipality_slug)
        await self.submit(received.observations, persistent=True)

    async def _parse(
        self, create: topics.CreateTopic, data: bytes, municipality_id: int
    ) -> Received:
        # As the consumer does: where every Datastream is cached, right here (no thread per
        # message); otherwise in a thread, as the event loop must not wait for the database.
        try:
            return parse_message(create, data, self._cached, municipality_id)
        except CacheMiss:
            return await asyncio.to_thread(
                parse_message, create, data, self.targets, municipality_id
            )
