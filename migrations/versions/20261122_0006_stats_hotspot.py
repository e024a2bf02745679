"""hot-spot counts per day and month: evaluations and bad reviews per item, department, window and staff,
and the reasons and aspects of the bad reviews

Revision ID: 0006_stats_hotspot
Revises: 0005_evaluation_ops
Create Date: 2026-11-22 02:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_stats_hotspot'
down_revision = '0005_evaluation_ops'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_hotspot',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('span', sa.String(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('evaluated', sa.Integer(), nullable=False),
    sa.Column('bad', sa.Integer(), nullable=False),
    sa.Column('good', sa.Integer(), nullable=False),
    sa.Column('bad_reviews', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_hotspot'))
    )
    with op.batch_alter_table('stats_hotspot', schema=None) as batch_op:
        batch_op.create_index('ix_stats_hotspot_dimension_span_day', ['dimension', 'span', 'day'], unique=False)

    op.create_table('stats_hotspot_reason',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('reviews', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_hotspot_reason'))
    )
    with op.batch_alter_table('stats_hotspot_reason', schema=None) as batch_op:
        batch_op.create_index('ix_stats_hotspot_reason_day', ['day'], unique=False)
        batch_op.create_index('ix_stats_hotspot_reason_dimension_key_id_day', ['dimension', 'key_id', 'day'],
                              unique=False)

    # The new tables start empty: back to watermark 0, so the first refresh rebuilds every day (the daily
    # counts with them) instead of only the days touched from here on.
    op.execute("UPDATE stats_refresh_state SET audit_seq = 0")


def downgrade() -> None:
    with op.batch_alter_table('stats_hotspot_reason', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_hotspot_reason_dimension_key_id_day')
        batch_op.drop_index('ix_stats_hotspot_reason_day')

    op.drop_table('stats_hotspot_reason')
    with op.batch_alter_table('stats_hotspot', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_hotspot_dimension_span_day')

    op.drop_table('stats_hotspot')
