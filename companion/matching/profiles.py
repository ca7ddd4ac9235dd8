"""Participants as matching sees them: plain data, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from companion.participants import sharing

if TYPE_CHECKING:
    from companion.participants.models import Participant


@dataclass(frozen=True)
class Profile:
    key: int
    external_id: str
    name: str
    role: str
    title: str = ""
    department: str = ""
    manager_id: str | None = None
    timezone: str = "UTC"
    location: str = ""
    languages: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    expertise: str = ""
    goals: str = ""
    challenges: str = ""
    industry: str = ""
    years_experience: float | None = None
    working_style: str = ""
    communication: tuple[str, ...] = ()
    availability: tuple[tuple[int, int, int], ...] = ()  # (day, start minute, end minute)
    capacity: int = 0
    avoid: tuple[str, ...] = ()
    gender: str | None = None
    underrepresented: bool | None = None
    consent_demographics: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_mentor(self) -> bool:
        return self.role in ("mentor", "both")

    @property
    def is_mentee(self) -> bool:
        return self.role in ("mentee", "both")

    def need_text(self) -> str:
        """What a mentee wants, in their own words, as one text for the encoder.

        No boilerplate is added: a sentence built around a skills list or a
        title would make every profile look alike to the model.
        """
        own = " ".join(p.strip() for p in (self.goals, self.challenges) if p.strip())
        return own or ", ".join(self.skills)

    def offer_text(self) -> str:
        """What a mentor offers, in their own words, as one text for the encoder.

        Title, years and industry are structured score components, not text.
        """
        return self.expertise.strip() or ", ".join(self.skills)


def to_profile(p: Participant) -> Profile:
    return Profile(
        key=p.id,
        external_id=p.external_id,
        name=p.name,
        role=p.role,
        title=p.title,
        department=p.department,
        manager_id=p.manager_id,
        timezone=p.timezone,
        location=p.location,
        languages=tuple(p.languages),
        skills=tuple(p.skills),
        expertise=p.expertise,
        goals=p.goals,
        challenges=p.challenges,
        industry=p.industry,
        years_experience=p.years_experience,
        working_style=p.working_style,
        communication=tuple(p.communication),
        availability=tuple(tuple(s) for s in p.availability),
        capacity=p.capacity,
        avoid=tuple(p.avoid),
        gender=p.gender if p.consent_demographics else None,
        underrepresented=p.underrepresented if p.consent_demographics else None,
        consent_demographics=p.consent_demographics,
    )


def shared_profile(p: Participant) -> Profile:
    """`p` as another participant of the program may read them in a matching mode.

    Name and role, and of the shareable fields (`participants.sharing`) only those `p`
    shares: what they chose for their relationships holds for the rest of the program
    too. Nothing that is never shareable (skills, years, industry, languages,
    availability, challenges, demographics) is in it, so `offer_text` is the expertise
    they share or nothing.
    """
    shared = set(sharing.shared_names(p))

    def own(name: str) -> str:
        return str(getattr(p, name) or "") if name in shared else ""

    return Profile(
        key=p.id,
        external_id=p.external_id,
        name=p.name,
        role=p.role,
        title=own("title"),
        department=own("department"),
        location=own("location"),
        timezone=own("timezone"),
        expertise=own("expertise"),
        goals=own("goals"),
    )
