"""Every draft kind, one module each, registered in one table (`KINDS`).

A kind's module holds what its input is gathered from (`gather(sources)`), its
offline composer (`compose(data)`: the draft built
deterministically from its input, no LLM needed), who reviews and who receives it,
and what its delivery changes. The composer reads the same input model a prompt is
rendered from and returns the same output model an LLM's answer is validated
against, so a draft has one shape whichever path wrote it. Everything it says is
either plain template prose or text taken from the input (participants' own words,
retrieved guidance); it invents no facts and no quotes. Participant-written text is
only ever data here: nothing in it changes what is built.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from pydantic import BaseModel

from companion.drafting.kinds import (
    cited_answer,
    feedback_prompts,
    mentor_brief,
    session_agenda,
    smart_check,
    smart_goal,
    stalled_nudge,
    success_story,
)
from companion.drafting.kinds.spec import Audience, KindSpec, Reviewer
from prompts.render import spec as prompt_spec
from prompts.schemas import INPUTS, OUTPUTS, DraftKind, Guidance

__all__ = ["KINDS", "Audience", "KindSpec", "Reviewer", "draft", "spec", "validation_context"]


def _registered(module: ModuleType) -> KindSpec:
    kind = module.KIND
    return KindSpec(
        kind=kind,
        gather=module.gather,
        compose=module.compose,
        input=INPUTS[kind],
        output=OUTPUTS[kind],
        prompt=prompt_spec(kind),
        headline=module.HEADLINE,
        reviewers=module.REVIEWERS,
        receivers=module.RECEIVERS,
        deliver=getattr(module, "deliver", None),
    )


KINDS: dict[DraftKind, KindSpec] = {
    spec.kind: spec
    for spec in map(
        _registered,
        (
            session_agenda,
            mentor_brief,
            smart_goal,
            smart_check,
            feedback_prompts,
            cited_answer,
            stalled_nudge,
            success_story,
        ),
    )
}


def spec(kind: DraftKind | str) -> KindSpec:
    return KINDS[DraftKind(kind)]


def draft(kind: DraftKind, data: BaseModel) -> BaseModel:
    """The offline draft of `kind` for `data`, an instance of `prompts.schemas.OUTPUTS[kind]`,
    already validated under `validation_context(kind, data)`."""
    registered = spec(kind)
    if not isinstance(data, registered.input):
        raise TypeError(
            f"a {registered.kind.value} draft is made from {registered.input.__name__}, "
            f"not {type(data).__name__}"
        )
    result = registered.compose(data)
    return registered.output.model_validate(
        result.model_dump(), context=validation_context(registered.kind, data)
    )


def validation_context(kind: DraftKind, data: BaseModel) -> dict[str, Any]:
    """What a draft of `kind` made from `data` must validate under, whoever wrote it:
    the session length its agenda fills, the document and chunk ids it may cite, and
    the day its dates must come after. None means "not constrained"."""
    guidance: list[Guidance] = list(getattr(data, "guidance", []))
    return {
        "session_minutes": getattr(data, "session_minutes", None),
        "citable": sorted({g.document_id for g in guidance}),
        "citable_chunks": sorted({g.chunk_id for g in guidance}),
        "today": getattr(data, "today", None),
    }
