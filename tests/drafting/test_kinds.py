"""The kinds registry: every draft kind is registered once, complete, in its own module."""

from __future__ import annotations

import importlib
import inspect

import pytest
from pydantic import BaseModel

from companion.drafting import kinds
from companion.drafting.kinds import KINDS, Audience, Reviewer
from prompts.render import TEMPLATES_DIR
from prompts.schemas import INPUTS, OUTPUTS, DraftKind


def test_every_draft_kind_is_registered() -> None:
    assert set(KINDS) == set(DraftKind)
    assert all(spec.kind == kind for kind, spec in KINDS.items())


@pytest.mark.parametrize("kind", list(DraftKind))
class TestEachKind:
    def test_has_a_composer_in_its_own_module(self, kind: DraftKind) -> None:
        spec = KINDS[kind]
        module = importlib.import_module(spec.compose.__module__)
        assert spec.compose.__name__ == "compose"
        assert module.__name__ == f"companion.drafting.kinds.{spec.prompt.name}"
        assert kind == module.KIND
        # Nothing of another kind's is registered from this module.
        assert spec.gather.__module__ == module.__name__
        assert spec.deliver is None or spec.deliver.__module__ == module.__name__

    def test_has_its_input_and_output_schemas(self, kind: DraftKind) -> None:
        spec = KINDS[kind]
        assert spec.input is INPUTS[kind] and spec.output is OUTPUTS[kind]
        assert issubclass(spec.output, BaseModel)
        assert spec.prompt.output is spec.output
        assert inspect.signature(spec.compose).return_annotation == spec.output.__name__
        assert inspect.signature(spec.gather).return_annotation == spec.input.__name__

    def test_has_a_prompt_template_that_exists(self, kind: DraftKind) -> None:
        template = TEMPLATES_DIR / KINDS[kind].prompt.template
        assert template.is_file(), template
        assert template.read_text(encoding="utf-8").strip()

    def test_says_who_reviews_and_who_receives(self, kind: DraftKind) -> None:
        spec = KINDS[kind]
        assert spec.reviewers and spec.reviewers <= set(Reviewer)
        assert spec.receivers in Audience
        assert spec.headline.strip()

    def test_spec_lookup_takes_the_stored_string(self, kind: DraftKind) -> None:
        assert kinds.spec(kind.value) is KINDS[kind]


def test_a_draft_made_from_the_wrong_input_is_refused() -> None:
    with pytest.raises(TypeError, match="a nudge draft is made from RelationshipInput"):
        kinds.draft(DraftKind.nudge, INPUTS[DraftKind.answer](question="How?"))


def test_only_a_mentor_reviewed_kind_may_use_the_pairs_own_material() -> None:
    # A coordinator may not read a pair's notes: only kinds its mentor reviews use them.
    assert {k for k, s in KINDS.items() if s.member_reviewed} == {
        DraftKind.agenda,
        DraftKind.brief,
        DraftKind.feedback_prompts,
    }
    assert {k for k, s in KINDS.items() if s.personal} == {
        DraftKind.smart_goal,
        DraftKind.smart_check,
    }
