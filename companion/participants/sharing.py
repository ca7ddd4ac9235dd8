"""What a person lets the other members of their relationships read of their profile.

Only these fields can be shared, never contact details, demographics, availability or
what they wrote about their challenges. Until a person chooses, all of them are shared
(the email that tells a pair they were matched has always shown them); a person may
narrow that to any of them, or none.
"""

from __future__ import annotations

from companion.errors import InvalidInput
from companion.participants.models import Participant

SHAREABLE: tuple[tuple[str, str], ...] = (
    ("title", "Role"),
    ("department", "Department"),
    ("location", "Location"),
    ("timezone", "Time zone"),
    ("expertise", "Experience they offer"),
    ("goals", "What they want to work on"),
)
LABELS = dict(SHAREABLE)


def shared_names(participant: Participant) -> list[str]:
    """The fields `participant` shares, in the order of SHAREABLE."""
    chosen = participant.shared_fields
    return [name for name, _ in SHAREABLE if chosen is None or name in chosen]


def shared_facts(participant: Participant) -> list[tuple[str, str]]:
    """(label, value) of each field `participant` shares and has filled in."""
    facts = []
    for name in shared_names(participant):
        value = getattr(participant, name, "")
        text = ", ".join(value) if isinstance(value, list) else str(value or "")
        if text.strip():
            facts.append((LABELS[name], text))
    return facts


def checked(fields: list[str]) -> list[str]:
    """A person's choice, checked: only shareable fields, each once, in a fixed order."""
    unknown = [f for f in fields if f not in LABELS]
    if unknown:
        raise InvalidInput(
            f"shared_fields: {', '.join(repr(f) for f in unknown)} cannot be shared; choose "
            f"from {', '.join(LABELS)}.",
            field="shared_fields",
        )
    return [name for name, _ in SHAREABLE if name in fields]
