"""the inbox index by org unit id instead of org path (SQLite cannot use a LIKE prefix on the path), covering
the inbox's scope, task, role and due-time columns

Revision ID: 0009_inbox_by_unit
Revises: 0008_stats_refresh_progress
Create Date: 2026-12-07 16:00:00
"""
from alembic import op


revision = '0009_inbox_by_unit'
down_revision = '0008_stats_refresh_progress'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_task', schema=None) as batch_op:
        batch_op.drop_index('ix_case_task_inbox')
        batch_op.create_index('ix_case_task_inbox', ['state', 'org_unit_id', 'bpmn_id', 'roles', 'due_at', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_task', schema=None) as batch_op:
        batch_op.drop_index('ix_case_task_inbox')
        batch_op.create_index('ix_case_task_inbox', ['state', 'org_path', 'due_at'], unique=False,
                              postgresql_ops={'org_path': 'varchar_pattern_ops'})
