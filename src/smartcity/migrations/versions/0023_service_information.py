"""What a citizen needs before starting a service, and where a service is started: the
documents to have ready and the legal basis (per template), the office's address and hours
(per adoption), and the portal page of services that have their own (the Mängelmelder) or
that citizens do not start at all (faults the platform files itself).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("service_template", sa.Column("start_page", sa.String(200), nullable=True))
    op.add_column("service_template", sa.Column("documents", sa.JSON(), nullable=True))
    op.add_column("service_template", sa.Column("legal_basis", sa.JSON(), nullable=True))
    op.add_column("service_adoption", sa.Column("office_address", sa.Text(), nullable=True))
    op.add_column("service_adoption", sa.Column("office_hours", sa.Text(), nullable=True))
    # The two services the platform files itself existed before their start page did.
    template = sa.table("service_template", sa.column("key"), sa.column("start_page"))
    op.execute(
        template.update()
        .where(template.c.key == "maengelmelder")
        .values(start_page="maengel/melden")
    )
    op.execute(
        template.update()
        .where(template.c.key == "strassenbeleuchtung-stoerung")
        .values(start_page="")
    )


def downgrade() -> None:
    with op.batch_alter_table("service_adoption") as batch:
        batch.drop_column("office_hours")
        batch.drop_column("office_address")
    with op.batch_alter_table("service_template") as batch:
        batch.drop_column("legal_basis")
        batch.drop_column("documents")
        batch.drop_column("start_page")
