"""A nudge quotes what the mentee wants as a whole clause of theirs, or not at all, and
names the program by a short form of its name, or not at all."""

from __future__ import annotations

from datetime import date

import pytest

from companion.drafting import kinds
from companion.drafting.kinds.stalled_nudge import wish_of
from companion.drafting.text import short_program_name
from prompts.schemas import DraftKind, Nudge, Person, RelationshipInput

TODAY = date(2026, 12, 5)
MENTOR = Person(name="Olu Adeyemi", role="mentor", title="clinical lead physiotherapist")


def nudge(wants: str, program: str = "Allied Health Mentoring") -> Nudge:
    mentee = Person(
        name="Sinead Walsh",
        role="mentee",
        title="physiotherapist",
        profile={"goals": wants, "challenges": "Told her mentor she may go part-time."},
    )
    data = RelationshipInput.model_validate(
        {
            "program_name": program,
            "today": TODAY,
            "mentor": MENTOR,
            "mentee": mentee,
            "stalled_reasons": [{"code": "quiet", "days": 40}],
            "days_quiet": 40,
        }
    )
    return kinds.draft(DraftKind.nudge, data)


class TestWhatTheMenteeWants:
    def test_a_pair_of_nouns_is_quoted_whole(self) -> None:
        sent = nudge(
            "I want to feel calmer running the evening clinic, and get my prescribing and "
            "triage modules signed off before the autumn."
        )

        assert '"get my prescribing and triage modules signed off"' in sent.message
        assert '"get my prescribing"' not in sent.message + sent.subject

    @pytest.mark.parametrize(
        "wants",
        [
            # A clause longer than a quote, cut mid-phrase wherever it is cut.
            "I want to understand how our community patients actually manage the home "
            "exercise sheets we send",
            # Only a feeling: nothing to pick up as a step.
            "to feel less lost on the wards",
            # Not English: the drafter cannot tell a clause from a fragment.
            "quero ser fisioterapeuta sénior e liderar a equipa de reabilitação",
        ],
    )
    def test_no_whole_clause_means_no_quote(self, wants: str) -> None:
        sent = nudge(wants)

        assert wish_of(wants, TODAY) == ""
        assert '"' not in sent.message and '"' not in sent.subject
        # No pronoun for someone whose pronouns the program does not know.
        assert "the hopes for mentoring that Sinead wrote down" in sent.message
        assert " they hope" not in sent.message

    def test_the_quote_is_never_more_than_eight_of_their_words(self) -> None:
        wants = "I want to run the whole of the weekend respiratory on-call rota on my own"

        assert len(wish_of(wants, TODAY).split()) <= 8


class TestTheProgramsName:
    @pytest.mark.parametrize(
        ("name", "short"),
        [
            ("Allied Health Pathways: mentoring for physiotherapists in their first year",
             "Allied Health Pathways"),
            ("The Care Network - supporting new deputy managers", "Care Network"),
            ("Engineering Mentoring 2026", "Engineering Mentoring 2026"),
            ("Leadership (pilot cohort)", "Leadership"),
            ("A very long programme name that has no natural break at all in it", ""),
            # A one-word label before the name ("Demo", "Pilot") is not the name: the demo
            # once wrote "things you would like to get from Demo".
            ("Demo: Engineering Growth Mentoring", "Engineering Growth Mentoring"),
            ("Pilot - Nurse Preceptorship", "Nurse Preceptorship"),
            ("Nursing: mentoring for newly qualified nurses", "Nursing"),
        ],
    )  # fmt: skip
    def test_a_short_form_or_none(self, name: str, short: str) -> None:
        assert short_program_name(name) == short

    def test_the_nudge_names_a_long_program_by_its_short_form(self) -> None:
        sent = nudge(
            "get my prescribing modules signed off",
            program="Allied Health Pathways: mentoring for physiotherapists in their first year",
        )

        assert "from the Allied Health Pathways team to see" in sent.message
        assert sent.message.endswith("The Allied Health Pathways team")
        assert "first year team" not in sent.message

    def test_a_name_with_no_short_form_is_left_out(self) -> None:
        sent = nudge(
            "get my prescribing modules signed off",
            program="A very long programme name that has no natural break at all in it",
        )

        assert "from the program team to see" in sent.message
        assert "natural break" not in sent.message


class TestAShortAim:
    @pytest.mark.parametrize(
        ("wants", "quote"),
        [
            ("Move into the respiratory team within two years.", "Move into the respiratory team"),
            ("I want to lead the falls clinic and eventually run it", "lead the falls clinic"),
        ],
    )
    def test_a_short_aim_is_quoted_whole_without_its_time(self, wants: str, quote: str) -> None:
        assert wish_of(wants, TODAY) == quote

    @pytest.mark.parametrize(
        "wants", ["started on the ward in March, fully rotating", "I'm new here and quite lost"]
    )
    def test_how_things_are_is_no_aim(self, wants: str) -> None:
        assert wish_of(wants, TODAY) == ""


class TestALongerAim:
    def test_the_first_whole_clause_to_do_is_quoted(self) -> None:
        wants = "hit every audit deadline this quarter and move to the outreach team"

        assert wish_of(wants, TODAY) == "hit every audit deadline this quarter"

    def test_a_clause_cut_before_its_particle_is_not_quoted(self) -> None:
        wants = "get a research proposal in for the autumn round and eventually run my own clinic"

        assert wish_of(wants, TODAY) == "run my own clinic"


def test_a_pair_that_never_met_is_asked_about_their_first_meeting() -> None:
    mentee = Person(
        name="Sinead Walsh",
        role="mentee",
        title="physiotherapist",
        profile={"goals": "Move into the respiratory team within two years."},
    )
    data = RelationshipInput.model_validate(
        {
            "program_name": "Allied Health Mentoring",
            "today": TODAY,
            "mentor": MENTOR,
            "mentee": mentee,
            "stalled_reasons": [{"code": "not_started", "days": 30}],
        }
    )

    sent = kinds.draft(DraftKind.nudge, data)

    assert "When you first meet, Sinead's hope for mentoring" in sent.message
    assert "next meet" not in sent.message


@pytest.mark.parametrize("kind", [DraftKind.agenda, DraftKind.brief, DraftKind.feedback_prompts])
def test_every_pair_draft_names_a_long_program_by_its_short_form(kind: DraftKind) -> None:
    mentee = Person(
        name="Sinead Walsh",
        role="mentee",
        title="physiotherapist",
        profile={"goals": "run my own musculoskeletal clinic list by the summer"},
    )
    long_name = "Allied Health Pathways: mentoring for physiotherapists in their first year"
    data = RelationshipInput.model_validate(
        {"program_name": long_name, "today": TODAY, "mentor": MENTOR, "mentee": mentee}
    )

    sent = kinds.draft(kind, data).model_dump_json()

    assert "Allied Health Pathways" in sent
    assert "mentoring for physiotherapists in their first year" not in sent


class TestAPairThatIsNotStalled:
    """A coordinator may write to any pair, but a note to a pair that met recently and has
    its next session booked never tells them they have stopped meeting."""

    def _nudge(self, *, next_session: date | None) -> Nudge:
        data = RelationshipInput.model_validate(
            {
                "program_name": "Allied Health Mentoring",
                "today": TODAY,
                "mentor": MENTOR,
                "mentee": Person(name="Sinead Walsh", role="mentee", title="physiotherapist"),
                "last_session": {"date": date(2026, 11, 24), "shared_notes": ""},
                "stalled_reasons": [],
                "days_quiet": 11,
                "next_session_on": next_session,
            }
        )
        return kinds.draft(DraftKind.nudge, data)

    def test_no_claim_that_they_stopped_meeting(self) -> None:
        sent = self._nudge(next_session=date(2026, 12, 11))
        text = f"{sent.subject}\n{sent.message}\n{sent.suggested_next_step}"

        assert "a while since you last met" not in text
        assert "get going again" not in text
        assert "put the next session in the diary" not in text
        assert "11 December" in sent.message, sent.message

    def test_nothing_booked_asks_about_the_next_session_without_saying_they_stopped(
        self,
    ) -> None:
        sent = self._nudge(next_session=None)

        assert "a while since you last met" not in sent.message
        assert "next session" in sent.message


class TestFromOneThingToAnother:
    def test_from_one_thing_to_another_is_never_cut_at_to(self) -> None:
        wants = (
            "I want to move from writing code every day to leading a small team, and find "
            "out whether I would enjoy it before I commit."
        )

        # Not "move from writing code every day": that says the opposite of the wish.
        assert wish_of(wants, TODAY) != "move from writing code every day"
        assert '"move from writing code every day"' not in nudge(wants).message


def test_a_first_session_already_booked_is_not_asked_to_be_booked() -> None:
    data = RelationshipInput.model_validate(
        {
            "program_name": "Allied Health Mentoring",
            "today": TODAY,
            "mentor": MENTOR,
            "mentee": Person(name="Sinead Walsh", role="mentee", title="physiotherapist"),
            "stalled_reasons": [{"code": "not_started", "days": 30}],
            "days_quiet": 30,
            "next_session_on": date(2026, 12, 11),
        }
    )

    sent = kinds.draft(DraftKind.nudge, data)

    assert "booked" not in sent.subject or "11 December" in sent.subject, sent.subject
    assert "getting your first session booked" not in sent.subject
    assert "11 December 2026" in sent.message


def test_a_pair_whose_goal_is_achieved_is_asked_what_comes_next() -> None:
    # Once "agree one first step towards what Lena wants from mentoring" after her goal
    # was achieved.
    data = RelationshipInput.model_validate(
        {
            "program_name": "Engineering Growth",
            "today": TODAY,
            "mentor": MENTOR,
            "mentee": Person(name="Lena Fischer", role="mentee", profile={"goals": "lead"}),
            "achieved_goals": ["Decide whether to move into engineering management"],
            "next_session_on": date(2026, 12, 18),
        }
    )

    sent = kinds.draft(DraftKind.nudge, data)

    assert "Congratulations on 'Decide whether to move into engineering management'" in (
        sent.message
    )
    assert sent.suggested_next_step == (
        "At your session on 18 December 2026, decide what comes next after 'Decide whether to "
        "move into engineering management'."
    )
    assert "first step" not in sent.message + sent.suggested_next_step
