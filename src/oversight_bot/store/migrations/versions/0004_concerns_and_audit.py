"""Concerns, their reporters (kept apart), the hash-chained audit trail; outbox events without a quarter.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:24:43.683184
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # The chain starts from an all-zero hash (domain/audit.py GENESIS).
    op.bulk_insert(audit_head, [{"id": 1, "seq": 0, "hash": "0" * 64}])
    op.create_table(
        "audit_records",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_records")),
    )
    _forbid_changes_to_audit_records()
    op.create_table(
        "concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("raised_as", sa.String(length=20), nullable=False),
        sa.Column("board_member_role", sa.String(length=120), nullable=True),
        sa.Column("board_member_name", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("submission_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ods_code"], ["organisations.ods_code"], name=op.f("fk_concerns_ods_code_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concerns")),
        sa.UniqueConstraint("reference", name=op.f("uq_concerns_reference")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_concerns_submission_key")),
    )
    op.create_table(
        "concern_reporters",
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["concern_id"], ["concerns.id"], name=op.f("fk_concern_reporters_concern_id_concerns")),
        sa.PrimaryKeyConstraint("concern_id", name=op.f("pk_concern_reporters")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.alter_column("quarter", existing_type=sa.INTEGER(), nullable=True)


def _forbid_changes_to_audit_records() -> None:
    """The database itself refuses UPDATE and DELETE on the audit trail: rewriting history then
    needs the trigger dropped first (a deliberate act by a database owner, which the hash chain
    still exposes)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_records is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records "
            "FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_records_no_{event.lower()} BEFORE {event} ON audit_records "
            "BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END"
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.alter_column("quarter", existing_type=sa.INTEGER(), nullable=False)

    op.drop_table("concern_reporters")
    op.drop_table("concerns")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE audit_records")
        op.execute("DROP FUNCTION audit_records_append_only()")
    else:
        op.drop_table("audit_records")
    op.drop_table("audit_head")
