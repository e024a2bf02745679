"""foundation schema: org tree, accounts and tokens, service cases, evaluations, bad-review cases, audit chain

Revision ID: 0001_foundation
Revises: 
Create Date: 2026-11-21 23:55:35.303497
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001_foundation'
down_revision = None
branch_labels = None
depends_on = None

# The audit trail is append-only: on PostgreSQL the database itself refuses to change or remove events.
AUDIT_GUARD = """
CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();
"""


def upgrade() -> None:

    op.create_table('audit_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_event_hash')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_event_seq'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_subject', ['subject_type', 'subject_id', 'seq'], unique=False)

    op.create_table('org_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('level', sa.Enum('province', 'city', 'county', 'town', 'village', 'department', 'service_hall', 'window', name='org_level', native_enum=False, length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('supervises_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['org_unit.id'], name=op.f('fk_org_unit_parent_id_org_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['supervises_id'], ['org_unit.id'], name=op.f('fk_org_unit_supervises_id_org_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_unit')),
    sa.UniqueConstraint('code', name=op.f('uq_org_unit_code'))
    )
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.create_index('ix_org_unit_path', ['path'], unique=False, postgresql_ops={'path': 'varchar_pattern_ops'})

    op.create_table('service_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['org_unit.id'], name=op.f('fk_service_item_department_id_org_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_item')),
    sa.UniqueConstraint('code', name=op.f('uq_service_item_code'))
    )
    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_item_department_id'), ['department_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.Enum('person', 'client', name='account_kind', native_enum=False, length=16), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_user_account_org_unit_id_org_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_org_unit_id'), ['org_unit_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_token_prefix'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('service_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_no', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('window', 'online', 'app', 'self_service', 'mail', name='service_channel', native_enum=False, length=16), nullable=False),
    sa.Column('applicant_kind', sa.Enum('natural_person', 'legal_person', name='applicant_kind', native_enum=False, length=16), nullable=False),
    sa.Column('applicant_name', sa.String(length=512), nullable=False),
    sa.Column('applicant_phone', sa.String(length=512), nullable=True),
    sa.Column('applicant_cert_no', sa.String(length=512), nullable=True),
    sa.Column('applicant_phone_hash', sa.String(length=64), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_service_case_item_id_service_item'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_service_case_org_unit_id_org_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['staff_id'], ['user_account.id'], name=op.f('fk_service_case_staff_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['window_id'], ['org_unit.id'], name=op.f('fk_service_case_window_id_org_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_case')),
    sa.UniqueConstraint('case_no', name=op.f('uq_service_case_case_no'))
    )
    with op.batch_alter_table('service_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_case_applicant_phone_hash'), ['applicant_phone_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_case_finished_at'), ['finished_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_case_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_case_org_unit_id'), ['org_unit_id'], unique=False)

    op.create_table('user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('handler', 'dept_lead', 'supervisor', 'supervisor_lead', 'policy_admin', 'auditor', 'sysadmin', 'integration', name='role', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_role_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_role'))
    )
    op.create_table('api_token_org_unit',
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_api_token_org_unit_org_unit_id_org_unit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], name=op.f('fk_api_token_org_unit_token_id_api_token'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_id', 'org_unit_id', name=op.f('pk_api_token_org_unit'))
    )
    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_case_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=512), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('channel', sa.Enum('window_device', 'qr_code', 'web', 'app', 'self_service_terminal', 'hotline', 'sms', 'paper_form', name='evaluation_channel', native_enum=False, length=32), nullable=False),
    sa.Column('real_name', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.Enum('active', 'default', name='evaluation_source', native_enum=False, length=16), nullable=False),
    sa.Column('adopted', sa.Boolean(), nullable=False),
    sa.Column('adoption_reason', sa.Text(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_evaluation_level_range')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_evaluation_org_unit_id_org_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['service_case_id'], ['service_case.id'], name=op.f('fk_evaluation_service_case_id_service_case'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_evaluation_submitted_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('service_case_id', name=op.f('uq_evaluation_service_case_id'))
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_evaluated_at', ['evaluated_at'], unique=False)
        batch_op.create_index('ix_evaluation_org_path_evaluated_at', ['org_path', 'evaluated_at'], unique=False,
                                 postgresql_ops={'org_path': 'varchar_pattern_ops'})

    op.create_table('bad_review_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_no', sa.String(length=32), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('responsible_org_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=512), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'not_adopted', 'closed', name='case_status', native_enum=False, length=16), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_bad_review_case_evaluation_id_evaluation'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['responsible_org_id'], ['org_unit.id'], name=op.f('fk_bad_review_case_responsible_org_id_org_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bad_review_case')),
    sa.UniqueConstraint('case_no', name=op.f('uq_bad_review_case_case_no')),
    sa.UniqueConstraint('evaluation_id', name=op.f('uq_bad_review_case_evaluation_id'))
    )
    with op.batch_alter_table('bad_review_case', schema=None) as batch_op:
        batch_op.create_index('ix_bad_review_case_org_path_status', ['org_path', 'status'], unique=False,
                                 postgresql_ops={'org_path': 'varchar_pattern_ops'})
    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUDIT_GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_refuse_change()")
    with op.batch_alter_table('bad_review_case', schema=None) as batch_op:
        batch_op.drop_index('ix_bad_review_case_org_path_status')

    op.drop_table('bad_review_case')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_org_path_evaluated_at')
        batch_op.drop_index('ix_evaluation_evaluated_at')

    op.drop_table('evaluation')
    op.drop_table('api_token_org_unit')
    op.drop_table('user_role')
    with op.batch_alter_table('service_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_case_org_unit_id'))
        batch_op.drop_index(batch_op.f('ix_service_case_item_id'))
        batch_op.drop_index(batch_op.f('ix_service_case_finished_at'))
        batch_op.drop_index(batch_op.f('ix_service_case_applicant_phone_hash'))

    op.drop_table('service_case')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_org_unit_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_item_department_id'))

    op.drop_table('service_item')
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_org_unit_path')

    op.drop_table('org_unit')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_subject')

    op.drop_table('audit_event')

