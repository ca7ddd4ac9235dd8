"""Programs in the browser: a new program from a template, and every setting of a program.

Both forms carry every setting (`companion.programs.settings.SETTINGS`) under the
name `companion programs set` gives it, and the service checks them as it checks
the command line and the API: a refusal is shown beside each setting it names.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from api.deps import SessionDep
from api.web import forms
from api.web.core import Form, WebUser, flash, redirect, render
from companion.programs import policy as program_policy
from companion.programs import service as programs
from companion.programs import settings as program_settings
from companion.programs import templates as program_templates
from companion.programs.schemas import ProgramPublic

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

SETTINGS = program_settings.SETTINGS
WEIGHTS_AS_ONE = "matching.weights"  # a refusal of the weights together (all of them 0)
# Where a refusal is shown: beside its setting, a question beside the list of questions.
PLACES: dict[str, forms.Place] = {
    **{setting.path: setting.path for setting in SETTINGS},
    "feedback_questions.#": ("feedback_questions", "Question {n}: "),
    WEIGHTS_AS_ONE: WEIGHTS_AS_ONE,
}
KNOWN = {*(setting.path for setting in SETTINGS), WEIGHTS_AS_ONE}
# Names in the summary of errors and in "Saved: ..." where the group is not in sight.
LABELS = {
    **{
        setting.path: f"{setting.label} (weight)"
        if setting.group == program_settings.WEIGHTS
        else setting.label
        for setting in SETTINGS
    },
    WEIGHTS_AS_ONE: "Matching weights",
}


def typed(form: FormData) -> dict[str, Any]:
    """Every setting as the form sent it: text as typed, a box ticked or not, questions by line."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = str(form.get(setting.path, "") or "")
        if setting.kind == "yes_no":
            values[setting.path] = setting.path in form
        elif setting.kind == "lines":
            values[setting.path] = [line.strip() for line in raw.splitlines() if line.strip()]
        else:
            values[setting.path] = raw.strip()
    return values


def nested(values: dict[str, Any]) -> dict[str, Any]:
    """`{"matching.weights.semantic": "0.5"}` as `{"matching": {"weights": {...}}}`."""
    changes: dict[str, Any] = {}
    for path, value in values.items():
        *groups, leaf = path.split(".")
        target = changes
        for group in groups:
            target = target.setdefault(group, {})
        target[leaf] = value
    return changes


def _form_page(
    request: Request,
    user: WebUser,
    template: str,
    *,
    values: dict[str, Any],
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    return render(
        request,
        template,
        user=user,
        status_code=status_code,
        errors=errors or {},
        error_labels=LABELS,
        error_links={path: setting.field_id for path, setting in program_settings.BY_PATH.items()},
        settings=SETTINGS,
        groups=program_settings.GROUPS,
        kinds=program_settings.KIND_LABELS,
        values=values,
        **context,
    )


# --- a new program ---------------------------------------------------------------------


@router.get("/coordinator/programs/new", response_model=None)
def new_program(
    request: Request, user: WebUser, template: str | None = None, name: str = ""
) -> HTMLResponse:
    """Without a template: the templates to choose from. With one: its values, to edit."""
    choices = programs.list_templates(principal=user, to_create=True)
    chosen = next((t for t in choices if t.key == template), None)
    if chosen is None:
        return render(
            request,
            "coordinator/new_program.html",
            user=user,
            choices=choices,
            kinds=program_settings.KIND_LABELS,
            unknown=template,
            status_code=404 if template else 200,
        )
    values = {"name": name, "kind": chosen.kind, "description": chosen.description}
    return _form_page(
        request,
        user,
        "coordinator/new_program_form.html",
        values=values | chosen.settings,
        chosen=chosen,
    )


@router.post("/coordinator/programs/new", response_model=None)
def create_program(
    request: Request, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    key = str(form.get("template", "blank"))
    values = typed(form)
    changes = nested(values)
    name = changes.pop("name")
    try:
        program = forms.run(
            session,
            lambda: programs.create_from_template(
                session=session, name=name, template=key, principal=user, **changes
            ),
            names=PLACES,
            known=KNOWN,
        )
    except forms.Refused as refused:
        chosen = next(
            t for t in programs.list_templates(principal=user, to_create=True) if t.key == key
        )
        return _form_page(
            request,
            user,
            "coordinator/new_program_form.html",
            values=values,
            chosen=chosen,
            status_code=refused.status_code,
            errors=refused.errors,
        )
    flash(
        request,
        f"Created {program.name}. Every setting can still be changed below; next, "
        "add its coordinators and import its participants.",
    )
    return redirect(f"/coordinator/programs/{program.id}/settings")


# --- a program's settings --------------------------------------------------------------


def _settings_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    program: Any,
    *,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    shown = values or program_settings.current(ProgramPublic.model_validate(program).model_dump())
    return _form_page(
        request,
        user,
        "coordinator/settings.html",
        values=shown,
        program=program,
        history=[
            (event, _changes_said(event.data))
            for event in programs.settings_history(
                session=session, program_id=program.id, principal=user
            )
        ],
        template_titles={template.key: template.title for template in program_templates.TEMPLATES},
        # Which links to offer; the program's other pages check for themselves.
        runs=program_policy.may_coordinate(program_id=program.id, principal=user),
        status_code=status_code,
        errors=errors,
    )


@router.get("/coordinator/programs/{program_id}/settings", response_model=None)
def program_settings_page(
    request: Request, program_id: int, user: WebUser, session: SessionDep
) -> HTMLResponse:
    program = programs.read_settings(session=session, program_id=program_id, principal=user)
    return _settings_page(request, session, user, program)


@router.post("/coordinator/programs/{program_id}/settings", response_model=None)
def save_program_settings(
    request: Request, program_id: int, user: WebUser, session: SessionDep, form: Form
) -> HTMLResponse | RedirectResponse:
    values = typed(form)
    try:
        program, changed = forms.run(
            session,
            lambda: programs.change_settings(
                session=session, program_id=program_id, changes=nested(values), principal=user
            ),
            names=PLACES,
            known=KNOWN,
        )
    except forms.Refused as refused:
        program = programs.read_settings(session=session, program_id=program_id, principal=user)
        return _settings_page(
            request,
            session,
            user,
            program,
            values=values,
            status_code=refused.status_code,
            errors=refused.errors,
        )
    if changed:
        flash(request, f"Saved. {'; '.join(_changes_said(changed))}.")
    else:
        flash(request, "Nothing to save: every setting was already as shown.")
    return redirect(f"/coordinator/programs/{program.id}/settings")


def _changes_said(changed: dict[str, Any]) -> list[str]:
    """`{"cadence_days": {"from": 14, "to": 7}}` as ["Days between sessions: 14 → 7"]."""
    return [
        f"{LABELS.get(path, path)}: {_said(change['from'])} \u2192 {_said(change['to'])}"
        for path, change in changed.items()
        if isinstance(change, dict) and "from" in change
    ]


def _said(value: Any) -> str:
    """A setting's value in a sentence: yes or no, questions counted, text shortened."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return f"{len(value)} question{'s' if len(value) != 1 else ''}" if value else "built-in"
    text = str(value) if value != "" else "(empty)"
    return text if len(text) <= 60 else text[:57] + "\u2026"
