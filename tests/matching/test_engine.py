"""The matching engine on realistic profiles, with the real MiniLM encoder."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from companion.matching.config import MatchingRules, MatchingSettings
from companion.matching.engine import match_cohort
from companion.matching.profiles import Profile
from companion.matching.solver import Edge, solve
from embeddings import Encoder

WEEK = date(2026, 6, 8)  # a week when Berlin and New York are both on summer time
MON_WED_9_12 = ((0, 540, 720), (2, 540, 720))


def mentee(key: int, ext: str, goals: str, **extra) -> Profile:
    defaults = dict(languages=("english",), timezone="Europe/Berlin", years_experience=3)
    return Profile(
        key=key,
        external_id=ext,
        name=ext.title(),
        role="mentee",
        goals=goals,
        **{**defaults, **extra},
    )


def mentor(key: int, ext: str, expertise: str, **extra) -> Profile:
    defaults = dict(
        languages=("english",), timezone="Europe/Berlin", years_experience=15, capacity=1
    )
    return Profile(
        key=key,
        external_id=ext,
        name=ext.title(),
        role="mentor",
        expertise=expertise,
        **{**defaults, **extra},
    )


MENTEES = [
    mentee(1, "ana", "I want to move from writing code every day to leading a small team."),
    mentee(2, "ben", "Presenting to executives terrifies me and I freeze in front of a room."),
    mentee(3, "chen", "I would like to understand budgets and how money decisions get made."),
]
MENTORS = [
    mentor(
        11,
        "xavier",
        "I spent ten years in financial planning, forecasting spend and "
        "approving investment cases.",
    ),
    mentor(
        12,
        "yasmin",
        "I coached several senior engineers through their first year as engineering managers.",
    ),
    mentor(
        13,
        "zoe",
        "I help people build confidence on stage and structure talks for senior audiences.",
    ),
]
RIGHT = {"ana": "yasmin", "ben": "zoe", "chen": "xavier"}


def run(
    encoder: Encoder,
    mentees,
    mentors,
    settings: MatchingSettings | None = None,
    kind: str = "one_on_one",
    capacities=None,
):
    return match_cohort(
        mentees,
        mentors,
        encode=encoder.encode,
        capacities=capacities or [m.capacity for m in mentors],
        settings=settings or MatchingSettings(),
        program_kind=kind,
        week_of=WEEK,
    )


def pairs(result) -> dict[str, str]:
    return {p.mentee.external_id: p.mentor.external_id for p in result.pairs}


class TestMeaning:
    def test_pairs_that_share_meaning_but_not_words(self, encoder: Encoder) -> None:
        result = run(encoder, MENTEES, MENTORS)
        assert pairs(result) == RIGHT
        assert not result.unmatched
        first = next(p for p in result.pairs if p.mentee.external_id == "ana")
        assert first.components["semantic"] > 0.3
        assert any(
            "leading a small team" in r and "engineering managers" in r for r in first.reasons
        )

    def test_same_input_same_output(self, encoder: Encoder) -> None:
        a, b = run(encoder, MENTEES, MENTORS), run(encoder, MENTEES, MENTORS)
        assert [(p.mentee.key, p.mentor.key, p.score) for p in a.pairs] == [
            (p.mentee.key, p.mentor.key, p.score) for p in b.pairs
        ]


class TestHardRules:
    def test_capacity_is_never_exceeded(self, encoder: Encoder) -> None:
        crowd = [replace(MENTEES[0], key=20 + k, external_id=f"lead-{k}") for k in range(3)]
        team_coach = replace(MENTORS[1], capacity=2)
        result = run(encoder, crowd, [team_coach, MENTORS[0]])
        assert sum(p.mentor.external_id == "yasmin" for p in result.pairs) == 2
        assert len(result.pairs) == 3  # the third goes to the other mentor

    def test_managers_and_skip_level_are_excluded(self, encoder: Encoder) -> None:
        ana = replace(MENTEES[0], manager_id="lena")
        lena = replace(MENTORS[1], external_id="lena", manager_id="omar")  # the best mentor
        omar = replace(
            MENTORS[0], key=14, external_id="omar", expertise=MENTORS[1].expertise
        )  # skip level, equally good
        other = mentor(15, "pat", "I guided new team leads through delegation and 1:1s.")
        result = run(encoder, [ana], [lena, omar, other])
        assert pairs(result) == {"ana": "pat"}

    def test_peers_under_the_same_manager_are_excluded(self, encoder: Encoder) -> None:
        ana = replace(MENTEES[0], manager_id="boss")
        yasmin = replace(MENTORS[1], manager_id="boss")
        result = run(encoder, [ana], [yasmin])
        assert result.pairs == []
        assert "same manager (1)" in result.unmatched[0][1]
        relaxed = MatchingSettings(rules=MatchingRules(exclude_same_manager=False))
        assert pairs(run(encoder, [ana], [yasmin], relaxed)) == {"ana": "yasmin"}

    def test_avoid_works_both_ways(self, encoder: Encoder) -> None:
        ana = replace(MENTEES[0], avoid=("yasmin",))
        assert "yasmin" not in pairs(run(encoder, [ana], MENTORS)).values()
        yasmin = replace(MENTORS[1], avoid=("ana",))
        assert "yasmin" not in pairs(run(encoder, [MENTEES[0]], [yasmin, MENTORS[0]])).values()

    def test_a_shared_language_is_required(self, encoder: Encoder) -> None:
        lucia = replace(MENTEES[0], external_id="lucia", name="Lucía", languages=("spanish",))
        result = run(encoder, [lucia], MENTORS)
        assert result.pairs == []
        assert result.unmatched[0][1] == "No mentor shares a language with Lucía (spanish)."
        bilingual = replace(MENTORS[0], languages=("english", "spanish"))
        assert pairs(run(encoder, [lucia], [bilingual, *MENTORS[1:]])) == {"lucia": "xavier"}

    def test_nobody_is_paired_with_themselves(self, encoder: Encoder) -> None:
        both = Profile(
            key=30,
            external_id="sam",
            name="Sam",
            role="both",
            goals=MENTEES[0].goals,
            expertise=MENTORS[1].expertise,
            languages=("english",),
            capacity=1,
            years_experience=8,
        )
        result = run(encoder, [both], [both])
        assert result.pairs == []


class TestTimeZones:
    def test_shared_hours_decide_between_equal_mentors_and_are_explained(
        self, encoder: Encoder
    ) -> None:
        ana = replace(MENTEES[0], availability=MON_WED_9_12, timezone="America/New_York")
        # 09:00-12:00 in Berlin is 03:00-06:00 in New York: no overlap with Ana.
        berlin = replace(MENTORS[1], availability=MON_WED_9_12, timezone="Europe/Berlin")
        new_york = replace(
            MENTORS[1],
            key=16,
            external_id="yuki",
            name="Yuki",
            availability=((0, 600, 780), (2, 600, 780)),
            timezone="America/New_York",
        )
        result = run(encoder, [ana], [berlin, new_york])
        assert pairs(result) == {"ana": "yuki"}
        reasons = " ".join(result.pairs[0].reasons)
        assert "4.0 h/week of shared availability, both in New York" in reasons
        assert result.pairs[0].components["availability"] == 1.0

    def test_a_pair_with_no_shared_hours_is_not_proposed(self, encoder: Encoder) -> None:
        ana = replace(
            MENTEES[0],
            availability=((0, 540, 600),),
            timezone="Europe/Berlin",
            communication=("video",),
        )
        far = replace(
            MENTORS[1],
            availability=((0, 600, 630),),
            timezone="Asia/Kolkata",
            communication=("video", "async"),
        )
        result = run(encoder, [ana], [far])
        assert result.pairs == []
        [(_, why)] = result.unmatched
        assert "no allowed mentor has any weekly hours in common" in why.casefold()
        assert "Ana" in why and "video" in why

    def test_no_shared_hours_is_proposed_when_both_accept_async(self, encoder: Encoder) -> None:
        ana = replace(
            MENTEES[0],
            availability=((0, 540, 600),),
            timezone="Europe/Berlin",
            communication=("async", "chat"),
        )
        far = replace(
            MENTORS[1],
            availability=((0, 600, 630),),
            timezone="Asia/Kolkata",
            communication=("video", "async"),
        )
        result = run(encoder, [ana], [far])
        cautions = [r for r in result.pairs[0].reasons if r.startswith("Watch: only 0.0 h/week")]
        assert cautions and "both accept asynchronous mentoring" in cautions[0]

    def test_a_pair_with_little_overlap_gets_a_caution(self, encoder: Encoder) -> None:
        ana = replace(MENTEES[0], availability=((0, 540, 600),), timezone="Europe/Berlin")
        far = replace(MENTORS[1], availability=((0, 570, 630),), timezone="Europe/Berlin")
        result = run(encoder, [ana], [far])
        cautions = [r for r in result.pairs[0].reasons if r.startswith("Watch: only 0.5 h/week")]
        assert cautions and "agree a regular slot" in cautions[0]


class TestOptimality:
    def test_the_solver_reaches_the_exact_optimum(self) -> None:
        rng = np.random.default_rng(3)
        n, m = 60, 15
        capacities = rng.integers(1, 4, m).tolist()
        scores = rng.random((n, m))
        edges = [Edge(i, j, float(scores[i, j])) for i in range(n) for j in range(m)]
        ours = sum(e.score for e in solve(n, capacities, edges))
        slots = np.repeat(np.arange(m), capacities)
        rows, cols = linear_sum_assignment(-scores[:, slots])
        assert ours == pytest.approx(scores[rows, slots[cols]].sum(), rel=1e-6)

    def test_maximise_matched_first(self) -> None:
        edges = [Edge(0, 0, 0.9), Edge(0, 1, 0.05), Edge(1, 0, 0.8)]
        by_score = solve(2, [1, 1], edges)
        assert [(e.mentee, e.mentor) for e in by_score] == [(0, 0)]
        by_count = solve(2, [1, 1], edges, maximise_matched_first=True)
        assert [(e.mentee, e.mentor) for e in by_count] == [(0, 1), (1, 0)]


class TestFairness:
    def test_groups_use_only_consented_data_and_warn_on_gaps(self, encoder: Encoder) -> None:
        cohort = []
        for k in range(8):
            group = "a" if k < 4 else "b"
            goals = MENTEES[0].goals if group == "a" else MENTEES[2].goals
            cohort.append(
                replace(
                    MENTEES[0],
                    key=40 + k,
                    external_id=f"m{k}",
                    goals=goals,
                    gender=group,
                    consent_demographics=True,
                )
            )
        hidden = replace(
            MENTEES[1], key=60, external_id="hidden", gender="c", consent_demographics=False
        )
        coaches = [replace(MENTORS[1], capacity=4)]  # suits group a only; room for four
        result = run(encoder, [*cohort, hidden], coaches)
        report = result.fairness
        groups = {row["group"]: row for row in report["by_group"]["gender"]}
        assert set(groups) == {"a", "b"}  # no row for the person who did not consent
        assert groups["a"]["coverage"] > groups["b"]["coverage"]
        assert any("gender 'b'" in w for w in report["warnings"])
        assert report["mentor_load"]["max_load"] == 4


class TestClearFit:
    """A strong fit by meaning is not traded away for logistics."""

    def cohort(self, yasmin_hours: tuple[tuple[int, int, int], ...]):
        ana = replace(
            MENTEES[0],
            availability=((0, 540, 780),),
            industry="software",
            skills=("python", "sql"),
            working_style="Written agendas, weekly calls, direct feedback.",
        )
        yasmin = replace(
            MENTORS[1],
            expertise="I help engineers who have just become team leads: delegating, running "
            "the team, and letting go of writing all the code.",
            availability=yasmin_hours,
            industry="retail",
            years_experience=6,
        )
        # Everything but meaning fits: same industry, hours, skills, style, seniority.
        logistics = mentor(
            20,
            "lena",
            "I look after our office buildings and the contracts for cleaning and catering.",
            availability=((0, 540, 780), (2, 540, 780)),
            industry="software",
            skills=("python", "sql"),
            working_style="Written agendas, weekly calls, direct feedback.",
            years_experience=25,
        )
        return ana, yasmin, logistics

    def test_a_clear_fit_keeps_its_mentor_when_hours_are_adequate(self, encoder: Encoder) -> None:
        ana, yasmin, logistics = self.cohort(((0, 540, 615),))  # 1.25 h in common
        result = run(encoder, [ana], [yasmin, logistics])
        # On the score alone the logistics mentor would win...
        assert result.scores[(0, 1)] > result.scores[(0, 0)]
        # ...but the mentee keeps the mentor who clearly fits what they wrote.
        assert pairs(result) == {"ana": "yasmin"}
        assert result.pairs[0].reasons[0].startswith("Clear fit by meaning: Yasmin")
        assert result.objective == pytest.approx(result.scores[(0, 0)], abs=1e-4)

    def test_without_adequate_hours_the_clear_fit_is_not_forced(self, encoder: Encoder) -> None:
        ana, yasmin, logistics = self.cohort(((0, 540, 570),))  # 0.5 h in common
        result = run(encoder, [ana], [yasmin, logistics])
        assert pairs(result) == {"ana": "lena"}


class TestHonestReasons:
    def test_each_mentee_sees_the_mentor_sentence_closest_to_their_own(
        self, encoder: Encoder
    ) -> None:
        two_sided = mentor(
            30,
            "grace",
            "I have pitched budgets to the executive team and won funding for new products. "
            "I also coached many first-time managers through their first one-to-ones.",
            capacity=2,
        )
        money = mentee(31, "omar", "I need the finance director to fund my new product line.")
        talks = mentee(32, "lea", "How do I run useful one-to-ones with my new team?")
        result = run(encoder, [money, talks], [two_sided])
        quoted = {
            p.mentee.external_id: next(r for r in p.reasons if " wants " in r) for p in result.pairs
        }
        assert "pitched budgets" in quoted["omar"] and "one-to-ones" not in quoted["omar"]
        assert "first-time managers" in quoted["lea"] and "pitched" not in quoted["lea"]

    def test_a_weak_fit_is_cautioned_and_called_mostly_logistics(self, encoder: Encoder) -> None:
        florist = mentor(33, "iris", "I grow orchids and arrange flowers for weddings.")
        result = run(encoder, [MENTEES[2]], [florist])
        reasons = result.pairs[0].reasons
        assert any(r.startswith("Watch: weak fit by meaning") for r in reasons)
        assert any(r.startswith("Mostly logistics") for r in reasons)

    def test_another_language_is_named_not_scored_zero(self, encoder: Encoder) -> None:
        german = mentee(
            34,
            "jan",
            "Ich leite ein Team in drei Ländern und merke über Video nicht, wenn jemand "
            "unzufrieden ist.",
            languages=("german", "english"),
        )
        result = run(encoder, [german], [MENTORS[1]])
        [pair] = result.pairs
        assert pair.components["semantic"] == 0.5  # neutral, not a confident zero
        assert pair.reasons[0].startswith("Fit by meaning not judged: Jan wrote in German")
