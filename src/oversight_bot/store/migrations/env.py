"""Alembic environment: migrations run on the connection `store.schema.upgrade` hands in."""

from __future__ import annotations

from alembic import context

from oversight_bot.store.tables import full_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `oversight db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=full_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
