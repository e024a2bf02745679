"""audit chain sealed in batches: events are queued unsealed (seq, prev_hash, hash empty) and a sequencer
seals them with a checkpoint per batch; checkpoints are created for the existing chain

Revision ID: 0012_audit_sealing
Revises: 0011_impact_preview
Create Date: 2026-12-07 16:00:00
"""
import os

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

from app.audit import checkpoint, merkle
from app.clock import now
from app.db import UTCDateTime

revision = '0012_audit_sealing'
down_revision = '0011_impact_preview'
branch_labels = None
depends_on = None

BATCH = 5000

# The one change the database allows on an event: sealing it (seq, prev_hash, hash from empty to set) with every
# other column unchanged. Events are inserted unsealed; nothing is deleted. Checkpoints are insert-only.
PG_GUARD = """
CREATE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.seq IS NULL AND NEW.prev_hash IS NULL AND NEW.hash IS NULL THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
            AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
            AND to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash'] = to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash']
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: % refused (events are inserted unsealed and only sealed once)',
        TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER audit_event_append_only ON audit_event;
CREATE TRIGGER audit_event_append_only BEFORE INSERT OR UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_guard();
CREATE FUNCTION audit_checkpoint_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_checkpoint is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_refuse_change();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoint_refuse_change();
"""
PG_GUARD_DOWN = """
DROP TRIGGER audit_checkpoint_no_truncate ON audit_checkpoint;
DROP TRIGGER audit_checkpoint_append_only ON audit_checkpoint;
DROP FUNCTION audit_checkpoint_refuse_change();
DROP TRIGGER audit_event_append_only ON audit_event;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
DROP FUNCTION audit_event_guard();
"""
UNSEALED = sa.text("seq IS NULL")


def upgrade() -> None:
    op.create_table('audit_checkpoint',
    sa.Column('batch', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('tree_size', sa.BigInteger(), nullable=False),
    sa.Column('merkle_root', sa.String(length=64), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('prev_checkpoint_hash', sa.String(length=64), nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('batch', name=op.f('pk_audit_checkpoint')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_checkpoint_hash')),
    sa.UniqueConstraint('last_seq', name=op.f('uq_audit_checkpoint_last_seq'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=True)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=True)
    op.create_index('ix_audit_event_unsealed', 'audit_event', ['id'], unique=False,
                    postgresql_where=UNSEALED, sqlite_where=UNSEALED)
    _checkpoint_existing_chain(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_GUARD)


def _signing_key() -> bytes | None:
    key = current_app.config.get("AUDIT_CHECKPOINT_KEY") if has_app_context() \
        else os.environ.get("HCP_AUDIT_CHECKPOINT_KEY")
    return key.encode() if key else None


def _checkpoint_existing_chain(connection) -> None:
    """One checkpoint per 5,000 events of the chain as it stands (stored hashes, not recomputed)."""
    events = sa.table('audit_event', sa.column('seq'), sa.column('hash'))
    table = sa.table('audit_checkpoint', sa.column('sealed_at', UTCDateTime()),
                     *(sa.column(name) for name in (*checkpoint.FIELDS, 'hash', 'signature')))
    key, last, batch, prev = _signing_key(), 0, 0, checkpoint.GENESIS
    while True:
        rows = connection.execute(sa.select(events.c.seq, events.c.hash).where(events.c.seq > last)
                                  .order_by(events.c.seq).limit(BATCH)).all()
        if not rows:
            return
        batch += 1
        values = {"batch": batch, "first_seq": rows[0].seq, "last_seq": rows[-1].seq, "tree_size": len(rows),
                  "merkle_root": merkle.batch_root([r.hash for r in rows]), "head_hash": rows[-1].hash,
                  "prev_checkpoint_hash": prev, "sealed_at": now()}
        values["hash"] = prev = checkpoint.compute_hash(values)
        values["signature"] = checkpoint.sign(prev, key) if key else None
        connection.execute(sa.insert(table).values(**values))
        last = rows[-1].seq


def downgrade() -> None:
    connection = op.get_bind()
    if connection.scalar(sa.text("SELECT count(*) FROM audit_event WHERE seq IS NULL")):
        raise RuntimeError("unsealed audit events exist: run `haochaping audit seal` before downgrading")
    if connection.dialect.name == "postgresql":
        op.execute(PG_GUARD_DOWN)
    op.drop_index('ix_audit_event_unsealed', table_name='audit_event',
                  postgresql_where=UNSEALED, sqlite_where=UNSEALED)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column('recorded_at')
    op.drop_table('audit_checkpoint')
