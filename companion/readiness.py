"""Readiness: can this process serve requests that need every part?"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import text

from companion.db import current_revision, head_revision
from companion.runtime import Services


class ReadinessReport(BaseModel):
    ready: bool
    checks: dict[str, str]


def readiness(*, services: Services) -> ReadinessReport:
    checks: dict[str, str] = {}
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current, head = current_revision(services.engine), head_revision()
        checks["database"] = (
            "ok"
            if current == head
            else f"schema at {current}, expected {head}: run `companion db upgrade`"
        )
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"unreachable: {type(exc).__name__}"
    loaded = services.encoder.is_loaded
    checks["encoder"] = "ok" if loaded else "loading"
    try:
        # A heartbeat says the store answers; reading a vector back through the
        # knowledge base's collection says it can serve a search.
        if loaded:
            services.knowledge_base.index.probe()
        else:
            services.chroma.heartbeat()
        checks["vector_store"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["vector_store"] = f"unreachable: {type(exc).__name__}"
    return ReadinessReport(ready=all(v == "ok" for v in checks.values()), checks=checks)
