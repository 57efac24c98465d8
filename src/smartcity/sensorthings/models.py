"""Tables of the SensorThings data model. Ids are unique across the instance (one sequence per
entity type), so an MQTT topic such as `v1.1/Datastreams(7)/Observations` names one datastream
without naming the municipality."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from smartcity.core.db import Base, UTCDateTime
from smartcity.core.tenancy.models import TenantOwned

thing_location = Table(
    "sta_thing_location",
    Base.metadata,
    Column("thing_id", ForeignKey("sta_thing.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("sta_location.id", ondelete="CASCADE"), primary_key=True),
)

historical_location_location = Table(
    "sta_historical_location_location",
    Base.metadata,
    Column(
        "historical_location_id",
        ForeignKey("sta_historical_location.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("location_id", ForeignKey("sta_location.id", ondelete="CASCADE"), primary_key=True),
)


class Thing(TenantOwned, Base):
    __tablename__ = "sta_thing"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    locations: Mapped[list[Location]] = relationship(
        secondary=thing_location, back_populates="things"
    )
    historical_locations: Mapped[list[HistoricalLocation]] = relationship(
        back_populates="thing", cascade="all, delete-orphan", passive_deletes=True
    )
    datastreams: Mapped[list[Datastream]] = relationship(
        back_populates="thing", cascade="all, delete-orphan", passive_deletes=True
    )
    tasking_capabilities: Mapped[list[TaskingCapability]] = relationship(
        back_populates="thing", cascade="all, delete-orphan", passive_deletes=True
    )
    multi_datastreams: Mapped[list[MultiDatastream]] = relationship(
        back_populates="thing", cascade="all, delete-orphan", passive_deletes=True
    )


class Location(TenantOwned, Base):
    __tablename__ = "sta_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    encoding_type: Mapped[str] = mapped_column(String(100))
    location: Mapped[dict[str, Any]] = mapped_column(JSON)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    things: Mapped[list[Thing]] = relationship(secondary=thing_location, back_populates="locations")
    historical_locations: Mapped[list[HistoricalLocation]] = relationship(
        secondary=historical_location_location, back_populates="locations"
    )


class HistoricalLocation(TenantOwned, Base):
    __tablename__ = "sta_historical_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    thing_id: Mapped[int] = mapped_column(
        ForeignKey("sta_thing.id", ondelete="CASCADE"), index=True
    )

    thing: Mapped[Thing] = relationship(back_populates="historical_locations")
    locations: Mapped[list[Location]] = relationship(
        secondary=historical_location_location, back_populates="historical_locations"
    )


class Sensor(TenantOwned, Base):
    __tablename__ = "sta_sensor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    encoding_type: Mapped[str] = mapped_column(String(100))
    sensor_metadata: Mapped[Any] = mapped_column("metadata", JSON)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    datastreams: Mapped[list[Datastream]] = relationship(
        back_populates="sensor", cascade="all, delete-orphan", passive_deletes=True
    )
    multi_datastreams: Mapped[list[MultiDatastream]] = relationship(
        back_populates="sensor", cascade="all, delete-orphan", passive_deletes=True
    )


class ObservedProperty(TenantOwned, Base):
    __tablename__ = "sta_observed_property"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    definition: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    datastreams: Mapped[list[Datastream]] = relationship(
        back_populates="observed_property", cascade="all, delete-orphan", passive_deletes=True
    )
    multi_datastreams: Mapped[list[MultiDatastream]] = relationship(
        secondary="sta_multi_datastream_observed_property", back_populates="observed_properties"
    )


class StreamColumns:
    """What Datastreams and MultiDatastreams share (OGC 18-088, 8.2.4 and 8.2.9)."""

    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    observation_type: Mapped[str] = mapped_column(String(200))
    observed_area: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    phenomenon_time_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    phenomenon_time_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result_time_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result_time_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    @declared_attr
    def thing_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(ForeignKey("sta_thing.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def sensor_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(ForeignKey("sta_sensor.id", ondelete="CASCADE"), index=True)


class Datastream(StreamColumns, TenantOwned, Base):
    __tablename__ = "sta_datastream"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_of_measurement: Mapped[dict[str, Any]] = mapped_column(JSON)
    observed_property_id: Mapped[int] = mapped_column(
        ForeignKey("sta_observed_property.id", ondelete="CASCADE"), index=True
    )

    thing: Mapped[Thing] = relationship(back_populates="datastreams")
    sensor: Mapped[Sensor] = relationship(back_populates="datastreams")
    observed_property: Mapped[ObservedProperty] = relationship(back_populates="datastreams")
    observations: Mapped[list[Observation]] = relationship(
        back_populates="datastream", cascade="all, delete-orphan", passive_deletes=True
    )


multi_datastream_observed_property = Table(
    "sta_multi_datastream_observed_property",
    Base.metadata,
    Column(
        "multi_datastream_id",
        ForeignKey("sta_multi_datastream.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "observed_property_id",
        ForeignKey("sta_observed_property.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # The order of the ObservedProperties is the order of the result array's members.
    Column("position", Integer, nullable=False, default=0),
)


class MultiDatastream(StreamColumns, TenantOwned, Base):
    """Observations of several ObservedProperties at once; their result is an array."""

    __tablename__ = "sta_multi_datastream"

    id: Mapped[int] = mapped_column(primary_key=True)
    multi_observation_data_types: Mapped[list[str]] = mapped_column(JSON)
    unit_of_measurements: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    thing: Mapped[Thing] = relationship(back_populates="multi_datastreams")
    sensor: Mapped[Sensor] = relationship(back_populates="multi_datastreams")
    observed_properties: Mapped[list[ObservedProperty]] = relationship(
        secondary=multi_datastream_observed_property,
        back_populates="multi_datastreams",
        order_by=multi_datastream_observed_property.c.position,
    )
    observations: Mapped[list[Observation]] = relationship(
        back_populates="multi_datastream", cascade="all, delete-orphan", passive_deletes=True
    )


class FeatureOfInterest(TenantOwned, Base):
    __tablename__ = "sta_feature_of_interest"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    encoding_type: Mapped[str] = mapped_column(String(100))
    feature: Mapped[dict[str, Any]] = mapped_column(JSON)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The Location this feature was generated from (reused for the next observation).
    source_location_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_location.id", ondelete="SET NULL"), nullable=True, index=True
    )

    source_location: Mapped[Location | None] = relationship()
    observations: Mapped[list[Observation]] = relationship(
        back_populates="feature_of_interest", cascade="all, delete-orphan", passive_deletes=True
    )


class Observation(TenantOwned, Base):
    """`result` may be any JSON value; numbers, strings and booleans are also kept in typed
    columns so that `$filter=result gt 20` compares numbers, not text."""

    __tablename__ = "sta_observation"
    # No index of its own on municipality_id: every access goes through a Datastream, and
    # SQLite's planner would otherwise pick the (unselective) tenant index over the
    # (datastream_id, phenomenon_time_start) one. No foreign key either: the value is copied
    # from the Datastream, which has one, and a second per-row check slowed bulk writes by a
    # quarter (migration 0008). The foreign keys below hold on SQLite; PostgreSQL checks them
    # with triggers, once per statement instead of once per row, and deletes Observations with
    # their parents the same way (migration 0019).
    municipality_id: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        Index("ix_sta_observation_datastream_time", "datastream_id", "phenomenon_time_start"),
        CheckConstraint(
            "(datastream_id IS NULL) <> (multi_datastream_id IS NULL)", name="one_datastream"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phenomenon_time_start: Mapped[datetime] = mapped_column(UTCDateTime)
    phenomenon_time_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result_json: Mapped[Any] = mapped_column(JSON, nullable=True)
    result_number: Mapped[float | None] = mapped_column(Float, nullable=True)
    result_string: Mapped[str | None] = mapped_column(Text, nullable=True)
    result_boolean: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    result_quality: Mapped[Any] = mapped_column(JSON, nullable=True)
    valid_time_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    valid_time_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    datastream_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="CASCADE"), nullable=True
    )
    multi_datastream_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_multi_datastream.id", ondelete="CASCADE"), nullable=True, index=True
    )
    feature_of_interest_id: Mapped[int] = mapped_column(
        ForeignKey("sta_feature_of_interest.id", ondelete="CASCADE"), index=True
    )

    datastream: Mapped[Datastream | None] = relationship(back_populates="observations")
    multi_datastream: Mapped[MultiDatastream | None] = relationship(back_populates="observations")
    feature_of_interest: Mapped[FeatureOfInterest] = relationship(back_populates="observations")


class Rollup(TenantOwned, Base):
    """Hourly and daily count/sum/min/max of a Datastream's numeric results, kept current by
    every write path, so that aggregation over long periods reads a few rows per day."""

    __tablename__ = "sta_rollup"
    # As for observations: the primary key is the access path, not the tenant column; and as
    # for them, PostgreSQL keeps the foreign keys with triggers (migration 0019).
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="RESTRICT"))

    datastream_id: Mapped[int] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="CASCADE"), primary_key=True
    )
    granularity: Mapped[str] = mapped_column(String(8), primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    minimum: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)


class Actuator(TenantOwned, Base):
    """Something that can act on a Thing, e.g. a lamp's dimmer (OGC 17-079, Tasking)."""

    __tablename__ = "sta_actuator"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    encoding_type: Mapped[str] = mapped_column(String(100))
    actuator_metadata: Mapped[Any] = mapped_column("metadata", JSON)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    tasking_capabilities: Mapped[list[TaskingCapability]] = relationship(
        back_populates="actuator", cascade="all, delete-orphan", passive_deletes=True
    )


class TaskingCapability(TenantOwned, Base):
    __tablename__ = "sta_tasking_capability"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    tasking_parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    thing_id: Mapped[int] = mapped_column(
        ForeignKey("sta_thing.id", ondelete="CASCADE"), index=True
    )
    actuator_id: Mapped[int] = mapped_column(
        ForeignKey("sta_actuator.id", ondelete="CASCADE"), index=True
    )

    thing: Mapped[Thing] = relationship(back_populates="tasking_capabilities")
    actuator: Mapped[Actuator] = relationship(back_populates="tasking_capabilities")
    tasks: Mapped[list[Task]] = relationship(
        back_populates="tasking_capability", cascade="all, delete-orphan", passive_deletes=True
    )


class Task(TenantOwned, Base):
    __tablename__ = "sta_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    creation_time: Mapped[datetime] = mapped_column(UTCDateTime)
    tasking_parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    tasking_capability_id: Mapped[int] = mapped_column(
        ForeignKey("sta_tasking_capability.id", ondelete="CASCADE"), index=True
    )

    tasking_capability: Mapped[TaskingCapability] = relationship(back_populates="tasks")
