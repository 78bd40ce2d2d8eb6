"""The schema as the bot created it before migrations: users, question log, subscriptions,
deliveries, event times and channel problems.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _moment() -> sa.DateTime:
    # SQLModel's UTCDateTime: TIMESTAMP WITH TIME ZONE on PostgreSQL, DATETIME on SQLite.
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("first_seen", _moment(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "questionlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("lang", sa.String(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("used", sa.String(), nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("asked_at", _moment(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_questionlog_user_id", "questionlog", ["user_id"])
    op.create_index("ix_questionlog_topic", "questionlog", ["topic"])
    op.create_table(
        "subscription",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("interest", sa.String(), nullable=False),
        sa.Column("subscribed_at", _moment(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("due_at", _moment(), nullable=False),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("at", _moment(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "due_at", "recipient"),
    )
    op.create_index("ix_delivery_key", "delivery", ["key"])
    op.create_table(
        "eventtime",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("at", _moment(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "channelproblem",
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("since", _moment(), nullable=False),
        sa.PrimaryKeyConstraint("channel"),
    )


def downgrade() -> None:
    """Drop the tables."""
    for table in ("channelproblem", "eventtime", "delivery", "subscription", "questionlog"):
        op.drop_table(table)
    op.drop_table("user")
