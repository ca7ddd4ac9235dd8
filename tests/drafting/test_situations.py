"""A brief and an agenda point the mentor to the guide section written for the pair's
situation (no session yet, an overdue action, no goal …): read from what the draft
already holds, found in the knowledge base as it stands, and never a section written for
other readers or a reproach in a draft the mentee receives too."""

from __future__ import annotations

import re
import typing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from companion.drafting import kinds, situations
from companion.drafting.goal_families import GoalWordsError, load
from companion.guidance import service as kb
from companion.participants.models import Participant
from companion.relationships.models import ActionItem, MentoringSession, SessionStatus
from knowledge import CORPUS_DIR
from prompts.schemas import (
    ActionSummary,
    DraftKind,
    GoalSummary,
    Guidance,
    Milestone,
    Person,
    RelationshipInput,
    SessionSummary,
    Situation,
)
from tests.drafting.test_member_drafts import _circle_with_goals
from tests.drafting.test_service import ingest_guides, request
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World

TODAY = date(2026, 3, 10)


def _pair(**changes: object) -> RelationshipInput:
    """A pair that met last week, with one goal under way and nothing overdue."""
    data = RelationshipInput(
        program_name="Pilot",
        today=TODAY,
        mentor=Person(name="Maya Lind", role="mentor"),
        mentee=Person(name="Eli Grant", role="mentee", profile={"goals": "Lead a design review"}),
        goals=[
            GoalSummary(
                id=1,
                title="Lead the billing design review",
                status="active",
                progress=40,
                target_date=date(2026, 6, 1),
                milestones=[Milestone(text="Draft the note", due_date=date(2026, 4, 1))],
            )
        ],
        last_session=SessionSummary(date=date(2026, 3, 3), shared_notes="Talked it through."),
    )
    return data.model_copy(update=changes)


def _codes(data: RelationshipInput, to_both: bool = False) -> list[str]:
    return [found.pointer.code for found in situations.of(data, to_both=to_both)]


# --- the data file -------------------------------------------------------------------


def _builtin_sections() -> dict[str, tuple[list[str], set[str]]]:
    """Guide id -> (its audience, its section headings), from the packaged guides."""
    guides = {}
    for path in CORPUS_DIR.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        front = yaml.safe_load(text.split("---")[1])
        guides[path.stem] = (
            list(front.get("audience") or []),
            {h.strip() for h in re.findall(r"^## (.+)$", text, re.MULTILINE)},
        )
    return guides


def test_every_pointer_names_a_section_of_a_packaged_guide_written_for_mentors() -> None:
    guides = _builtin_sections()
    for pointer in situations.pointers():
        assert pointer.guide in guides, pointer
        audience, headings = guides[pointer.guide]
        assert pointer.section in headings, pointer
        assert not audience or "mentor" in audience, pointer


def test_every_situation_the_code_knows_has_one_pointer() -> None:
    assert [p.code for p in situations.pointers()] == list(typing.get_args(situations.Code))


def test_a_bad_entry_fails_with_its_place(tmp_path: Path) -> None:
    bad = tmp_path / "situations.yaml"
    bad.write_text(
        "pointers:\n- code: first_session\n  guide: g\n  section: s\n"
        "  why: '{mentee} missed {deadline}'\n  to_both: true\n",
        encoding="utf-8",
    )
    with pytest.raises(GoalWordsError, match=r"situations.yaml: pointers.0.why: .*deadline"):
        load(situations.Pointers, bad)


# --- what is true of the pair ---------------------------------------------------------


def test_a_pair_under_way_with_nothing_overdue_has_no_situation() -> None:
    assert _codes(_pair()) == []


def test_no_session_held_yet() -> None:
    assert _codes(_pair(last_session=None)) == ["first_session"]


def test_an_overdue_action_is_pointed_to_by_whose_it_is_and_only_in_the_mentors_brief() -> None:
    late = ActionSummary(
        text="Send the draft note.", owner="Eli Grant", due_date=TODAY - timedelta(1)
    )
    mine = ActionSummary(text="Book the room", owner="Maya Lind", due_date=TODAY - timedelta(9))
    due = ActionSummary(text="Read the spec", owner="Eli Grant", due_date=TODAY)
    found = situations.of(_pair(open_actions=[mine, due, late]), to_both=False)
    # The mentor's own first: a brief that only asks why the mentee did not follow
    # through, while the mentor has not either, reads as one-sided.
    assert [(f.pointer.code, f.why) for f in found] == [
        ("mentor_action_overdue", "Your action 'Book the room' is overdue"),
        ("overdue_action", "Eli's action 'Send the draft note' is overdue"),
    ]
    assert _codes(_pair(open_actions=[due])) == []
    # An agenda goes to the mentee too: a pointer to "when a mentee does not follow
    # through" would read as a reproach there.
    assert _codes(_pair(open_actions=[late, mine]), to_both=True) == []


def test_a_goal_achieved_with_nothing_open() -> None:
    data = _pair(goals=[], achieved_goals=["Old", "Run the retro"])
    found = situations.of(data, to_both=False)
    assert [(f.pointer.code, f.why) for f in found] == [
        ("goal_achieved", "Eli has achieved 'Run the retro' and has no other goal open"),
        (
            "after_achieving",
            "With nothing open after 'Run the retro', agree with Eli a new goal or a good ending",
        ),
    ]
    # The mentee reads an agenda: celebrating, yes; a hint of an ending, no.
    assert _codes(data, to_both=True) == ["goal_achieved"]
    assert _codes(_pair(achieved_goals=["Run the retro"])) == []


def test_no_goal_yet_with_and_without_what_the_mentee_wants() -> None:
    assert _codes(_pair(goals=[])) == ["no_goal_yet"]
    quiet = Person(name="Eli Grant", role="mentee", profile={"goals": "  "})
    assert _codes(_pair(goals=[], mentee=quiet)) == ["nothing_to_work_on_yet"]


def test_an_active_goal_past_its_date_and_one_without_milestones() -> None:
    late = GoalSummary(
        id=2,
        title="Ship the runbook.",
        status="active",
        progress=70,
        target_date=TODAY - timedelta(1),
    )
    found = situations.of(_pair(goals=[late]), to_both=True)
    assert [(f.pointer.code, f.why) for f in found] == [
        ("goal_past_target", "'Ship the runbook' is past its target date at 70%"),
        ("goal_without_milestones", "'Ship the runbook' has no milestones yet"),
    ]
    # All but done: what is left is not a case for a review.
    nearly = late.model_copy(update={"progress": 80, "milestones": [Milestone(text="x")]})
    assert _codes(_pair(goals=[nearly])) == []
    drafted = late.model_copy(update={"status": "draft"})
    assert _codes(_pair(goals=[drafted])) == []
    done = late.model_copy(update={"progress": 100, "milestones": [Milestone(text="x")]})
    assert _codes(_pair(goals=[done])) == []


def test_the_opening_is_quoted_only_when_it_reads_on_its_own() -> None:
    def passage(text: str) -> list[Guidance]:
        return [Guidance(chunk_id="c", document_id="d", title="T", heading="T > S", text=text)]

    assert situations.lead(passage("Find out why before you push harder. Then ask.")) == (
        "Find out why before you push harder."
    )
    assert situations.lead(passage("Mentors can help by asking, in this order:\n\n1. What?")) == ""
    assert situations.lead(passage("- **Say it out loud.** Exploring is fine.")) == ""
    assert situations.lead(passage("I think we should meet more often than we do.")) == ""
    assert situations.lead([]) == ""


# --- drafted through the service -------------------------------------------------------

GUIDES = (
    "first-session-and-mentoring-agreement.md",
    "repeated-cancellations.md",
    "smart-goals-with-examples.md",
    "nudging-stalled-pairs.md",
)


@pytest.fixture
def guided(world: World) -> World:
    with world.services.sessions() as session:
        ingest_guides(world, session, GUIDES)
        session.commit()
    return world


def _eli_late_with_an_action(world: World) -> None:
    """Eli and Maya met a month ago; Eli's action was due two weeks ago."""
    with world.services.sessions() as session:
        eli = session.scalars(select(Participant).where(Participant.external_id == "E1")).one()
        session.add(
            MentoringSession(
                relationship_id=world.first,
                starts_at=datetime.now(UTC) - timedelta(days=30),
                duration_minutes=45,
                status=SessionStatus.held,
                created_by="test",
            )
        )
        session.add(
            ActionItem(
                relationship_id=world.first,
                owner_id=eli.id,
                text="Send Maya the draft design note",
                due_date=date.today() - timedelta(days=14),
                created_by="test",
            )
        )
        session.commit()


def _lines(draft: object) -> list[str]:
    return [g["snippet"] for g in draft.content["guidance"]]  # type: ignore[attr-defined]


def test_a_first_brief_points_to_the_first_session_section(guided: World) -> None:
    brief = request(guided, DraftKind.brief, relationship_id=guided.first)

    first = _lines(brief)[0]
    assert first.startswith(
        "The next session will be your first with Eli. Worth reading: 'What the first "
        "mentoring session is for', which begins: \"The first meeting sets the pattern for "
        'the whole relationship."'
    ), first
    assert "first-session-and-mentoring-agreement" in brief.content["citations"]
    # What the draft was made from records the section's passages, for the reviewer.
    sources = {(s["document_id"], s["heading"].split(" > ")[1]) for s in brief.sources}
    assert ("first-session-and-mentoring-agreement", "What the first mentoring session is for") in (
        sources
    )


def test_an_overdue_action_is_pointed_to_in_the_brief_but_not_in_the_agenda(
    guided: World,
) -> None:
    _eli_late_with_an_action(guided)

    brief = request(guided, DraftKind.brief, relationship_id=guided.first)
    agenda = request(guided, DraftKind.agenda, relationship_id=guided.first)

    assert _lines(brief)[0].startswith(
        "Eli's action 'Send Maya the draft design note' is overdue. Worth reading: 'When a "
        "mentee comes unprepared or does not follow through'"
    ), _lines(brief)
    assert "comes unprepared" not in agenda.text, agenda.text
    # The agenda still sends the mentor to the section for a pair with no goal yet.
    assert "Read 'When a mentee does not yet know what to work on'" in agenda.text, agenda.text


def test_a_retired_guide_is_not_pointed_to(guided: World) -> None:
    with guided.services.sessions() as session:
        kb.retire_document(
            session=session, doc_id="first-session-and-mentoring-agreement", principal=TEST_SYSTEM
        )
        session.commit()

    brief = request(guided, DraftKind.brief, relationship_id=guided.first)

    assert "first mentoring session" not in brief.text
    assert "first-session-and-mentoring-agreement" not in str(brief.sources)


def test_a_section_written_for_coordinators_is_never_pointed_to_a_pair(
    guided: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An organisation's own pointer to a coordinators' guide: a pair's draft leaves it out.
    first = situations.pointers()[0]
    elsewhere = first.model_copy(
        update={"guide": "nudging-stalled-pairs", "section": "Diagnosing the cause of a stall"}
    )
    rest = situations.pointers()[1:]
    monkeypatch.setattr(situations, "pointers", lambda: (elsewhere, *rest))

    brief = request(guided, DraftKind.brief, relationship_id=guided.first)

    assert "nudging-stalled-pairs" not in str(brief.sources)
    assert "Diagnosing the cause" not in brief.text


def test_a_brief_says_what_is_true_then_the_section_and_its_opening_when_it_may() -> None:
    def passage(chunk_id: str, document_id: str, section: str, text: str) -> Guidance:
        return Guidance(
            chunk_id=chunk_id,
            document_id=document_id,
            title="Guide",
            heading=f"Guide > {section}",
            text=text,
        )

    reliability = passage(
        "r1",
        "rapport-and-trust-remotely",
        "Reliability as the main trust signal at a distance",
        "When people rarely meet, trust is judged mostly on behaviour seen through a screen.",
    )
    follow = passage(
        "f1",
        "repeated-cancellations",
        "When a mentee comes unprepared or does not follow through",
        "Find out why before you push harder. Ask what got in the way.",
    )
    data = _pair(
        guidance=[reliability, follow],
        situations=[
            Situation(
                code="mentor_action_overdue",
                why="Your action 'Book the room' is overdue",
                chunk_ids=["r1"],
            ),
            Situation(
                code="overdue_action", why="Eli's action 'Send it' is overdue", chunk_ids=["f1"]
            ),
        ],
    )

    brief = kinds.draft(DraftKind.brief, data)

    assert [g.snippet for g in brief.guidance] == [
        "Your action 'Book the room' is overdue. Worth reading: 'Reliability as the main trust "
        "signal at a distance'.",
        "Eli's action 'Send it' is overdue. Worth reading: 'When a mentee comes unprepared or "
        'does not follow through\', which begins: "Find out why before you push harder."',
    ]
    assert brief.citations == ["rapport-and-trust-remotely", "repeated-cancellations"]


def test_a_circles_agenda_says_nothing_of_goals_it_was_not_given(guided: World) -> None:
    # A circle's agenda goes to every mentee and holds none of their goals (goals.sight):
    # "no goal yet" would be wrong, and pointing to the goal-setting guide would say so.
    circle = _circle_with_goals(guided)

    agenda = request(guided, DraftKind.agenda, relationship_id=circle)
    brief = request(guided, DraftKind.brief, relationship_id=circle)

    for section in ("From vague wish", "does not yet know what to work on"):
        assert section not in agenda.text, agenda.text
    # The mentor's brief has the circle's goals: one has no milestones yet.
    assert "has no milestones yet" in brief.text, brief.text
