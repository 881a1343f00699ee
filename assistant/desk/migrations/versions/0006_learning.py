"""The learning loop: gaps of unanswered questions, their questions, the maintainers' actions, the miner's read
positions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "learning_gaps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("centroid", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", TZ, nullable=False),
        sa.Column("last_seen", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
    )
    op.create_index("ix_learning_gaps_status", "learning_gaps", ["status"])
    op.create_index("ix_learning_gaps_last_seen", "learning_gaps", ["last_seen"])
    op.create_table(
        "learning_gap_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("gap_id", sa.Integer(), sa.ForeignKey("learning_gaps.id"), nullable=False),
        sa.Column("key", sa.String(40), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("entry_id", sa.String(120), nullable=True),
        sa.Column("intent", sa.String(32), nullable=True),
    )
    op.create_index("ix_learning_gap_items_gap_id", "learning_gap_items", ["gap_id"])
    op.create_index("ix_learning_gap_items_session_id", "learning_gap_items", ["session_id"])
    op.create_table(
        "learning_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("gap_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_learning_events_at", "learning_events", ["at"])
    op.create_index("ix_learning_events_gap_id", "learning_events", ["gap_id"])
    op.create_table(
        "learning_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("learning_state")
    op.drop_table("learning_events")
    op.drop_table("learning_gap_items")
    op.drop_table("learning_gaps")
