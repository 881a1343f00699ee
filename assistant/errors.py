"""One exception tree. Each class carries the HTTP status and the stable code the API renders."""

from __future__ import annotations


class AssistantError(Exception):
    status = 500
    code = "internal_error"
    title = "Internal error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidQuestion(AssistantError):
    status = 422
    code = "invalid_question"
    title = "The question cannot be answered as given"


class KBError(AssistantError):
    status = 422
    code = "invalid_kb"
    title = "The knowledge base is invalid"

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
