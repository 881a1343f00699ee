"""The one exception tree. Each class carries the HTTP status and the stable ``code`` the API renders as
``application/problem+json`` (``api/problems.py``) and the CLI prints as one line (``cli.py``).

Defining a class registers its code in ``CODES``: the one table (code -> class, hence status and title) that
the error handler, the OpenAPI ``responses`` of every route and the README's list of codes are made from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

CODES: dict[str, type[AssistantError]] = {}


class AssistantError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal error"
    cli_only: ClassVar[bool] = False  # raised by commands only, never answered by the API

    def __init__(self, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}  # response headers (Retry-After, WWW-Authenticate)
        self.extra = extra  # extra problem members (validation errors)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            if cls.code in CODES:
                raise TypeError(f"error code {cls.code!r} is used by {CODES[cls.code].__name__} already")
            CODES[cls.code] = cls


CODES[AssistantError.code] = AssistantError


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    title: str
    cli_only: bool


def error_table() -> list[ErrorCode]:
    """Every code, by status then code."""
    rows = [ErrorCode(code, cls.status, cls.title, cls.cli_only) for code, cls in CODES.items()]
    return sorted(rows, key=lambda r: (r.status, r.code))


# ---- knowledge base, index, model ---------------------------------------------------------------------


class InvalidQuestion(AssistantError):
    status = 422
    code = "invalid_question"
    title = "The question cannot be answered as given"


class KBError(AssistantError):
    status = 422
    code = "invalid_kb"
    title = "The knowledge base is invalid"
    cli_only = True

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class IndexUnavailable(AssistantError):
    status = 503
    code = "index_unavailable"
    title = "The index cannot be used"


class SelfTestFailed(AssistantError):
    status = 500
    code = "selftest_failed"
    title = "The KB self-test is below its floor"
    cli_only = True


class UnsupportedModel(AssistantError):
    code = "unsupported_model"
    title = "The model cannot be exported to ONNX"
    cli_only = True


# ---- the help desk: tickets, keys ---------------------------------------------------------------------


class TicketNotFound(AssistantError):
    status = 404
    code = "ticket_not_found"
    title = "No such ticket"


class FeedbackNotFound(AssistantError):
    status = 404
    code = "feedback_not_found"
    title = "No such feedback item"


class FeedbackTokenRequired(AssistantError):
    status = 401
    code = "feedback_token_required"
    title = "The feedback token is required"


class TopicNotFound(AssistantError):
    status = 404
    code = "topic_not_found"
    title = "No such feedback topic"


class TicketConflict(AssistantError):
    """The ticket is not in a state that allows the step (e.g. another agent claimed it first)."""

    status = 409
    code = "ticket_conflict"
    title = "The ticket has changed"


class UnknownTeam(AssistantError):
    status = 422
    code = "unknown_team"
    title = "No such team"


class ReopenExpired(AssistantError):
    status = 409
    code = "reopen_expired"
    title = "The ticket can no longer be reopened"


class InvalidRating(AssistantError):
    status = 422
    code = "invalid_rating"
    title = "A rating is a score from 1 to 5"


class UnsupportedAttachment(AssistantError):
    status = 415
    code = "unsupported_attachment"
    title = "Only PNG, JPEG, GIF and WebP images can be attached"


class TooManyAttachments(AssistantError):
    status = 409
    code = "too_many_attachments"
    title = "The ticket holds as many attachments as it may"


class StoreUnavailable(AssistantError):
    status = 503
    code = "store_unavailable"
    title = "The ticket database cannot be used"


class KeyStoreError(AssistantError):
    status = 409
    code = "key_store_error"
    title = "The API keys cannot be changed this way"
    cli_only = True


# ---- HTTP ---------------------------------------------------------------------------------------------


class InvalidJson(AssistantError):
    status = 400
    code = "invalid_json"
    title = "The request body is not valid JSON"


class InvalidRequest(AssistantError):
    status = 422
    code = "invalid_request"
    title = "The request does not match the API"


class Unauthorized(AssistantError):
    status = 401
    code = "unauthorized"
    title = "A valid API key is required"


class TicketTokenRequired(AssistantError):
    status = 401
    code = "ticket_token_required"
    title = "The ticket token is required"


class Forbidden(AssistantError):
    status = 403
    code = "forbidden"
    title = "This key's role may not do that"


class NotFound(AssistantError):
    status = 404
    code = "not_found"
    title = "Nothing here"


class SessionNotFound(AssistantError):
    """A hand-off names a session in which nothing was asked, and says nothing itself."""

    status = 404
    code = "session_not_found"
    title = "Nothing was asked in this session"


class EntryNotFound(AssistantError):
    status = 404
    code = "entry_not_found"
    title = "No such knowledge-base entry"


class MethodNotAllowed(AssistantError):
    status = 405
    code = "method_not_allowed"
    title = "Method not allowed"


class ReloadInProgress(AssistantError):
    status = 409
    code = "reload_in_progress"
    title = "A reload is already running"


class PayloadTooLarge(AssistantError):
    status = 413
    code = "payload_too_large"
    title = "The request body is too large"


class RateLimited(AssistantError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


# ---- the learning loop -----------------------------------------------------------------------------------------


class GapNotFound(AssistantError):
    status = 404
    code = "gap_not_found"
    title = "No such gap"


class GapConflict(AssistantError):
    """The gap was accepted or rejected already (by another maintainer, or in another tab)."""

    status = 409
    code = "gap_decided"
    title = "The gap was decided already"


class TurnNotFound(AssistantError):
    status = 404
    code = "turn_not_found"
    title = "No such question in the turn log"


class ReviewConflict(AssistantError):
    """The question was labelled in the review sample already (by another reviewer, or in another tab)."""

    status = 409
    code = "review_done"
    title = "The question was reviewed already"


class KbEditRejected(AssistantError):
    """The change would leave the KB invalid (check-kb's problems are in the detail), or the KB is not a YAML
    folder the console can edit."""

    status = 422
    code = "kb_edit_rejected"
    title = "The KB change cannot be made"


class BuildInProgress(AssistantError):
    status = 409
    code = "build_in_progress"
    title = "A KB build is already running"


class NothingToPublish(AssistantError):
    status = 409
    code = "nothing_to_publish"
    title = "There is no built version waiting to be published"
