"""Start a long action as a job, and read how far it got.

A job only calls the transactional function that does the work (`matching.run`,
`participants.import_participants`, `guidance.ingest_many`) in a unit of work of its
own: a failure rolls that work back and leaves the error on the job, nothing half
written. The request that starts a job returns at once with the job's page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy.orm import Session

from companion.accounts.models import User
from companion.accounts.principal import Principal, System
from companion.db import session_scope
from companion.db.base import utcnow
from companion.errors import InvalidInput
from companion.guidance import policy as guidance_policy
from companion.guidance import service as kb
from companion.jobs import policy
from companion.jobs.models import Job, JobKind, JobState
from companion.jobs.runner import HEARTBEAT_SECONDS, RUNNER_ID, Outcome, Progress, Runner
from companion.matching import service as matching
from companion.participants import service as participants
from companion.programs import policy as program_policy

if TYPE_CHECKING:
    from companion.runtime import Services

# A running job whose process has not said it is alive for this long has stopped.
STALE_AFTER = timedelta(seconds=12 * HEARTBEAT_SECONDS)
SERVER_STOPPED = (
    "The server stopped before this finished, so nothing of it was saved. Run it again."
)
MATCHING_STEPS = (
    "Reading the program's mentors and mentees",
    "Reading what each person wrote, for fit by meaning",
    "Choosing the pairs: scores, rules and capacity",
    "Saving the proposals and the fairness report",
)


class JobPublic(BaseModel):
    id: int
    kind: str
    title: str
    state: str
    steps_done: int
    steps_total: int
    step: str
    summary: str
    result_url: str
    error: str
    program_id: int | None
    created_at: datetime
    finished_at: datetime | None


def _person(principal: Principal) -> User:
    if isinstance(principal, System):
        raise InvalidInput("A job is started by a person, from the browser.", field="principal")
    return principal


def _create(
    *,
    session: Session,
    kind: JobKind,
    program_id: int | None,
    title: str,
    steps_total: int,
    principal: Principal,
) -> Job:
    job = Job(
        kind=kind,
        program_id=program_id,
        started_by_id=_person(principal).id,
        title=title[:300],
        steps_total=steps_total,
        step="Waiting to start",
        runner=RUNNER_ID,
    )
    session.add(job)
    session.flush()
    return job


def start_matching(
    *, session: Session, services: Services, runner: Runner, program_id: int, principal: Principal
) -> Job:
    """Propose matches for the program in the background (`matching.run`); what would
    refuse it at once (nobody to match) is said now, on the page it was started from."""
    program = matching.check_runnable(session=session, program_id=program_id, principal=principal)
    job = _create(
        session=session,
        kind=JobKind.matching,
        program_id=program.id,
        title=f"Proposing matches in {program.name}",
        steps_total=len(MATCHING_STEPS),
        principal=principal,
    )
    user_id = job.started_by_id

    def work(progress: Progress) -> Outcome:
        progress.step(MATCHING_STEPS[0])
        with session_scope(services.write_sessions) as own:
            match_run = matching.run(
                session=own,
                vectors=services.profile_vectors,
                program_id=program_id,
                principal=own.get(User, user_id),
                progress=lambda n: progress.step(MATCHING_STEPS[n]),
            )
            outcome = Outcome(
                summary=f"Run {match_run.id} proposes {len(match_run.proposals)} pair(s); "
                f"{len(match_run.unmatched)} mentee(s) unmatched. "
                "Nothing is final until you approve.",
                result_url=f"/coordinator/runs/{match_run.id}",
            )
        return outcome

    runner.start_after_commit(session, job.id, work)
    return job


def start_import(
    *,
    session: Session,
    services: Services,
    runner: Runner,
    program_id: int,
    data: bytes,
    filename: str,
    principal: Principal,
) -> Job:
    """Import a participants file in the background: all of it, or nothing.

    The file is checked first, here, so its problems are named on the page it was sent
    from; the job then imports it, checked again against the program as it is then."""
    program = program_policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    rows = participants.check_importable(
        session=session, program_id=program.id, data=data, filename=filename, principal=principal
    )
    job = _create(
        session=session,
        kind=JobKind.participant_import,
        program_id=program.id,
        title=f"Importing {filename} ({rows} people) into {program.name}",
        steps_total=2,
        principal=principal,
    )
    user_id = job.started_by_id

    def work(progress: Progress) -> Outcome:
        progress.step(f"Checking every row of {filename}")
        with session_scope(services.write_sessions) as own:
            result = participants.import_participants(
                session=own,
                program_id=program_id,
                data=data,
                filename=filename,
                principal=own.get(User, user_id),
            )
        progress.step("Saved")
        held = (
            f" {result.email_changes_held} changed email address(es) are held for an "
            "administrator to confirm; until then those people keep their current address."
            if result.email_changes_held
            else ""
        )
        return Outcome(
            summary=f"Imported {filename}: {result.created} new, {result.updated} updated, "
            f"{result.unchanged} unchanged; {result.users_created} new account(s).{held}",
            result_url=f"/coordinator/programs/{program_id}/participants?sort=newest#list-title",
        )

    runner.start_after_commit(session, job.id, work)
    return job


def start_ingest(
    *,
    session: Session,
    services: Services,
    runner: Runner,
    uploads: Sequence[tuple[str, bytes]],
    kind: str | None,
    tags: Sequence[str],
    principal: Principal,
) -> Job:
    """Add uploaded guides to the knowledge base in the background, each file alone."""
    guidance_policy.require_curator(principal)
    names = [name for name, _ in uploads]
    job = _create(
        session=session,
        kind=JobKind.knowledge_ingest,
        program_id=None,
        title=f"Adding {len(names)} file(s) to the knowledge base",
        steps_total=len(names) + 1,
        principal=principal,
    )
    user_id = job.started_by_id

    def work(progress: Progress) -> Outcome:
        progress.step("Reading the files")
        with session_scope(services.write_sessions) as own:
            report = kb.ingest_many(
                session=own,
                kb=services.knowledge_base,
                loads=kb.upload_loads(uploads, kind=kind, tags=tags),
                principal=own.get(User, user_id),
                on_progress=lambda source: progress.step(f"Added or checked {source}"),
            )
        chunks = sum(item["chunks"] for item in report.ingested)
        failed = "".join(
            f" Not added: {failure['source']}: {failure['error']}." for failure in report.failed
        )
        return Outcome(
            summary=f"Added or updated {len(report.ingested)} document(s) ({chunks} passages); "
            f"{len(report.unchanged)} unchanged.{failed}",
            result_url="/knowledge#documents",
        )

    runner.start_after_commit(session, job.id, work)
    return job


def get(
    *, session: Session, job_id: int, principal: Principal, now: datetime | None = None
) -> JobPublic:
    """The job as its starter and its program's coordinators see it; to anyone else, 404.

    A job still marked running whose server process stopped (no heartbeat for
    STALE_AFTER) is shown as failed: its work was one transaction, so nothing of it
    was saved."""
    job = session.get(Job, job_id)
    if job is None or not policy.may_read(job=job, principal=principal):
        raise policy.job_not_found(job_id)
    shown = JobPublic(
        id=job.id,
        kind=job.kind.value,
        title=job.title,
        state=job.state.value,
        steps_done=min(job.steps_done, job.steps_total),
        steps_total=job.steps_total,
        step=job.step,
        summary=job.summary,
        result_url=job.result_url,
        error=job.error,
        program_id=job.program_id,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )
    if job.state == JobState.running and (now or utcnow()) - job.heartbeat_at > STALE_AFTER:
        shown.state = JobState.failed.value
        shown.error = SERVER_STOPPED
    return shown
