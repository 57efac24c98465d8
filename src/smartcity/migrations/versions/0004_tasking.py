"""SensorThings Part 2 (Tasking): Actuators, TaskingCapabilities, Tasks.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "sta_actuator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.String(length=100), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_actuator_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_actuator")),
    )
    with op.batch_alter_table("sta_actuator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_actuator_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "sta_tasking_capability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tasking_parameters", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("thing_id", sa.Integer(), nullable=False),
        sa.Column("actuator_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actuator_id"],
            ["sta_actuator.id"],
            name=op.f("fk_sta_tasking_capability_actuator_id_sta_actuator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_tasking_capability_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["sta_thing.id"],
            name=op.f("fk_sta_tasking_capability_thing_id_sta_thing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_tasking_capability")),
    )
    with op.batch_alter_table("sta_tasking_capability", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_tasking_capability_actuator_id"), ["actuator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sta_tasking_capability_municipality_id"),
            ["municipality_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sta_tasking_capability_thing_id"), ["thing_id"], unique=False
        )

    op.create_table(
        "sta_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creation_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tasking_parameters", sa.JSON(), nullable=False),
        sa.Column("tasking_capability_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sta_task_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tasking_capability_id"],
            ["sta_tasking_capability.id"],
            name=op.f("fk_sta_task_tasking_capability_id_sta_tasking_capability"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sta_task")),
    )
    with op.batch_alter_table("sta_task", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sta_task_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sta_task_tasking_capability_id"), ["tasking_capability_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("sta_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_task_tasking_capability_id"))
        batch_op.drop_index(batch_op.f("ix_sta_task_municipality_id"))

    op.drop_table("sta_task")
    with op.batch_alter_table("sta_tasking_capability", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_tasking_capability_thing_id"))
        batch_op.drop_index(batch_op.f("ix_sta_tasking_capability_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_sta_tasking_capability_actuator_id"))

    op.drop_table("sta_tasking_capability")
    with op.batch_alter_table("sta_actuator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_actuator_municipality_id"))

    op.drop_table("sta_actuator")
