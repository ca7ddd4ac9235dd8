"""Coordinator pages: programs, participants and their import, matching runs, program health."""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from markupsafe import Markup, escape
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from api.deps import PageDep, PageParams, ServicesDep, SessionDep
from api.params import whole_number
from api.routes.matching import MAX_FILE_BYTES
from api.web import admin_pages, forms
from api.web.core import Form, WebUser, flash, redirect, render
from companion.accounts.models import User
from companion.credentials import invitations
from companion.credentials.invitations import InviteState
from companion.errors import CompanionError, InvalidInput
from companion.exports import service as exports
from companion.jobs import service as jobs
from companion.matching import service as matching
from companion.matching.fairness import MIN_GROUP
from companion.matching.models import MatchRun
from companion.matching.schemas import RunSummary
from companion.pagination import MAX_PAGE_SIZE
from companion.participants import service as participants
from companion.participants.schemas import ImportPreview
from companion.programs import policy as program_policy
from companion.programs import service as programs
from companion.programs.models import Program
from companion.relationships import health
from companion.relationships import service as relationships
from companion.relationships.models import RelationshipStatus
from companion.review import stats as review_stats

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

# A checked file travels back in a hidden field when it fits a form field (1 MB, base64);
# a larger one is chosen again to be saved.
CARRY_BYTES = 700_000
SCORE_BINS = 10
WEEKS_SHOWN = 12
# Goal progress on the program page: the first rows; the relationships list has the rest.
PROGRESS_ROWS = 50


# --- charts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar
    value: float
    shown: str  # the value as written above the bar
    name: str  # in the summary and the table of numbers


@dataclass(frozen=True)
class Chart:
    """A bar chart drawn on the server, with the summary and numbers for screen readers.

    The bars run across, one row each: a row's label and value are text at body size
    above its bar, and bar lengths are shares of the width. The drawing fills its
    container at any width without scaling its text, so labels read as well on a
    1280-pixel desktop as on a phone (a scaled picture squeezed them to 4 pixels).
    """

    title: str
    summary: str
    bars: Sequence[Bar]
    max_value: float | None = None
    label_heading: str = "Group"  # of the table of numbers
    value_heading: str = "Value"

    ROW = 52  # pixels per bar: a line of text, the bar, a gap
    TEXT = 16  # font size in pixels: the body's
    BAR = 16

    def svg(self) -> Markup:
        tallest = self.max_value or max((b.value for b in self.bars), default=0) or 1
        height = self.ROW * max(len(self.bars), 1)
        label = escape(f"{self.title}. {self.summary}")
        parts = [
            f'<svg class="chart" width="100%" height="{height}" role="img" aria-label="{label}" '
            'xmlns="http://www.w3.org/2000/svg">',
            f"<title>{label}</title>",
        ]
        for i, bar in enumerate(self.bars):
            top = i * self.ROW
            share = 100 * min(max(bar.value, 0) / tallest, 1)
            parts += [
                f'<text x="0" y="{top + self.TEXT}" font-size="{self.TEXT}" '
                f'fill="#1d2433">{escape(bar.label)}</text>',
                f'<text x="100%" y="{top + self.TEXT}" text-anchor="end" font-size="{self.TEXT}" '
                f'font-weight="600" fill="#1d2433">{escape(bar.shown)}</text>',
                f'<line x1="0" y1="{top + 30}" x2="100%" y2="{top + 30}" stroke="#d9dde5" '
                f'stroke-width="{self.BAR}"></line>',
                f'<rect x="0" y="{top + 22}" width="{share:.1f}%" height="{self.BAR}" '
                'fill="#2357c6"></rect>',
            ]
        parts.append("</svg>")
        return Markup("".join(parts))


def score_chart(scores: Sequence[float]) -> Chart:
    """Match scores in ten bins from 0 to 1."""
    counts = [0] * SCORE_BINS
    for score in scores:
        counts[min(max(int(score * SCORE_BINS), 0), SCORE_BINS - 1)] += 1
    bars = [
        Bar(
            label=f"{i / SCORE_BINS:.1f} to {(i + 1) / SCORE_BINS:.1f}",
            value=n,
            shown=str(n),
            name=f"{i / SCORE_BINS:.1f} to {(i + 1) / SCORE_BINS:.1f}",
        )
        for i, n in enumerate(counts)
    ]
    filled = "; ".join(f"{b.name}: {b.shown}" for b in bars if b.value)
    summary = f"{len(scores)} proposal(s)" + (f", scoring {filled}" if filled else "")
    return Chart(
        "Match scores of the latest run",
        summary,
        bars,
        label_heading="Score",
        value_heading="Proposals",
    )


def fairness_charts(report: dict[str, Any]) -> tuple[list[Chart], str]:
    """One chart per consented attribute (share of mentees matched), and what is left out."""
    charts = []
    hidden = 0
    for attribute, rows in (report.get("by_group") or {}).items():
        shown = [r for r in rows if r.get("shown")]
        hidden += len(rows) - len(shown)
        if not shown:
            continue
        bars = [
            Bar(
                label=str(r["group"]),
                value=100 * r["coverage"],
                shown=f"{r['coverage']:.0%}",
                name=f"{r['group']} ({r['people']} people, mean score {r['mean_score']:.2f})",
            )
            for r in shown
        ]
        summary = "; ".join(f"{b.name}: {b.shown} matched" for b in bars)
        title = f"Share of mentees matched by {attribute.replace('_', ' ')}"
        charts.append(Chart(title, summary, bars, max_value=100, value_heading="Mentees matched"))
    any_rows = any(report.get("by_group", {}).values())
    if not any_rows:
        note = "Nobody in this run consented to share demographic data: there is no breakdown."
    elif hidden:
        note = f"{hidden} consented group(s) of fewer than {MIN_GROUP} people are not shown."
    else:
        note = ""
    return charts, note


def sessions_chart(weeks: list[tuple[date, int]]) -> Chart:
    bars = []
    for monday, n in weeks:
        year, week, _ = monday.isocalendar()
        bars.append(
            Bar(
                label=f"Week of {monday:%d %b}",
                value=n,
                shown=str(n),
                name=f"{year}-W{week:02d} (from {monday:%d %b})",
            )
        )
    total = sum(n for _, n in weeks)
    busiest = max(bars, key=lambda b: b.value)
    summary = f"{total} held in the last {len(weeks)} weeks" + (
        f"; most in {busiest.name}: {busiest.shown}" if total else ""
    )
    return Chart(
        "Sessions held per week", summary, bars, label_heading="Week", value_heading="Sessions held"
    )


# --- shared bits -----------------------------------------------------------------------


def pager(page: PageParams, total: int, base: str) -> dict[str, Any]:
    """Links to the previous and next page of a list, and where this page sits."""
    join = "&" if "?" in base else "?"

    def link(offset: int) -> str:
        return f"{base}{join}limit={page.limit}&offset={offset}"

    return {
        "first": page.offset + 1 if total else 0,
        "last": min(page.offset + page.limit, total),
        "total": total,
        "previous": link(max(page.offset - page.limit, 0)) if page.offset > 0 else None,
        "next": link(page.offset + page.limit) if page.offset + page.limit < total else None,
    }


def _program_for(session: Session, user: User, program_id: int) -> Program:
    return program_policy.coordinated_program(
        session=session, program_id=program_id, principal=user
    )


def _latest_run(session: Session, user: User, program_id: int) -> MatchRun | None:
    runs, _ = matching.list_runs(session=session, program_id=program_id, principal=user, limit=1)
    return runs[0] if runs else None


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")


# --- programs --------------------------------------------------------------------------


@router.get("/coordinator", response_model=None)
def program_list(
    request: Request, user: WebUser, session: SessionDep, page: PageDep
) -> HTMLResponse:
    rows, total = programs.list_managed(
        session=session, principal=user, limit=page.limit, offset=page.offset
    )
    return render(
        request,
        "coordinator/index.html",
        user=user,
        programs=rows,
        runs=lambda program: program_policy.may_coordinate(program_id=program.id, principal=user),
        pages=pager(page, total, "/coordinator"),
    )


@router.get("/coordinator/programs/{program_id}", response_model=None)
def program_overview(
    request: Request, program_id: int, user: WebUser, session: SessionDep
) -> HTMLResponse:
    program = _program_for(session, user, program_id)
    now = datetime.now(UTC)
    overview = health.overview(session=session, program=program, principal=user, now=now)
    counts = {
        label: participants.list_participants(
            session=session, program_id=program_id, principal=user, role=role, limit=1
        )[1]
        for label, role in (("all", None), ("mentor", "mentor"), ("mentee", "mentee"))
    }
    goals = [g for r in overview.per_relationship for g in r.goals]
    goal_statuses = Counter(g.status.value for g in goals)
    latest = _latest_run(session, user, program_id)
    score = fairness = None
    fairness_note = ""
    if latest is not None:
        payload = matching.run_header(session=session, run_id=latest.id, principal=user)
        score = score_chart(
            matching.proposal_scores(session=session, run_id=latest.id, principal=user)
        )
        fairness, fairness_note = fairness_charts(payload.fairness)
    return render(
        request,
        "coordinator/program.html",
        user=user,
        program=program,
        overview=overview,
        people=counts,
        goal_count=len(goals),
        goal_statuses=dict(goal_statuses),
        mean_progress=round(sum(g.progress for g in goals) / len(goals)) if goals else None,
        latest=latest,
        score_chart=score,
        fairness_charts=fairness,
        fairness_note=fairness_note,
        sessions_chart=sessions_chart(
            health.held_per_week(session, program_id=program_id, now=now, weeks=WEEKS_SHOWN)
        ),
        when=_when,
        review_stats=review_stats.review_by_kind(
            session=session, principal=user, program_id=program_id
        ),
        exports=EXPORTS,
        progress_rows=PROGRESS_ROWS,
    )


EXPORTS = (
    ("participants", "Participants", "Who takes part: role, contact, time zone, capacity."),
    ("pairs", "Pairs", "Every pair or circle: its members, status and sessions held."),
    ("sessions", "Sessions", "Every session: when, how long, how, and whether it was held."),
    ("feedback", "Feedback ratings", "Mean ratings by question and role; never the text."),
    ("fairness", "Fairness", "Share matched and mean score by consented group, latest run."),
    ("audit", "Audit trail", "Every recorded change in this program, with its chain hashes."),
)


@router.post("/coordinator/programs/{program_id}/exports", response_model=None)
def export_program_data(
    program_id: int, user: WebUser, session: SessionDep, form: Form
) -> StreamingResponse:
    """Download one table of the program as CSV or JSON Lines."""
    taken = exports.export(
        session=session,
        program_id=program_id,
        dataset=str(form.get("dataset", "")),
        fmt=str(form.get("format", "")),
        principal=user,
    )
    return StreamingResponse(
        taken.lines,
        media_type=taken.media_type,
        headers={"Content-Disposition": f'attachment; filename="{taken.filename}"'},
    )


# --- relationships ---------------------------------------------------------------------

RELATIONSHIP_STATUSES = {
    "active": "Active",
    "paused": "Paused",
    "completed": "Completed",
    "ended_early": "Ended early",
}
RELATIONSHIP_KINDS = {"pair": "Pairs", "circle": "Circles"}


@router.get("/coordinator/programs/{program_id}/relationships", response_model=None)
def relationship_list(
    request: Request, program_id: int, user: WebUser, session: SessionDep, page: PageDep
) -> HTMLResponse:
    """Every pair and circle of the program: search, filters, order, pages."""
    program = _program_for(session, user, program_id)
    asked = request.query_params
    chosen = {name: asked.get(name, "").strip() for name in ("q", "status", "kind", "age")}
    chosen["sort"] = asked.get("sort", "oldest")
    chosen["stalled"] = "yes" if asked.get("stalled") == "yes" else ""
    errors: dict[str, str] = {}
    for name, allowed in (
        ("status", RELATIONSHIP_STATUSES),
        ("kind", RELATIONSHIP_KINDS),
        ("age", relationships.RELATIONSHIP_AGES),
        ("sort", relationships.RELATIONSHIP_SORTS),
    ):
        if chosen[name] and chosen[name] not in allowed:
            errors[name] = "Choose one of the options in the list."
            chosen[name] = "oldest" if name == "sort" else ""
    rows, total = relationships.list_visible(
        session=session,
        program=program,
        principal=user,
        status=RelationshipStatus(chosen["status"]) if chosen["status"] else None,
        stalled_only=bool(chosen["stalled"]),
        search=chosen["q"],
        kind=chosen["kind"] or None,
        age=chosen["age"] or None,
        sort=chosen["sort"],
        limit=page.limit,
        offset=page.offset,
    )
    listed = urlencode(
        {k: v for k, v in chosen.items() if v and not (k == "sort" and v == "oldest")}
    )
    base = f"/coordinator/programs/{program.id}/relationships"
    return render(
        request,
        "coordinator/relationships.html",
        user=user,
        status_code=422 if errors else 200,
        errors=errors,
        program=program,
        rows=rows,
        chosen=chosen,
        filtered=any(chosen[k] for k in ("q", "status", "kind", "age", "stalled")),
        statuses=list(RELATIONSHIP_STATUSES.items()),
        kinds=list(RELATIONSHIP_KINDS.items()),
        ages=[(k, label) for k, (label, _, _) in relationships.RELATIONSHIP_AGES.items()],
        sorts=list(relationships.RELATIONSHIP_SORTS.items()),
        pages=pager(page, total, f"{base}?{listed}" if listed else base),
    )


# --- participants and invitations ------------------------------------------------------


PARTICIPANT_SORTS = {"newest": "Newest first", "name": "Name", "id": "Id"}
PARTICIPANT_ROLES = {"mentor": "Mentoring", "mentee": "Mentored"}


def _participants_page(
    request: Request,
    session: Session,
    user: User,
    program: Program,
    page: PageParams,
    *,
    status_code: int = 200,
    state: InviteState | None = None,
    **context: Any,
) -> HTMLResponse:
    asked = request.query_params
    q, role, sort = asked.get("q", "").strip(), asked.get("role", ""), asked.get("sort", "newest")
    errors = dict(context.pop("errors", None) or {})
    if sort not in PARTICIPANT_SORTS:
        errors["sort"], sort = "Choose one of the orders in the list.", "newest"
    if role and role not in PARTICIPANT_ROLES:
        errors["role"], role = "Choose one of the roles in the list.", ""
    rows, total = invitations.list_statuses(
        session=session,
        principal=user,
        program_id=program.id,
        state=state,
        role=role or None,
        search=q,
        sort=sort,
        limit=page.limit,
        offset=page.offset,
    )
    listed = urlencode({k: v for k, v in (("q", q), ("role", role), ("sort", sort)) if v})
    base = f"/coordinator/programs/{program.id}/participants"
    settings = request.app.state.services.settings
    states = invitations.count_states(session=session, principal=user, program_id=program.id)
    shown = "&".join(part for part in (f"state={state.value}" if state else "", listed) if part)
    return render(
        request,
        "coordinator/participants.html",
        user=user,
        status_code=422 if errors and status_code == 200 else status_code,
        errors=errors,
        program=program,
        statuses=rows,
        state=state,
        states=states,
        pending=states[InviteState.not_invited] + states[InviteState.expired],
        state_labels=invitations.STATE_LABELS,
        emails_configured=bool(settings.smtp_host),
        sso=settings.sso_enabled,
        sso_name=settings.oidc_provider_name,
        invitation_days=invitations.INVITATION_DAYS,
        reminder_days=settings.invitation_reminder_days[: settings.invitation_reminders],
        pages=pager(page, total, f"{base}?{shown}" if shown else base),
        when=_when,
        listed=listed,
        q=q,
        role=role,
        sort=sort,
        sorts=list(PARTICIPANT_SORTS.items()),
        roles_shown=list(PARTICIPANT_ROLES.items()),
        **context,
    )


def _uploaded_file(form: FormData) -> tuple[str, bytes]:
    """The file to import: carried over from a preview, or uploaded with this form."""
    carried = form.get("content")
    if isinstance(carried, str) and carried:
        try:
            data = base64.b64decode(carried, validate=True)
        except (binascii.Error, ValueError):
            raise forms.Refused(
                {"file": "The checked file did not come back intact; choose it again."}
            ) from None
        return str(form.get("filename") or "participants.csv"), data
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise forms.Refused({"file": "Choose a CSV or JSON Lines file (.csv, .jsonl) to import."})
    data = upload.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise forms.Refused(
            {
                "file": f"{upload.filename} is larger than 10 MB, the limit for one import; "
                "split it into several imports."
            }
        )
    if not data:
        raise forms.Refused({"file": "The file is empty."})
    return upload.filename, data


def _problems_of(exc: CompanionError) -> list[dict[str, Any]]:
    return [d for d in exc.details or [] if "line" in d]


@router.get("/coordinator/programs/{program_id}/participants", response_model=None)
def participant_list(
    request: Request,
    program_id: int,
    user: WebUser,
    session: SessionDep,
    page: PageDep,
    state: InviteState | None = None,
) -> HTMLResponse:
    program = _program_for(session, user, program_id)
    return _participants_page(request, session, user, program, page, state=state)


@router.post("/coordinator/programs/{program_id}/participants", response_model=None)
def import_participants(
    request: Request,
    program_id: int,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
    page: PageDep,
) -> HTMLResponse | RedirectResponse:
    """preview=1 checks the file and shows what would happen; without it, the file is saved."""
    program = _program_for(session, user, program_id)
    try:
        filename, data = _uploaded_file(form)
        if form.get("preview"):
            records, problems = forms.run(
                session,
                lambda: participants.check_file(
                    session=session,
                    program_id=program.id,
                    data=data,
                    filename=filename,
                    principal=user,
                ),
                **forms.beside("file"),
            )
            known = {
                p.external_id
                for p in participants.all_participants(session=session, program_id=program_id)
            }
            preview = ImportPreview.from_check(records, problems)
            return _participants_page(
                request,
                session,
                user,
                program,
                page,
                status_code=422 if problems else 200,
                preview=preview,
                new=sum(r.external_id not in known for r in records),
                filename=filename,
                carried=base64.b64encode(data).decode() if len(data) <= CARRY_BYTES else None,
            )
        job = forms.run(
            session,
            lambda: jobs.start_import(
                session=session,
                services=services,
                runner=services.jobs,
                program_id=program.id,
                data=data,
                filename=filename,
                principal=user,
            ),
            **forms.beside("file"),
        )
    except forms.Refused as refused:
        return _participants_page(
            request,
            session,
            user,
            program,
            page,
            status_code=refused.status_code,
            errors=refused.errors,
            problems=_problems_of(refused.cause) if refused.cause else [],
        )
    # Checked already; the import itself runs in the background, and its page links to
    # the list with the people just imported on top.
    return redirect(f"/jobs/{job.id}")


@router.post("/coordinator/programs/{program_id}/invitations", response_model=None)
def invite(
    request: Request,
    program_id: int,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
    page: PageDep,
) -> HTMLResponse | RedirectResponse:
    """Invite a person of this program to set a password: by email, or (no email here, an
    administrator only) with a link shown once."""
    program = _program_for(session, user, program_id)
    email = str(form.get("email", "")).strip()
    try:
        outcome = admin_pages.invite(session, services, user, email)
    except forms.Refused as refused:
        return _participants_page(
            request,
            session,
            user,
            program,
            page,
            status_code=refused.status_code,
            errors=refused.errors,
            email=email,
        )
    flash(request, outcome.notice)
    return redirect(f"/coordinator/programs/{program_id}/participants")


@router.post("/coordinator/programs/{program_id}/invitations/bulk", response_model=None)
def invite_in_bulk(
    request: Request,
    program_id: int,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
    page: PageDep,
) -> HTMLResponse | RedirectResponse:
    """Invite the people ticked in the list, or everyone not yet joined, by email."""
    program = _program_for(session, user, program_id)
    everyone = form.get("scope") == "pending"
    chosen = [str(v) for v in form.getlist("email")] if not everyone else []
    try:
        report = forms.run(
            session,
            lambda: invitations.invite_participants(
                session=session,
                principal=user,
                program_id=program.id,
                settings=services.settings,
                emails=chosen,
                all_pending=everyone,
            ),
            **forms.beside("invite"),
        )
    except forms.Refused as refused:
        return _participants_page(
            request,
            session,
            user,
            program,
            page,
            status_code=refused.status_code,
            errors=refused.errors,
        )
    flash(request, report.summary)
    return redirect(f"/coordinator/programs/{program_id}/participants")


# --- matching --------------------------------------------------------------------------


@router.get("/coordinator/programs/{program_id}/matching", response_model=None)
def run_list(
    request: Request, program_id: int, user: WebUser, session: SessionDep, page: PageDep
) -> HTMLResponse:
    program = _program_for(session, user, program_id)
    rows, total = matching.list_runs(
        session=session, program_id=program_id, principal=user, limit=page.limit, offset=page.offset
    )
    return render(
        request,
        "coordinator/matching.html",
        user=user,
        program=program,
        runs=[RunSummary.from_run(r) for r in rows],
        pages=pager(page, total, f"/coordinator/programs/{program_id}/matching"),
        when=_when,
    )


@router.post("/coordinator/programs/{program_id}/matching", response_model=None)
def start_run(
    request: Request,
    program_id: int,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
) -> RedirectResponse:
    # Matching takes seconds to minutes: it runs in the background, and the job's page
    # shows how far it got and links to the run.
    try:
        job = forms.run(
            session,
            lambda: jobs.start_matching(
                session=session,
                services=services,
                runner=services.jobs,
                program_id=program_id,
                principal=user,
            ),
        )
    except forms.Refused as refused:
        flash(request, refused.message, "error")
        return redirect(f"/coordinator/programs/{program_id}/matching")
    return redirect(f"/jobs/{job.id}")


PROPOSAL_STATUSES = {
    "proposed": "Waiting for a decision",
    "approved": "Approved",
    "rejected": "Rejected",
    "superseded": "Superseded",
}
PROPOSAL_PAGE = 25


def _proposals_listed(asked: Any) -> dict[str, str]:
    """The list a run's page shows, from a query string: only known keys, only their
    defaults left out, so it can travel in a form and come back as a link on this page."""
    kept = {
        "q": str(asked.get("q", "")).strip()[:200],
        "status": str(asked.get("status", "")),
        "sort": str(asked.get("sort", "")),
        "limit": str(asked.get("limit", "")),
        "offset": str(asked.get("offset", "")),
    }
    if kept["status"] not in PROPOSAL_STATUSES:
        kept["status"] = ""
    if kept["sort"] not in matching.PROPOSAL_SORTS or kept["sort"] == "score":
        kept["sort"] = ""
    for number in ("limit", "offset"):
        if not kept[number].isdigit() or int(kept[number]) == 0:
            kept[number] = ""
    if kept["limit"] == str(PROPOSAL_PAGE):
        kept["limit"] = ""
    return {k: v for k, v in kept.items() if v}


def _back_to_run(run_id: int, form: FormData, anchor: str = "proposals") -> str:
    """The run's page as the reader left it (search, filter, order, page), at `anchor`."""
    back = str(form.get("back", ""))
    listed = _proposals_listed(parse_qs_first(back.split("?", 1)[-1]))
    return (
        f"/coordinator/runs/{run_id}" + (f"?{urlencode(listed)}" if listed else "") + (f"#{anchor}")
    )


def parse_qs_first(query: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}


def _run_page(
    request: Request,
    session: Session,
    user: User,
    match_run: MatchRun,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    program = programs.get(session=session, program_id=match_run.program_id)
    # The proposals come a page at a time below; the header never reads all of them.
    payload = matching.run_header(session=session, run_id=match_run.id, principal=user)
    names = matching.names_in_run(session=session, run=payload, principal=user)
    errors = dict(errors or {})
    asked = request.query_params
    q, status, sort = (
        asked.get("q", "").strip(),
        asked.get("status", ""),
        asked.get("sort", "score"),
    )
    if sort not in matching.PROPOSAL_SORTS:
        errors["sort"], sort = "Choose one of the orders in the list.", "score"
    if status and status not in PROPOSAL_STATUSES:
        errors["status"], status = "Choose one of the statuses in the list.", ""
    limit = int(asked["limit"]) if asked.get("limit", "").isdigit() else PROPOSAL_PAGE
    page = PageParams(
        limit=min(max(limit, 1), MAX_PAGE_SIZE),
        offset=int(asked["offset"]) if asked.get("offset", "").isdigit() else 0,
    )
    rows, total = matching.list_proposals(
        session=session,
        run_id=match_run.id,
        principal=user,
        search=q,
        status=status or None,
        sort=sort,
        limit=page.limit,
        offset=page.offset,
    )
    counts = matching.proposal_counts(session=session, run_id=match_run.id, principal=user)
    listed = _proposals_listed({"q": q, "status": status, "sort": sort})
    base = f"/coordinator/runs/{match_run.id}"
    here = _proposals_listed({**listed, "limit": page.limit, "offset": page.offset})
    fairness, fairness_note = fairness_charts(payload.fairness)
    pending = [m for m in rows if m.status == "proposed"]
    return render(
        request,
        "coordinator/run.html",
        user=user,
        status_code=422 if errors and status_code == 200 else status_code,
        errors=errors,
        program=program,
        run=payload,
        created_at=_when(match_run.created_at),
        names=names,
        proposals=rows,
        counts=counts,
        all_proposals=sum(counts.values()),
        pending=pending,
        pages=pager(page, total, f"{base}?{urlencode(listed)}" if listed else base),
        back=f"{base}?{urlencode(here)}" if here else base,
        q=q,
        status=status,
        sort=sort,
        sorts=list(matching.PROPOSAL_SORTS.items()),
        statuses=[(k, f"{label} ({counts[k]})") for k, label in PROPOSAL_STATUSES.items()],
        swap_options=[
            (m.proposal_id, f"Proposal {m.proposal_id}: {m.mentor} with {m.mentee}")
            for m in pending
        ],
        fairness=payload.fairness,
        fairness_charts=fairness,
        fairness_note=fairness_note,
    )


@router.get("/coordinator/runs/{run_id}", response_model=None)
def run_detail(request: Request, run_id: int, user: WebUser, session: SessionDep) -> HTMLResponse:
    match_run = matching.get_run(session=session, run_id=run_id, principal=user)
    return _run_page(request, session, user, match_run)


@router.post("/coordinator/runs/{run_id}/proposals/{proposal_id}/approve", response_model=None)
def approve_proposal(
    request: Request, run_id: int, proposal_id: int, user: WebUser, session: SessionDep, form: Form
) -> RedirectResponse:
    return forms.act(
        request,
        session,
        lambda: matching.approve(session=session, proposal_id=proposal_id, principal=user),
        done=f"Proposal {proposal_id} approved: the pair is now a relationship.",
        # Back to the proposal decided on, in the list as the reader left it.
        back=_back_to_run(run_id, form, f"proposal-{proposal_id}"),
    )


@router.post("/coordinator/runs/{run_id}/proposals/{proposal_id}/reject", response_model=None)
def reject_proposal(
    request: Request, run_id: int, proposal_id: int, user: WebUser, session: SessionDep, form: Form
) -> RedirectResponse:
    return forms.act(
        request,
        session,
        lambda: matching.reject(session=session, proposal_id=proposal_id, principal=user),
        done=f"Proposal {proposal_id} rejected.",
        back=_back_to_run(run_id, form, f"proposal-{proposal_id}"),
    )


@router.post("/coordinator/runs/{run_id}/approve-all", response_model=None)
def approve_all(
    request: Request, run_id: int, user: WebUser, session: SessionDep, form: Form
) -> RedirectResponse:
    report = matching.approve_all(session=session, run_id=run_id, principal=user)
    flash(request, f"Approved {len(report.approved)} proposal(s): each pair is now a relationship.")
    for refused in report.refused:
        flash(
            request,
            f"Not approved: {refused['mentee']} with {refused['mentor']} "
            f"(proposal {refused['proposal_id']}): {refused['reason']}",
            "error",
        )
    return redirect(_back_to_run(run_id, form))


@router.post("/coordinator/runs/{run_id}/swap", response_model=None)
def swap(
    request: Request,
    run_id: int,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
) -> HTMLResponse | RedirectResponse:
    match_run = matching.get_run(session=session, run_id=run_id, principal=user)
    try:
        first = whole_number(str(form.get("first", "")), field="first")
        second = whole_number(str(form.get("second", "")), field="second")
    except InvalidInput:
        return _run_page(
            request,
            session,
            user,
            match_run,
            status_code=422,
            errors={"second": "Choose two proposals to swap."},
        )
    try:
        forms.run(
            session,
            lambda: matching.swap(
                session=session,
                vectors=services.profile_vectors,
                first_id=first,
                second_id=second,
                principal=user,
                run_id=run_id,
                accept_lower=form.get("accept_lower") == "yes",
            ),
            **forms.beside("second"),
        )
    except forms.Refused as refused:
        return _run_page(
            request,
            session,
            user,
            match_run,
            status_code=refused.status_code,
            errors=refused.errors,
        )
    flash(request, f"Proposals {first} and {second} swapped their mentors, and were re-scored.")
    return redirect(_back_to_run(run_id, form, f"proposal-{first}"))
