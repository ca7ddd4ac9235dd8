"""Matching in the background, in Chromium: the page returns at once, shows how far the
work got (updated in place), and leads to the proposals; desktop and phone."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from companion.accounts import service as accounts
from companion.db import session_scope
from companion.db.base import utcnow
from companion.jobs.models import Job, JobKind, JobState
from companion.participants import service as participants
from companion.programs.models import Program
from companion.relationships import service as relationships
from companion.relationships.models import Relationship
from tests.e2e.conftest import screenshot

WIDTHS = {"desktop": 1280, "phone": 390}


def program_id(services) -> int:
    with services.sessions() as session:
        return session.scalars(select(Program.id).where(Program.name == "Pilot")).one()


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_start_matching_see_progress_land_on_the_proposals(site, sign_in, size) -> None:
    server, services = site
    pid = program_id(services)
    lead = sign_in("lead@example.org", width=WIDTHS[size])
    lead.goto(f"{server.url}/coordinator/programs/{pid}/matching")
    lead.get_by_role("button", name="Propose matches").click()
    lead.wait_for_url(re.compile(r".*/jobs/\d+$"))
    lead.get_by_role("heading", name="Proposing matches in Pilot").wait_for()
    # Running, the page follows the job; finished, it links to the run.
    lead.get_by_role("link", name="See the result").wait_for(timeout=120_000)
    assert "Nothing is final until you approve" in lead.inner_text("main")
    assert lead.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]
    screenshot(lead, f"job-matching-done-{size}")
    lead.get_by_role("link", name="See the result").click()
    lead.get_by_role("heading", name="Proposed pairs").wait_for()
    assert re.search(r"/coordinator/runs/\d+$", lead.url)


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_the_job_page_updates_in_place_and_then_shows_the_result(site, sign_in, size) -> None:
    """A job part-way through, as a server process is running it: the page's poll moves
    the bar without a reload, and the finished job's page links to its result."""
    server, services = site
    pid = program_id(services)
    with session_scope(services.write_sessions) as session:
        lead_id = accounts.get_by_email(session=session, email="lead@example.org").id
        job = Job(
            kind=JobKind.matching,
            program_id=pid,
            started_by_id=lead_id,
            title="Proposing matches in Pilot",
            steps_done=1,
            steps_total=4,
            step="Reading what each person wrote, for fit by meaning",
            runner="the e2e test",
        )
        session.add(job)
        session.flush()
        job_id = job.id
    lead = sign_in("lead@example.org", width=WIDTHS[size])
    lead.goto(f"{server.url}/jobs/{job_id}")
    lead.get_by_text("1 of 4 steps").wait_for()
    assert lead.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]
    with session_scope(services.write_sessions) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                steps_done=2,
                step="Choosing the pairs: scores, rules and capacity",
                heartbeat_at=utcnow(),
            )
        )
    lead.get_by_text("2 of 4 steps").wait_for()
    lead.get_by_text("Choosing the pairs: scores, rules and capacity").wait_for()
    screenshot(lead, f"job-matching-progress-{size}")
    with session_scope(services.write_sessions) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                state=JobState.done,
                steps_done=4,
                summary="Run 1 proposes 2 pair(s); 0 mentee(s) unmatched.",
                result_url=f"/coordinator/programs/{pid}/matching",
                finished_at=utcnow(),
            )
        )
    lead.get_by_role("link", name="See the result").wait_for()
    assert "Run 1 proposes 2 pair(s)" in lead.inner_text("main")


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_pairs_and_circles_are_searched_at_any_width(site, sign_in, size) -> None:
    server, services = site
    pid = program_id(services)
    with session_scope(services.write_sessions) as session:
        program = session.get(Program, pid)
        people = {
            p.external_id: p for p in participants.all_participants(session=session, program_id=pid)
        }
        existing = {
            (r.mentor_id, r.mentee_id)
            for r in session.scalars(select(Relationship).where(Relationship.program_id == pid))
        }
        for mentor, mentee in (("M1", "E1"), ("M2", "E2")):
            pair = (people[mentor].id, people[mentee].id)
            if pair not in existing and not any(m == pair[1] for _, m in existing):
                relationships.create_pair(
                    session=session, program=program, mentor_id=pair[0], mentee_id=pair[1]
                )
    lead = sign_in("lead@example.org", width=WIDTHS[size])
    lead.goto(f"{server.url}/coordinator/programs/{pid}")
    lead.get_by_role("link", name="Pairs and circles").click()
    lead.get_by_role("heading", name="Pairs and circles").wait_for()
    mentee = people["E2"].name
    lead.get_by_label("A member's name, or the circle's").fill(mentee.split()[0])
    lead.get_by_role("button", name="Show").click()
    lead.wait_for_url("**q=*")  # the filtered page, not the list before it
    rows = lead.locator("table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1 and mentee in rows.first.inner_text()
    assert lead.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]
    screenshot(lead, f"coordinator-relationships-{size}")
