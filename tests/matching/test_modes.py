"""Matching modes on realistic profiles, with the real MiniLM encoder."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import replace
from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.matching.config import MatchingSettings
from companion.matching.modes import (
    advisory_boards,
    assign_from_preferences,
    form_circles,
    mentors_of_the_moment,
    recommend_mentors,
    speed_shortlists,
    split_needs,
)
from companion.matching.profiles import Profile
from embeddings import Encoder

WEEK = date(2026, 6, 8)


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


YASMIN = mentor(
    11,
    "yasmin",
    "I coached dozens of engineers through their first year as managers: building trust, "
    "handing off work and running one-to-ones.",
)
DANA = mentor(
    12,
    "dana",
    "I run an analytics group and teach people to turn raw numbers into insight with "
    "statistics and dashboards.",
)
ZOE = mentor(
    13,
    "zoe",
    "I help people build confidence on stage and structure talks for senior audiences.",
)
XAVIER = mentor(
    14,
    "xavier",
    "I spent ten years in financial planning, forecasting spend and approving investment cases.",
)

LEADERSHIP = [
    mentee(1, "ana", "I want to move from writing code every day to leading a small team."),
    mentee(2, "lea", "I was just promoted to lead my team and struggle to delegate work."),
    mentee(
        3,
        "omar",
        "I manage people for the first time and find it hard to tell someone their work "
        "is not good enough.",
    ),
]
DATA = [
    mentee(4, "dev", "I want to learn SQL and build dashboards to answer questions with data."),
    mentee(5, "eli", "I would like to move into data analysis and learn statistics for A/B tests."),
    mentee(6, "fay", "I want to get comfortable with Python for cleaning and analysing data."),
]
SPEAKING = [
    mentee(7, "ben", "Presenting to executives terrifies me and I freeze in front of a room."),
    mentee(8, "gus", "I want to speak confidently at conferences and stop reading my slides."),
    mentee(9, "hal", "My voice shakes when I talk in big meetings; I want to sound calm."),
]
THEMES = {
    frozenset(p.external_id for p in LEADERSHIP): "yasmin",
    frozenset(p.external_id for p in DATA): "dana",
    frozenset(p.external_id for p in SPEAKING): "zoe",
}


def vectors(encoder: Encoder, mentees, mentors) -> dict:
    return dict(
        need_vectors=encoder.encode([m.need_text() for m in mentees]),
        offer_vectors=encoder.encode([m.offer_text() for m in mentors]),
    )


def cohort(encoder: Encoder, mentees, mentors, matching=None, capacities=None) -> dict:
    return dict(
        **vectors(encoder, mentees, mentors),
        capacities=capacities if capacities is not None else [m.capacity for m in mentors],
        settings=matching or MatchingSettings(),
        program_kind="one_on_one",
        week_of=WEEK,
    )


class TestRecommendMentors:
    def test_ranked_best_first_with_reasons(self, encoder: Encoder) -> None:
        mentors = [XAVIER, ZOE, YASMIN, DANA]
        found = recommend_mentors(0, LEADERSHIP, mentors, **cohort(encoder, LEADERSHIP, mentors))
        assert found[0].person.external_id == "yasmin"
        assert [r.score for r in found] == sorted((r.score for r in found), reverse=True)
        assert len(found) == 4
        assert any("leading a small team" in reason for reason in found[0].reasons)
        assert found[0].components["semantic"] > 0.3

    def test_limit_rules_and_capacity(self, encoder: Encoder) -> None:
        lena = replace(YASMIN, external_id="lena")  # the best fit, but Ana's manager
        ana = replace(LEADERSHIP[0], manager_id="lena", avoid=("dana",))
        mentors = [lena, DANA, ZOE, XAVIER, replace(ZOE, key=15, external_id="zack")]
        options = cohort(encoder, [ana], mentors, capacities=[1, 1, 1, 0, 1])
        found = recommend_mentors(0, [ana], mentors, **options)
        assert {r.person.external_id for r in found} == {"zoe", "zack"}  # Xavier has no place
        assert len(recommend_mentors(0, [ana], mentors, **options, limit=1)) == 1


class TestCircles:
    def test_similar_goals_share_a_circle_with_the_fitting_mentor(self, encoder: Encoder) -> None:
        mentees = [p for trio in zip(SPEAKING, DATA, LEADERSHIP, strict=True) for p in trio]
        mentors = [ZOE, YASMIN, DANA]
        plan = form_circles(
            mentees, mentors, **cohort(encoder, mentees, mentors, MatchingSettings(circle_size=3))
        )
        assert plan.unplaced == ()
        found = {
            frozenset(p.external_id for p in c.members): c.mentor.external_id for c in plan.circles
        }
        assert found == THEMES
        again = form_circles(
            mentees, mentors, **cohort(encoder, mentees, mentors, MatchingSettings(circle_size=3))
        )
        assert again == plan
        speaking = next(c for c in plan.circles if c.mentor.external_id == "zoe")
        assert speaking.reasons[0].startswith(("Shared theme: ", "Goals close in meaning"))
        assert "Zoe leads it" in speaking.reasons[1]

    def test_a_mentor_never_leads_a_circle_with_their_report(self, encoder: Encoder) -> None:
        mentees = [replace(LEADERSHIP[1], manager_id="yasmin"), *LEADERSHIP[::2], *DATA]
        mentors = [YASMIN, DANA, ZOE]
        plan = form_circles(
            mentees, mentors, **cohort(encoder, mentees, mentors, MatchingSettings(circle_size=3))
        )
        assert plan.unplaced == ()
        for circle in plan.circles:
            assert all(m.manager_id != circle.mentor.external_id for m in circle.members)
        assert len({c.mentor.external_id for c in plan.circles}) == len(plan.circles)

    def test_a_circle_no_mentor_may_lead_swaps_a_member(self, encoder: Encoder) -> None:
        lea = replace(LEADERSHIP[1], manager_id="yasmin")  # Yasmin cannot lead Lea
        omar = replace(LEADERSHIP[2], avoid=("dana",))  # Omar will not have Dana
        mentees = [LEADERSHIP[0], lea, omar, *DATA]
        mentors = [YASMIN, DANA]
        plan = form_circles(
            mentees, mentors, **cohort(encoder, mentees, mentors, MatchingSettings(circle_size=3))
        )
        assert plan.unplaced == ()
        assert len(plan.circles) == 2
        for circle in plan.circles:
            ids = {m.external_id for m in circle.members}
            assert not ("lea" in ids and circle.mentor.external_id == "yasmin")
            assert not ("omar" in ids and circle.mentor.external_id == "dana")

    def test_capacity_counts_circles(self, encoder: Encoder) -> None:
        mentees = [*LEADERSHIP, *DATA, *SPEAKING]
        mentors = [replace(YASMIN, capacity=2), DANA]
        plan = form_circles(
            mentees, mentors, **cohort(encoder, mentees, mentors, MatchingSettings(circle_size=3))
        )
        led = Counter(c.mentor.external_id for c in plan.circles)
        assert led == {"yasmin": 2, "dana": 1}
        assert plan.unplaced == ()

    def test_sizes_are_bounded_and_nobody_is_alone(self) -> None:
        rng = np.random.default_rng(7)
        for n, size in [(11, 5), (7, 2), (9, 4), (2, 5), (13, 3)]:
            people = [mentee(100 + k, f"m{k}", f"Goal number {k}.") for k in range(n)]
            leads = [mentor(200 + k, f"l{k}", f"Offer {k}.", capacity=2) for k in range(n)]
            need = rng.normal(size=(n, 16)).astype(np.float32)
            offer = rng.normal(size=(n, 16)).astype(np.float32)
            plan = form_circles(
                people,
                leads,
                need_vectors=need / np.linalg.norm(need, axis=1, keepdims=True),
                offer_vectors=offer / np.linalg.norm(offer, axis=1, keepdims=True),
                capacities=[2] * n,
                settings=MatchingSettings(circle_size=size),
                program_kind="circle",
                week_of=WEEK,
            )
            sizes = sorted(len(c.members) for c in plan.circles)
            assert sum(sizes) == n and plan.unplaced == ()
            assert min(sizes) >= 2
            assert max(sizes) <= max(size, 3)  # size 2 with an odd count: one circle of three
            assert max(sizes) - min(sizes) <= 1

    def test_who_is_left_out_is_told_why(self, encoder: Encoder) -> None:
        mentees = [*LEADERSHIP, *DATA, *SPEAKING]
        mentors = [YASMIN, DANA]
        plan = form_circles(
            mentees, mentors, **cohort(encoder, mentees, mentors, MatchingSettings(circle_size=3))
        )
        assert len(plan.circles) == 2
        assert len(plan.unplaced) == 3
        assert all("Mentors can lead 2 circles of up to 3" in why for _, why in plan.unplaced)

        alone = form_circles([LEADERSHIP[0]], mentors, **cohort(encoder, [LEADERSHIP[0]], mentors))
        assert alone.circles == ()
        assert "at least two mentees" in alone.unplaced[0][1]


NEAR_TWIN = mentor(
    16,
    "yuri",
    "I coached many engineers during their first year as managers: building trust, handing "
    "off work and holding one-to-ones.",
)
PAT = mentor(17, "pat", "I guided new team leads through delegation, feedback and 1:1s.")


class TestSpeedShortlists:
    def test_near_duplicates_do_not_share_a_list(self, encoder: Encoder) -> None:
        mentors = [YASMIN, NEAR_TWIN, PAT, XAVIER, ZOE]
        ana = [LEADERSHIP[0]]
        lists = speed_shortlists(
            ana, mentors, **cohort(encoder, ana, mentors, MatchingSettings(shortlist_size=2))
        )
        chosen = {mentors[j].external_id for j in lists[0]}
        assert len(chosen) == 2
        assert "pat" in chosen
        assert chosen & {"yasmin", "yuri"}

    def test_load_is_spread_and_rules_hold(self, encoder: Encoder) -> None:
        crowd = [replace(LEADERSHIP[k % 3], key=300 + k, external_id=f"lead-{k}") for k in range(8)]
        crowd[0] = replace(crowd[0], manager_id="yasmin")
        mentors = [YASMIN, NEAR_TWIN, PAT, DANA, ZOE, XAVIER]
        lists = speed_shortlists(
            crowd, mentors, **cohort(encoder, crowd, mentors, MatchingSettings(shortlist_size=3))
        )
        cap = math.ceil(8 * 3 / 6) + 1
        load = Counter(j for chosen in lists.values() for j in chosen)
        assert max(load.values()) <= cap
        assert all(len(chosen) == len(set(chosen)) == 3 for chosen in lists.values())
        assert 0 not in lists[0]  # Yasmin manages the first mentee

    def test_mentors_without_places_are_left_off(self, encoder: Encoder) -> None:
        mentors = [YASMIN, PAT, ZOE]
        ana = [LEADERSHIP[0]]
        lists = speed_shortlists(
            ana,
            mentors,
            **cohort(
                encoder, ana, mentors, MatchingSettings(shortlist_size=2), capacities=[0, 1, 1]
            ),
        )
        assert sorted(lists[0]) == [1, 2]


def is_stable(pairs, mentee_ranks, mentor_ranks, capacities) -> bool:
    partner = {i: j for i, j in pairs}
    held = {j: [i for i, k in pairs if k == j] for j in range(len(capacities))}
    for i, order in mentee_ranks.items():
        for j in order:
            if j == partner.get(i):
                break  # the rest are worse than what i has
            if i not in mentor_ranks.get(j, []):
                continue
            rank = mentor_ranks[j].index
            if len(held[j]) < capacities[j] or any(rank(i) < rank(o) for o in held[j]):
                return False
    return True


def all_stable(mentee_ranks, mentor_ranks, capacities):
    mentees = sorted(mentee_ranks)
    options = [
        [None, *[j for j in mentee_ranks[i] if i in mentor_ranks.get(j, [])]] for i in mentees
    ]
    for choice in itertools.product(*options):
        pairs = [(i, j) for i, j in zip(mentees, choice, strict=True) if j is not None]
        load = Counter(j for _, j in pairs)
        if all(load[j] <= capacities[j] for j in load) and is_stable(
            pairs, mentee_ranks, mentor_ranks, capacities
        ):
            yield dict(pairs)


@st.composite
def speed_rounds(draw):
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    ranking = st.lists(st.integers(0, m - 1), unique=True, max_size=m)
    mentee_ranks = {i: draw(ranking) for i in range(n)}
    mentor_ranks = {
        j: draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n)) for j in range(m)
    }
    capacities = draw(st.lists(st.integers(0, 2), min_size=m, max_size=m))
    return mentee_ranks, mentor_ranks, capacities


class TestAssignFromPreferences:
    @settings(max_examples=300, deadline=None)
    @given(speed_rounds())
    def test_stable_mentee_optimal_and_within_capacity(self, instance) -> None:
        mentee_ranks, mentor_ranks, capacities = instance
        pairs = assign_from_preferences(mentee_ranks, mentor_ranks, capacities)
        load = Counter(j for _, j in pairs)
        assert all(load[j] <= capacities[j] for j in load)
        assert len({i for i, _ in pairs}) == len(pairs)
        assert all(j in mentee_ranks[i] and i in mentor_ranks[j] for i, j in pairs)
        assert is_stable(pairs, mentee_ranks, mentor_ranks, capacities)
        ours = dict(pairs)
        for other in all_stable(mentee_ranks, mentor_ranks, capacities):
            for i, order in mentee_ranks.items():
                worth = {j: r for r, j in enumerate(order)}
                if i in other:
                    assert i in ours and worth[ours[i]] <= worth[other[i]]

    def test_mentees_get_their_choice_when_it_is_stable(self) -> None:
        # Both mentors prefer mentee 1, but each mentee is someone's first choice.
        mentee_ranks = {0: [0, 1], 1: [1, 0]}
        mentor_ranks = {0: [1, 0], 1: [0, 1]}
        assert assign_from_preferences(mentee_ranks, mentor_ranks, [1, 1]) == [(0, 0), (1, 1)]

    def test_unranked_pairs_are_never_assigned(self) -> None:
        mentee_ranks = {0: [0], 1: [0, 1]}
        mentor_ranks = {0: [1], 1: []}  # mentor 0 did not rank mentee 0; mentor 1 ranked nobody
        assert assign_from_preferences(mentee_ranks, mentor_ranks, [2, 2]) == [(1, 0)]


BOARD_MENTEE = mentee(
    20,
    "rosa",
    "I want to get better at presenting to executives. I need to learn how to read a budget "
    "and a P&L. I also struggle to delegate work to my new team.",
)


class TestAdvisoryBoards:
    def test_needs_are_split_into_clauses_and_skills(self) -> None:
        person = replace(
            BOARD_MENTEE,
            challenges="I freeze. Writing clear documents takes me forever, and I procrastinate "
            "on hard emails.",
            skills=("SQL", "negotiation"),
        )
        assert split_needs(person) == [
            "I want to get better at presenting to executives",
            "I need to learn how to read a budget and a P&L",
            "I also struggle to delegate work to my new team, I freeze",
            "Writing clear documents takes me forever",
            "I procrastinate on hard emails",
            "SQL",
            "negotiation",
        ]

    def test_each_seat_covers_a_different_need_with_the_right_mentor(
        self, encoder: Encoder
    ) -> None:
        mentors = [YASMIN, XAVIER, DANA, ZOE]
        boards = advisory_boards(
            [BOARD_MENTEE],
            mentors,
            **cohort(encoder, [BOARD_MENTEE], mentors),
            encode=encoder.encode,
        )
        seats = {seat.need: seat.mentor.external_id for seat in boards[0].seats}
        assert seats == {
            "I want to get better at presenting to executives": "zoe",
            "I need to learn how to read a budget and a P&L": "xavier",
            "I also struggle to delegate work to my new team": "yasmin",
        }
        zoe = next(s for s in boards[0].seats if s.mentor.external_id == "zoe")
        assert zoe.reason.startswith(
            'For "I want to get better at presenting to executives": Zoe — "I help people build'
        )
        assert boards[0].notes == ()

    def test_capacity_rules_and_fair_turns(self, encoder: Encoder) -> None:
        twin = replace(BOARD_MENTEE, key=21, external_id="sam", name="Sam", manager_id="zara")
        zara = replace(ZOE, key=18, external_id="zara", name="Zara")
        mentors = [
            YASMIN,
            XAVIER,
            ZOE,
            zara,
            replace(PAT, key=19),
            mentor(
                22, "felix", "I was a finance director and teach budgeting to non-finance staff."
            ),
            mentor(23, "ines", "I coach shy speakers to pitch ideas to the board with poise."),
        ]
        mentees = [BOARD_MENTEE, twin]
        boards = advisory_boards(
            mentees, mentors, **cohort(encoder, mentees, mentors), encode=encoder.encode
        )
        load = Counter(seat.mentor.external_id for b in boards for seat in b.seats)
        assert all(count <= 1 for count in load.values())
        for board in boards:
            assert len(board.seats) == 3
            assert len({s.need for s in board.seats}) == 3
            assert len({s.mentor.external_id for s in board.seats}) == 3
        sams = {s.mentor.external_id for s in boards[1].seats}
        assert "zara" not in sams  # Zara is Sam's manager

    def test_fewer_needs_fewer_seats(self, encoder: Encoder) -> None:
        one = [LEADERSHIP[0]]
        mentors = [YASMIN, XAVIER, ZOE]
        boards = advisory_boards(
            one, mentors, **cohort(encoder, one, mentors), encode=encoder.encode
        )
        assert [s.mentor.external_id for s in boards[0].seats] == ["yasmin"]
        assert "wrote 1 need" in boards[0].notes[0]

    def test_no_places_left_is_explained(self, encoder: Encoder) -> None:
        mentors = [YASMIN, XAVIER, ZOE]
        boards = advisory_boards(
            [BOARD_MENTEE],
            mentors,
            **cohort(encoder, [BOARD_MENTEE], mentors, capacities=[0, 0, 0]),
            encode=encoder.encode,
        )
        assert boards[0].seats == ()
        assert boards[0].notes == (
            'No seat for "I want to get better at presenting to executives"; "I need to learn '
            'how to read a budget and a P&L"; "I also struggle to delegate work to my new team": '
            "No mentor has capacity left in this program.",
        )


class TestMentorsOfTheMoment:
    def people(self) -> list[Profile]:
        asker = mentee(30, "kim", "I want to grow.", manager_id="mara")
        mara = mentor(31, "mara", XAVIER.expertise, manager_id="ned")  # Kim's manager
        ned = mentor(32, "ned", XAVIER.expertise)  # Kim's skip-level manager
        report = mentor(33, "ria", XAVIER.expertise, manager_id="kim")  # reports to Kim
        avoided = mentor(34, "vic", XAVIER.expertise)
        avoider = mentor(35, "wes", XAVIER.expertise, avoid=("kim",))
        asker = replace(asker, avoid=("vic",))
        return [asker, mara, ned, report, avoided, avoider, YASMIN, ZOE, DANA, XAVIER]

    def ask(self, encoder: Encoder, question: str, people, **options):
        return mentors_of_the_moment(
            question,
            encoder.encode_one(question),
            people,
            encoder.encode([p.offer_text() for p in people]),
            **options,
        )

    def test_the_expert_first_and_the_excluded_never(self, encoder: Encoder) -> None:
        people = self.people()
        found = self.ask(
            encoder,
            "How should I plan next year's spending and make the case for a new hire?",
            people,
            asker=people[0],
        )
        ids = [r.person.external_id for r in found]
        assert ids[0] == "xavier"
        assert not set(ids) & {"kim", "mara", "ned", "ria", "vic", "wes"}
        assert found[0].reasons[0].startswith('Xavier offers: "I spent ten years')

    def test_meaning_not_words(self, encoder: Encoder) -> None:
        people = self.people()
        found = self.ask(
            encoder,
            "My hands shake before I speak at the all-hands. Any tips?",
            people,
            asker=people[0],
        )
        assert found[0].person.external_id == "zoe"
        assert all(r.components["cosine"] >= 0.2 for r in found)

    def test_availability_breaks_a_tie(self, encoder: Encoder) -> None:
        busy = XAVIER
        free = replace(XAVIER, key=40, external_id="xena", name="Xena")
        found = self.ask(
            encoder,
            "How do I forecast my department's budget?",
            [busy, free],
            asker=None,
            available_now=lambda p: p.external_id == "xena",
        )
        assert [r.person.external_id for r in found] == ["xena", "xavier"]
        assert "Has time in the next 24 hours" in found[0].reasons
