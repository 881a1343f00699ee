"""At most one open (or claimed) ticket per session, held by the database: a partial unique index.

Two hand-offs of one session at the same moment each checked for an open ticket, found none and inserted one.
Sessions that got duplicates that way keep their oldest active ticket; the others are resolved here, each with
an audit event naming the ticket it duplicated, so that the index can be built.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEX = "uq_tickets_active_session"
ACTIVE = sa.text("status != 'resolved'")

tickets = sa.table("tickets", sa.column("id", sa.Integer), sa.column("session_id", sa.String),
                   sa.column("status", sa.String), sa.column("updated_at", sa.DateTime(timezone=True)),
                   sa.column("resolved_at", sa.DateTime(timezone=True)))
events = sa.table("ticket_events", sa.column("ticket_id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
                  sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("from_status", sa.String),
                  sa.column("to_status", sa.String), sa.column("team", sa.String), sa.column("text", sa.Text))


def upgrade() -> None:
    resolve_duplicates(op.get_bind())
    op.create_index(INDEX, "tickets", ["session_id"], unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def resolve_duplicates(bind: sa.Connection) -> None:
    active = (sa.select(tickets.c.id, tickets.c.session_id, tickets.c.status)
              .where(tickets.c.session_id.is_not(None), tickets.c.status != "resolved")
              .order_by(tickets.c.session_id, tickets.c.id))
    kept: dict[str, int] = {}
    now = dt.datetime.now(dt.UTC)
    for ticket_id, session_id, status in bind.execute(active).all():
        if session_id not in kept:
            kept[session_id] = ticket_id
            continue
        bind.execute(sa.update(tickets).where(tickets.c.id == ticket_id)
                     .values(status="resolved", updated_at=now, resolved_at=now))
        bind.execute(sa.insert(events).values(
            ticket_id=ticket_id, at=now, actor="migration", action="merge", from_status=status,
            to_status="resolved", team=None, text=f"duplicate of ticket #{kept[session_id]} in the same session"))


def downgrade() -> None:
    op.drop_index(INDEX, table_name="tickets")
