"""One way to handle a form: parse it into the API's own model, make the one service call,
and show a refusal next to the field it names.

    try:
        booking = forms.parse(Booking, {...}, names={"starts_at": "when"})
        row = forms.run(session, lambda: meetings.book(session=session, view=view, **...))
    except forms.Refused as refused:
        return page(errors=refused.errors, status_code=refused.status_code)

`parse` validates with the same pydantic model the JSON API uses, so a form and a
script are held to the same rules. `run` makes the service call inside a savepoint:
a refusal undoes whatever the call had changed, and the request's one transaction
commits the rest (nothing of the refused call). Fields come from structured details
(pydantic's error locations, `InvalidInput.details`), never from a message's wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from api.web.core import flash, redirect
from companion.errors import CompanionError, NotFound, PermissionDenied

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

FORM = "_form"
# Pydantic's words are written for programmers; a form says the same in a person's.
PLAIN = {
    "missing": "Fill this in.",
    "string_too_short": "Fill this in.",
    "int_parsing": "Give a whole number.",
    "int_type": "Give a whole number.",
    "float_parsing": "Give a number.",
    "bool_parsing": "Choose yes or no.",
    "date_parsing": "Enter a date, e.g. 2026-03-17.",
    "date_from_datetime_parsing": "Enter a date, e.g. 2026-03-17.",
    "datetime_parsing": "Enter a date and time, e.g. 2026-03-03 09:00.",
    "datetime_from_date_parsing": "Enter a date and time, e.g. 2026-03-03 09:00.",
    "enum": "Choose one of the options in the list.",
    "literal_error": "Choose one of the options in the list.",
}


# Where a detail's field is shown: a form field, or (form field, words put before the
# message to say which part, e.g. "Milestone {n}: "). Both may use `{i}` (the number in
# the path, counted from 0), `{n}` (the same counted from 1) and `{path}` (the path).
Place = str | tuple[str, str]


class Refused(Exception):
    """A form the service (or its model) refused: messages by field, and the status."""

    def __init__(
        self, errors: dict[str, str], status_code: int = 422, cause: CompanionError | None = None
    ) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.status_code = status_code
        self.cause = cause

    @property
    def message(self) -> str:
        """All of it in one sentence, for a flash message: the service's own, if it spoke."""
        if self.cause is not None:
            return self.cause.message
        return " ".join(dict.fromkeys(self.errors.values()))


def values_of(form: FormData | Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """The named fields as typed (trimmed), to show again if the form is refused."""
    return {name: str(form.get(name, "") or "").strip() for name in names}


def parse(
    model: type[M],
    data: Mapping[str, Any],
    *,
    names: Mapping[str, str] | None = None,
    fallback: str = FORM,
    words: Mapping[str, str] | None = None,
) -> M:
    """`data` as `model`; an empty field counts as not given. Refused with messages
    keyed by form field (`names` maps the model's field names to the form's); `words`
    says in this form's own words what a kind of error means (`{"too_short": ...}`)."""
    given = {k: v for k, v in data.items() if v not in ("", None)}
    try:
        return model.model_validate(given)
    except ValidationError as exc:
        raise Refused(validation_errors(exc, names=names, fallback=fallback, words=words)) from None


def validation_errors(
    exc: ValidationError,
    *,
    names: Mapping[str, str] | None = None,
    fallback: str = FORM,
    words: Mapping[str, str] | None = None,
) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        field = location[0] if location else fallback
        found.setdefault((names or {}).get(field, field), _plain(error, words or {}))
    return found


def _plain(error: Any, words: Mapping[str, str]) -> str:
    kind = error.get("type", "")
    if kind in words:
        return words[kind]
    if kind == "value_error" and "error" in (error.get("ctx") or {}):
        return str(error["ctx"]["error"])
    if kind in PLAIN:
        return PLAIN[kind]
    message = str(error.get("msg", ""))
    return message.replace("Input should be", "Should be", 1) + (
        "" if message.endswith(".") else "."
    )


def _parts(path: str) -> list[str]:
    """`answers[1].rating` and `answers.1.rating` alike: ["answers", "1", "rating"]."""
    return [part for part in re.split(r"[.\[\]]+", path) if part]


def place(path: str, names: Mapping[str, Place]) -> tuple[str, str] | None:
    """The form field of a detail's field path, and the words that say which part.

    A key of `names` matches the start of the path, part by part (`items` matches
    `items.2.topic`), with `#` for a number and `*` for any one part. The longest key
    wins, then the one with more parts written out; None if no key matches.
    """
    parts = _parts(path)
    best: tuple[tuple[int, int], str, str] | None = None
    for key, target in names.items():
        pattern = key.split(".")
        if len(pattern) > len(parts):
            continue
        pairs = list(zip(pattern, parts[: len(pattern)], strict=True))
        if not all(want in (part, "*") or (want == "#" and part.isdigit()) for want, part in pairs):
            continue
        numbers = [int(part) for want, part in pairs if want == "#"]
        rank = (len(pattern), sum(want not in ("#", "*") for want in pattern))
        if best is None or rank > best[0]:
            field, words = (target, "") if isinstance(target, str) else target
            index = numbers[0] if numbers else 0
            fill = {"i": index, "n": index + 1, "path": path}
            best = (rank, field.format(**fill), words.format(**fill))
    return None if best is None else (best[1], best[2])


def service_errors(
    exc: CompanionError,
    *,
    names: Mapping[str, Place] | None = None,
    known: set[str] | None = None,
    fallback: str = FORM,
    whole: bool = False,
) -> dict[str, str]:
    """A service's refusal by form field, from its structured details.

    A detail names a field (`content.items.0.topic` counts for `content`); the field
    is shown by its form name (`names`, see `place`), and one the form does not have
    (`known`) falls back to `fallback`. A refusal that names no field goes to
    `fallback` too. Each field shows its detail's message, or with `whole` the error's
    own sentence (for a form with one field, where the sentence says more than the
    detail); the first detail of a field is the one shown.
    """
    found: dict[str, str] = {}
    for detail in exc.details:
        path = str(detail.get("field") or "")
        field, words = place(path, names or {}) or ((_parts(path) or [""])[0], "")
        if not field or (known is not None and field not in known):
            field = fallback
        message = str((None if whole else detail.get("message")) or exc.message)
        # Shown next to its field, a message need not name the field again.
        found.setdefault(field, words + message.removeprefix(f"{path}: "))
    return found or {fallback: exc.message}


def beside(field: str) -> dict[str, Any]:
    """For a form with one field: whatever the service says, said whole beside it
    (`run(session, call, **beside("file"))`)."""
    return {"names": {"*": field}, "fallback": field, "whole": True}


def run(
    session: Session,
    call: Callable[[], T],
    *,
    whole_page: tuple[type[CompanionError], ...] = (NotFound, PermissionDenied),
    **mapping: Any,
) -> T:
    """Make the one service call of a form in a savepoint.

    Refused (`Refused`, with `service_errors(**mapping)`): nothing the call changed
    is kept. Not found and not
    allowed stay whole-page answers (`whole_page`), as they are in the API, unless
    the form itself is what is not allowed (an address one may not invite).
    """
    savepoint = session.begin_nested()
    try:
        result = call()
    except CompanionError as exc:
        # A service that ended the transaction itself (to keep a record of a failure)
        # has closed the savepoint with it.
        if savepoint.is_active:
            # A failure that records itself (a failed draft) keeps only that record.
            if exc.records_failure:
                savepoint.commit()
            else:
                savepoint.rollback()
        if isinstance(exc, whole_page):
            raise
        errors = service_errors(exc, **mapping)
        raise Refused(errors, exc.status_code, exc) from exc
    if savepoint.is_active:
        savepoint.commit()
    return result


def act(
    request: Request, session: Session, call: Callable[[], object], *, done: str, back: str
) -> RedirectResponse:
    """A button's one service call: say what happened, or why not, and go back."""
    try:
        run(session, call)
    except Refused as refused:
        flash(request, refused.message, "error")
    else:
        flash(request, done)
    return redirect(back)
