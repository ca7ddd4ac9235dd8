"""What each draft kind is given (its input) and must produce (its output).

The same input model feeds the prompt template and the offline drafter, and
the same output model validates an LLM's JSON and the offline drafter's
result, so both paths produce drafts of one shape.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    computed_field,
    field_validator,
    model_validator,
)


class DraftKind(enum.StrEnum):
    agenda = "agenda"
    brief = "brief"
    smart_goal = "smart_goal"
    smart_check = "smart_check"
    feedback_prompts = "feedback_prompts"
    answer = "answer"
    nudge = "nudge"
    success_story = "success_story"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


Criterion = Literal["specific", "measurable", "achievable", "relevant", "time_bound"]
CRITERIA: tuple[Criterion, ...] = ("specific", "measurable", "achievable", "relevant", "time_bound")


# --- inputs ---------------------------------------------------------------------------
# Participant-written text (profiles, goals, notes, reflections, questions) is
# inserted into prompts as delimited data, never as instructions.


class Person(_Model):
    name: str
    role: Literal["mentor", "mentee"]
    title: str = ""
    timezone: str = "UTC"
    # Only the profile fields a program allows to be sent; never demographics.
    profile: dict[str, str] = Field(default_factory=dict)


class Milestone(_Model):
    text: str
    due_date: date | None = None
    done: bool = False


class GoalSummary(_Model):
    id: int | None = None
    title: str
    specific: str = ""
    measurable: str = ""
    achievable: str = ""
    relevant: str = ""
    time_bound: str = ""
    target_date: date | None = None
    status: str = "active"
    progress: int = 0
    milestones: list[Milestone] = Field(default_factory=list)


class SessionSummary(_Model):
    date: date
    shared_notes: str = ""


class ActionSummary(_Model):
    text: str
    owner: str
    due_date: date | None = None
    done: bool = False


class Guidance(_Model):
    """A retrieved knowledge-base chunk; drafts cite it by `document_id`."""

    chunk_id: str
    document_id: str
    title: str
    heading: str = ""
    text: str
    # How close in meaning each sentence of `text` (`sentences_of`) is to the pair's
    # focus, when the guidance was ranked for a pair (`grounding.by_meaning`); else empty.
    focus: list[float] = Field(default_factory=list)


class Situation(_Model):
    """Something true of a pair that a guide section speaks to (`drafting.situations`):
    `why` says it to the mentor; `chunk_ids` are that section's passages, which are among
    the draft's `guidance`."""

    code: str = Field(min_length=1, max_length=60)
    why: str = Field(min_length=1, max_length=400)
    chunk_ids: list[str] = Field(min_length=1, max_length=2)


class StalledReason(_Model):
    """Why a pair counts as stalled, as a code (never English to be parsed)."""

    code: Literal["not_started", "quiet", "actions_overdue"]
    # not_started / quiet: days since the start or the last held session;
    # actions_overdue: the program's threshold in days.
    days: int
    count: int = 0


class FeedbackTheme(_Model):
    """One feedback question of recent sessions, as the members answered it."""

    question: str
    mean_rating: float | None = None
    answers: list[str] = Field(default_factory=list)


class RelationshipInput(_Model):
    """Agendas, briefs, feedback prompts and nudges are drafted from a relationship."""

    program_name: str
    program_values: str = ""
    session_minutes: int = 45
    today: date
    mentor: Person
    mentee: Person
    goals: list[GoalSummary] = Field(default_factory=list)
    # The titles of goals already achieved, shared as `goals` are (oldest first).
    achieved_goals: list[str] = Field(default_factory=list)
    last_session: SessionSummary | None = None
    open_actions: list[ActionSummary] = Field(default_factory=list)
    guidance: list[Guidance] = Field(default_factory=list)
    # Briefs and agendas: what is true of the pair that a guide section in `guidance`
    # speaks to, the most pressing first.
    situations: list[Situation] = Field(default_factory=list)
    # Nudges only: why the pair counts as stalled, and for how long it has been quiet.
    stalled_reasons: list[StalledReason] = Field(default_factory=list)
    days_quiet: int | None = None
    # Nudges and agendas: the day of the next booked session, if there is one (an
    # agenda is for that session).
    next_session_on: date | None = None
    # Only in drafts its mentor alone reviews (members_only): what each member expects
    # of the relationship, the shared notes of recent sessions (newest first, the last
    # one is `last_session`), what their revealed feedback says, and the thread's gist.
    expectations: dict[str, str] = Field(default_factory=dict)
    earlier_notes: list[SessionSummary] = Field(default_factory=list)
    feedback_themes: list[FeedbackTheme] = Field(default_factory=list)
    thread_summary: list[str] = Field(default_factory=list)


class SmartGoalInput(_Model):
    program_name: str
    today: date
    program_end: date | None = None
    mentee: Person
    aspiration: str
    # The mentee's answers to the coaching questions, by criterion, in their own words.
    answers: dict[Criterion, str] = Field(default_factory=dict)
    guidance: list[Guidance] = Field(default_factory=list)


class SmartCheckInput(_Model):
    today: date
    goal: GoalSummary
    # What relevance is judged against: the mentee's role and the program's focus.
    role: str = ""
    program_name: str = ""
    guidance: list[Guidance] = Field(default_factory=list)


class PassageFit(_Model):
    """How close in meaning a retrieved passage, and each of its whole sentences, is to
    the question asked: cosine similarities from the process's encoder, in [-1, 1]."""

    chunk_id: str
    passage: float
    sentences: list[float] = Field(default_factory=list)
    # How close the closest question listed for the passage's section is (None: none is).
    asked: float | None = None


class Elsewhere(_Model):
    """The area of questions the guides leave to the organisation (knowledge/elsewhere.yaml)
    closest in meaning to the question asked."""

    area: str
    about: str
    ask: str
    closeness: float
    # Whether the question reads as one for the organisation rather than the guides: as
    # close to this area as to the best passage, or closer (the cited answer's rule).
    likely: bool = False


class AnswerInput(_Model):
    question: str
    guidance: list[Guidance] = Field(default_factory=list)
    # Filled when the question is gathered; an offline answer picks its passage by them.
    fit: list[PassageFit] = Field(default_factory=list)
    # ISO 639-1 code of the question's language when it was confidently not English.
    language: str = "en"
    # Filled when the question is gathered, with `fit`.
    elsewhere: Elsewhere | None = None


class SuccessStoryInput(_Model):
    program_name: str
    mentor: Person
    mentee: Person
    goal: GoalSummary
    final_assessment: str = ""
    reflections: dict[str, str] = Field(default_factory=dict)  # "mentor"/"mentee" -> text


# --- outputs --------------------------------------------------------------------------


def _cited_ids(info: ValidationInfo) -> set[str] | None:
    """Document (or chunk) ids the draft may cite, when the caller says which."""
    context = info.context or {}
    allowed = context.get("citable")
    return set(allowed) if allowed is not None else None


class _Cited(_Model):
    citations: list[str] = Field(default_factory=list, description="Document ids of guidance used.")

    @field_validator("citations")
    @classmethod
    def _known(cls, value: list[str], info: ValidationInfo) -> list[str]:
        allowed = _cited_ids(info)
        if allowed is not None:
            unknown = [c for c in value if c not in allowed]
            if unknown:
                raise ValueError(
                    f"cites {', '.join(unknown)}, which were not among the guidance given; "
                    f"cite only {', '.join(sorted(allowed)) or 'nothing'}"
                )
        return list(dict.fromkeys(value))


class AgendaItem(_Model):
    minutes: int = Field(ge=1, le=240)
    topic: str = Field(min_length=1, max_length=300)
    notes: str = Field(default="", max_length=1000)


class Preparation(_Model):
    mentor: list[str] = Field(default_factory=list, max_length=5)
    mentee: list[str] = Field(default_factory=list, max_length=5)


class SessionAgenda(_Cited):
    objectives: list[str] = Field(min_length=1, max_length=5)
    items: list[AgendaItem] = Field(min_length=2, max_length=10)
    questions: list[str] = Field(min_length=2, max_length=8)
    preparation: Preparation

    @model_validator(mode="after")
    def _adds_up(self, info: ValidationInfo) -> SessionAgenda:
        minutes = (info.context or {}).get("session_minutes")
        total = sum(item.minutes for item in self.items)
        if minutes is not None and total != minutes:
            raise ValueError(
                f"the items add up to {total} minutes; they must add up to the "
                f"session length, {minutes} minutes"
            )
        return self


class GuidanceSnippet(_Model):
    document_id: str
    snippet: str = Field(min_length=1, max_length=600)


class MentorBrief(_Cited):
    # First: what the mentee said they are working on (their challenge and goals).
    focus: str = Field(default="", max_length=800)
    last_time: str = Field(min_length=1, max_length=1500)
    open_actions: list[str] = Field(default_factory=list, max_length=10)
    goal_progress: list[str] = Field(default_factory=list, max_length=10)
    guidance: list[GuidanceSnippet] = Field(min_length=0, max_length=3)


class SmartGoal(_Model):
    goal: str = Field(
        min_length=1,
        max_length=400,
        description="The mentee's statement and answers, in their own words.",
    )
    specific: str = Field(min_length=1, max_length=1000)
    measurable: str = Field(min_length=1, max_length=1000)
    achievable: str = Field(min_length=1, max_length=1000)
    relevant: str = Field(min_length=1, max_length=1000)
    time_bound: str = Field(min_length=1, max_length=1000)
    target_date: date
    milestones: list[Milestone] = Field(min_length=2, max_length=4)

    @model_validator(mode="after")
    def _dates_in_order(self, info: ValidationInfo) -> SmartGoal:
        today = (info.context or {}).get("today")
        if today is not None and self.target_date <= today:
            raise ValueError(f"target_date {self.target_date} must be after today ({today})")
        late = [m.text for m in self.milestones if m.due_date and m.due_date > self.target_date]
        if late:
            raise ValueError("milestones must be due by the target date: " + "; ".join(late))
        return self


Status = Literal["met", "missing", "unclear"]
STATUSES: tuple[Status, ...] = ("met", "missing", "unclear")


class CriterionVerdict(_Model):
    """One SMART criterion: met, missing, or unclear (cannot tell from the text, so
    `question` asks the mentee what a reviewer would need to know)."""

    criterion: Criterion
    status: Status = Field(
        description="met; missing (not there, or a clear reason to doubt it); unclear "
        "(cannot tell from the text: ask)."
    )
    why: str = Field(min_length=1, max_length=600)
    question: str = Field(
        default="",
        max_length=300,
        description="One concrete question for the mentee when not met, e.g. 'By when?'.",
    )
    suggestions: list[str] = Field(
        default_factory=list,
        max_length=2,
        description="At most two short suggestions the mentee may take or leave.",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_met(cls, data: object) -> object:
        # Drafts stored before three values had `met: true|false`; a dump carries `met` too.
        if isinstance(data, dict) and "met" in data:
            data = dict(data)
            met = data.pop("met")
            data.setdefault("status", "met" if met else "missing")
            if not met:
                data.setdefault("question", "What would you change so that this is met?")
        return data

    @model_validator(mode="after")
    def _asks_when_not_met(self) -> CriterionVerdict:
        if self.status != "met" and not self.question.strip():
            raise ValueError(f"{self.criterion} is {self.status}: ask the mentee one question")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def met(self) -> bool:
        return self.status == "met"


class SmartCheck(_Model):
    verdicts: list[CriterionVerdict] = Field(min_length=5, max_length=5)
    suggested_rewrite: str = Field(
        min_length=1,
        max_length=600,
        description="The goal in the mentee's own words, with a bracketed question for "
        "each gap; nothing invented.",
    )

    @model_validator(mode="after")
    def _each_criterion_once(self) -> SmartCheck:
        named = [v.criterion for v in self.verdicts]
        if sorted(named) != sorted(CRITERIA):
            raise ValueError(f"give exactly one verdict for each of {', '.join(CRITERIA)}")
        return self

    @property
    def missing(self) -> list[str]:
        """Criteria not met (missing or unclear)."""
        return [v.criterion for v in self.verdicts if v.status != "met"]

    @property
    def statuses(self) -> dict[str, Status]:
        return {v.criterion: v.status for v in self.verdicts}

    @property
    def smart(self) -> bool:
        return all(v.status == "met" for v in self.verdicts)


class FeedbackPrompts(_Model):
    for_mentee: list[str] = Field(min_length=2, max_length=5)
    for_mentor: list[str] = Field(min_length=2, max_length=5)


class Claim(_Model):
    text: str = Field(min_length=1, max_length=800)
    citations: list[str] = Field(min_length=1, description="Chunk ids supporting the claim.")


class CitedAnswer(_Model):
    answer: str = Field(min_length=1, max_length=3000)
    claims: list[Claim] = Field(default_factory=list, max_length=10)
    insufficient: bool = Field(
        default=False, description="True when the guidance given does not answer the question."
    )

    @model_validator(mode="after")
    def _every_claim_cited(self, info: ValidationInfo) -> CitedAnswer:
        allowed = (info.context or {}).get("citable_chunks")
        if allowed is not None:
            for claim in self.claims:
                unknown = [c for c in claim.citations if c not in allowed]
                if unknown:
                    raise ValueError(
                        f"claim {claim.text[:60]!r} cites {', '.join(unknown)}, "
                        "which were not retrieved"
                    )
        if not self.insufficient and not self.claims:
            raise ValueError("an answer needs at least one cited claim, or insufficient=true")
        return self


class Nudge(_Model):
    subject: str = Field(min_length=1, max_length=150)
    message: str = Field(min_length=1, max_length=2000)
    suggested_next_step: str = Field(min_length=1, max_length=400)


class SuccessStory(_Model):
    title: str = Field(min_length=1, max_length=150)
    story: str = Field(min_length=1, max_length=4000)
    takeaways: list[str] = Field(min_length=1, max_length=5)


OUTPUTS: dict[DraftKind, type[BaseModel]] = {
    DraftKind.agenda: SessionAgenda,
    DraftKind.brief: MentorBrief,
    DraftKind.smart_goal: SmartGoal,
    DraftKind.smart_check: SmartCheck,
    DraftKind.feedback_prompts: FeedbackPrompts,
    DraftKind.answer: CitedAnswer,
    DraftKind.nudge: Nudge,
    DraftKind.success_story: SuccessStory,
}

INPUTS: dict[DraftKind, type[BaseModel]] = {
    DraftKind.agenda: RelationshipInput,
    DraftKind.brief: RelationshipInput,
    DraftKind.smart_goal: SmartGoalInput,
    DraftKind.smart_check: SmartCheckInput,
    DraftKind.feedback_prompts: RelationshipInput,
    DraftKind.answer: AnswerInput,
    DraftKind.nudge: RelationshipInput,
    DraftKind.success_story: SuccessStoryInput,
}
