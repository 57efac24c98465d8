"""GTFS-Realtime for frequency-based trips and extra trips: a trip update keeps the run it
names (start_time) and, for an ADDED/NEW trip that is not in the timetable, its route and
headsign; the trip updates' poll state counts the extra trips it had to ignore and those it
kept (boards skip looking for extra trips when there are none), and an index finds the extra
trips by relationship. The realtime tables are replaced at every poll, so the server defaults
only matter for the moment of the upgrade (until the next poll, 30 s later, boards show no
extra trips)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "transit0002"
down_revision = "transit0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "transit_rt_trip",
        sa.Column("start_time", sa.String(length=8), nullable=False, server_default=""),
    )
    op.add_column(
        "transit_rt_trip",
        sa.Column("route_id", sa.String(length=255), nullable=False, server_default=""),
    )
    op.add_column(
        "transit_rt_trip",
        sa.Column("headsign", sa.String(length=255), nullable=False, server_default=""),
    )
    op.add_column(
        "transit_realtime",
        sa.Column("ignored_added", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "transit_realtime",
        sa.Column("extra_trips", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index(
        "ix_transit_rt_trip_relationship", "transit_rt_trip", ["municipality_id", "relationship"]
    )


def downgrade() -> None:
    op.drop_index("ix_transit_rt_trip_relationship", table_name="transit_rt_trip")
    with op.batch_alter_table("transit_realtime") as batch:
        batch.drop_column("extra_trips")
        batch.drop_column("ignored_added")
    with op.batch_alter_table("transit_rt_trip") as batch:
        batch.drop_column("headsign")
        batch.drop_column("route_id")
        batch.drop_column("start_time")
