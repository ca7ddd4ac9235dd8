"""Members see why they were matched and may ask a coordinator to review it; nobody else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from companion.accounts import service as accounts
from companion.audit.models import AuditEvent
from companion.db import session_scope
from companion.errors import Conflict, NotFound, PermissionDenied
from companion.matching import explanation
from companion.matching.models import MatchProposal, MatchRun, ProposalStatus, RunStatus
from companion.participants.models import Participant
from companion.relationships.models import MatchReviewRequest, Relationship
from tests.relationships.conftest import World

REASONS = [
    'Eli Brooks wants "run a design review"; Maya Berg offers "I lead a data platform team"',
    "They share 4 weekly hours",
    "Watch: weak fit by meaning (0.19, below 0.25); read both profiles before approving",
]
MEMBERS_READ = [*REASONS[:2], "Worth knowing: weak fit by meaning (0.19, below 0.25)"]


def approve_first_pair(world: World, reasons: list[str], challenges: str | None = None) -> None:
    """The first pair as a coordinator approved it from a matching run, with `reasons`
    (and, if given, what its mentee wrote about their challenges)."""
    with session_scope(world.services.write_sessions) as session:
        pair = session.get(Relationship, world.first)
        if challenges is not None:
            session.get(Participant, pair.mentee_id).challenges = challenges
        run = MatchRun(
            program_id=world.pilot,
            objective=1.0,
            created_by="lead@example.org",
            status=RunStatus.closed,
        )
        session.add(run)
        session.flush()
        proposal = MatchProposal(
            run_id=run.id,
            mentor_id=pair.mentor_id,
            mentee_id=pair.mentee_id,
            score=0.7,
            reasons=reasons,
            status=ProposalStatus.approved,
            decided_by="lead@example.org",
        )
        session.add(proposal)
        session.flush()
        pair.proposal_id = proposal.id


@pytest.fixture
def matched(world: World) -> World:
    approve_first_pair(world, REASONS)
    return world


def as_user(session, email: str):
    return accounts.get_by_email(session=session, email=email)


class TestWhySeen:
    def test_members_and_coordinators_read_the_approved_reasons(self, matched: World):
        with matched.services.sessions() as session:
            for email, reasons in (
                ("eli@example.org", MEMBERS_READ),
                ("maya@example.org", MEMBERS_READ),
                ("lead@example.org", REASONS),
            ):
                shown = explanation.explain(
                    session=session,
                    relationship_id=matched.first,
                    principal=as_user(session, email),
                )
                assert shown.reasons == reasons, email
            lead = explanation.explain(
                session=session,
                relationship_id=matched.first,
                principal=as_user(session, "lead@example.org"),
            )
            assert lead.may_ask is False
            for stranger in ("omar@example.org", "else@example.org"):
                with pytest.raises(NotFound):
                    explanation.explain(
                        session=session,
                        relationship_id=matched.first,
                        principal=as_user(session, stranger),
                    )

    def test_a_pair_set_up_by_hand_says_so(self, world: World):
        with world.services.sessions() as session:
            shown = explanation.explain(
                session=session,
                relationship_id=world.second,
                principal=as_user(session, "omar@example.org"),
            )
        assert shown.reasons == [] and "set up this pair directly" in shown.how


class TestAskingForReview:
    def test_only_a_member_asks_once_and_the_request_is_audited_without_its_note(
        self, matched: World
    ):
        with session_scope(matched.services.write_sessions) as session:
            explanation.request_review(
                session=session,
                relationship_id=matched.first,
                principal=as_user(session, "eli@example.org"),
                note="We never found a common topic.",
            )
        with session_scope(matched.services.write_sessions) as session:
            with pytest.raises(Conflict):
                explanation.request_review(
                    session=session,
                    relationship_id=matched.first,
                    principal=as_user(session, "eli@example.org"),
                )
            with pytest.raises(PermissionDenied):
                explanation.request_review(
                    session=session,
                    relationship_id=matched.first,
                    principal=as_user(session, "lead@example.org"),
                )
            for stranger in ("omar@example.org", "else@example.org"):
                with pytest.raises(NotFound):
                    explanation.request_review(
                        session=session,
                        relationship_id=matched.first,
                        principal=as_user(session, stranger),
                    )
        with matched.services.sessions() as session:
            [event] = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "matching.review_requested")
            ).all()
            assert event.actor_label == "eli@example.org"
            assert "common topic" not in str(event.data) and event.data["with_note"] is True
            assert session.scalars(select(MatchReviewRequest)).one().note.startswith("We never")

    def test_the_request_lands_with_the_programs_coordinators_only(self, matched: World):
        with session_scope(matched.services.write_sessions) as session:
            explanation.request_review(
                session=session,
                relationship_id=matched.first,
                principal=as_user(session, "maya@example.org"),
                note="Could we talk about it?",
            )
        with session_scope(matched.services.write_sessions) as session:
            [waiting] = explanation.open_requests(
                session=session,
                program_id=matched.pilot,
                principal=as_user(session, "lead@example.org"),
            )
            assert (waiting.pair, waiting.asked_by, waiting.note) == (
                "Maya Berg and Eli Brooks",
                "Maya Berg",
                "Could we talk about it?",
            )
            with pytest.raises(NotFound):
                explanation.open_requests(
                    session=session,
                    program_id=matched.pilot,
                    principal=as_user(session, "else@example.org"),
                )
            with pytest.raises(PermissionDenied):
                explanation.open_requests(
                    session=session,
                    program_id=matched.pilot,
                    principal=as_user(session, "eli@example.org"),
                )
            for refused in ("eli@example.org", "else@example.org"):
                with pytest.raises(NotFound):
                    explanation.resolve(
                        session=session, request_id=waiting.id, principal=as_user(session, refused)
                    )
            explanation.resolve(
                session=session,
                request_id=waiting.id,
                principal=as_user(session, "lead@example.org"),
            )
            assert (
                explanation.open_requests(
                    session=session,
                    program_id=matched.pilot,
                    principal=as_user(session, "lead@example.org"),
                )
                == []
            )

    def test_in_the_browser(self, matched: World, browser_for, web: World):
        eli = browser_for("eli")
        page = eli.get(f"/relationships/{matched.first}")
        assert "Why you were matched" in page.text and "They share 4 weekly hours" in page.text
        assert 'name="csrf_token" value=""' not in page.text, "every form carries the token"
        asked = eli.post(
            f"/relationships/{matched.first}/match-review",
            {"note": "Different time zones make it hard."},
            follow_redirects=True,
        )
        assert asked.status_code == 200 and "one of them will be in touch" in asked.text
        assert "Ask for a review" not in asked.text
        omar = browser_for("omar")
        assert (
            omar.post(f"/relationships/{matched.first}/match-review", {"note": "x"}).status_code
            == 404
        )
        lead = browser_for("lead")
        listed = lead.get(f"/coordinator/programs/{matched.pilot}/match-reviews")
        assert "Different time zones make it hard." in listed.text
        assert (
            browser_for("elsewhere")
            .get(f"/coordinator/programs/{matched.pilot}/match-reviews")
            .status_code
            == 404
        )
        assert (
            browser_for("maya")
            .get(f"/coordinator/programs/{matched.pilot}/match-reviews")
            .status_code
            == 403
        )


class TestTheWordsOfOneMemberThatTheOtherMayNotRead:
    """A match reason quotes the sentences closest in meaning of what the mentee needs and
    what the mentor offers. The mentee's need can be a sentence about their challenges,
    which is never shown to the other members, and a person may unshare their goals or
    expertise: the other member then reads that the two are close, not the words."""

    CHALLENGE = "I freeze when my manager questions my estimates"
    OFFER = "I lead a data platform team"

    def approve(self, world: World, reasons: list[str]) -> None:
        approve_first_pair(world, reasons, challenges=self.CHALLENGE + ".")

    def read(self, world: World, email: str) -> list[str]:
        with world.services.sessions() as session:
            return explanation.explain(
                session=session, relationship_id=world.first, principal=as_user(session, email)
            ).reasons

    def test_the_mentor_never_reads_the_mentee_s_challenge(self, world: World) -> None:
        quoted = f'Eli Brooks wants "{self.CHALLENGE}"; Maya Berg offers "{self.OFFER}"'
        self.approve(world, [quoted, "They share 4 weekly hours"])
        assert self.read(world, "maya@example.org") == [
            f'Maya Berg offers "{self.OFFER}", close in meaning to what Eli Brooks wrote they want',
            "They share 4 weekly hours",
        ]
        # The mentee wrote it, and the coordinator who approved it read it.
        assert self.read(world, "eli@example.org")[0] == quoted
        assert self.read(world, "lead@example.org")[0] == quoted

    def test_an_unshared_expertise_is_not_quoted_to_the_mentee(self, world: World) -> None:
        with session_scope(world.services.write_sessions) as session:
            pair = session.get(Relationship, world.first)
            session.get(Participant, pair.mentor_id).shared_fields = ["title"]
        need = 'Eli Brooks wants "run a design review"'
        self.approve(world, [f'{need}; Maya Berg offers "{self.OFFER}…"'])
        assert self.read(world, "eli@example.org") == [
            f"{need}, close in meaning to what Maya Berg wrote they offer"
        ]
        assert self.read(world, "maya@example.org") == [f'{need}; Maya Berg offers "{self.OFFER}…"']
