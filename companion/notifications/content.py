"""What each notification says: the subject, the sections of its email, and for a session
its calendar invitation. Drafted text appears only through the delivery gate."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts.models import User
from companion.db.base import utcnow
from companion.matching import explanation
from companion.matching.models import MatchProposal, MatchRun
from companion.notifications import preferences
from companion.notifications import render as rendering
from companion.notifications.models import Kind, Notification
from companion.notifications.render import Content, Invitation, Section
from companion.participants import sharing
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import access
from companion.relationships.models import (
    Feedback,
    Goal,
    GoalVisibility,
    MentoringSession,
    Message,
    Relationship,
    RelationshipMember,
    RelationshipStatus,
    SessionStatus,
)
from companion.relationships.scheduling import local_time
from companion.review import delivery as gate
from companion.settings import Settings


@dataclass(frozen=True)
class TeamChannel:
    """A program's shared team chat: it reads coordinator notices only, never anything
    of one person's own, so personal kinds build nothing for it."""

    program_id: int


# Who a notice is written for: one person, or a program's shared channel.
Reader = User | TeamChannel

QUOTE_MAX = 1200
UID_DOMAIN = "mentoring-companion"
MODALITIES = {
    "video": "Video call",
    "phone": "Phone call",
    "in_person": "In person",
    "chat": "Chat",
}
CHANGE_TEXT = {
    "confirmed": "Your mentoring session with {with_whom} is confirmed: you have both agreed "
    "the time. The calendar invitation is attached: accept it to add the session to your "
    "calendar.",
    "booked": "A coordinator has booked a mentoring session for you with {with_whom}. The "
    "calendar invitation is attached: accept it to add the session to your calendar.",
    "moved": "Your mentoring session with {with_whom} has moved to a new time. The attached "
    "calendar update replaces the old entry.",
    "cancelled": "Your mentoring session with {with_whom} has been cancelled. The attached "
    "calendar update removes it from your calendar.",
}


# A proposed time and its answers: (subject, what happened, the link's words, its anchor).
PROPOSAL_TEXT = {
    "proposed": (
        "{who} proposes a session: {when}",
        "{who} proposes a mentoring session at this time. Accept it, or suggest another "
        "time that suits you better. Nothing goes into your calendar until you accept.",
        "Answer on the relationship page",
        "proposals",
    ),
    "suggested": (
        "{who} suggests another time: {when}",
        "{who} cannot make the time you proposed and suggests this one instead. Accept it, "
        "or suggest another. Nothing goes into your calendar until one of you accepts.",
        "Answer on the relationship page",
        "proposals",
    ),
    "declined": (
        "{who} declined your proposed time: {when}",
        "{who} declined the time you proposed. Propose another time: the relationship page "
        "lists the times you are both free.",
        "Propose another time",
        "book",
    ),
    "withdrawn": (
        "{who} withdrew the proposed time: {when}",
        "{who} withdrew the time they proposed; there is nothing for you to answer.",
        "Open the relationship",
        "proposals",
    ),
}


def url(settings: Settings, path: str) -> str:
    return f"{settings.public_url.rstrip('/')}{path}"


def first_name(user: User) -> str:
    return (user.display_name or user.email).split()[0]


def _day(moment: datetime, zone: str) -> str:
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b}"


def _when(moment: datetime, zone: str) -> str:
    """E.g. "Tue 3 Mar, 09:00 CET": short enough for a subject line."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{_day(moment, zone)}, {local:%H:%M} {local:%Z}"


def _participant_of(session: Session, relationship_id: int, user_id: int) -> Participant | None:
    return session.scalar(
        select(Participant)
        .join(RelationshipMember, RelationshipMember.participant_id == Participant.id)
        .where(
            RelationshipMember.relationship_id == relationship_id, Participant.user_id == user_id
        )
        .limit(1)
    )


def build(
    session: Session,
    notification: Notification,
    kind: Kind,
    reader: Reader,
    settings: Settings,
) -> Content | None:
    builder = _BUILDERS[kind]
    content = builder(session, notification, reader, settings)
    if content is None or not isinstance(reader, User):
        return content
    user = reader
    token = preferences.unsubscribe_token(secret=settings.signing_key(), user_id=user.id, kind=kind)
    return Content(
        subject=content.subject,
        greeting_name=first_name(user),
        sections=content.sections,
        unsubscribe=(
            preferences.TOPICS[kind],
            url(settings, f"/notifications/unsubscribe/{token}"),
        ),
        settings_url=url(settings, "/account/notifications"),
        calendar=content.calendar,
    )


def _bare(subject: str, *sections: Section, calendar: tuple[str, str] | None = None) -> Content:
    return Content(subject=subject, greeting_name="", sections=sections, calendar=calendar)


def _loaded(session: Session, relationship_id: int) -> tuple[Relationship, dict[int, Participant]]:
    relationship = session.get_one(Relationship, relationship_id)
    people = access.members_of(session, [relationship])
    return relationship, people


def _match(
    session: Session, notification: Notification, reader: Reader, settings: Settings
) -> Content | None:
    if not isinstance(reader, User):
        return None  # a shared channel is told nothing of anyone's own
    user = reader
    relationship, people = _loaded(session, notification.relationship_id or 0)
    me = _participant_of(session, relationship.id, user.id)
    if me is None:
        return None
    program = session.get_one(Program, relationship.program_id)
    others = [
        people[m.participant_id]
        for m in relationship.members
        if m.participant_id != me.id and m.participant_id in people
    ]
    reasons: list[str] = []
    if relationship.proposal_id is not None:
        proposal = session.get(MatchProposal, relationship.proposal_id)
        reasons = (
            explanation.for_member(list(proposal.reasons or []), people, me.id)
            if proposal is not None
            else []
        )
    sections = [
        Section(
            paragraphs=(
                f"Your coordinator has approved a mentoring "
                f"{'circle' if relationship.kind.value == 'circle' else 'match'} for you in "
                f"{program.name}.",
            )
        )
    ]
    if reasons:
        sections.append(Section(heading="Why you were matched", paragraphs=tuple(reasons)))
    for other in others:
        # Only the fields the person chose to share, as on the relationship page.
        facts = tuple(sharing.shared_facts(other))
        role = "mentor" if other.id == relationship.mentor_id else "mentee"
        sections.append(
            Section(
                heading=f"{other.name}, your {role}"
                if len(others) == 1
                else f"{other.name} ({role})",
                facts=facts,
            )
        )
    sections.append(
        Section(
            paragraphs=(
                "A good first step: agree how often you will meet, and book your first session.",
            ),
            link=("Open the relationship", url(settings, f"/relationships/{relationship.id}")),
        )
    )
    names = " & ".join(o.name for o in others)
    return _bare(f"You have been matched with {names}", *sections)


def _session_invitation(
    row: MentoringSession,
    relationship: Relationship,
    people: dict[int, Participant],
    settings: Settings,
    *,
    starts_at: datetime,
    sequence: int,
    cancelled: bool,
    agenda: str | None,
) -> tuple[str, str]:
    names = [
        people[m.participant_id].name for m in relationship.members if m.participant_id in people
    ]
    title = relationship.name or " & ".join(names)
    modality = row.modality.value.replace("_", " ")
    return rendering.invitation_ics(
        Invitation(
            uid=f"session-{row.id}@{UID_DOMAIN}",
            sequence=sequence,
            starts_at=starts_at,
            duration_minutes=row.duration_minutes,
            summary=f"Mentoring: {title}",
            description="\n\n".join(
                part
                for part in (f"Mentoring session ({modality}) with {', '.join(names)}.", agenda)
                if part
            ),
            organizer=("Mentoring Companion", settings.smtp_from),
            attendees=tuple(
                (people[m.participant_id].name, people[m.participant_id].email)
                for m in relationship.members
                if m.participant_id in people
            ),
            cancelled=cancelled,
            stamp=utcnow(),
        )
    )


def _session_change(
    session: Session, notification: Notification, reader: Reader, settings: Settings
) -> Content | None:
    if not isinstance(reader, User):
        return None  # a shared channel is told nothing of anyone's own
    user = reader
    row = session.get(MentoringSession, int(notification.context["session_id"]))
    if row is None:
        return None
    relationship, people = _loaded(session, row.relationship_id)
    me = _participant_of(session, relationship.id, user.id)
    zone = (me.timezone if me else None) or "UTC"
    change = notification.context["change"]
    starts_at = datetime.fromisoformat(notification.context["starts_at"])
    others = [
        people[m.participant_id].name
        for m in relationship.members
        if me is None or m.participant_id != me.id
    ]
    with_whom = " & ".join(others)
    agenda = gate.agenda_for(session=session, principal=user, mentoring_session=row)
    facts = (
        ("When", local_time(starts_at, starts_at + timedelta(minutes=row.duration_minutes), zone)),
        ("How", MODALITIES.get(row.modality.value, row.modality.value)),
    )
    paragraphs = CHANGE_TEXT[change].format(with_whom=with_whom)
    calendar = _session_invitation(
        row,
        relationship,
        people,
        settings,
        starts_at=starts_at,
        sequence=int(notification.context["sequence"]),
        cancelled=change == "cancelled",
        agenda=f"{agenda.text}\n\n{agenda.disclosure}"
        if agenda is not None and change != "cancelled"
        else None,
    )
    return _bare(
        f"Session {change}: {_when(starts_at, zone)} with {with_whom}",
        Section(
            paragraphs=(paragraphs,),
            facts=facts,
            link=(
                "Open the session",
                url(settings, f"/relationships/{relationship.id}/sessions/{row.id}"),
            ),
        ),
        calendar=calendar,
    )


def _session_proposal(
    session: Session, notification: Notification, reader: Reader, settings: Settings
) -> Content | None:
    """A time proposed to the reader, or the answer to one they proposed: no calendar
    invitation until it is confirmed."""
    if not isinstance(reader, User):
        return None  # a shared channel is told nothing of anyone's own
    user = reader
    row = session.get(MentoringSession, int(notification.context["session_id"]))
    if row is None:
        return None
    change = notification.context["change"]
    starts_at = datetime.fromisoformat(notification.context["starts_at"])
    if change in ("proposed", "suggested") and (
        row.status != SessionStatus.proposed or row.starts_at != starts_at
    ):
        return None  # answered, withdrawn or answered with another time since
    relationship, people = _loaded(session, row.relationship_id)
    me = _participant_of(session, relationship.id, user.id)
    if me is None:
        return None
    zone = me.timezone or "UTC"
    who = " & ".join(
        people[m.participant_id].name for m in relationship.members if m.participant_id != me.id
    )
    subject, paragraph, link_text, anchor = PROPOSAL_TEXT[change]
    ends_at = starts_at + timedelta(minutes=row.duration_minutes)
    return _bare(
        subject.format(who=who, when=_when(starts_at, zone)),
        Section(
            paragraphs=(paragraph.format(who=who),),
            facts=(
                ("When", local_time(starts_at, ends_at, zone)),
                ("How", MODALITIES.get(row.modality.value, row.modality.value)),
            ),
            link=(link_text, url(settings, f"/relationships/{relationship.id}#{anchor}")),
        ),
    )


def _reminder(
    session: Session, notification: Notification, reader: Reader, settings: Settings
) -> Content | None:
    if not isinstance(reader, User):
        return None  # a shared channel is told nothing of anyone's own
    user = reader
    row = session.get(MentoringSession, int(notification.context["session_id"]))
    if row is None or row.status != SessionStatus.scheduled:
        return None
    if row.starts_at.isoformat() != notification.context["starts_at"]:
        return None  # moved since: the new time has a reminder of its own
    relationship, people = _loaded(session, row.relationship_id)
    me = _participant_of(session, relationship.id, user.id)
    zone = (me.timezone if me else None) or "UTC"
    others = " & ".join(
        people[m.participant_id].name
        for m in relationship.members
        if me is None or m.participant_id != me.id
    )
    # Only an approved, delivered agenda, and only for those the delivery gate lets read it.
    agenda = gate.agenda_for(session=session, principal=user, mentoring_session=row)
    sections = [
        Section(
            paragraphs=(f"A reminder: you meet {others} on {_day(row.starts_at, zone)}.",),
            facts=(
                (
                    "When",
                    local_time(
                        row.starts_at, row.starts_at + timedelta(minutes=row.duration_minutes), zone
                    ),
                ),
                ("How", MODALITIES.get(row.modality.value, row.modality.value)),
            ),
        )
    ]
    if agenda is not None:
        sections.append(Section(heading="The agenda", paragraphs=(agenda.text, agenda.disclosure)))
    else:
        sections.append(Section(paragraphs=("No agenda has been shared for this session yet.",)))
    sections.append(
        Section(
            link=(
                "Open the session",
                url(settings, f"/relationships/{relationship.id}/sessions/{row.id}"),
            )
        )
    )
    return _bare(f"Reminder: mentoring with {others}, {_when(row.starts_at, zone)}", *sections)


def _messages(
    session: Session, notification: Notification, reader: Reader, settings: Settings
) -> Content | None:
    if not isinstance(reader, User):
        return None  # a shared channel is told nothing of anyone's own
    user = reader
    if notification.relationship_id is None:
        return None
    relationship, people = _loaded(session, notification.relationship_id)
    member = next(
        (
            m
            for m in relationship.members
            if m.participant_id in people and people[m.participant_id].user_id == user.id
        ),
        None,
    )
    if member is None:
        return None
    start = datetime.fromisoformat(notification.context["from"])
    end = datetime.fromisoformat(notification.context["to"])
    unread = session.scalars(
        select(Message)
        .where(
            Message.relationship_id == relationship.id,
            Message.created_at >= start,
            Message.created_at < end,
            Message.author_id != member.participant_id,
            Message.id > member.last_read_message_id,
        )
        .order_by(Message.id)
    ).all()
    if not unread:
        return None  # read already, in the app
    authors = {p.id: p.name for p in people.values()}
    missing = {m.author_id for m in unread} - authors.keys()
    if missing:
        authors.update(
            (p.id, p.name)
            for p in session.scalars(select(Participant).where(Participant.id.in_(missing)))
        )
    quotes = tuple(
        (authors.get(m.author_id, "A former member"), _shortened(m.body)) for m in unread
    )
    count = len(unread)
    writers = " & ".join(dict.fromkeys(who for who, _ in quotes))
    return _bare(
        f"{count} new message{'s' if count != 1 else ''} from {writers}",
        Section(
            quotes=quotes,
            link=(
                "Reply in the thread",
                url(settings, f"/relationships/{relationship.id}/thread"),
            ),
        ),
    )


def _shortened(text: str) -> str:
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX].rstrip() + " …"


def _feedback(
    session: Session, notification: Notification, reader: Reader, settings: Settings
) -> Content | None:
    if not isinstance(reader, User):
        return None  # a shared channel is told nothing of anyone's own
    user = reader
    row = session.get(MentoringSession, int(notification.context["session_id"]))
    if row is None or row.status != SessionStatus.held:
        return None
    me = _participant_of(session, row.relationship_id, user.id)
    if me is None:
        return None
    given = session.scalar(
        select(Feedback.id).where(Feedback.session_id == row.id, Feedback.participant_id == me.id)
    )
    if given is not None:
        return None
    relationship = session.get_one(Relationship, row.relationship_id)
    program = session.get_one(Program, relationship.program_id)
    zone = me.timezone or "UTC"
    return _bare(
        f"How did your session on {_day(row.starts_at, zone)} go?",
        Section(
            paragraphs=(
                "Your session is marked as held. A few quick ratings and a line or two help "
                "you both get more out of the next one.",
                f"Your answers stay hidden from the others until everyone has answered, or "
                f"for {program.feedback_reveal_days} days after the session.",
            ),
            link=(
                "Give feedback",
                url(settings, f"/relationships/{relationship.id}/sessions/{row.id}"),
            ),
        ),
    )


def _goal(
    session: Session, notification: Notification, reader: Reader, settings: Settings
) -> Content | None:
    if not isinstance(reader, User):
        return None  # a shared channel is told nothing of anyone's own
    goal = session.get(Goal, int(notification.context["goal_id"]))
    if goal is None or goal.visibility == GoalVisibility.private:
        return None  # unshared since: the mentor may no longer read it
    mentee = session.get(Participant, goal.mentee_id)
    name = mentee.name if mentee else "Your mentee"
    facts = tuple(
        (label, value)
        for label, value in (
            ("Specific", goal.specific),
            ("Measurable", goal.measurable),
            ("Target date", goal.target_date.isoformat() if goal.target_date else ""),
        )
        if value
    )
    return _bare(
        f"{name} shared a goal with you: {goal.title}",
        Section(
            paragraphs=(f"{name} has shared the goal “{goal.title}” with you.",),
            facts=facts,
            link=(
                "Read the goal",
                url(settings, f"/relationships/{goal.relationship_id}/goals/{goal.id}"),
            ),
        ),
    )


def _stalled_pair(
    session: Session, notification: Notification, reader: Reader, settings: Settings
) -> Content | None:
    relationship = session.get(Relationship, notification.relationship_id or 0)
    if relationship is None or relationship.status != RelationshipStatus.active:
        return None
    _relationship, people = _loaded(session, relationship.id)
    program = session.get_one(Program, relationship.program_id)
    names = " & ".join(
        people[m.participant_id].name for m in relationship.members if m.participant_id in people
    )
    reasons = notification.context.get("reasons") or []
    return _bare(
        f"A pair in {program.name} has stalled: {names}",
        Section(
            paragraphs=(
                f"{names} {'have' if ' & ' in names else 'has'} gone quiet: {'; '.join(reasons)}.",
                "A short check-in from you often gets a pair going again.",
            ),
            link=(
                "Open the program overview",
                url(settings, f"/coordinator/programs/{program.id}"),
            ),
        ),
    )


def _run(
    session: Session, notification: Notification, reader: Reader, settings: Settings
) -> Content | None:
    run = session.get(MatchRun, int(notification.context["run_id"]))
    if run is None or run.status.value != "awaiting_approval":
        return None  # decided or superseded since
    program = session.get_one(Program, run.program_id)
    count = int(notification.context["proposals"])
    return _bare(
        f"Matching run {run.id} in {program.name} is waiting for approval",
        Section(
            paragraphs=(
                f"{count} proposed pair{'s' if count != 1 else ''} wait for a coordinator's "
                "decision. Nobody is told about a match until it is approved.",
            ),
            link=("Review the proposals", url(settings, f"/coordinator/runs/{run.id}")),
        ),
    )


def _community_question(
    session: Session, notification: Notification, reader: Reader, settings: Settings
) -> Content | None:
    """A question someone asked that the reader opted in to being asked about. It never
    names the asker: a question may be anonymous, and the page says who asked if not."""
    if not isinstance(reader, User):
        return None
    context = notification.context
    where = (
        session.get_one(Program, notification.program_id).name
        if notification.program_id is not None
        else "your organisation"
    )
    title = str(context.get("title", ""))[:QUOTE_MAX]
    return _bare(
        f"A question you may be able to answer: {title[:80]}",
        Section(
            paragraphs=(
                f"Someone in {where} asked a question on {context.get('topic', 'a topic')} "
                "that is close to what you said you are happy to be asked about.",
            ),
            quotes=(("The question", title),),
        ),
        Section(
            paragraphs=(
                "A short answer from your own experience is enough. If you are busy, "
                "there is nothing to do: others may answer.",
            ),
            link=(
                "Read and answer the question",
                url(settings, f"/community/questions/{context.get('question_id')}"),
            ),
        ),
    )


_BUILDERS: dict[Kind, Callable[[Session, Notification, Reader, Settings], Content | None]] = {
    Kind.match_approved: _match,
    Kind.session_proposed: _session_proposal,
    Kind.session_confirmed: _session_change,
    Kind.session_changes: _session_change,
    Kind.session_reminder: _reminder,
    Kind.thread_messages: _messages,
    Kind.feedback_due: _feedback,
    Kind.goal_shared: _goal,
    Kind.stalled_pairs: _stalled_pair,
    Kind.matching_runs: _run,
    Kind.community_question: _community_question,
}
