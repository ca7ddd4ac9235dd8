"""Guidance chosen by meaning, with the real MiniLM encoder: passages ranked by closeness
to the pair, worked examples kept only where they fit the mentee's role; and the built-in
drafter's answer to a reviewer's note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from companion.db import session_scope
from companion.drafting import grounding, kinds
from companion.drafting import service as drafting
from companion.drafting.revision import CANNOT_FOLLOW, revised_input, understand
from companion.guidance import service as kb
from embeddings.encoder import Encoder
from knowledge import CORPUS_DIR
from prompts.schemas import DraftKind, GoalSummary, Guidance
from tests.drafting.test_offline import DESIGN_REVIEW, relationship
from tests.drafting.test_service import OPERATOR
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World

DATA = Path(__file__).parent / "data"
EXAMPLES = """Each main topic is linked to a stated goal.

- An operations analyst aiming for a supply-chain planning role: "Walk me through it."
- A nurse preparing to become a charge nurse: "Let's role-play the handover."
- A sales representative working on forecast accuracy: "Bring two deals."
- A software engineer preparing to lead a design review: "Let's list the objections."

Each main topic produces something the mentee can use the same week."""
WORKLOAD = (
    "3. **Script (15 minutes).** Pick one item to renegotiate and rehearse the conversation. "
    'For example, a hospital pharmacist might practise: "I can take on the audit, but it '
    'means the formulary review slips to next month. Which would you prefer I prioritise?" '
    "A software engineer might rehearse muting notifications after 7 p.m."
)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder.shared()


class TestExamples:
    def test_professions_are_read_from_examples_only(self) -> None:
        assert grounding.profession(
            "A nurse preparing to become a charge nurse: x", in_examples=True
        )
        assert grounding.profession("For example, a hospital pharmacist might practise") == (
            "hospital pharmacist"
        )
        assert grounding.profession("Worked example: a clinical data analyst joins a group") == (
            "clinical data analyst"
        )
        # With an article too, as the guide on stretch roles writes it.
        assert grounding.profession("A worked example: a warehouse shift supervisor becomes") == (
            "warehouse shift supervisor"
        )
        # Outside a list or passage of examples, an ordinary sentence is not an example.
        assert grounding.profession("A design review goes well when the decision is known.") is None

    def test_only_the_example_that_fits_the_role_is_kept(self, encoder: Encoder) -> None:
        kept = grounding.fitting_examples_only(EXAMPLES, "Backend Engineer", encoder)
        assert "software engineer preparing to lead a design review" in kept
        for other in ("operations analyst", "A nurse", "sales representative"):
            assert other not in kept
        assert kept.startswith("Each main topic is linked") and kept.endswith("same week.")
        nurse = grounding.fitting_examples_only(EXAMPLES, "Staff Nurse", encoder)
        assert "charge nurse" in nurse and "software engineer" not in nurse

    def test_a_role_no_example_fits_gets_none(self, encoder: Encoder) -> None:
        kept = grounding.fitting_examples_only(EXAMPLES, "Year 2 teacher of geography", encoder)
        assert "- " not in kept and "Each main topic" in kept

    def test_an_example_inside_a_paragraph_goes_with_its_quote(self, encoder: Encoder) -> None:
        kept = grounding.fitting_examples_only(WORKLOAD, "Backend Engineer", encoder)
        assert "pharmacist" not in kept and "formulary" not in kept
        assert "Pick one item to renegotiate" in kept
        assert "A software engineer might rehearse muting notifications" in kept

    def test_a_worked_example_paragraph_goes_when_it_fits_nobody(self, encoder: Encoder) -> None:
        """The guide on stretch roles ends a section with "A worked example: a warehouse
        shift supervisor …": a quantity surveyor's brief once quoted it."""
        text = (CORPUS_DIR / "stretch-roles.md").read_text()
        section = text[text.index("## The first 60 days") : text.index("## Imposter")]
        kept = grounding.fitting_examples_only(section, "Quantity Surveyor", encoder)
        assert "warehouse" not in kept and "slows you down most" not in kept
        assert "**Stakeholder map.**" in kept and "**What to stop.**" in kept

    def test_on_the_tuning_scenarios_no_other_professions_example_is_kept(
        self, encoder: Encoder
    ) -> None:
        """Each tuning mentee's role against the corpus's examples of main topics: only an
        example of the same profession survives (a nurse's for nurses, an engineer's for
        the backend engineer), never another profession's."""
        same_profession = {"s01": "software engineer", "s02": "nurse", "s13": "nurse"}
        for line in (DATA / "scenarios_tuning.jsonl").read_text().splitlines():
            scenario = json.loads(line)
            kept = grounding.fitting_examples_only(EXAMPLES, scenario["mentee"]["role"], encoder)
            items = [row for row in kept.splitlines() if row.startswith("- ")]
            expected = same_profession.get(scenario["id"])
            assert len(items) == (1 if expected else 0), (scenario["id"], items)
            if expected:
                assert expected in items[0].lower(), scenario["id"]

    def test_a_profession_named_with_a_possessive_is_an_example(self, encoder: Encoder) -> None:
        """ "Example: a water utility's senior control-room engineer, two years from
        retirement, …" was quoted in a software engineer's brief."""
        text = (CORPUS_DIR / "succession-planning.md").read_text()
        kept = grounding.fitting_examples_only(text, "Senior Software Engineer", encoder)
        assert "water utility" not in kept

    def test_a_guides_title_does_not_make_its_sections_examples(self, encoder: Encoder) -> None:
        """Under "Writing SMART mentoring goals, with worked examples > Breaking a SMART
        goal into milestones and actions", the opening "A six-month goal is too large …"
        was dropped as if it were a worked example of a "six-month goal"."""
        text = (CORPUS_DIR / "smart-goals-with-examples.md").read_text()
        start = text.index("## Breaking a SMART goal")
        section = text[text.index("\n", start) : text.index("\n## ", start + 1)]
        heading = "Writing SMART mentoring goals, with worked examples > " + (
            "Breaking a SMART goal into milestones and actions"
        )
        kept = grounding.fitting_examples_only(section, "Plumbing engineer", encoder, heading)
        assert "A six-month goal is too large to discuss in every session." in kept

    def test_role_play_cards_are_examples(self, encoder: Encoder) -> None:
        """The practice cards of the guide on training mentors ("A support engineer wants
        to move into product management …") are scenarios to act out, not guidance: a
        brief once quoted one to a solutions engineer as if it were, even for the role
        the card names."""
        text = (CORPUS_DIR / "training-mentors.md").read_text()
        start = text.index("## Practice exercises")
        section = text[start : text.index("\n## ", start + 1)]
        kept = grounding.fitting_examples_only(
            section, "Support Engineer", encoder, heading=section.splitlines()[0]
        )
        assert "support engineer wants" not in kept
        assert "groups of three" in kept


class TestWhatIsQuoted:
    def test_a_promoted_worker_is_read_as_an_example(self) -> None:
        # The example's person is named before "promoted": read as a whole, "a
        # contact-centre agent promoted to team leader finds …" was quoted to an HR
        # assistant as if it were advice.
        assert grounding.profession(
            "Worked example: a contact-centre agent promoted to team leader finds her "
            "former lunch group now goes quiet."
        ) == ("contact-centre agent")

    def test_a_pointer_to_another_guide_is_not_quoted(self) -> None:
        assert not grounding.readable(
            "Choosing the direction itself is covered in the guide on career paths and options."
        )
        assert grounding.readable(
            "Becoming the manager of people who were colleagues last month is one of the "
            "hardest parts."
        )

    def test_nothing_is_quoted_when_every_passage_is_far_from_the_pair(
        self, encoder: Encoder
    ) -> None:
        # A backend engineer who wants to own a service: the closest passages found were
        # on retiring specialists and rescheduling sessions, and the brief quoted them.
        chunks = [
            Guidance(chunk_id=f"{doc}#0", document_id=doc, title=doc, heading="", text=text)
            for doc, text in (
                (
                    "succession-planning",
                    "When a long-serving specialist is retiring, a structured handover "
                    "mentoring arrangement of six to twelve months is far better than a "
                    "two-week handover.",
                ),
                (
                    "repeated-cancellations",
                    "Agree a simple rule for when a session has to move: whoever cancels "
                    "proposes a new time within the same week.",
                ),
            )
        ]
        ranked = grounding.by_meaning(
            chunks,
            "backend engineer. I'd like to get to senior in the next year or so, and be the "
            "person who can own a whole service end to end.",
            "backend engineer",
            encoder,
            keep=2,
        )
        bar = grounding.on_focus(ranked)

        assert bar >= grounding.QUOTE_FLOOR
        assert [grounding.snippet(g, bar) for g in ranked] == ["", ""]

    def test_a_sentence_close_to_one_aim_of_several_is_quoted(self, encoder: Encoder) -> None:
        # The focus runs the title, what the mentee wants and every goal together; a
        # sentence about one goal is measured against that goal too.
        chunk = Guidance(
            chunk_id="new-managers#0",
            document_id="mentoring-for-new-managers",
            title="",
            heading="",
            text="Becoming the manager of people who were colleagues last month is one of "
            "the hardest parts. Friendships change, and someone may have wanted the job too.",
        )
        focus = (
            "team manager, council tax. I now manage the people who were my colleagues until "
            "last month. Clear the backlog of appeals before April. Pass the revenues "
            "qualification exam. Notes: we talked about the exam timetable and study leave."
        )
        aims = ["I now manage the people who were my colleagues until last month."]
        alone = grounding.by_meaning([chunk], focus, "team manager", encoder, keep=1)
        with_aims = grounding.by_meaning([chunk], focus, "team manager", encoder, keep=1, aims=aims)

        assert max(with_aims[0].focus) > max(alone[0].focus)
        assert max(with_aims[0].focus) >= grounding.QUOTE_FLOOR


class TestRanking:
    def test_passages_closest_to_the_pair_come_first(self, encoder: Encoder) -> None:
        corpus = {
            "session-agendas": (CORPUS_DIR / "session-agendas.md").read_text(),
            "topic-work-life-balance": (CORPUS_DIR / "topic-work-life-balance.md").read_text(),
        }
        chunks = [
            Guidance(chunk_id=f"{doc}#0", document_id=doc, title=doc, heading="", text=text[:1500])
            for doc, text in corpus.items()
        ]
        ranked = grounding.by_meaning(
            list(reversed(chunks)),
            "Backend engineer. Prepare the agenda of the design review I will lead; "
            "structure the sessions with my mentor around it.",
            "Backend Engineer",
            encoder,
            keep=2,
        )
        assert [g.document_id for g in ranked] == ["session-agendas", "topic-work-life-balance"]


class TestRegenerateOffline:
    def draft_and_note(self, world: World, kind: DraftKind, note: str) -> tuple[dict, dict]:
        with session_scope(world.services.sessions) as session:
            draft = drafting.request_draft(
                services=world.services,
                session=session,
                kind=kind,
                principal=OPERATOR,
                relationship_id=world.first,
            )
            before = drafting.payload(draft)
            draft.review_note = note
            drafting.regenerate(services=world.services, session=session, draft=draft)
            return before, drafting.payload(draft)

    def test_shorter_is_followed(self, grounded: World) -> None:
        before, after = self.draft_and_note(grounded, DraftKind.agenda, "Too long, please.")
        assert after["revision"]["followed"] == ["shorter"] and not after["revision"]["message"]
        assert len(after["content"]["questions"]) < len(before["content"]["questions"])
        assert len(after["text"]) < len(before["text"])

    def test_different_guidance_is_followed(
        self, grounded: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The test pair's goal is a prompt injection, far from every guide: with the
        # floor, its brief would quote nothing to replace.
        monkeypatch.setattr(grounding, "QUOTE_FLOOR", 0.0)
        more = ("giving-feedback.md", "receiving-feedback.md", "preparing-as-a-mentee.md")
        with grounded.services.sessions() as session:
            loads, problems = kb.path_loads([CORPUS_DIR / name for name in more])
            assert not problems
            kb.ingest_many(
                session=session,
                kb=grounded.services.knowledge_base,
                loads=loads,
                principal=TEST_SYSTEM,
            )
            session.commit()
        before, after = self.draft_and_note(
            grounded, DraftKind.brief, "Could you use different guidance?"
        )
        assert after["revision"]["followed"] == ["different guidance"]
        used = {g["document_id"] for g in before["content"]["guidance"]}
        now = {g["document_id"] for g in after["content"]["guidance"]}
        assert used and not (used & now)

    def test_a_note_it_cannot_follow_is_said_plainly(self, grounded: World) -> None:
        before, after = self.draft_and_note(
            grounded, DraftKind.agenda, "Make the tone warmer and mention the offsite."
        )
        assert after["revision"] == {
            "note": "Make the tone warmer and mention the offsite.",
            "followed_by": "offline",
            "followed": [],
            "message": CANNOT_FOLLOW,
        }
        assert after["content"] == before["content"]

    def test_the_api_shows_what_became_of_the_note(self, grounded: World) -> None:
        client, maya = grounded.client, grounded.headers("maya")
        made = client.post(
            "/api/v1/drafts",
            headers=maya,
            json={"kind": "agenda", "relationship_id": grounded.first},
        ).json()
        url = f"/api/v1/drafts/{made['id']}"
        for action, note in (("request_changes", "Warmer, please."), ("regenerate", "")):
            version = client.get(url, headers=maya).json()["version"]
            decided = client.post(
                f"/api/v1/review/drafts/{made['id']}/decisions",
                headers=maya,
                json={"action": action, "version": version, "note": note},
            )
            assert decided.status_code == 200, decided.json()
        shown = client.get(url, headers=maya).json()
        assert shown["revision"]["message"] == CANNOT_FOLLOW
        # Nobody else reads it: the mentee and another program's coordinator get a 404.
        for who in ("eli", "elsewhere"):
            assert client.get(url, headers=grounded.headers(who)).status_code == 404


def test_more_on_a_named_goal_is_understood_and_drafted_about_it() -> None:
    english = GoalSummary(id=8, title="Improve my written English", progress=0)
    data = relationship(goals=[english, DESIGN_REVIEW])
    before = kinds.draft(DraftKind.agenda, data)
    assert "written English" in before.objectives[0]  # the least advanced goal leads
    revision = understand("More on the design review, please.", DraftKind.agenda, data)
    assert revision.goal == DESIGN_REVIEW and revision.followed == [
        f"more on '{DESIGN_REVIEW.title}'"
    ]
    after = kinds.draft(DraftKind.agenda, revised_input(revision, data, set()))
    assert DESIGN_REVIEW.title in after.objectives[0]
    assert not any("written English" in o for o in after.objectives)
    assert not understand("Warmer tone, please.", DraftKind.agenda, data).understood


class TestASnippetReadsOnItsOwn:
    """A quoted sentence that points back ("It may mean …", "This works because …")
    brings the sentence it points back to, so the reader knows what "it" is."""

    TEXT = (
        "Some pairs find their agenda overtaken by events week after week. "
        "It may mean the original goals no longer fit and need rewriting, or that the "
        "mentee is firefighting and workload itself should become the topic. "
        "Agree the first item before the session starts."
    )

    def _chunk(self, focus: list[float]) -> Guidance:
        return Guidance(chunk_id="c1", document_id="d", title="T", text=self.TEXT, focus=focus)

    def test_a_sentence_opening_on_it_brings_the_one_before(self) -> None:
        said = grounding.snippet(self._chunk([0.1, 0.9, 0.2]), bar=0.3)

        assert said.startswith("Some pairs find their agenda overtaken"), said
        assert "It may mean" in said

    def test_a_list_item_that_runs_on_is_not_quoted(self) -> None:
        """A brief quoted "HR, a speak-up or grievance route, a staff network, a union
        representative or the employee assistance program;", the middle of a list."""
        text = (
            "Point the mentee to the routes that can act:\n\n"
            "- HR, a speak-up or grievance route, a staff network, a union representative "
            "or the employee assistance program;\n"
            "- occupational health, when the strain shows in their health."
        )
        chunk = Guidance(chunk_id="c", document_id="d", title="T", text=text, focus=[0.1, 0.9, 0.2])
        assert grounding.snippet(chunk, bar=0.3) == ""

    def test_a_sentence_that_stands_alone_is_quoted_alone(self) -> None:
        said = grounding.snippet(self._chunk([0.1, 0.2, 0.9]), bar=0.3)

        assert said == "Agree the first item before the session starts."

    def test_the_body_of_a_labelled_item_comes_with_its_label(self) -> None:
        """ "A peer who watched the meeting, a stakeholder who received the report, …"
        was quoted without "Ask the right people.", which says what the list is for."""
        text = (
            "- **Ask soon.** Within a day of the event, while memory is fresh.\n"
            "- **Ask the right people.** A peer who watched the meeting, a stakeholder who "
            "received the report, not only the manager.\n"
        )
        chunk = Guidance(
            chunk_id="c1", document_id="d", title="T", text=text, focus=[0.1, 0.2, 0.1, 0.9]
        )

        said = grounding.snippet(chunk, bar=0.3)

        assert said == (
            "Ask the right people. A peer who watched the meeting, a stakeholder who "
            "received the report, not only the manager."
        )
