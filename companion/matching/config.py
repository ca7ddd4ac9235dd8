"""Matching weights and rules: program-level settings with sensible defaults."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

COMPONENTS = (
    "semantic",
    "skills",
    "availability",
    "communication",
    "industry",
    "experience",
    "working_style",
)


class MatchingWeights(BaseModel):
    """How much each score component counts; they are normalised to sum to 1.

    Each is a finite number from 0 to 1, and at least one is above 0: with every
    weight at 0 no pair could be told from another.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    semantic: float = Field(
        0.45, ge=0, le=1, description="What mentees need vs what mentors offer."
    )
    skills: float = Field(0.15, ge=0, le=1, description="Share of wanted skills the mentor has.")
    availability: float = Field(0.15, ge=0, le=1, description="Weekly overlap after time zones.")
    communication: float = Field(0.05, ge=0, le=1, description="Shared ways of meeting.")
    industry: float = Field(0.05, ge=0, le=1, description="Same industry.")
    experience: float = Field(0.10, ge=0, le=1, description="Experience gap suited to the kind.")
    working_style: float = Field(0.05, ge=0, le=1, description="Words in common on working style.")

    @model_validator(mode="after")
    def _one_counts(self) -> MatchingWeights:
        if not any(getattr(self, name) > 0 for name in COMPONENTS):
            raise ValueError(
                "every weight is 0, so no pair could be scored; give at least one of "
                f"{', '.join(COMPONENTS)} a weight above 0"
            )
        return self

    def normalised(self) -> dict[str, float]:
        values = self.model_dump()
        total = sum(values.values()) or 1.0
        return {name: values[name] / total for name in COMPONENTS}


class MatchingRules(BaseModel):
    """Hard rules (a pair that breaks one is never proposed) and solver options."""

    model_config = ConfigDict(extra="forbid")

    require_shared_language: bool = True
    exclude_reporting_line: bool = Field(
        True, description="Never pair someone with their manager or their manager's manager."
    )
    exclude_same_manager: bool = Field(True, description="Never pair peers with the same manager.")
    exclude_same_department: bool = False
    maximise_matched_first: bool = Field(
        False, description="Match as many mentees as possible first, then maximise the score."
    )
    candidates_per_mentee: int = Field(
        40, ge=1, le=500, description="Nearest mentors considered per mentee (large cohorts)."
    )
    require_shared_hours: bool = Field(
        True,
        description="Never propose a pair with no weekly hours in common unless both accept "
        "asynchronous mentoring (communication includes async).",
    )
    availability_target_hours: float = Field(
        3.0, gt=0, le=40, description="Weekly shared hours that count as a full availability score."
    )


class MatchingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weights: MatchingWeights = MatchingWeights()
    rules: MatchingRules = MatchingRules()
    circle_size: int = Field(5, ge=2, le=20, description="Mentees per circle.")
    shortlist_size: int = Field(4, ge=2, le=10, description="Mentors per speed-mentoring list.")
    board_size: int = Field(3, ge=2, le=6, description="Mentors on an advisory board.")
