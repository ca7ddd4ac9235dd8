"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import ServicesDep
from companion import readiness
from companion.readiness import ReadinessReport

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"]


@router.get("/healthz", summary="The process is up", response_model=Liveness)
def healthz() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/readyz",
    summary="Database, encoder and vector store are ready",
    response_model=ReadinessReport,
    responses={503: {"model": ReadinessReport, "description": "Not ready yet"}},
)
def readyz(services: ServicesDep) -> JSONResponse:
    report = readiness.readiness(services=services)
    return JSONResponse(report.model_dump(), status_code=200 if report.ready else 503)
