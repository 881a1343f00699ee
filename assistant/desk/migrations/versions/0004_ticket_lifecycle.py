"""The ticket lifecycle: pending and closed statuses, the first response (SLA), the user's attention flag and
rating; images attached to tickets. Tickets answered before this revision get their first response from their
first reply event; the one-active-ticket-per-session index now leaves closed tickets out as well as resolved ones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEX = "uq_tickets_active_session"
OLD_ACTIVE = sa.text("status != 'resolved'")
NEW_ACTIVE = sa.text("status NOT IN ('resolved', 'closed')")


def upgrade() -> None:
    # plain ALTER TABLE ADD COLUMN: a batch copy of `tickets` would be refused by the events' foreign key
    op.add_column("tickets", sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("attention", sa.Boolean(), nullable=False, server_default=sa.text("false")))
    op.add_column("tickets", sa.Column("rating", sa.Integer(), nullable=True))
    op.add_column("tickets", sa.Column("rating_comment", sa.Text(), nullable=True))
    op.execute("UPDATE tickets SET first_response_at = (SELECT MIN(e.at) FROM ticket_events e "
               "WHERE e.ticket_id = tickets.id AND e.action = 'reply')")
    op.drop_index(INDEX, table_name="tickets")
    op.create_index(INDEX, "tickets", ["session_id"], unique=True, sqlite_where=NEW_ACTIVE,
                    postgresql_where=NEW_ACTIVE)
    op.create_table(
        "ticket_attachments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploader", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
    )
    op.create_index("ix_ticket_attachments_ticket_id", "ticket_attachments", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_attachments_ticket_id", table_name="ticket_attachments")
    op.drop_table("ticket_attachments")
    op.execute("UPDATE tickets SET status = 'claimed' WHERE status = 'pending'")
    op.execute("UPDATE tickets SET status = 'resolved' WHERE status = 'closed'")
    op.drop_index(INDEX, table_name="tickets")
    op.create_index(INDEX, "tickets", ["session_id"], unique=True, sqlite_where=OLD_ACTIVE,
                    postgresql_where=OLD_ACTIVE)
    for column in ("rating_comment", "rating", "attention", "first_response_at"):
        op.drop_column("tickets", column)
