"""Requests and read models of leaders' stories, training paths and leaders' figures."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from companion.leadership.models import StoryForm, StoryStatus

# Groups a story may be listed under, each only with its author's consent.
STORY_GROUPS = (
    "Under-represented leaders",
    "Leaders from the top",
    "First-time leaders",
)


def _trimmed(value: str) -> str:
    return value.strip()


class StoryWrite(BaseModel):
    """A story as its author writes it (or pastes a video diary's transcript)."""

    title: str = Field(min_length=3, max_length=200)
    body: str = Field(
        min_length=200,
        max_length=20_000,
        description="The experience and what the author learned from it (200 characters or more).",
    )
    form: StoryForm = StoryForm.written

    _trim = field_validator("title", "body")(_trimmed)


class StorySuggestion(BaseModel):
    """A coordinator's suggested text, for the author to take or leave."""

    body: str = Field(min_length=200, max_length=20_000)
    note: str = Field(default="", max_length=2000)

    _trim = field_validator("body", "note")(_trimmed)


class GroupConsent(BaseModel):
    """The group the author consents to be listed under; None withdraws the consent."""

    group: str | None = None

    @field_validator("group")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if value.strip() not in STORY_GROUPS:
            raise ValueError(f"Choose one of: {', '.join(STORY_GROUPS)}.")
        return value.strip()


class StoryPublic(BaseModel):
    """A story as its readers see it; suggestions only for its author and coordinators."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str
    form: StoryForm
    status: StoryStatus
    author_name: str
    doc_id: str | None = Field(
        default=None, description="Its knowledge-base document, while it is published."
    )
    consented_group: str | None = None
    published_at: datetime | None = None
    approved_at: datetime | None = None
    suggested_body: str | None = None
    suggestion_note: str | None = None
    updated_at: datetime | None = None


class TrainingStepCreate(BaseModel):
    doc_id: str = Field(min_length=1, max_length=200, description="The guide to read.")
    section: str = Field(default="", max_length=1000, description="Its section, if one.")
    question: str = Field(min_length=5, max_length=1000, description="The reflection question.")

    _trim = field_validator("doc_id", "section", "question")(_trimmed)


class TrainingPathCreate(BaseModel):
    title: str = Field(min_length=3, max_length=200)
    description: str = Field(default="", max_length=4000)
    steps: list[TrainingStepCreate] = Field(min_length=1, max_length=30)

    _trim = field_validator("title", "description")(_trimmed)


class StepUpdate(BaseModel):
    """A mentor's step: done or not, and their private reflection."""

    done: bool
    reflection: str = Field(default="", max_length=10_000)


class TrainingStepPublic(BaseModel):
    id: int
    position: int
    doc_id: str
    guide_title: str
    section: str
    question: str
    done: bool = False
    reflection: str | None = Field(
        default=None, description="The reader's own reflection; nobody else ever reads it."
    )


class TrainingPathPublic(BaseModel):
    id: int
    program_id: int
    title: str
    description: str
    steps: list[TrainingStepPublic]
    steps_done: int = 0
    completed_at: datetime | None = None


class PathProgressRow(BaseModel):
    """A mentor's progress on a path, as its coordinators see it: counts, never reflections."""

    name: str
    steps_done: int
    completed_at: datetime | None


class LeaderFigures(BaseModel):
    """What a leader does as a mentor, in counts only: never notes, goals or messages."""

    program_id: int
    program_name: str
    name: str
    department: str
    people_mentored: int
    sessions_held: int
    questions_answered: int | None = Field(
        description="Community answers the person wrote, still visible."
    )
    stories_shared: int
    training_completed: int


class DepartmentFigures(BaseModel):
    department: str
    leaders: int
    people_mentored: int
    sessions_held: int
    questions_answered: int | None
    stories_shared: int
    training_completed: int


class AccountabilityView(BaseModel):
    program_id: int
    program_name: str
    turned_on: bool
    leaders: list[LeaderFigures]
    departments: list[DepartmentFigures]


class AccountabilitySwitch(BaseModel):
    turned_on: bool
