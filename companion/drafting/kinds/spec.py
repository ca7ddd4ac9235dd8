"""What the registry records of each draft kind: how it is made, reviewed and received."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from companion.drafting.inputs import Sources
from companion.drafting.models import Draft
from prompts.render import PromptSpec
from prompts.schemas import DraftKind


class Reviewer(enum.StrEnum):
    """Who may decide on a draft before it is delivered (`review.policy.may_review`)."""

    # The coordinator who asked for it, and nobody else.
    requester = "requester"
    # A coordinator of the program, unless the draft was made from the pair's own
    # material (`members_only`), which no coordinator may read.
    coordinator = "coordinator"
    # The relationship's mentor.
    mentor = "mentor"
    # The participant the draft was made for (a mentee's own goal).
    subject = "subject"
    # After a coordinator, each member the draft names approves it too.
    members = "members"


class Audience(enum.StrEnum):
    """Who reads a draft once delivered (`review.policy.recipients`)."""

    requester = "requester"
    program = "program"
    members = "members"
    mentor = "mentor"
    subject = "subject"


Deliver = Callable[[Session, Draft], None]


@dataclass(frozen=True)
class KindSpec:
    """One draft kind: its input, offline composer, contract, review and delivery."""

    kind: DraftKind
    # What the draft is made from, gathered for a resolved, permission-checked request.
    gather: Callable[[Sources], BaseModel]
    compose: Callable[[Any], BaseModel]
    input: type[BaseModel]
    output: type[BaseModel]
    prompt: PromptSpec
    # What its recipients see above it once delivered.
    headline: str
    reviewers: frozenset[Reviewer]
    receivers: Audience
    # What delivery changes besides visibility (an agenda on its session, a goal adopted).
    deliver: Deliver | None = None

    @property
    def member_reviewed(self) -> bool:
        """Whether its mentor reviews it, so it may be made from what only the pair may read."""
        return Reviewer.mentor in self.reviewers

    @property
    def personal(self) -> bool:
        """Private to the participant it was made for: no coordinator may read it."""
        return self.reviewers == {Reviewer.subject}
