"""Region-wide processes, areas as GeoJSON polygons, budgets per district and eligibility
rules for voters with the citizen login (what the login keeps for them, date of birth,
municipality key and postal code, is the platform's revision 0025).

Expand only: every new column is nullable or has a server default, so the previous release
keeps working beside this one."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "participation0003"
down_revision = "participation0002"
branch_labels = None
# The citizen login's facts its eligibility rules read (platform revision 0025).
depends_on = "0025"


def upgrade() -> None:
    op.add_column("participation_process", sa.Column("area_geojson", sa.JSON(), nullable=True))
    op.add_column("participation_process", sa.Column("min_age", sa.Integer(), nullable=True))
    op.add_column(
        "participation_process",
        sa.Column("residence", sa.String(12), nullable=False, server_default=""),
    )
    op.add_column(
        "participation_process",
        sa.Column("district_rule", sa.String(10), nullable=False, server_default="residence"),
    )
    op.create_table(
        "participation_district",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("area_geojson", sa.JSON(), nullable=True),
        sa.Column("postal_codes", sa.JSON(), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("tie_break", sa.String(length=20), nullable=False),
        sa.Column("min_share_percent", sa.Integer(), nullable=False),
        sa.Column("partial_funding", sa.Boolean(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_participation_district_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["participation_process.id"],
            name=op.f("fk_participation_district_process_id_participation_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_district")),
        sa.UniqueConstraint(
            "process_id", "name", name=op.f("uq_participation_district_process_id")
        ),
    )
    for column in ("municipality_id", "process_id"):
        op.create_index(
            op.f(f"ix_participation_district_{column}"), "participation_district", [column]
        )
    op.create_table(
        "participation_region_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["participation_process.id"],
            name=op.f("fk_participation_region_share_process_id_participation_process"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["municipality.id"],
            name=op.f("fk_participation_region_share_lead_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["municipality.id"],
            name=op.f("fk_participation_region_share_participant_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_region_share")),
        sa.UniqueConstraint(
            "process_id", "participant_id", name=op.f("uq_participation_region_share_process_id")
        ),
    )
    for column in ("process_id", "participant_id"):
        op.create_index(
            op.f(f"ix_participation_region_share_{column}"), "participation_region_share", [column]
        )
    with op.batch_alter_table("participation_proposal") as batch_op:
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_participation_proposal_district_id_participation_district"),
            "participation_district",
            ["district_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(op.f("ix_participation_proposal_district_id"), ["district_id"])
    with op.batch_alter_table("participation_ballot") as batch_op:
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_participation_ballot_district_id_participation_district"),
            "participation_district",
            ["district_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(op.f("ix_participation_ballot_district_id"), ["district_id"])


def downgrade() -> None:
    with op.batch_alter_table("participation_ballot") as batch_op:
        batch_op.drop_index(op.f("ix_participation_ballot_district_id"))
        batch_op.drop_constraint(
            op.f("fk_participation_ballot_district_id_participation_district"), type_="foreignkey"
        )
        batch_op.drop_column("district_id")
    with op.batch_alter_table("participation_proposal") as batch_op:
        batch_op.drop_index(op.f("ix_participation_proposal_district_id"))
        batch_op.drop_constraint(
            op.f("fk_participation_proposal_district_id_participation_district"),
            type_="foreignkey",
        )
        batch_op.drop_column("district_id")
    op.drop_table("participation_region_share")
    op.drop_table("participation_district")
    with op.batch_alter_table("participation_process") as batch_op:
        batch_op.drop_column("district_rule")
        batch_op.drop_column("residence")
        batch_op.drop_column("min_age")
        batch_op.drop_column("area_geojson")
