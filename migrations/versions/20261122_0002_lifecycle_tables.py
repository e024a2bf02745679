"""lifecycle tables: model versions, engine state on cases, task mirror, timers, notifications

Revision ID: 0002_lifecycle
Revises: 0001_foundation
Create Date: 2026-11-22 00:12:31.344751
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_lifecycle'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('process_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('forms', sa.JSON(), nullable=False),
    sa.Column('spec_json', sa.Text(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('draft', 'deployed', 'retired', name='model_status', native_enum=False, length=16), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_process_model_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_model')),
    sa.UniqueConstraint('process_id', 'version', name='uq_process_model_version')
    )
    op.create_table('case_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('task_uuid', sa.String(length=36), nullable=False),
    sa.Column('bpmn_id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('lane', sa.String(length=64), nullable=False),
    sa.Column('roles', sa.String(length=255), nullable=False),
    sa.Column('form', sa.String(length=128), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=512), nullable=False),
    sa.Column('state', sa.Enum('open', 'completed', 'cancelled', name='case_task_state', native_enum=False, length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_provisional', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['bad_review_case.id'], name=op.f('fk_case_task_case_id_bad_review_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['user_account.id'], name=op.f('fk_case_task_claimed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['completed_by_id'], ['user_account.id'], name=op.f('fk_case_task_completed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_case_task_org_unit_id_org_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_task')),
    sa.UniqueConstraint('case_id', 'task_uuid', name='uq_case_task_uuid')
    )
    with op.batch_alter_table('case_task', schema=None) as batch_op:
        batch_op.create_index('ix_case_task_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_case_task_inbox', ['state', 'org_path', 'due_at'], unique=False, postgresql_ops={'org_path': 'varchar_pattern_ops'})

    op.create_table('case_timer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('task_uuid', sa.String(length=36), nullable=False),
    sa.Column('bpmn_id', sa.String(length=128), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['bad_review_case.id'], name=op.f('fk_case_timer_case_id_bad_review_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_timer'))
    )
    with op.batch_alter_table('case_timer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_timer_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_timer_due_at'), ['due_at'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='notification_status', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['bad_review_case.id'], name=op.f('fk_notification_case_id_bad_review_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_notification_org_unit_id_org_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('bad_review_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('process_model_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('state_json', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('serializer_version', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('stage', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('overdue', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('deadlines', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('due_provisional', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('provisional_calculations', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_bad_review_case_category'), ['category'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_bad_review_case_process_model_id_process_model'), 'process_model', ['process_model_id'], ['id'], ondelete='RESTRICT')




def downgrade() -> None:

    with op.batch_alter_table('bad_review_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bad_review_case_process_model_id_process_model'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_bad_review_case_category'))
        batch_op.drop_column('lock_version')
        batch_op.drop_column('provisional_calculations')
        batch_op.drop_column('due_provisional')
        batch_op.drop_column('due_at')
        batch_op.drop_column('deadlines')
        batch_op.drop_column('overdue')
        batch_op.drop_column('category')
        batch_op.drop_column('stage')
        batch_op.drop_column('serializer_version')
        batch_op.drop_column('state_json')
        batch_op.drop_column('process_model_id')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_case_id'))

    op.drop_table('notification')
    with op.batch_alter_table('case_timer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_timer_due_at'))
        batch_op.drop_index(batch_op.f('ix_case_timer_case_id'))

    op.drop_table('case_timer')
    with op.batch_alter_table('case_task', schema=None) as batch_op:
        batch_op.drop_index('ix_case_task_inbox', postgresql_ops={'org_path': 'varchar_pattern_ops'})
        batch_op.drop_index('ix_case_task_case_id')

    op.drop_table('case_task')
    op.drop_table('process_model')

