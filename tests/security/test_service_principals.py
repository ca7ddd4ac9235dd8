"""Every service entry point takes the acting principal, by keyword, with no default.

One entry per service module: the functions it may keep without a principal,
each with the reason. Add your domain's modules to SERVICE_MODULES.

A function of a relationship may instead act on a `View` (`view: View`, no
default): only `access.view` makes one, from the principal it checked.
"""

from __future__ import annotations

import importlib
import inspect
import typing

import pytest

from companion.accounts.principal import Principal
from companion.relationships.access import View

PARTS = "a building block of an entry point that checked the principal"
IN_A_DECISION = "a step inside a decision that review.workflow.decide authorised"
RULE = "the review rule itself, about a draft rather than about who asks"
SCIM = "acts for a Provisioner (a SCIM token), which it requires; no person does SCIM"

SERVICE_MODULES: dict[str, dict[str, str]] = {
    "companion.accounts.api_tokens": {
        "revoke_live": "a step of a password reset or of the owner's own password change, "
        "which decided the tokens go",
    },
    "companion.programs.service": {
        "get": "lookup by id for services that checked the program already; "
        "handlers use programs.read or the program policy",
        "get_by_name": "lookup by name for the command line (which acts as the System)",
        "require_by_name": "lookup by name for the command line (which acts as the System)",
        "merged_matching": "pure: merges two dicts of settings",
        "ai_switches_of": "pure: a program's AI switches, for a caller that checked who reads it",
    },
    "companion.compliance.service": {
        "llm_kind": "pure: offline, local or remote, from the settings",
        "published_figures": "pure: the project's published figures, no one's data",
    },
    "companion.matching.explanation": {
        "for_member": "pure: a match's reasons as one member of the pair may read them, for a "
        "caller that checked they are a member (the match email, their copy of their data)",
    },
    "companion.programs.policy": {
        "program_not_found": "pure: builds the error every refusal shares",
    },
    "companion.matching.service": {},
    "companion.matching.modes_service": {},
    "companion.guidance.service": {
        "search": "the guidance corpus is the whole organisation's and holds nobody's data: "
        "anyone signed in may search it, and drafting retrieves from it for its own requester",
        "search_contents": "a reader's search, second step: `contents_for_reader`, its first, "
        "checks the reader; like `search`, it reads the corpus, which holds nobody's data",
        "path_loads": "pure: turns paths into loaders, reads no database",
        "upload_loads": "pure: turns uploaded bytes into loaders, reads no database",
        "read_uploads": "pure: reads uploaded files within an upload's limits, after "
        "check_uploads checked who uploads; reads no database",
    },
    "companion.participants.service": {
        "all_participants": "the cohort as other services read it once they checked the "
        "program; handlers list participants with list_participants",
        "matchable_participants": "the cohort as matching reads it once it checked the program",
        "listed_where": "pure: the conditions of a list's search and role filter",
        "order_of": "pure: the order a list's sort names",
    },
    "companion.relationships.access": {
        "load_members": PARTS,
        "members_of": PARTS,
        "relationships_of_user": "a person's own relationships, never someone else's",
        "relationship_ids_of_user": "a person's own relationships, never someone else's",
    },
    "companion.relationships.service": {
        "create_pair": "made by matching.approve, which checked the coordinator",
        "effective_cadence": "pure: the relationship's or the program's cadence",
        "member_payload": "pure: one member as a dict",
        "open_relationship_ids": PARTS,
        "summary": PARTS,
    },
    "companion.relationships.activity": {
        "next_sessions": PARTS,
        "of_relationship": PARTS,
        "session_counts": PARTS,
        "unread_count": PARTS,
        "unread_counts": PARTS,
    },
    "companion.relationships.events": {
        "record": "audits a change that a service authorised",
        "session_of": "pure: the database session of a row",
    },
    "companion.relationships.meetings": {
        "feed_ics": "the secret address is the credential: calendar apps cannot sign in",
        "issue_feed": "a person's own calendar feed, never someone else's",
        "last_session_start": PARTS,
    },
    "companion.relationships.goals": {
        "check_text": "pure: a text field's size and presence, into a list of problems",
        "raise_if": "pure: refuses with the problems found",
    },
    "companion.relationships.threads": {
        "links_in": "pure: the addresses in a text",
        "message_payload": "pure: one message as a dict",
        "unread_for_user": "a person's own unread counts, never someone else's",
    },
    "companion.rights.export": {},
    "companion.rights.erasure": {
        "account_id": "lookup by address for the command line (which acts as the System)",
    },
    "companion.rights.retention": {
        "check": "pure: refuses a period under the logs' minimum",
    },
    "companion.rights.holdings": {"of": PARTS},
    "companion.rights.policy": {
        "account_not_found": "pure: builds the error every refusal shares",
        "self_erasure_refusal": "why the account's own owner may not erase it; its callers "
        "(require_may_erase, may_erase_self) checked who asks",
    },
    "companion.relationships.feedback": {
        "questions_for": "pure: the questions of a session",
    },
    "companion.relationships.health": {
        "assess": PARTS,
        "held_per_week": PARTS,
        "is_overdue": "pure: a date comparison",
        "judge": "pure: assess's rule for facts a read that checked the principal fetched",
        "overdue_before": "pure: a day, from the program's rule",
        "start_of": "pure: when a relationship started",
        "stalled_clause": "pure: assess's rule as a SQL condition, for a list that "
        "checked the principal",
    },
    "companion.drafting.service": {
        "member_reviewed": "pure: whether a kind may use the pair's material",
        "payload": "pure: a draft as a dict",
        "stored_error": "pure: the reason kept with a failed draft",
        "failed_draft_of": "the draft an error of this request recorded; read by its requester",
        "regenerate": IN_A_DECISION,
    },
    "companion.review.workflow": {
        "available_actions": "pure: the decisions the transition table offers in a state",
        "content_hash": "pure: a hash of a draft's text",
        "deliver": IN_A_DECISION,
        "diff": "pure: the human's changes to a draft",
        "transition": IN_A_DECISION,
        "unchanged": IN_A_DECISION,
        "validation_context": IN_A_DECISION,
    },
    "companion.review.queue": {
        "review_payload": PARTS,
    },
    "companion.review.delivery": {
        "agenda_text_for_members": "the calendar entry every member of the session receives",
        "agenda_texts_for_members": "the calendar entries every member of the sessions receives",
        "apply_effects": IN_A_DECISION,
        "disclosure": "pure: how a delivered text was made and who approved it",
        "final_text_of": "pure: a draft's final text, without provenance",
        "headline": "pure: a draft's headline",
        "view_of": "pure: a delivered draft as its recipients read it",
    },
    "companion.identity.oidc": {
        "begin": "starts a sign-in for whoever opens the page; reads nothing of anyone",
        "complete": "the provider's signed ID token is the credential, checked here",
        "redirect_uri": "pure: where the provider sends people back",
    },
    "companion.identity.provisioning": {
        "get_user": SCIM,
        "list_users": SCIM,
        "create_user": SCIM,
        "replace_user": SCIM,
        "patch_user": SCIM,
        "delete_user": SCIM,
        "create_group": SCIM,
        "get_group": SCIM,
        "list_groups": SCIM,
        "replace_group": SCIM,
        "patch_group": SCIM,
        "delete_group": SCIM,
        "authenticate": "turns a SCIM token into the Provisioner it stands for",
        "group_resource": "pure: a group as SCIM shows it",
        "mapped_program": "pure: the program a group's name names",
        "user_resource": "pure: a user as SCIM shows it",
        "read_search": "pure: the search a POST body asks for",
        "search_all": SCIM,
    },
    "companion.review.policy": {
        "approvals_complete": RULE,
        "four_eyes": RULE,
        "four_eyes_impossible": RULE,
        "member_user_ids": RULE,
        "recipients": RULE,
        "story_approvals_missing": RULE,
    },
}


def entry_points(module_name: str) -> list[tuple[str, typing.Callable]]:
    module = importlib.import_module(module_name)
    return [
        (name, function)
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module_name and not name.startswith("_")
    ]


def acts_on_a_view(function: typing.Callable) -> bool:
    view = inspect.signature(function).parameters.get("view")
    return (
        view is not None
        and view.annotation in (View, "View")
        and view.default is inspect.Parameter.empty
    )


@pytest.mark.parametrize("module_name", sorted(SERVICE_MODULES))
def test_every_entry_point_takes_a_principal(module_name: str) -> None:
    exempt = SERVICE_MODULES[module_name]
    missing = []
    for name, function in entry_points(module_name):
        if name in exempt:
            continue
        if acts_on_a_view(function):
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
