"""Data rights: a person's own data, and erasure of a person (administrators)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse

from api.deps import CurrentUser, ServicesDep, SessionDep
from api.web.core import templates
from companion.rights import erasure, export, retention
from companion.rights.schemas import (
    DataRightsPublic,
    DataRightsUpdate,
    ErasureReport,
    PersonalData,
)

router = APIRouter(prefix="/api/v1", tags=["data rights"])


def render_personal_data(data: PersonalData, *, back: str | None = None) -> str:
    """The readable page of a person's data: one document, no scripts, printable; `back`
    links to the page it was opened from (none in a downloaded copy)."""
    return templates.get_template("rights/my_data.html").render(data=data, back=back)


@router.get(
    "/me/data",
    response_model=PersonalData,
    responses={200: {"content": {"text/html": {}}}},
)
def my_data(
    session: SessionDep,
    user: CurrentUser,
    format: Literal["json", "html"] = Query(
        "json", description="json (the default) or html, a page to read or print."
    ),
) -> PersonalData | HTMLResponse:
    """Everything the service holds about you."""
    data = export.personal_data(session=session, principal=user, user_id=user.id)
    if format == "html":
        return HTMLResponse(render_personal_data(data))
    return JSONResponse(
        data.model_dump(mode="json"),
        headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
    )


@router.post("/users/{user_id}/erase", response_model=ErasureReport)
def erase_user(
    user_id: int, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> ErasureReport:
    """Erase a person (an administrator; the person themself where their program allows)."""
    return erasure.erase(
        session=session,
        principal=user,
        user_id=user_id,
        vectors=services.profile_vectors.index,
    )


@router.get("/programs/{program_id}/data-rights", response_model=DataRightsPublic)
def data_rights(program_id: int, session: SessionDep, user: CurrentUser) -> DataRightsPublic:
    """How long the program keeps what, and whether participants may erase themselves."""
    return DataRightsPublic.model_validate(
        retention.settings_of(session=session, principal=user, program_id=program_id)
    )


@router.put("/programs/{program_id}/data-rights", response_model=DataRightsPublic)
def set_data_rights(
    program_id: int, body: DataRightsUpdate, session: SessionDep, user: CurrentUser
) -> DataRightsPublic:
    """Set them (administrators); a period under six months for logs is refused (422)."""
    return DataRightsPublic.model_validate(
        retention.configure(
            session=session,
            principal=user,
            program_id=program_id,
            retention=body.retention,
            allow_self_erasure=body.allow_self_erasure,
        )
    )
