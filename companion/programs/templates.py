"""Program templates: starting values for the common kinds of mentoring program.

A template fills in what a coordinator would otherwise work out alone (the kind,
how often pairs meet and for how long, how long the program runs, what matching
weighs and which pairs it never proposes). Every value is shown before the
program is created and can be changed there and afterwards; a template leaves
nothing behind but the values it filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from companion.errors import NotFound
from companion.programs.models import ProgramKind


@dataclass(frozen=True)
class ProgramTemplate:
    key: str
    title: str
    when_to_use: str  # one line, on the template picker and in `companion programs templates`
    description: str  # becomes the new program's description, to edit
    kind: ProgramKind
    settings: dict[str, Any] = field(default_factory=dict)  # other settings; see settings.SETTINGS

    def values(self) -> dict[str, Any]:
        """Every setting the template fills in, the kind and description included."""
        return {"kind": self.kind, "description": self.description, **self.settings}


TEMPLATES: tuple[ProgramTemplate, ...] = (
    ProgramTemplate(
        key="onboarding-buddies",
        title="Onboarding buddies",
        when_to_use="New starters each get a colleague a step ahead of them for their first "
        "three months, for the questions nobody writes down.",
        description="A buddy for every new starter during their first three months: someone "
        "to ask how things really work here.",
        kind=ProgramKind.peer,
        settings={
            "cadence_days": 7,
            "session_minutes": 30,
            "duration_weeks": 12,
            "stalled_after_days": 14,
            "overdue_after_days": 7,
            "feedback_reveal_days": 7,
            "feedback_questions": [
                "What did you learn this week that you could not have found written down?",
                "Is there anything you still do not know whom to ask about?",
            ],
            "matching": {
                # Being easy to reach matters more than a perfect fit of topics.
                "weights": {
                    "semantic": 0.25,
                    "skills": 0.10,
                    "availability": 0.30,
                    "communication": 0.10,
                    "industry": 0.00,
                    "experience": 0.05,
                    "working_style": 0.20,
                },
                "rules": {
                    "exclude_reporting_line": True,
                    "exclude_same_manager": False,
                    "exclude_same_department": False,
                    "maximise_matched_first": True,
                },
            },
        },
    ),
    ProgramTemplate(
        key="career-growth",
        title="Career growth 1:1",
        when_to_use="One mentee and one more experienced mentor meet every two weeks for six "
        "months, working on goals the mentee sets.",
        description="One-to-one mentoring for people who want to grow in their career: each "
        "mentee sets goals and meets an experienced mentor every two weeks.",
        kind=ProgramKind.one_on_one,
        settings={
            "cadence_days": 14,
            "session_minutes": 60,
            "duration_weeks": 26,
            "stalled_after_days": 28,
            "overdue_after_days": 14,
            "feedback_reveal_days": 7,
            "matching": {
                "weights": {
                    "semantic": 0.45,
                    "skills": 0.20,
                    "availability": 0.10,
                    "communication": 0.05,
                    "industry": 0.05,
                    "experience": 0.10,
                    "working_style": 0.05,
                },
                # A mentor from another department gives a view from outside the team.
                "rules": {
                    "exclude_reporting_line": True,
                    "exclude_same_manager": True,
                    "exclude_same_department": True,
                },
            },
        },
    ),
    ProgramTemplate(
        key="leadership-circles",
        title="Leadership circles",
        when_to_use="A small group of new or aspiring leaders meets monthly with one "
        "experienced leader to work through real situations together.",
        description="Circles of up to six people growing as leaders, each guided by an "
        "experienced leader, meeting once a month for nine months.",
        kind=ProgramKind.circle,
        settings={
            "cadence_days": 28,
            "session_minutes": 90,
            "duration_weeks": 39,
            "stalled_after_days": 42,
            "overdue_after_days": 21,
            "feedback_reveal_days": 7,
            "matching": {
                "weights": {
                    "semantic": 0.40,
                    "skills": 0.10,
                    "availability": 0.25,
                    "communication": 0.05,
                    "industry": 0.05,
                    "experience": 0.10,
                    "working_style": 0.05,
                },
                # People speak more freely in a circle without their own department.
                "rules": {"exclude_same_department": True},
                "circle_size": 6,
            },
        },
    ),
    ProgramTemplate(
        key="reverse-mentoring",
        title="Reverse mentoring",
        when_to_use="Earlier-career colleagues mentor senior people on what they know better: "
        "new tools, new customers, life in the organisation today.",
        description="Earlier-career colleagues mentor senior leaders on what they know better, "
        "every three weeks for six months.",
        kind=ProgramKind.reverse,
        settings={
            "cadence_days": 21,
            "session_minutes": 45,
            "duration_weeks": 26,
            "stalled_after_days": 35,
            "overdue_after_days": 21,
            "feedback_reveal_days": 7,
            "four_eyes": True,
            "matching": {
                "weights": {
                    "semantic": 0.50,
                    "skills": 0.20,
                    "availability": 0.10,
                    "communication": 0.05,
                    "industry": 0.00,
                    "experience": 0.10,
                    "working_style": 0.05,
                },
                # Nobody mentors someone in their own line or department: candour first.
                "rules": {
                    "exclude_reporting_line": True,
                    "exclude_same_manager": True,
                    "exclude_same_department": True,
                },
            },
        },
    ),
    ProgramTemplate(
        key="speed-mentoring",
        title="Speed mentoring",
        when_to_use="At an event or over a few weeks, each mentee has short conversations "
        "with several mentors from a shortlist, then chooses whom to keep meeting.",
        description="Short conversations with several mentors from a shortlist, so that each "
        "mentee finds the right person before committing.",
        kind=ProgramKind.speed,
        settings={
            "cadence_days": 7,
            "session_minutes": 15,
            "duration_weeks": 4,
            "stalled_after_days": 14,
            "overdue_after_days": 7,
            "feedback_reveal_days": 2,
            "feedback_questions": [
                "Would you like to meet this person again?",
                "What was the most useful thing they said?",
            ],
            "matching": {
                "weights": {
                    "semantic": 0.55,
                    "skills": 0.20,
                    "availability": 0.05,
                    "communication": 0.05,
                    "industry": 0.05,
                    "experience": 0.05,
                    "working_style": 0.05,
                },
                "shortlist_size": 5,
            },
        },
    ),
    ProgramTemplate(
        key="blank",
        title="Blank",
        when_to_use="None of the above fits: start from the product's defaults and set "
        "everything yourself.",
        description="",
        kind=ProgramKind.one_on_one,
    ),
)

KEYS = tuple(template.key for template in TEMPLATES)
_BY_KEY = {template.key: template for template in TEMPLATES}


def get(key: str) -> ProgramTemplate:
    """The template called `key`, or NotFound naming the ones there are."""
    template = _BY_KEY.get(key.strip().lower())
    if template is None:
        raise NotFound(f"No program template called {key!r}; there are: {', '.join(KEYS)}.")
    return template
