"""web sign-in and evaluator replies

Revision ID: 0003_web_access
Revises: 0002_lifecycle
Create Date: 2026-11-22 00:31:25.640970
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_web_access'
down_revision = '0002_lifecycle'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('evaluator_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['bad_review_case.id'], name=op.f('fk_evaluator_reply_case_id_bad_review_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluator_reply'))
    )
    with op.batch_alter_table('evaluator_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_reply_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')

    with op.batch_alter_table('evaluator_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_reply_case_id'))

    op.drop_table('evaluator_reply')

