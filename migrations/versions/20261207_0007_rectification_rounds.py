"""按期整改率 by rectification rounds: rebuild the daily case figures under the settled counting rule

Only the figures change, not the schema: the daily aggregates were counted by comparing the first rectification
with the last rectification deadline. Setting the watermark back to 0 makes the next refresh rebuild every day
under the rule of DOMAIN.md ("each round by the deadline in force for that round"). Frozen snapshots are not
touched; a month whose published figure was wrong is corrected by a new, audited version.

Revision ID: 0007_rectification_rounds
Revises: 0006_stats_hotspot
Create Date: 2026-12-07 16:30:00
"""
from alembic import op


revision = '0007_rectification_rounds'
down_revision = '0006_stats_hotspot'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE stats_refresh_state SET audit_seq = 0")


def downgrade() -> None:
    op.execute("UPDATE stats_refresh_state SET audit_seq = 0")
