"""Automatic checks of the offline drafts on the tuning half of the scenario set.

The scenarios (tests/drafting/data/scenarios_tuning.jsonl) were written by someone
who never read the drafters. The held-out half is not used here: its figures are
printed by bench/draft_quality.py and reported in docs/llm.md, never tuned on.
"""

from __future__ import annotations

import pytest

from bench.draft_quality import (
    FIRST_SENTENCE_THRESHOLD,
    HALVES,
    KINDS_CHECKED,
    Corpus,
    Verdict,
    broken_phrases,
    load,
    longest_shared_run,
    run,
)
from companion.drafting import kinds
from companion.drafting.kinds import cited_answer
from embeddings import Encoder
from prompts.schemas import DraftKind

# Checks a drafter does not pass yet: each is reported, not hidden, and shows as XPASS
# once fixed. Empty: every kind passes every check on the tuning half.
NOT_YET: dict[tuple[DraftKind, str], str] = {}
# A check that applies to one kind only: a nudge must be about its own pair.
ONLY_FOR = {"own_focus": DraftKind.nudge}


@pytest.fixture(scope="module")
def corpus(encoder: Encoder) -> Corpus:
    return Corpus(encoder)


@pytest.fixture(scope="module")
def verdicts(corpus: Corpus) -> list[Verdict]:
    return run(load(HALVES["tuning"]), corpus)


def failures(verdicts: list[Verdict], kind: DraftKind, check: str) -> list[str]:
    return [
        f"{v.scenario}: {v.failures[check]}"
        for v in verdicts
        if v.kind == kind and check in v.failures
    ]


CASES = [
    pytest.param(
        kind,
        check,
        marks=[pytest.mark.xfail(reason=NOT_YET[kind, check])] if (kind, check) in NOT_YET else [],
        id=f"{kind.value}-{check}",
    )
    for kind in KINDS_CHECKED
    for check in ("verbatim", "broken", "off_focus", "own_focus", "error")
    if ONLY_FOR.get(check, kind) == kind
]


@pytest.mark.parametrize(("kind", "check"), CASES)
def test_every_draft_passes(verdicts: list[Verdict], kind: DraftKind, check: str) -> None:
    assert not failures(verdicts, kind, check)


def test_every_kind_is_drafted_for_every_scenario(verdicts: list[Verdict]) -> None:
    scenarios = {v.scenario for v in verdicts}
    assert len(scenarios) == 16
    assert {(v.scenario, v.kind) for v in verdicts} == {
        (s, k) for s in scenarios for k in KINDS_CHECKED
    }


class TestAnswers:
    def test_every_tuning_question_is_answered(self, verdicts: list[Verdict]) -> None:
        answers = [v for v in verdicts if v.kind == DraftKind.answer]
        assert all(v.figures["answered"] for v in answers)

    def test_the_first_sentence_addresses_the_question(self, verdicts: list[Verdict]) -> None:
        answers = [v for v in verdicts if v.kind == DraftKind.answer]
        addressed = [v for v in answers if v.figures.get("first_addresses")]
        # Measured 14 of 16 on the tuning half (docs/llm.md, "Measured quality"; 11
        # before the closest sentence of eight words or more led): in the two misses even
        # the best passage's closest sentence is under 0.40 to the question.
        assert len(addressed) >= 14, failures(verdicts, DraftKind.answer, "first_sentence")
        assert all(v.figures["first_sentence"] >= FIRST_SENTENCE_THRESHOLD for v in addressed)

    def test_an_answer_quotes_one_passage_then_cites_it(self, verdicts: list[Verdict]) -> None:
        for verdict in (v for v in verdicts if v.kind == DraftKind.answer):
            paragraphs = verdict.text.split("\n\n")
            # The passage (a short one whole, in its paragraphs), then one citation.
            cited = [p for p in paragraphs if p.startswith("Source: '")]
            assert len(cited) == 1 and paragraphs.index(cited[0]) > 0, verdict.scenario
            body = paragraphs[0]
            assert not body.startswith(("From the knowledge base", "Source")), verdict.scenario

    def test_a_mentee_who_keeps_cancelling_is_answered_from_the_guide_on_it(
        self, corpus: Corpus
    ) -> None:
        question = "What should I do about a mentee who keeps cancelling our sessions?"
        data = cited_answer.for_question(question, corpus.guidance(question), corpus.encoder)

        answer = kinds.draft(DraftKind.answer, data)

        assert not answer.insufficient
        source = answer.answer.split("Source:")[1]
        assert "'Repeated cancellations and missed commitments by a mentee'" in source
        assert "busy leaders" not in answer.answer.split("See also")[0]

    def test_a_question_the_corpus_does_not_cover_is_declined(self, corpus: Corpus) -> None:
        question = "Which meeting room on the third floor has a working projector?"
        data = cited_answer.for_question(question, corpus.guidance(question), corpus.encoder)
        assert data.guidance  # something was retrieved; none of it is close enough

        answer = kinds.draft(DraftKind.answer, data)

        assert answer.insufficient and answer.claims == []
        # A question for the building's staff: the answer says who to ask
        # (knowledge/elsewhere.yaml).
        assert "a question about buildings, rooms and facilities" in answer.answer

    def test_a_question_in_another_language_is_not_answered_confidently(
        self, corpus: Corpus
    ) -> None:
        question = "¿Cómo puedo preparar mejor la primera reunión con mi mentora?"
        data = cited_answer.for_question(question, corpus.guidance(question), corpus.encoder)

        answer = kinds.draft(DraftKind.answer, data)

        assert data.language == "es" and data.fit == []
        assert answer.insufficient and answer.claims == []
        assert answer.answer.startswith("This text looks Spanish.")


class TestChecks:
    """The checks themselves catch what they are for."""

    def test_a_pasted_aspiration_is_found(self) -> None:
        aspiration = "honestly I want people outside my team to take me seriously in design"
        draft = f"By 23 April 2027, I will work towards {aspiration}."

        assert len(longest_shared_run(draft, aspiration)) == 13
        assert len(longest_shared_run("I will speak in two design forums.", aspiration)) <= 2

    @pytest.mark.parametrize(
        ("text", "found"),
        [
            ("I will become a tech lead in a year or so by leading in a year or so.", "repeated"),
            ("Lead the review by in March.", "dangling"),
            ("Read the the guide.", "doubled"),
            ("Read the guide on desi… before Friday.", "cut off"),
        ],
    )
    def test_broken_phrases_are_found(self, text: str, found: str) -> None:
        assert any(found in p for p in broken_phrases(text, {"design", "guide"}))

    def test_clean_prose_passes(self) -> None:
        text = "Agree one next date before the call ends. Keep it short and specific."
        assert broken_phrases(text, {"agree"}) == []
        assert broken_phrases("Meet for at least 30 minutes, with at most one topic.", set()) == []

    @pytest.mark.parametrize(
        "text",
        [
            "Plan a check-in of about an hour.",
            "Book a call for about 20 minutes.",
            "Start at about 9:30 with one question.",
            "Leave a gap of about half a day.",
        ],
    )
    def test_about_before_an_amount_is_whole(self, text: str) -> None:
        assert broken_phrases(text, set()) == []

    @pytest.mark.parametrize(
        "text",
        ["Write a summary of about.", "Ask for a note of about the rota.", "Meet by about."],
    )
    def test_about_before_no_amount_still_dangles(self, text: str) -> None:
        assert any("dangling" in p for p in broken_phrases(text, set()))


@pytest.mark.parametrize(
    "question",
    [
        "A mentee told me she has been thinking about ending her life. What should I do?",
        "my mentee has been cutting herself and asked me not to tell anyone, what now",
        "One of my mentees mentioned self-harm last week. Am I supposed to report it?",
    ],
)
def test_a_disclosure_of_self_harm_is_answered_with_what_to_do_now(
    corpus: Corpus, question: str
) -> None:
    data = cited_answer.for_question(question, corpus.for_answer(question), corpus.encoder)

    answer = kinds.draft(DraftKind.answer, data)

    # Outside readers, twice: a self-harm disclosure got "Explain this early in the
    # relationship, not in the middle of a disclosure", the limits of confidentiality,
    # and nothing on what to do now.
    assert not answer.insufficient
    body = answer.answer.split("Source:")[0].lower()
    assert "emergency" in body, answer.answer
    assert "not in the middle of a disclosure" not in body, answer.answer


def test_a_volunteer_told_of_self_harm_is_answered_with_what_to_do_now(corpus: Corpus) -> None:
    question = (
        "Mentee hinted she might hurt herself. I'm just a volunteer mentor. What is my "
        "responsibility?"
    )
    data = cited_answer.for_question(question, corpus.for_answer(question), corpus.encoder)

    answer = kinds.draft(DraftKind.answer, data)

    # It was answered from "Why the mentee drives the mentoring relationship".
    assert "self-harm or thoughts of suicide" in answer.answer.split("Source:")[1], answer.answer
