"""policy staff: model validation, diff summary and test cases; loaded calendar years

Revision ID: 0004_policy
Revises: 0003_web_access
Create Date: 2026-11-22 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_policy'
down_revision = '0003_web_access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('notice_title', sa.String(length=255), nullable=False),
    sa.Column('notice_reference', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('loaded_by', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_year')),
    sa.UniqueConstraint('year', name=op.f('uq_calendar_year_year'))
    )
    with op.batch_alter_table('process_model', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('test_cases', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('validation', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('diff_summary', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('process_model', schema=None) as batch_op:
        batch_op.drop_column('diff_summary')
        batch_op.drop_column('validation')
        batch_op.drop_column('test_cases')
        batch_op.drop_column('retired_at')

    op.drop_table('calendar_year')
