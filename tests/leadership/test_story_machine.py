"""Whatever authors and coordinators do, in any order, what readers find in the knowledge
base is exactly a text its author approved, and nothing while the story is not published."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from companion.db import session_scope
from companion.errors import CompanionError
from companion.guidance.models import KbDocument
from companion.leadership import stories
from companion.leadership.models import Story, StoryStatus
from companion.leadership.schemas import StorySuggestion, StoryWrite
from tests.leadership.conftest import STORY_BODY, STORY_TITLE, user
from tests.relationships.conftest import World

ENDINGS = st.sampled_from(["", " I still slip.", " It took a year.", " My team noticed first."])


class StoryMachine(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        with session_scope(world.services.write_sessions) as session:
            self.story_id = stories.create(
                session=session,
                principal=user(session, "maya"),
                data=StoryWrite(title=STORY_TITLE, body=STORY_BODY),
            ).id
        self.text = STORY_BODY
        self.approved: str | None = None  # the text the author last approved, while it holds
        self.suggested: str | None = None
        self.published: str | None = None

    def _try(self, who: str, verb, **kwargs) -> bool:
        try:
            with session_scope(self.world.services.write_sessions) as session:
                verb(
                    session=session, story_id=self.story_id, principal=user(session, who), **kwargs
                )
        except CompanionError:
            return False
        return True

    @rule(ending=ENDINGS)
    def author_edits(self, ending: str) -> None:
        new = STORY_BODY + ending
        if self._try("maya", stories.edit, data=StoryWrite(title=STORY_TITLE, body=new)):
            assert self.published is None
            if new != self.text:
                self.text, self.approved = new, None

    @rule()
    def author_approves(self) -> None:
        if self._try("maya", stories.approve):
            assert self.published is None
            self.approved = self.text

    @rule(ending=ENDINGS)
    def coordinator_suggests(self, ending: str) -> None:
        new = STORY_BODY + ending + " (suggested)"
        if self._try("lead", stories.suggest, data=StorySuggestion(body=new)):
            self.suggested = new

    @rule()
    def author_takes_the_suggestion(self) -> None:
        if self._try("maya", stories.take_suggestion):
            self.text, self.approved, self.suggested = self.suggested, None, None

    @rule(who=st.sampled_from(["lead", "maya", "nora"]))
    def someone_publishes(self, who: str) -> None:
        done = self._try(who, stories.publish, kb_=self.world.services.knowledge_base)
        if self.published is None:
            assert done == (who == "lead" and self.approved == self.text)
        if done:
            self.published = self.text

    @rule(who=st.sampled_from(["lead", "maya", "nora"]))
    def someone_withdraws(self, who: str) -> None:
        done = self._try(who, stories.withdraw, kb_=self.world.services.knowledge_base)
        assert done == (self.published is not None and who in ("lead", "maya"))
        if done:
            self.published, self.approved = None, None

    @invariant()
    def readers_find_only_approved_text(self) -> None:
        with self.world.services.sessions() as session:
            document = session.scalars(
                select(KbDocument).where(KbDocument.doc_id == stories.doc_id_of(self.story_id))
            ).first()
            story = session.get(Story, self.story_id)
            if self.published is None:
                assert document is None and story.status != StoryStatus.published
            else:
                assert story.status == StoryStatus.published
                assert document.body == f"# {STORY_TITLE}\n\n{self.published}\n"
                assert self.published == story.body


def test_published_text_is_always_text_its_author_approved(guided: World) -> None:
    run_state_machine_as_test(
        lambda: StoryMachine(guided),
        settings=settings(max_examples=30, stateful_step_count=15, deadline=None),
    )
