"""Review pages: my queue, one draft with its provenance, and the decisions on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ServicesDep, SessionDep
from api.params import whole_number
from api.web import draft_editor, forms
from api.web.core import Form, WebUser, flash, redirect, render, roles_of
from api.web.forms import FORM
from companion.accounts.models import User
from companion.drafting.models import Draft, DraftStatus
from companion.errors import InvalidInput
from companion.review import queue, workflow
from companion.review.schemas import BulkApprove, Decision
from prompts.schemas import DraftKind

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

KIND_LABELS = {
    DraftKind.agenda: "Session agenda",
    DraftKind.brief: "Mentor brief",
    DraftKind.smart_goal: "SMART goal",
    DraftKind.smart_check: "SMART check",
    DraftKind.feedback_prompts: "Feedback questions",
    DraftKind.answer: "Knowledge-base answer",
    DraftKind.nudge: "Nudge",
    DraftKind.success_story: "Success story",
}
ACTION_LABELS = {
    workflow.Action.approve: "Approve",
    workflow.Action.reject: "Reject",
    workflow.Action.request_changes: "Request changes",
    workflow.Action.edit: "Save edit",
    workflow.Action.regenerate: "Draft it again",
    workflow.Action.withdraw: "Withdraw",
}
AGENDA_FIELDS = ("objectives", "items", "questions", "prep_mentor", "prep_mentee")
QUEUE_PAGE = 50
BULK_WORDS = {
    "too_short": "Tick at least one draft to approve.",
    "too_long": f"Approve at most {workflow.MAX_BULK} drafts at once.",
}


def kind_label(kind: str) -> str:
    try:
        return KIND_LABELS[DraftKind(kind)]
    except (ValueError, KeyError):
        return kind


# --- the queue -------------------------------------------------------------------------


def chosen_kind(kind: str | None) -> tuple[DraftKind | None, dict[str, str]]:
    """The kind filter of a list page, or the error to show next to it."""
    if not kind:
        return None, {}
    try:
        return DraftKind(kind), {}
    except ValueError:
        return None, {"kind": "Choose one of the kinds in the list."}


QUEUE_SORTS = {"oldest": "Oldest first", "newest": "Newest first"}
PREVIEW_CHARS = 220


def queue_query(
    *, kind: str = "", q: str = "", sort: str = "oldest", offset: int = 0, superseded: bool = False
) -> str:
    """The query string of the queue with these filters (only known fields)."""
    asked = {
        "kind": kind,
        "q": q,
        "sort": "" if sort == "oldest" else sort,
        "superseded": "1" if superseded else "",
        "offset": offset,
    }
    return urlencode({k: v for k, v in asked.items() if v})


def queue_link(
    *, kind: str = "", q: str = "", sort: str = "oldest", offset: int = 0, superseded: bool = False
) -> str:
    """The queue with these filters (only known fields: a redirect goes nowhere else)."""
    listed = queue_query(kind=kind, q=q, sort=sort, offset=offset, superseded=superseded)
    return "/review" + (f"?{listed}" if listed else "")


@dataclass(frozen=True)
class QueuePlace:
    """Where in the queue a reviewer opened a draft from: its filters and page, checked."""

    kind: str = ""
    q: str = ""
    sort: str = "oldest"
    offset: int = 0
    superseded: bool = False

    @classmethod
    def read(cls, values: Any) -> QueuePlace:
        """From a query string's or a form's fields; anything unknown falls back to the default."""
        kind = str(values.get("kind") or "")
        sort = str(values.get("sort") or "oldest")
        try:
            offset = whole_number(str(values.get("offset") or 0), field="offset")
        except InvalidInput:
            offset = 0
        return cls(
            kind=kind if kind in {k.value for k in KIND_LABELS} else "",
            q=str(values.get("q") or "").strip()[:200],
            sort=sort if sort in QUEUE_SORTS else "oldest",
            offset=offset,
            superseded=bool(values.get("superseded")),
        )

    def query(self) -> str:
        return queue_query(
            kind=self.kind, q=self.q, sort=self.sort, offset=self.offset, superseded=self.superseded
        )

    def link(self, *, offset: int | None = None) -> str:
        return queue_link(
            kind=self.kind,
            q=self.q,
            sort=self.sort,
            offset=self.offset if offset is None else offset,
            superseded=self.superseded,
        )


def preview_of(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1].rstrip() + "…"


@router.get("/review", response_model=None)
def review_queue(
    request: Request,
    session: SessionDep,
    user: WebUser,
    kind: str | None = None,
    q: str = "",
    sort: str = "oldest",
    offset: int = 0,
    superseded: str = "",
) -> HTMLResponse:
    chosen, errors = chosen_kind(kind)
    show_superseded = bool(superseded)
    if sort not in QUEUE_SORTS:
        errors["sort"], sort = "Choose one of the orders in the list.", "oldest"
    offset = max(offset, 0)
    q = q.strip()[:200]
    items, total = queue.pending_for(
        session=session,
        principal=user,
        kind=chosen,
        search=q,
        newest_first=sort == "newest",
        show_superseded=show_superseded,
        limit=QUEUE_PAGE,
        offset=offset,
    )
    filters = {
        "kind": chosen.value if chosen else "",
        "q": q,
        "sort": sort,
        "superseded": show_superseded,
    }
    return render(
        request,
        "review/queue.html",
        user=user,
        status_code=422 if errors else 200,
        errors=errors,
        items=items,
        total=total,
        offset=offset,
        page_size=QUEUE_PAGE,
        pairs=queue.pair_names(session=session, principal=user, items=items),
        preview_of=preview_of,
        now=datetime.now(UTC),
        q=q,
        sort=sort,
        sorts=QUEUE_SORTS,
        earlier=queue_link(**filters, offset=max(offset - QUEUE_PAGE, 0)) if offset else None,
        later=queue_link(**filters, offset=offset + QUEUE_PAGE)
        if offset + len(items) < total
        else None,
        here=queue_link(**filters, offset=offset),
        # Each draft opens with the queue's place, so a decision returns to it.
        back=queue_query(**filters, offset=offset),
        show_superseded=show_superseded,
        kind=chosen.value if chosen else "",
        kinds=KIND_LABELS,
        kind_label=kind_label,
        # Coordinators bulk-approve drafts that wait for a reviewer, not stories
        # that wait for the members they name.
        bulk={i.id for i in items if i.status == DraftStatus.pending_review},
        can_bulk=roles_of(user)["coordinator"]
        and any(i.status == DraftStatus.pending_review for i in items),
    )


@router.post("/review/bulk-approve", response_model=None)
def bulk_approve(
    request: Request, session: SessionDep, services: ServicesDep, user: WebUser, form: Form
) -> RedirectResponse:
    """Coordinators approve the drafts they ticked; each succeeds or fails on its own."""
    # Each tick box says which version of a draft its reviewer saw: "12:3". A number no
    # column can hold is refused as on every form (422), before the model's own rules.
    ticked = [
        (whole_number(draft_id, field="draft"), whole_number(version, field="draft"))
        for draft_id, version in (str(value).partition(":")[::2] for value in form.getlist("draft"))
    ]
    try:
        chosen = forms.parse(
            BulkApprove,
            {"drafts": [{"id": draft_id, "version": version} for draft_id, version in ticked]},
            words=BULK_WORDS,
        )
        results = forms.run(
            session,
            lambda: workflow.bulk_approve(
                session=session,
                items=[(item.id, item.version) for item in chosen.drafts],
                principal=user,
                services=services,
            ),
        )
    except forms.Refused as refused:
        flash(request, refused.message, "error")
        return redirect(_back_to_queue(form))
    approved = sum(r.ok for r in results)
    flash(request, f"Approved {approved} draft{'' if approved == 1 else 's'}.")
    for failed in (r for r in results if not r.ok):
        flash(request, f"Draft {failed.id} was not approved: {failed.message}", "error")
    return redirect(_back_to_queue(form))


def _back_to_queue(form: Any) -> str:
    """The queue as the reviewer left it: the same filters, at the list."""
    return QueuePlace.read(form).link() + "#waiting"


# --- one draft -------------------------------------------------------------------------


def _lines(items: list[str]) -> str:
    return "\n".join(items)


def edit_values_of(kind: str, content: dict[str, Any] | None) -> dict[str, str]:
    """The edit form prefilled from a draft's current content."""
    content = content or {}
    if kind == DraftKind.agenda.value and content:
        preparation = content.get("preparation") or {}
        return {
            "objectives": _lines(content.get("objectives") or []),
            "items": _lines(
                f"{item['minutes']} | {item['topic']}"
                + (f" | {item['notes']}" if item.get("notes") else "")
                for item in content.get("items") or []
            ),
            "questions": _lines(content.get("questions") or []),
            "prep_mentor": _lines(preparation.get("mentor") or []),
            "prep_mentee": _lines(preparation.get("mentee") or []),
        }
    return draft_editor.values_of(kind, content)


def _non_empty_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _agenda_items(text: str) -> tuple[list[dict[str, Any]], str | None]:
    items = []
    for number, line in enumerate(_non_empty_lines(text), start=1):
        minutes, bar, rest = line.partition("|")
        topic, _, notes = rest.partition("|")
        try:
            length = whole_number(minutes, field="items")
        except InvalidInput:
            length = None
        if not bar or length is None or not topic.strip():
            return [], (
                f"Line {number} is not 'minutes | topic' (e.g. '10 | Check in'); it reads {line!r}."
            )
        items.append({"minutes": length, "topic": topic.strip(), "notes": notes.strip()})
    return items, None


def content_from_form(
    draft: Draft, form: Any
) -> tuple[dict[str, Any] | None, dict[str, str], dict[str, str]]:
    """The edited content from the edit form: (content, errors by field, the values as typed)."""
    if draft.kind == DraftKind.agenda.value:
        values = {name: str(form.get(name, "")) for name in AGENDA_FIELDS}
        items, problem = _agenda_items(values["items"])
        if problem:
            return None, {"items": problem}, values
        content = {
            "objectives": _non_empty_lines(values["objectives"]),
            "items": items,
            "questions": _non_empty_lines(values["questions"]),
            "preparation": {
                "mentor": _non_empty_lines(values["prep_mentor"]),
                "mentee": _non_empty_lines(values["prep_mentee"]),
            },
            # Citations are not edited here: they keep naming the guidance given.
            "citations": list((draft.content or {}).get("citations") or []),
        }
        return content, {}, values
    content, values = draft_editor.content_from(draft.kind, draft.content, form)
    return content, {}, values


# Where a refused edit's problems are shown: an agenda by its fields (a numbered line by
# its number); any other kind by the fields of its schema (api.web.draft_editor).
LINE = "line {n}: "
AGENDA_EDIT_FIELDS: dict[str, forms.Place] = {
    "*": "items",
    "objectives": "objectives",
    "objectives.#": ("objectives", LINE),
    "items": "items",
    "items.#": ("items", LINE),
    "questions": "questions",
    "questions.#": ("questions", LINE),
    "preparation": "prep_mentor",
    "preparation.mentor": "prep_mentor",
    "preparation.mentee": "prep_mentee",
    # The agenda's only whole-content check is that the items fill the session.
    "content": "items",
    "note": "note",
}
# A decision without an edit: only the note is a field of its own.
DECISION_FIELDS: dict[str, forms.Place] = {"*": FORM, "note": "note"}


def decision_fields(kind: str, *, edited: bool) -> dict[str, forms.Place]:
    if not edited:
        return DECISION_FIELDS
    if kind == DraftKind.agenda.value:
        return AGENDA_EDIT_FIELDS
    return draft_editor.error_places(kind)


def diff_lines(diff: str | None) -> list[tuple[str, str]]:
    """The unified diff, line by line, with the class that marks it added or removed."""
    lines = []
    for line in (diff or "").splitlines():
        if line.startswith(("+++", "---")):
            css = ""
        elif line.startswith("+"):
            css = "diff-add"
        elif line.startswith("-"):
            css = "diff-del"
        else:
            css = ""
        lines.append((css, line))
    return lines


def draft_page(
    request: Request,
    session: SessionDep,
    user: User,
    draft_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    edit_values: dict[str, str] | None = None,
    note: str = "",
    place: QueuePlace | None = None,
) -> HTMLResponse:
    draft = workflow.get_reviewable(session=session, draft_id=draft_id, principal=user)
    payload = queue.get_for(session=session, draft_id=draft.id, principal=user)
    place = place or QueuePlace()
    return render(
        request,
        "review/draft.html",
        user=user,
        status_code=status_code,
        errors=errors or {},
        draft=payload,
        full_review=queue.may_review_draft(session=session, draft_id=draft.id, principal=user),
        decisions=workflow.decisions(session=session, draft=draft, principal=user),
        action_labels={a.value: label for a, label in ACTION_LABELS.items()},
        edit_values=edit_values or edit_values_of(draft.kind, draft.content),
        editor=draft_editor.editor_for(draft.kind),
        note=note,
        kind_label=kind_label,
        diff_lines=diff_lines(getattr(payload, "diff", None)),
        back=place.query(),
        back_link=place.link() + f"#draft-{draft.id}",
        dropped=_dropped_citations(payload),
    )


@router.get("/review/{draft_id:int}", response_model=None)
def show_draft(request: Request, draft_id: int, session: SessionDep, user: WebUser) -> HTMLResponse:
    return draft_page(request, session, user, draft_id, place=QueuePlace.read(request.query_params))


def _place_of(form: Any) -> QueuePlace:
    """The queue's place a draft page was opened from (its hidden `back` field)."""
    return QueuePlace.read(dict(parse_qsl(str(form.get("back") or ""))))


# Decisions after which the draft leaves the reviewer's queue: they go on to the next one.
LEAVES_QUEUE = {
    workflow.Action.approve,
    workflow.Action.reject,
    workflow.Action.request_changes,
}


def _next_in_queue(session: SessionDep, user: User, draft_id: int, place: QueuePlace) -> str:
    """The queue as the reviewer left it, at the row after the draft they decided on."""
    following, rows_before = queue.next_after(
        session=session,
        principal=user,
        draft_id=draft_id,
        kind=DraftKind(place.kind) if place.kind else None,
        search=place.q,
        newest_first=place.sort == "newest",
        show_superseded=place.superseded,
    )
    # The page holding that row (the decided draft has left the list, so rows moved up).
    offset = (max(rows_before - (following is None), 0) // QUEUE_PAGE) * QUEUE_PAGE
    anchor = f"#draft-{following}" if following is not None else "#waiting"
    return place.link(offset=offset) + anchor


def _dropped_citations(draft: Any) -> str:
    """What the draft no longer cites since a person's edit, said with the guides' titles."""
    original = getattr(draft, "original_content", None) or {}
    current = getattr(draft, "content", None) or {}
    gone = [c for c in original.get("citations") or [] if c not in (current.get("citations") or [])]
    if not gone:
        return ""
    given = getattr(draft, "given_sources", None)
    if not isinstance(given, list):
        given = getattr(draft, "sources", None) or []
    titles = {s["document_id"]: s.get("title") or s["document_id"] for s in given}
    named = ", ".join(f"“{titles.get(c, c)}”" for c in gone)
    return (
        f"It no longer cites {named}: the edit removed the text that quoted "
        f"{'it' if len(gone) == 1 else 'them'}."
    )


def _done(draft: Draft, action: workflow.Action) -> str:
    if action == workflow.Action.approve:
        if draft.status == DraftStatus.delivered:
            return "Approved and delivered: its recipients can read it now."
        if draft.status == DraftStatus.approved:
            return "Approved; it waits for the members the story names to approve it too."
        return "Your approval is recorded; a coordinator approves it too before it is delivered."
    return {
        workflow.Action.reject: "Rejected: nobody will see this draft.",
        workflow.Action.request_changes: "Changes requested: the draft waits for an edit.",
        workflow.Action.edit: "Your edit is saved; the draft still waits for approval.",
        workflow.Action.regenerate: "Drafted again: review the new version.",
        workflow.Action.withdraw: "Withdrawn: its recipients no longer see it.",
    }.get(action, "Done.")


@router.post("/review/{draft_id:int}", response_model=None)
def decide(
    request: Request,
    draft_id: int,
    session: SessionDep,
    services: ServicesDep,
    user: WebUser,
    form: Form,
) -> HTMLResponse | RedirectResponse:
    """One decision on the version of the draft the reviewer saw (PRG on success)."""
    draft = workflow.get_reviewable(session=session, draft_id=draft_id, principal=user)
    place = _place_of(form)
    note = str(form.get("note", "")).strip()
    content, problems, edit_values = None, {}, None
    if form.get("edited"):
        content, problems, edit_values = content_from_form(draft, form)
    try:
        decision = forms.parse(
            Decision,
            {"action": form.get("action"), "version": form.get("version"), "note": note},
            names={"action": FORM, "version": FORM},
        )
        if problems:
            raise forms.Refused(problems)
        decided = forms.run(
            session,
            lambda: workflow.decide(
                session=session,
                draft_id=draft_id,
                action=decision.action,
                version=decision.version,
                principal=user,
                content=content,
                note=note,
                services=services,
            ),
            names=decision_fields(draft.kind, edited=content is not None),
        )
    except forms.Refused as refused:
        errors = refused.errors
        if refused.status_code == 409:
            # Someone decided first: the page shows the draft as it is now.
            errors = {
                FORM: f"{refused.message} The page now shows the draft as it is; "
                "check it before you decide again."
            }
        return draft_page(
            request,
            session,
            user,
            draft_id,
            errors=errors,
            status_code=refused.status_code,
            edit_values=edit_values if refused.status_code == 422 else None,
            note=note,
            place=place,
        )
    action = decision.action
    flash(request, _done(decided, action))
    dropped = _dropped_citations(decided)
    if dropped:
        flash(request, dropped)
    if action in LEAVES_QUEUE:
        return redirect(_next_in_queue(session, user, draft_id, place))
    back = place.query()
    return redirect(f"/review/{draft_id}" + (f"?{back}" if back else ""))
