"""Conversations: a ticket's priority (safety, an upset user), the answer and step a user could not follow; a
turn's intent, emotion and the question it was resolved as (follow-ups).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("emotion", sa.String(16), nullable=True))
        batch.add_column(sa.Column("entry_id", sa.String(120), nullable=True))
        batch.add_column(sa.Column("failed_step", sa.Integer(), nullable=True))
        batch.create_index("ix_tickets_priority", ["priority"])
    with op.batch_alter_table("conversation_turns") as batch:
        batch.add_column(sa.Column("intent", sa.String(32), nullable=True))
        batch.add_column(sa.Column("emotion", sa.String(16), nullable=True))
        batch.add_column(sa.Column("context", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation_turns") as batch:
        batch.drop_column("context")
        batch.drop_column("emotion")
        batch.drop_column("intent")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_priority")
        batch.drop_column("failed_step")
        batch.drop_column("entry_id")
        batch.drop_column("emotion")
        batch.drop_column("priority")
