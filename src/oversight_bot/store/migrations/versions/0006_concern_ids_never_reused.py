"""Concern references are never given out twice: SQLite ids become AUTOINCREMENT.

A concern's reference comes from its row id. SQLite without AUTOINCREMENT gives the next row the
highest id in use plus one, so deleting the newest concern (retention) made its reference come
round again, and the audit trail then mixed two concerns under one reference. PostgreSQL's
sequences never go back, so only SQLite changes. The counter starts past every reference the audit
trail has named, so references already given out and deleted stay retired too.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    with op.batch_alter_table("concerns", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
        pass
    _retire_named_references(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("concerns", recreate="always", table_kwargs={"sqlite_autoincrement": False}):
        pass


def _retire_named_references(bind: sa.Connection) -> None:
    named = bind.execute(
        sa.text("SELECT MAX(CAST(substr(reference, 8) AS INTEGER)) FROM audit_records WHERE reference LIKE 'C-____-%'")
    ).scalar()
    if not named:
        return
    counter = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'concerns'")).scalar()
    if counter is None:
        bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('concerns', :seq)"), {"seq": named})
    elif counter < named:
        bind.execute(sa.text("UPDATE sqlite_sequence SET seq = :seq WHERE name = 'concerns'"), {"seq": named})
