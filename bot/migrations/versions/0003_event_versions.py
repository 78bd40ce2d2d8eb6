"""Versions of the calendar feed's events (their SEQUENCE numbers).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the eventversion table, unless a database made before migrations has it."""
    if sa.inspect(op.get_bind()).has_table("eventversion"):
        return
    op.create_table(
        "eventversion",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    """Drop the eventversion table."""
    op.drop_table("eventversion")
