"""The SensorThings entity types as data: their JSON properties, the model attributes behind
them and their navigation properties. Paths, queries, serialisation and writes all read this
table instead of knowing the entities one by one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from smartcity.sensorthings import models

FieldKind = Literal["text", "json", "geojson", "instant", "interval", "result", "any"]


@dataclass(frozen=True)
class Field:
    name: str
    attr: str
    kind: FieldKind = "text"
    required: bool = False
    # For intervals: the model attributes of start and end.
    end_attr: str | None = None
    nullable: bool = True


@dataclass(frozen=True)
class Nav:
    name: str
    target: str
    many: bool
    attr: str
    required: bool = False


@dataclass(frozen=True)
class EntityType:
    name: str
    plural: str
    model: type[Any]
    fields: tuple[Field, ...]
    navs: tuple[Nav, ...] = field(default=())

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def nav(self, name: str) -> Nav | None:
        return next((n for n in self.navs if n.name == name), None)


def _common(*extra: Field, description: bool = True, properties: bool = True) -> tuple[Field, ...]:
    fields = [Field("name", "name", required=True)]
    if description:
        fields.append(Field("description", "description"))
    fields.extend(extra)
    if properties:
        fields.append(Field("properties", "properties", "json"))
    return tuple(fields)


def _stream_fields(*kind_specific: Field) -> tuple[Field, ...]:
    """What Datastreams and MultiDatastreams have in common, around their own fields."""
    return _common(
        Field("observationType", "observation_type", required=True),
        *kind_specific,
        Field("observedArea", "observed_area", "geojson"),
        Field(
            "phenomenonTime", "phenomenon_time_start", "interval", end_attr="phenomenon_time_end"
        ),
        Field("resultTime", "result_time_start", "interval", end_attr="result_time_end"),
    )


ENTITY_TYPES: dict[str, EntityType] = {
    entity.name: entity
    for entity in [
        EntityType(
            "Thing",
            "Things",
            models.Thing,
            _common(),
            (
                Nav("Locations", "Location", True, "locations"),
                Nav("HistoricalLocations", "HistoricalLocation", True, "historical_locations"),
                Nav("Datastreams", "Datastream", True, "datastreams"),
                Nav("TaskingCapabilities", "TaskingCapability", True, "tasking_capabilities"),
                Nav("MultiDatastreams", "MultiDatastream", True, "multi_datastreams"),
            ),
        ),
        EntityType(
            "Location",
            "Locations",
            models.Location,
            _common(
                Field("encodingType", "encoding_type", required=True),
                Field("location", "location", "geojson", required=True),
            ),
            (
                Nav("Things", "Thing", True, "things"),
                Nav("HistoricalLocations", "HistoricalLocation", True, "historical_locations"),
            ),
        ),
        EntityType(
            "HistoricalLocation",
            "HistoricalLocations",
            models.HistoricalLocation,
            (Field("time", "time", "instant", required=True),),
            (
                Nav("Thing", "Thing", False, "thing", required=True),
                Nav("Locations", "Location", True, "locations"),
            ),
        ),
        EntityType(
            "Sensor",
            "Sensors",
            models.Sensor,
            _common(
                Field("encodingType", "encoding_type", required=True),
                Field("metadata", "sensor_metadata", "any", required=True),
            ),
            (
                Nav("Datastreams", "Datastream", True, "datastreams"),
                Nav("MultiDatastreams", "MultiDatastream", True, "multi_datastreams"),
            ),
        ),
        EntityType(
            "ObservedProperty",
            "ObservedProperties",
            models.ObservedProperty,
            _common(Field("definition", "definition", required=True)),
            (
                Nav("Datastreams", "Datastream", True, "datastreams"),
                Nav("MultiDatastreams", "MultiDatastream", True, "multi_datastreams"),
            ),
        ),
        EntityType(
            "Datastream",
            "Datastreams",
            models.Datastream,
            _stream_fields(
                Field("unitOfMeasurement", "unit_of_measurement", "json", required=True)
            ),
            (
                Nav("Thing", "Thing", False, "thing", required=True),
                Nav("Sensor", "Sensor", False, "sensor", required=True),
                Nav("ObservedProperty", "ObservedProperty", False, "observed_property", True),
                Nav("Observations", "Observation", True, "observations"),
            ),
        ),
        EntityType(
            "FeatureOfInterest",
            "FeaturesOfInterest",
            models.FeatureOfInterest,
            _common(
                Field("encodingType", "encoding_type", required=True),
                Field("feature", "feature", "geojson", required=True),
            ),
            (Nav("Observations", "Observation", True, "observations"),),
        ),
        EntityType(
            "Observation",
            "Observations",
            models.Observation,
            (
                Field(
                    "phenomenonTime",
                    "phenomenon_time_start",
                    "interval",
                    end_attr="phenomenon_time_end",
                    nullable=False,
                ),
                Field("resultTime", "result_time", "instant"),
                Field("result", "result_json", "result", required=True),
                Field("resultQuality", "result_quality", "any"),
                Field("validTime", "valid_time_start", "interval", end_attr="valid_time_end"),
                Field("parameters", "parameters", "json"),
            ),
            (
                # One of the two (checked when writing).
                Nav("Datastream", "Datastream", False, "datastream"),
                Nav("MultiDatastream", "MultiDatastream", False, "multi_datastream"),
                Nav("FeatureOfInterest", "FeatureOfInterest", False, "feature_of_interest"),
            ),
        ),
        EntityType(
            "MultiDatastream",
            "MultiDatastreams",
            models.MultiDatastream,
            _stream_fields(
                Field("multiObservationDataTypes", "multi_observation_data_types", "any", True),
                Field("unitOfMeasurements", "unit_of_measurements", "any", required=True),
            ),
            (
                Nav("Thing", "Thing", False, "thing", required=True),
                Nav("Sensor", "Sensor", False, "sensor", required=True),
                Nav("ObservedProperties", "ObservedProperty", True, "observed_properties"),
                Nav("Observations", "Observation", True, "observations"),
            ),
        ),
        EntityType(
            "TaskingCapability",
            "TaskingCapabilities",
            models.TaskingCapability,
            _common(Field("taskingParameters", "tasking_parameters", "json", required=True)),
            (
                Nav("Thing", "Thing", False, "thing", required=True),
                Nav("Actuator", "Actuator", False, "actuator", required=True),
                Nav("Tasks", "Task", True, "tasks"),
            ),
        ),
        EntityType(
            "Task",
            "Tasks",
            models.Task,
            (
                Field("creationTime", "creation_time", "instant", nullable=False),
                Field("taskingParameters", "tasking_parameters", "json", required=True),
            ),
            (Nav("TaskingCapability", "TaskingCapability", False, "tasking_capability", True),),
        ),
        EntityType(
            "Actuator",
            "Actuators",
            models.Actuator,
            _common(
                Field("encodingType", "encoding_type", required=True),
                Field("metadata", "actuator_metadata", "any", required=True),
            ),
            (Nav("TaskingCapabilities", "TaskingCapability", True, "tasking_capabilities"),),
        ),
    ]
}

BY_PLURAL: dict[str, EntityType] = {e.plural: e for e in ENTITY_TYPES.values()}
