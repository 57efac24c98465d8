"""The id of a follower's Follow activity: an `Undo` may name the Follow by its id alone
(bovine does; Mastodon embeds the Follow), so the inbox must know which id it had. Nullable:
followers from before keep working with an embedded Follow (expand only)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "channel0002"
down_revision = "channel0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("channel_follower", sa.Column("follow_id", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_follower") as batch:
        batch.drop_column("follow_id")
