"""Teams: where to reach each conversation, and destination and person ids long enough for Teams'.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Columns holding a destination's channel, or a person's id, widened from 64 characters.
WIDENED = {
    "subscriptions": ("channel", "person", "created_by"),
    "alert_channels": ("channel", "person", "updated_by"),
    "alert_threads": ("channel",),
    "alert_deliveries": ("channel",),
    "concern_reporters": ("user_id",),
    "audit_records": ("actor",),
}
NULLABLE = {"person", "updated_by"}


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("bot_id", sa.String(length=255), nullable=False),
        sa.Column("conversation_type", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.String(length=255), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_teams_conversations")),
    )
    op.create_index(op.f("ix_teams_conversations_team_id"), "teams_conversations", ["team_id"])
    _resize(64, 255)


def downgrade() -> None:
    _resize(255, 64)
    op.drop_index(op.f("ix_teams_conversations_team_id"), table_name="teams_conversations")
    op.drop_table("teams_conversations")


def _resize(old: int, new: int) -> None:
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(
                    column,
                    existing_type=sa.String(length=old),
                    type_=sa.String(length=new),
                    existing_nullable=column in NULLABLE,
                )
    if op.get_bind().dialect.name == "sqlite":
        _restore_audit_guard()


def _restore_audit_guard() -> None:
    """SQLite alters a table by copying it, and the copy has no triggers: the audit trail's
    refusal of UPDATE and DELETE (revision 0004) is put back."""
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS audit_records_no_{event.lower()} BEFORE {event} ON audit_records "
            "BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END"
        )
