"""Expected errors of the core, each carrying the HTTP status it maps to."""

from __future__ import annotations


class CompanionError(Exception):
    """An expected failure with a message a user can act on."""

    status_code: int = 400
    code: str = "bad_request"
    # Whether the work done so far records this failure (a failed draft), so the unit of
    # work commits it once before the error is answered instead of rolling it back.
    records_failure: bool = False
    # The id of the record that keeps the failure (a failed draft), when there is one.
    record_id: int | None = None
    # In how many seconds it is worth trying again (sent as `Retry-After`), if known.
    retry_after: int | None = None

    def __init__(self, message: str, *, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidInput(CompanionError):
    """Input refused; `details` name the field(s) concerned, so a form can show the
    message next to its field and a script can tell which value to fix.

    `field="name"` is short for `details=[{"field": "name", "message": message}]`.
    """

    status_code = 422
    code = "invalid_input"

    def __init__(
        self, message: str, *, field: str | None = None, details: list[dict] | None = None
    ) -> None:
        if field is not None:
            details = [*(details or []), {"field": field, "message": message}]
        super().__init__(message, details=details)


class NotFound(CompanionError):
    status_code = 404
    code = "not_found"


class Conflict(CompanionError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class Unauthenticated(CompanionError):
    status_code = 401
    code = "unauthenticated"


class PermissionDenied(CompanionError):
    status_code = 403
    code = "permission_denied"


class TooManyRequests(CompanionError):
    """Refused for now; `retry_after` says in how many seconds to try again."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(CompanionError):
    status_code = 503
    code = "unavailable"


class LLMUnavailable(ServiceUnavailable):
    """The provider failed after every attempt; `retry_after` says when to try again."""

    code = "llm_unavailable"

    def __init__(
        self, message: str, *, retry_after: int = 30, details: list[dict] | None = None
    ) -> None:
        details = list(details or [])
        if not any("retry_after_seconds" in d for d in details):
            details.append({"retry_after_seconds": retry_after})
        super().__init__(message, details=details)
        self.retry_after = retry_after


class LLMAnswerTooLarge(CompanionError):
    """The model answered with more text than a draft may hold; none of it is kept."""

    status_code = 502
    code = "llm_answer_too_large"


class LLMOutputInvalid(CompanionError):
    """The model answered twice with output that does not validate."""

    status_code = 502
    code = "llm_output_invalid"


class SettingsError(CompanionError):
    """A setting is missing or invalid; raised at start-up, before serving."""

    status_code = 500
    code = "invalid_settings"


class AIFeatureOff(Conflict):
    """An administrator switched this AI feature off for the program (a stop switch)."""

    code = "ai_feature_off"
