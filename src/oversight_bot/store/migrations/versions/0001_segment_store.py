"""Segment store: organisations, aliases, metrics, assessments, outbox events and the import log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 07:52:34.560826
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_table(
        "metrics",
        sa.Column("metric_id", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(length=100), nullable=False),
        sa.Column("sub_domain", sa.String(length=150), nullable=False),
        sa.Column("units", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("metric_id", name=op.f("pk_metrics")),
    )
    op.create_table(
        "organisations",
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("trust_type", sa.String(length=60), nullable=True),
        sa.Column("trust_subtype", sa.String(length=60), nullable=True),
        sa.Column("region", sa.String(length=60), nullable=True),
        sa.Column("icb_code", sa.String(length=10), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("ods_code", name=op.f("pk_organisations")),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=12), nullable=False),
        sa.Column("framework", sa.String(length=12), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=False),
        sa.Column("adjusted_segment", sa.Integer(), nullable=True),
        sa.Column("unadjusted_segment", sa.Integer(), nullable=True),
        sa.Column("financial_override", sa.Boolean(), nullable=True),
        sa.Column("in_improvement_programme", sa.Boolean(), nullable=True),
        sa.Column("average_score", sa.Integer(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("peer_count", sa.Integer(), nullable=True),
        sa.Column("peer_table", sa.String(length=60), nullable=True),
        sa.Column("region", sa.String(length=60), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("disagreements", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name=op.f("fk_assessments_import_id_imports")),
        sa.ForeignKeyConstraint(
            ["ods_code"], ["organisations.ods_code"], name=op.f("fk_assessments_ods_code_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("ods_code", "quarter", "basis", name=op.f("uq_assessments_ods_code")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index("ix_assessments_quarter_basis", ["quarter", "basis"], unique=False)

    op.create_table(
        "domain_results",
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("segment", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ods_code"], ["organisations.ods_code"], name=op.f("fk_domain_results_ods_code_organisations")
        ),
        sa.PrimaryKeyConstraint("ods_code", "quarter", "domain", name=op.f("pk_domain_results")),
    )
    op.create_table(
        "metric_scores",
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("metric_id", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reporting_date", sa.String(length=80), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["metric_id"], ["metrics.metric_id"], name=op.f("fk_metric_scores_metric_id_metrics")),
        sa.ForeignKeyConstraint(
            ["ods_code"], ["organisations.ods_code"], name=op.f("fk_metric_scores_ods_code_organisations")
        ),
        sa.PrimaryKeyConstraint("ods_code", "quarter", "metric_id", name=op.f("pk_metric_scores")),
    )
    op.create_table(
        "metric_values",
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("metric_id", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("reporting_date", sa.String(length=80), nullable=False),
        sa.Column("median", sa.String(length=40), nullable=True),
        sa.Column("lower_quartile", sa.String(length=40), nullable=True),
        sa.Column("upper_quartile", sa.String(length=40), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["metric_id"], ["metrics.metric_id"], name=op.f("fk_metric_values_metric_id_metrics")),
        sa.ForeignKeyConstraint(
            ["ods_code"], ["organisations.ods_code"], name=op.f("fk_metric_values_ods_code_organisations")
        ),
        sa.PrimaryKeyConstraint("ods_code", "quarter", "metric_id", name=op.f("pk_metric_values")),
    )
    op.create_table(
        "organisation_aliases",
        sa.Column("alias", sa.String(length=100), nullable=False),
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["ods_code"], ["organisations.ods_code"], name=op.f("fk_organisation_aliases_ods_code_organisations")
        ),
        sa.PrimaryKeyConstraint("alias", "ods_code", name=op.f("pk_organisation_aliases")),
    )
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name=op.f("fk_outbox_events_import_id_imports")),
        sa.ForeignKeyConstraint(
            ["ods_code"], ["organisations.ods_code"], name=op.f("fk_outbox_events_ods_code_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_events_undispatched", ["dispatched_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_undispatched")

    op.drop_table("outbox_events")
    op.drop_table("organisation_aliases")
    op.drop_table("metric_values")
    op.drop_table("metric_scores")
    op.drop_table("domain_results")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_quarter_basis")

    op.drop_table("assessments")
    op.drop_table("organisations")
    op.drop_table("metrics")
    op.drop_table("imports")
