"""Leaders' stories, mentor training paths and leaders' figures, in the browser."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from api.deps import ServicesDep, SessionDep
from api.web import forms
from api.web.core import Form, WebUser, flash, guide_url, redirect, render
from api.web.knowledge_pages import snippet_html
from companion.errors import InvalidInput
from companion.leadership import accountability, stories, training
from companion.leadership.models import StoryForm
from companion.leadership.schemas import (
    STORY_GROUPS,
    AccountabilitySwitch,
    GroupConsent,
    StepUpdate,
    StorySuggestion,
    StoryWrite,
    TrainingPathCreate,
    TrainingStepCreate,
)
from knowledge.render import render_markdown

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

STEP_ROWS = 5
FORMS = [
    (StoryForm.written.value, "Written"),
    (StoryForm.video_transcript.value, "Video diary transcript"),
]


# --- stories -------------------------------------------------------------------


@router.get("/stories", response_model=None)
def stories_home(
    request: Request,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    q: str = "",
    group: str = "",
) -> HTMLResponse:
    errors: dict[str, str] = {}
    results = []
    if group and group not in STORY_GROUPS:
        errors["group"] = f"Choose one of: {', '.join(STORY_GROUPS)}."
        group = ""
    if q.strip():
        try:
            hits = stories.search(
                session=session, kb_=services.knowledge_base, principal=user, query=q
            )
            results = [
                {"hit": h, "snippet": snippet_html(h.snippet), "id": stories.story_id_of(h.doc_id)}
                for h in hits
            ]
        except InvalidInput as exc:
            errors["q"] = exc.message
    listed = stories.published(session=session, principal=user, group=group or None)
    mine = stories.of_author(session=session, principal=user)
    waiting = stories.awaiting(session=session, principal=user)
    return render(
        request,
        "leadership/stories.html",
        user=user,
        errors=errors,
        q=q,
        group=group,
        groups=[(g, g) for g in STORY_GROUPS],
        searched=bool(q.strip()) and "q" not in errors,
        results=results,
        listed=listed,
        mine=mine,
        waiting=waiting,
        names=stories.author_names(session, [*listed, *waiting]),
    )


def _new_story_page(
    request: Request, user: Any, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "leadership/story_new.html",
        user=user,
        values=values,
        errors=errors,
        forms_=FORMS,
        status_code=status,
    )


@router.get("/stories/new", response_model=None)
def new_story(request: Request, user: WebUser) -> HTMLResponse:
    return _new_story_page(request, user, {"title": "", "body": "", "form": "written"}, {})


@router.post("/stories", response_model=None)
def create_story(
    request: Request, user: WebUser, session: SessionDep, form: Form
) -> HTMLResponse | RedirectResponse:
    values = forms.values_of(form, ("title", "body", "form"))
    try:
        data = forms.parse(StoryWrite, values)
        story = forms.run(
            session, lambda: stories.create(session=session, principal=user, data=data)
        )
    except forms.Refused as refused:
        return _new_story_page(request, user, values, refused.errors, refused.status_code)
    flash(request, "Your story is saved. Read it through, then approve it for publication.")
    return redirect(f"/stories/{story.id}")


def _story_page(
    request: Request,
    session: Any,
    user: Any,
    story_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    story = stories.get(session=session, story_id=story_id, principal=user)
    view = stories.public(session=session, story=story, principal=user)
    rendered = render_markdown(view.body)
    return render(
        request,
        "leadership/story.html",
        user=user,
        story=view,
        body=Markup(rendered.html),
        # Safe: rendered with raw HTML off, so the author's own markup is escaped.
        suggested=Markup(render_markdown(view.suggested_body).html) if view.suggested_body else "",
        actions=stories.actions_for(user, story),
        values=values or {"title": view.title, "body": view.body, "form": view.form.value},
        errors=errors or {},
        groups=[(g, g) for g in STORY_GROUPS],
        forms_=FORMS,
        status_code=status,
    )


@router.get("/stories/{story_id}", response_model=None)
def read_story(request: Request, story_id: int, user: WebUser, session: SessionDep) -> HTMLResponse:
    return _story_page(request, session, user, story_id)


@router.post("/stories/{story_id}/edit", response_model=None)
def edit_story(
    request: Request, story_id: int, user: WebUser, session: SessionDep, form: Form
) -> HTMLResponse | RedirectResponse:
    values = forms.values_of(form, ("title", "body", "form"))
    try:
        data = forms.parse(StoryWrite, values)
        forms.run(
            session,
            lambda: stories.edit(session=session, story_id=story_id, principal=user, data=data),
        )
    except forms.Refused as refused:
        return _story_page(
            request,
            session,
            user,
            story_id,
            errors=refused.errors,
            values=values,
            status=refused.status_code,
        )
    flash(request, "Saved. Approve the story again when it reads as you want it published.")
    return redirect(f"/stories/{story_id}")


@router.post("/stories/{story_id}/suggest", response_model=None)
def suggest_edit(
    request: Request, story_id: int, user: WebUser, session: SessionDep, form: Form
) -> HTMLResponse | RedirectResponse:
    values = forms.values_of(form, ("suggested_body", "note"))
    try:
        data = forms.parse(
            StorySuggestion,
            {"body": values["suggested_body"], "note": values["note"]},
            names={"body": "suggested_body"},
        )
        forms.run(
            session,
            lambda: stories.suggest(session=session, story_id=story_id, principal=user, data=data),
            names={"body": "suggested_body"},
        )
    except forms.Refused as refused:
        return _story_page(
            request, session, user, story_id, errors=refused.errors, status=refused.status_code
        )
    flash(request, "Your suggestion is with the author, who takes it or leaves it.")
    return redirect(f"/stories/{story_id}")


@router.post("/stories/{story_id}/group", response_model=None)
def consent_to_group(
    request: Request, story_id: int, user: WebUser, session: SessionDep, form: Form
) -> HTMLResponse | RedirectResponse:
    group = str(form.get("group", "")).strip()
    try:
        data = forms.parse(GroupConsent, {"group": group})
        forms.run(
            session,
            lambda: stories.consent_to_group(
                session=session, story_id=story_id, principal=user, data=data
            ),
        )
    except forms.Refused as refused:
        return _story_page(
            request, session, user, story_id, errors=refused.errors, status=refused.status_code
        )
    flash(
        request,
        f"Listed under “{group}”. You can withdraw this at any time."
        if group
        else "Your story is no longer listed under any group.",
    )
    return redirect(f"/stories/{story_id}")


_VERBS = {
    "approve": (stories.approve, "Approved. A coordinator can now publish this text as it is."),
    "take-suggestion": (
        stories.take_suggestion,
        "The suggested text is now your story. Read it through and approve it again.",
    ),
    "dismiss-suggestion": (stories.dismiss_suggestion, "Suggestion dismissed."),
}


@router.post("/stories/{story_id}/{verb}", response_model=None)
def act_on_story(
    request: Request,
    story_id: int,
    verb: str,
    user: WebUser,
    session: SessionDep,
    services: ServicesDep,
    form: Form,
) -> RedirectResponse:
    back = f"/stories/{story_id}"
    if verb == "publish":
        return forms.act(
            request,
            session,
            lambda: stories.publish(
                session=session, kb_=services.knowledge_base, story_id=story_id, principal=user
            ),
            done="Published: in the knowledge base under “story”, and on the home page.",
            back=back,
        )
    if verb == "withdraw":
        return forms.act(
            request,
            session,
            lambda: stories.withdraw(
                session=session, kb_=services.knowledge_base, story_id=story_id, principal=user
            ),
            done="Withdrawn: out of the knowledge base, the home page and every group.",
            back=back,
        )
    call, done = _VERBS.get(verb, (None, ""))
    if call is None:
        return RedirectResponse(back, status_code=303)
    return forms.act(
        request,
        session,
        lambda: call(session=session, story_id=story_id, principal=user),
        done=done,
        back=back,
    )


# --- training paths --------------------------------------------------------------


def _training_page(
    request: Request,
    session: Any,
    user: Any,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    paths = training.paths_of(session=session, principal=user)
    views = [training.view(session=session, path=p, principal=user) for p in paths]
    programs = training.buildable_programs(session=session, principal=user)
    return render(
        request,
        "leadership/training.html",
        user=user,
        paths=[{"view": v, "trainee": training.is_trainee(user, v.program_id)} for v in views],
        programs=[(p.id, p.name) for p in programs],
        rows=range(STEP_ROWS),
        values=values or {},
        errors=errors or {},
        status_code=status,
    )


@router.get("/training", response_model=None)
def training_home(request: Request, user: WebUser, session: SessionDep) -> HTMLResponse:
    return _training_page(request, session, user)


@router.post("/training/paths", response_model=None)
def create_path(
    request: Request, user: WebUser, session: SessionDep, form: Form
) -> HTMLResponse | RedirectResponse:
    names = ["program_id", "title", "description"] + [
        f"step_{i}_{part}" for i in range(STEP_ROWS) for part in ("doc", "section", "question")
    ]
    values = forms.values_of(form, tuple(names))
    rows = [
        {
            "doc_id": values[f"step_{i}_doc"],
            "section": values[f"step_{i}_section"],
            "question": values[f"step_{i}_question"],
        }
        for i in range(STEP_ROWS)
    ]
    used = [i for i, row in enumerate(rows) if any(row.values())]
    errors: dict[str, str] = {}
    steps = []
    for i in used:
        try:
            steps.append(
                forms.parse(
                    TrainingStepCreate,
                    rows[i],
                    names={
                        "doc_id": f"step_{i}_doc",
                        "section": f"step_{i}_section",
                        "question": f"step_{i}_question",
                    },
                )
            )
        except forms.Refused as refused:
            errors.update(refused.errors)
    if not values["program_id"].isdigit():
        errors["program_id"] = "Choose the program whose mentors will follow this path."
    if not used:
        errors["step_0_doc"] = "Give at least one step: a guide and a reflection question."
    try:
        data = forms.parse(
            TrainingPathCreate,
            {"title": values["title"], "description": values["description"], "steps": steps},
        )
    except forms.Refused as refused:
        errors = {**refused.errors, **errors}
        errors.pop("steps", None)
    if errors:
        return _training_page(request, session, user, values=values, errors=errors, status=422)
    # Service errors name the step by its place in the list: map back to the form's rows.
    step_names = {f"steps.{n}.doc_id": f"step_{i}_doc" for n, i in enumerate(used)}
    step_names |= {f"steps.{n}.section": f"step_{i}_section" for n, i in enumerate(used)}
    try:
        path = forms.run(
            session,
            lambda: training.create_path(
                session=session,
                program_id=int(values["program_id"]),
                principal=user,
                data=data,
            ),
            names=step_names,
        )
    except forms.Refused as refused:
        return _training_page(
            request, session, user, values=values, errors=refused.errors, status=refused.status_code
        )
    flash(request, f"“{path.title}” is ready for the program's mentors.")
    return redirect(f"/training/{path.id}")


@router.get("/training/{path_id}", response_model=None)
def read_path(request: Request, path_id: int, user: WebUser, session: SessionDep) -> HTMLResponse:
    path = training.get_path(session=session, path_id=path_id, principal=user)
    view = training.view(session=session, path=path, principal=user)
    builder = training.may_build(user, path.program_id)
    return render(
        request,
        "leadership/path.html",
        user=user,
        path=view,
        links={
            s.id: guide_url(s.doc_id, f"{s.guide_title} > {s.section}" if s.section else "")
            for s in view.steps
        },
        trainee=training.is_trainee(user, path.program_id),
        progress=training.progress_table(session=session, path_id=path_id, principal=user)
        if builder
        else None,
    )


@router.post("/training/steps/{step_id}", response_model=None)
def save_step(
    request: Request, step_id: int, user: WebUser, session: SessionDep, form: Form
) -> RedirectResponse:
    path_id = str(form.get("path_id", ""))
    done = str(form.get("done", "")) == "yes"
    back = f"/training/{path_id}#step-{step_id}" if path_id.isdigit() else "/training"
    try:
        data = forms.parse(StepUpdate, {"done": done, "reflection": form.get("reflection", "")})
    except forms.Refused as refused:
        flash(request, refused.message, "error")
        return redirect(back)
    return forms.act(
        request,
        session,
        lambda: training.save_step(session=session, step_id=step_id, principal=user, data=data),
        done="Step marked done." if done else "Saved.",
        back=back,
    )


# --- leaders' figures ------------------------------------------------------------


@router.get("/leadership", response_model=None)
def my_figures(request: Request, user: WebUser, session: SessionDep) -> HTMLResponse:
    return render(
        request,
        "leadership/me.html",
        user=user,
        figures=accountability.my_figures(session=session, principal=user),
        programs=accountability.readable_programs(session=session, principal=user),
    )


@router.get("/leadership/programs/{program_id}", response_model=None)
def program_figures(
    request: Request, program_id: int, user: WebUser, session: SessionDep
) -> HTMLResponse:
    return render(
        request,
        "leadership/program.html",
        user=user,
        view=accountability.program_view(session=session, program_id=program_id, principal=user),
    )


@router.post("/leadership/programs/{program_id}/switch", response_model=None)
def switch_figures(
    request: Request, program_id: int, user: WebUser, session: SessionDep, form: Form
) -> RedirectResponse:
    on = str(form.get("turned_on", "")) == "yes"
    data = AccountabilitySwitch(turned_on=on)
    return forms.act(
        request,
        session,
        lambda: accountability.switch(
            session=session, program_id=program_id, principal=user, turned_on=data.turned_on
        ),
        done="Leaders' figures are on for this program's coordinators and administrators."
        if on
        else "Leaders' figures are off: nobody but each leader sees them.",
        back=f"/leadership/programs/{program_id}",
    )
