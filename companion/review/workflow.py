"""The review state machine: one transition function over an explicit table.

    pending_review --approve--> approved --deliver--> delivered --withdraw--> withdrawn
    pending_review | changes_requested --(a newer draft)--> superseded
    pending_review --reject--> rejected
    pending_review --request_changes--> changes_requested
    pending_review | changes_requested --edit--> pending_review
    changes_requested --regenerate--> pending_review
    approved --withdraw--> withdrawn

Anything else is an InvalidTransition (409). Every transition writes exactly
one audit event (`review.<action>`, from → to, version, content hash). A
decision names the version it saw; a stale one is refused (409) and changes
nothing. Approving again what one already approved is a no-op.

Two numbers count a draft's changes. `version` counts every write (the system's too)
and is what a decision names; `shown_version` is the one people read: 1 as drafted,
then one more for each decision or edit a person makes.
"""

from __future__ import annotations

import difflib
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from companion.accounts import policy as roles
from companion.accounts.principal import Principal, System, actor_of
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db.base import utcnow
from companion.drafting import blank, grounding, superseding
from companion.drafting import service as drafting
from companion.drafting.models import Draft, DraftStatus
from companion.drafting.text import render_text
from companion.errors import (
    CompanionError,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from companion.programs.models import Program
from companion.review import delivery, outbox, policy
from companion.review.models import OutboxMessage, OutboxStatus
from companion.review.schemas import NOTE_MAX, Action, BulkResult
from prompts import schemas
from prompts.schemas import DraftKind

if TYPE_CHECKING:
    from companion.runtime import Services


S = DraftStatus
TRANSITIONS: dict[tuple[DraftStatus, Action], DraftStatus] = {
    (S.pending_review, Action.approve): S.approved,
    (S.pending_review, Action.reject): S.rejected,
    (S.pending_review, Action.request_changes): S.changes_requested,
    (S.pending_review, Action.edit): S.pending_review,
    (S.changes_requested, Action.edit): S.pending_review,
    (S.changes_requested, Action.regenerate): S.pending_review,
    (S.approved, Action.deliver): S.delivered,
    (S.approved, Action.withdraw): S.withdrawn,
    (S.delivered, Action.withdraw): S.withdrawn,
}
# People decide these; `deliver` is done by the system once approvals are complete.
HUMAN_ACTIONS = {a for a in Action if a != Action.deliver}


def content_hash(draft: Draft) -> str:
    return hashlib.sha256((draft.text or "").encode()).hexdigest()


def transition(
    session: Session, draft: Draft, action: Action, actor: Actor, **data: Any
) -> DraftStatus:
    """Apply one transition from the table, with its one audit event."""
    before = draft.status
    after = _require(draft, action)
    draft.status = after
    draft.decided_by = actor.label
    draft.decided_at = utcnow()
    if action in HUMAN_ACTIONS:
        draft.shown_version = (draft.shown_version or 1) + 1
    session.flush()  # bumps the version; the UPDATE names the version it read
    audit.record(
        session=session,
        actor=actor,
        action=f"review.{action.value}",
        subject_type="draft",
        subject_id=draft.id,
        program_id=draft.program_id,
        data={
            "kind": draft.kind,
            "from": before.value,
            "to": after.value,
            "version": draft.version,
            "content_hash": content_hash(draft),
            **data,
        },
    )
    return after


def available_actions(status: DraftStatus) -> list[str]:
    """The decisions people may take on a draft in `status`, read from the table once."""
    return _AVAILABLE.get(status, [])


_AVAILABLE: dict[DraftStatus, list[str]] = {
    status: sorted(a.value for (s, a) in TRANSITIONS if s == status and a in HUMAN_ACTIONS)
    for status in DraftStatus
}


def _require(draft: Draft, action: Action) -> DraftStatus:
    after = TRANSITIONS.get((draft.status, action))
    if after is None and draft.status == S.superseded:
        newer = f"draft {draft.superseded_by_id}" if draft.superseded_by_id else "a newer draft"
        raise InvalidTransition(
            f"Draft {draft.id} was superseded by {newer}, drafted later for the same "
            f"subject; it can no longer take '{action.value}'. Review {newer} instead."
        )
    if after is None:
        allowed = available_actions(draft.status)
        hint = f"; it can take: {', '.join(allowed)}" if allowed else "; it is final"
        raise InvalidTransition(f"A {draft.status.value} draft cannot take '{action.value}'{hint}.")
    return after


def get_reviewable(*, session: Session, draft_id: int, principal: Principal) -> Draft:
    """A draft `principal` may decide on; to anyone else, one that does not exist."""
    draft = session.get(Draft, draft_id)
    if draft is None or not (
        policy.may_review(session=session, draft=draft, principal=principal)
        or policy.may_approve_story_as_member(session=session, draft=draft, principal=principal)
    ):
        raise NotFound(f"No draft with id {draft_id} awaits your review.")
    return draft


def decisions(*, session: Session, draft: Draft, principal: Principal) -> list[str]:
    """The decisions `principal` may take on the draft now (none for a stranger)."""
    if not policy.may_review(session=session, draft=draft, principal=principal):
        if not policy.may_approve_story_as_member(
            session=session, draft=draft, principal=principal
        ):
            return []
        mine = any(
            a.get("as_member") and a["user_id"] == principal.id for a in draft.approvals or []
        )
        if draft.status == S.approved and not mine:
            return [Action.approve.value]
        return []
    return available_actions(draft.status)


def decide(
    *,
    session: Session,
    draft_id: int,
    action: Action,
    version: int,
    principal: Principal,
    content: dict[str, Any] | None = None,
    note: str = "",
    services: Services,
) -> Draft:
    """A reviewer's decision on the version of a draft they saw (see `_decide`).

    Two decisions racing on one draft: the second UPDATE names a version that
    no longer exists, so it changes nothing and is answered with 409.
    """
    try:
        return _decide(
            session=session,
            draft_id=draft_id,
            action=action,
            version=version,
            principal=principal,
            content=content,
            note=note,
            services=services,
        )
    except (StaleDataError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and "database is locked" not in str(exc.orig):
            raise
        # Under SQLite the second writer may instead find the database locked by the
        # first: the same race, lost the same way, and nothing was changed.
        raise Conflict(
            f"Draft {draft_id} was changed by someone else at the same moment; "
            "reload it and decide again."
        ) from None


def _decide(
    *,
    session: Session,
    draft_id: int,
    action: Action,
    version: int,
    principal: Principal,
    content: dict[str, Any] | None = None,
    note: str = "",
    services: Services,
) -> Draft:
    """A reviewer's decision on the version of a draft they saw."""
    actor = actor_of(principal)
    draft = get_reviewable(session=session, draft_id=draft_id, principal=principal)
    if action not in HUMAN_ACTIONS:
        raise InvalidInput(
            f"action: '{action.value}' is not a decision; use "
            f"{', '.join(sorted(a.value for a in HUMAN_ACTIONS))}.",
            field="action",
        )
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"note: at most {NOTE_MAX} characters.", field="note")
    if action == Action.request_changes and not note.strip():
        raise InvalidInput(
            "note: say what should change, so that the next version gets it right.",
            field="note",
        )
    if draft.status == S.superseded:
        _require(draft, action)  # says which newer draft to review instead
    member_only = not policy.may_review(session=session, draft=draft, principal=principal)
    if action == Action.approve and _already_approved(draft, actor):
        return draft  # approving twice is idempotent
    if version != draft.version:
        raise Conflict(
            f"Draft {draft.id} has changed since version {version} (it is at version "
            f"{draft.version}, {draft.status.value}); reload it and decide again."
        )
    if member_only:
        if action != Action.approve:
            raise InvalidTransition("Members named in a story may only approve it.")
        return _approve_story_as_member(session, draft, actor, services)
    # Drafting again writes its note after the model has answered: nothing is written
    # before, so no transaction is held open across the call.
    if note and action != Action.regenerate:
        draft.review_note = note
    if action == Action.approve:
        # Approving the text as drafted is not an edit, whatever the form sent back.
        if content is not None and not unchanged(session, draft, content):
            _edit(session, draft, content, actor)
        return _approve(session, draft, principal, services)
    if action == Action.edit:
        if content is None:
            raise InvalidInput("content: give the edited draft.", details=[{"field": "content"}])
        before = draft.status
        _edit(session, draft, content, actor)
        transition(session, draft, Action.edit, actor, edited=True, previous=before.value)
        return draft
    if action == Action.regenerate:
        _require(draft, Action.regenerate)
        drafting.regenerate(services=services, session=session, draft=draft, note=note)
        transition(session, draft, Action.regenerate, actor)
        return draft
    if action == Action.withdraw:
        transition(session, draft, Action.withdraw, actor)
        _cancel_notifications(session, draft)
        return draft
    transition(session, draft, action, actor)
    return draft


def _cancel_notifications(session: Session, draft: Draft) -> None:
    """Withdrawn text is never sent, even if a notification was already queued."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.draft_id == draft.id, OutboxMessage.status == OutboxStatus.pending)
        .values(status=OutboxStatus.cancelled, last_error="the draft was withdrawn")
    )


def _already_approved(draft: Draft, actor: Actor) -> bool:
    mine = any(a["by"] == actor.label for a in draft.approvals or [])
    return mine and draft.status in (S.pending_review, S.approved, S.delivered)


def _approval(
    actor: Actor, *, coordinator: bool, as_member: bool = False, name: str | None = None
) -> dict[str, Any]:
    return {
        "user_id": actor.id,
        "by": actor.label,
        # The name recipients read under the text ("reviewed and approved by ...").
        "name": name or actor.label,
        "coordinator": coordinator,
        "as_member": as_member,
        "at": utcnow().isoformat(),
    }


def _approve(session: Session, draft: Draft, principal: Principal, services: Services) -> Draft:
    _require(draft, Action.approve)
    actor = actor_of(principal)
    if blank.is_blank(draft):
        raise InvalidInput(
            f"content: draft {draft.id} is a blank template (AI drafting is off for this "
            "kind); fill it in (edit) before approving it.",
            field="content",
        )
    if not isinstance(principal, System) and policy.four_eyes_impossible(session, draft):
        raise Conflict(
            f"Draft {draft.id} was made from the pair's notes, action items or goals, which "
            "no coordinator may read, so it cannot get the coordinator's approval this "
            "program requires (four eyes). Request changes and regenerate it: under four "
            "eyes it is drafted only from what coordinators may read."
        )
    coordinator = policy.is_coordinator(principal=principal, draft=draft)
    if any(a["by"] == actor.label for a in draft.approvals or []):
        return draft  # this person's approval is already counted (four eyes)
    draft.approvals = [
        *(draft.approvals or []),
        _approval(actor, coordinator=coordinator, name=_display_name(principal)),
    ]
    if not policy.approvals_complete(session, draft):
        _record_approval(session, draft, actor, waiting_for="a coordinator (four eyes)")
        return draft
    transition(session, draft, Action.approve, actor, edited=draft.edited)
    superseding.supersede_older(session=session, draft=draft, actor=actor)
    if not policy.story_approvals_missing(session, draft):
        deliver(session, draft, services)
    return draft


def _display_name(principal: Principal) -> str:
    if isinstance(principal, System):
        return "an administrator"
    return principal.display_name or principal.email


def _record_approval(session: Session, draft: Draft, actor: Actor, **data: Any) -> None:
    """An approval that is not (yet) a transition: audited, but the status stays."""
    draft.shown_version = (draft.shown_version or 1) + 1
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="review.approval_recorded",
        subject_type="draft",
        subject_id=draft.id,
        program_id=draft.program_id,
        data={**data, "version": draft.version},
    )


def _approve_story_as_member(
    session: Session, draft: Draft, actor: Actor, services: Services
) -> Draft:
    if draft.status != S.approved:
        raise InvalidTransition(
            "A coordinator approves a success story first; then each member it names."
        )
    draft.approvals = [
        *(draft.approvals or []),
        _approval(actor, coordinator=False, as_member=True),
    ]
    _record_approval(session, draft, actor, as_member=True)
    if not policy.story_approvals_missing(session, draft):
        deliver(session, draft, services)
    return draft


def validation_context(session: Session, draft: Draft) -> dict[str, Any]:
    program = session.get(Program, draft.program_id) if draft.program_id else None
    sources = draft.sources or []
    return {
        "session_minutes": program.session_minutes if program else None,
        "citable": sorted({s["document_id"] for s in sources}),
        "citable_chunks": sorted({s["chunk_id"] for s in sources}),
        "today": None,
    }


def unchanged(session: Session, draft: Draft, content: dict[str, Any]) -> bool:
    """Whether `content` is the draft's current content, once validated for its kind."""
    return _validated(session, draft, content) == draft.content


def _validated(session: Session, draft: Draft, content: dict[str, Any]) -> dict[str, Any]:
    """A human's version of the content, validated against its kind's schema."""

    output = schemas.OUTPUTS[DraftKind(draft.kind)]
    try:
        validated = output.model_validate(content, context=validation_context(session, draft))
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]) or "content", "message": _reason(e)}
            for e in exc.errors()
        ]
        raise InvalidInput(
            "content: the edited draft does not fit its kind: "
            + "; ".join(f"{d['field']}: {d['message']}" for d in details[:5]),
            details=details,
        ) from None
    return validated.model_dump(mode="json")


def _reason(error: Any) -> str:
    """A validation error's own words: a check's message, not pydantic's "Value error, ..."."""
    context = error.get("ctx") or {}
    if error.get("type") == "value_error" and "error" in context:
        return str(context["error"])
    return str(error["msg"])


def _edit(session: Session, draft: Draft, content: dict[str, Any], actor: Actor) -> None:
    """Replace the content with a human's version; the AI's first version is kept apart."""
    payload = _validated(session, draft, content)
    # A guide is cited only while the text still says what it took from it.
    dropped = grounding.orphaned_citations(draft.content, payload, draft.sources or [])
    if dropped:
        payload["citations"] = [c for c in payload["citations"] if c not in dropped]
    if draft.original_content is None:
        draft.original_content = draft.content
        draft.original_text = draft.text
    # Whatever was approved before the edit was a different text.
    draft.approvals = []
    draft.content = payload
    draft.text = render_text(DraftKind(draft.kind), payload)
    draft.edited_by = actor.label
    if dropped:
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="review.citations_dropped",
            subject_type="draft",
            subject_id=draft.id,
            program_id=draft.program_id,
            data={"citations": dropped, "reason": "the edit removed the text quoting them"},
        )


def diff(draft: Draft) -> str | None:
    """The human's changes to the AI's original, as a unified diff of the texts."""
    if draft.original_text is None:
        return None
    return "".join(
        difflib.unified_diff(
            draft.original_text.splitlines(keepends=True),
            draft.text.splitlines(keepends=True),
            fromfile="drafted",
            tofile="edited",
        )
    )


def deliver(
    session: Session, draft: Draft, services: Services, now: datetime | None = None
) -> Draft:
    """approved -> delivered: make it visible to its recipients, then notify them."""
    delivery.apply_effects(session, draft)
    draft.delivered_at = now or utcnow()
    recipients = policy.recipients(session, draft)
    transition(
        session,
        draft,
        Action.deliver,
        Actor(id=None, label="system"),
        recipients=len(recipients),
    )
    outbox.enqueue(
        session=session,
        draft=draft,
        recipients=[(r.name, r.email) for r in recipients],
        settings=services.settings,
        headline=delivery.headline(draft),
    )
    return draft


MAX_BULK = 200


def bulk_approve(
    *, session: Session, items: list[tuple[int, int]], principal: Principal, services: Services
) -> list[BulkResult]:
    """A coordinator approves many (draft id, version) pairs; each succeeds or fails alone."""
    roles.require_any_coordinator(principal)
    if not 1 <= len(items) <= MAX_BULK:
        raise InvalidInput(f"drafts: approve 1 to {MAX_BULK} drafts at once.", field="drafts")
    results = []
    for draft_id, version in items:
        savepoint = session.begin_nested()
        try:
            draft = decide(
                session=session,
                draft_id=draft_id,
                action=Action.approve,
                version=version,
                principal=principal,
                services=services,
            )
            savepoint.commit()
            results.append(BulkResult(id=draft_id, status=draft.status, ok=True))
        except CompanionError as exc:
            savepoint.rollback()
            results.append(BulkResult(id=draft_id, ok=False, error=exc.code, message=exc.message))
    return results
