"""A SMART goal draft never cuts a clause where it stops making sense: not between two
nouns joined by "and", not between a verb and the preposition it needs, not after a
determiner; when the clause cannot be kept whole, the draft asks instead."""

from __future__ import annotations

from datetime import date

import pytest

from companion.drafting import kinds
from companion.drafting.kinds.goal_wishes import ends_broken
from companion.drafting.kinds.smart_goal import UNSTATED_GOAL
from companion.drafting.text import joins_nouns, phrases_of
from prompts.schemas import DraftKind, Person, SmartGoal, SmartGoalInput

TODAY = date(2026, 12, 5)


def drafted(aspiration: str, title: str = "charity fundraiser") -> SmartGoal:
    data = SmartGoalInput(
        program_name="Growing leaders",
        today=TODAY,
        mentee=Person(name="Noor Haddad", role="mentee", title=title),
        aspiration=aspiration,
    )
    return kinds.draft(DraftKind.smart_goal, data)


class TestNounPairs:
    @pytest.mark.parametrize(
        ("text", "index", "joined"),
        [
            ("rewrite our onboarding and induction pack", 3, True),
            ("get my moving and handling refresher done", 3, True),
            ("learn the tool and prove it works", 3, False),
            ("learn the tool and then teach it", 3, False),
            ("learn the tool, and induction too", 3, False),
            ("finish the audit and my appraisal form", 3, False),
        ],
    )
    def test_an_and_between_nouns_is_told_from_one_between_clauses(
        self, text: str, index: int, joined: bool
    ) -> None:
        assert joins_nouns(text.split(), index) is joined

    def test_a_quote_keeps_both_nouns(self) -> None:
        texts = [p.text for p in phrases_of("I want to rewrite our onboarding and induction pack")]

        assert texts == ["rewrite our onboarding and induction pack"]

    def test_the_goal_states_the_pair_whole(self) -> None:
        goal = drafted(
            "I want to rewrite our onboarding and induction pack this winter, the new "
            "starters keep asking the same things"
        )

        assert "our onboarding and induction pack" in goal.goal
        assert not goal.goal.rstrip(".").endswith("our onboarding")

    def test_a_pair_too_long_to_keep_is_asked_about_not_halved(self) -> None:
        goal = drafted(
            "honestly I need to properly understand our pricing and discount and rebate "
            "rules for the regional accounts"
        )

        for half in ("our pricing.", "our pricing and discount."):
            assert not goal.goal.endswith(half)
        assert goal.goal == UNSTATED_GOAL or "rebate rules" in goal.goal


class TestVerbsKeepTheirPreposition:
    def test_a_stated_goal_never_ends_on_a_verb_that_lost_its_preposition(self) -> None:
        assert ends_broken("I will learn the scheduling app we already pay")
        assert ends_broken("I will master the tool our team relies")
        assert not ends_broken("I will learn the scheduling app we already pay for")
        assert not ends_broken("I will learn the scheduling app we use")

    def test_the_draft_ends_before_the_relative_clause_rather_than_inside_it(self) -> None:
        goal = drafted(
            "our rota is all spreadsheets. I'd like to master the rostering tool we already "
            "pay for properly and show my manager it saves overtime",
            title="ward manager",
        )

        assert not goal.goal.rstrip(".").endswith(("pay", "already pay"))
        assert goal.goal.startswith("I will master the rostering tool")
        assert not ends_broken(goal.goal)


class TestDeterminersAndPossessives:
    @pytest.mark.parametrize(
        "statement", ["I will write our", "I will present the", "I will fix my", "I will run a"]
    )
    def test_a_goal_never_ends_on_a_determiner_or_possessive(self, statement: str) -> None:
        assert ends_broken(statement)


@pytest.mark.parametrize(
    ("statement", "broken"),
    [
        ("I will own fixing", True),
        ("I will keep doing", True),
        ("I will get it down without my scores dropping", True),
        ("I will sort them out before the audit", True),
        ("I will keep doing the weekly stock count", False),
        ("I will make it to the regional final", False),
        ("I will give it a go on the night shift", False),
        ("I will lead hiring for the new depot", False),
    ],
)
def test_a_goal_that_points_elsewhere_or_loses_its_doing_is_broken(
    statement: str, broken: bool
) -> None:
    assert ends_broken(statement) is broken
