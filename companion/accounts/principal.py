"""Who is acting: a signed-in person, or the System (the command line, a background job).

Every service function that reads or changes data takes a `Principal` and
checks its authority itself. There is no "nobody" that means "anyone": the
operator at the command line and background jobs act as an explicit `System`
principal, named in the audit trail.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from companion.accounts.models import User
from companion.audit.service import Actor


@dataclass(frozen=True)
class System:
    """Whoever runs the command line or a background job on the server: full authority.

    Only code on the server constructs it; no HTTP request ever acts as System.
    """

    label: str = "system"

    @property
    def id(self) -> None:
        return None


Principal = User | System


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


# The operator at the command line, named in the audit trail as before ("cli:<login>").
CLI = System(f"cli:{_operator()}")


def actor_of(principal: Principal) -> Actor:
    """The name a principal leaves in the audit trail."""
    if isinstance(principal, System):
        return Actor(id=None, label=principal.label)
    return Actor(id=principal.id, label=principal.email)
