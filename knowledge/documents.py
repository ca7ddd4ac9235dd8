"""What the knowledge base stores: source documents and their chunks."""

from __future__ import annotations

from dataclasses import dataclass, field

AUDIENCES = ("mentor", "mentee", "coordinator")
PROGRAM_TYPES = ("one_on_one", "peer", "circle", "speed", "reverse", "flash", "advisory_board")
STAGES = ("design", "matching", "kickoff", "ongoing", "closing")
KINDS = ("guide", "story", "article")


class LoadError(Exception):
    """A file could not be turned into a document; the message says why."""


@dataclass(frozen=True)
class SourceDocument:
    """One ingested document, its text as Markdown-like text with '#' headings."""

    doc_id: str
    title: str
    source: str
    kind: str
    text: str
    content_hash: str
    summary: str = ""
    audience: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    program_types: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A passage of a document with the path of headings above it."""

    chunk_id: str
    doc_id: str
    position: int
    heading: str
    text: str
