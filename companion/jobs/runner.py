"""Runs long actions on threads of the server process, each in its own unit of work, and
writes their progress in short transactions of its own."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import event, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from companion.db import session_scope
from companion.db.base import utcnow
from companion.errors import CompanionError
from companion.jobs.models import Job, JobState

log = logging.getLogger(__name__)

# This process, as a job names it: a job left running by another process that stopped
# is told apart by its heartbeat, which only a live process keeps fresh.
RUNNER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
HEARTBEAT_SECONDS = 5


@dataclass(frozen=True)
class Outcome:
    summary: str
    result_url: str


class Progress:
    """What a job's work calls between its steps: the step it starts now, by name."""

    def __init__(self, sessions: sessionmaker[Session], job_id: int) -> None:
        self._sessions = sessions
        self._job_id = job_id
        self._done = -1

    def step(self, doing: str) -> None:
        self._done += 1
        _write(self._sessions, self._job_id, steps_done=self._done, step=doing[:300])


def _write(sessions: sessionmaker[Session], job_id: int, **values: object) -> None:
    """One short transaction; a busy database loses a progress line, never the job."""
    try:
        with session_scope(sessions) as session:
            session.execute(
                update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow(), **values)
            )
    except OperationalError:
        log.warning("Could not record the progress of job %s: the database is busy.", job_id)


Work = Callable[[Progress], Outcome]


class Runner:
    """A small pool of threads for the long actions of one server process."""

    def __init__(self, sessions: sessionmaker[Session], workers: int = 1) -> None:
        self._sessions = sessions
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()
        # Jobs waiting for a thread or running: one heartbeat keeps them all alive, so a
        # job queued behind a long one is not taken for the job of a stopped server.
        self._live: set[int] = set()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def start_after_commit(self, session: Session, job_id: int, work: Work) -> None:
        """Run `work` once the transaction that created the job is committed (a job
        whose creation is rolled back never runs)."""

        def submit(_: Session) -> None:
            with self._lock:
                self._live.add(job_id)
                if self._beat is None:
                    self._beat = threading.Thread(
                        target=self._heartbeat, name="job-heartbeat", daemon=True
                    )
                    self._beat.start()
                self._futures.append(self._pool.submit(self._run, job_id, work))

        event.listen(session, "after_commit", submit, once=True)

    def _run(self, job_id: int, work: Work) -> None:
        try:
            outcome = work(Progress(self._sessions, job_id))
        except CompanionError as exc:
            self._finish(job_id, state=JobState.failed, error=exc.message)
        except Exception:
            log.exception("Job %s failed", job_id)
            self._finish(
                job_id,
                state=JobState.failed,
                error="Something went wrong on the server and nothing was saved; "
                "run it again, and tell an administrator if it fails again.",
            )
        else:
            self._finish(
                job_id,
                state=JobState.done,
                summary=outcome.summary,
                result_url=outcome.result_url,
            )
        finally:
            with self._lock:
                self._live.discard(job_id)

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            with self._lock:
                live = sorted(self._live)
            if live:
                try:
                    with session_scope(self._sessions) as session:
                        session.execute(
                            update(Job).where(Job.id.in_(live)).values(heartbeat_at=utcnow())
                        )
                except OperationalError:
                    log.warning("Could not record that jobs %s are alive: database busy.", live)

    def _finish(self, job_id: int, *, state: JobState, **values: object) -> None:
        with session_scope(self._sessions) as session:
            job = session.get(Job, job_id)
            job.state = state
            job.finished_at = utcnow()
            job.heartbeat_at = utcnow()
            if state == JobState.done:
                job.steps_done = job.steps_total
            for name, value in values.items():
                setattr(job, name, value)

    def wait(self) -> None:
        """Until every job submitted so far has finished (for tests and a clean stop)."""
        with self._lock:
            futures = list(self._futures)
        for future in futures:
            future.result()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
