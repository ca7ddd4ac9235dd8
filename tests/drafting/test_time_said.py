"""A SMART goal draft's target date is the time the mentee said, read from the draft's
date, and its time-bound part says which date and why; a vague time asks "By when?"."""

from __future__ import annotations

from datetime import date

import pytest

from companion.drafting import kinds
from companion.drafting.kinds.smart_check import deadlines, easter
from prompts.schemas import DraftKind, Person, SmartGoal, SmartGoalInput

TODAY = date(2026, 12, 5)


def drafted(aspiration: str, today: date = TODAY) -> SmartGoal:
    data = SmartGoalInput(
        program_name="Practice leaders",
        today=today,
        mentee=Person(name="Ines Moreau", role="mentee", title="pharmacy technician"),
        aspiration=aspiration,
    )
    return kinds.draft(DraftKind.smart_goal, data)


class TestWhatPeopleSay:
    @pytest.mark.parametrize(
        ("said", "day"),
        [
            ("next year", date(2027, 12, 31)),
            ("next yr", date(2027, 12, 31)),
            ("by summer", date(2027, 6, 30)),
            ("next spring", date(2027, 3, 31)),
            ("before my appraisal in March", date(2027, 2, 28)),
            ("before March", date(2027, 2, 28)),
            ("by March", date(2027, 3, 31)),
            ("after Easter", date(2027, 3, 28)),
            ("before Easter", date(2027, 3, 27)),
            ("before Christmas", date(2026, 12, 24)),
            ("by the end of Q3", date(2027, 9, 30)),
            ("by end of Q1 27", date(2027, 3, 31)),
            ("in Q4", date(2026, 12, 31)),
            ("in a year or so", date(2027, 12, 5)),
            ("in February next year", date(2027, 2, 28)),
            ("by the end of 2027", date(2027, 12, 31)),
            ("in 2027", date(2027, 12, 31)),
            ("by 2028", date(2027, 12, 31)),
            ("before Q3", date(2027, 6, 30)),
            ("before Q1 2027", date(2026, 12, 31)),
            # A season said with "in", "during" or "this": by its last day.
            ("in spring", date(2027, 5, 31)),
            ("during the summer", date(2027, 8, 31)),
            ("this winter", date(2027, 2, 28)),
            ("in the autumn of 2027", date(2027, 11, 30)),
            ("in winter 2027", date(2028, 2, 29)),
            # Units as people type them.
            ("within 3 yrs", date(2029, 12, 5)),
            ("in 6 mths", date(2027, 6, 5)),
            ("in 4 wks", date(2027, 1, 2)),
            ("to be promoted in spring", date(2027, 5, 31)),
        ],
    )
    def test_a_time_said_becomes_its_date(self, said: str, day: date) -> None:
        found = deadlines(f"Run the stock audit {said}.", TODAY)

        assert [d.day for d in found] == [day]

    @pytest.mark.parametrize(
        "text",
        [
            "Q2 was a mess and I want the rota fixed",
            "like I did back in Q1",
            "we lost three people at christmas",
            "I want to run the dispensary at some point",
            "eventually lead the team",
            "we moved to the new system in 2024",
            "I missed Q4 badly and want the rota fixed",
            "hit Q2 then lost the plot",
            # Said in December, the autumn just gone; a named season that is over.
            "we were short-staffed this autumn",
            "the rota fell apart in summer 2026",
            # A season told in the past.
            "I burned out in the summer and want to set boundaries",
            "we lost two pharmacists in spring",
            # Counted from a day the text does not give, not from today.
            "be considered for audit manager again within 18 months of returning",
            "chartered within two years after qualifying",
            # When a pictured future is set, not when the goal is due.
            "I have no idea what I want my career to look like in five years",
            "work out where I see myself in 5 years",
            "decide who I want to be in three years",
            # The day of an event told of, not when a goal is due.
            "Returning from 9 months maternity leave in March. Want to rebuild my client base",
        ],
    )
    def test_past_or_vague_times_are_no_deadline(self, text: str) -> None:
        assert deadlines(text, TODAY) == []

    def test_next_and_a_month_is_that_month(self) -> None:
        [said] = deadlines("grow my business so i can hire an apprentice by next april", TODAY)
        assert (said.day, said.words) == (date(2027, 4, 30), "by next april")

    def test_a_pictured_future_leaves_a_later_deadline_standing(self) -> None:
        text = "work out who I want to be in 3 years, then apply for a role within 6 months"
        assert [d.words for d in deadlines(text, TODAY)] == ["within 6 months"]
        assert [d.words for d in deadlines("Be a team leader in five years", TODAY)] == [
            "in five years"
        ]

    def test_a_period_from_an_event_asks_for_the_date(self) -> None:
        goal = drafted("Lead the dispensary rota within six months of my return")
        assert goal.time_bound.startswith("To answer:"), goal.time_bound
        # From now, it is still a deadline.
        assert [d.day for d in deadlines("within a year from now", TODAY)] == [date(2027, 12, 5)]

    def test_easter_is_computed_for_any_year(self) -> None:
        assert [easter(y) for y in (2027, 2028, 2030)] == [
            date(2027, 3, 28),
            date(2028, 4, 16),
            date(2030, 4, 21),
        ]

    def test_the_time_is_read_from_the_drafts_date(self) -> None:
        assert deadlines("finish it before Easter", date(2027, 4, 2))[0].day == date(2028, 4, 15)
        assert deadlines("pass it next year", date(2027, 1, 10))[0].day == date(2028, 12, 31)


class TestTheDraft:
    def test_a_season_is_its_last_day_and_says_why(self) -> None:
        goal = drafted("I want to take over the controlled drugs audit in spring")

        assert goal.target_date == date(2027, 5, 31)
        assert "31 May 2027 (the end of May, when spring ends)" in goal.time_bound

    def test_next_year_is_the_end_of_next_year_and_says_why(self) -> None:
        goal = drafted("I want to pass the accuracy checking course next year")

        assert goal.target_date == date(2027, 12, 31)
        assert "31 December 2027 (the end of next year)" in goal.time_bound
        assert "'next year'" in goal.time_bound

    def test_before_an_event_in_a_month_ends_before_that_month(self) -> None:
        goal = drafted("Before my appraisal in March I want to lead two stock takes on my own.")

        assert goal.target_date == date(2027, 2, 28)
        assert "the last day before March" in goal.time_bound

    def test_a_quarter_is_its_last_day(self) -> None:
        goal = drafted("I'd like to cut dispensing errors on the ward by the end of Q3")

        assert goal.target_date == date(2027, 9, 30)
        assert "calendar Q3, July to September" in goal.time_bound

    def test_after_easter_aims_to_be_ready_by_easter(self) -> None:
        goal = drafted("want to apply for the senior technician post after Easter")

        assert goal.target_date == date(2027, 3, 28)
        assert "Easter Sunday" in goal.time_bound

    def test_the_deadline_said_with_the_goal_wins_over_another_wishes(self) -> None:
        goal = drafted(
            "I want to run the controlled drugs register checks on my own in Q1. Getting "
            "to senior technician within two years would be great"
        )

        assert goal.target_date == date(2027, 3, 31)

    @pytest.mark.parametrize(
        "aspiration",
        [
            "I want to move into procurement at some point",
            "eventually I would like to run the aseptic unit",
        ],
    )
    def test_a_vague_time_asks_by_when(self, aspiration: str) -> None:
        goal = drafted(aspiration)

        assert "By when?" in goal.time_bound
        assert "as you said" not in goal.time_bound


class TestWhileTheGoalIsStillToWrite:
    def test_the_time_said_is_kept_when_the_draft_asks_for_the_goal(self) -> None:
        goal = drafted(
            "Thinking about going for the lead technician role that opens after Easter. "
            "Not sure I'm ready."
        )

        assert goal.target_date == date(2027, 3, 28)
        assert "Easter Sunday" in goal.time_bound and "'after Easter'" in goal.time_bound


class TestADeadlineThatHasPassed:
    """A date already behind the draft's day is not kept in the goal, where it would
    contradict the target date; the question quotes what the mentee wrote."""

    @pytest.mark.parametrize(
        ("aspiration", "goal", "said"),
        [
            ("Get my CIPD level 5 done by june 2026.", "Get my CIPD level 5 done.", "by june 2026"),
            (
                "submit my CEng application to IMechE by 31 Dec 2025",
                "Submit my CEng application to IMechE.",
                "31 Dec 2025",
            ),
            (
                "Pass the PMP exam before March 2026, so I can apply for the lead role",
                "Pass the PMP exam, so I can apply for the lead role.",
                "before March 2026",
            ),
        ],
    )
    def test_the_goal_drops_it_and_the_question_names_it(self, aspiration, goal, said):
        draft = drafted(aspiration)
        assert draft.goal == goal
        assert draft.target_date > TODAY
        assert f"You wrote '{said}', which has passed: what is the new date?" in draft.time_bound

    def test_a_later_deadline_is_kept(self):
        draft = drafted("Get my CIPD level 5 done by june 2027.")
        assert draft.goal == "Get my CIPD level 5 done by june 2027."
        assert draft.target_date == date(2027, 6, 30)
