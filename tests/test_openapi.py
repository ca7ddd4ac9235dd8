"""The API's contract: a committed snapshot of the OpenAPI schema, and a response model per route.

A change to a request or read model shows up here as a diff to review. When the
change is meant, refresh the snapshot and commit it with the change:

    UPDATE_OPENAPI=1 python -m pytest tests/test_openapi.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from api.app import create_app
from companion.settings import Settings

SNAPSHOT = Path(__file__).parent / "openapi.json"
REFRESH = "UPDATE_OPENAPI=1 python -m pytest tests/test_openapi.py"


def _schema(settings: Settings) -> dict:
    return create_app(settings).openapi()


def _as_text(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_schema_matches_its_snapshot(settings: Settings) -> None:
    current = _as_text(_schema(settings))
    if os.environ.get("UPDATE_OPENAPI") == "1":
        SNAPSHOT.write_text(current)
    assert SNAPSHOT.exists(), f"no snapshot yet: write it with {REFRESH}"
    assert current == SNAPSHOT.read_text(), (
        f"The API's contract changed. If that is meant, refresh the snapshot ({REFRESH}) "
        "and say in the commit what changed for clients."
    )


def _answers(operation: dict) -> list[tuple[str, dict | None]]:
    found = []
    for code, response in operation["responses"].items():
        if code.startswith("2") and code != "204":
            content = response.get("content", {})
            if "application/json" in content:
                found.append((code, content["application/json"].get("schema")))
    return found


def _untyped(schema: dict | None, components: dict) -> bool:
    """A JSON answer without a model: no schema, an empty one, or a free-form object."""
    if not schema:
        return True
    if "$ref" in schema:
        return False
    if schema.get("type") == "array":
        return _untyped(schema.get("items"), components)
    if "anyOf" in schema or "oneOf" in schema:
        return any(_untyped(s, components) for s in schema.get("anyOf") or schema["oneOf"])
    return schema.get("type") == "object" and schema.get("additionalProperties") is True


def test_every_json_route_declares_its_response_model(settings: Settings) -> None:
    schema = _schema(settings)
    components = schema.get("components", {}).get("schemas", {})
    untyped = [
        f"{method.upper()} {path} ({code})"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for code, answer in _answers(operation)
        if _untyped(answer, components)
    ]
    assert untyped == []


def test_the_checker_sees_an_untyped_answer() -> None:
    assert _untyped({"type": "object", "additionalProperties": True}, {})
    assert _untyped({}, {})
    assert _untyped({"type": "array", "items": {}}, {})
    assert not _untyped({"$ref": "#/components/schemas/GoalPublic"}, {})
