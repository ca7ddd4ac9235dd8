"""Pages cost the same number of SQL statements at 10 pairs as at 100.

The coordinator's program overview, the review queue and "my relationships" used
to read relationships' members one query at a time, check every candidate draft
in Python and build a full detail per relationship: their statements grew with
the program. Each page here is read for a program of 10 pairs and one of 100,
every pair with a history (sessions held and booked, a goal with a milestone and
a check-in, an overdue action item, a message, feedback, a draft to review), and
the statements SQLAlchemy sends are counted (`before_cursor_execute`), on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text

from companion.accounts import passwords
from companion.accounts.models import Role
from companion.db import make_engine, upgrade
from companion.db.base import utcnow
from companion.drafting.models import Draft
from companion.participants.models import Participant
from companion.programs import service as programs
from companion.relationships import service as relationships
from companion.relationships.models import (
    ActionItem,
    CheckIn,
    Feedback,
    Goal,
    GoalStatus,
    GoalVisibility,
    MentoringSession,
    Message,
    Milestone,
    Relationship,
    SessionStatus,
)
from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, app_for, make_user
from tests.web.conftest import Browser

PASSWORD = "correct horse battery"
SIZES = (10, 100)


@dataclass
class Program:
    id: int
    coordinator: str
    mentor: str
    mentor_name: str


def build_program(services: Services, pairs: int) -> Program:
    """A program of `pairs` pairs, all led by one mentor, each with some history."""
    now = utcnow()
    with services.sessions() as session:
        program = programs.create(session=session, name=f"Cohort {pairs}", principal=TEST_SYSTEM)
        coordinator, _ = make_user(
            session, f"lead{pairs}@example.org", (Role.coordinator, program.id)
        )
        mentor_user, _ = make_user(session, f"mentor{pairs}@example.org", (Role.mentor, program.id))
        for user in (coordinator, mentor_user):
            passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
        mentor = Participant(
            program_id=program.id,
            user_id=mentor_user.id,
            external_id="M0",
            name=f"Mentor of {pairs}",
            email=mentor_user.email,
            role="mentor",
            capacity=pairs,
        )
        session.add(mentor)
        session.flush()
        for k in range(pairs):
            mentee = Participant(
                program_id=program.id,
                external_id=f"E{k}",
                name=f"Mentee {k} of {pairs}",
                email=f"mentee{k}.{pairs}@example.org",
                role="mentee",
            )
            session.add(mentee)
            session.flush()
            pair = relationships.create_pair(
                session=session,
                program=program,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                start=(now - timedelta(days=90)).date(),
            )
            held = MentoringSession(
                relationship_id=pair.id,
                starts_at=now - timedelta(days=40 + k % 7),
                duration_minutes=45,
                status=SessionStatus.held,
                created_by="test",
            )
            booked = MentoringSession(
                relationship_id=pair.id,
                starts_at=now + timedelta(days=1 + k % 10, hours=k % 5),
                duration_minutes=45,
                created_by="test",
            )
            session.add_all([held, booked])
            session.flush()
            session.add_all(
                [
                    Goal(
                        relationship_id=pair.id,
                        mentee_id=mentee.id,
                        title=f"Lead a team meeting ({k})",
                        status=GoalStatus.active,
                        visibility=GoalVisibility.mentor,
                        progress=k % 100,
                        milestones=[Milestone(text="Draft an agenda")],
                        check_ins=[CheckIn(progress=k % 100, note="Going well")],
                    ),
                    ActionItem(
                        relationship_id=pair.id,
                        session_id=held.id,
                        owner_id=mentee.id,
                        text="Send the summary",
                        due_date=(now - timedelta(days=30)).date(),
                        created_by="test",
                    ),
                    Message(relationship_id=pair.id, author_id=mentee.id, body="A question"),
                    Feedback(
                        session_id=held.id,
                        participant_id=mentee.id,
                        answers=[{"question": "How useful?", "rating": 4, "text": "Very"}],
                    ),
                    Draft(
                        kind="agenda",
                        program_id=program.id,
                        relationship_id=pair.id,
                        session_id=booked.id,
                        requested_by_id=mentor_user.id,
                        requested_by=mentor_user.email,
                        model="offline",
                        prompt="agenda@1",
                        content={"objectives": ["Check in"]},
                        text=f"An agenda for pair {k}",
                    ),
                ]
            )
        session.commit()
        return Program(program.id, coordinator.email, mentor_user.email, mentor.name)


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement sent through `engine` inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def signed_in(services: Services, email: str) -> Browser:
    browser = Browser(TestClient(app_for(services)))
    browser.client.__enter__()
    browser.get("/login")
    response = browser.post(
        "/login", {"email": email, "password": PASSWORD, "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return browser


def statements_for(services: Services, browser: Browser, url: str) -> tuple[int, str]:
    browser.get(url)  # once before counting: the first request of a session may set it up
    with counting(services.engine) as statements:
        response = browser.get(url)
    assert response.status_code == 200, response.text
    return len(statements), response.text


@pytest.fixture(params=["sqlite", "postgresql"])
def counted_services(
    request: pytest.FixtureRequest, settings: Settings, encoder, own_chroma, tmp_path: Path
) -> Iterator[Services]:
    """Services on this test's SQLite file, or on a freshly migrated PostgreSQL database."""
    if request.param == "sqlite":
        built = Services(settings, encoder=encoder, chroma=own_chroma)
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(url)
        built = Services(
            Settings(environment="test", data_dir=tmp_path / "pg", database_url=url),
            encoder=encoder,
            chroma=own_chroma,
        )
    yield built
    built.close()


@pytest.fixture
def cohorts(counted_services: Services) -> dict[int, Program]:
    return {pairs: build_program(counted_services, pairs) for pairs in SIZES}


def test_the_program_overview_costs_the_same_at_10_and_100_pairs(
    counted_services: Services, cohorts: dict[int, Program]
) -> None:
    counts = {}
    for pairs, program in cohorts.items():
        browser = signed_in(counted_services, program.coordinator)
        counts[pairs], page = statements_for(
            counted_services, browser, f"/coordinator/programs/{program.id}"
        )
        # Every pair is stalled (its overdue action item): each is listed.
        assert page.count("badge-warn") >= pairs
    assert counts[100] == counts[10], counts


def test_the_review_queue_costs_the_same_at_10_and_100_pairs(
    counted_services: Services, cohorts: dict[int, Program]
) -> None:
    counts = {}
    for pairs, program in cohorts.items():
        for who in (program.coordinator, program.mentor):
            browser = signed_in(counted_services, who)
            counts[pairs, who.split("@")[0].rstrip("0123456789")], page = statements_for(
                counted_services, browser, "/review"
            )
            # The coordinator and the mentor both review every pair's agenda.
            assert f"{pairs} drafts waiting" in page
            assert page.count('<li class="card" id="draft-') == min(pairs, 50)
    assert counts[100, "lead"] == counts[10, "lead"], counts
    assert counts[100, "mentor"] == counts[10, "mentor"], counts


def test_my_relationships_costs_the_same_at_10_and_100_pairs(
    counted_services: Services, cohorts: dict[int, Program]
) -> None:
    counts = {}
    for pairs, program in cohorts.items():
        browser = signed_in(counted_services, program.mentor)
        counts[pairs], page = statements_for(counted_services, browser, "/relationships")
        # Each pair is listed, with the unread message of its mentee.
        for k in (0, pairs - 1):
            assert f"Mentee {k} of {pairs}" in page
        assert page.count("1 unread") == pairs
    assert counts[100] == counts[10], counts


def test_the_stalled_list_costs_the_same_at_10_and_100_pairs(
    counted_services: Services, cohorts: dict[int, Program]
) -> None:
    """The stalled filter is SQL: the database counts and cuts the page."""
    now = utcnow()
    counts = {}
    for pairs, program in cohorts.items():
        with counted_services.sessions() as session:
            # Half the pairs met yesterday and did their action item: not stalled.
            for pair in session.scalars(
                select(Relationship).where(Relationship.program_id == program.id)
            ).all()[::2]:
                session.add(
                    MentoringSession(
                        relationship_id=pair.id,
                        starts_at=now - timedelta(days=1),
                        duration_minutes=45,
                        status=SessionStatus.held,
                        created_by="test",
                    )
                )
                for item in session.scalars(
                    select(ActionItem).where(ActionItem.relationship_id == pair.id)
                ):
                    item.done_at = now
            session.commit()
            target = programs.get(session=session, program_id=program.id)
            with counting(counted_services.engine) as statements:
                page, total = relationships.list_visible(
                    session=session,
                    program=target,
                    principal=TEST_SYSTEM,
                    stalled_only=True,
                    limit=20,
                    now=now,
                )
            counts[pairs] = len(statements)
        assert total == pairs // 2
        assert len(page) == min(pairs // 2, 20)
        assert all(item.stalled for item in page)
    assert counts[100] == counts[10], counts
