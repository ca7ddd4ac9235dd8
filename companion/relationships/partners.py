"""What the members of a relationship see of each other: the profile fields each chose to share.

Only members read this (coordinators see whole profiles in their program's lists, and
anyone else gets the same 404 as for the relationship). Each member chooses, for their
own profile, which of the shareable fields (`participants.sharing`) the others read;
the choice is audited, and a field they did not choose never reaches the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from companion.participants import sharing
from companion.relationships import events
from companion.relationships.access import View
from companion.relationships.models import MemberRole


@dataclass(frozen=True)
class PartnerProfile:
    """Another member as this member sees them."""

    name: str
    role: str
    facts: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class MySharing:
    """What this member shares: every shareable field, whether it is chosen, its value."""

    fields: list[tuple[str, str, bool, str]]  # name, label, shared, value as the others read it
    chosen: bool  # they have chosen (else the default: everything shareable)


def others(*, view: View) -> list[PartnerProfile]:
    """The other members, each with only the fields they chose to share; mentors first."""
    me = view.require_member("The other members' profiles")
    members = sorted(
        (m for m in view.relationship.members if m.participant_id != me.participant_id),
        key=lambda m: (m.role != MemberRole.mentor, view.people[m.participant_id].name),
    )
    return [
        PartnerProfile(
            name=view.people[m.participant_id].name,
            role=m.role.value,
            facts=sharing.shared_facts(view.people[m.participant_id]),
        )
        for m in members
    ]


def mine(*, view: View) -> MySharing:
    """The member's own profile as the others read it, field by field."""
    me = view.require_member("What you share")
    person = view.people[me.participant_id]
    shared = set(sharing.shared_names(person))
    rows = []
    for name, label in sharing.SHAREABLE:
        value = getattr(person, name, "")
        text = ", ".join(value) if isinstance(value, list) else str(value or "")
        rows.append((name, label, name in shared, text))
    return MySharing(fields=rows, chosen=person.shared_fields is not None)


def share(*, view: View, fields: list[str]) -> list[str]:
    """The member chooses which of their profile fields the other members read (audited)."""
    me = view.require_member("What you share")
    chosen = sharing.checked(fields)
    person = view.people[me.participant_id]
    before = sharing.shared_names(person)
    person.shared_fields = chosen
    events.session_of(person).flush()
    events.record(
        view, view.actor, "participants.sharing_changed", person, before=before, after=chosen
    )
    return chosen
