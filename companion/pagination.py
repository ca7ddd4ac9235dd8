"""A page of a list, the same shape for every list endpoint and JSON CLI output."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

MAX_PAGE_SIZE = 200

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Number of items across all pages.")
    limit: int
    offset: int
