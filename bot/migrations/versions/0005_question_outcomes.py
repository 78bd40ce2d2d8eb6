"""The question log tells "declined with an answer" from "did not know", and inline queries
from questions asked in a chat.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Rows logged before this revision carry no decline reason: one that used an entry (an
# "answered: false" FAQ entry, such as "not in the syllabus") declined with an answer, one
# that used none was the fallback. The same rule as storage.questions.outcome_of.
_OUTCOME = sa.text(
    "UPDATE questionlog SET outcome = CASE WHEN answered THEN 'answered' "
    "WHEN used <> '' THEN 'declined' ELSE 'unknown' END"
)
# The topic /stats counts a row under, as storage.questions.topic_of gives it.
_TOPIC = sa.text(
    "UPDATE questionlog SET topic = CASE "
    "WHEN outcome = 'unknown' THEN 'unanswered' "
    "WHEN used = '' AND outcome = 'answered' THEN 'computed/other' "
    "WHEN used = '' THEN 'declined' "
    "ELSE topic END"
)
_FIRST_ENTRY = {
    "sqlite": "substr(used, 1, instr(used || ',', ',') - 1)",
    "postgresql": "split_part(used, ',', 1)",
}


def upgrade() -> None:
    """Add outcome, reason and via; work out the outcome and topic of the rows logged so far."""
    with op.batch_alter_table("questionlog") as batch:
        batch.add_column(
            sa.Column("outcome", sa.String(), nullable=False, server_default="unknown")
        )
        batch.add_column(sa.Column("reason", sa.String(), nullable=True))
        batch.add_column(sa.Column("via", sa.String(), nullable=False, server_default="chat"))
        batch.create_index("ix_questionlog_outcome", ["outcome"])
    bind = op.get_bind()
    bind.execute(_OUTCOME)
    first = _FIRST_ENTRY.get(bind.dialect.name)
    if first is not None:
        # Older rows were labelled "unanswered" whenever the entries were empty, or by their
        # first entry even when not answered: label them as new rows are.
        bind.execute(sa.text(f"UPDATE questionlog SET topic = {first} WHERE used <> ''"))
    bind.execute(_TOPIC)


def downgrade() -> None:
    """Drop outcome, reason and via (the topics stay as relabelled)."""
    with op.batch_alter_table("questionlog") as batch:
        batch.drop_index("ix_questionlog_outcome")
        batch.drop_column("via")
        batch.drop_column("reason")
        batch.drop_column("outcome")
