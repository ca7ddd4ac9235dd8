"""Schemas of matching runs, proposals and relationships (API and CLI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from companion.db.base import column_lengths
from companion.participants.models import Participant

# The schema allows what the column holds.
ID_WIDTH = column_lengths(Participant)["external_id"]


class ProposalPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    run_id: int
    mentor_id: int
    mentee_id: int
    score: float
    components: dict[str, float]
    reasons: list[str]
    status: str
    decided_by: str | None
    decided_at: datetime | None


class ProposalListed(BaseModel):
    """A proposal as a list shows it: both people by name and by the id they were imported with."""

    proposal_id: int
    run_id: int
    mentor_id: str
    mentor: str
    mentee_id: str
    mentee: str
    score: float
    components: dict[str, float]
    reasons: list[str]
    status: str
    decided_by: str | None
    decided_at: datetime | None


class RunSummary(BaseModel):
    run_id: int
    status: str
    objective: float
    proposals: int
    unmatched: int
    warnings: list[str]
    created_by: str
    created_at: datetime

    @classmethod
    def from_run(cls, run: Any) -> RunSummary:
        return cls(
            run_id=run.id,
            status=str(run.status),
            objective=run.objective,
            proposals=len(run.proposals),
            unmatched=len(run.unmatched),
            warnings=list(run.fairness.get("warnings", [])),
            created_by=run.created_by,
            created_at=run.created_at,
        )


class SwapRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first: int = Field(description="A proposal id of this run.")
    second: int = Field(description="Another proposal id of the same run.")
    accept_lower: bool = Field(
        False,
        description="Save the swap even though it lowers the score; otherwise a 409 says by "
        "how much.",
    )


class RefusedProposal(BaseModel):
    proposal_id: int
    mentee_id: str
    mentee: str
    mentor_id: str
    mentor: str
    reason: str


class ApproveAllPublic(BaseModel):
    """What approve-all did: `approved` counts the proposals approved; `refused` names the rest."""

    approved: int
    approved_ids: list[int]
    refused: list[RefusedProposal]

    @classmethod
    def from_report(cls, report: Any) -> ApproveAllPublic:
        return cls(
            approved=len(report.approved),
            approved_ids=[p.id for p in report.approved],
            refused=[RefusedProposal(**r) for r in report.refused],
        )


class PairingOption(BaseModel):
    mentor_id: str
    mentor: str
    score: float
    components: dict[str, float]
    reasons: list[str]
    places_left: int


class ExcludedMentor(BaseModel):
    mentor_id: str
    mentor: str
    reason: str


class PairingOptionsPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    run_id: int
    mentee_id: str
    mentee: str
    options: list[PairingOption]
    excluded: list[ExcludedMentor]


class ManualPairRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mentee_id: str = Field(description="The mentee's id as imported.", max_length=ID_WIDTH)
    mentor_id: str = Field(description="The chosen mentor's id as imported.", max_length=ID_WIDTH)
    note: str = Field(description="Why this mentor: kept with the pair's reasons.", max_length=500)


class RebalancePublic(BaseModel):
    """A run beside its exposure re-balance: pairs changed and the cost in total score."""

    run_id: int
    group_attribute: str | None
    boosted_group: str | None
    bonus: float
    before: dict[str, Any]
    after: dict[str, Any]
    cost: float
    changed: list[dict[str, Any]]
    note: str


# --- matching modes: requests and read-only proposals ----------------------------------


class SpeedRanks(BaseModel):
    """Each side's ranking of the people they met, best first, by id as imported."""

    mentee_ranks: dict[str, list[str]] = Field(default_factory=dict)
    mentor_ranks: dict[str, list[str]] = Field(default_factory=dict)


class Question(BaseModel):
    question: str = Field(min_length=1, max_length=2000)


class Recommendation(BaseModel):
    mentor_id: str
    name: str
    title: str | None
    score: float
    components: dict[str, float]
    reasons: list[str]


class RecommendationsPublic(BaseModel):
    mentee_id: str
    recommendations: list[Recommendation]


class ProposedCircle(BaseModel):
    mentor_id: str
    members: list[str] = Field(description="The mentees' ids as imported.")
    score: float
    theme: list[str]
    reasons: list[str]


class Unplaced(BaseModel):
    mentee_id: str
    reason: str


class CirclesPublic(BaseModel):
    circles: list[ProposedCircle]
    unplaced: list[Unplaced]


class ShortlistsPublic(BaseModel):
    shortlists: dict[str, list[str]] = Field(description="Mentors to meet, by mentee id.")


class AssignedPair(BaseModel):
    mentee_id: str
    mentor_id: str


class AssignmentPublic(BaseModel):
    assignment: list[AssignedPair]


class BoardSeat(BaseModel):
    need: str
    mentor_id: str
    similarity: float
    reason: str


class Board(BaseModel):
    mentee_id: str
    seats: list[BoardSeat]
    notes: list[str]


class BoardsPublic(BaseModel):
    boards: list[Board]


class Answerer(BaseModel):
    id: str
    name: str
    title: str | None
    score: float
    reasons: list[str]


class AnswerersPublic(BaseModel):
    question: str
    people: list[Answerer]


class MatchPublic(BaseModel):
    """One proposed pair of a run, by participant ids as imported."""

    proposal_id: int
    mentor_id: str | None
    mentee_id: str | None
    score: float
    reasons: list[str]
    components: dict[str, float]
    status: str


class RunPayload(BaseModel):
    """The same JSON as `companion match run --json`."""

    model_config = ConfigDict(extra="allow")

    run_id: int
    program: str
    status: str
    superseded_by: int | None = None
    matches: list[MatchPublic]
    unmatched: list[dict[str, Any]]
    objective: float
    fairness: dict[str, Any]
