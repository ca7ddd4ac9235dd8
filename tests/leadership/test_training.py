"""Mentor training paths: coordinators assemble them, the program's mentors keep their own
progress and private reflections, completion is recorded once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from companion.audit.models import AuditEvent
from companion.db import session_scope
from companion.errors import InvalidInput, NotFound, PermissionDenied
from companion.leadership import training
from companion.leadership.schemas import StepUpdate, TrainingPathCreate
from tests.leadership.conftest import user
from tests.relationships.conftest import World

PATH = {
    "title": "Mentoring for people leaders: two short reads",
    "steps": [
        {
            "doc_id": "leaders-as-mentors",
            "question": "Which of your habits as a manager would get in the way as a mentor?",
        },
        {"doc_id": "giving-feedback", "question": "What feedback have you been holding back?"},
    ],
}


def assemble(world: World, who: str = "lead", data: dict | None = None) -> int:
    with session_scope(world.services.write_sessions) as session:
        path = training.create_path(
            session=session,
            program_id=world.pilot,
            principal=user(session, who),
            data=TrainingPathCreate.model_validate(data or PATH),
        )
        return path.id


def step_ids(world: World, path_id: int) -> list[int]:
    with world.services.sessions() as session:
        path = training.get_path(session=session, path_id=path_id, principal=user(session, "lead"))
        return [s.id for s in path.steps]


def save(world: World, who: str, step_id: int, done: bool, reflection: str = "") -> None:
    with session_scope(world.services.write_sessions) as session:
        training.save_step(
            session=session,
            step_id=step_id,
            principal=user(session, who),
            data=StepUpdate(done=done, reflection=reflection),
        )


class TestAssembling:
    def test_only_the_programs_coordinators_assemble_a_path(self, guided: World):
        with pytest.raises(NotFound):
            assemble(guided, "else")  # coordinates another program: this one is not theirs
        with pytest.raises(PermissionDenied):
            assemble(guided, "maya")
        assert assemble(guided, "org")

    def test_an_unknown_guide_is_refused_naming_its_step(self, guided: World):
        data = {**PATH, "steps": [*PATH["steps"], {"doc_id": "no-such", "question": "Why not?"}]}
        with pytest.raises(InvalidInput) as refused:
            assemble(guided, data=data)
        assert refused.value.details[0]["field"] == "steps.2.doc_id"
        assert "Step 3" in refused.value.message
        with guided.services.sessions() as session:
            assert training.paths_of(session=session, principal=user(session, "lead")) == []

    def test_a_section_the_guide_does_not_have_is_refused_with_the_ones_it_has(self, guided: World):
        step = {**PATH["steps"][0], "section": "Nowhere"}
        with pytest.raises(InvalidInput) as refused:
            assemble(guided, data={**PATH, "steps": [step]})
        assert refused.value.details[0]["field"] == "steps.0.section"
        with guided.services.sessions() as session:
            from companion.guidance.models import KbDocument

            doc = session.scalars(
                select(KbDocument).where(KbDocument.doc_id == "leaders-as-mentors")
            ).one()
            first = training.sections_of(doc)[0]
        assert first in refused.value.message
        assert assemble(guided, data={**PATH, "steps": [{**step, "section": first}]})


class TestWhoSeesAPath:
    @pytest.mark.parametrize("who", ["maya", "nora", "lead", "org"])
    def test_the_programs_mentors_and_coordinators(self, guided: World, who: str):
        path_id = assemble(guided)
        with guided.services.sessions() as session:
            assert [p.id for p in training.paths_of(session=session, principal=user(session, who))]
            training.get_path(session=session, path_id=path_id, principal=user(session, who))

    @pytest.mark.parametrize("who", ["eli", "omar", "else"])
    def test_nobody_else(self, guided: World, who: str):
        path_id = assemble(guided)
        with guided.services.sessions() as session:
            assert training.paths_of(session=session, principal=user(session, who)) == []
            with pytest.raises(NotFound):
                training.get_path(session=session, path_id=path_id, principal=user(session, who))

    def test_a_mentee_cannot_keep_progress(self, guided: World):
        first, _ = step_ids(guided, assemble(guided))
        with pytest.raises(NotFound):
            save(guided, "eli", first, True)
        with pytest.raises(PermissionDenied):
            save(guided, "lead", first, True)


class TestProgress:
    def test_completion_is_recorded_once_and_reflections_stay_private(self, guided: World):
        path_id = assemble(guided)
        first, second = step_ids(guided, path_id)
        save(guided, "maya", first, True, "I answer before they finish asking.")
        save(guided, "maya", second, False, "Still thinking.")
        with guided.services.sessions() as session:
            maya = training.view(
                session=session,
                path=training.get_path(
                    session=session, path_id=path_id, principal=user(session, "maya")
                ),
                principal=user(session, "maya"),
            )
            assert maya.steps_done == 1 and maya.completed_at is None
            assert maya.steps[0].reflection == "I answer before they finish asking."
            nora = training.view(
                session=session,
                path=training.get_path(
                    session=session, path_id=path_id, principal=user(session, "nora")
                ),
                principal=user(session, "nora"),
            )
            assert nora.steps_done == 0 and {s.reflection for s in nora.steps} == {None}
        save(guided, "maya", second, True, "Still thinking.")
        save(guided, "maya", second, True, "Done thinking.")
        with guided.services.sessions() as session:
            table = training.progress_table(
                session=session, path_id=path_id, principal=user(session, "lead")
            )
            rows = {r.name: r for r in table}
            assert rows["Maya Berg"].steps_done == 2 and rows["Maya Berg"].completed_at
            assert rows["Nora Diaz"].steps_done == 0 and rows["Nora Diaz"].completed_at is None
            assert "thinking" not in repr(table) and "answer before" not in repr(table)
            with pytest.raises(PermissionDenied):
                training.progress_table(
                    session=session, path_id=path_id, principal=user(session, "maya")
                )
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.subject_type == "training_path")
            ).all()
        assert [e.action for e in events] == [
            "training.path_created",
            "training.step_done",
            "training.step_done",
            "training.path_completed",
        ]
        assert not any("thinking" in str(e.data) for e in events)
