"""My data: everything the service holds about one person, for them to download.

What is left out, and why: drafts that no person approved and delivered to them
(pending, rejected, withdrawn: those are not yet anything said to them), other
people's private notes, and the relationships of other people.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from companion.accounts.models import ApiToken, User
from companion.accounts.principal import Principal
from companion.community import holdings as community_holdings
from companion.db.base import utcnow
from companion.drafting.models import Draft
from companion.identity.models import ExternalIdentity
from companion.jobs.models import Job
from companion.leadership import personal as leadership
from companion.matching import explanation
from companion.matching.models import MatchProposal
from companion.notifications.models import Notification, NotificationPreference
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships.models import (
    Feedback,
    Goal,
    MatchReviewRequest,
    MentoringSession,
    Message,
    PrivateNote,
)
from companion.review import delivery
from companion.rights import holdings, policy
from companion.rights.schemas import (
    AccountData,
    AuditData,
    FeedbackData,
    GoalData,
    MessageData,
    NoteData,
    PersonalData,
    ProfileData,
    RelationshipData,
    SessionData,
)

# Columns of a profile that say where it is stored, not what it says about the person.
_BOOKKEEPING = {"id", "program_id", "user_id"}


def personal_data(*, session: Session, principal: Principal, user_id: int) -> PersonalData:
    """Everything held about the account `user_id`, for its owner (or an administrator)."""
    policy.require_may_export(principal=principal, user_id=user_id)
    user = session.get(User, user_id)
    if user is None:
        raise policy.account_not_found()
    held = holdings.of(session=session, user=user)
    pids = held.participant_ids
    program_names = dict(session.execute(select(Program.id, Program.name)).all())
    names = _names(session, held)
    reasons = dict(
        session.execute(
            select(MatchProposal.id, MatchProposal.reasons).where(
                MatchProposal.id.in_(
                    [r.proposal_id for r in held.relationships if r.proposal_id is not None]
                )
            )
        ).all()
    )
    relationships = []
    for r in held.relationships:
        mine = next(m for m in r.members if m.participant_id in pids)
        relationships.append(
            RelationshipData(
                id=r.id,
                program=program_names[r.program_id],
                kind=r.kind.value,
                status=r.status.value,
                your_role=mine.role.value,
                with_=[names[m.participant_id] for m in r.members if m.participant_id not in pids],
                start_date=r.start_date,
                ended_at=r.ended_at,
                your_expectations=mine.expectations,
                your_closing_reflection=mine.closing_reflection,
                # As the relationship page shows them: no quote of what another member
                # keeps to themself (Art. 15(4): the rights of others).
                match_reasons=explanation.for_member(
                    list(reasons.get(r.proposal_id) or []),
                    {
                        m.participant_id: session.get_one(Participant, m.participant_id)
                        for m in r.members
                    },
                    mine.participant_id,
                )
                if r.proposal_id
                else [],
            )
        )
    goals = session.scalars(
        select(Goal)
        .where(Goal.id.in_(held.goal_ids))
        .options(selectinload(Goal.milestones), selectinload(Goal.check_ins))
        .order_by(Goal.id)
    )
    return PersonalData(
        generated_at=utcnow(),
        account=_account(session, user, program_names),
        profiles=[
            ProfileData(
                program=program_names[p.program_id],
                fields={
                    c.key: getattr(p, c.key)
                    for c in Participant.__mapper__.column_attrs
                    if c.key not in _BOOKKEEPING
                },
            )
            for p in held.participants
        ],
        relationships=relationships,
        sessions=[
            SessionData(
                id=s.id,
                relationship_id=s.relationship_id,
                starts_at=s.starts_at,
                duration_minutes=s.duration_minutes,
                modality=s.modality.value,
                status=s.status.value,
                shared_notes=s.shared_notes,
                proposed_by_you=s.proposed_by_id in pids,
                proposed_at=s.proposed_at,
                confirmed_at=s.confirmed_at,
            )
            for s in session.scalars(
                select(MentoringSession)
                .where(MentoringSession.relationship_id.in_(held.relationship_ids))
                .order_by(MentoringSession.starts_at, MentoringSession.id)
            )
        ],
        private_notes=[
            NoteData(session_id=n.session_id, text=n.text, updated_at=n.updated_at)
            for n in session.scalars(
                select(PrivateNote)
                .where(PrivateNote.id.in_(held.note_ids))
                .order_by(PrivateNote.id)
            )
        ],
        goals=[
            GoalData(
                id=g.id,
                relationship_id=g.relationship_id,
                title=g.title,
                smart={
                    "specific": g.specific,
                    "measurable": g.measurable,
                    "achievable": g.achievable,
                    "relevant": g.relevant,
                    "time_bound": g.time_bound,
                },
                status=g.status.value,
                visibility=g.visibility.value,
                progress=g.progress,
                target_date=g.target_date,
                milestones=[
                    {"text": m.text, "due_date": m.due_date, "done_at": m.done_at}
                    for m in g.milestones
                ],
                check_ins=[
                    {"progress": c.progress, "note": c.note, "at": c.created_at}
                    for c in g.check_ins
                ],
            )
            for g in goals
        ],
        messages=[
            MessageData(relationship_id=m.relationship_id, body=m.body, created_at=m.created_at)
            for m in session.scalars(
                select(Message).where(Message.id.in_(held.message_ids)).order_by(Message.id)
            )
        ],
        feedback_given=[
            FeedbackData(session_id=f.session_id, answers=f.answers, submitted_at=f.submitted_at)
            for f in session.scalars(
                select(Feedback).where(Feedback.id.in_(held.feedback_ids)).order_by(Feedback.id)
            )
        ],
        drafts_delivered=[
            delivery.view_of(d)
            for d in delivery.delivered_to(session=session, principal=user)
            if _about(d, held)
        ],
        match_review_requests=[
            {
                "relationship_id": r.relationship_id,
                "note": r.note,
                "asked_at": r.created_at,
                "resolved_at": r.resolved_at,
            }
            for r in session.scalars(
                select(MatchReviewRequest)
                .where(MatchReviewRequest.participant_id.in_(pids))
                .order_by(MatchReviewRequest.id)
            )
        ],
        notification_settings={
            str(p.kind.value): str(p.delivery.value)
            for p in session.scalars(
                select(NotificationPreference).where(NotificationPreference.user_id == user.id)
            )
        },
        notifications=[
            {"kind": n.kind, "prepared_at": n.created_at, "status": str(n.status.value)}
            for n in session.scalars(
                select(Notification)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id)
            )
        ],
        community=community_holdings.copy_of(session, user.id),
        leader_stories=leadership.stories_of(session, user.id),
        training=leadership.training_of(session, user.id),
        jobs=[
            {
                "title": j.title,
                "kind": j.kind.value,
                "state": j.state.value,
                "started_at": j.created_at,
                "finished_at": j.finished_at,
                "summary": j.summary,
                "error": j.error,
            }
            for j in session.scalars(
                select(Job).where(Job.started_by_id == user.id).order_by(Job.id)
            )
        ],
        audit_events=[
            AuditData(
                seq=e.seq,
                occurred_at=e.occurred_at,
                actor=e.actor_label,
                action=e.action,
                subject_type=e.subject_type,
                subject_id=e.subject_id,
                data=e.data,
            )
            for e in held.audit_events(session)
        ],
    )


def _about(draft: Draft, held: holdings.Holdings) -> bool:
    """A delivered draft about this person or their relationships, not one for a whole
    program (a knowledge-base answer every participant receives)."""
    return (
        draft.subject_participant_id in held.participant_ids
        or draft.requested_by_id == held.user.id
        or draft.relationship_id in held.relationship_ids
    )


def _names(session: Session, held: holdings.Holdings) -> dict[int, str]:
    member_ids = {m.participant_id for r in held.relationships for m in r.members}
    return dict(
        session.execute(
            select(Participant.id, Participant.name).where(Participant.id.in_(member_ids))
        ).all()
    )


def _account(session: Session, user: User, program_names: dict[int, str]) -> AccountData:
    return AccountData(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        created_at=user.created_at,
        roles=[
            {
                "role": a.role.value,
                "program_id": a.program_id,
                "program": program_names.get(a.program_id) if a.program_id else None,
            }
            for a in user.roles
        ],
        password_set=user.password_hash is not None,
        sign_in_links=[
            {"issuer": i.issuer, "email_at_link": i.email_at_link, "linked_at": i.created_at}
            for i in session.scalars(
                select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
            )
        ],
        api_tokens=[
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
        ],
    )
