"""Schemas of knowledge-base documents and search results (API and CLI JSON)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.render import public_source


def _file_name(source: str) -> str:
    """Readers are told the file a document came from, never where it lies on the server."""
    return public_source(source)


class KbDocumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    doc_id: str
    title: str
    source: str = Field(description="The file the document came from (its name only).")
    kind: str
    summary: str
    audience: list[str]
    topics: list[str]
    program_types: list[str]
    stage: list[str]
    sources: list[str]
    tags: list[str]
    questions: list[str] = Field(
        default_factory=list, description="Questions the document answers; searched, not shown."
    )
    chunk_count: int
    content_hash: str
    created_at: datetime
    updated_at: datetime
    retired_at: datetime | None = Field(
        default=None, description="When it was left out of search and drafts, if it was."
    )

    _public_source = field_validator("source")(_file_name)


class KbChunkPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    chunk_id: str
    position: int
    heading: str
    text: str


class KbDocumentDetail(KbDocumentPublic):
    chunks: list[KbChunkPublic]


class SearchHit(BaseModel):
    doc_id: str
    title: str
    source: str
    heading: str = Field(description="The path of headings above the passage.")
    text: str
    snippet: str = Field(description="The best-matching sentences, query words in **bold**.")
    score: float = Field(description="Reciprocal-rank-fusion score; higher is better.")

    _public_source = field_validator("source")(_file_name)


class SearchResponse(BaseModel):
    query: str
    results: list[SearchHit]


class IngestedItem(BaseModel):
    source: str
    doc_id: str
    chunks: int


class FailedItem(BaseModel):
    source: str
    error: str


class IngestResponse(BaseModel):
    ingested: list[IngestedItem]
    unchanged: list[IngestedItem]
    failed: list[FailedItem]
