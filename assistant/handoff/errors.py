"""Ticket errors, part of the one tree in ``assistant.errors`` (each carries its HTTP status and code)."""

from __future__ import annotations

from ..errors import AssistantError


class TicketNotFound(AssistantError):
    status = 404
    code = "ticket_not_found"
    title = "No such ticket"


class TicketConflict(AssistantError):
    """The ticket is not in a state that allows the step (e.g. another agent claimed it first)."""

    status = 409
    code = "ticket_conflict"
    title = "The ticket has changed"


class UnknownTeam(AssistantError):
    status = 422
    code = "unknown_team"
    title = "No such team"


class StoreUnavailable(AssistantError):
    status = 503
    code = "store_unavailable"
    title = "The ticket database cannot be used"
