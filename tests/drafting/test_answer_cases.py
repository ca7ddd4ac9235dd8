"""Cited answers on both sides of the threshold, with the real encoder and the built-in
corpus: questions put the way people talk (pronouns, feelings) are answered from the
guide that covers them and cite it, and questions the guides do not cover are declined
plainly, whatever their wording.

The cases were written for these tests; none comes from a scenario set.
"""

from __future__ import annotations

import pytest

from bench.draft_quality import Corpus
from companion.drafting import kinds
from companion.drafting.kinds import cited_answer
from embeddings import Encoder
from prompts.schemas import CitedAnswer, DraftKind


@pytest.fixture(scope="module")
def corpus(encoder: Encoder) -> Corpus:
    return Corpus(encoder)


def answer(corpus: Corpus, question: str) -> CitedAnswer:
    data = cited_answer.for_question(question, corpus.guidance(question), corpus.encoder)
    return kinds.draft(DraftKind.answer, data)


def source_of(text: str) -> str:
    """The guide the answer names as its source (not a 'See also')."""
    cited = text.split("Source: ", 1)[1]
    return cited.split(". See also")[0]


ANSWERED = [
    pytest.param(
        "Our mentoring year is ending soon. How do we close it properly rather than just "
        "stop meeting?",
        "'Ending a mentoring relationship well'",
        id="closing-the-relationship",
    ),
    pytest.param(
        "My mentee was just promoted over the people she used to sit with. How can I help "
        "her lead them?",
        "'Mentoring someone who has just become a manager'",
        id="managing-former-peers",
    ),
    pytest.param(
        "We only ever meet on video and the calls feel stiff. How do we build trust remotely?",
        "'Building rapport and trust when you rarely or never meet in person'",
        id="trust-on-video",
    ),
    pytest.param(
        "I have to tell my mentee something he won't like hearing about how he comes across. "
        "How do I say it kindly?",
        "'Giving feedback a mentee can use'",
        id="a-hard-message",
    ),
    pytest.param(
        "My mentee is going through a rough patch at home and our sessions are turning into "
        "therapy. What is my role?",
        "'Emotional support and where it ends'",
        id="sessions-turning-into-therapy",
    ),
    # Under the threshold on the passage alone (0.37); the questions listed for the
    # section on a mentee who becomes upset agree, and it answers.
    pytest.param(
        "My mentee cried in our session yesterday. What should I have done?",
        "'Emotional support and where it ends', section 'How to respond when a mentee "
        "becomes upset'",
        id="a-mentee-who-cried",
    ),
]


@pytest.mark.parametrize(("question", "guide"), ANSWERED)
def test_a_covered_question_is_answered_from_its_guide(
    corpus: Corpus, question: str, guide: str
) -> None:
    drafted = answer(corpus, question)

    assert not drafted.insufficient
    assert source_of(drafted.answer).startswith(guide), drafted.answer
    # Every claim is a sentence of a retrieved passage, and cites it.
    assert drafted.claims and all(c.citations for c in drafted.claims)
    assert not drafted.answer.startswith("Source")


def test_the_answer_leads_with_what_to_do(corpus: Corpus) -> None:
    question = "Our mentoring calls over video feel flat and awkward. What can we change?"
    drafted = answer(corpus, question)

    assert cited_answer.gives_advice(drafted.claims[0].text), drafted.answer


DECLINED = [
    pytest.param("What's the best pizza near the office?", id="pizza"),
    pytest.param("How do I file my expenses?", id="expenses"),
    pytest.param("my laptop won't connect to the VPN", id="vpn"),
    # Put the way a mentoring question is put, and still not one.
    pytest.param("She keeps parking in my spot at the office. What do I do?", id="parking"),
]


@pytest.mark.parametrize("question", DECLINED)
def test_a_question_the_guides_do_not_cover_is_declined(corpus: Corpus, question: str) -> None:
    data = cited_answer.for_question(question, corpus.guidance(question), corpus.encoder)
    assert data.guidance  # passages were retrieved; none is close enough to answer
    assert max(f.passage for f in data.fit) < cited_answer.RELEVANCE_THRESHOLD

    drafted = kinds.draft(DraftKind.answer, data)

    assert drafted.insufficient and drafted.claims == []
    assert drafted.answer.startswith("The knowledge base has nothing that answers this question")
    assert "Source:" not in drafted.answer
