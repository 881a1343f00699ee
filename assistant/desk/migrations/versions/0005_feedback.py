"""The feedback collector: feedback items, the topics they are grouped into, and their audit trail.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feedback_topics",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("category", sa.String(24), nullable=False, index=True),
        sa.Column("area", sa.String(24), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("first_seen", TZ, nullable=False),
        sa.Column("last_seen", TZ, nullable=False, index=True),
        sa.Column("status_by", sa.String(64), nullable=True),
        sa.Column("status_at", TZ, nullable=True),
    )
    op.create_table(
        "feedback_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", TZ, nullable=False, index=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("area", sa.String(24), nullable=False),
        sa.Column("sentiment", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=True, index=True),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("screenshot", sa.Text(), nullable=True),
        sa.Column("entry_id", sa.String(120), nullable=True),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("feedback_topics.id"), nullable=False, index=True),
        sa.Column("vector", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "feedback_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("feedback_topics.id"), nullable=True, index=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("feedback_items.id"), nullable=True, index=True),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("feedback_events")
    op.drop_table("feedback_items")
    op.drop_table("feedback_topics")
