"""The relationships' small program, with a history in it: sessions, notes, goals,
messages, feedback, drafts and match reasons, for two pairs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from companion.accounts import service as accounts
from companion.drafting.models import Draft, DraftStatus
from companion.matching.models import MatchProposal, MatchRun
from companion.participants.models import Participant
from companion.relationships.models import (
    Feedback,
    Goal,
    MentoringSession,
    Message,
    PrivateNote,
    Relationship,
    SessionStatus,
)
from tests.relationships.conftest import World, world  # noqa: F401
from tests.web.conftest import browser_for, web  # noqa: F401

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _draft(**fields) -> Draft:
    return Draft(requested_by="system", model="offline", prompt="x@1", **fields)


def fill_history(world: World) -> dict[str, int]:  # noqa: F811
    """Each pair gets a held session with private notes by both, a goal, a message each,
    feedback each, and drafts; returns ids by name."""
    ids: dict[str, int] = {}
    with world.services.sessions() as session:
        people = {p.email: p for p in session.scalars(select(Participant))}
        run = MatchRun(
            program_id=world.pilot,
            objective=1.0,
            created_by="lead@example.org",
            unmatched=[
                {"mentee_id": "E1", "reason": "no mentor free on Tuesdays"},
                {"mentee_id": "E3", "reason": "no mentor free on Wednesdays"},
            ],
        )
        session.add(run)
        session.flush()
        for tag, rel_id, mentor, mentee in (
            ("first", world.first, "maya", "eli"),
            ("second", world.second, "nora", "omar"),
        ):
            m, e = people[f"{mentor}@example.org"], people[f"{mentee}@example.org"]
            e.goals = f"I want to grow as {mentee}, the future lead of a data team."
            mu = accounts.get_by_email(session=session, email=m.email)
            eu = accounts.get_by_email(session=session, email=e.email)
            proposal = MatchProposal(
                run_id=run.id,
                mentor_id=m.id,
                mentee_id=e.id,
                score=0.8,
                reasons=[f"{tag}: both care about data platforms"],
                status="approved",
            )
            session.add(proposal)
            session.flush()
            session.get(Relationship, rel_id).proposal_id = proposal.id
            s = MentoringSession(
                relationship_id=rel_id,
                starts_at=NOW - timedelta(days=3),
                duration_minutes=45,
                status=SessionStatus.held,
                shared_notes=f"{tag} shared notes",
                created_by=eu.email,  # the mentee booked it
            )
            session.add(s)
            session.flush()
            session.add_all(
                [
                    PrivateNote(session_id=s.id, author_user_id=mu.id, text=f"{mentor} private"),
                    PrivateNote(session_id=s.id, author_user_id=eu.id, text=f"{mentee} private"),
                    Goal(relationship_id=rel_id, mentee_id=e.id, title=f"{mentee} goal"),
                    Message(relationship_id=rel_id, author_id=m.id, body=f"{mentor} says hi"),
                    Message(relationship_id=rel_id, author_id=e.id, body=f"{mentee} says hi"),
                    Feedback(
                        session_id=s.id,
                        participant_id=e.id,
                        answers=[{"question": "Useful?", "rating": 4, "text": f"{mentee} liked"}],
                    ),
                    Feedback(
                        session_id=s.id,
                        participant_id=m.id,
                        answers=[{"question": "Useful?", "rating": 5, "text": f"{mentor} liked"}],
                    ),
                ]
            )
            for status in (DraftStatus.delivered, DraftStatus.pending_review, DraftStatus.rejected):
                session.add(
                    _draft(
                        kind="smart_goal",
                        status=status,
                        program_id=world.pilot,
                        relationship_id=rel_id,
                        subject_participant_id=e.id,
                        text=f"{mentee} {status.value} goal draft",
                        delivered_at=NOW if status == DraftStatus.delivered else None,
                    )
                )
            session.add(
                _draft(
                    kind="agenda",
                    status=DraftStatus.delivered,
                    program_id=world.pilot,
                    relationship_id=rel_id,
                    session_id=s.id,
                    subject_participant_id=e.id,
                    text=f"{tag} agenda",
                    delivered_at=NOW,
                )
            )
            ids[f"{tag}_session"] = s.id
            ids[mentee] = eu.id
            ids[mentor] = mu.id
        session.commit()
    return ids


@pytest.fixture
def history(world: World) -> dict[str, int]:  # noqa: F811
    return fill_history(world)
