"""Leaders' stories: who reads and acts on them, author approval before publication,
the knowledge base under the tag "story", citations by drafts, consented groups."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from companion.audit.models import AuditEvent
from companion.db import session_scope
from companion.drafting import service as drafting
from companion.errors import InvalidTransition, NotFound, PermissionDenied
from companion.guidance.models import KbDocument
from companion.leadership import stories
from companion.leadership.models import StoryStatus
from companion.leadership.schemas import GroupConsent, StorySuggestion, StoryWrite
from prompts.schemas import DraftKind
from tests.leadership.conftest import STORY_BODY, STORY_TITLE, user
from tests.relationships.conftest import World

UNDER = "Under-represented leaders"


def write(world: World, who: str = "maya") -> int:
    with session_scope(world.services.write_sessions) as session:
        story = stories.create(
            session=session,
            principal=user(session, who),
            data=StoryWrite(title=STORY_TITLE, body=STORY_BODY),
        )
        return story.id


def act(world: World, who: str, verb, story_id: int, **kwargs):
    with session_scope(world.services.write_sessions) as session:
        return verb(session=session, story_id=story_id, principal=user(session, who), **kwargs)


def publish(world: World, who: str, story_id: int):
    return act(world, who, stories.publish, story_id, kb_=world.services.knowledge_base)


def stories_in_search(world: World, who: str, query: str) -> list[str]:
    with world.services.sessions() as session:
        hits = stories.search(
            session=session,
            kb_=world.services.knowledge_base,
            principal=user(session, who),
            query=query,
        )
        return [h.doc_id for h in hits]


class TestWhoReadsAnUnpublishedStory:
    @pytest.mark.parametrize("who", ["maya", "lead", "org", "else"])
    def test_its_author_and_coordinators_read_it(self, guided: World, who: str):
        story_id = write(guided)
        with guided.services.sessions() as session:
            story = stories.get(session=session, story_id=story_id, principal=user(session, who))
            assert story.title == STORY_TITLE

    @pytest.mark.parametrize("who", ["nora", "eli", "omar", "pia"])
    def test_everyone_else_is_told_it_does_not_exist(self, guided: World, who: str):
        story_id = write(guided)
        with guided.services.sessions() as session:
            with pytest.raises(NotFound) as seen:
                stories.get(session=session, story_id=story_id, principal=user(session, who))
            with pytest.raises(NotFound) as missing:
                stories.get(session=session, story_id=story_id + 99, principal=user(session, who))
        assert seen.value.message.replace(str(story_id), "N") == missing.value.message.replace(
            str(story_id + 99), "N"
        )

    def test_it_is_not_in_the_knowledge_base_nor_listed(self, guided: World):
        write(guided)
        assert stories_in_search(guided, "nora", "answering every design question") == []
        with guided.services.sessions() as session:
            assert stories.published(session=session, principal=user(session, "nora")) == []


class TestAuthorApprovesThenCoordinatorPublishes:
    def test_a_coordinator_cannot_publish_what_the_author_has_not_approved(self, guided: World):
        story_id = write(guided)
        with pytest.raises(InvalidTransition):
            publish(guided, "lead", story_id)

    def test_only_the_author_approves_and_only_a_coordinator_publishes(self, guided: World):
        story_id = write(guided)
        with pytest.raises(PermissionDenied):
            act(guided, "lead", stories.approve, story_id)
        with pytest.raises(NotFound):
            act(guided, "nora", stories.approve, story_id)
        act(guided, "maya", stories.approve, story_id)
        with pytest.raises(PermissionDenied):
            publish(guided, "maya", story_id)
        published = publish(guided, "lead", story_id)
        assert published.status == StoryStatus.published
        with guided.services.sessions() as session:
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.subject_type == "leader_story")
            ).all()
            assert [(e.action, e.actor_label) for e in events] == [
                ("story.created", "maya@example.org"),
                ("story.approved", "maya@example.org"),
                ("story.published", "lead@example.org"),
            ]

    def test_an_edit_after_approval_needs_approving_again(self, guided: World):
        story_id = write(guided)
        act(guided, "maya", stories.approve, story_id)
        act(
            guided,
            "maya",
            stories.edit,
            story_id,
            data=StoryWrite(title=STORY_TITLE, body=STORY_BODY + " And I still slip."),
        )
        with pytest.raises(InvalidTransition):
            publish(guided, "lead", story_id)

    def test_a_suggestion_is_published_only_once_the_author_takes_and_approves_it(
        self, guided: World
    ):
        story_id = write(guided)
        act(guided, "maya", stories.approve, story_id)
        suggested = STORY_BODY.replace("kindly", "gently")
        act(guided, "lead", stories.suggest, story_id, data=StorySuggestion(body=suggested))
        with pytest.raises(PermissionDenied):
            act(guided, "lead", stories.take_suggestion, story_id)
        # Published now, it is the author's approved text, not the suggestion.
        publish(guided, "lead", story_id)
        with guided.services.sessions() as session:
            document = session.scalars(
                select(KbDocument).where(KbDocument.doc_id == stories.doc_id_of(story_id))
            ).one()
            assert "kindly" in document.body and "gently" not in document.body

    def test_taking_a_suggestion_returns_the_story_to_its_author_for_approval(self, guided: World):
        story_id = write(guided)
        suggested = STORY_BODY.replace("kindly", "gently")
        act(guided, "org", stories.suggest, story_id, data=StorySuggestion(body=suggested))
        taken = act(guided, "maya", stories.take_suggestion, story_id)
        assert taken.status == StoryStatus.draft and "gently" in taken.body
        with pytest.raises(InvalidTransition):
            publish(guided, "org", story_id)
        act(guided, "maya", stories.approve, story_id)
        assert publish(guided, "org", story_id).status == StoryStatus.published


class TestPublishedStories:
    def test_are_searched_under_their_own_tag_and_read_by_everyone(self, guided: World):
        story_id = write(guided)
        act(guided, "maya", stories.approve, story_id)
        publish(guided, "lead", story_id)
        found = stories_in_search(guided, "omar", "leader answering every design question")
        assert found and set(found) == {stories.doc_id_of(story_id)}
        with guided.services.sessions() as session:
            document = session.scalars(
                select(KbDocument).where(KbDocument.doc_id == stories.doc_id_of(story_id))
            ).one()
            assert document.kind == "story" and document.tags == ["story"]
            assert stories.get(session=session, story_id=story_id, principal=user(session, "eli"))

    def test_are_cited_by_drafts_like_guides(self, guided: World):
        story_id = write(guided)
        act(guided, "maya", stories.approve, story_id)
        publish(guided, "lead", story_id)
        with session_scope(guided.services.write_sessions) as session:
            draft = drafting.request_draft(
                services=guided.services,
                session=session,
                kind=DraftKind.answer,
                principal=user(session, "lead"),
                text="What happens when a leader answers every design question themselves?",
            )
            cited = {s["document_id"] for s in draft.sources}
        assert stories.doc_id_of(story_id) in cited

    def test_withdrawing_takes_it_out_of_search(self, guided: World):
        story_id = write(guided)
        act(guided, "maya", stories.approve, story_id)
        publish(guided, "lead", story_id)
        with pytest.raises(PermissionDenied):
            act(guided, "nora", stories.withdraw, story_id, kb_=guided.services.knowledge_base)
        act(guided, "maya", stories.withdraw, story_id, kb_=guided.services.knowledge_base)
        assert stories_in_search(guided, "omar", "answering every design question") == []
        with guided.services.sessions() as session, pytest.raises(NotFound):
            stories.get(session=session, story_id=story_id, principal=user(session, "omar"))


class TestConsentedGroups:
    def _published(self, world: World) -> int:
        story_id = write(world)
        act(world, "maya", stories.approve, story_id)
        publish(world, "lead", story_id)
        return story_id

    def _listed(self, world: World) -> list[int]:
        with world.services.sessions() as session:
            rows = stories.published(session=session, principal=user(session, "eli"), group=UNDER)
            return [s.id for s in rows]

    def test_only_the_author_lists_a_story_under_a_group(self, guided: World):
        story_id = self._published(guided)
        for who in ("lead", "org"):
            with pytest.raises(PermissionDenied):
                act(guided, who, stories.consent_to_group, story_id, data=GroupConsent(group=UNDER))
        assert self._listed(guided) == []
        act(guided, "maya", stories.consent_to_group, story_id, data=GroupConsent(group=UNDER))
        assert self._listed(guided) == [story_id]

    def test_revoking_the_consent_removes_the_listing(self, guided: World):
        story_id = self._published(guided)
        act(guided, "maya", stories.consent_to_group, story_id, data=GroupConsent(group=UNDER))
        act(guided, "maya", stories.consent_to_group, story_id, data=GroupConsent(group=None))
        assert self._listed(guided) == []
        with guided.services.sessions() as session:
            actions = session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("story.group%"))
            ).all()
        assert actions == ["story.group_consented", "story.group_consent_revoked"]

    def test_an_unknown_group_is_refused_naming_the_choices(self):
        with pytest.raises(ValueError, match="Under-represented leaders"):
            GroupConsent(group="Everyone I like")
