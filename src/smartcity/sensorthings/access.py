"""Per-dataset access (what FROST users asked for in #111 and #1573).

A Thing or Datastream whose `properties.access` is `"restricted"` is visible only to staff
with a role that may read restricted data and to API keys with scope `sta:read`. Everything
hanging from it is restricted with it: a restricted Thing's Datastreams, Observations and
HistoricalLocations; a restricted Datastream's Observations; Locations and FeaturesOfInterest
that only restricted entities use. Sensors and ObservedProperties describe kinds of
measurement and stay public.

The conditions are added to every query for unprivileged readers: the main query, every
$expand, and inside every navigation path of $filter, so restricted entities can neither be
read nor probed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, true

from smartcity.sensorthings import models

RESTRICTED = "restricted"


def _open(model: Any) -> Any:
    return func.coalesce(model.properties["access"].as_string(), "") != RESTRICTED


def visible(entity_name: str) -> Any:
    """The condition under which an entity of this type may be shown to the public."""
    if entity_name == "Thing":
        return _open(models.Thing)
    if entity_name == "Datastream":
        return _open(models.Datastream) & models.Datastream.thing.has(_open(models.Thing))
    if entity_name == "MultiDatastream":
        return _open(models.MultiDatastream) & models.MultiDatastream.thing.has(_open(models.Thing))
    if entity_name == "Observation":
        return or_(
            models.Observation.datastream.has(visible("Datastream")),
            models.Observation.multi_datastream.has(visible("MultiDatastream")),
        )
    if entity_name == "HistoricalLocation":
        return models.HistoricalLocation.thing.has(_open(models.Thing))
    if entity_name == "Location":
        return or_(~models.Location.things.any(), models.Location.things.any(_open(models.Thing)))
    if entity_name == "TaskingCapability":
        return models.TaskingCapability.thing.has(_open(models.Thing))
    if entity_name == "Task":
        return models.Task.tasking_capability.has(
            models.TaskingCapability.thing.has(_open(models.Thing))
        )
    if entity_name == "FeatureOfInterest":
        return or_(
            ~models.FeatureOfInterest.observations.any(),
            models.FeatureOfInterest.observations.any(visible("Observation")),
        )
    return true()
