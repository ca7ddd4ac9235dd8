"""ORM models: ingested documents and their chunks (the source of truth for search)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.db.base import Base, UTCDateTime, utcnow


class KbDocument(Base):
    __tablename__ = "kb_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    program_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    stage: Mapped[list[str]] = mapped_column(JSON, default=list)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Questions the document answers, in askers' words: searched, never shown as results.
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    chunk_count: Mapped[int] = mapped_column(default=0)
    # The document's whole text (Markdown-like), read as a guide; empty for documents
    # ingested before it was kept (the guide then shows its passages).
    body: Mapped[str] = mapped_column(Text, default="")
    # A retired document is left out of search and drafts; citations already made of it
    # still open it.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    chunks: Mapped[list[KbChunk]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        order_by="KbChunk.position",
        passive_deletes=True,
    )


class KbChunk(Base):
    __tablename__ = "kb_chunks"

    chunk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("kb_documents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    heading: Mapped[str] = mapped_column(String(1000))
    text: Mapped[str] = mapped_column(Text)

    document: Mapped[KbDocument] = relationship(back_populates="chunks")
