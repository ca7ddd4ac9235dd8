"""Which passage answers and which sentence leads, from closeness scores given as
gathered: a sentence that says what to do leads over a slightly closer topic sentence,
examples and research notes never lead, and a section's listed questions count as
evidence beside the passage's own closeness."""

from __future__ import annotations

from companion.drafting import kinds
from companion.drafting.kinds import cited_answer
from prompts.schemas import AnswerInput, CitedAnswer, DraftKind, Elsewhere, Guidance, PassageFit

HARD_MESSAGE = Guidance(
    chunk_id="feedback:4",
    document_id="giving-feedback",
    title="Giving feedback",
    heading="Giving feedback > Delivering a hard message",
    text=(
        "Mentors often see something a mentee needs to hear and will not enjoy hearing. "
        "Choose a quiet moment and say it plainly once, in one or two sentences. "
        "Research on feedback (Kluger and DeNisi, 1996) found that many interventions "
        "made performance worse."
    ),
)


def draft(data: AnswerInput) -> CitedAnswer:
    return kinds.draft(DraftKind.answer, data)


def first_claim(passage: Guidance, sentences: list[float], asked: float | None = None) -> str:
    data = AnswerInput(
        question="How do I tell him something hard?",
        guidance=[passage],
        fit=[PassageFit(chunk_id=passage.chunk_id, passage=0.6, sentences=sentences, asked=asked)],
    )
    return draft(data).claims[0].text


class TestLead:
    def test_advice_leads_over_a_slightly_closer_topic_sentence(self) -> None:
        lead = first_claim(HARD_MESSAGE, [0.50, 0.44, 0.30])

        assert lead.startswith("Choose a quiet moment")

    def test_the_closest_sentence_leads_when_the_advice_is_far_behind(self) -> None:
        lead = first_claim(HARD_MESSAGE, [0.50, 0.20, 0.30])

        assert lead.startswith("Mentors often see")

    def test_a_research_note_never_leads_nor_follows(self) -> None:
        data = AnswerInput(
            question="How do I tell him something hard?",
            guidance=[HARD_MESSAGE],
            fit=[PassageFit(chunk_id="feedback:4", passage=0.6, sentences=[0.40, 0.20, 0.55])],
        )

        claims = [c.text for c in draft(data).claims]

        assert claims[0].startswith("Mentors often see")
        assert not any("Research" in c for c in claims)

    def test_sentences_that_say_what_to_do(self) -> None:
        advice = [
            "Raise it early, in private.",
            "Restart: agree a specific next date before the conversation ends.",
            "If it keeps happening, ask what would make the sessions easier to keep.",
            "Mentors should ask before giving feedback.",
            "Don't rush to soften.",
        ]
        not_advice = [
            "Boundaries protect both people and keep mentoring sustainable.",
            '"Message me any time, but not after 7 pm" is a reasonable boundary.',
            "Worked example: a team leader finds her old lunch group goes quiet.",
            "Research on online mentoring (Ensher, 2003) discusses its strengths.",
        ]

        assert all(cited_answer.gives_advice(s) for s in advice)
        assert not any(cited_answer.gives_advice(s) for s in not_advice)


WORKLOAD = Guidance(
    chunk_id="workload:2",
    document_id="topic-work-life-balance",
    title="Workload and boundaries",
    heading="Workload and boundaries > Warning signs of overload to notice",
    text="When you notice a sign, name what you see, not what you conclude.",
)
AGENDA = Guidance(
    chunk_id="agendas:1",
    document_id="session-agendas",
    title="Session agendas",
    heading="Session agendas > Why a mentoring session needs an agenda",
    text="A light agenda keeps the hour on what the mentee wants to move forward.",
)
EXAMPLE_NOTE = Guidance(
    chunk_id="preparing:9",
    document_id="preparing-as-a-mentee",
    title="Preparing as a mentee",
    heading="Preparing as a mentee > Preparing before each session > Example pre-session note",
    text="Main topic: how to approach my manager about the rota without going over her head.",
)


def answered_from(fits: list[PassageFit], guidance: list[Guidance]) -> CitedAnswer:
    return draft(AnswerInput(question="She works every night", guidance=guidance, fit=fits))


class TestEvidence:
    def test_listed_questions_lift_a_section_the_question_is_worded_unlike(self) -> None:
        # On its own 0.36 is under the threshold; a listed question at 0.62 agrees.
        fits = [PassageFit(chunk_id="workload:2", passage=0.36, sentences=[0.36], asked=0.62)]

        answer = answered_from(fits, [WORKLOAD])

        assert not answer.insufficient
        assert "section 'Warning signs of overload to notice'" in answer.answer

    def test_a_close_passage_whose_questions_disagree_loses_to_one_whose_agree(self) -> None:
        fits = [
            PassageFit(chunk_id="agendas:1", passage=0.48, sentences=[0.48], asked=0.20),
            PassageFit(chunk_id="workload:2", passage=0.45, sentences=[0.45], asked=0.65),
        ]

        answer = answered_from(fits, [AGENDA, WORKLOAD])

        assert answer.answer.split("Source: ")[1].startswith("'Workload and boundaries'")

    def test_without_agreeing_questions_a_distant_passage_is_still_declined(self) -> None:
        fits = [PassageFit(chunk_id="workload:2", passage=0.36, sentences=[0.36], asked=0.30)]

        answer = answered_from(fits, [WORKLOAD])

        assert answer.insufficient and answer.claims == []

    def test_an_example_never_answers(self) -> None:
        fits = [
            PassageFit(chunk_id="preparing:9", passage=0.70, sentences=[0.70]),
            PassageFit(chunk_id="agendas:1", passage=0.50, sentences=[0.50]),
        ]

        answer = answered_from(fits, [EXAMPLE_NOTE, AGENDA])

        assert answer.answer.split("Source: ")[1].startswith("'Session agendas'")


PROCEDURE = Guidance(
    chunk_id="feedback:5",
    document_id="giving-feedback",
    title="Giving feedback",
    heading="Giving feedback > Delivering a hard message",
    text=(
        "Mentors often see something a mentee needs to hear and will not enjoy hearing.\n\n"
        "- **Choose the moment.** Not at the end of the session.\n"
        '- **Say it plainly once.** "I want to be honest with you." Then state it.\n'
        "- **Context**: a quiet room helps.\n"
        "- **Stay for the reaction.** Pause. Let them respond."
    ),
)


class TestProcedure:
    def test_a_passage_written_as_steps_is_answered_with_its_steps(self) -> None:
        sentences = len(cited_answer.claim_sentences(PROCEDURE))
        data = AnswerInput(
            question="How do I tell him something hard?",
            guidance=[PROCEDURE],
            fit=[PassageFit(chunk_id="feedback:5", passage=0.6, sentences=[0.5] * sentences)],
        )

        answer = draft(data)

        # Each step with what the guide says under it: a label alone ("Choose the
        # moment.") tells the reader what to do but not how.
        assert answer.answer.startswith(
            "- Choose the moment. Not at the end of the session.\n"
            '- Say it plainly once. "I want to be honest with you." Then state it.\n'
            "- Stay for the reaction. Pause. Let them respond.\n\nSource:"
        ), answer.answer
        assert [c.text for c in answer.claims] == [
            "Choose the moment",
            "Not at the end of the session.",
            "Say it plainly once",
            '"I want to be honest with you." Then state it.',
            "Stay for the reaction",
            "Pause. Let them respond.",
        ]
        assert all(c.citations == ["feedback:5"] for c in answer.claims)


PARAPHRASE = Guidance(
    chunk_id="listening:3",
    document_id="active-listening",
    title="Active listening",
    heading="Active listening > Open questions, paraphrasing and summarising",
    text=(
        "Open questions invite a longer answer than a yes or a no. "
        '**Paraphrasing** means putting what you heard into your own words and checking: "So '
        'the deadline is the problem, not the work. Is that right?" It shows understanding '
        "and gives the mentee a chance to correct you."
    ),
)


class TestReferringBack:
    def paraphrase(self) -> CitedAnswer:
        count = len(cited_answer.claim_sentences(PARAPHRASE))
        scores = [0.3] * (count - 1) + [0.6]
        data = AnswerInput(
            question="How do I paraphrase what my mentee said?",
            guidance=[PARAPHRASE],
            fit=[PassageFit(chunk_id="listening:3", passage=0.6, sentences=scores)],
        )
        return draft(data)

    def test_a_lead_that_says_it_comes_after_what_it_is(self) -> None:
        answer = self.paraphrase()

        # A short passage is the answer whole, its lead first: here the paraphrase, then
        # what "it" shows, then the rest of the passage.
        assert [c.text[:24] for c in answer.claims] == [
            "Paraphrasing means putti",
            "It shows understanding a",
            "Open questions invite a ",
        ]
        assert answer.answer.startswith("Paraphrasing means putting what you heard")
        assert all(c.citations == ["listening:3"] for c in answer.claims)

    def test_advice_opening_with_it_stands_alone(self) -> None:
        assert not cited_answer.refers_back("It helps to agree a date before you part.")
        assert cited_answer.refers_back("This keeps the pair honest about progress.")
        assert not cited_answer.refers_back("Paraphrasing shows understanding.")


def test_an_item_that_only_finishes_the_line_before_it_is_never_quoted() -> None:
    monitoring = Guidance(
        chunk_id="equity:3",
        document_id="equity",
        title="Equity in mentoring",
        heading="Equity in mentoring > Monitoring outcomes by group",
        text=(
            "With consent, collect voluntary demographic information and look at it in "
            "aggregate:\n\n- Who was matched, and how long each group waited.\n"
            "- Whether each group met as often as the others.\n\n"
            "Report only groups large enough that nobody can be identified."
        ),
    )
    data = AnswerInput(
        question="How do I report outcomes by group without outing anyone?",
        guidance=[monitoring],
        fit=[PassageFit(chunk_id="equity:3", passage=0.6, sentences=[0.30, 0.58, 0.57, 0.60])],
    )

    claims = [c.text for c in draft(data).claims]

    assert claims[0].startswith("Report only groups")
    assert not any(c.startswith(("Who", "Whether")) for c in claims), claims


class TestQuestionsForTheOrganisation:
    def area(self, *, likely: bool) -> Elsewhere:
        return Elsewhere(
            area="it_access",
            about="IT access, accounts and passwords",
            ask="your IT service desk",
            closeness=0.7,
            likely=likely,
        )

    def test_a_question_gathered_with_no_guidance_keeps_its_area(self) -> None:
        # Judged when the question was gathered; the drafter does not judge it again.
        data = AnswerInput(question="it won't let me in", elsewhere=self.area(likely=True))

        drafted = draft(data)

        assert drafted.insufficient and drafted.claims == []
        assert drafted.answer == (
            "The mentoring guides do not answer this: it reads like a question about IT "
            "access, accounts and passwords, and they cover mentoring practice, not workplace "
            "rules or administration. Try your IT service desk."
        )

    def test_an_area_not_likely_leaves_the_plain_decline(self) -> None:
        data = AnswerInput(question="it won't let me in", elsewhere=self.area(likely=False))

        drafted = draft(data)

        assert drafted.insufficient
        assert drafted.answer.startswith("The knowledge base has nothing that answers this")


STYLES = Guidance(
    chunk_id="styles:1",
    document_id="topic-leadership-styles",
    title="Discussion topics: leadership styles",
    heading="Discussion topics: leadership styles > Six leadership styles",
    text=(
        "A well-known article describes four styles. They are a shared language more than "
        "boxes.\n\n"
        '- **Directing:** "Do it now." Useful in an emergency; wearing as a habit.\n'
        '- **Consulting:** "What do you think?" Builds buy-in; slow when time is short.\n'
        '- **Coaching:** "Try this." Develops people for the long term.\n'
        "- **Pacing:** Sets a fast example. Works briefly with a skilled team.\n"
    ),
)


def _styles(question: str) -> CitedAnswer:
    sentences = [0.5] * 10
    return draft(
        AnswerInput(
            question=question,
            guidance=[STYLES],
            fit=[PassageFit(chunk_id="styles:1", passage=0.7, sentences=sentences)],
        )
    )


class TestASetDefinedItemByItem:
    """A passage that defines a set, item by item, answers a question asking for the
    set with every item, not with its introduction alone."""

    def test_each_item_is_named_with_what_it_is_for(self) -> None:
        answer = _styles("Is there a standard set of styles, and when is each one used?")

        assert answer.answer.startswith("A well-known article describes four styles.\n\n")
        assert "- Directing: Useful in an emergency; wearing as a habit." in answer.answer
        assert "- Pacing: Sets a fast example." in answer.answer
        # The quotation alone is not what the guide says about the style.
        assert '"Do it now."' not in answer.answer
        assert [c.text for c in answer.claims][1] == "Useful in an emergency; wearing as a habit."
        assert all(c.citations == ["styles:1"] for c in answer.claims)

    def test_a_question_about_one_item_gets_the_usual_answer(self) -> None:
        # A short passage is the answer whole, as the guide has it: not the set's format
        # (label and first sentence without its quotation).
        answer = _styles("How do I stop taking over when my team is slow?")

        assert "- Directing: Useful" not in answer.answer
        assert 'Directing: "Do it now." Useful in an emergency' in answer.answer


PITFALLS = Guidance(
    chunk_id="growth:7",
    document_id="topic-career-growth",
    title="Career growth",
    heading="Career growth > Pitfalls when mentoring for promotion",
    text=(
        '- **"Just work harder."** More output rarely closes a visibility gap. Focus on '
        "impact, scope and who knows.\n"
        "- **Confusing mentoring with sponsorship.** Advice is not advocacy. Many people "
        "receive plenty of advice and little sponsorship. If you have influence, use it.\n"
        "- **One template of self-promotion.** Loud self-promotion is not the only route "
        "and can backfire. Help them find forms that fit them, such as written updates.\n"
        "- **Ignoring glue work.** Help the mentee either make it count, by naming and "
        "measuring it, or hand some of it on.\n"
        "- **Promising outcomes.** Never imply a promotion is certain. Focus on what is in "
        "the mentee's control and be honest about what is not."
    ),
)


class TestItemLabels:
    def test_a_label_is_never_quoted_without_what_it_says(self) -> None:
        """ "Confusing mentoring with sponsorship." alone reads as advice to do it."""
        sentences = cited_answer.claim_sentences(PITFALLS)
        scores = [
            0.7 if s.startswith(("Confusing", "One template", "Never imply")) else 0.2
            for s in sentences
        ]
        data = AnswerInput(
            question="Can I ask my mentor to help me get promoted?",
            guidance=[PITFALLS],
            fit=[PassageFit(chunk_id="growth:7", passage=0.6, sentences=scores)],
        )

        answer = draft(data)
        text = answer.answer.split("\n\nSource:")[0]

        for label in ("Confusing mentoring with sponsorship.", "One template of self-promotion."):
            if label in text:
                after = text.split(label, 1)[1].lstrip()
                assert after and not after.startswith(("Confusing", "One template", "\n")), text
        assert all(c.citations == ["growth:7"] for c in answer.claims)


def test_a_sentence_drawing_a_conclusion_comes_after_its_reason() -> None:
    assert cited_answer.refers_back("Confidentiality should therefore be discussed early.")
    assert cited_answer.refers_back("Thus the pair agrees a date.")
    assert not cited_answer.refers_back("Discuss confidentiality in the first session.")


class TestSomeoneAtRisk:
    """A question about someone who may harm themselves is answered from a passage less
    close than other questions need; a question that only says "threatening" is not."""

    @staticmethod
    def drafted(question: str) -> CitedAnswer:
        fits = [PassageFit(chunk_id=HARD_MESSAGE.chunk_id, passage=0.35, sentences=[0.35] * 3)]
        data = AnswerInput(question=question, guidance=[HARD_MESSAGE], fit=fits)
        return draft(data)

    def test_a_question_about_harm_to_oneself_is_answered_from_a_passage_less_close(self) -> None:
        assert not self.drafted("My mentee might harm themselves. What do I do?").insufficient

    def test_a_threat_to_sue_needs_the_usual_closeness(self) -> None:
        # Held out and labelled as nothing the guides answer: "an employee is threatening
        # to sue us over their termination" was answered when every word of mistreatment
        # lowered the bar.
        assert self.drafted("An employee is threatening to sue us. What do we say?").insufficient


def answer_from(passage: Guidance, lead_at: int) -> CitedAnswer:
    """The answer when the sentence at `lead_at` is by far the closest to the question."""
    count = len(cited_answer.claim_sentences(passage))
    scores = [0.3] * count
    scores[lead_at] = 0.7
    return draft(
        AnswerInput(
            question="What should I do?",
            guidance=[passage],
            fit=[PassageFit(chunk_id=passage.chunk_id, passage=0.6, sentences=scores)],
        )
    )


class TestLeadKeepsItsNeighbours:
    def test_a_sentence_that_refers_back_to_the_lead_follows_it(self) -> None:
        passage = Guidance(
            chunk_id="feedback:9",
            document_id="receiving-feedback",
            title="Receiving feedback",
            heading="Receiving feedback > Mentors receiving feedback",
            text=(
                "Mentors need feedback too, and mentees rarely volunteer it. "
                "Build it into the routine at the close of each session. "
                "When a mentee does give critical feedback, thank them and change something "
                "visible. That shows the openness you hope they will develop."
            ),
        )

        answer = answer_from(passage, 2)

        # Lifted alone, the lead left "That shows …" dangling at the end of the answer.
        assert answer.answer.startswith(
            "When a mentee does give critical feedback, thank them and change something "
            "visible. That shows the openness"
        ), answer.answer

    def test_an_item_whose_subject_is_in_the_line_above_is_not_lifted(self) -> None:
        passage = Guidance(
            chunk_id="growth:2",
            document_id="topic-career-growth",
            title="Career growth",
            heading="Career growth > Signs a mentee needs help with visibility",
            text=(
                "Signs a mentee needs help with visibility and promotion:\n\n"
                "- They were passed over for a role and were surprised by it.\n"
                "- They cannot say what the criteria are for the next level up.\n"
                "- Their manager describes their work in vague and general terms."
            ),
        )

        answer = answer_from(passage, 2)

        # "They cannot say …" first reads as if about someone the reader never met.
        assert answer.answer.startswith("Signs a mentee needs help"), answer.answer


def test_a_step_whose_label_runs_on_is_one_sentence() -> None:
    passage = Guidance(
        chunk_id="upset:3",
        document_id="emotional-support-and-its-limits",
        title="Emotional support",
        heading="Emotional support > How to respond when a mentee becomes upset",
        text=(
            "1. **Listen without rushing to fix.** Let silences happen.\n"
            "2. **Ask what they need.** Would it help to talk it through?\n"
            "3. **Agree a next step,** even a small one, before ending."
        ),
    )

    answer = answer_from(passage, 0)

    assert "- Agree a next step, even a small one, before ending.\n" in answer.answer, answer.answer
    assert "Agree a next step, even a small one, before ending." in [c.text for c in answer.claims]
    assert all(c.citations == ["upset:3"] for c in answer.claims)


DISCLOSURE = Guidance(
    chunk_id="confidentiality:9",
    document_id="confidentiality-and-boundaries",
    title="Confidentiality",
    heading=(
        "Confidentiality > When a mentee tells you about discrimination, harassment or bullying"
    ),
    text=(
        "Start by listening, and take what they tell you seriously. "
        "Help them see their options: HR, a grievance route, a union representative."
    ),
)


class TestMistreatmentPassages:
    @staticmethod
    def drafted(question: str) -> CitedAnswer:
        fits = [PassageFit(chunk_id=DISCLOSURE.chunk_id, passage=0.6, sentences=[0.6, 0.6])]
        return draft(AnswerInput(question=question, guidance=[DISCLOSURE], fit=fits))

    def test_a_passage_on_mistreatment_answers_a_question_about_it(self) -> None:
        assert not self.drafted("My mentee says a colleague is bullying her.").insufficient

    def test_a_passage_on_mistreatment_never_answers_a_question_naming_none(self) -> None:
        # It shares HR, grievances and unions with questions about dismissals and pay
        # disputes, which it does not answer.
        assert self.drafted("A manager wants to dismiss someone. What should HR say?").insufficient


def test_a_passage_whose_opening_answers_nearly_as_well_is_read_from_its_start() -> None:
    passage = Guidance(
        chunk_id="agendas:7",
        document_id="session-agendas",
        title="Session agendas",
        heading="Session agendas > How often to meet",
        text=(
            "For most pairs, every two to four weeks for an hour is a good default. "
            "Meeting less often than monthly lets the momentum drain away between sessions. "
            "Weekly meetings rarely last beyond the first month."
        ),
    )
    fits = [PassageFit(chunk_id="agendas:7", passage=0.6, sentences=[0.62, 0.66, 0.4])]

    answer = draft(AnswerInput(question="How often?", guidance=[passage], fit=fits))

    # Lifting the slightly closer second sentence put the reason before the answer.
    assert answer.answer.startswith("For most pairs, every two to four weeks"), answer.answer


class TestAWholePassageReadsWhole:
    """Seen by an outside reader: answers that opened on a fragment, ended on a colon, or
    gave the first of a list's items as a paragraph."""

    def test_a_list_with_no_line_above_it_is_a_list_throughout(self) -> None:
        passage = Guidance(
            chunk_id="roles:3",
            document_id="mentoring-coaching-and-sponsorship",
            title="Roles",
            heading="Roles > Pitfalls when the roles are mixed up",
            text=(
                "- **Expecting a mentor to get you promoted.** A mentor helps you prepare, "
                "but will not argue your case.\n"
                "- **Coaching when someone needs information.** A new joiner needs a "
                "straight answer, not another question back."
            ),
        )

        answer = answer_from(passage, 0)

        assert answer.answer.startswith(
            "- Expecting a mentor to get you promoted. A mentor helps you prepare, but will "
            "not argue your case.\n- Coaching when"
        ), answer.answer

    def test_an_answer_never_ends_on_the_line_that_introduces_a_list(self) -> None:
        passage = Guidance(
            chunk_id="match:1",
            document_id="what-makes-a-good-match",
            title="Matching",
            heading="Matching > Matching criteria",
            text=(
                "The quality of the pairing sets the ceiling for everything that follows. "
                "A match needs a reason both people can see. Factors worth weighing, "
                "roughly in order of importance:"
            ),
        )

        answer = answer_from(passage, 0)

        assert not answer.answer.split("\n\nSource:")[0].rstrip().endswith(":"), answer.answer

    def test_a_passage_that_opens_on_the_end_of_a_bracket_leaves_it_out(self) -> None:
        passage = Guidance(
            chunk_id="measure:2",
            document_id="measuring-program-outcomes",
            title="Measuring",
            heading="Measuring > Four levels of outcomes",
            text=(
                "(self-rated progress on goals, mentor ratings, specific skills)\n\n"
                "Four levels of evaluation adapt well to mentoring programs:\n\n"
                "- **Reaction:** whether participants found the mentoring worthwhile.\n"
                "- **Results:** whether the organisation's own indicators moved."
            ),
        )

        answer = answer_from(passage, 2)

        assert "self-rated progress" not in answer.answer, answer.answer
        assert "Four levels of evaluation" in answer.answer, answer.answer

    def test_a_sentence_about_her_or_him_follows_who_they_are(self) -> None:
        assert cited_answer.refers_back("Her mentor spends one session walking the ward.")
        assert cited_answer.refers_back("Their manager describes their work vaguely.")


def test_an_item_that_leads_leaves_no_empty_item_behind() -> None:
    passage = Guidance(
        chunk_id="remote:4",
        document_id="rapport-and-trust-remotely",
        title="Rapport",
        heading="Rapport > Repairing flat remote sessions",
        text=(
            "Early video calls are often stiff and quiet at first. Things to try:\n\n"
            "- Name it lightly and ask whether the format is working for them.\n"
            "- Change the setup: a walking phone call instead of a video call.\n"
            "- Check the sound, since a poor headset makes warmth very hard."
        ),
    )

    answer = answer_from(passage, 2)

    # The item lifted to the top was left in the list as "- " with nothing after it.
    assert not [line for line in answer.answer.splitlines() if line.strip() == "-"], answer.answer
    assert answer.answer.count("Change the setup") == 1, answer.answer


def test_advice_for_a_special_case_is_not_lifted_above_the_passage_it_qualifies() -> None:
    passage = Guidance(
        chunk_id="first:1",
        document_id="first-session-and-mentoring-agreement",
        title="The first session",
        heading="The first session > What the first mentoring session is for",
        text=(
            "The first meeting sets the pattern for the whole relationship. It has three "
            "jobs: getting to know each other, agreeing what the mentoring is for, and "
            "agreeing how you will work together. If the mentee arrives with an urgent "
            "issue, give it some time, but keep half the session for the agreement."
        ),
    )
    fits = [PassageFit(chunk_id="first:1", passage=0.5, sentences=[0.26, 0.08, 0.35], asked=0.85)]

    answer = draft(AnswerInput(question="first call, what do I do?", guidance=[passage], fit=fits))

    # An outside reader: the answer opened on the exception ("If the mentee arrives with an
    # urgent issue …") to a first session it had not yet described.
    assert answer.answer.startswith("The first meeting sets the pattern"), answer.answer


def test_a_step_whose_label_ends_on_a_colon_keeps_it() -> None:
    passage = Guidance(
        chunk_id="zones:2",
        document_id="asynchronous-mentoring",
        title="Asynchronous mentoring",
        heading="Asynchronous mentoring > A pair in very different time zones",
        text=(
            "- **Find the least bad slot and share the cost.** An early start for one.\n"
            "- **Keep live sessions for what needs a conversation:** a hard decision, "
            "practising a difficult talk, or getting to know each other at the start. "
            "Updates and questions travel well in writing.\n"
            "- **Agree a turnaround for messages,** for example a reply within two days.\n"
        ),
    )

    answer = answer_from(passage, 3)

    # An outside reader: "… what needs a conversation. a hard decision, …".
    assert "- Keep live sessions for what needs a conversation: a hard decision," in (
        answer.answer
    ), answer.answer


def test_a_step_whose_punctuation_follows_its_bold_label_reads_as_written() -> None:
    # From the guide on leaders as mentors: the colon and the comma sit after the bold.
    passage = Guidance(
        chunk_id="leaders:2",
        document_id="leaders-as-mentors",
        title="Leaders as mentors",
        heading="Leaders as mentors > How to ask senior leaders to mentor",
        text=(
            "- **Ask in person or through their own manager**, not by mass email.\n"
            "- **Be specific about the commitment**: six one-hour conversations.\n"
            "- **Offer a format that fits**: mentoring circles, where one leader meets four "
            "to six mentees together, can be a first step.\n"
        ),
    )

    answer = answer_from(passage, 0)

    # It read "Ask in person or through their own manager. , not by mass email." and
    # "Offer a format that fits mentoring circles, …", a sentence the guide never wrote,
    # which no passage held, so the claim had nothing to cite and the draft failed.
    assert "- Ask in person or through their own manager, not by mass email.\n" in (
        answer.answer
    ), answer.answer
    assert "- Offer a format that fits: mentoring circles, where one leader" in answer.answer
    assert all(c.citations == ["leaders:2"] for c in answer.claims), answer.claims


def test_a_procedure_keeps_every_step_not_only_those_opening_on_a_known_verb() -> None:
    passage = Guidance(
        chunk_id="field:6",
        document_id="career-transitions",
        title="Career transitions",
        heading="Career transitions > Mentoring someone into a field you do not know",
        text=(
            "A mentor does not need to know the new field to be useful.\n\n"
            "- **Ask rather than advise.** What draws them to the new field?\n"
            "- **Help them reach the insiders.** Agree that they will talk to two people.\n"
            "- **Translate their experience.** Help them name what carries over.\n"
            "- **Keep the plan honest.** Money and time are real limits.\n"
        ),
    )

    answer = answer_from(passage, 1)

    # "Translate their experience" was dropped: "translate" is no verb the drafter
    # knew as advice, so a step of four silently went missing.
    assert "- Translate their experience. Help them name what carries over." in answer.answer, (
        answer.answer
    )


def test_a_list_of_pitfalls_is_not_opened_with_half_of_its_last_item() -> None:
    passage = Guidance(
        chunk_id="circles:9",
        document_id="mentoring-circles",
        title="Mentoring circles",
        heading="Mentoring circles > Pitfalls in group mentoring",
        text=(
            "- **The mentor lectures.** A circle becomes a seminar; peers stop learning.\n"
            "- **One voice dominates.** Use rounds and timed turns.\n"
            "- **No structure.** Without a format, sessions drift into general chat.\n"
            "- **Forgetting the ending.** Plan a final session that reviews what each "
            "person learned.\n"
        ),
    )

    answer = answer_from(passage, len(cited_answer.claim_sentences(passage)) - 1)

    # It opened "Plan a final session that reviews …", and the list then ended on a
    # bare "- Forgetting the ending."
    assert answer.answer.startswith("- The mentor lectures."), answer.answer
    assert "- Forgetting the ending. Plan a final session" in answer.answer, answer.answer
