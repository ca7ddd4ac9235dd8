"""The review workflow as a Hypothesis state machine over the service layer.

Random requests and decisions by random people, with current or stale
versions and valid or broken edits. After every step: each status is one of
the table's, each status change is a chain of table entries, each transition
wrote exactly one `review.<action>` event (refusals none), and the recipients
read through the delivery gate only delivered text, never an unapproved one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from companion.accounts import service as accounts
from companion.accounts.models import User
from companion.accounts.principal import System
from companion.audit.models import AuditEvent
from companion.drafting import service as drafting
from companion.drafting.models import Draft, DraftStatus
from companion.drafting.text import render_text
from companion.errors import CompanionError, Conflict, InvalidInput, InvalidTransition, NotFound
from companion.programs.models import Program
from companion.relationships.models import MentoringSession
from companion.review import delivery, workflow
from companion.review.workflow import NOTE_MAX, TRANSITIONS, Action
from prompts.schemas import DraftKind
from tests.relationships.conftest import World

S = DraftStatus
OPERATOR = System("operator")
PEOPLE = ("maya", "eli", "lead", "nora", "pia")
COORDINATORS = {"lead"}
KINDS = (DraftKind.agenda, DraftKind.brief, DraftKind.nudge)
REVIEWERS = {
    DraftKind.agenda: {"maya", "lead"},
    DraftKind.brief: {"maya", "lead"},
    DraftKind.nudge: {"lead"},
}
RECIPIENTS = {
    DraftKind.agenda: {"maya", "eli"},
    DraftKind.brief: {"maya"},
    DraftKind.nudge: {"maya", "eli"},
}
# The table as the module docstring of `workflow` draws it; the model and the checks use
# this copy, so that an entry added to (or lost from) `TRANSITIONS` shows up as a failure.
DOCUMENTED = {
    (S.pending_review, Action.approve): S.approved,
    (S.approved, Action.deliver): S.delivered,
    (S.delivered, Action.withdraw): S.withdrawn,
    (S.pending_review, Action.reject): S.rejected,
    (S.pending_review, Action.request_changes): S.changes_requested,
    (S.pending_review, Action.edit): S.pending_review,
    (S.changes_requested, Action.edit): S.pending_review,
    (S.changes_requested, Action.regenerate): S.pending_review,
    (S.approved, Action.withdraw): S.withdrawn,
}
TABLE_STATES = {state for (state, _) in DOCUMENTED} | set(DOCUMENTED.values())
# Not a decision: a newer draft of the same kind for the same subject supersedes an open
# one when it is made (`drafting.superseding`), and nothing moves a draft out of it.
OPEN = (S.pending_review, S.changes_requested)
UNAPPROVED = {S.pending_review, S.rejected, S.changes_requested, S.withdrawn, S.superseded}


def test_the_table_is_the_documented_one() -> None:
    assert TRANSITIONS == DOCUMENTED
    assert set(S) - {S.failed, S.superseded} == TABLE_STATES


@dataclass
class Tracked:
    """What the model expects of one draft, and every text it has held."""

    kind: DraftKind
    status: DraftStatus = S.pending_review
    approvals: tuple[str, ...] = ()
    texts: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Outcome:
    error: type[CompanionError] | None = None
    events: tuple[str, ...] = ()
    status: DraftStatus | None = None
    approvals: tuple[str, ...] = ()


def predict(
    draft: Tracked,
    who: str,
    action: Action,
    *,
    current: bool,
    content: str | None,
    note: str,
    four_eyes: bool,
) -> Outcome:
    """The decision's outcome, from the table and the review policy alone."""
    if who not in REVIEWERS[draft.kind]:
        return Outcome(NotFound)
    if action == Action.deliver or len(note) > NOTE_MAX:
        return Outcome(InvalidInput)
    if action == Action.request_changes and not note.strip():
        return Outcome(InvalidInput)  # a request for changes says what should change
    if draft.status == S.superseded:
        return Outcome(InvalidTransition)  # whatever version it names: review the newer one
    if (
        action == Action.approve
        and who in draft.approvals
        and draft.status in (S.pending_review, S.approved, S.delivered)
    ):
        return Outcome(status=draft.status, approvals=draft.approvals)  # idempotent
    if not current:
        return Outcome(Conflict)
    if action in (Action.approve, Action.edit) and content == "invalid":
        return Outcome(InvalidInput)
    if action == Action.edit and content is None:
        return Outcome(InvalidInput)
    after = DOCUMENTED.get((draft.status, action))
    if after is None:
        return Outcome(InvalidTransition)
    if action == Action.approve:
        approvals = (*(() if content == "valid" else draft.approvals), who)
        if not complete(approvals, four_eyes=four_eyes):
            return Outcome(
                events=("review.approval_recorded",), status=draft.status, approvals=approvals
            )
        delivered = DOCUMENTED[(after, Action.deliver)]
        return Outcome(
            events=("review.approve", "review.deliver"), status=delivered, approvals=approvals
        )
    kept = () if action in (Action.edit, Action.regenerate) else draft.approvals
    return Outcome(events=(f"review.{action.value}",), status=after, approvals=kept)


def complete(approvals: tuple[str, ...], *, four_eyes: bool) -> bool:
    if not four_eyes:
        return bool(approvals)
    return bool(COORDINATORS & set(approvals)) and len(set(approvals)) >= 2


def edited(kind: DraftKind, content: dict[str, Any], mark: int) -> dict[str, Any]:
    """The current content with one text field changed into something unique."""
    changed = copy.deepcopy(content)
    if kind == DraftKind.agenda:
        changed["objectives"][0] = f"Edited objective {mark}: rehearse the guild talk"
    elif kind == DraftKind.brief:
        changed["last_time"] = f"Edited recap {mark}: the pair met and planned the talk."
    else:
        changed["message"] = f"Edited message {mark}: please book your next session."
    return changed


def broken(kind: DraftKind, content: dict[str, Any]) -> dict[str, Any]:
    """The current content with one required text emptied: it no longer fits its kind."""
    changed = copy.deepcopy(content)
    field_name = {DraftKind.agenda: "objectives", DraftKind.brief: "last_time"}.get(kind, "message")
    changed[field_name] = [] if kind == DraftKind.agenda else ""
    return changed


def user(session: Session, who: str) -> User:
    found = accounts.get_by_email(session=session, email=f"{who}@example.org")
    assert found is not None
    return found


def last_seq(session: Session) -> int:
    return session.scalar(select(func.max(AuditEvent.seq))) or 0


def review_events_since(session: Session, seq: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > seq, AuditEvent.action.like("review.%"))
            .order_by(AuditEvent.seq)
        )
    )


class ReviewMachine(RuleBasedStateMachine):
    drafts = Bundle("drafts")

    def __init__(self, world: World, session_id: int) -> None:
        super().__init__()
        self.world = world
        self.session_id = session_id
        self.tracked: dict[int, Tracked] = {}
        self.marks = 0
        self.four_eyes = False

    @initialize(four_eyes=st.booleans())
    def program(self, four_eyes: bool) -> None:
        self.four_eyes = four_eyes
        with self.world.services.sessions() as session:
            session.get(Program, self.world.pilot).four_eyes = four_eyes
            session.commit()

    # A few drafts per example, so that decisions take them deep into the table.
    @precondition(lambda self: len(self.tracked) < 3)
    @rule(target=drafts, kind=st.sampled_from(KINDS))
    def request(self, kind: DraftKind) -> int:
        with self.world.services.sessions() as session:
            seq = last_seq(session)
            # This example's drafts and any an earlier example left open.
            replaced = set(
                session.scalars(
                    select(Draft.id).where(
                        Draft.kind == kind.value,
                        Draft.relationship_id == self.world.first,
                        Draft.status.in_(OPEN),
                    )
                )
            )
            draft = drafting.request_draft(
                services=self.world.services,
                session=session,
                kind=kind,
                principal=OPERATOR,
                relationship_id=self.world.first,
            )
            session.commit()
            assert draft.status == S.pending_review
            events = review_events_since(session, seq)
            assert [e.action for e in events] == ["review.supersede"] * len(replaced)
            assert {int(e.subject_id) for e in events} == replaced
            assert all(e.data["superseded_by"] == draft.id for e in events)
            for replaced_id in replaced & set(self.tracked):
                self.tracked[replaced_id].status = S.superseded
            self.tracked[draft.id] = Tracked(kind=kind, texts={draft.text})
            return draft.id

    @rule(
        draft_id=drafts,
        who=st.sampled_from(PEOPLE),
        action=st.sampled_from(list(Action)),
        fresh=st.sampled_from([True, True, False]),
        content=st.sampled_from([None, "valid", "invalid"]),
        note=st.sampled_from(["", "", "Shorter, please.", "x" * (NOTE_MAX + 1)]),
    )
    def decide(
        self,
        draft_id: int,
        who: str,
        action: Action,
        fresh: bool,
        content: str | None,
        note: str,
    ) -> None:
        self.check_decision(draft_id, who, action, fresh, content, note)

    @rule(draft_id=drafts, content=st.sampled_from([None, None, "valid"]), data=st.data())
    def review(self, draft_id: int, content: str | None, data: st.DataObject) -> None:
        """A reviewer taking one of the moves the table offers: most of these succeed."""
        tracked = self.tracked[draft_id]
        moves = sorted(a for (state, a) in DOCUMENTED if state == tracked.status) or list(Action)
        waiting = REVIEWERS[tracked.kind] - set(tracked.approvals)
        who = data.draw(st.sampled_from(sorted(waiting or REVIEWERS[tracked.kind])))
        action = data.draw(st.sampled_from(moves))
        note = "Shorter, please." if action == Action.request_changes else ""
        self.check_decision(draft_id, who, action, True, content, note)

    def check_decision(
        self,
        draft_id: int,
        who: str,
        action: Action,
        fresh: bool,
        content: str | None,
        note: str,
    ) -> None:
        tracked = self.tracked[draft_id]
        services = self.world.services
        with services.sessions() as session:
            draft = session.get(Draft, draft_id)
            before_status, before_version = draft.status, draft.version
            version = before_version
            if not fresh:
                version = before_version - 1 if before_version > 1 else before_version + 1
            payload = None
            if content == "valid":
                self.marks += 1
                payload = edited(tracked.kind, draft.content, self.marks)
            elif content == "invalid":
                payload = broken(tracked.kind, draft.content)
            expected = predict(
                tracked,
                who,
                action,
                current=fresh,
                content=content,
                note=note,
                four_eyes=self.four_eyes,
            )
            seq = last_seq(session)
            try:
                workflow.decide(
                    session=session,
                    draft_id=draft_id,
                    action=action,
                    version=version,
                    principal=user(session, who),
                    content=payload,
                    note=note,
                    services=services,
                )
            except CompanionError as exc:
                session.rollback()
                assert type(exc) is expected.error, (expected, exc)
            else:
                session.commit()
                assert expected.error is None, (expected, "succeeded")

        with services.sessions() as session:
            draft = session.get(Draft, draft_id)
            events = review_events_since(session, seq)
            assert [e.action for e in events] == list(expected.events)
            assert all(e.subject_type == "draft" and e.subject_id == str(draft_id) for e in events)
            if expected.error is not None:
                assert (draft.status, draft.version) == (before_status, before_version)
                return
            state = before_status
            for event in events:
                if event.action == "review.approval_recorded":
                    continue  # a partial approval is not a transition
                step = Action(event.action.removeprefix("review."))
                assert event.data["from"] == state.value
                assert DOCUMENTED.get((state, step)) == S(event.data["to"]), event.data
                state = S(event.data["to"])
            assert draft.status == state == expected.status
            assert tuple(a["by"].split("@")[0] for a in draft.approvals or []) == (
                expected.approvals
            )
            tracked.status, tracked.approvals = draft.status, expected.approvals
            tracked.texts.add(draft.text)

    @invariant()
    def statuses_are_the_tables_and_the_models(self) -> None:
        with self.world.services.sessions() as session:
            for draft_id, tracked in self.tracked.items():
                status = session.get(Draft, draft_id).status
                assert status in TABLE_STATES | {S.superseded}
                assert status == tracked.status

    @invariant()
    def recipients_read_only_delivered_text(self) -> None:
        with self.world.services.sessions() as session:
            rows = {d: session.get(Draft, d) for d in self.tracked}
            mentoring_session = session.get(MentoringSession, self.session_id)
            for who in ("eli", "maya"):
                reader = user(session, who)
                mine = {
                    d
                    for d, t in self.tracked.items()
                    if t.status == S.delivered and who in RECIPIENTS[t.kind]
                }
                allowed = {rows[d].text for d in mine}
                unapproved = {rows[d].text for d in rows if rows[d].status in UNAPPROVED}
                originals = {r.original_text for r in rows.values() if r.original_text}
                ever = set().union(*(t.texts for t in self.tracked.values()))
                forbidden = (unapproved | originals | ever) - allowed

                found = delivery.delivered_to(session=session, principal=reader)
                assert all(d.status == S.delivered for d in found)
                assert {d.id for d in found if d.id in self.tracked} == mine
                views = [delivery.view_of(d) for d in found if d.id in self.tracked]
                agenda = delivery.agenda_for(
                    session=session, principal=reader, mentoring_session=mentoring_session
                )
                if agenda is not None and agenda.id in self.tracked:
                    views.append(agenda)
                readable = [v.text for v in views]
                readable += [render_text(DraftKind(v.kind), v.content) for v in views]
                if mentoring_session.agenda_draft_id in self.tracked:
                    calendar = delivery.agenda_text_for_members(session, mentoring_session)
                    readable += [calendar] if calendar is not None else []
                for text in readable:
                    assert not any(secret in text for secret in forbidden), (who, text)


def test_the_review_workflow_keeps_its_promises(world: World) -> None:
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    booked = world.client.post(
        f"/api/v1/relationships/{world.first}/sessions",
        headers=world.headers("maya"),
        json={"starts_at": starts.isoformat()},
    )
    assert booked.status_code == 201, booked.json()
    session_id = booked.json()["id"]
    # Maya's time waits for Eli; he accepts, so the session is booked.
    accepted = world.client.post(
        f"/api/v1/sessions/{session_id}/accept", headers=world.headers("eli")
    )
    assert accepted.status_code == 200, accepted.json()
    world.stall(world.first)  # a nudge is for a stalled pair, and this one has a session booked
    run_state_machine_as_test(
        lambda: ReviewMachine(world, session_id),
        settings=settings(max_examples=25, stateful_step_count=15, deadline=None),
    )
