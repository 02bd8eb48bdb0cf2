"""The replay guard shared by every bot process, and the audit chain keyed from a known record.

`seen_requests`: a short-lived row per signed chat request (its signature as the unique key, and
when it may be forgotten), so that a replayed request is refused whichever process receives it.
`audit_head.keyed_from`: the first record whose link is an HMAC with OVERSIGHT_AUDIT_KEY; records
before it (a store made before keying) keep their SHA-256 links, sealed by the first keyed record.

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen_requests",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_seen_requests")),
    )
    op.create_index(op.f("ix_seen_requests_expires_at"), "seen_requests", ["expires_at"])
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("keyed_from", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("keyed_from")
    op.drop_index(op.f("ix_seen_requests_expires_at"), table_name="seen_requests")
    op.drop_table("seen_requests")
