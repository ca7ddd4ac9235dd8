"""Fairness you can act on: four-fifths warnings between consented groups, and a re-balance."""

from __future__ import annotations

from dataclasses import replace

import pytest

from companion.db import session_scope
from companion.errors import Conflict
from companion.matching import fairness, rebalance
from companion.matching import service as matching
from companion.matching.profiles import Profile
from companion.runtime import Services
from tests.helpers import TEST_SYSTEM
from tests.matching.conftest import import_cohort, to_csv

PERSON = Profile(key=0, external_id="x", name="x", role="mentee")


def people(groups: list[str | None]) -> list[Profile]:
    return [
        replace(
            PERSON,
            key=k,
            external_id=f"p{k}",
            gender=group,
            consent_demographics=group is not None,
        )
        for k, group in enumerate(groups)
    ]


class TestFourFifths:
    def test_groups_are_compared_with_each_other_not_with_everyone(self) -> None:
        # Both groups are matched equally often; non-consenting people, all matched with
        # high scores, would make both look "below average" against everyone.
        mentees = people(["a"] * 4 + ["b"] * 4 + [None] * 6)
        matched = {i: 0.5 for i in range(8)} | {i: 0.95 for i in range(8, 14)}
        report = fairness.report(
            mentees=mentees,
            mentors=[],
            capacities=[],
            matched_score=matched,
            mentor_load=[],
            top5=[],
        )
        assert report["warnings"] == []
        rows = {r["group"]: r for r in report["by_group"]["gender"]}
        assert rows["a"]["coverage_ratio"] == rows["b"]["coverage_ratio"] == 1.0

    def test_a_group_under_four_fifths_of_the_best_is_warned(self) -> None:
        mentees = people(["a"] * 5 + ["b"] * 5)
        # a: 5 of 5 matched; b: 3 of 5 (0.6 of a's share, under 0.8).
        matched = {i: 0.6 for i in range(5)} | {5: 0.6, 6: 0.6, 7: 0.6}
        mentors = people(["w"] * 3 + ["m"] * 3)
        # Mentors w appear in 1 list each, mentors m in 3: w's exposure is a third of m's.
        top5 = [[0, 3, 4, 5], [1, 3, 4, 5], [2, 3, 4, 5]]
        report = fairness.report(
            mentees=mentees,
            mentors=mentors,
            capacities=[1] * 6,
            matched_score=matched,
            mentor_load=[1] * 6,
            top5=top5,
        )
        coverage = [w for w in report["warnings"] if "matched 60%" in w]
        assert coverage and "0.60 of the best-off group ('a', 100%)" in coverage[0]
        assert "four-fifths rule" in coverage[0]
        exposure = [w for w in report["warnings"] if "Mentors with gender 'w'" in w]
        assert exposure and "0.33 of the best-off group ('m', 3.00)" in exposure[0]
        assert not any("gender 'm'" in w or "gender 'a'" in w for w in report["warnings"])


LEADS = [
    "I coached engineers through their first year as team leads and helped them delegate.",
    "I have led engineering teams for a decade and help new managers run their first team.",
    "I help first-time managers give feedback and run useful one-to-ones with their team.",
]
OTHERS = [
    "I help people grow in their careers and build confidence at work.",
    "I coach people on presenting to senior audiences with calm and structure.",
    "I help people build a network across the company and find sponsors.",
    "I mentor people who are new to a role and want to settle in well.",
]


def cohort() -> bytes:
    rows = []
    for k, text in enumerate(LEADS + LEADS[:1]):
        rows.append(mentor_row(f"M{k}", f"Marco {k}", text, "man"))
    for k, text in enumerate(OTHERS):
        rows.append(mentor_row(f"W{k}", f"Wanda {k}", text, "woman"))
    for k in range(6):
        rows.append(
            {
                "id": f"E{k}",
                "name": f"Mentee {k}",
                "email": f"e{k}@example.org",
                "role": "mentee",
                "languages": "english",
                "goals": "I was just promoted and want to learn to lead my small team well.",
                "years_experience": "3",
            }
        )
    return to_csv(rows)


def mentor_row(ext: str, name: str, text: str, gender: str) -> dict[str, str]:
    return {
        "id": ext,
        "name": name,
        "email": f"{ext.lower()}@example.org",
        "role": "mentor",
        "languages": "english",
        "expertise": text,
        "years_experience": "15",
        "capacity": "2",
        "gender": gender,
        "consent_demographics": "yes",
    }


class TestRebalance:
    def test_lifts_the_least_seen_group_at_a_stated_cost(self, services: Services) -> None:
        program_id = import_cohort(services, cohort())
        with session_scope(services.sessions) as session:
            first = matching.run(
                session=session,
                vectors=services.profile_vectors,
                program_id=program_id,
                principal=TEST_SYSTEM,
            )
            assert any("Mentors with gender 'woman'" in w for w in first.fairness["warnings"])
            shown = rebalance.preview(
                session=session,
                vectors=services.profile_vectors,
                run_id=first.id,
                principal=TEST_SYSTEM,
            )
            assert (shown.group_attribute, shown.boosted_group) == ("gender", "woman")
            assert shown.bonus in rebalance.BONUSES

            def exposure(side: dict) -> float:
                return next(
                    r["mean_top5_appearances"]
                    for r in side["exposure_by_group"]
                    if r["group"] == "woman"
                )

            assert exposure(shown.after) > exposure(shown.before), shown
            assert shown.cost == pytest.approx(
                shown.before["objective"] - shown.after["objective"], abs=1e-4
            )
            assert shown.cost >= 0
            assert f"Cost: {shown.cost:.3f} in total score" in shown.note

            second = rebalance.apply(
                session=session,
                vectors=services.profile_vectors,
                run_id=first.id,
                principal=TEST_SYSTEM,
            )
            assert second.settings["rebalanced_for"] == {
                "attribute": "gender",
                "group": "woman",
                "bonus": shown.bonus,
            }
            assert second.objective == pytest.approx(shown.after["objective"], abs=1e-4)
            assert first.status == "superseded"
            # Scores shown are never inflated by the bonus.
            for proposal in second.proposals:
                assert proposal.score <= 1.0
            with pytest.raises(Conflict, match="superseded"):
                matching.approve(
                    session=session, proposal_id=first.proposals[0].id, principal=TEST_SYSTEM
                )
