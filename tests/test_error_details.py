"""Every refused input names its field, so forms and scripts never parse messages."""

from __future__ import annotations

import ast
from pathlib import Path

from companion.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[1]
# Every raise names its field now; an exception would be listed here with its reason.
NOT_YET: set[tuple[str, str]] = set()


def _raises_without_field() -> list[tuple[str, int, str]]:
    found = []
    for package in ("companion", "api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text())):
                if not (
                    isinstance(node, ast.Call) and getattr(node.func, "id", "") == "InvalidInput"
                ):
                    continue
                if {k.arg for k in node.keywords} & {"field", "details"}:
                    continue
                first = node.args[0] if node.args else None
                text = ast.unparse(first) if first is not None else ""
                if any(relative == where and field in text for where, field in NOT_YET):
                    continue
                found.append((relative, node.lineno, text[:60]))
    return found


def test_every_invalid_input_names_its_field() -> None:
    assert _raises_without_field() == []


def test_field_is_short_for_one_detail() -> None:
    error = InvalidInput("note: say what should change.", field="note")
    assert error.details == [{"field": "note", "message": "note: say what should change."}]
    assert InvalidInput("no field").details == []
