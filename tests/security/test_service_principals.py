"""Every service entry point takes the acting principal, by keyword, with no default.

One entry per service module: the functions it may keep without a principal,
each with the reason. Add your domain's modules to SERVICE_MODULES.
"""

from __future__ import annotations

import importlib
import inspect
import typing

import pytest

from companion.accounts.principal import Principal

SERVICE_MODULES: dict[str, dict[str, str]] = {
    "companion.programs.service": {
        "get": "lookup by id for services that checked the program already; "
        "handlers use programs.read or the program policy",
        "get_by_name": "lookup by name for the command line (which acts as the System)",
        "require_by_name": "lookup by name for the command line (which acts as the System)",
        "merged_matching": "pure: merges two dicts of settings",
    },
    "companion.programs.policy": {
        "program_not_found": "pure: builds the error every refusal shares",
    },
    "companion.matching.service": {},
    "companion.matching.modes_service": {},
    "companion.kb.service": {
        "search": "the guidance corpus is the whole organisation's and holds nobody's data: "
        "anyone signed in may search it, and drafting retrieves from it for its own requester",
        "path_loads": "pure: turns paths into loaders, reads no database",
        "upload_loads": "pure: turns uploaded bytes into loaders, reads no database",
    },
    "companion.participants.service": {
        "all_participants": "the cohort as other services read it once they checked the "
        "program; handlers list participants with list_participants",
        "check_file": "the importer is being rewritten with its own authority checks",
        "import_participants": "the importer is being rewritten with its own authority checks",
    },
}


def entry_points(module_name: str) -> list[tuple[str, typing.Callable]]:
    module = importlib.import_module(module_name)
    return [
        (name, function)
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module_name and not name.startswith("_")
    ]


@pytest.mark.parametrize("module_name", sorted(SERVICE_MODULES))
def test_every_entry_point_takes_a_principal(module_name: str) -> None:
    exempt = SERVICE_MODULES[module_name]
    missing = []
    for name, function in entry_points(module_name):
        if name in exempt:
            continue
        parameter = inspect.signature(function).parameters.get("principal")
        if (
            parameter is None
            or parameter.kind is not inspect.Parameter.KEYWORD_ONLY
            or parameter.default is not inspect.Parameter.empty
            # Modules postpone annotations, so the annotation is the name as written.
            or parameter.annotation not in (Principal, "Principal")
        ):
            missing.append(name)
    assert missing == [], f"{module_name}: these take no keyword-only `principal: Principal`"


@pytest.mark.parametrize("module_name", sorted(SERVICE_MODULES))
def test_every_exemption_names_a_function_that_exists(module_name: str) -> None:
    names = {name for name, _ in entry_points(module_name)}
    assert set(SERVICE_MODULES[module_name]) <= names
