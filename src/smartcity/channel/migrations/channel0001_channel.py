"""The city's channel: channels, posts with categories and images, followers, the delivery
queue and the delivery state per remote server."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "channel0001"
down_revision = None
branch_labels = ("channel",)
depends_on = "0021"


def upgrade() -> None:
    op.create_table(
        "channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("handle", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("main", sa.Boolean(), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("private_key_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_channel_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel")),
        sa.UniqueConstraint("handle", name=op.f("uq_channel_handle")),
        sa.UniqueConstraint("municipality_id", "slug", name=op.f("uq_channel_municipality_id")),
    )
    op.create_index(
        op.f("ix_channel_municipality_id"), "channel", ["municipality_id"], unique=False
    )
    op.create_table(
        "channel_remote_server",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.String(length=200), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_channel_remote_server_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_remote_server")),
        sa.UniqueConstraint(
            "municipality_id", "host", name=op.f("uq_channel_remote_server_municipality_id")
        ),
    )
    op.create_index(
        op.f("ix_channel_remote_server_municipality_id"),
        "channel_remote_server",
        ["municipality_id"],
        unique=False,
    )
    op.create_table(
        "channel_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("inbox", sa.String(length=500), nullable=False),
        sa.Column("server", sa.String(length=255), nullable=False),
        sa.Column("activity", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("abandoned", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_delivery_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_channel_delivery_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_delivery")),
    )
    op.create_index(
        "ix_channel_delivery_due",
        "channel_delivery",
        ["delivered_at", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_delivery_municipality_id"),
        "channel_delivery",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_delivery_server"), "channel_delivery", ["server"], unique=False
    )
    op.create_table(
        "channel_follower",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("actor_uri", sa.String(length=500), nullable=False),
        sa.Column("inbox", sa.String(length=500), nullable=False),
        sa.Column("delivery_inbox", sa.String(length=500), nullable=False),
        sa.Column("server", sa.String(length=255), nullable=False),
        sa.Column("key_id", sa.String(length=500), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_follower_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_channel_follower_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_follower")),
        sa.UniqueConstraint("channel_id", "actor_uri", name=op.f("uq_channel_follower_channel_id")),
    )
    op.create_index(
        op.f("ix_channel_follower_delivery_inbox"),
        "channel_follower",
        ["delivery_inbox"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_follower_municipality_id"),
        "channel_follower",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_follower_server"), "channel_follower", ["server"], unique=False
    )
    op.create_table(
        "channel_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("teaser", sa.String(length=500), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("federated_version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=True),
        sa.Column("urgency", sa.String(length=10), nullable=True),
        sa.Column("certainty", sa.String(length=10), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("area_polygon", sa.Text(), nullable=False),
        sa.Column("area_description", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=160), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_channel_post_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_post_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_channel_post_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_post")),
        sa.UniqueConstraint("uid", name=op.f("uq_channel_post_uid")),
    )
    op.create_index(
        "ix_channel_post_listing", "channel_post", ["municipality_id", "publish_at"], unique=False
    )
    op.create_index(
        op.f("ix_channel_post_municipality_id"), "channel_post", ["municipality_id"], unique=False
    )
    op.create_table(
        "channel_post_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_channel_post_category_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["channel_post.id"],
            name=op.f("fk_channel_post_category_post_id_channel_post"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_post_category")),
        sa.UniqueConstraint("post_id", "name", name=op.f("uq_channel_post_category_post_id")),
    )
    op.create_index(
        op.f("ix_channel_post_category_municipality_id"),
        "channel_post_category",
        ["municipality_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_channel_post_category_name"), "channel_post_category", ["name"], unique=False
    )
    op.create_table(
        "channel_post_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("alt", sa.String(length=500), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_file.id"],
            name=op.f("fk_channel_post_image_file_id_stored_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_channel_post_image_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["channel_post.id"],
            name=op.f("fk_channel_post_image_post_id_channel_post"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_post_image")),
    )
    op.create_index(
        op.f("ix_channel_post_image_municipality_id"),
        "channel_post_image",
        ["municipality_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("channel_post_image")
    op.drop_table("channel_post_category")
    op.drop_table("channel_post")
    op.drop_table("channel_follower")
    op.drop_table("channel_delivery")
    op.drop_table("channel_remote_server")
    op.drop_table("channel")
