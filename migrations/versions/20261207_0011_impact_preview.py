"""impact previews of draft model versions: a row per background replay of recent cases, with its progress

Revision ID: 0011_impact_preview
Revises: 0010_import_run
Create Date: 2026-12-07 17:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0011_impact_preview'
down_revision = '0010_import_run'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'impact_preview',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('model_id', sa.Integer(), nullable=False),
        sa.Column('against_model_id', sa.Integer(), nullable=True),
        sa.Column('months', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=128), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['model_id'], ['process_model.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['against_model_id'], ['process_model.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_impact_preview_model_id', 'impact_preview', ['model_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_impact_preview_model_id', table_name='impact_preview')
    op.drop_table('impact_preview')
