"""The inbox: what has been approved and delivered to me, through the delivery gate only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from api.web.core import WebUser, render
from api.web.review_pages import KIND_LABELS, chosen_kind, kind_label
from companion.review import delivery

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

INBOX_PAGE = 20


@router.get("/inbox", response_model=None)
def inbox(
    request: Request,
    session: SessionDep,
    user: WebUser,
    kind: str | None = None,
    offset: int = 0,
) -> HTMLResponse:
    chosen, errors = chosen_kind(kind)
    offset = max(offset, 0)
    rows, total = delivery.delivered_page(
        session=session, principal=user, kind=chosen, limit=INBOX_PAGE, offset=offset
    )
    items = [delivery.view_of(d) for d in rows]
    return render(
        request,
        "inbox.html",
        user=user,
        status_code=422 if errors else 200,
        errors=errors,
        items=items,
        total=total,
        offset=offset,
        page_size=INBOX_PAGE,
        kind=chosen.value if chosen else "",
        kinds=KIND_LABELS,
        kind_label=kind_label,
    )
