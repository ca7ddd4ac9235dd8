"""/readyz reads a vector back through the knowledge base: a heartbeat is not enough."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from companion.guidance.service import COLLECTION
from companion.runtime import Services


def test_a_store_that_answers_heartbeats_but_lost_its_collection_is_not_ready(
    services: Services,
) -> None:
    with TestClient(create_app(services=services)) as client:
        services.encoder.load()
        services.knowledge_base.index.upsert(
            ["one"], services.encoder.encode(["Agree on a first agenda together."])
        )
        assert client.get("/readyz").json()["checks"]["vector_store"] == "ok"
        services.chroma.delete_collection(COLLECTION)
        services.chroma.heartbeat()  # the store itself still answers
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["vector_store"].startswith("unreachable")
