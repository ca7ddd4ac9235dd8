"""Ingest documents into the knowledge base, search it, list and delete documents.

The relational database is the source of truth (documents and chunk texts);
the vector store holds one vector per chunk id. Writes go to both; a searcher
rebuild re-encodes chunks whose vector is missing and drops vectors of chunks
that no longer exist, so a failure between the two stores heals itself.

Coordinators (of any program, or of all) curate it; anyone signed in searches it and
reads its guides (companion.guidance.policy). A retired guide is out of search and
drafts, and still opens from a citation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.audit.models import AuditEvent
from companion.db import end_reads, fetch_page, session_scope
from companion.db.base import column_lengths, utcnow
from companion.errors import InvalidInput, NotFound
from companion.guidance import policy
from companion.guidance.models import KbChunk, KbDocument

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

    from embeddings import Encoder, LocalStore, VectorIndex

    Store = ClientAPI | LocalStore
    from knowledge.documents import SourceDocument
    from knowledge.search import HybridSearcher, Passage, SearchFilters, SearchResult

COLLECTION = "knowledge-chunks"
# A document's id is stored with it and, as the subject of its audit events, in the trail.
DOC_ID_MAX_LENGTH = min(
    column_lengths(KbDocument)["doc_id"], column_lengths(AuditEvent)["subject_id"]
)


class KnowledgeBase:
    """The vector collection and a searcher kept in step with the database."""

    def __init__(self, encoder: Encoder, chroma: Store | Callable[[], Store]) -> None:
        # A callable opens the vector store only when a vector is read or written:
        # re-ingesting unchanged documents then never starts Chroma (3 s on a busy machine).
        self.encoder = encoder
        self._chroma = chroma
        self._index: VectorIndex | None = None
        # The searcher and the contents (`_fingerprint`) it was built from, set together.
        self._built: tuple[tuple, HybridSearcher] | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> VectorIndex:
        if self._index is None:
            from embeddings import VectorIndex

            chroma = self._chroma() if callable(self._chroma) else self._chroma
            self._index = VectorIndex.for_encoder(chroma, COLLECTION, self.encoder)
        return self._index

    def searcher(self, session: Session) -> HybridSearcher:
        """The searcher for the current contents (rebuilt only when they changed)."""
        fingerprint = _fingerprint(session)
        searcher = self.searcher_of(fingerprint)
        if searcher is None:
            with self._lock:
                searcher = self.searcher_of(fingerprint)
                if searcher is None:
                    searcher = self._build(session)
                    self._built = (fingerprint, searcher)
        return searcher

    def searcher_of(self, contents: tuple) -> HybridSearcher | None:
        """The searcher built for these contents (a `_fingerprint`), if it is the current one."""
        built = self._built
        return built[1] if built is not None and built[0] == contents else None

    def _build(self, session: Session) -> HybridSearcher:
        from knowledge.search import HybridSearcher, search_text

        passages = _load_passages(session)
        ids = [p.chunk_id for p in passages]
        stored = self.index.get(ids) if ids else {}
        missing = [p for p in passages if p.chunk_id not in stored]
        if missing:
            vectors = self.encoder.encode([search_text(p) for p in missing])
            self.index.upsert(
                [p.chunk_id for p in missing],
                vectors,
                metadatas=[{"doc_id": p.doc_id} for p in missing],
            )
            stored.update(zip([p.chunk_id for p in missing], vectors, strict=True))
        orphans = sorted(set(self.index.ids()) - set(ids))
        if orphans:
            self.index.delete(orphans)
        matrix = (
            np.vstack([stored[i] for i in ids])
            if ids
            else np.zeros((0, self.encoder.dimension), dtype=np.float32)
        )
        return HybridSearcher(self.encoder, passages, matrix)


def _fingerprint(session: Session) -> tuple:
    # One statement, read before every search: what another process ingested or
    # retired since shows here (docs/performance.md, "Throughput").
    chunks = select(func.count()).select_from(KbChunk).scalar_subquery()
    documents, latest, retired, passages = session.execute(
        select(
            func.count(KbDocument.id),
            func.max(KbDocument.updated_at),
            func.count(KbDocument.retired_at),
            chunks,
        )
    ).one()
    return (documents, latest, retired, passages)


def _load_passages(session: Session) -> list[Passage]:
    rows = session.execute(
        select(KbChunk, KbDocument)
        .join(KbDocument, KbChunk.document_id == KbDocument.id)
        .where(KbDocument.retired_at.is_(None))
        .order_by(KbDocument.doc_id, KbChunk.position)
    ).all()
    passages = []
    last_doc: KbDocument | None = None
    for chunk, doc in rows:
        if doc is not last_doc:
            passages.extend(_question_passages(doc))
            last_doc = doc
        passages.append(_passage(doc, heading=chunk.heading, text=chunk.text, id=chunk.chunk_id))
    return passages


def _passage(
    doc: KbDocument, *, heading: str, text: str, id: str, question: bool = False
) -> Passage:
    from knowledge.search import Passage

    return Passage(
        chunk_id=id,
        doc_id=doc.doc_id,
        title=doc.title,
        source=doc.source,
        heading=heading,
        text=text,
        summary=doc.summary,
        kind=doc.kind,
        audience=tuple(doc.audience),
        topics=tuple(doc.topics),
        program_types=tuple(doc.program_types),
        tags=tuple(doc.tags),
        is_question=question,
    )


def _question_passages(doc: KbDocument) -> list[Passage]:
    """The document's questions as search keys: searched, never shown as results."""
    from knowledge.search import question_id

    return [
        _passage(doc, heading="", text=q, id=question_id(doc.doc_id, q), question=True)
        for q in dict.fromkeys(doc.questions or ())
    ]


def _vector_ids(doc: KbDocument) -> list[str]:
    return [c.chunk_id for c in doc.chunks] + [p.chunk_id for p in _question_passages(doc)]


# --- ingestion ---------------------------------------------------------------


@dataclass
class IngestReport:
    ingested: list[dict] = field(default_factory=list)
    unchanged: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ingested": self.ingested, "unchanged": self.unchanged, "failed": self.failed}


@dataclass
class _Change:
    """A document to add or replace, with the passages whose vectors it needs."""

    document: SourceDocument
    existing: KbDocument | None
    fields: dict
    chunks: list
    passages: list[Passage]


def _plan(*, session: Session, document: SourceDocument) -> _Change | None:
    """What ingesting a document would change; None when it is already there as it is."""
    from knowledge.chunking import chunk_document

    if len(document.doc_id) > DOC_ID_MAX_LENGTH:
        raise InvalidInput(
            f"the document id is {len(document.doc_id)} characters long; at most "
            f"{DOC_ID_MAX_LENGTH} are allowed: give it a shorter `id` in its front matter",
            field="doc_id",
        )

    existing = session.scalars(
        select(KbDocument).where(KbDocument.doc_id == document.doc_id)
    ).first()
    if (
        existing is not None
        and existing.content_hash == document.content_hash
        and existing.kind == document.kind
        and existing.tags == list(document.tags)
        and existing.source == document.source
        # Documents ingested before their text was kept are read again once to keep it.
        and (existing.body or not document.text)
    ):
        return None
    chunks = chunk_document(document)
    if not chunks:
        raise InvalidInput("the document has no text to index", field="text")
    fields = {
        "title": document.title,
        "source": document.source,
        "kind": document.kind,
        "content_hash": document.content_hash,
        "summary": document.summary,
        "audience": list(document.audience),
        "topics": list(document.topics),
        "program_types": list(document.program_types),
        "stage": list(document.stage),
        "sources": list(document.sources),
        "tags": list(document.tags),
        "questions": list(document.questions),
        "chunk_count": len(chunks),
        "body": document.text,
    }
    # A row outside the session, only to describe the passages as they will read.
    preview = KbDocument(doc_id=document.doc_id, **fields)
    passages = [
        _passage(preview, heading=c.heading, text=c.text, id=c.chunk_id) for c in chunks
    ] + _question_passages(preview)
    return _Change(document, existing, fields, chunks, passages)


def _encode(kb: KnowledgeBase, changes: Sequence[_Change]) -> list[np.ndarray]:
    """The vectors of every change's passages, encoded together in the encoder's batches."""
    from knowledge.search import search_text

    texts = [search_text(p) for change in changes for p in change.passages]
    vectors = kb.encoder.encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)
    split, start = [], 0
    for change in changes:
        split.append(vectors[start : start + len(change.passages)])
        start += len(change.passages)
    return split


def _apply(
    *,
    session: Session,
    kb: KnowledgeBase,
    change: _Change,
    vectors: np.ndarray,
    principal: Principal,
) -> int:
    """Write a planned change to the database and the vector store; returns its chunks."""
    document, existing, passages = change.document, change.existing, change.passages
    stale = _vector_ids(existing) if existing is not None else []
    row = existing if existing is not None else KbDocument(doc_id=document.doc_id)
    for name, value in {**change.fields, "updated_at": utcnow()}.items():
        setattr(row, name, value)
    kb.index.upsert(
        [p.chunk_id for p in passages], vectors, metadatas=[{"doc_id": p.doc_id} for p in passages]
    )
    replaced = set(stale) - {p.chunk_id for p in passages}
    if replaced:
        kb.index.delete(sorted(replaced))
    if existing is None:
        session.add(row)
        action = "kb.document_added"
    else:
        session.execute(delete(KbChunk).where(KbChunk.document_id == row.id))
        session.expire(row, ["chunks"])
        action = "kb.document_replaced"
    session.flush()
    session.add_all(
        KbChunk(
            chunk_id=c.chunk_id,
            document_id=row.id,
            position=c.position,
            heading=c.heading,
            text=c.text,
        )
        for c in change.chunks
    )
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action=action,
        subject_type="kb_document",
        subject_id=document.doc_id,
        data={
            "source": document.source,
            "hash": document.content_hash,
            "chunks": len(change.chunks),
        },
    )
    return len(change.chunks)


# A leader's story is a knowledge-base document too, "story-<its number>", written by the
# publish step alone (`leadership.stories`) once its author approved the text: an
# ingest never takes such an id, or it would be shown as that leader's story.
STORY_PREFIX = "story-"
STORY_KIND = "story"


def _not_a_story(document: SourceDocument) -> None:
    number = document.doc_id.removeprefix(STORY_PREFIX)
    if document.doc_id.startswith(STORY_PREFIX) and number.isdigit():
        raise InvalidInput(
            f"document id {document.doc_id!r}: ids such as 'story-1' are kept for leaders' "
            "stories, which are published from the stories page once their author approves "
            "them; choose another id",
            field="doc_id",
        )


def ingest_document(
    *, session: Session, kb: KnowledgeBase, document: SourceDocument, principal: Principal
) -> tuple[str, int]:
    """Add or replace one document; returns ("ingested" | "unchanged", chunk count)."""
    policy.require_curator(principal)
    change = _plan(session=session, document=document)
    if change is None:
        existing = session.scalars(
            select(KbDocument).where(KbDocument.doc_id == document.doc_id)
        ).one()
        return "unchanged", existing.chunk_count
    [vectors] = _encode(kb, [change])
    count = _apply(session=session, kb=kb, change=change, vectors=vectors, principal=principal)
    return "ingested", count


# Passages encoded together before their documents are written: enough for the
# encoder to fill its batches with texts of similar length, few enough that the
# progress a command shows keeps moving.
INGEST_GROUP_PASSAGES = 512


def ingest_many(
    *,
    session: Session,
    kb: KnowledgeBase,
    loads: Iterable[tuple[str, Callable[[], SourceDocument]]],
    principal: Principal,
    problems: Sequence[tuple[str, str]] = (),
    on_progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest each (source, loader) in its own savepoint: one bad file fails alone.

    New and changed documents are encoded in groups, all their chunks and question
    keys in one call of the encoder, rather than one call per document.

    Each document is committed as soon as it is written, so a run that is stopped
    keeps what it finished; no transaction is open while a file is read and parsed
    or while passages are encoded (SQLite's write lock is never held across either).
    The caller's unit of work must have nothing else pending.
    """
    from knowledge.documents import LoadError

    policy.require_curator(principal)
    report = IngestReport(failed=[{"source": s, "error": e} for s, e in problems])
    seen: dict[str, str] = {}
    pending: list[tuple[str, _Change]] = []

    def progress(source: str) -> None:
        if on_progress is not None:
            on_progress(source)

    def write_pending() -> None:
        end_reads(session)
        vectors = _encode(kb, [change for _, change in pending])
        for (source, change), change_vectors in zip(pending, vectors, strict=True):
            try:
                with session.begin_nested():
                    count = _apply(
                        session=session,
                        kb=kb,
                        change=change,
                        vectors=change_vectors,
                        principal=principal,
                    )
                # Kept from here on, whatever happens to the rest of the run.
                session.commit()
                report.ingested.append(
                    {"source": source, "doc_id": change.document.doc_id, "chunks": count}
                )
            except InvalidInput as exc:
                report.failed.append({"source": source, "error": str(exc)})
            progress(source)
        pending.clear()

    for source, load in loads:
        end_reads(session)
        try:
            document = load()
            _not_a_story(document)
            if document.doc_id in seen:
                raise InvalidInput(
                    f"document id {document.doc_id!r} is also used by {seen[document.doc_id]}",
                    field="doc_id",
                )
            seen[document.doc_id] = source
            change = _plan(session=session, document=document)
        except (LoadError, InvalidInput) as exc:
            report.failed.append({"source": source, "error": str(exc)})
            progress(source)
            continue
        if change is None:
            existing = session.scalars(
                select(KbDocument).where(KbDocument.doc_id == document.doc_id)
            ).one()
            report.unchanged.append(
                {"source": source, "doc_id": document.doc_id, "chunks": existing.chunk_count}
            )
            progress(source)
            continue
        pending.append((source, change))
        if sum(len(c.passages) for _, c in pending) >= INGEST_GROUP_PASSAGES:
            write_pending()
    if pending:
        write_pending()
    return report


def path_loads(
    paths: Sequence[Path],
    *,
    kind: str | None = None,
    tags: Sequence[str] = (),
    max_bytes: int | None = None,
) -> tuple[list[tuple[str, Callable[[], SourceDocument]]], list[tuple[str, str]]]:
    """Expand paths (folders recursively) into loaders, and the problems found on the way.

    A file larger than `max_bytes` fails alone, before it is read."""
    from knowledge.documents import LoadError
    from knowledge.loaders import discover, load_path

    def load(path: Path) -> SourceDocument:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise LoadError(
                f"{path} is {size:,} bytes; files are capped at {max_bytes:,} bytes "
                "(COMPANION_MAX_FILE_BYTES): split it into several documents"
            )
        return load_path(path, kind=kind, tags=tags)

    files, problems = discover(paths)
    return [(str(path), lambda path=path: load(path)) for path in files], problems


def check_uploads(*, principal: Principal, names: Sequence[str], kind: str | None) -> None:
    """Before any file is read: may this person upload, and is there anything to add?"""
    from knowledge.documents import KINDS

    policy.require_curator(principal)
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"Choose one of {', '.join(KINDS)}.", field="kind")
    if not names:
        raise InvalidInput("Choose one or more files: Markdown, text, HTML or PDF.", field="files")
    if len(names) > MAX_UPLOAD_FILES:
        raise InvalidInput(
            f"{len(names)} files: at most {MAX_UPLOAD_FILES} go in one upload; send the rest "
            "in another.",
            field="files",
        )


# One upload holds at most this many files, each at most MAX_UPLOAD_BYTES and all of them
# together at most MAX_UPLOAD_TOTAL_BYTES: they are held in memory until ingested.
MAX_UPLOAD_FILES = 100
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_TOTAL_BYTES = 100 * 1024 * 1024


def read_uploads(files: Sequence[tuple[str, BinaryIO]]) -> list[tuple[str, bytes]]:
    """Each (name, file) read, within the limits of one upload; the first file past a
    limit is named in the error."""
    uploads: list[tuple[str, bytes]] = []
    total = 0
    for name, file in files:
        data = file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput(
                f"{name}: larger than 20 MB, the limit for one file; split it first.",
                field="files",
            )
        total += len(data)
        if total > MAX_UPLOAD_TOTAL_BYTES:
            raise InvalidInput(
                f"{name}: the files up to it come to more than 100 MB, the limit for one "
                "upload; send the rest in another.",
                field="files",
            )
        uploads.append((name, data))
    return uploads


def upload_loads(
    uploads: Sequence[tuple[str, bytes]], *, kind: str | None = None, tags: Sequence[str] = ()
) -> list[tuple[str, Callable[[], SourceDocument]]]:
    from knowledge.loaders import load_bytes

    return [
        (name, lambda data=data, name=name: load_bytes(data, name=name, kind=kind, tags=tags))
        for name, data in uploads
    ]


# --- reading and deleting ------------------------------------------------------


def get_document(*, session: Session, doc_id: str, principal: Principal) -> KbDocument:
    """A guide, retired or not (a citation already made of it still opens it)."""
    policy.require_reader(principal, doc_id)
    document = session.scalars(select(KbDocument).where(KbDocument.doc_id == doc_id)).first()
    if document is None:
        raise policy.guide_not_found(doc_id)
    return document


def guide_in_use(*, session: Session, doc_id: str, principal: Principal) -> KbDocument | None:
    """A guide `principal` may read that is in the knowledge base and not retired, or None
    (a page that recommends a guide links to it only when it can be opened)."""
    if not policy.may_read(principal):
        return None
    return session.scalars(
        select(KbDocument).where(KbDocument.doc_id == doc_id, KbDocument.retired_at.is_(None))
    ).first()


def get_passage(*, session: Session, chunk_id: str, principal: Principal) -> KbChunk:
    """A cited passage, to find its guide and section."""
    policy.require_reader(principal)
    chunk = session.get(KbChunk, chunk_id)
    if chunk is None:
        raise NotFound(f"No passage with id {chunk_id!r}.")
    return chunk


def list_documents(
    *,
    session: Session,
    principal: Principal,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[KbDocument], int]:
    """Guides by id; retired ones only for those who curate (to restore them)."""
    policy.require_reader(principal)
    query = select(KbDocument)
    if kind:
        query = query.where(KbDocument.kind == kind)
    if not policy.lists_retired(principal):
        query = query.where(KbDocument.retired_at.is_(None))
    return fetch_page(session, query, order_by=KbDocument.doc_id, limit=limit, offset=offset)


def _set_retired(
    *, session: Session, doc_id: str, principal: Principal, retired: bool
) -> KbDocument:
    policy.require_curator(principal)
    document = get_document(session=session, doc_id=doc_id, principal=principal)
    if (document.retired_at is not None) == retired:
        return document
    now = utcnow()
    document.retired_at = now if retired else None
    # Moves the searcher's fingerprint: the next search leaves the guide out (or in).
    document.updated_at = now
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="kb.document_retired" if retired else "kb.document_restored",
        subject_type="kb_document",
        subject_id=doc_id,
        data={},
    )
    return document


def retire_document(*, session: Session, doc_id: str, principal: Principal) -> KbDocument:
    """Leave a guide out of search, lists and drafts; citations already made still open it."""
    return _set_retired(session=session, doc_id=doc_id, principal=principal, retired=True)


def restore_document(*, session: Session, doc_id: str, principal: Principal) -> KbDocument:
    return _set_retired(session=session, doc_id=doc_id, principal=principal, retired=False)


def delete_document(
    *, session: Session, kb: KnowledgeBase, doc_id: str, principal: Principal
) -> None:
    """Remove a document and its chunks from the database and the vector store."""
    policy.require_curator(principal)
    document = get_document(session=session, doc_id=doc_id, principal=principal)
    chunk_count = len(document.chunks)
    vector_ids = _vector_ids(document)
    session.delete(document)
    session.flush()
    kb.index.delete(vector_ids)
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="kb.document_deleted",
        subject_type="kb_document",
        subject_id=doc_id,
        data={"chunks": chunk_count},
    )


# --- search ------------------------------------------------------------------


def search(
    *,
    session: Session,
    kb: KnowledgeBase,
    query: str,
    top_k: int = 5,
    filters: SearchFilters | None = None,
) -> list[SearchResult]:
    query = _checked_query(query, top_k)
    return kb.searcher(session).search(query, top_k=top_k, filters=filters)


def _checked_query(query: str, top_k: int) -> str:
    query = query.strip()
    if not query:
        raise InvalidInput(
            "The search query is empty: type what you are looking for.", field="query"
        )
    if len(query) > 1000:
        raise InvalidInput("The search query is longer than 1,000 characters.", field="query")
    if not 1 <= top_k <= 50:
        raise InvalidInput("top_k must be between 1 and 50.", field="top_k")
    return query


def contents_for_reader(*, session: Session, principal: Principal) -> tuple:
    """A reader's first step of a search in two (the API's): the reader check, and what
    the knowledge base holds now (`search_contents` searches that, or newer)."""
    policy.require_reader(principal)
    return _fingerprint(session)


def search_contents(
    *,
    kb: KnowledgeBase,
    contents: tuple,
    sessions: Callable[[], Session],
    query: str,
    top_k: int = 5,
    filters: SearchFilters | None = None,
) -> list[SearchResult]:
    """The second step: the search, with no database session open while the query is
    encoded. A session of its own is opened only if the contents changed since the
    searcher was built."""
    query = _checked_query(query, top_k)
    searcher = kb.searcher_of(contents)
    if searcher is None:
        with session_scope(sessions) as session:
            searcher = kb.searcher(session)
    return searcher.search(query, top_k=top_k, filters=filters)


def search_for(
    *,
    session: Session,
    kb: KnowledgeBase,
    principal: Principal,
    query: str,
    top_k: int = 5,
    filters: SearchFilters | None = None,
) -> list[SearchResult]:
    """Search as a reader: anyone signed in; retired guides are never among the results."""
    policy.require_reader(principal)
    return search(session=session, kb=kb, query=query, top_k=top_k, filters=filters)
