"""changes.fact_id without a foreign key: a change may rest on a baseline fact

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# SQLite keeps foreign keys unnamed; batch mode names them by this convention so one
# can be dropped (alembic docs, "Dropping Unnamed or Named Foreign Key Constraints").
_CONVENTION = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("changes", naming_convention=_CONVENTION) as batch_op:
            batch_op.drop_constraint("fk_changes_fact_id_facts", type_="foreignkey")
            batch_op.alter_column("fact_id", type_=sa.String(length=40), existing_nullable=False)
    else:
        # PostgreSQL named it by its own default, <table>_<column>_fkey.
        op.drop_constraint("changes_fact_id_fkey", "changes", type_="foreignkey")
        op.alter_column("changes", "fact_id", type_=sa.String(length=40), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("changes", naming_convention=_CONVENTION) as batch_op:
            batch_op.create_foreign_key("fk_changes_fact_id_facts", "facts", ["fact_id"], ["id"])
    else:
        op.create_foreign_key("changes_fact_id_fkey", "changes", "facts", ["fact_id"], ["id"])
