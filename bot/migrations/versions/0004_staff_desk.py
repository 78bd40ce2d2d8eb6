"""The staff desk: offered questions, cards in the staff chat, the students waiting on each
card, and the FAQ entries saved from the cards.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _moment() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the staffoffer, staffcard, cardask and savedfaq tables."""
    op.create_table(
        "staffoffer",
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("lang", sa.String(), nullable=False),
        sa.Column("guess", sa.String(), nullable=True),
        sa.Column("offered_at", _moment(), nullable=False),
        sa.Column("sent_at", _moment(), nullable=True),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index("ix_staffoffer_user_id", "staffoffer", ["user_id"])
    op.create_table(
        "staffcard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("open_key", sa.String(), nullable=True),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(), nullable=False),
        sa.Column("guess", sa.String(), nullable=True),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _moment(), nullable=False),
        sa.Column("closed_at", _moment(), nullable=True),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.Column("answer", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_key"),
    )
    op.create_index("ix_staffcard_message", "staffcard", ["chat_id", "message_id"])
    op.create_table(
        "cardask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("lang", sa.String(), nullable=False),
        sa.Column("asked_at", _moment(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["staffcard.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("card_id", "user_id"),
    )
    op.create_index("ix_cardask_card_id", "cardask", ["card_id"])
    op.create_index("ix_cardask_user_id", "cardask", ["user_id"])
    op.create_table(
        "savedfaq",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("lang", sa.String(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("saved_at", _moment(), nullable=False),
        sa.Column("saved_by", sa.String(), nullable=False),
        sa.Column("removed_at", _moment(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("card_id"),
    )


def downgrade() -> None:
    """Drop the staff desk's tables."""
    op.drop_table("savedfaq")
    op.drop_index("ix_cardask_user_id", table_name="cardask")
    op.drop_index("ix_cardask_card_id", table_name="cardask")
    op.drop_table("cardask")
    op.drop_index("ix_staffcard_message", table_name="staffcard")
    op.drop_table("staffcard")
    op.drop_index("ix_staffoffer_user_id", table_name="staffoffer")
    op.drop_table("staffoffer")
