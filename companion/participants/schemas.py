"""Schemas of participants and their import: what the API, the pages and the CLI show."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from companion.participants.importer import ImportProblem, ParticipantRecord


class ImportResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    users_created: int
    email_changes_held: int = Field(
        0, description="Rows whose email differs from their account's; held for an administrator."
    )


class ProblemPublic(BaseModel):
    line: int
    column: str
    message: str


class ImportPreview(BaseModel):
    """What an import would do, without saving anything."""

    valid: bool
    participants: int
    mentors: int
    mentees: int
    problems: list[ProblemPublic]

    @classmethod
    def from_check(
        cls, records: list[ParticipantRecord], problems: list[ImportProblem]
    ) -> ImportPreview:
        return cls(
            valid=not problems,
            participants=len(records),
            mentors=sum(r.role in ("mentor", "both") for r in records),
            mentees=sum(r.role in ("mentee", "both") for r in records),
            problems=[
                ProblemPublic(line=p.line, column=p.column, message=p.message) for p in problems
            ],
        )


class ParticipantPublic(BaseModel):
    """A participant as coordinators see them; demographic fields are never shown."""

    model_config = ConfigDict(from_attributes=True)

    external_id: str = Field(serialization_alias="id")
    name: str
    email: str
    role: str
    title: str
    department: str
    manager_id: str | None
    location: str
    timezone: str
    languages: list[str]
    skills: list[str]
    expertise: str
    goals: str
    challenges: str
    industry: str
    years_experience: float | None
    working_style: str
    communication: list[str]
    availability_text: str
    capacity: int
    avoid: list[str]
