"""What each published figure is and where it came from: units per value, league ranges, publications.

- `metric_values.units` joins the key, because NHS England gives some metrics for a trust both as a
  rate and as a count; existing rows take their metric's units from the catalogue.
- `assessments` keeps the league table's likely ranges of the average and the rank.
- `imports` records who published each file, when, and whether it is a secondary source; each
  assessment keeps the same of the file its figures came from (a later file that only adds to it,
  say a league table's ranges, or a secondary source filling a gap, does not change where its
  figures came from), so that every answer can name its source. Existing assessments take it from
  the import that last wrote them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("metric_values", recreate="always") as batch:
        batch.add_column(sa.Column("units", sa.String(40), nullable=False, server_default=""))
    op.execute(
        "UPDATE metric_values SET units = COALESCE("
        "(SELECT CASE WHEN metrics.units = 'percent' THEN '%' ELSE metrics.units END FROM metrics "
        "WHERE metrics.metric_id = metric_values.metric_id), '')"
    )
    with op.batch_alter_table("metric_values", recreate="always") as batch:
        batch.drop_constraint("pk_metric_values", type_="primary")
        batch.create_primary_key("pk_metric_values", ["ods_code", "quarter", "metric_id", "units"])
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("average_low", sa.String(40), nullable=True))
        batch.add_column(sa.Column("average_high", sa.String(40), nullable=True))
        batch.add_column(sa.Column("rank_low", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rank_high", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source_file", sa.String(300), nullable=True))
        batch.add_column(sa.Column("publisher", sa.String(200), nullable=True))
        batch.add_column(sa.Column("published", sa.String(60), nullable=True))
        batch.add_column(sa.Column("secondary", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("publisher", sa.String(200), nullable=True))
        batch.add_column(sa.Column("published", sa.String(60), nullable=True))
        batch.add_column(sa.Column("secondary", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE assessments SET source_file = "
        "(SELECT imports.source_name FROM imports WHERE imports.id = assessments.import_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("secondary")
        batch.drop_column("published")
        batch.drop_column("publisher")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("secondary")
        batch.drop_column("published")
        batch.drop_column("publisher")
        batch.drop_column("source_file")
        batch.drop_column("rank_high")
        batch.drop_column("rank_low")
        batch.drop_column("average_high")
        batch.drop_column("average_low")
    op.execute("DELETE FROM metric_values WHERE units = 'count'")
    with op.batch_alter_table("metric_values", recreate="always") as batch:
        batch.drop_constraint("pk_metric_values", type_="primary")
        batch.create_primary_key("pk_metric_values", ["ods_code", "quarter", "metric_id"])
        batch.drop_column("units")
