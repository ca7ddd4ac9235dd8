"""A read model the service built and validated, sent as JSON without validating it again."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


class ReadModel(Response):
    """The bytes FastAPI sends for a `response_model` (`exclude_unset` as the route says),
    for a handler whose service already returns that model: FastAPI would otherwise check
    the finished instance again, in a thread of its own, before serialising it.

    Keep `response_model=` on the route: it is what the OpenAPI document shows."""

    media_type = "application/json"

    def __init__(
        self, model: BaseModel, *, exclude_unset: bool = False, status_code: int = 200
    ) -> None:
        super().__init__(
            model.model_dump_json(by_alias=True, exclude_unset=exclude_unset),
            status_code=status_code,
        )
