"""The organisation's code of conduct, and how wide community questions may reach."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts.principal import Principal, System, actor_of
from companion.audit import service as audit
from companion.community import policy
from companion.community.models import CommunitySettings, ConductAcceptance
from companion.community.schemas import ConductPublic, ConductUpdate
from companion.db.base import utcnow
from companion.errors import Conflict

DEFAULT_CODE = """\
Our community is a place to ask for help, share what you have learned and learn from each other.

1. Be kind and assume good intent. Disagree with ideas, never with people.
2. Keep what others share here in confidence. Do not copy it elsewhere.
3. Ask and answer in your own words, from your own experience. Say when you are unsure.
4. No harassment, discrimination, sales pitches or unwanted advances, here or in private messages.
5. Do not name or describe colleagues who are not here to answer for themselves.
6. If something here makes you uncomfortable, report it: a coordinator reads every report.

Moderators may hide posts that break this code and may warn their authors.
"""


def current(session: Session) -> CommunitySettings:
    """The settings row, or the defaults (not stored until an administrator edits them)."""
    row = session.get(CommunitySettings, 1)
    return row or CommunitySettings(
        id=1, code_of_conduct=DEFAULT_CODE, conduct_version=1, organisation_wide=False
    )


def has_accepted(session: Session, principal: Principal) -> bool:
    if isinstance(principal, System):
        return True
    version = current(session).conduct_version
    accepted = session.scalar(
        select(ConductAcceptance.version).where(ConductAcceptance.user_id == principal.id)
    )
    return accepted is not None and accepted >= version


def read(*, session: Session, principal: Principal) -> ConductPublic:
    row = current(session)
    return ConductPublic(
        code_of_conduct=row.code_of_conduct,
        version=row.conduct_version,
        organisation_wide=row.organisation_wide,
        accepted=has_accepted(session, principal),
    )


def update(*, session: Session, principal: Principal, change: ConductUpdate) -> ConductPublic:
    """An administrator edits the code (everyone accepts the new text once) or the reach."""
    policy.require_admin(principal)
    row = session.get(CommunitySettings, 1)
    if row is None:
        row = current(session)
        session.add(row)
    data: dict[str, object] = {}
    if change.code_of_conduct is not None and change.code_of_conduct.strip() != (
        row.code_of_conduct.strip()
    ):
        row.code_of_conduct = change.code_of_conduct.strip() + "\n"
        row.conduct_version = (row.conduct_version or 1) + 1
        data["conduct_version"] = row.conduct_version
    if change.organisation_wide is not None and change.organisation_wide != row.organisation_wide:
        row.organisation_wide = change.organisation_wide
        data["organisation_wide"] = row.organisation_wide
    row.updated_at = utcnow()
    session.flush()
    if data:
        audit.record(
            session=session,
            actor=actor_of(principal),
            action="community.settings_changed",
            subject_type="community",
            subject_id=1,
            data=data,
        )
    return read(session=session, principal=principal)


def require_accepted(session: Session, principal: Principal, *, accept: bool) -> None:
    """Before a first post (and after the code changes) the code is read and accepted."""
    if has_accepted(session, principal):
        return
    if not accept:
        raise Conflict(
            "Read the community's code of conduct and accept it before you post "
            "(send accept_code_of_conduct: true).",
            details=[
                {
                    "field": "accept_code_of_conduct",
                    "message": "Accept the code of conduct to post.",
                }
            ],
        )
    version = current(session).conduct_version
    row = session.scalar(select(ConductAcceptance).where(ConductAcceptance.user_id == principal.id))
    if row is None:
        session.add(ConductAcceptance(user_id=principal.id, version=version))
    else:
        row.version = version
        row.accepted_at = utcnow()
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="community.conduct_accepted",
        subject_type="user",
        subject_id=principal.id or 0,
        data={"version": version},
    )
