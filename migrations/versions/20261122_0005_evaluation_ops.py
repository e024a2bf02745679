"""evaluation operations: reminders, outbox deliveries, fraud signals, points, return-visit samples,
daily statistics and frozen monthly snapshots

Revision ID: 0005_evaluation_ops
Revises: 0004_policy
Create Date: 2026-11-22 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_evaluation_ops'
down_revision = '0004_policy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_daily',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('finished', sa.Integer(), nullable=False),
    sa.Column('active_1', sa.Integer(), nullable=False),
    sa.Column('active_2', sa.Integer(), nullable=False),
    sa.Column('active_3', sa.Integer(), nullable=False),
    sa.Column('active_4', sa.Integer(), nullable=False),
    sa.Column('active_5', sa.Integer(), nullable=False),
    sa.Column('default_1', sa.Integer(), nullable=False),
    sa.Column('default_2', sa.Integer(), nullable=False),
    sa.Column('default_3', sa.Integer(), nullable=False),
    sa.Column('default_4', sa.Integer(), nullable=False),
    sa.Column('default_5', sa.Integer(), nullable=False),
    sa.Column('not_adopted', sa.Integer(), nullable=False),
    sa.Column('not_adopted_bad', sa.Integer(), nullable=False),
    sa.Column('case_cases', sa.Integer(), nullable=False),
    sa.Column('case_replied', sa.Integer(), nullable=False),
    sa.Column('case_rectify_due', sa.Integer(), nullable=False),
    sa.Column('case_rectified_on_time', sa.Integer(), nullable=False),
    sa.Column('case_real_name', sa.Integer(), nullable=False),
    sa.Column('case_visited', sa.Integer(), nullable=False),
    sa.Column('case_visit_satisfied', sa.Integer(), nullable=False),
    sa.Column('case_overdue', sa.Integer(), nullable=False),
    sa.Column('case_closed', sa.Integer(), nullable=False),
    sa.Column('case_working_days_to_close', sa.Integer(), nullable=False),
    sa.Column('case_not_adopted_cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_daily'))
    )
    with op.batch_alter_table('stats_daily', schema=None) as batch_op:
        batch_op.create_index('ix_stats_daily_day_org_unit_id', ['day', 'org_unit_id'], unique=False)

    op.create_table('stats_refresh_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_seq', sa.BigInteger(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_refresh_state'))
    )
    # The one watermark row; 0 means "rebuild every day on first use" (an upgraded database with data).
    op.execute("INSERT INTO stats_refresh_state (id, audit_seq) VALUES (1, 0)")
    op.create_table('fraud_signal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject_key', sa.String(length=128), nullable=False),
    sa.Column('subject_label', sa.String(length=255), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('org_path', sa.String(length=512), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('evaluation_ids', sa.JSON(), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reviewed_by', sa.String(length=128), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_fraud_signal_org_unit_id_org_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_signal')),
    sa.UniqueConstraint('kind', 'subject_key', 'window_start', name='uq_fraud_signal_window')
    )
    with op.batch_alter_table('fraud_signal', schema=None) as batch_op:
        batch_op.create_index('ix_fraud_signal_status_org_path', ['status', 'org_path'], unique=False)

    op.create_table('return_visit_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('root_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['org_unit.id'], name=op.f('fk_return_visit_draw_office_id_org_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['root_id'], ['org_unit.id'], name=op.f('fk_return_visit_draw_root_id_org_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_visit_draw')),
    sa.UniqueConstraint('office_id', 'root_id', 'month', name='uq_return_visit_draw_month')
    )
    op.create_table('stats_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_stats_snapshot_org_unit_id_org_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_snapshot')),
    sa.UniqueConstraint('org_unit_id', 'month', 'version', name='uq_stats_snapshot_version')
    )
    with op.batch_alter_table('stats_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_stats_snapshot_month', ['month'], unique=False)

    op.create_table('evaluation_origin',
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=128), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_origin_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('evaluation_id', name=op.f('pk_evaluation_origin'))
    )
    with op.batch_alter_table('evaluation_origin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_origin_client_address'), ['client_address'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_origin_device_id'), ['device_id'], unique=False)

    op.create_table('points_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluator_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_points_entry_evaluation_id_evaluation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_entry')),
    sa.UniqueConstraint('evaluator_key', 'kind', 'reference', name='uq_points_entry_reference')
    )
    with op.batch_alter_table('points_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_entry_evaluator_key'), ['evaluator_key'], unique=False)

    op.create_table('return_visit_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('stratum', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('office_path', sa.String(length=512), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=128), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['bad_review_case.id'], name=op.f('fk_return_visit_sample_case_id_bad_review_case'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['draw_id'], ['return_visit_draw.id'], name=op.f('fk_return_visit_sample_draw_id_return_visit_draw'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_return_visit_sample_evaluation_id_evaluation'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['office_id'], ['org_unit.id'], name=op.f('fk_return_visit_sample_office_id_org_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_visit_sample')),
    sa.UniqueConstraint('draw_id', 'evaluation_id', name='uq_return_visit_sample_evaluation')
    )
    with op.batch_alter_table('return_visit_sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_visit_sample_draw_id'), ['draw_id'], unique=False)
        batch_op.create_index('ix_return_visit_sample_state_office_path', ['state', 'office_path'], unique=False)

    op.create_table('evaluation_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_case_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('window_closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_evaluation_reminder_notification_id_notification'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_case_id'], ['service_case.id'], name=op.f('fk_evaluation_reminder_service_case_id_service_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_reminder')),
    sa.UniqueConstraint('service_case_id', name=op.f('uq_evaluation_reminder_service_case_id'))
    )
    op.create_table('notification_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sender', sa.String(length=32), nullable=True),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_notification_delivery_notification_id_notification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_delivery')),
    sa.UniqueConstraint('notification_id', name=op.f('uq_notification_delivery_notification_id'))
    )
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_notification_delivery_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('service_case', schema=None) as batch_op:
        batch_op.create_index('ix_service_case_staff_id_finished_at', ['staff_id', 'finished_at'], unique=False)
        batch_op.create_index('ix_service_case_window_id_finished_at', ['window_id', 'finished_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('service_case', schema=None) as batch_op:
        batch_op.drop_index('ix_service_case_window_id_finished_at')
        batch_op.drop_index('ix_service_case_staff_id_finished_at')

    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_delivery_state_next_attempt_at')

    op.drop_table('notification_delivery')
    op.drop_table('evaluation_reminder')
    with op.batch_alter_table('return_visit_sample', schema=None) as batch_op:
        batch_op.drop_index('ix_return_visit_sample_state_office_path')
        batch_op.drop_index(batch_op.f('ix_return_visit_sample_draw_id'))

    op.drop_table('return_visit_sample')
    with op.batch_alter_table('points_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_entry_evaluator_key'))

    op.drop_table('points_entry')
    with op.batch_alter_table('evaluation_origin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_origin_device_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_origin_client_address'))

    op.drop_table('evaluation_origin')
    with op.batch_alter_table('stats_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_snapshot_month')

    op.drop_table('stats_snapshot')
    op.drop_table('return_visit_draw')
    with op.batch_alter_table('fraud_signal', schema=None) as batch_op:
        batch_op.drop_index('ix_fraud_signal_status_org_path')

    op.drop_table('fraud_signal')
    op.drop_table('stats_refresh_state')
    with op.batch_alter_table('stats_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_daily_day_org_unit_id')

    op.drop_table('stats_daily')
