"""The organisation register over time: ODS's successions, former names, ICB memberships by date.

Existing stores keep every organisation's current ICB as a membership from before the records
held begin, so that alerts by ICB keep going where they went.

Revision ID: 0014
Revises: 0010
Create Date: 2026-11-30 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "successions",
        sa.Column("predecessor", sa.String(10), nullable=False),
        sa.Column("successor", sa.String(10), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("predecessor", "successor", name="pk_successions"),
    )
    op.create_table(
        "former_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ods_code", sa.String(10), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(
            ["ods_code"], ["organisations.ods_code"], name="fk_former_names_ods_code_organisations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_former_names"),
        sa.UniqueConstraint("ods_code", "name", "until", name="uq_former_names_ods_code"),
    )
    op.create_table(
        "icb_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ods_code", sa.String(10), nullable=False),
        sa.Column("icb_code", sa.String(10), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("source", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(
            ["ods_code"], ["organisations.ods_code"], name="fk_icb_memberships_ods_code_organisations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_icb_memberships"),
    )
    op.create_index("ix_icb_memberships_ods_code", "icb_memberships", ["ods_code"])
    op.execute(
        "INSERT INTO icb_memberships (ods_code, icb_code, since, until, source) "
        "SELECT ods_code, icb_code, NULL, NULL, 'the trust file held before this upgrade' "
        "FROM organisations WHERE icb_code IS NOT NULL AND kind = 'trust'"
    )


def downgrade() -> None:
    op.drop_index("ix_icb_memberships_ods_code", table_name="icb_memberships")
    op.drop_table("icb_memberships")
    op.drop_table("former_names")
    op.drop_table("successions")
