"""Leader accountability, without surveillance: who reads a program's figures (and only
when it is turned on), a leader's own figures, and that no content ever appears."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from companion.audit.models import AuditEvent
from companion.db import session_scope
from companion.errors import NotFound
from companion.leadership import accountability
from tests.leadership.conftest import user
from tests.relationships.conftest import World
from tests.rights.conftest import fill_history

# Words that only the content of notes, goals, messages, feedback and drafts contain.
CONTENT = ("private", "goal", "says hi", "liked", "agenda", "shared notes", "future lead")


def turn(world: World, who: str, on: bool) -> None:
    with session_scope(world.services.write_sessions) as session:
        accountability.switch(
            session=session, program_id=world.pilot, principal=user(session, who), turned_on=on
        )


def view(world: World, who: str):
    with world.services.sessions() as session:
        return accountability.program_view(
            session=session, program_id=world.pilot, principal=user(session, who)
        )


class TestWhoReadsTheProgramView:
    @pytest.mark.parametrize("who", ["maya", "eli", "nora", "omar", "pia", "else"])
    def test_participants_and_other_coordinators_are_told_it_does_not_exist(
        self, world: World, who: str
    ):
        turn(world, "lead", True)
        with pytest.raises(NotFound) as refused:
            view(world, who)
        assert refused.value.message == f"No program with id {world.pilot}."
        with pytest.raises(NotFound):
            turn(world, who, False)

    @pytest.mark.parametrize("who", ["lead", "org"])
    def test_its_coordinators_read_it_only_once_turned_on(self, world: World, who: str):
        fill_history(world)
        off = view(world, who)
        assert off.turned_on is False and off.leaders == [] and off.departments == []
        turn(world, who, True)
        on = view(world, who)
        assert {leader.name for leader in on.leaders} == {"Maya Berg", "Nora Diaz"}
        maya = next(x for x in on.leaders if x.name == "Maya Berg")
        assert (maya.people_mentored, maya.sessions_held) == (1, 1)
        assert maya.questions_answered == 0

    def test_community_answers_count_only_a_persons_own_visible_answers(self, world: World):
        from companion.community.models import Answer, PostStatus, Question

        with session_scope(world.services.write_sessions) as session:
            maya = user(session, "maya")
            asked = Question(
                program_id=world.pilot,
                author_id=user(session, "pia").id,
                title="How?",
                topic="careers",
                vector=b"",
            )
            session.add(asked)
            session.flush()
            for status, draft in ((PostStatus.visible, None), (PostStatus.hidden, None)):
                session.add(
                    Answer(
                        question_id=asked.id,
                        author_id=maya.id,
                        body="x",
                        status=status,
                        draft_id=draft,
                    )
                )
        turn(world, "lead", True)
        maya_figures = next(x for x in view(world, "lead").leaders if x.name == "Maya Berg")
        assert maya_figures.questions_answered == 1

    def test_switching_is_audited(self, world: World):
        turn(world, "lead", True)
        turn(world, "org", False)
        with world.services.sessions() as session:
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("leadership.%"))
            ).all()
        assert [(e.action, e.actor_label) for e in events] == [
            ("leadership.accountability_on", "lead@example.org"),
            ("leadership.accountability_off", "org@example.org"),
        ]


class TestNoContent:
    def test_no_content_of_notes_goals_or_messages_appears(self, world: World):
        fill_history(world)
        turn(world, "lead", True)
        dumped = view(world, "lead").model_dump_json().lower()
        with world.services.sessions() as session:
            own = accountability.my_figures(session=session, principal=user(session, "maya"))
        dumped += "".join(f.model_dump_json().lower() for f in own)
        for word in CONTENT:
            assert word not in dumped, word

    def test_the_read_models_hold_counts_and_names_only(self):
        from companion.leadership.schemas import DepartmentFigures, LeaderFigures

        allowed = {"program_id", "program_name", "name", "department", "leaders"}
        for model in (LeaderFigures, DepartmentFigures):
            for name, field in model.model_fields.items():
                assert name in allowed or field.annotation in (int, int | None), name


class TestOwnFigures:
    def test_a_leader_reads_their_own_figures_even_while_the_view_is_off(self, world: World):
        fill_history(world)
        with world.services.sessions() as session:
            mine = accountability.my_figures(session=session, principal=user(session, "maya"))
            eli = accountability.my_figures(session=session, principal=user(session, "eli"))
        assert [(f.name, f.sessions_held) for f in mine] == [("Maya Berg", 1)]
        assert eli == []
