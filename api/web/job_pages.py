"""The page of a long action: what it is doing, how far it got, and where its result is."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from api.deps import SessionDep
from api.web.core import WebUser, render
from companion.jobs import service as jobs
from companion.jobs.service import JobPublic

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

# Where to start a job of each kind again, after a failure.
AGAIN = {
    "matching": "/coordinator/programs/{program_id}/matching",
    "participant_import": "/coordinator/programs/{program_id}/participants",
    "knowledge_ingest": "/knowledge#documents",
}
REFRESH_SECONDS = 2


@router.get("/jobs/{job_id:int}", response_model=None)
def job_page(request: Request, job_id: int, user: WebUser, session: SessionDep) -> HTMLResponse:
    job = jobs.get(session=session, job_id=job_id, principal=user)
    return render(
        request,
        "jobs/job.html",
        user=user,
        job=job,
        again=AGAIN[job.kind].format(program_id=job.program_id),
        refresh=REFRESH_SECONDS,
        started=job.created_at.astimezone(UTC).strftime("%H:%M:%S UTC"),
        seconds=int(((job.finished_at or datetime.now(UTC)) - job.created_at).total_seconds()),
    )


@router.get("/jobs/{job_id:int}/progress", response_class=JSONResponse, response_model=JobPublic)
def job_progress(job_id: int, user: WebUser, session: SessionDep) -> JobPublic:
    """The page's poll: the same job, as JSON."""
    return jobs.get(session=session, job_id=job_id, principal=user)
