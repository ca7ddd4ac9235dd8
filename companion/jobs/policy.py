"""Who may see a long action: the person who started it, and coordinators of its program."""

from __future__ import annotations

from companion.accounts.principal import Principal, System
from companion.errors import NotFound
from companion.jobs.models import Job
from companion.programs import policy as program_policy


def may_read(*, job: Job, principal: Principal) -> bool:
    if isinstance(principal, System):
        return True
    if job.started_by_id == principal.id:
        return True
    return job.program_id is not None and program_policy.may_coordinate(
        program_id=job.program_id, principal=principal
    )


def job_not_found(job_id: int) -> NotFound:
    return NotFound(f"No job with id {job_id}.")
