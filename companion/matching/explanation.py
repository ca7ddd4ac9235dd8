"""Why a pair was matched, for its members, and their request that a coordinator review it.

Members (and the program's coordinators) read the reasons the coordinator approved
with the proposal; a member reads no quote of what another member keeps to themself
(what they wrote about their challenges, goals or expertise they do not share).
Only a member of the pair may ask for a review; the request, with
an optional note, waits in the coordinators' view of the program until one of them
marks it handled. Both are audited; the note itself stays out of the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.db.base import utcnow
from companion.errors import Conflict, InvalidInput, NotFound
from companion.matching.models import MatchProposal
from companion.participants import sharing
from companion.participants.models import Participant
from companion.programs import policy
from companion.relationships import access
from companion.relationships.models import MatchReviewRequest, Relationship

NOTE_MAX = 1000


@dataclass(frozen=True)
class MatchExplanation:
    relationship_id: int
    reasons: list[str]
    approved_by: str | None
    how: str
    open_request: bool
    may_ask: bool


def explain(*, session: Session, relationship_id: int, principal: Principal) -> MatchExplanation:
    """The approved reasons of the pair's match, for its members and coordinators."""
    view = access.view(session=session, relationship_id=relationship_id, principal=principal)
    proposal = (
        session.get(MatchProposal, view.relationship.proposal_id)
        if view.relationship.proposal_id is not None
        else None
    )
    if proposal is None:
        reasons: list[str] = []
        how = "A coordinator set up this pair directly; no matching reasons were recorded."
    else:
        reasons = list(proposal.reasons or [])
        if not (view.coordinator and view.member is None):
            own = view.member.participant_id if view.member is not None else None
            reasons = for_member(reasons, view.people, own)
        how = "Proposed by the program's matching and approved by a coordinator, for these reasons."
    open_request = view.member is not None and _open_request(session, view) is not None
    return MatchExplanation(
        relationship_id=relationship_id,
        reasons=reasons,
        approved_by=proposal.decided_by if proposal is not None else None,
        how=how,
        open_request=open_request,
        may_ask=view.member is not None and not open_request,
    )


# The reasons were written for the coordinator who approved the pair; its members read
# the same facts without the advice addressed to that coordinator.
_ADVICE = "; read both profiles before approving"


def _for_members(reason: str) -> str:
    reason = reason.replace(_ADVICE, "")
    return (
        "Worth knowing: " + reason.removeprefix("Watch: ")
        if reason.startswith("Watch: ")
        else reason
    )


# "Eli Brooks wants "…"; Maya Berg offers "…"": the reason the matching writes from the
# two sentences closest in meaning (`scoring.Scorer._reason`).
_QUOTED = re.compile(
    r'^(?P<mentee>.+?) wants "(?P<need>.+?)"; (?P<mentor>.+?) offers "(?P<offer>.+)"$'
)


def for_member(reasons: list[str], people: Mapping[int, Participant], own: int | None) -> list[str]:
    """A match's reasons as member `own` (a participant id) of the pair `people` reads
    them: without the advice to the approving coordinator, and without a quote of what
    another member keeps to themself. The page, the match email and a copy of one's
    data all read them so."""
    hidden = _not_shared_with(people, own)
    return [_for_members(_unquoted(reason, hidden)) for reason in reasons]


def _not_shared_with(people: Mapping[int, Participant], own: int | None) -> list[str]:
    """What the other members of the pair wrote that this member may not read: their
    challenges (never shared), and their goals or expertise when they unshared them."""
    hidden = []
    for participant_id, person in people.items():
        if participant_id == own:
            continue
        shared = set(sharing.shared_names(person))
        hidden.append(person.challenges or "")
        hidden += [
            getattr(person, name) or "" for name in ("goals", "expertise") if name not in shared
        ]
    return [text for text in hidden if text.strip()]


def _unquoted(reason: str, hidden: list[str]) -> str:
    """The reason without a quote from `hidden`: that the two are close, not the words."""
    found = _QUOTED.match(reason)
    if found is None:
        return reason

    def secret(quote: str) -> bool:
        words = quote.removesuffix("…").strip()
        return bool(words) and any(words in text for text in hidden)

    mentee, need, mentor, offer = found.group("mentee", "need", "mentor", "offer")
    need_hidden, offer_hidden = secret(need), secret(offer)
    if need_hidden and offer_hidden:
        return (
            f"What {mentee} wrote they want is close in meaning to what {mentor} wrote they offer"
        )
    if need_hidden:
        return f'{mentor} offers "{offer}", close in meaning to what {mentee} wrote they want'
    if offer_hidden:
        return f'{mentee} wants "{need}", close in meaning to what {mentor} wrote they offer'
    return reason


def _open_request(session: Session, view: access.View) -> MatchReviewRequest | None:
    return session.scalars(
        select(MatchReviewRequest).where(
            MatchReviewRequest.relationship_id == view.relationship.id,
            MatchReviewRequest.participant_id == view.member.participant_id,
            MatchReviewRequest.resolved_at.is_(None),
        )
    ).first()


def request_review(
    *, session: Session, relationship_id: int, principal: Principal, note: str = ""
) -> MatchReviewRequest:
    """A member asks a coordinator to review their match; one open request per member."""
    view = access.view(session=session, relationship_id=relationship_id, principal=principal)
    member = view.require_member("Requests to review a match")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"note: at most {NOTE_MAX} characters.", field="note")
    if _open_request(session, view) is not None:
        raise Conflict(
            "You have already asked a coordinator to review this match; they will be in touch."
        )
    request = MatchReviewRequest(
        program_id=view.relationship.program_id,
        relationship_id=relationship_id,
        participant_id=member.participant_id,
        requested_by=view.actor.label,
        note=note,
    )
    session.add(request)
    session.flush()
    audit.record(
        session=session,
        actor=view.actor,
        action="matching.review_requested",
        subject_type="relationship",
        subject_id=relationship_id,
        program_id=view.relationship.program_id,
        data={"request_id": request.id, "with_note": bool(note)},
    )
    return request


@dataclass(frozen=True)
class OpenRequest:
    id: int
    relationship_id: int
    pair: str
    asked_by: str
    note: str
    created_at: datetime


def open_requests(*, session: Session, program_id: int, principal: Principal) -> list[OpenRequest]:
    """The program's unanswered requests to review a match, for its coordinators."""
    program = policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    rows = session.scalars(
        select(MatchReviewRequest)
        .where(
            MatchReviewRequest.program_id == program.id, MatchReviewRequest.resolved_at.is_(None)
        )
        .order_by(MatchReviewRequest.created_at, MatchReviewRequest.id)
    ).all()
    relationships = {
        r.id: r
        for r in session.scalars(
            select(Relationship).where(Relationship.id.in_({row.relationship_id for row in rows}))
        )
    }
    access.load_members(session, list(relationships.values()))
    people = access.members_of(session, list(relationships.values()))
    shown = []
    for row in rows:
        relationship = relationships[row.relationship_id]
        names = " and ".join(people[m.participant_id].name for m in relationship.members)
        asker = people.get(row.participant_id)
        shown.append(
            OpenRequest(
                id=row.id,
                relationship_id=row.relationship_id,
                pair=names,
                asked_by=asker.name if asker is not None else "a former member",
                note=row.note,
                created_at=row.created_at,
            )
        )
    return shown


def resolve(*, session: Session, request_id: int, principal: Principal) -> MatchReviewRequest:
    """A coordinator marks a request handled (they have talked to the pair)."""
    missing = NotFound(f"No request {request_id} to review a match.")
    row = session.get(MatchReviewRequest, request_id)
    if row is None:
        raise missing
    policy.require_coordinator_of_owner(
        program_id=row.program_id, principal=principal, missing=missing
    )
    if row.resolved_at is not None:
        return row
    row.resolved_at = utcnow()
    actor = actor_of(principal)
    row.resolved_by = actor.label
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="matching.review_resolved",
        subject_type="relationship",
        subject_id=row.relationship_id,
        program_id=row.program_id,
        data={"request_id": row.id},
    )
    return row
