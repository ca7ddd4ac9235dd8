"""SCIM 2.0 (RFC 7643, 7644) at /scim/v2: users and groups, for an identity provider.

Only a SCIM token opens these routes (an administrator creates one at
POST /api/v1/scim/tokens); errors answer in SCIM's own error format.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    ETag,
    Filter,
    Group,
    ListResponse,
    Patch,
    Required,
    ResourceType,
    ResponseParameters,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)

from api.deps import CurrentUser, SessionDep
from companion.errors import Unauthenticated
from companion.identity import provisioning
from companion.identity.provisioning import Provisioner, ScimError
from companion.identity.schemas import ScimTokenCreate, ScimTokenCreated, ScimTokenRevoked

SCIM_MEDIA_TYPE = "application/scim+json"
PREFIX = "/scim/v2"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
tokens_router = APIRouter(prefix="/api/v1/scim/tokens", tags=["scim"])
_bearer = HTTPBearer(auto_error=False)


def get_provisioner(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Provisioner:
    if credentials is None:
        raise Unauthenticated("Missing SCIM token: send 'Authorization: Bearer <SCIM token>'.")
    return provisioning.authenticate(session=session, token=credentials.credentials)


ProvisionerDep = Annotated[Provisioner, Depends(get_provisioner)]


async def scim_body(request: Request) -> Any:
    """The request's JSON (SCIM clients send application/scim+json)."""
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except ValueError as exc:
        raise ScimError(400, f"The body is not JSON: {exc}", "invalidSyntax") from None


Body = Annotated[Any, Depends(scim_body)]
# Read as text: SCIM answers a bad number with its own error, and clamps the rest.
StartIndex = Annotated[str | None, Query(alias="startIndex", max_length=40)]
Count = Annotated[str | None, Query(max_length=40)]
Filter_ = Annotated[str | None, Query(alias="filter", max_length=1000)]


def response_parameters(
    attributes: Annotated[str | None, Query(max_length=2000)] = None,
    excluded: Annotated[str | None, Query(alias="excludedAttributes", max_length=2000)] = None,
) -> ResponseParameters | None:
    """Which attributes the client asked to see, or not to see (RFC 7644, section 3.9)."""
    if not attributes and not excluded:
        return None
    try:
        return ResponseParameters(
            attributes=[a.strip() for a in attributes.split(",")] if attributes else None,
            excluded_attributes=[a.strip() for a in excluded.split(",")] if excluded else None,
        )
    except ValueError as exc:
        raise ScimError(400, f"Invalid attributes: {exc}", "invalidValue") from None


Shown = Annotated[ResponseParameters | None, Depends(response_parameters)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def _answer(
    body: Any, context: Context, status_code: int = 200, shown: ResponseParameters | None = None
) -> JSONResponse:
    content = body.model_dump(mode="json", scim_ctx=context, response_parameters=shown)
    headers = {}
    meta = content.get("meta") if isinstance(content, dict) else None
    if meta:
        if meta.get("version"):
            headers["ETag"] = meta["version"]
        if status_code == 201 and meta.get("location"):
            headers["Location"] = meta["location"]
    return JSONResponse(
        content, status_code=status_code, media_type=SCIM_MEDIA_TYPE, headers=headers
    )


# Discovery --------------------------------------------------------------------------


@router.get("/ServiceProviderConfig")
def service_provider_config(request: Request, provisioner: ProvisionerDep) -> JSONResponse:
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=provisioning.MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="SCIM token",
                description="A bearer token an administrator creates for SCIM only.",
                primary=True,
            )
        ],
    )
    return _answer(config, Context.RESOURCE_QUERY_RESPONSE)


def _resource_types(request: Request) -> list[ResourceType]:
    found = []
    for model in (User, Group):
        kind = ResourceType.from_resource(model)
        kind.endpoint = f"/{model.__name__}s"
        found.append(kind)
    return found


@router.get("/ResourceTypes")
def resource_types(request: Request, provisioner: ProvisionerDep) -> JSONResponse:
    kinds = _resource_types(request)
    listing = ListResponse[ResourceType](
        total_results=len(kinds), start_index=1, items_per_page=len(kinds), resources=kinds
    )
    return _answer(listing, Context.RESOURCE_QUERY_RESPONSE)


@router.get("/ResourceTypes/{name}")
def resource_type(request: Request, name: str, provisioner: ProvisionerDep) -> JSONResponse:
    for kind in _resource_types(request):
        if kind.id == name:
            return _answer(kind, Context.RESOURCE_QUERY_RESPONSE)
    raise ScimError(404, f"No resource type {name!r}.")


def _schemas() -> list[Schema]:
    """The core schemas, saying what this server needs: every person has an email address."""
    user = User.to_schema()
    for attribute in user.attributes or []:
        if attribute.name == "emails":
            attribute.required = Required.true
    return [user, Group.to_schema()]


@router.get("/Schemas")
def schemas(provisioner: ProvisionerDep) -> JSONResponse:
    found = _schemas()
    listing = ListResponse[Schema](
        total_results=len(found), start_index=1, items_per_page=len(found), resources=found
    )
    return _answer(listing, Context.RESOURCE_QUERY_RESPONSE)


@router.get("/Schemas/{schema_id}")
def schema(schema_id: str, provisioner: ProvisionerDep) -> JSONResponse:
    for found in _schemas():
        if found.id == schema_id:
            return _answer(found, Context.RESOURCE_QUERY_RESPONSE)
    raise ScimError(404, f"No schema {schema_id!r}.")


# Searching with POST ----------------------------------------------------------------


def _shown_by(search: provisioning.Search) -> ResponseParameters | None:
    if not search.attributes and not search.excluded_attributes:
        return None
    try:
        return ResponseParameters(
            attributes=search.attributes, excluded_attributes=search.excluded_attributes
        )
    except ValueError as exc:
        raise ScimError(400, f"Invalid attributes: {exc}", "invalidValue") from None


@router.post("/.search")
def search_everything(
    request: Request, session: SessionDep, provisioner: ProvisionerDep, body: Body
) -> JSONResponse:
    search = provisioning.read_search(body)
    found = provisioning.search_all(
        session=session, principal=provisioner, search=search, base_url=_base(request)
    )
    return _answer(found, Context.SEARCH_RESPONSE, shown=_shown_by(search))


@router.post("/Users/.search")
def search_users(
    request: Request, session: SessionDep, provisioner: ProvisionerDep, body: Body
) -> JSONResponse:
    search = provisioning.read_search(body)
    listing = provisioning.list_users(
        session=session,
        principal=provisioner,
        filter=search.filter,
        start_index=search.start_index,
        count=search.count,
        base_url=_base(request),
    )
    return _answer(listing, Context.SEARCH_RESPONSE, shown=_shown_by(search))


@router.post("/Groups/.search")
def search_groups(
    request: Request, session: SessionDep, provisioner: ProvisionerDep, body: Body
) -> JSONResponse:
    search = provisioning.read_search(body)
    listing = provisioning.list_groups(
        session=session,
        principal=provisioner,
        filter=search.filter,
        start_index=search.start_index,
        count=search.count,
        base_url=_base(request),
    )
    return _answer(listing, Context.SEARCH_RESPONSE, shown=_shown_by(search))


# Users ------------------------------------------------------------------------------


@router.get("/Users")
def list_users(
    request: Request,
    session: SessionDep,
    provisioner: ProvisionerDep,
    filter: Filter_ = None,
    start_index: StartIndex = None,
    count: Count = None,
    shown: Shown = None,
) -> JSONResponse:
    listing = provisioning.list_users(
        session=session,
        principal=provisioner,
        filter=filter,
        start_index=start_index,
        count=count,
        base_url=_base(request),
    )
    return _answer(listing, Context.RESOURCE_QUERY_RESPONSE, shown=shown)


@router.post("/Users")
def create_user(
    request: Request, session: SessionDep, provisioner: ProvisionerDep, body: Body
) -> JSONResponse:
    created = provisioning.create_user(
        session=session, principal=provisioner, payload=body, base_url=_base(request)
    )
    return _answer(created, Context.RESOURCE_CREATION_RESPONSE, 201)


@router.get("/Users/{user_id}")
def get_user(
    request: Request, user_id: str, session: SessionDep, provisioner: ProvisionerDep, shown: Shown
) -> JSONResponse:
    found = provisioning.get_user(
        session=session, principal=provisioner, user_id=user_id, base_url=_base(request)
    )
    return _answer(found, Context.RESOURCE_QUERY_RESPONSE, shown=shown)


@router.put("/Users/{user_id}")
def replace_user(
    request: Request, user_id: str, session: SessionDep, provisioner: ProvisionerDep, body: Body
) -> JSONResponse:
    replaced = provisioning.replace_user(
        session=session,
        principal=provisioner,
        user_id=user_id,
        payload=body,
        base_url=_base(request),
    )
    return _answer(replaced, Context.RESOURCE_REPLACEMENT_RESPONSE)


@router.patch("/Users/{user_id}")
def patch_user(
    request: Request, user_id: str, session: SessionDep, provisioner: ProvisionerDep, body: Body
) -> JSONResponse:
    patched = provisioning.patch_user(
        session=session,
        principal=provisioner,
        user_id=user_id,
        payload=body,
        base_url=_base(request),
    )
    return _answer(patched, Context.RESOURCE_PATCH_RESPONSE)


@router.delete("/Users/{user_id}")
def delete_user(user_id: str, session: SessionDep, provisioner: ProvisionerDep) -> Response:
    provisioning.delete_user(session=session, principal=provisioner, user_id=user_id)
    return Response(status_code=204)


# Groups -----------------------------------------------------------------------------


@router.get("/Groups")
def list_groups(
    request: Request,
    session: SessionDep,
    provisioner: ProvisionerDep,
    filter: Filter_ = None,
    start_index: StartIndex = None,
    count: Count = None,
    shown: Shown = None,
) -> JSONResponse:
    listing = provisioning.list_groups(
        session=session,
        principal=provisioner,
        filter=filter,
        start_index=start_index,
        count=count,
        base_url=_base(request),
    )
    return _answer(listing, Context.RESOURCE_QUERY_RESPONSE, shown=shown)


@router.post("/Groups")
def create_group(
    request: Request, session: SessionDep, provisioner: ProvisionerDep, body: Body
) -> JSONResponse:
    created = provisioning.create_group(
        session=session, principal=provisioner, payload=body, base_url=_base(request)
    )
    return _answer(created, Context.RESOURCE_CREATION_RESPONSE, 201)


@router.get("/Groups/{group_id}")
def get_group(
    request: Request, group_id: str, session: SessionDep, provisioner: ProvisionerDep, shown: Shown
) -> JSONResponse:
    found = provisioning.get_group(
        session=session, principal=provisioner, group_id=group_id, base_url=_base(request)
    )
    return _answer(found, Context.RESOURCE_QUERY_RESPONSE, shown=shown)


@router.put("/Groups/{group_id}")
def replace_group(
    request: Request, group_id: str, session: SessionDep, provisioner: ProvisionerDep, body: Body
) -> JSONResponse:
    replaced = provisioning.replace_group(
        session=session,
        principal=provisioner,
        group_id=group_id,
        payload=body,
        base_url=_base(request),
    )
    return _answer(replaced, Context.RESOURCE_REPLACEMENT_RESPONSE)


@router.patch("/Groups/{group_id}")
def patch_group(
    request: Request, group_id: str, session: SessionDep, provisioner: ProvisionerDep, body: Body
) -> JSONResponse:
    patched = provisioning.patch_group(
        session=session,
        principal=provisioner,
        group_id=group_id,
        payload=body,
        base_url=_base(request),
    )
    return _answer(patched, Context.RESOURCE_PATCH_RESPONSE)


@router.delete("/Groups/{group_id}")
def delete_group(group_id: str, session: SessionDep, provisioner: ProvisionerDep) -> Response:
    provisioning.delete_group(session=session, principal=provisioner, group_id=group_id)
    return Response(status_code=204)


# Tokens, for administrators ---------------------------------------------------------


@tokens_router.post("", response_model=ScimTokenCreated, status_code=201)
def create_token(body: ScimTokenCreate, session: SessionDep, user: CurrentUser) -> ScimTokenCreated:
    """An administrator creates a token for the identity provider's SCIM client."""
    issued = provisioning.create_token(session=session, principal=user, name=body.name)
    return ScimTokenCreated(id=issued.token.id, name=issued.token.name, token=issued.plaintext)


@tokens_router.post("/{token_id}/revoke", response_model=ScimTokenRevoked)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="The SCIM token's id.")],
    session: SessionDep,
    user: CurrentUser,
) -> ScimTokenRevoked:
    token = provisioning.revoke_token(session=session, principal=user, token_id=token_id)
    return ScimTokenRevoked(id=token.id, revoked=token.revoked_at is not None)
