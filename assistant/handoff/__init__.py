"""Handing a conversation to a person: tickets, their audit trail, and the lifecycle rules."""

from .models import Change, NewTicket, Ticket, TicketEvent
from .service import HandoffService
from .store import SqlTicketStore, TicketStore

__all__ = ["Change", "HandoffService", "NewTicket", "SqlTicketStore", "Ticket", "TicketEvent", "TicketStore"]
