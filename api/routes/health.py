"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ServicesDep
from companion import readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Database, encoder and vector store are ready")
def readyz(services: ServicesDep) -> JSONResponse:
    report = readiness.readiness(services=services)
    return JSONResponse(report.model_dump(), status_code=200 if report.ready else 503)
