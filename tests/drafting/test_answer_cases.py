"""Cited answers on both sides of the threshold, with the real encoder and the built-in
corpus: questions put the way people talk (pronouns, feelings) are answered from the
guide that covers them and cite it, questions the guides do not cover are declined
plainly, whatever their wording, and questions only the organisation can answer
(expenses, IT access, leave) say who to ask.

The cases were written for these tests; none comes from a scenario set.
"""

from __future__ import annotations

import re

import pytest

from bench.draft_quality import Corpus
from companion.drafting import kinds
from companion.drafting.kinds import cited_answer
from embeddings import Encoder
from knowledge.asked import asked_questions
from knowledge.elsewhere import areas
from prompts.schemas import CitedAnswer, DraftKind


@pytest.fixture(scope="module")
def corpus(encoder: Encoder) -> Corpus:
    return Corpus(encoder)


def answer(corpus: Corpus, question: str) -> CitedAnswer:
    data = cited_answer.for_question(question, corpus.for_answer(question), corpus.encoder)
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
    # Worded like questions for HR or finance, and answered by a guide all the same.
    pytest.param(
        "People keep leaving because they are paid less than the market. Will a mentoring "
        "programme fix that?",
        "'When mentoring is not the answer'",
        id="pay-is-not-a-mentoring-problem",
    ),
    pytest.param(
        "How much time a month should mentors be given for mentoring, and who should agree to it?",
        "'Designing a mentoring program and setting its goals'",
        id="time-for-mentoring",
    ),
    pytest.param(
        "My mentee told me in confidence that her manager is bullying her. Should I report "
        "it to HR?",
        "'Confidentiality, boundaries and conflicts of interest'",
        id="a-disclosure-to-report",
    ),
    pytest.param(
        "My mentor has called off our last three sessions. Should I say something?",
        "'Getting the most out of mentoring as a mentee: preparing, asking and following "
        "through', section 'When your mentor keeps cancelling'",
        id="a-mentor-who-cancels",
    ),
    # Sections written after an outside reader's questions found the guides silent.
    pytest.param(
        "My mentee is in a time zone seven hours ahead of mine. How do we make our mentoring work?",
        "'Mentoring asynchronously across time zones', section 'A pair in very different "
        "time zones'",
        id="far-apart-time-zones",
    ),
    pytest.param(
        "My mentor thinks I should go into management but I want to stay technical. How "
        "do I tell her without offending her?",
        "'Asking for and receiving feedback', section 'When your mentor's advice does not fit you'",
        id="advice-that-does-not-fit",
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
    pytest.param("How long should I boil an egg for?", id="egg"),
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
    # Not only "ask your coordinator": an egg or a dose is not the program's to answer.
    assert "For anything else" in drafted.answer


FOR_THE_ORGANISATION = [
    pytest.param("How do I file my expenses?", "expense claims", "finance team", id="expenses"),
    pytest.param("my laptop won't connect to the VPN", "IT access", "IT service desk", id="vpn"),
    pytest.param(
        "She keeps parking in my spot at the office. What do I do?",
        "buildings, rooms and facilities",
        "facilities team",
        id="parking",
    ),
    # Asked in a mentoring context: close to the guides on running a program in words,
    # and a question for the organisation all the same.
    pytest.param(
        "I take my mentee for a coffee once a month. Can I put that through as a business expense?",
        "expense claims",
        "finance team",
        id="a-mentoring-coffee-on-expenses",
    ),
    pytest.param(
        "Our mentoring platform won't let me log in since the password change. Who can fix it?",
        "IT access",
        "IT service desk",
        id="a-mentoring-platform-login",
    ),
    pytest.param(
        "How many days of holiday can I carry over into next year?",
        "leave entitlements",
        "HR team",
        id="holiday",
    ),
]


@pytest.mark.parametrize(("question", "about", "who"), FOR_THE_ORGANISATION)
def test_a_question_for_the_organisation_says_who_to_ask(
    corpus: Corpus, question: str, about: str, who: str
) -> None:
    drafted = answer(corpus, question)

    assert drafted.insufficient and drafted.claims == []
    assert drafted.answer.startswith("The mentoring guides do not answer this"), drafted.answer
    assert f"a question about {about}" in drafted.answer
    assert who in drafted.answer
    assert "Source:" not in drafted.answer


def test_no_question_a_guide_answers_is_sent_to_the_organisation(corpus: Corpus) -> None:
    # knowledge/elsewhere.yaml lists some questions in a mentoring context ("the coffee I
    # bought for my mentee"); none of them may draw away a question the guides answer.
    # One in ten of the questions listed for the guides' sections (all 314 passed when
    # the areas were written; docs/llm.md).
    sent = []
    for listed in asked_questions()[::10]:
        data = cited_answer.for_question(listed.text, corpus.guidance(listed.text), corpus.encoder)
        assert data.elsewhere is not None
        if data.elsewhere.likely:
            sent.append((listed.text, data.elsewhere.area))
    assert sent == []


def test_every_area_says_what_it_is_about_and_who_answers() -> None:
    found = areas()
    assert len({area.key for area in found}) == len(found) >= 10
    for area in found:
        assert area.about and area.ask and len(area.asked) >= 2
        # Both are said inside a sentence: "…a question about {about}… Try {ask}."
        assert not area.about.endswith(".") and not area.ask.endswith(".")


class TestAShortPassageIsAnsweredWhole:
    """Picking sentences out of a short passage dropped the one that mattered."""

    def test_confidentiality_keeps_its_exception_for_safety(self, corpus: Corpus) -> None:
        # Worded for this test; the case was seen by a reader who had not read the code.
        reply = answer(
            corpus,
            "My mentee told me something worrying about her safety and asked me not to tell "
            "anyone. Must I keep that to myself?",
        )
        assert "stay private" in reply.answer
        assert "serious risk to someone's safety" in reply.answer
        assert any("serious risk" in c.text for c in reply.claims)

    def test_a_hint_of_self_harm_is_not_kept_secret(self, corpus: Corpus) -> None:
        # The same question about self-harm is answered from the guide's section on it,
        # which says what to do now as well as what not to keep to oneself.
        reply = answer(
            corpus,
            "My mentee hinted she might harm herself and asked me not to tell anyone. "
            "Must I keep that to myself?",
        )
        body = reply.answer.split("Source:")[0]
        assert "Do not promise to keep it secret" in body, reply.answer
        assert "safeguarding lead" in body and "emergency services" in body, reply.answer

    def test_a_mentor_asking_about_their_mentee_is_not_answered_as_a_mentee(
        self, corpus: Corpus
    ) -> None:
        # Once answered from "When your mentor keeps cancelling", written for a mentee.
        reply = answer(
            corpus,
            "My mentee keeps booking sessions but cancels most of them at the last minute. "
            "Should I end the mentoring?",
        )
        assert "your mentor" not in reply.answer.split("Source:")[0], reply.answer
        assert "'Repeated cancellations and missed commitments by a mentee'" in reply.answer

    def test_a_disagreement_that_left_things_awkward_is_answered(self, corpus: Corpus) -> None:
        reply = answer(
            corpus,
            "We had a disagreement last session and now it feels awkward. "
            "How do I get things back on track?",
        )
        assert not reply.insufficient, reply.answer
        assert "after a rupture" in reply.answer, reply.answer

    def test_restarting_a_stalled_pair_names_the_choices(self, corpus: Corpus) -> None:
        reply = answer(corpus, "How do I restart a stalled pair?")
        body = reply.answer.split("Source:")[0]
        for option in ("Restart:", "Adjust:", "Rematch:", "Close:"):
            assert f"- {option}" in body


@pytest.mark.parametrize(
    "question",
    [
        "my mentee says their manager is bullying them",
        "my mentee told me something about their manager that sounds like bullying, what do I do",
        # Once answered with the signs a mentee needs help with promotion ("They feel
        # uncomfortable 'selling themselves'"): written by a reader who had not read the
        # code, who judged it the most harmful draft they saw.
        "My mentee told me they are being bullied by their manager. What do I do?",
        "I think my mentee is being harassed by a colleague, should I report it?",
        # Mistreatment named by its kind or its act, not by the words above: once
        # declined with "nothing that answers this question".
        "A colleague keeps making homophobic jokes about my mentee. How do I support him?",
        "my mentee's manager humiliates her in front of the whole team, what do I do",
        "My mentee says a customer used a racial slur at her. How should I respond?",
        # Named by neither: the act and what it is aimed at. An outside reader's question
        # of this kind was declined.
        "my mentee's lead keeps making jokes about his accent in standups and everyone laughs",
        "A colleague keeps making remarks about my mentee's religion in meetings. What now?",
        "Her manager keeps commenting on how she dresses and she dreads going in. How do I help?",
        # Once declined with the plain "nothing that answers this question": a question
        # about someone who may harm themselves is the last one to turn away.
        "My mentee told me something that suggests they might harm themselves. What do I do?",
    ],
)
def test_a_question_about_mistreatment_is_answered_not_declined(
    corpus: Corpus, question: str
) -> None:
    """Declining the question a mentor most needs answered is the worst refusal: such a
    question is searched more widely before the answer gives up."""
    data = cited_answer.for_question(question, corpus.for_answer(question), corpus.encoder)
    answered = kinds.draft(DraftKind.answer, data)

    assert not answered.insufficient, answered.answer
    assert source_of(answered.answer).split(", section")[0] in {
        "'When mentoring is not the answer'",
        "'Confidentiality, boundaries and conflicts of interest'",
        "'Emotional support and where it ends'",
    }, answered.answer


def test_a_table_row_never_answers_on_its_own(corpus: Corpus) -> None:
    # The guide on channels holds a table whose first row is "First meeting, getting to
    # know each other | In person or video": its cells were once the whole answer
    # ("Chat or email, with as much notice as possible. First meeting, …").
    drafted = answer(corpus, "what should we talk about in our first session")

    assert "Chat or email" not in drafted.answer, drafted.answer
    assert not drafted.insufficient
    assert source_of(drafted.answer).startswith(
        "'The first mentoring session and the mentoring agreement'"
    ), drafted.answer


def test_mistreatment_is_never_answered_from_a_passage_that_does_not_speak_of_it(
    corpus: Corpus,
) -> None:
    """Given only passages that share the question's other words ("manager", "mentee"),
    the answer declines rather than quote one of them."""
    question = "My mentee told me they are being bullied by their manager. What do I do?"
    found = [
        g
        for g in corpus.for_answer(question)
        if not any(w in g.text.lower() for w in ("bull", "harass", "discriminat", "abus"))
    ]
    assert found
    data = cited_answer.for_question(question, found, corpus.encoder)

    assert kinds.draft(DraftKind.answer, data).insufficient


@pytest.mark.parametrize(
    "question",
    [
        "How can our mentoring program help ethnic minority staff reach senior roles?",
        "We want racial equity in who gets matched with senior mentors. Where do we start?",
        "my mentee mocked up a portfolio site, how do I give useful feedback on it?",
    ],
)
def test_a_word_near_mistreatment_does_not_make_a_question_one(
    corpus: Corpus, question: str
) -> None:
    # "ethnic", "racial" and "mocked" were once read as mistreatment, and such a question
    # was answered only from the section on a disclosure, or declined.
    drafted = answer(corpus, question)

    assert not drafted.insufficient, drafted.answer
    assert not re.search(r"discrimination|harassment|bullying", source_of(drafted.answer), re.I), (
        drafted.answer
    )


# Questions a tenth outside reader's set showed answered from the wrong section, or not at
# all, put here in other words: each is answered from the section written for it.
FROM_ITS_SECTION = [
    pytest.param(
        "He wants me to recommend him to the people deciding on the promotion, but I have "
        "hardly seen his work. How do I turn that down kindly?",
        "When your mentee asks you to put in a word for them",
        id="asked-to-vouch",
    ),
    pytest.param(
        "Our meetings have become all about her stress at home and I'm no counsellor. "
        "How do I bring them back to mentoring?",
        "When sessions have turned into counselling",
        id="sessions-became-counselling",
    ),
    pytest.param(
        "I can hardly get a word in because my mentor tells stories for the whole hour. "
        "How do I change that politely?",
        "When your mentor does most of the talking",
        id="mentor-talks-all-the-time",
    ),
    pytest.param(
        "My mentor is twenty years younger than me and I feel daft asking him simple "
        "things. Will it work?",
        "When your mentor is much younger than you",
        id="much-younger-mentor",
    ),
    pytest.param(
        "My mentor passed on to my manager something I had told him privately. "
        "What should I do now?",
        "When a confidence has been broken",
        id="confidence-broken",
    ),
    pytest.param(
        "My mentee did what I suggested and it went badly wrong with her client. "
        "How do I handle it with her?",
        "When your advice to your mentee went wrong",
        id="advice-went-wrong",
    ),
    pytest.param(
        "Is it OK to ask my mentor if we can meet somewhere quiet and have the topics in "
        "advance? I have ADHD and busy places make it hard to focus.",
        "Sessions that work for disabled and neurodivergent people",
        id="sessions-run-differently",
    ),
    pytest.param(
        "We can't afford gifts or an awards evening. How else can the program thank the "
        "people who mentored this year?",
        "Recognising and thanking volunteer mentors on a small budget",
        id="thanking-mentors",
    ),
    pytest.param(
        "Halfway through the year a mentor told me he has to drop out. What should I do "
        "for the mentee he leaves behind?",
        "When a mentor cannot carry on: rematching their mentee",
        id="mentor-steps-away",
    ),
    pytest.param(
        "My mentor is my line manager too and writes my appraisal. How can I be open with "
        "him in our mentoring sessions?",
        ("When your mentor also manages or assesses you", "Conflicts of interest in mentoring"),
        id="mentor-is-assessor",
    ),
    pytest.param(
        "My mentee wants to borrow £50 until payday. What do I say?",
        "When your mentee asks to borrow money or for a favour",
        id="asked-for-a-loan",
    ),
    pytest.param(
        "I started the program wanting to be a team leader but now I want to retrain as a "
        "data analyst. What should I do about my mentoring?",
        "When your goal has changed completely: telling your mentor",
        id="goal-changed",
    ),
    pytest.param(
        "I'm hard of hearing and our meetings are always in a loud café. Do I need to tell "
        "my mentor why I want to meet somewhere else?",
        "Sessions that work for disabled and neurodivergent people",
        id="hearing-and-disclosure",
    ),
]


@pytest.mark.parametrize(("question", "section"), FROM_ITS_SECTION)
def test_answered_from_its_section(
    corpus: Corpus, question: str, section: str | tuple[str, ...]
) -> None:
    reply = answer(corpus, question)

    sections = (section,) if isinstance(section, str) else section
    assert not reply.insufficient, reply.answer
    assert any(f"section '{s}" in source_of(reply.answer) for s in sections), reply.answer


def test_one_option_of_a_set_is_not_lifted_above_the_others(corpus: Corpus) -> None:
    # Once opened with "Close: help the pair end properly …", the other options following
    # as if an afterthought, the list without it.
    reply = answer(
        corpus,
        "A pair in my cohort hasn't met since the spring. When is it right to close it?",
    )
    body = reply.answer.split("Source:")[0]

    assert not body.startswith("Close:"), reply.answer
    for option in ("Restart:", "Adjust:", "Rematch:", "Close:"):
        assert f"- {option}" in body, reply.answer


def test_a_section_the_search_missed_is_read_when_its_listed_question_is_this_one(
    corpus: Corpus,
) -> None:
    # The search's four passages for it were about first meetings, sponsors and
    # wasted time; the section on preparing lists "what should I bring to each session
    # with my mentor", and it answers.
    question = "What do I need to get ready before each meeting with my mentor?"
    without = cited_answer.passages(
        question, lambda query, top_k: corpus.guidance(query, times=top_k // 4)
    )
    reply = answer(corpus, question)

    assert "Preparing before each mentoring session" not in {
        cited_answer._section(g) for g in without
    }
    assert "section 'Preparing before each mentoring session'" in source_of(reply.answer), (
        reply.answer
    )


def test_a_section_is_read_only_from_what_the_search_may_return(corpus: Corpus) -> None:
    # The section is found through the same search, so a guide the search may not
    # return (written for other readers, `Sources.guidance`) is never read.
    question = "What do I need to get ready before each meeting with my mentor?"

    def search(query: str, top_k: int):
        found = corpus.guidance(query, times=3)
        return [g for g in found if g.document_id != "preparing-as-a-mentee"][:top_k]

    found = cited_answer.passages(question, search, corpus.encoder)

    assert found
    assert all(g.document_id != "preparing-as-a-mentee" for g in found)


def test_an_item_of_a_list_of_things_to_look_for_is_not_lifted_above_its_list(
    corpus: Corpus,
) -> None:
    # "A pool that is much less diverse than the mentee population, which …" is one of
    # the gaps to watch for; opening the answer, it answered nothing.
    reply = answer(
        corpus,
        "Our mentors are nearly all white and male. How do we get a more diverse mentor pool?",
    )

    assert reply.answer.startswith("Look at the pool you have"), reply.answer
    assert "- A pool that is much less diverse" in reply.answer


def test_a_sentence_acting_on_the_one_before_does_not_lead(corpus: Corpus) -> None:
    # "Set sponsor expectations accordingly: …" follows research figures the answer
    # leaves out; the advice the passage opens with, ending in the question to ask,
    # leads instead.
    reply = answer(corpus, "How can we tell if our mentoring scheme is doing any good?")

    assert reply.answer.startswith("Go back to the program's stated purpose and ask:"), reply.answer
    assert not reply.answer.startswith("Set sponsor expectations")
