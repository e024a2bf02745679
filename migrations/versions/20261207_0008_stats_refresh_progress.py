"""statistics refresh progress: when a run started (its heartbeat) and how many days it has rebuilt, so pages
can say that a rebuild is running and how far it is

Revision ID: 0008_stats_refresh_progress
Revises: 0007_rectification_rounds
Create Date: 2026-12-07 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_stats_refresh_progress'
down_revision = '0007_rectification_rounds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stats_refresh_state') as batch:
        batch.add_column(sa.Column('rebuild_started_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('rebuild_done', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('rebuild_total', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stats_refresh_state') as batch:
        batch.drop_column('rebuild_total')
        batch.drop_column('rebuild_done')
        batch.drop_column('rebuild_started_at')
