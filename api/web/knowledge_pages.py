"""The knowledge base: everyone signed in searches and reads guides; coordinators curate and ask."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from api.deps import PageDep, PageParams, ServicesDep, SessionDep
from api.web import forms
from api.web.coordinator import pager
from api.web.core import Form, WebUser, flash, guide_url, redirect, render
from companion.accounts.models import User
from companion.drafting import service as drafting
from companion.errors import InvalidInput, LLMOutputInvalid, NotFound, ServiceUnavailable
from companion.guidance import policy as kb_policy
from companion.guidance import service as kb
from companion.jobs import service as jobs
from companion.review import queue
from companion.runtime import Services
from knowledge.documents import AUDIENCES, KINDS
from knowledge.render import render_markdown
from knowledge.search import SearchFilters
from prompts.schemas import DraftKind

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

TOP_K = 8


def snippet_html(snippet: str) -> Markup:
    """The search snippet with its **bold** query words as <strong>, everything else escaped."""
    parts = str(escape(snippet)).split("**")
    return Markup("".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts)))


def _knowledge_page(
    request: Request,
    session: Session,
    services: Services,
    user: User,
    page: PageParams,
    *,
    q: str = "",
    audience: str = "",
    topic: str = "",
    asked: int | None = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    documents, total = kb.list_documents(
        session=session, principal=user, limit=page.limit, offset=page.offset
    )
    errors = dict(errors or {})
    results = []
    if audience and audience not in AUDIENCES:
        errors["audience"] = f"Choose one of {', '.join(AUDIENCES)}."
    elif q.strip():
        try:
            results = kb.search_for(
                session=session,
                kb=services.knowledge_base,
                principal=user,
                query=q,
                top_k=TOP_K,
                filters=SearchFilters(audience=audience or None, topic=topic.strip() or None),
            )
        except InvalidInput as exc:
            errors["q"] = exc.message
    return render(
        request,
        "knowledge/index.html",
        user=user,
        status_code=status_code,
        errors=errors,
        q=q,
        audience=audience,
        topic=topic,
        audiences=[(a, a) for a in AUDIENCES],
        kinds=[(k, k) for k in KINDS],
        searched=bool(q.strip()) and "q" not in errors and "audience" not in errors,
        results=[
            {
                "hit": r,
                "section": r.heading.removeprefix(r.title).removeprefix(" > "),
                "snippet": snippet_html(r.snippet),
                "url": guide_url(r.doc_id, r.heading, r.title),
            }
            for r in results
        ],
        documents=documents,
        pages=pager(page, total, "/knowledge"),
        curator=kb_policy.may_curate(user),
        asked=queue.get_for(session=session, draft_id=asked, principal=user) if asked else None,
        **context,
    )


@router.get("/knowledge", response_model=None)
def knowledge_home(
    request: Request,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    page: PageDep,
    q: str = "",
    audience: str = "",
    topic: str = "",
    asked: int | None = None,
) -> HTMLResponse:
    return _knowledge_page(
        request, session, services, user, page, q=q, audience=audience, topic=topic, asked=asked
    )


@router.post("/knowledge/documents", response_model=None)
def upload_documents(
    request: Request,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
    page: PageDep,
) -> HTMLResponse | RedirectResponse:
    """Ingest uploaded files the same way as the API: each file succeeds or fails alone."""
    kind = str(form.get("kind", "")) or None
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    problem = ""
    try:
        kb.check_uploads(principal=user, names=[f.filename or "" for f in files], kind=kind)
    except InvalidInput as exc:
        problem = exc.message
    uploads = []
    if not problem:
        try:
            uploads = kb.read_uploads([(f.filename or "upload", f.file) for f in files])
        except InvalidInput as exc:
            problem = exc.message
    if problem:
        return _knowledge_page(
            request, session, services, user, page, status_code=422, errors={"files": problem}
        )
    tags = [t.strip() for t in str(form.get("tags", "")).split(",") if t.strip()]
    # Encoding takes a while: the files are added in the background, and the job's page
    # shows how far it got and links back to the documents.
    job = jobs.start_ingest(
        session=session,
        services=services,
        runner=services.jobs,
        uploads=uploads,
        kind=kind,
        tags=tags,
        principal=user,
    )
    return redirect(f"/jobs/{job.id}")


@router.post("/knowledge/documents/{doc_id}/delete", response_model=None)
def delete_document(
    request: Request,
    doc_id: str,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
) -> RedirectResponse:
    try:
        kb.delete_document(
            session=session, kb=services.knowledge_base, doc_id=doc_id, principal=user
        )
    except NotFound as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, f"Deleted {doc_id} and its passages.")
    return redirect("/knowledge#documents")


@router.post("/knowledge/ask", response_model=None)
def ask(
    request: Request,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
    page: PageDep,
) -> HTMLResponse | RedirectResponse:
    """Draft an answer from the knowledge base; like every draft, it waits for review."""
    question = str(form.get("text", ""))
    try:
        draft = drafting.request_draft(
            services=services,
            session=session,
            kind=DraftKind.answer,
            principal=user,
            text=question,
        )
    except InvalidInput as exc:
        return _knowledge_page(
            request,
            session,
            services,
            user,
            page,
            status_code=exc.status_code,
            errors=forms.service_errors(exc),
            question=question,
        )
    except (ServiceUnavailable, LLMOutputInvalid) as exc:
        # The failed draft is kept (committed by the drafting service) for the record.
        flash(request, f"The answer could not be drafted: {exc.message}", "error")
        return redirect("/knowledge#ask")
    return redirect(f"/knowledge?asked={draft.id}#ask")


@router.get("/knowledge/guides/{doc_id}", response_model=None)
def read_guide(request: Request, doc_id: str, user: WebUser, session: SessionDep) -> HTMLResponse:
    """A whole guide, rendered safely, with an anchor at every section a citation points to."""
    document = kb.get_document(session=session, doc_id=doc_id, principal=user)
    rendered = render_markdown(document.body, title=document.title) if document.body else None
    # Documents ingested before their text was kept are read as their passages.
    passages = [(guide_url(doc_id, c.heading, document.title), c) for c in document.chunks]
    return render(
        request,
        "knowledge/guide.html",
        user=user,
        document=document,
        # Safe: rendered with raw HTML off, so the document's own markup is escaped.
        body=Markup(rendered.html) if rendered else None,
        sections=rendered.sections if rendered else [],
        passages=[] if rendered else passages,
        curator=kb_policy.may_curate(user),
    )


@router.get("/knowledge/passages/{chunk_id}", response_model=None)
def open_passage(chunk_id: str, user: WebUser, session: SessionDep) -> RedirectResponse:
    """A citation by passage id goes to its guide, at the passage's section."""
    chunk = kb.get_passage(session=session, chunk_id=chunk_id, principal=user)
    document = chunk.document
    return RedirectResponse(guide_url(document.doc_id, chunk.heading, document.title), 303)


@router.post("/knowledge/documents/{doc_id}/retire", response_model=None)
def retire_document(
    request: Request, doc_id: str, user: WebUser, session: SessionDep, form: Form
) -> RedirectResponse:
    document = kb.retire_document(session=session, doc_id=doc_id, principal=user)
    flash(
        request,
        f"Retired “{document.title}”: it is left out of search and new drafts; "
        "drafts that already cite it still link here.",
    )
    return redirect(guide_url(doc_id))


@router.post("/knowledge/documents/{doc_id}/restore", response_model=None)
def restore_document(
    request: Request, doc_id: str, user: WebUser, session: SessionDep, form: Form
) -> RedirectResponse:
    document = kb.restore_document(session=session, doc_id=doc_id, principal=user)
    flash(request, f"Restored “{document.title}”: search and drafts use it again.")
    return redirect(guide_url(doc_id))
