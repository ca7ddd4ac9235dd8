"""The review policy's SQL conditions select exactly the drafts its Python rules accept.

Lists (the review queue, everything one may review, the inbox) are filtered and
paged by the database with `reviewable_by`, `received_by` and `story_member`;
single drafts are checked with `may_review`, `is_recipient` and
`may_approve_story_as_member`. Were the two to differ, a list would show a draft
its page then refuses, or hide one a person should decide on. Here every kind of
draft, of each pair, of no pair, for each mentee, members-only or not, is checked
both ways for every person of the program and the System.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from companion.accounts.models import User
from companion.accounts.principal import Principal
from companion.drafting.models import Draft, DraftStatus
from companion.participants.models import Participant
from companion.review import policy
from prompts.schemas import DraftKind
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World


@pytest.fixture
def every_draft(world: World) -> World:
    """One draft per kind x relationship (first, second, none) x subject x members_only."""
    with world.services.sessions() as session:
        people = {p.external_id: p for p in session.scalars(select(Participant))}
        users = list(session.scalars(select(User).order_by(User.id)))
        subjects = [None, people["E1"].id, people["E2"].id, people["E3"].id]
        places = [(world.pilot, world.first), (world.pilot, world.second), (world.pilot, None)]
        for n, (kind, (program_id, relationship_id), subject, members_only) in enumerate(
            itertools.product(DraftKind, places, subjects, (False, True))
        ):
            requester = users[n % len(users)]
            session.add(
                Draft(
                    kind=kind.value,
                    status=DraftStatus.pending_review,
                    program_id=program_id,
                    relationship_id=relationship_id,
                    subject_participant_id=subject,
                    requested_by_id=requester.id,
                    requested_by=requester.email,
                    members_only=members_only,
                    model="offline",
                    prompt=f"{kind.value}@1",
                    text="A draft",
                )
            )
        # A draft of no program, asked by a program coordinator.
        lead = next(u for u in users if u.email == "lead@example.org")
        session.add(
            Draft(
                kind=DraftKind.answer.value,
                requested_by_id=lead.id,
                requested_by=lead.email,
                model="offline",
                prompt="answer@1",
                text="An answer",
            )
        )
        session.commit()
    return world


def principals(session) -> list[Principal]:
    return [*session.scalars(select(User).order_by(User.id)), TEST_SYSTEM]


@pytest.mark.parametrize(
    ("condition", "rule"),
    [
        (policy.reviewable_by, policy.may_review),
        (policy.received_by, policy.is_recipient),
        (policy.story_member, policy.may_approve_story_as_member),
    ],
    ids=["reviewable_by", "received_by", "story_member"],
)
def test_the_sql_condition_and_the_rule_agree_draft_by_draft(
    every_draft: World, condition, rule
) -> None:
    with every_draft.services.sessions() as session:
        drafts = list(session.scalars(select(Draft).order_by(Draft.id)))
        assert len(drafts) > 150
        selected_somewhere = set()
        for principal in principals(session):
            by_sql = set(session.scalars(select(Draft.id).where(condition(principal=principal))))
            by_rule = {d.id for d in drafts if rule(session=session, draft=d, principal=principal)}
            assert by_sql == by_rule, getattr(principal, "email", principal)
            selected_somewhere |= by_sql
        # The check means something: some drafts are selected, and not all of them.
        assert len(selected_somewhere) > 0
        if condition is not policy.reviewable_by:  # the System reviews every draft
            assert len(selected_somewhere) < len(drafts)
