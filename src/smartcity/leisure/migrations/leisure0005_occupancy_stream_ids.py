"""The occupancy's SensorThings entities kept on the leisure rows — the facility's Thing
(`leisure_facility.thing_id`), each zone's Datastream and the FeatureOfInterest of its
Observations (`leisure_zone.datastream_id`, `feature_id`) — so that a scan writes its count
without looking them up, and an index on the tickets inside a zone for that count; and the
Idempotency-Key of a booking made through the API (`leisure_order.idempotency_key`, unique
per municipality). Filled for existing facilities from the properties they were provisioned
with (`leisure_facility`, `leisure_zone`); a facility without them is provisioned by the job
`leisure.holds`."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "leisure0005"
down_revision = "leisure0004"
branch_labels = None
depends_on = None


def _properties(value: Any) -> dict[str, Any]:
    """A JSON column as read by either database (PostgreSQL: decoded; SQLite: text)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def upgrade() -> None:
    with op.batch_alter_table("leisure_facility") as batch:
        batch.add_column(sa.Column("thing_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_leisure_facility_thing_id_sta_thing"),
            "sta_thing",
            ["thing_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("leisure_zone") as batch:
        batch.add_column(sa.Column("datastream_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("feature_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_leisure_zone_datastream_id_sta_datastream"),
            "sta_datastream",
            ["datastream_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_leisure_zone_feature_id_sta_feature_of_interest"),
            "sta_feature_of_interest",
            ["feature_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("leisure_order") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=100), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_leisure_order_municipality_id"), ["municipality_id", "idempotency_key"]
        )
    inside = sa.text("checked_in_at IS NOT NULL AND checked_out_at IS NULL")
    op.create_index(
        "ix_leisure_ticket_inside",
        "leisure_ticket",
        ["zone_id", "checked_in_at"],
        postgresql_where=inside,
        sqlite_where=inside,
    )
    bind = op.get_bind()
    # Matched in Python: a Thing's properties are anyone's JSON, and a cast in SQL would fail
    # on a stranger's value. A Thing belongs to a facility of its own municipality only.
    things = bind.execute(
        sa.text("SELECT id, municipality_id, properties FROM sta_thing ORDER BY id")
    ).all()
    facilities = {
        (row.municipality_id, row.id)
        for row in bind.execute(sa.text("SELECT id, municipality_id FROM leisure_facility"))
    }
    owner: dict[int, int] = {}
    for thing in things:
        props = _properties(thing.properties)
        facility = props.get("leisure_facility")
        if props.get("kind") != "leisure-facility" or not isinstance(facility, int):
            continue
        if (thing.municipality_id, facility) in facilities and facility not in owner.values():
            owner[thing.id] = facility
    for thing_id, facility_id in owner.items():
        bind.execute(
            sa.text("UPDATE leisure_facility SET thing_id = :thing WHERE id = :facility"),
            {"thing": thing_id, "facility": facility_id},
        )
        zones = {
            row.id
            for row in bind.execute(
                sa.text("SELECT id FROM leisure_zone WHERE facility_id = :facility"),
                {"facility": facility_id},
            )
        }
        streams = bind.execute(
            sa.text(
                "SELECT id, properties FROM sta_datastream WHERE thing_id = :thing ORDER BY id"
            ),
            {"thing": thing_id},
        ).all()
        done: set[int] = set()
        for stream in streams:
            zone = _properties(stream.properties).get("leisure_zone")
            if isinstance(zone, int) and zone in zones and zone not in done:
                done.add(zone)
                # The FeatureOfInterest its Observations carry (none yet: the first scan
                # finds it the slow way and keeps it).
                feature = bind.scalar(
                    sa.text(
                        "SELECT feature_of_interest_id FROM sta_observation "
                        "WHERE datastream_id = :stream ORDER BY id DESC LIMIT 1"
                    ),
                    {"stream": stream.id},
                )
                bind.execute(
                    sa.text(
                        "UPDATE leisure_zone SET datastream_id = :stream, feature_id = :feature "
                        "WHERE id = :zone"
                    ),
                    {"stream": stream.id, "feature": feature, "zone": zone},
                )


def downgrade() -> None:
    with op.batch_alter_table("leisure_order") as batch:
        batch.drop_constraint(op.f("uq_leisure_order_municipality_id"), type_="unique")
        batch.drop_column("idempotency_key")
    op.drop_index("ix_leisure_ticket_inside", table_name="leisure_ticket")
    with op.batch_alter_table("leisure_zone") as batch:
        batch.drop_constraint(
            op.f("fk_leisure_zone_feature_id_sta_feature_of_interest"), type_="foreignkey"
        )
        batch.drop_constraint(
            op.f("fk_leisure_zone_datastream_id_sta_datastream"), type_="foreignkey"
        )
        batch.drop_column("feature_id")
        batch.drop_column("datastream_id")
    with op.batch_alter_table("leisure_facility") as batch:
        batch.drop_constraint(op.f("fk_leisure_facility_thing_id_sta_thing"), type_="foreignkey")
        batch.drop_column("thing_id")
