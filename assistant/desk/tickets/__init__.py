"""Tickets: records, the store, and the lifecycle rules."""

from .lifecycle import TicketLifecycle
from .models import ACTIVE, STATUSES, Change, NewTicket, Status, Ticket, TicketEvent
from .store import SqlTicketStore, TicketStore

__all__ = ["ACTIVE", "STATUSES", "Change", "NewTicket", "SqlTicketStore", "Status", "Ticket", "TicketEvent",
           "TicketLifecycle", "TicketStore"]
