"""The channel's periodic jobs, each once across instances (core.jobs)."""

from __future__ import annotations

from smartcity.channel import federation
from smartcity.core.jobs import PeriodicJob
from smartcity.core.modules import RetentionJob
from smartcity.core.platform import Platform


def _publish(platform: Platform) -> None:
    federation.announce_due(platform)


def _deliver(platform: Platform) -> None:
    federation.deliver_due(platform)


# Scheduled posts go out within a minute of their time.
PUBLISH = PeriodicJob("channel.publish", 30, _publish, at_start=True)
# The queue: due deliveries to servers not in back-off (a restart picks up where it stopped).
DELIVER = PeriodicJob("channel.deliver", 10, _deliver, at_start=True)
# Done deliveries a week old (an Accept names its follower), counted for the officer's dry run.
DELIVERY_RETENTION = RetentionJob("channel.deliver", federation.count_done, federation.forget_done)
