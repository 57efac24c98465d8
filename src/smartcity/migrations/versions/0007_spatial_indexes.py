"""GiST indexes for SensorThings geometries on PostgreSQL with PostGIS.

Geometries are stored as GeoJSON; `smartcity_geometry(json)` turns one into a PostGIS
geometry (a Feature's geometry for Features, NULL for anything PostGIS cannot read) and is
IMMUTABLE, so it can be indexed. The $filter compiler calls the same function, which lets the
planner use these indexes for st_within, st_intersects and the other predicates.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

GEOMETRY_COLUMNS = [
    ("sta_location", "location"),
    ("sta_feature_of_interest", "feature"),
    ("sta_datastream", "observed_area"),
    ("sta_multi_datastream", "observed_area"),
]


def _postgis() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    return bool(
        bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first()
    )


def upgrade() -> None:
    if not _postgis():
        return
    op.execute(
        """
        CREATE FUNCTION smartcity_geometry(value json) RETURNS geometry
        LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
        BEGIN
            IF value IS NULL THEN
                RETURN NULL;
            END IF;
            IF value ->> 'type' = 'Feature' THEN
                value := value -> 'geometry';
            END IF;
            RETURN ST_GeomFromGeoJSON(value::text);
        EXCEPTION WHEN OTHERS THEN
            RETURN NULL;
        END
        $$
        """
    )
    for table, column in GEOMETRY_COLUMNS:
        op.execute(
            f"CREATE INDEX ix_{table}_{column}_geometry ON {table} "
            f"USING gist (smartcity_geometry({column}))"
        )


def downgrade() -> None:
    if not _postgis():
        return
    for table, column in GEOMETRY_COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_geometry")
    op.execute("DROP FUNCTION IF EXISTS smartcity_geometry(json)")
