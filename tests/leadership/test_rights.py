"""A person's copy holds their stories, reflections and training; erasing them removes all
of it, their published stories from the knowledge base too."""

from __future__ import annotations

from sqlalchemy import func, select

from companion.db import session_scope
from companion.guidance.models import KbDocument
from companion.leadership import stories, training
from companion.leadership.models import StepProgress, Story
from companion.leadership.schemas import StepUpdate, TrainingPathCreate
from companion.rights import erasure, export
from tests.helpers import TEST_SYSTEM
from tests.leadership.conftest import STORY_TITLE, user
from tests.leadership.test_stories import act, publish, stories_in_search, write
from tests.leadership.test_training import PATH
from tests.relationships.conftest import World

REFLECTION = "I answer before they finish asking."


def history(world: World) -> int:
    """Maya's published story, and her first training step done with a reflection."""
    story_id = write(world)
    act(world, "maya", stories.approve, story_id)
    publish(world, "lead", story_id)
    with session_scope(world.services.write_sessions) as session:
        path = training.create_path(
            session=session,
            program_id=world.pilot,
            principal=user(session, "lead"),
            data=TrainingPathCreate.model_validate(PATH),
        )
        training.save_step(
            session=session,
            step_id=path.steps[0].id,
            principal=user(session, "maya"),
            data=StepUpdate(done=True, reflection=REFLECTION),
        )
    return story_id


def test_a_persons_copy_holds_their_stories_and_reflections(guided: World):
    history(guided)
    with guided.services.sessions() as session:
        maya = user(session, "maya")
        data = export.personal_data(session=session, principal=maya, user_id=maya.id)
        nora = user(session, "nora")
        other = export.personal_data(session=session, principal=nora, user_id=nora.id)
    assert [s["title"] for s in data.leader_stories] == [STORY_TITLE]
    assert [t["your_reflection"] for t in data.training] == [REFLECTION]
    assert other.leader_stories == [] and other.training == []


def test_erasing_the_author_takes_their_story_out_of_the_knowledge_base(guided: World):
    story_id = history(guided)
    with session_scope(guided.services.write_sessions) as session:
        report = erasure.erase(
            session=session, principal=TEST_SYSTEM, user_id=user(session, "maya").id, vectors=None
        )
    assert report.deleted["leader_stories"] == 1 and report.deleted["training_progress"] == 1
    with guided.services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Story)) == 0
        assert session.scalar(select(func.count()).select_from(StepProgress)) == 0
        assert (
            session.scalars(
                select(KbDocument).where(KbDocument.doc_id == stories.doc_id_of(story_id))
            ).first()
            is None
        )
    assert stories_in_search(guided, "omar", "answering every design question") == []


def test_erasing_the_publisher_leaves_the_placeholder_as_who_published(guided: World):
    story_id = history(guided)
    with session_scope(guided.services.write_sessions) as session:
        erasure.erase(
            session=session, principal=TEST_SYSTEM, user_id=user(session, "lead").id, vectors=None
        )
    with guided.services.sessions() as session:
        assert session.get(Story, story_id).published_by == erasure.PLACEHOLDER


def test_the_copy_page_shows_the_story_and_the_reflection_to_their_owner(
    guided: World, browser_for
):
    history(guided)
    page = browser_for("maya").get("/account/data").text
    assert STORY_TITLE in page and REFLECTION in page
    other = browser_for("nora").get("/account/data").text
    assert STORY_TITLE not in other and REFLECTION not in other
