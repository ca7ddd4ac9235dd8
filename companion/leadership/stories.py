"""Leaders' stories: written by a leader, approved by its author, published by a coordinator.

A published story is a knowledge-base document of kind "story" (tagged "story"): it is
searched under its own tag, cited by drafts like any guide, and shown on the home page.
Publishing takes exactly the text its author approved (its hash is checked), so a
coordinator's suggestion reaches readers only after the author takes it and approves
again. Every step is in the audit trail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts.models import User
from companion.accounts.principal import Principal, System, actor_of
from companion.audit import service as audit
from companion.db.base import utcnow
from companion.errors import InvalidInput, InvalidTransition
from companion.guidance import policy as kb_policy
from companion.guidance import service as kb
from companion.guidance.models import KbDocument
from companion.leadership import policy
from companion.leadership.models import Story, StoryStatus
from companion.leadership.schemas import GroupConsent, StoryPublic, StorySuggestion, StoryWrite

if TYPE_CHECKING:
    from companion.guidance.service import KnowledgeBase
    from knowledge.search import SearchResult

TAG = "story"
# Takes a story's document out of the knowledge base for its author, who may not curate it.
_REMOVER = System("leader stories")


def doc_id_of(story_id: int) -> str:
    return f"{kb.STORY_PREFIX}{story_id}"


def _hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\x1f{body}".encode()).hexdigest()


def _record(session: Session, principal: Principal, action: str, story: Story, **data) -> None:
    audit.record(
        session=session,
        actor=actor_of(principal),
        action=action,
        subject_type="leader_story",
        subject_id=story.id,
        data=data,
    )


def get(*, session: Session, story_id: int, principal: Principal) -> Story:
    story = session.get(Story, story_id)
    if story is None:
        raise policy.story_not_found(story_id)
    policy.require_reader(principal, story)
    return story


def public(*, session: Session, story: Story, principal: Principal) -> StoryPublic:
    """The story as `principal` reads it: suggestions only for its author and coordinators."""
    policy.require_reader(principal, story)
    author = session.get(User, story.author_id)
    view = StoryPublic.model_validate(
        {
            **{k: getattr(story, k) for k in ("id", "title", "body", "form", "status")},
            "author_name": author.display_name if author else "",
            "consented_group": story.consented_group,
            "published_at": story.published_at,
        }
    )
    if story.status == StoryStatus.published:
        view.doc_id = doc_id_of(story.id)
    if policy.is_author(principal, story) or policy.may_publish(principal):
        view.approved_at = story.approved_at
        view.suggested_body = story.suggested_body
        view.suggestion_note = story.suggestion_note if story.suggested_body else None
        view.updated_at = story.updated_at
    return view


def create(*, session: Session, principal: Principal, data: StoryWrite) -> Story:
    policy.require_writer(principal)
    story = Story(author_id=principal.id, title=data.title, body=data.body, form=data.form)
    session.add(story)
    session.flush()
    _record(session, principal, "story.created", story, form=story.form.value)
    return story


def _require_not_published(story: Story) -> None:
    if story.status == StoryStatus.published:
        raise InvalidTransition(
            "The story is published: withdraw it first, then change it and approve it again."
        )


def edit(*, session: Session, story_id: int, principal: Principal, data: StoryWrite) -> Story:
    """The author changes the text; it needs their approval again before it is published."""
    story = get(session=session, story_id=story_id, principal=principal)
    policy.require_author(principal, story)
    _require_not_published(story)
    if (story.title, story.body, story.form) == (data.title, data.body, data.form):
        return story
    story.title, story.body, story.form = data.title, data.body, data.form
    _back_to_draft(story)
    session.flush()
    _record(session, principal, "story.edited", story)
    return story


def _back_to_draft(story: Story) -> None:
    story.status = StoryStatus.draft
    story.approved_hash = None
    story.approved_at = None
    story.updated_at = utcnow()


def approve(*, session: Session, story_id: int, principal: Principal) -> Story:
    """The author approves the text as it stands now: this exact text may be published."""
    story = get(session=session, story_id=story_id, principal=principal)
    policy.require_author(principal, story)
    _require_not_published(story)
    story.status = StoryStatus.approved
    story.approved_hash = _hash(story.title, story.body)
    story.approved_at = utcnow()
    story.updated_at = story.approved_at
    session.flush()
    _record(session, principal, "story.approved", story, hash=story.approved_hash)
    return story


def suggest(
    *, session: Session, story_id: int, principal: Principal, data: StorySuggestion
) -> Story:
    """A coordinator suggests a text; the published text stays the author's until they take it."""
    story = get(session=session, story_id=story_id, principal=principal)
    policy.require_publisher(principal, story)
    _require_not_published(story)
    if data.body == story.body:
        raise InvalidInput(
            "The suggested text is the story as it stands: change something first.", field="body"
        )
    story.suggested_body = data.body
    story.suggestion_note = data.note
    story.suggested_by = actor_of(principal).label
    story.updated_at = utcnow()
    session.flush()
    _record(session, principal, "story.edit_suggested", story)
    return story


def take_suggestion(*, session: Session, story_id: int, principal: Principal) -> Story:
    """The author takes the suggested text; it is theirs to approve (or change) again."""
    story = get(session=session, story_id=story_id, principal=principal)
    policy.require_author(principal, story)
    _require_not_published(story)
    if story.suggested_body is None:
        raise InvalidTransition("There is no suggested text to take.")
    story.body = story.suggested_body
    _clear_suggestion(story)
    _back_to_draft(story)
    session.flush()
    _record(session, principal, "story.suggestion_taken", story)
    return story


def dismiss_suggestion(*, session: Session, story_id: int, principal: Principal) -> Story:
    story = get(session=session, story_id=story_id, principal=principal)
    policy.require_author(principal, story)
    if story.suggested_body is None:
        raise InvalidTransition("There is no suggested text to dismiss.")
    _clear_suggestion(story)
    session.flush()
    _record(session, principal, "story.suggestion_dismissed", story)
    return story


def _clear_suggestion(story: Story) -> None:
    story.suggested_body = None
    story.suggestion_note = ""
    story.suggested_by = None


def _document(story: Story, author_name: str):
    from knowledge.documents import SourceDocument

    text = f"# {story.title}\n\n{story.body}\n"
    return SourceDocument(
        doc_id=doc_id_of(story.id),
        title=story.title,
        source=f"leader story {story.id}",
        kind=kb.STORY_KIND,
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        # Who tells it, said once: in the guide's summary and in the search context.
        summary=f"A leader's story, by {author_name}.",
        tags=(TAG,),
    )


def publish(*, session: Session, kb_: KnowledgeBase, story_id: int, principal: Principal) -> Story:
    """A coordinator publishes the text its author approved into the knowledge base."""
    story = get(session=session, story_id=story_id, principal=principal)
    policy.require_publisher(principal, story)
    if story.status == StoryStatus.published:
        return story
    if story.status != StoryStatus.approved or story.approved_hash != _hash(
        story.title, story.body
    ):
        raise InvalidTransition(
            "Its author has not approved this text yet: a story is published only as its "
            "author approved it."
        )
    author = session.get(User, story.author_id)
    kb.ingest_document(
        session=session,
        kb=kb_,
        document=_document(story, author.display_name if author else "a leader"),
        principal=principal,
    )
    story.status = StoryStatus.published
    story.published_at = utcnow()
    story.published_by = actor_of(principal).label
    story.updated_at = story.published_at
    session.flush()
    _record(session, principal, "story.published", story, doc_id=doc_id_of(story.id))
    return story


def withdraw(*, session: Session, kb_: KnowledgeBase, story_id: int, principal: Principal) -> Story:
    """Out of the knowledge base, the home page and every group: its author or a coordinator."""
    story = get(session=session, story_id=story_id, principal=principal)
    policy.require_withdrawer(principal, story)
    if story.status != StoryStatus.published:
        raise InvalidTransition("Only a published story can be withdrawn.")
    _remove_document(session=session, kb_=kb_, story=story)
    story.status = StoryStatus.withdrawn
    story.approved_hash = None
    story.approved_at = None
    story.updated_at = utcnow()
    session.flush()
    _record(session, principal, "story.withdrawn", story)
    return story


def _remove_document(*, session: Session, kb_: KnowledgeBase | None, story: Story) -> None:
    document = session.scalars(
        select(KbDocument).where(KbDocument.doc_id == doc_id_of(story.id))
    ).first()
    if document is None:
        return
    if kb_ is not None:
        kb.delete_document(session=session, kb=kb_, doc_id=document.doc_id, principal=_REMOVER)
    else:
        # Without the vector store at hand, its vectors are dropped by the next search's
        # rebuild, which removes vectors whose passage is gone.
        session.delete(document)
        session.flush()


def consent_to_group(
    *, session: Session, story_id: int, principal: Principal, data: GroupConsent
) -> Story:
    """Only the author lists their story under a group, and only they; None revokes it."""
    story = get(session=session, story_id=story_id, principal=principal)
    policy.require_author(principal, story)
    if story.consented_group == data.group:
        return story
    story.consented_group = data.group
    story.group_consented_at = utcnow() if data.group else None
    session.flush()
    if data.group:
        _record(session, principal, "story.group_consented", story, group=data.group)
    else:
        _record(session, principal, "story.group_consent_revoked", story)
    return story


def published(
    *, session: Session, principal: Principal, group: str | None = None, limit: int = 20
) -> list[Story]:
    """Published stories, newest first; under a group only those whose author consents."""
    if not kb_policy.may_read(principal):
        return []
    query = select(Story).where(Story.status == StoryStatus.published)
    if group:
        query = query.where(Story.consented_group == group)
    return list(session.scalars(query.order_by(Story.published_at.desc()).limit(limit)))


def of_author(*, session: Session, principal: Principal) -> list[Story]:
    if isinstance(principal, System):
        return []
    return list(
        session.scalars(
            select(Story).where(Story.author_id == principal.id).order_by(Story.updated_at.desc())
        )
    )


def awaiting(*, session: Session, principal: Principal) -> list[Story]:
    """For coordinators: stories not yet published (approved ones first)."""
    if not policy.may_publish(principal):
        return []
    return sorted(
        session.scalars(
            select(Story)
            .where(Story.status.in_([StoryStatus.draft, StoryStatus.approved]))
            .order_by(Story.updated_at.desc())
        ),
        key=lambda s: s.status != StoryStatus.approved,
    )


def author_names(session: Session, stories: Sequence[Story]) -> dict[int, str]:
    ids = {s.author_id for s in stories}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def search(
    *, session: Session, kb_: KnowledgeBase, principal: Principal, query: str, top_k: int = 8
) -> list[SearchResult]:
    """The knowledge base, stories only (their own tag)."""
    from knowledge.search import SearchFilters

    return kb.search_for(
        session=session,
        kb=kb_,
        principal=principal,
        query=query,
        top_k=top_k,
        filters=SearchFilters(kind="story"),
    )


def story_id_of(doc_id: str) -> int | None:
    """The story a knowledge-base document is, if it is one."""
    prefix = kb.STORY_PREFIX
    if doc_id.startswith(prefix) and doc_id[len(prefix) :].isdigit():
        return int(doc_id[len(prefix) :])
    return None


def erase_author(*, session: Session, user_id: int) -> int:
    """Every story of a person and its knowledge-base document (for an erasure)."""
    stories = list(session.scalars(select(Story).where(Story.author_id == user_id)))
    for story in stories:
        _remove_document(session=session, kb_=None, story=story)
        session.delete(story)
    session.flush()
    return len(stories)


def actions_for(principal: Principal, story: Story) -> set[str]:
    """What `principal` may do to `story` now: the buttons a page shows (each still checked)."""
    actions: set[str] = set()
    author = policy.is_author(principal, story)
    coordinator = policy.may_publish(principal)
    open_ = story.status != StoryStatus.published
    if author and open_:
        actions |= {"edit", "approve"} if story.status != StoryStatus.approved else {"edit"}
        if story.suggested_body is not None:
            actions |= {"take_suggestion", "dismiss_suggestion"}
    if author:
        actions.add("group")
    if coordinator and open_:
        actions.add("suggest")
        if story.status == StoryStatus.approved:
            actions.add("publish")
    if story.status == StoryStatus.published and (author or coordinator):
        actions.add("withdraw")
    return actions
