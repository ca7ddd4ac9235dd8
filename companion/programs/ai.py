"""The AI stop switches of a program: which features may use a model, named one way everywhere.

A feature is `drafting:<kind>` (one per draft kind), `matching` (fit by meaning,
from the sentence encoder) or `answers` (knowledge-base answers). A program keeps
the features an administrator turned off in `Program.ai_off`; everything not
named there is on. The services that use a model ask `is_off` before they do,
and fall back to what works without one (a blank template for a person to fill,
rule-based matching, search results instead of a drafted answer).
"""

from __future__ import annotations

from collections.abc import Iterable

from companion.errors import InvalidInput
from companion.programs.models import Program

DRAFT_KINDS = (
    "agenda",
    "brief",
    "smart_goal",
    "smart_check",
    "feedback_prompts",
    "nudge",
    "success_story",
)
MATCHING = "matching"
ANSWERS = "answers"
FEATURES: tuple[str, ...] = (*(f"drafting:{kind}" for kind in DRAFT_KINDS), MATCHING, ANSWERS)
# What each feature is, in the words of the settings page and the evidence pack.
LABELS = {
    "drafting:agenda": "Drafting session agendas",
    "drafting:brief": "Drafting mentors' briefs",
    "drafting:smart_goal": "Drafting SMART goals",
    "drafting:smart_check": "Drafting SMART checks of goals",
    "drafting:feedback_prompts": "Drafting feedback questions",
    "drafting:nudge": "Drafting nudges to quiet pairs",
    "drafting:success_story": "Drafting success stories",
    MATCHING: "Matching by meaning (the sentence encoder)",
    ANSWERS: "Drafted answers from the knowledge base",
}
# What each feature falls back to while it is off: said on the settings page and in the report.
FALLBACKS = {
    **{
        f"drafting:{kind}": "a blank template of the kind, filled in by a person and reviewed"
        for kind in DRAFT_KINDS
    },
    MATCHING: "rule-based matching (hard rules, availability, stated topics; no fit by meaning) "
    "or pairs the coordinator picks",
    ANSWERS: "search results from the knowledge base (the guides themselves; no answer is drafted)",
}


def drafting(kind: str) -> str:
    """The feature name of drafting `kind` (the knowledge-base answer is `answers`)."""
    return ANSWERS if kind == "answer" else f"drafting:{kind}"


def is_off(program: Program | None, feature: str) -> bool:
    """Whether `feature` is switched off for `program` (no program: nothing is off)."""
    return program is not None and feature in (program.ai_off or [])


def checked(features: Iterable[str], *, field: str) -> list[str]:
    """The features named, each one known, or InvalidInput naming the unknown one."""
    names = []
    for feature in features:
        name = feature.strip()
        if name == "drafting:answer":
            name = ANSWERS
        if name not in FEATURES:
            raise InvalidInput(
                f"{field}: {feature!r} is not an AI feature; use one of {', '.join(FEATURES)}.",
                field=field,
            )
        names.append(name)
    return names
