"""Relationships, drafting and review: every service entry point names who is acting.

Each entry point takes a keyword-only `principal` with no default (a person, or
an explicit System), never None; the rest act on a `View`, which only
`access.view` makes, from a principal. A new public function that reads or
changes data must be one of these, or be named below as a building block with
the reason it needs no principal of its own.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

import pytest

from companion.accounts.principal import Principal
from companion.relationships.access import View

MODULES = (
    "companion.relationships.access",
    "companion.relationships.service",
    "companion.relationships.sessions",
    "companion.relationships.goals",
    "companion.relationships.threads",
    "companion.relationships.feedback",
    "companion.relationships.health",
    "companion.drafting.service",
    "companion.review.workflow",
    "companion.review.queue",
    "companion.review.delivery",
    "companion.review.policy",
)

# Functions with a database session but no principal of their own, and why that is safe.
BUILDING_BLOCKS = {
    # Called by matching when a coordinator approves a proposal, with their authority.
    "companion.relationships.service.create_pair",
    # Look-ups and parts of `detail` / `list_visible`, which check the principal.
    "companion.relationships.service.get_program",
    "companion.relationships.service.next_sessions",
    "companion.relationships.service.open_relationship_ids",
    "companion.relationships.service.session_counts",
    "companion.relationships.service.summary",
    "companion.relationships.service.unread_count",
    "companion.relationships.access.members_of",
    "companion.relationships.health.assess",
    "companion.relationships.health.held_per_week",
    "companion.relationships.sessions.last_session_start",
    # A person's own: their relationships, feed and unread counts (never someone else's).
    "companion.relationships.access.relationship_ids_of_user",
    "companion.relationships.sessions.issue_feed",
    "companion.relationships.threads.unread_for_user",
    # The secret address is the credential: calendar apps cannot sign in.
    "companion.relationships.sessions.feed_ics",
    # Steps inside a decision that `decide` has authorised.
    "companion.review.workflow.deliver",
    "companion.review.workflow.transition",
    "companion.review.workflow.validation_context",
    "companion.review.queue.review_payload",
    "companion.review.delivery.apply_effects",
    "companion.review.delivery.agenda_text_for_members",
    # The rules themselves, about a draft rather than about who asks.
    "companion.review.policy.approvals_complete",
    "companion.review.policy.four_eyes",
    "companion.review.policy.four_eyes_impossible",
    "companion.review.policy.member_user_ids",
    "companion.review.policy.recipients",
    "companion.review.policy.story_approvals_missing",
}


def public_functions() -> list[tuple[str, Callable]]:
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attribute, function in inspect.getmembers(module, inspect.isfunction):
            if not attribute.startswith("_") and function.__module__ == name:
                found.append((f"{name}.{attribute}", function))
    return found


FUNCTIONS = public_functions()
WITH_PRINCIPAL = [(n, f) for n, f in FUNCTIONS if "principal" in inspect.signature(f).parameters]


def test_the_entry_points_are_found() -> None:
    names = {name for name, _ in WITH_PRINCIPAL}
    for expected in (
        "companion.relationships.access.view",
        "companion.relationships.service.list_visible",
        "companion.drafting.service.request_draft",
        "companion.drafting.service.regenerate",
        "companion.review.workflow.decide",
        "companion.review.queue.get_for",
        "companion.review.delivery.delivered_to",
        "companion.review.policy.may_review",
    ):
        assert expected in names
    assert not BUILDING_BLOCKS - {name for name, _ in FUNCTIONS}, "a building block is gone"


@pytest.mark.parametrize(("name", "function"), WITH_PRINCIPAL, ids=[n for n, _ in WITH_PRINCIPAL])
def test_a_principal_is_keyword_only_and_never_defaulted(name: str, function) -> None:
    parameter = inspect.signature(function).parameters["principal"]
    assert parameter.kind == inspect.Parameter.KEYWORD_ONLY, name
    assert parameter.default is inspect.Parameter.empty, name
    assert parameter.annotation in ("Principal", Principal), name


@pytest.mark.parametrize(("name", "function"), FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_whatever_reads_or_changes_data_knows_who_asks(name: str, function) -> None:
    parameters = inspect.signature(function).parameters
    for who in ("user", "principal", "actor"):
        if who in parameters:
            assert parameters[who].default is inspect.Parameter.empty, (name, who)
            assert "None" not in str(parameters[who].annotation), (name, who)
    if "session" in parameters and name not in BUILDING_BLOCKS:
        view = parameters.get("view")
        assert "principal" in parameters or (view and view.annotation in ("View", View)), name
