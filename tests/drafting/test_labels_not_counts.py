"""A number that names a thing ("yr 9", "Q3", "level 2", "B2", "v2") is not a measure:
the Measurable check does not count it, and the SMART goal draft does not quote it back
as something to count."""

from __future__ import annotations

from datetime import date

import pytest

from companion.drafting import kinds
from companion.drafting.kinds.smart_check import check_text
from companion.drafting.text import render_text
from prompts.schemas import DraftKind, Person, SmartGoalInput

TODAY = date(2026, 12, 5)


def measurable(text: str):
    return next(v for v in check_text(text, today=TODAY).verdicts if v.criterion == "measurable")


@pytest.mark.parametrize(
    "goal",
    [
        "Get better at behaviour management with yr 9",
        "Improve my handovers in Q3",
        "Get more confident with the v2 API",
        "Get better at managing yr 9 set 2",
        "Improve how I teach year two",
        "Improve my German towards B2",
        "Improve the level 2 support queue",
    ],
)
def test_a_number_that_names_a_thing_is_not_a_measure(goal: str) -> None:
    verdict = measurable(goal)

    assert verdict.status != "met", verdict.why
    assert "something to count" not in verdict.why


@pytest.mark.parametrize(
    ("goal", "counted"),
    [
        ("Run 3 workshops for yr 9 parents by March", "3 workshops"),
        ("Teach two lessons to year 9 this term", "two lessons"),
    ],
)
def test_a_real_count_beside_a_label_still_counts(goal: str, counted: str) -> None:
    verdict = measurable(goal)

    assert verdict.status == "met"
    assert counted in verdict.why


def test_the_draft_does_not_repeat_the_label_as_a_measure() -> None:
    data = SmartGoalInput(
        program_name="Early-career teachers",
        today=TODAY,
        mentee=Person(name="Ines Carvalho", role="mentee", title="English teacher"),
        aspiration="want to get better at behaviour management with yr 9 and eventually lead KS3",
    )
    goal = kinds.draft(DraftKind.smart_goal, data)
    text = render_text(DraftKind.smart_goal, goal.model_dump(mode="json"))

    measurable_line = next(line for line in text.splitlines() if line.startswith("Measurable:"))
    assert "yr 9" not in measurable_line
    assert text.count("behaviour management with yr 9") <= 2  # the goal and one suggestion
