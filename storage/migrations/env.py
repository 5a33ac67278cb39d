"""Alembic environment: storage.db.migrate hands in a connection already inside the
transaction that the whole upgrade runs in."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from storage.models import Base, UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations stand alone: UTCDateTime is stored as a plain timezone-aware DateTime.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    render_item=render_item,
)
with context.begin_transaction():  # a no-op: the connection's transaction is already open
    context.run_migrations()
