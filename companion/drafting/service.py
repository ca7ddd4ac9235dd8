"""Request a draft: gather what it is grounded in, generate it, store it pending review.

Every draft is stored in `pending_review` with its provenance (model, prompt
name@version, the guidance it was given, token use, cost, latency). Generation
writes nothing; with a provider, the read is committed before the model is asked,
so no transaction is open across the call, and the draft is written afterwards. A
failed generation is stored as a `failed` draft with what it cost, in the request's
own transaction: the error is marked `records_failure`, so the request (or the CLI
command) commits it once instead of rolling it back.
Nothing here shows a draft to a participant: the review workflow releases it.
"""

from __future__ import annotations

import time
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts import policy
from companion.accounts.principal import Principal, System, actor_of
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db import end_reads
from companion.db.base import utcnow
from companion.drafting import blank, kinds, privacy, superseding
from companion.drafting.gateway import Gateway, Usage
from companion.drafting.inputs import Sources, Target
from companion.drafting.models import Draft, DraftStatus
from companion.drafting.revision import (
    Revision,
    revised_input,
    shortened,
    understand,
    wants_other_guidance,
)
from companion.drafting.text import render_text
from companion.errors import (
    AIFeatureOff,
    CompanionError,
    Conflict,
    InvalidInput,
    LLMOutputInvalid,
    NotFound,
    PermissionDenied,
)
from companion.programs import ai
from companion.programs.models import Program
from companion.relationships import access, health
from companion.relationships.models import (
    Feedback,
    Goal,
    GoalStatus,
    GoalVisibility,
    MentoringSession,
    Relationship,
    SessionStatus,
)
from prompts import schemas
from prompts.render import render
from prompts.schemas import DraftKind

if TYPE_CHECKING:
    from companion.runtime import Services

TEXT_MAX = 2000
RELATIONSHIP_KINDS = {
    DraftKind.agenda,
    DraftKind.brief,
    DraftKind.feedback_prompts,
    DraftKind.nudge,
    DraftKind.success_story,
}


# --- entry point -----------------------------------------------------------------------


def request_draft(
    *,
    services: Services,
    session: Session,
    kind: DraftKind,
    principal: Principal,
    relationship_id: int | None = None,
    goal_id: int | None = None,
    mentee_id: int | None = None,
    text: str | None = None,
    gateway: Gateway | None = None,
    mock_response: Any = None,
    today: date | None = None,
) -> Draft:
    """Draft `kind` for a relationship, goal or question, if `principal` may ask for it.

    `mentee_id` (a participant id) names whose goal the System drafts in a circle;
    a mentee always drafts their own.
    """
    gateway = gateway or Gateway(services.settings)
    draft, target, actor = _new_draft(
        session, kind, principal, gateway, relationship_id, goal_id, mentee_id, text
    )
    try:
        _generate_and_store(
            draft, services, session, target, text, today, gateway, mock_response, actor
        )
    except CompanionError as exc:
        _record_failure(session, draft, exc, actor)
        raise
    return draft


def _new_draft(
    session: Session,
    kind: DraftKind,
    principal: Principal,
    gateway: Gateway,
    relationship_id: int | None,
    goal_id: int | None,
    mentee_id: int | None,
    text: str | None,
) -> tuple[Draft, Target, Actor]:
    """The draft a permitted request will fill in (not yet in the session)."""
    target = _resolve(session, kind, principal, relationship_id, goal_id, mentee_id, text)
    actor = actor_of(principal)
    request = {
        k: v
        for k, v in {"relationship_id": relationship_id, "goal_id": goal_id, "text": text}.items()
        if v is not None
    }
    draft = Draft(
        kind=kind.value,
        program_id=target.program.id if target.program else None,
        relationship_id=target.relationship.id if target.relationship else None,
        goal_id=target.goal.id if target.goal else None,
        session_id=_next_session_id(session, target, kind),
        subject_participant_id=target.subject_id,
        requested_by_id=actor.id,
        requested_by=actor.label,
        model=gateway.model,
        prompt=kinds.spec(kind).prompt.ref,
        request=request,
        status=DraftStatus.pending_review,
        # Until its input is known, assume the draft may be made from the pair's
        # private material: a failure before then must not show it to coordinators.
        members_only=target.program is not None and member_reviewed(kind, target.program),
    )
    return draft, target, actor


def _generate_and_store(
    draft: Draft,
    services: Services,
    session: Session,
    target: Target,
    text: str | None,
    today: date | None,
    gateway: Gateway,
    mock_response: Any,
    actor: Actor,
) -> None:
    """Generate `draft` and store it pending review.

    Generation writes nothing (the draft joins the session only once it is made), and
    no transaction is open while the model is asked: see `_generate_into`.
    """
    _generate_into(
        draft, services, session, target, text, today, gateway, mock_response, release=True
    )
    _store(draft, session, actor)


def _store(draft: Draft, session: Session, actor: Actor) -> None:
    """Keep a generated draft, pending review, in a short write."""
    session.add(draft)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="drafts.requested",
        subject_type="draft",
        subject_id=draft.id,
        program_id=draft.program_id,
        data={"kind": draft.kind, "model": draft.model, "prompt": draft.prompt},
    )
    superseding.supersede_older(session=session, draft=draft, actor=actor)


def prepare_session(
    *,
    services: Services,
    session: Session,
    principal: Principal,
    relationship_id: int,
    session_id: int,
    gateway: Gateway | None = None,
) -> list[Draft]:
    """The mentor asks for a brief and an agenda for the relationship's next session.

    All or nothing: if either cannot be drafted, neither waits for review, the one
    that failed is recorded as a failed draft, and the error names the failed part.
    """
    from companion.relationships import meetings

    view = access.view(session=session, relationship_id=relationship_id, principal=principal)
    meetings.get_session(session, view, session_id)
    if not view.is_mentor:
        raise PermissionDenied("The mentor of the relationship prepares its sessions.")
    if meetings.next_upcoming_id(session=session, view=view) != session_id:
        raise Conflict("Only the next upcoming session can be prepared.")
    gateway = gateway or Gateway(services.settings)
    prepared: list[tuple[Draft, Actor]] = []
    for kind in (DraftKind.brief, DraftKind.agenda):
        draft, target, actor = _new_draft(
            session, kind, principal, gateway, relationship_id, None, None, None
        )
        try:
            _generate_into(
                draft, services, session, target, None, None, gateway, None, release=True
            )
        except CompanionError as exc:
            _record_failure(session, draft, exc, actor)
            raise _part_failed(exc, kind, [d for d, _ in prepared]) from exc
        prepared.append((draft, actor))
    # Both were made: only now is either written, together.
    for draft, actor in prepared:
        _store(draft, session, actor)
    return [draft for draft, _ in prepared]


PARTS = {DraftKind.brief: "brief", DraftKind.agenda: "agenda"}


def _part_failed(exc: CompanionError, kind: DraftKind, prepared: list[Draft]) -> CompanionError:
    """The error of one part of "prepare this session", saying which part failed."""
    dropped = "".join(
        f" The {PARTS[DraftKind(d.kind)]} drafted with it was not kept, so that the two "
        "stay in step; prepare the session again."
        for d in prepared
    )
    error = type(exc)(
        f"The {PARTS[kind]} could not be drafted: {exc.message}{dropped}",
        details=[*exc.details, {"failed_part": kind.value}],
    )
    error.records_failure, error.record_id = exc.records_failure, exc.record_id
    error.retry_after = exc.retry_after
    return error


# What a new version of a draft takes from generating it again.
GENERATED = (
    "members_only",
    "prompt",
    "sources",
    "model",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "latency_ms",
    "attempts",
    "content",
    "text",
)


def regenerate(
    *,
    services: Services,
    session: Session,
    draft: Draft,
    note: str = "",
    gateway: Gateway | None = None,
) -> Draft:
    """Draft the same request again into the same draft (after changes were requested).

    A step of the `regenerate` decision: `review.workflow.decide` has checked that
    whoever asks reviews this draft. The new version is made from exactly what the
    first was about (its relationship, goal and subject), never re-resolved from
    who asks now. `note` is the reviewer's note if given with this decision, else the
    one given when changes were requested.

    As for a first draft, no transaction is open while a model drafts: the new version
    is generated into a draft of its own that is not in the session, the read is
    committed before the model is asked, and the result is copied onto `draft`
    afterwards. The write names the version the reviewer decided on, so a decision
    taken meanwhile wins and this one is refused (409).
    """
    request = dict(draft.request or {})
    gateway = gateway or Gateway(services.settings)
    note = (note or draft.review_note or "").strip()
    used = {s["document_id"] for s in draft.sources or []}
    target = _target_of(session, draft)
    scratch = Draft(
        kind=draft.kind,
        model=draft.model,
        prompt=draft.prompt,
        members_only=draft.members_only,
        sources=list(draft.sources or []),
    )
    revision = _generate_into(
        scratch,
        services,
        session,
        target,
        request.get("text"),
        None,
        gateway,
        None,
        note=note,
        used_documents=used,
        release=True,
    )
    for column in GENERATED:
        setattr(draft, column, getattr(scratch, column))
    if note:
        draft.review_note = note
    # What became of the reviewer's note: the page and the API say it plainly.
    request.pop("revision", None)
    if revision is not None:
        request["revision"] = revision.as_record(llm=not gateway.offline)
    draft.request = request
    # A new machine version: no human edit or approval applies to it.
    draft.original_content = None
    draft.original_text = None
    draft.edited_by = None
    draft.approvals = []
    return draft


def _target_of(session: Session, draft: Draft) -> Target:
    """What an existing draft was made about, as it was recorded."""
    if draft.relationship_id is None:
        return Target()
    relationship = session.get(Relationship, draft.relationship_id)
    return Target(
        program=session.get(Program, relationship.program_id),
        relationship=relationship,
        people=access.members_of(session, [relationship]),
        goal=session.get(Goal, draft.goal_id) if draft.goal_id is not None else None,
        subject_id=draft.subject_participant_id,
    )


def _next_session_id(session: Session, target: Target, kind: DraftKind) -> int | None:
    """The session a draft is for.

    An agenda: the relationship's next scheduled session, if booked. Feedback
    prompts: the latest held session nobody has answered yet, else the next
    scheduled one (its questions are replaced only while nobody has answered).
    """
    if target.relationship is None or kind not in (DraftKind.agenda, DraftKind.feedback_prompts):
        return None
    sessions = select(MentoringSession.id).where(
        MentoringSession.relationship_id == target.relationship.id
    )
    upcoming = sessions.where(
        MentoringSession.status == SessionStatus.scheduled,
        MentoringSession.starts_at >= utcnow(),
    ).order_by(MentoringSession.starts_at)
    if kind == DraftKind.feedback_prompts:
        unanswered = (
            sessions.where(
                MentoringSession.status == SessionStatus.held,
                ~select(Feedback.id).where(Feedback.session_id == MentoringSession.id).exists(),
            )
            .order_by(MentoringSession.starts_at.desc())
            .limit(1)
        )
        held = session.scalars(unanswered).first()
        if held is not None:
            return held
    return session.scalars(upcoming.limit(1)).first()


def _generate_into(
    draft: Draft,
    services: Services,
    session: Session,
    target: Target,
    text: str | None,
    today: date | None,
    gateway: Gateway,
    mock_response: Any,
    *,
    note: str = "",
    used_documents: frozenset[str] | set[str] = frozenset(),
    release: bool = False,
) -> Revision | None:
    """Gather the inputs, generate and validate, and set the draft's content and usage.

    `note` is a reviewer's request for changes when a draft is made again: it goes
    into the prompt, or the built-in drafter acts on what of it it understands
    (the returned `Revision` says what that was).

    `release`: the caller has written nothing yet that must not stand on its own, so
    the read transaction is committed before a provider is asked; a slow model then
    holds no lock (SQLite) and no snapshot, and the result is written afterwards in a
    transaction of its own."""
    kind = DraftKind(draft.kind)
    if ai.is_off(target.program, ai.drafting(kind.value)):
        _blank_into(draft, kind)
        return None
    today = today or utcnow().date()
    avoid = frozenset(used_documents) if note and wants_other_guidance(note) else frozenset()
    data = _input(session, services, kind, target, text, today, local=gateway.local, avoid=avoid)
    draft.members_only = _members_only(session, data)
    data = privacy.redacted(data)
    registered = kinds.spec(kind)
    draft.prompt = registered.prompt.ref
    revision = understand(note, kind, data) if note else None
    if revision is not None and gateway.offline:
        data = revised_input(revision, data, set(used_documents))
    draft.sources = [g.model_dump(exclude={"focus"}) for g in getattr(data, "guidance", [])]
    context = kinds.validation_context(kind, data)
    usage = Usage(model=draft.model)
    try:
        if gateway.offline:
            started = time.perf_counter()
            content = kinds.draft(kind, data)
            if revision is not None and revision.shorter:
                content = shortened(kind, content)
            content = type(content).model_validate(content.model_dump(), context=context)
            usage = Usage(model="offline", attempts=1)
            usage.latency_ms = (time.perf_counter() - started) * 1000
        else:
            if release:
                end_reads(session)
            content, usage = gateway.generate(
                render(kind, data, note=note),
                registered.output,
                context=context,
                mock_response=mock_response,
                usage=usage,
            )
    finally:
        # What the attempt cost, kept on the draft whether or not it succeeded.
        draft.model = "offline" if gateway.offline else usage.model
        draft.prompt_tokens = usage.prompt_tokens or None
        draft.completion_tokens = usage.completion_tokens or None
        draft.cost_usd = usage.cost_usd
        draft.latency_ms = round(usage.latency_ms, 2)
        draft.attempts = usage.attempts
    payload = content.model_dump(mode="json")
    draft.content = payload
    draft.text = render_text(kind, payload)
    return revision


def _blank_into(draft: Draft, kind: DraftKind) -> None:
    """AI drafting of `kind` is off in the draft's program: a blank template, no model asked.

    Nothing is gathered either (grounding asks the encoder): the person who fills it
    in writes from what they know, and review approves it only once it is filled in.
    """
    content = blank.template(kinds.spec(kind).output)
    draft.model = blank.BLANK_MODEL
    draft.prompt = f"blank:{kind.value}"
    draft.sources = []
    draft.content = content
    draft.text = blank.instructions(kinds.spec(kind).headline, content)
    draft.prompt_tokens = draft.completion_tokens = None
    draft.cost_usd = None
    draft.latency_ms = 0.0
    draft.attempts = 0


# Columns a failed draft does not take from the attempt: its identity, its state, and
# anything the model wrote. Everything else (the subject, provenance, members_only and
# any column added later) is copied, so a failed draft is read by exactly the same people.
NOT_COPIED_ON_FAILURE = frozenset(
    {
        "id",
        "version",
        "status",
        "error",
        "attempts",
        "content",
        "text",
        "original_content",
        "original_text",
        "created_at",
        "updated_at",
    }
)


def _record_failure(session: Session, draft: Draft, exc: CompanionError, actor: Actor) -> None:
    """Keep the failed attempt in the request's transaction, which commits it once.

    Generation wrote nothing (or was rolled back); the failure is flushed, and the
    error marked `records_failure` so that the unit of work commits it (with what the
    attempt cost) instead of rolling it back.
    """
    given = sa_inspect(draft).dict
    copied = {
        column.key: given[column.key]
        for column in sa_inspect(Draft).column_attrs
        if column.key in given and column.key not in NOT_COPIED_ON_FAILURE
    }
    failed = Draft(
        **copied,
        status=DraftStatus.failed,
        error=stored_error(exc, draft),
        attempts=given.get("attempts") or 0,
    )
    session.add(failed)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="drafts.failed",
        subject_type="draft",
        subject_id=failed.id,
        program_id=failed.program_id,
        data={"kind": failed.kind, "error": exc.code},
    )
    exc.records_failure = True
    exc.record_id = failed.id


def stored_error(exc: CompanionError, draft: Draft) -> str:
    """Why a draft failed, as kept with it: never a quote of what the model wrote.

    Invalid output is described by where it broke, not by its text: the model
    writes from the pair's material, and a failed draft outlives the request.
    """
    if isinstance(exc, LLMOutputInvalid):
        problems = sorted({p for d in exc.details for p in d.get("problems", [])})
        where = f" ({', '.join(problems)})" if problems else ""
        return (
            f"The model ({draft.model}) answered twice with output that does not fit the "
            f"{draft.prompt} schema{where}; request the draft again."
        )
    return exc.message


# --- who may ask for what --------------------------------------------------------------


def _resolve(
    session: Session,
    kind: DraftKind,
    principal: Principal,
    relationship_id: int | None,
    goal_id: int | None,
    mentee_id: int | None,
    text: str | None,
) -> Target:
    if kind in (DraftKind.smart_goal, DraftKind.answer):
        if not text or not text.strip():
            field = "text" if kind == DraftKind.smart_goal else "question"
            raise InvalidInput(
                f"{field}: say in a sentence or two what you want.",
                details=[{"field": "text"}],
            )
        if len(text) > TEXT_MAX:
            raise InvalidInput(f"text: at most {TEXT_MAX} characters.", details=[{"field": "text"}])
    if kind == DraftKind.answer:
        policy.require_any_coordinator(principal)
        _require_answers_on(session, principal)
        return Target()
    if kind == DraftKind.smart_check:
        return _checked_goal(session, principal, goal_id)
    if relationship_id is None:
        raise InvalidInput(
            "relationship_id: name the relationship this draft is for.",
            details=[{"field": "relationship_id"}],
        )
    view = access.view(session=session, relationship_id=relationship_id, principal=principal)
    relationship, program, people = view.relationship, view.program, view.people
    target = Target(program=program, relationship=relationship, people=people)
    if kind in (DraftKind.agenda, DraftKind.brief, DraftKind.feedback_prompts):
        if not view.coordinator and not view.is_mentor:
            raise PermissionDenied("The mentor of the relationship or a coordinator asks for this.")
        target.subject_id = view.mentees()[0].participant_id
    elif kind in (DraftKind.nudge, DraftKind.success_story):
        if not view.coordinator:
            raise PermissionDenied("Only a coordinator of the program drafts this.")
        if kind == DraftKind.success_story:
            target.goal = _story_goal(session, relationship, goal_id, people)
        else:
            _require_stalled(session, program, relationship)
    elif kind == DraftKind.smart_goal:
        target.subject_id = _goal_setter(view, principal, mentee_id)
    return target


def _require_stalled(session: Session, program: Program, relationship: Relationship) -> None:
    """A nudge is for a pair that has gone quiet: one that is meeting (not stalled, and
    its next session booked) would be told to pick up what it never put down."""
    now = utcnow()
    flag = health.assess(session=session, program=program, relationships=[relationship], now=now)[
        relationship.id
    ]
    if flag.stalled:
        return
    booked = session.scalars(
        select(MentoringSession.starts_at)
        .where(
            MentoringSession.relationship_id == relationship.id,
            MentoringSession.status == SessionStatus.scheduled,
            MentoringSession.starts_at >= now,
        )
        .order_by(MentoringSession.starts_at)
        .limit(1)
    ).first()
    if booked is not None:
        raise Conflict(
            f"Relationship {relationship.id} is not stalled: this program calls a pair "
            f"stalled after {program.stalled_after_days} days without a session, or with an "
            f"action more than {program.overdue_after_days} days overdue. Its next session "
            f"is booked for {booked.day} {booked:%B %Y}, {booked:%H:%M} UTC. No nudge is "
            "drafted; write to the pair directly if you want to check in.",
            details=[{"field": "relationship_id", "message": "not stalled"}],
        )


def _require_answers_on(session: Session, principal: Principal) -> None:
    """Knowledge-base answers serve every program the asker coordinates: if any of them
    has them switched off, the strictest switch wins and no model is asked."""
    scope = policy.program_ids(principal)
    query = select(Program.name, Program.ai_off).order_by(Program.name)
    if scope is not None:
        query = query.where(Program.id.in_(scope))
    off = [name for name, switched in session.execute(query) if ai.ANSWERS in (switched or [])]
    if off:
        raise AIFeatureOff(
            f"Drafted answers are switched off for {', '.join(off)}: search the knowledge "
            "base instead and read the guides it finds; no answer is drafted.",
            details=[{"field": "question"}],
        )


def _goal_setter(view: access.View, principal: Principal, mentee_id: int | None) -> int:
    """Whose SMART goal this is: a mentee's own, or the one the System names."""
    if view.is_mentee:
        return view.member.participant_id
    if not isinstance(principal, System):
        raise PermissionDenied("A mentee drafts their own goals.")
    mentees = [m.participant_id for m in view.mentees()]
    if mentee_id is None and len(mentees) == 1:
        return mentees[0]
    if mentee_id not in mentees:
        names = ", ".join(view.external_id(m) for m in mentees)
        raise InvalidInput(
            f"mentee: name which mentee of the relationship the goal is for ({names}).",
            details=[{"field": "mentee"}],
        )
    return mentee_id


def _checked_goal(session: Session, principal: Principal, goal_id: int | None) -> Target:
    """A SMART check is for the goal's own mentee; to anyone else the goal does not exist."""
    if goal_id is None:
        raise InvalidInput("goal_id: name the goal to check.", details=[{"field": "goal_id"}])
    not_found = NotFound(f"No goal with id {goal_id}.")
    goal = session.get(Goal, goal_id)
    if goal is None:
        raise not_found
    try:
        view = access.view(
            session=session, relationship_id=goal.relationship_id, principal=principal
        )
    except NotFound:
        raise not_found from None
    own = view.member is not None and view.member.participant_id == goal.mentee_id
    if not own and not isinstance(principal, System):
        raise not_found
    return Target(
        program=view.program,
        relationship=view.relationship,
        people=view.people,
        goal=goal,
        subject_id=goal.mentee_id,
    )


def _story_goal(
    session: Session, relationship: Relationship, goal_id: int | None, people: dict
) -> Goal:
    if goal_id is None:
        raise InvalidInput("goal_id: name the achieved goal the story is about.", field="goal_id")
    goal = session.get(Goal, goal_id)
    if goal is None or goal.relationship_id != relationship.id:
        raise NotFound(f"No goal with id {goal_id} in this relationship.")
    problems = []
    if goal.status != GoalStatus.achieved:
        problems.append("the goal is not achieved yet")
    # A story goes to the whole program, its coordinator first: only a goal its mentee
    # shared with the program may be told (the refusal does not quote the goal).
    if goal.visibility != GoalVisibility.program:
        mentee = people[goal.mentee_id].name if goal.mentee_id in people else "its mentee"
        problems.append(
            f"the goal is not shared with the program ({mentee} can share it on the goal's page)"
        )
    for member in relationship.members:
        name = people[member.participant_id].name
        if not member.story_consent:
            problems.append(f"{name} has not agreed to a story")
        if not member.closing_reflection:
            problems.append(f"{name} has not written a closing reflection")
    if problems:
        raise Conflict("A success story cannot be drafted yet: " + "; ".join(problems) + ".")
    return goal


# --- what a draft is grounded in -------------------------------------------------------


def member_reviewed(kind: DraftKind, program: Program) -> bool:
    """Whether a draft of `kind` may be made from what only the pair may read."""
    return kinds.spec(kind).member_reviewed and not program.four_eyes


def _members_only(session: Session, data: BaseModel) -> bool:
    """Whether an input holds anything a coordinator of the program may not read."""
    if not isinstance(data, schemas.RelationshipInput):
        return False
    if data.open_actions or (data.last_session and data.last_session.shared_notes):
        return True
    if data.expectations or data.earlier_notes or data.feedback_themes or data.thread_summary:
        return True
    ids = [g.id for g in data.goals if g.id is not None]
    return bool(ids) and (
        session.scalars(
            select(Goal.id).where(Goal.id.in_(ids), Goal.visibility != GoalVisibility.program)
        ).first()
        is not None
    )


def _input(
    session: Session,
    services: Services,
    kind: DraftKind,
    target: Target,
    text: str | None,
    today: date,
    *,
    local: bool,
    avoid: frozenset[str] = frozenset(),
) -> BaseModel:
    """What a `kind` draft about `target` is made from, as its kind gathers it."""
    sources = Sources(
        session=session,
        services=services,
        target=target,
        text=text,
        today=today,
        local=local,
        member_reviewed=target.program is not None and member_reviewed(kind, target.program),
        avoid_documents=avoid,
    )
    return kinds.spec(kind).gather(sources)


# --- what scripts see ---------------------------------------------------------------


def failed_draft_of(session: Session, exc: CompanionError) -> Draft | None:
    """The failed draft an error recorded (`records_failure`), if any."""
    if not exc.records_failure or exc.record_id is None:
        return None
    return session.get(Draft, exc.record_id)


def payload(draft: Draft) -> dict[str, Any]:
    """The draft as the API and `--json` print it (scripts depend on these keys)."""
    content = draft.content or {}
    cited = set(content.get("citations") or [])
    for claim in content.get("claims") or []:
        cited.update(claim.get("citations") or [])
    sources = [s for s in draft.sources if s["document_id"] in cited or s["chunk_id"] in cited]
    return {
        "id": draft.id,
        "kind": draft.kind,
        "status": draft.status.value,
        "version": draft.version,
        "shown_version": draft.shown_version or 1,
        "superseded_by": draft.superseded_by_id,
        "model": draft.model,
        "prompt": draft.prompt,
        "content": draft.content,
        "text": draft.text,
        "sources": sources,
        "given_sources": len(draft.sources),
        "program_id": draft.program_id,
        "relationship_id": draft.relationship_id,
        "goal_id": draft.goal_id,
        # Made from the pair's notes, actions or mentor-only goals: no coordinator reviews it.
        "members_only": draft.members_only,
        "requested_by": draft.requested_by,
        "usage": {
            "prompt_tokens": draft.prompt_tokens,
            "completion_tokens": draft.completion_tokens,
            "cost_usd": draft.cost_usd,
            "latency_ms": draft.latency_ms,
            "attempts": draft.attempts,
        },
        "error": draft.error or None,
        # After "request changes" and "draft it again": the reviewer's note and what the
        # drafter did with it (the built-in drafter says when it could not follow it).
        "revision": (draft.request or {}).get("revision"),
        "created_at": draft.created_at,
    }
