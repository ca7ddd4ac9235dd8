"""The knowledge base: search and reading for everyone signed in; curation for coordinators."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status

from api.deps import CurrentUser, PageDep, ServicesDep, SessionDep, Token, run_as_user
from api.responses import ReadModel
from companion.guidance import service as kb
from companion.guidance.schemas import (
    IngestResponse,
    KbDocumentDetail,
    KbDocumentPublic,
    SearchHit,
    SearchResponse,
)
from companion.pagination import Page, page_of

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])

Audience = Literal["mentor", "mentee", "coordinator"]
ProgramType = Literal["one_on_one", "peer", "circle", "speed", "reverse", "flash", "advisory_board"]
Kind = Literal["guide", "story", "article"]


@router.get("/search", response_model=SearchResponse)
async def search(
    services: ServicesDep,
    token: Token,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="What to look for.")],
    top_k: Annotated[int, Query(ge=1, le=50)] = 5,
    audience: Audience | None = None,
    topic: Annotated[str | None, Query(max_length=100)] = None,
    program_type: ProgramType | None = None,
    document: Annotated[str | None, Query(max_length=200, description="A doc_id.")] = None,
    kind: Kind | None = None,
) -> Response:
    # Two trips to a worker thread instead of four (docs/performance.md, "Throughput"):
    # a quick read (the token, the reader check and what the knowledge base holds),
    # then the search, which encodes the query with no database session open.
    contents = await run_as_user(
        services,
        token,
        lambda session, user: kb.contents_for_reader(session=session, principal=user),
    )

    def find() -> Response:
        from knowledge.search import SearchFilters

        results = kb.search_contents(
            kb=services.knowledge_base,
            contents=contents,
            sessions=services.sessions,
            query=q,
            top_k=top_k,
            filters=SearchFilters(
                audience=audience,
                topic=topic,
                program_type=program_type,
                document=document,
                kind=kind,
            ),
        )
        hits = [SearchHit.model_validate(r, from_attributes=True) for r in results]
        return ReadModel(SearchResponse(query=q, results=hits))

    return await anyio.to_thread.run_sync(find)


@router.get("/documents", response_model=Page[KbDocumentPublic])
def list_documents(
    session: SessionDep, user: CurrentUser, page: PageDep, kind: Kind | None = None
) -> Page[KbDocumentPublic]:
    rows, total = kb.list_documents(
        session=session, principal=user, kind=kind, limit=page.limit, offset=page.offset
    )
    return page_of(KbDocumentPublic, rows, total, limit=page.limit, offset=page.offset)


@router.get("/documents/{doc_id}", response_model=KbDocumentDetail)
def get_document(doc_id: str, session: SessionDep, user: CurrentUser) -> KbDocumentDetail:
    return KbDocumentDetail.model_validate(
        kb.get_document(session=session, doc_id=doc_id, principal=user)
    )


@router.post("/documents/{doc_id}/retire", response_model=KbDocumentPublic)
def retire_document(doc_id: str, session: SessionDep, user: CurrentUser) -> KbDocumentPublic:
    """Leave the guide out of search and drafts; citations already made still open it."""
    return KbDocumentPublic.model_validate(
        kb.retire_document(session=session, doc_id=doc_id, principal=user)
    )


@router.post("/documents/{doc_id}/restore", response_model=KbDocumentPublic)
def restore_document(doc_id: str, session: SessionDep, user: CurrentUser) -> KbDocumentPublic:
    return KbDocumentPublic.model_validate(
        kb.restore_document(session=session, doc_id=doc_id, principal=user)
    )


@router.delete("/documents/{doc_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(
    doc_id: str, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> None:
    kb.delete_document(session=session, kb=services.knowledge_base, doc_id=doc_id, principal=user)


@router.post("/documents", response_model=IngestResponse)
def upload_documents(
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    files: Annotated[list[UploadFile], File(description="Markdown, text, HTML or PDF files.")],
    kind: Annotated[Kind | None, Form()] = None,
    tags: Annotated[str, Form(description="Comma-separated, e.g. 'story'.")] = "",
) -> IngestResponse:
    # Who may upload, and how many files, before any of them is read.
    kb.check_uploads(principal=user, names=[f.filename or "upload" for f in files], kind=kind)
    uploads = kb.read_uploads([(f.filename or "upload", f.file) for f in files])
    tag_list = [t.strip() for t in tags.split(",") if t.strip()]
    report = kb.ingest_many(
        session=session,
        kb=services.knowledge_base,
        loads=kb.upload_loads(uploads, kind=kind, tags=tag_list),
        principal=user,
    )
    return IngestResponse.model_validate(report.as_dict())
