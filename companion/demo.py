"""The demo program that `make run` loads, so a newcomer sees the product at work."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from companion.accounts import service as accounts
from companion.accounts.models import Role
from companion.audit.service import Actor
from companion.programs import service as programs
from companion.programs.models import ProgramKind

DEMO_PROGRAM = "Demo: Engineering Growth Mentoring"
DEMO_ACTOR = Actor(id=None, label="demo-loader")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    name: str
    token: str


# Fixed tokens so that the README can print them. They exist only in a database
# that `companion demo load` filled, which refuses to run in production.
DEMO_LOGINS = (
    DemoLogin("coordinator", "coordinator@demo.example", "Dana Whitfield", "mc_demo-coordinator"),
    DemoLogin("mentor", "mentor@demo.example", "Priya Raman", "mc_demo-mentor"),
    DemoLogin("mentee", "mentee@demo.example", "Samuel Okafor", "mc_demo-mentee"),
)


@dataclass(frozen=True)
class DemoLoaded:
    created: bool
    program_name: str
    logins: tuple[DemoLogin, ...]


def load(*, session: Session) -> DemoLoaded:
    """Create the demo program and its users unless they exist (idempotent)."""
    if programs.get_by_name(session=session, name=DEMO_PROGRAM) is not None:
        return DemoLoaded(created=False, program_name=DEMO_PROGRAM, logins=DEMO_LOGINS)
    program = programs.create(
        session=session,
        name=DEMO_PROGRAM,
        kind=ProgramKind.one_on_one,
        description=(
            "A six-month program pairing experienced engineers and managers with colleagues "
            "who want to grow: into their first lead role, across to product or data, or "
            "deeper into their craft. Pairs meet every two weeks for 45 minutes."
        ),
        actor=DEMO_ACTOR,
    )
    for login in DEMO_LOGINS:
        role = Role(login.role)
        scope = None if role == Role.coordinator else program.id
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
    return DemoLoaded(created=True, program_name=DEMO_PROGRAM, logins=DEMO_LOGINS)
