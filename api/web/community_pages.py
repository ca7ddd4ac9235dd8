"""The community in the browser: questions, asking (after checking what was asked
before), answers, reports, the moderators' queue, and your own safety settings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ServicesDep, SessionDep
from api.web import forms
from api.web.core import Form, WebUser, flash, redirect, render
from companion.community import conduct, guides, moderation
from companion.community import service as community
from companion.community.schemas import (
    AnswerCreate,
    BlockCreate,
    HelperUpdate,
    ModerationDecision,
    QuestionCreate,
    ReportCreate,
)
from companion.errors import TooManyRequests

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PAGE = 20
ASK_FIELDS = ("title", "body", "topic", "program_id")


@router.get("/community", response_model=None)
def questions(
    request: Request, session: SessionDep, user: WebUser, topic: str = "", offset: int = 0
) -> HTMLResponse:
    offset = max(offset, 0)
    items, total = community.list_questions(
        session=session, principal=user, limit=PAGE, offset=offset, topic=topic or None
    )
    return render(
        request,
        "community.html",
        user=user,
        items=items,
        total=total,
        offset=offset,
        page_size=PAGE,
        topic=topic,
        topics=community.topics(session=session, principal=user),
    )


def _ask_page(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    user: WebUser,
    values: dict[str, str],
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    anonymous: bool = False,
) -> HTMLResponse:
    similar = []
    if values.get("title"):
        similar = community.similar(
            session=session,
            encoder=services.encoder,
            principal=user,
            text=f"{values['title']}\n{values.get('body', '')}",
        )
    rules = conduct.read(session=session, principal=user)
    return render(
        request,
        "community_ask.html",
        user=user,
        status_code=status_code,
        errors=errors or {},
        values=values,
        anonymous=anonymous,
        similar=similar,
        conduct=rules,
        programs=community.program_names(session=session, principal=user),
        topics=community.topics(session=session, principal=user),
    )


@router.get("/community/ask", response_model=None)
def ask_page(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    user: WebUser,
    title: str = "",
    body: str = "",
    topic: str = "",
    program_id: str = "",
) -> HTMLResponse:
    values = {
        "title": title.strip(),
        "body": body.strip(),
        "topic": topic,
        "program_id": program_id,
    }
    return _ask_page(request, session, services, user, values)


@router.post("/community/ask", response_model=None)
def ask(
    request: Request, session: SessionDep, services: ServicesDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    values = forms.values_of(form, ASK_FIELDS)
    anonymous = form.get("anonymous") == "on"
    data = {
        **values,
        "program_id": values["program_id"] or None,
        "anonymous": anonymous,
        "accept_code_of_conduct": form.get("accept_code_of_conduct") == "on",
    }
    try:
        question = forms.parse(QuestionCreate, data)
        row = forms.run(
            session,
            lambda: community.ask(
                session=session,
                encoder=services.encoder,
                settings=services.settings,
                principal=user,
                question=question,
            ),
        )
    except forms.Refused as refused:
        if isinstance(refused.cause, TooManyRequests):
            refused.errors = {"form": refused.cause.message}
        return _ask_page(
            request,
            session,
            services,
            user,
            values,
            status_code=refused.status_code,
            errors=refused.errors,
            anonymous=anonymous,
        )
    flash(request, "Your question is posted.")
    return redirect(f"/community/questions/{row.id}")


def _question_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    question_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    reply: str = "",
) -> HTMLResponse:
    detail = community.get(session=session, principal=user, question_id=question_id)
    return render(
        request,
        "community_question.html",
        user=user,
        status_code=status_code,
        errors=errors or {},
        question=detail,
        reply=reply,
        can_moderate=community.may_moderate(principal=user, program_id=detail.program_id),
        conduct=conduct.read(session=session, principal=user),
    )


@router.get("/community/questions/{question_id}", response_model=None)
def question_page(
    request: Request, question_id: int, session: SessionDep, user: WebUser
) -> HTMLResponse:
    return _question_page(request, session, user, question_id)


@router.post("/community/questions/{question_id}/answers", response_model=None)
def answer(
    request: Request,
    question_id: int,
    session: SessionDep,
    services: ServicesDep,
    user: WebUser,
    form: Form,
) -> HTMLResponse | RedirectResponse:
    text = str(form.get("body", "")).strip()
    try:
        reply = forms.parse(
            AnswerCreate,
            {"body": text, "accept_code_of_conduct": form.get("accept_code_of_conduct") == "on"},
        )
        forms.run(
            session,
            lambda: community.answer(
                session=session,
                settings=services.settings,
                principal=user,
                question_id=question_id,
                reply=reply,
            ),
            fallback="body",
        )
    except forms.Refused as refused:
        return _question_page(
            request,
            session,
            user,
            question_id,
            status_code=refused.status_code,
            errors={"body": refused.message} if refused.cause else refused.errors,
            reply=text,
        )
    flash(request, "Your answer is posted.")
    return redirect(f"/community/questions/{question_id}")


@router.post("/community/questions/{question_id}/helpful", response_model=None)
def mark_helpful(
    request: Request, question_id: int, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    raw = str(form.get("answer_id", "")).strip()
    answer_id = int(raw) if raw.isdigit() else None
    return forms.act(
        request,
        session,
        lambda: community.mark_helpful(
            session=session, principal=user, question_id=question_id, answer_id=answer_id
        ),
        done="Marked as the answer that helped." if answer_id else "Mark cleared.",
        back=f"/community/questions/{question_id}",
    )


@router.post("/community/questions/{question_id}/guide-drafts", response_model=None)
def draft_guide_answer(
    request: Request,
    question_id: int,
    session: SessionDep,
    services: ServicesDep,
    user: WebUser,
    form: Form,
) -> RedirectResponse:
    del form  # checked for its CSRF token
    return forms.act(
        request,
        session,
        lambda: guides.request(
            services=services, session=session, principal=user, question_id=question_id
        ),
        done="Drafted. Review it in your review queue, then publish it here.",
        back=f"/community/questions/{question_id}",
    )


@router.post("/community/questions/{question_id}/guide-answers", response_model=None)
def publish_guide_answer(
    request: Request, question_id: int, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    raw = str(form.get("draft_id", "")).strip()
    return forms.act(
        request,
        session,
        lambda: guides.publish(
            session=session,
            principal=user,
            question_id=question_id,
            draft_id=int(raw) if raw.isdigit() else 0,
        ),
        done="Published to the question.",
        back=f"/community/questions/{question_id}",
    )


@router.post("/community/report", response_model=None)
def report(request: Request, session: SessionDep, user: WebUser, form: Form) -> RedirectResponse:
    back = str(form.get("back", "/community"))
    if not back.startswith("/") or back.startswith("//"):
        back = "/community"
    data = {k: str(form.get(k, "")).strip() for k in ("target", "target_id", "reason")}
    try:
        filed = forms.parse(ReportCreate, data)
    except forms.Refused:
        flash(request, "Say in a few words what is wrong, then send the report.", "error")
        return redirect(back)
    return forms.act(
        request,
        session,
        lambda: moderation.report(session=session, principal=user, filed=filed),
        done="Thank you. A coordinator will look at your report.",
        back=back,
    )


@router.get("/community/moderation", response_model=None)
def moderation_page(
    request: Request, session: SessionDep, user: WebUser, offset: int = 0
) -> HTMLResponse:
    offset = max(offset, 0)
    items, total = moderation.queue(session=session, principal=user, limit=PAGE, offset=offset)
    return render(
        request,
        "community_moderation.html",
        user=user,
        items=items,
        total=total,
        offset=offset,
        page_size=PAGE,
    )


@router.post("/community/moderation/{report_id}", response_model=None)
def decide(
    request: Request, report_id: int, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    try:
        decision = forms.parse(
            ModerationDecision,
            {"action": form.get("action", ""), "note": str(form.get("note", "")).strip()},
        )
    except forms.Refused as refused:
        flash(request, refused.message, "error")
        return redirect("/community/moderation")
    done = {
        "hide": "Hidden from members.",
        "restore": "Shown to members again.",
        "warn": "Warning sent.",
        "dismiss": "Report dismissed.",
    }[decision.action]
    return forms.act(
        request,
        session,
        lambda: moderation.decide(
            session=session, principal=user, report_id=report_id, decision=decision
        ),
        done=done,
        back="/community/moderation",
    )


def _safety_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "community_settings.html",
        user=user,
        status_code=status_code,
        errors=errors or {},
        helper=community.helper_status(session=session, principal=user),
        blocks=moderation.blocks(session=session, principal=user),
        warnings=moderation.my_warnings(session=session, principal=user),
    )


@router.get("/account/community", response_model=None)
def safety_page(request: Request, session: SessionDep, user: WebUser) -> HTMLResponse:
    return _safety_page(request, session, user)


@router.post("/account/community/helper", response_model=None)
def set_helper(
    request: Request, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    try:
        change = forms.parse(
            HelperUpdate,
            {
                "opted_in": form.get("opted_in") == "on",
                "helps_with": str(form.get("helps_with", "")).strip(),
            },
        )
        forms.run(
            session, lambda: community.set_helper(session=session, principal=user, change=change)
        )
    except forms.Refused as refused:
        return _safety_page(
            request, session, user, status_code=refused.status_code, errors=refused.errors
        )
    flash(request, "Saved.")
    return redirect("/account/community")


@router.post("/account/community/blocks", response_model=None)
def block(
    request: Request, session: SessionDep, user: WebUser, form: Form
) -> HTMLResponse | RedirectResponse:
    try:
        request_ = forms.parse(BlockCreate, {"email": str(form.get("email", "")).strip()})
        forms.run(
            session,
            lambda: moderation.block(session=session, principal=user, request=request_),
            **forms.beside("email"),
        )
    except forms.Refused as refused:
        return _safety_page(
            request, session, user, status_code=refused.status_code, errors=refused.errors
        )
    flash(request, "Blocked. They can no longer contact you here.")
    return redirect("/account/community")


@router.post("/account/community/blocks/{block_id}/remove", response_model=None)
def unblock(
    request: Request, block_id: int, session: SessionDep, user: WebUser, form: Form
) -> RedirectResponse:
    del form  # checked for its CSRF token
    return forms.act(
        request,
        session,
        lambda: moderation.unblock(session=session, principal=user, block_id=block_id),
        done="Unblocked.",
        back="/account/community",
    )
