"""facts.kept: the observations a later run compares with, marked as each save goes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows stored before are all marked: reading them all is what runs did until now,
    # and the first save that adds to a key unmarks those its comparisons no longer need.
    # A plain ADD COLUMN with a constant default, on SQLite too: batch mode would copy
    # the whole table.
    op.add_column(
        "facts", sa.Column("kept", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.create_index("ix_facts_topic_key_kept", "facts", ["topic", "key", "kept"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_facts_topic_key_kept", table_name="facts")
    with op.batch_alter_table("facts") as batch_op:  # SQLite drops a column by a copy
        batch_op.drop_column("kept")
