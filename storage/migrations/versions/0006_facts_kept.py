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
    with op.batch_alter_table("facts") as batch_op:
        batch_op.add_column(
            sa.Column("kept", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.create_index("ix_facts_topic_key_kept", ["topic", "key", "kept"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("facts") as batch_op:
        batch_op.drop_index("ix_facts_topic_key_kept")
        batch_op.drop_column("kept")
