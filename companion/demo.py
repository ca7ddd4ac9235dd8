"""The demo program that `make run` loads, so a newcomer sees the product at work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from companion.runtime import Services

from companion import demo_relationships
from companion.accounts import service as accounts
from companion.accounts.models import Role
from companion.accounts.principal import System, actor_of
from companion.db.base import utcnow
from companion.drafting.models import Draft
from companion.matching import service as matching
from companion.matching.models import MatchRun, Relationship
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.programs import service as programs
from companion.programs.models import Program, ProgramKind

DEMO_PROGRAM = "Demo: Engineering Growth Mentoring"
DEMO_LOADER = System("demo-loader")
DEMO_ACTOR = actor_of(DEMO_LOADER)
DEMO_PARTICIPANTS = Path(__file__).parent / "demo_data" / "participants.csv"
# The web sign-in password of every demo login; printed by `make run`.
DEMO_PASSWORD = "mentoring-demo"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    name: str
    token: str


# Fixed tokens so that the README can print them. They exist only in a database
# that `companion demo load` filled, which refuses to run in production.
DEMO_LOGINS = (
    DemoLogin("admin", "admin@demo.example", "Morgan Ellis", "mc_demo-admin"),
    DemoLogin("coordinator", "coordinator@demo.example", "Dana Whitfield", "mc_demo-coordinator"),
    DemoLogin("mentor", "mentor@demo.example", "Priya Raman", "mc_demo-mentor"),
    DemoLogin("mentee", "mentee@demo.example", "Samuel Okafor", "mc_demo-mentee"),
)


@dataclass(frozen=True)
class DemoLoaded:
    created: bool
    program_name: str
    logins: tuple[DemoLogin, ...]
    participants: int = 0
    run_id: int | None = None


def load(
    *, session: Session, vectors: matching.ProfileVectors, services: Services | None = None
) -> DemoLoaded:
    """Create the demo program, its users, participants, pairs with a history, and one
    pending matching run for everyone not yet paired (idempotent).

    Each part is added only if it is missing, so a database from an older
    version of the demo gains what is new without duplicating anything.
    """
    program = programs.get_by_name(session=session, name=DEMO_PROGRAM)
    created = program is None
    if program is None:
        program = _create_program(session)
    _demo_logins(session, program)
    if (
        session.scalars(
            select(Participant.id).where(Participant.program_id == program.id).limit(1)
        ).first()
        is None
    ):
        participants.import_participants(
            session=session,
            program_id=program.id,
            data=DEMO_PARTICIPANTS.read_bytes(),
            filename=DEMO_PARTICIPANTS.name,
            principal=DEMO_LOADER,
        )
    if (
        session.scalars(
            select(Relationship.id).where(Relationship.program_id == program.id).limit(1)
        ).first()
        is None
    ):
        # Pairs formed earlier in the program; the pending run below matches the rest.
        demo_relationships.load(session, program, DEMO_ACTOR, utcnow())
    run = session.scalars(
        select(MatchRun).where(MatchRun.program_id == program.id).limit(1)
    ).first()
    if run is None:
        run = matching.run(
            session=session, vectors=vectors, program_id=program.id, principal=DEMO_LOADER
        )
    _demo_passwords(session)
    if services is not None and (
        session.scalars(select(Draft.id).where(Draft.program_id == program.id).limit(1)).first()
        is None
    ):
        demo_relationships.load_drafts(session, services, program, DEMO_ACTOR)
    count = len(participants.all_participants(session=session, program_id=program.id))
    return DemoLoaded(
        created=created,
        program_name=DEMO_PROGRAM,
        logins=DEMO_LOGINS,
        participants=count,
        run_id=run.id,
    )


def _demo_passwords(session: Session) -> None:
    """The demo logins sign in to the web app with DEMO_PASSWORD (set once)."""
    from companion.accounts import passwords

    for login in DEMO_LOGINS:
        user = accounts.get_by_email(session=session, email=login.email)
        if user is not None and user.password_hash is None:
            passwords.set_password(
                session=session, user=user, password=DEMO_PASSWORD, actor=DEMO_ACTOR
            )


def _create_program(session: Session) -> Program:
    program = programs.create(
        session=session,
        name=DEMO_PROGRAM,
        kind=ProgramKind.one_on_one,
        description=(
            "A six-month program pairing experienced engineers and managers with colleagues "
            "who want to grow: into their first lead role, across to product or data, or "
            "deeper into their craft. Pairs meet every two weeks for 45 minutes."
        ),
        principal=DEMO_LOADER,
        values="Curiosity, candour, and making room for people who are not yet in the room.",
        cadence_days=14,
        session_minutes=45,
        duration_weeks=26,
    )
    return program


def _demo_logins(session: Session, program: Program) -> None:
    """Each demo login exists with its token (a database from an older demo gains new ones)."""
    for login in DEMO_LOGINS:
        if accounts.get_by_email(session=session, email=login.email) is not None:
            continue
        role = Role(login.role)
        scope = None if role in (Role.admin, Role.coordinator) else program.id
        user = accounts.create(
            session=session,
            email=login.email,
            display_name=login.name,
            roles=[(role, scope)],
            actor=DEMO_ACTOR,
        )
        accounts.issue_token(
            session=session, user=user, name="demo", actor=DEMO_ACTOR, plaintext=login.token
        )
