"""Leader accountability, without surveillance: what each leader does as a mentor, in counts.

Per leader (a mentor of the program): the people they mentor, the sessions held with
them, community questions answered, stories shared and training paths completed,
rolled up by department. Only counts are read: no query here selects the text of a
note, goal or message. A program shows its figures only once it turns them on (off
by default), to the organisation's administrators and that program's coordinators;
each leader reads their own figures whatever the switch says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal, System, actor_of
from companion.audit import service as audit
from companion.community.models import Answer, PostStatus
from companion.db.base import utcnow
from companion.leadership import policy
from companion.leadership.models import (
    AccountabilitySetting,
    PathCompletion,
    Story,
    StoryStatus,
    TrainingPath,
)
from companion.leadership.schemas import (
    AccountabilityView,
    DepartmentFigures,
    LeaderFigures,
)
from companion.participants.models import Participant
from companion.programs import policy as program_policy
from companion.programs.models import Program
from companion.relationships.models import (
    MemberRole,
    MentoringSession,
    Relationship,
    RelationshipMember,
    SessionStatus,
)

NO_DEPARTMENT = "No department given"


def questions_answered(session: Session, user_ids: Sequence[int]) -> dict[int, int] | None:
    """Community answers each person gave (their own words, not a published guide
    draft), still visible: hidden ones do not count."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Answer.author_id, func.count(Answer.id))
        .where(
            Answer.author_id.in_(user_ids),
            Answer.draft_id.is_(None),
            Answer.status == PostStatus.visible,
        )
        .group_by(Answer.author_id)
    )
    return {author: count for author, count in rows}


def is_on(session: Session, program_id: int) -> bool:
    setting = session.get(AccountabilitySetting, program_id)
    return bool(setting and setting.turned_on)


def switch(
    *, session: Session, program_id: int, principal: Principal, turned_on: bool
) -> AccountabilitySetting:
    """Administrators and the program's coordinators turn the program's figures on or off."""
    policy.require_figures_reader(principal, program_id)
    program_policy.readable_program(session=session, program_id=program_id, principal=principal)
    setting = session.get(AccountabilitySetting, program_id)
    if setting is not None and setting.turned_on == turned_on:
        return setting
    label = actor_of(principal).label
    if setting is None:
        setting = AccountabilitySetting(
            program_id=program_id, turned_on=turned_on, changed_by=label
        )
        session.add(setting)
    setting.turned_on, setting.changed_by, setting.changed_at = turned_on, label, utcnow()
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="leadership.accountability_on" if turned_on else "leadership.accountability_off",
        subject_type="program",
        subject_id=program_id,
        program_id=program_id,
        data={},
    )
    return setting


def _figures(
    session: Session, program: Program, leaders: Sequence[Participant]
) -> list[LeaderFigures]:
    """Counts for many leaders of one program, a query per kind of count."""
    ids = [p.id for p in leaders]
    user_ids = [p.user_id for p in leaders if p.user_id is not None]
    mentored = dict(
        session.execute(
            select(Relationship.mentor_id, func.count(distinct(RelationshipMember.participant_id)))
            .join(RelationshipMember, RelationshipMember.relationship_id == Relationship.id)
            .where(Relationship.mentor_id.in_(ids), RelationshipMember.role == MemberRole.mentee)
            .group_by(Relationship.mentor_id)
        ).all()
    )
    held = dict(
        session.execute(
            select(Relationship.mentor_id, func.count(MentoringSession.id))
            .join(MentoringSession, MentoringSession.relationship_id == Relationship.id)
            .where(Relationship.mentor_id.in_(ids), MentoringSession.status == SessionStatus.held)
            .group_by(Relationship.mentor_id)
        ).all()
    )
    stories = dict(
        session.execute(
            select(Story.author_id, func.count(Story.id))
            .where(Story.author_id.in_(user_ids), Story.status == StoryStatus.published)
            .group_by(Story.author_id)
        ).all()
    )
    trained = dict(
        session.execute(
            select(PathCompletion.user_id, func.count(PathCompletion.id))
            .join(TrainingPath, TrainingPath.id == PathCompletion.path_id)
            .where(PathCompletion.user_id.in_(user_ids), TrainingPath.program_id == program.id)
            .group_by(PathCompletion.user_id)
        ).all()
    )
    answered = questions_answered(session, user_ids)
    return [
        LeaderFigures(
            program_id=program.id,
            program_name=program.name,
            name=p.name,
            department=p.department or NO_DEPARTMENT,
            people_mentored=mentored.get(p.id, 0),
            sessions_held=held.get(p.id, 0),
            questions_answered=None if answered is None else answered.get(p.user_id, 0),
            stories_shared=stories.get(p.user_id, 0),
            training_completed=trained.get(p.user_id, 0),
        )
        for p in leaders
    ]


def _leaders(session: Session, program_id: int) -> list[Participant]:
    return list(
        session.scalars(
            select(Participant)
            .where(Participant.program_id == program_id, Participant.role.in_(["mentor", "both"]))
            .order_by(Participant.department, Participant.name)
        )
    )


def _by_department(leaders: Sequence[LeaderFigures]) -> list[DepartmentFigures]:
    groups: dict[str, list[LeaderFigures]] = defaultdict(list)
    for leader in leaders:
        groups[leader.department].append(leader)
    counted = leaders and leaders[0].questions_answered is not None
    return [
        DepartmentFigures(
            department=department,
            leaders=len(members),
            people_mentored=sum(m.people_mentored for m in members),
            sessions_held=sum(m.sessions_held for m in members),
            questions_answered=sum(m.questions_answered or 0 for m in members) if counted else None,
            stories_shared=sum(m.stories_shared for m in members),
            training_completed=sum(m.training_completed for m in members),
        )
        for department, members in sorted(groups.items())
    ]


def program_view(*, session: Session, program_id: int, principal: Principal) -> AccountabilityView:
    """A program's leaders and departments, for its readers; empty while it is turned off."""
    policy.require_figures_reader(principal, program_id)
    program = program_policy.readable_program(
        session=session, program_id=program_id, principal=principal
    )
    on = is_on(session, program_id)
    leaders = _figures(session, program, _leaders(session, program_id)) if on else []
    return AccountabilityView(
        program_id=program.id,
        program_name=program.name,
        turned_on=on,
        leaders=leaders,
        departments=_by_department(leaders),
    )


def my_figures(*, session: Session, principal: Principal) -> list[LeaderFigures]:
    """A leader's own figures, in each program where they mentor, whatever the switch says."""
    if isinstance(principal, System):
        return []
    mine = list(
        session.scalars(
            select(Participant).where(
                Participant.user_id == principal.id, Participant.role.in_(["mentor", "both"])
            )
        )
    )
    figures = []
    for participant in mine:
        program = session.get(Program, participant.program_id)
        figures.extend(_figures(session, program, [participant]))
    return figures


def readable_programs(*, session: Session, principal: Principal) -> list[Program]:
    """The programs whose figures `principal` may read (turned on or not)."""
    programs = session.scalars(select(Program).order_by(Program.name))
    return [p for p in programs if policy.may_read_figures(principal, p.id)]
