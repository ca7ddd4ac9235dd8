"""The draft editor lays out every kind from its schema, and gives back what it was given."""

from __future__ import annotations

import pytest

from api.web import draft_editor
from prompts import schemas

CONTENTS = {
    "brief": {
        "focus": "Leading design reviews.",
        "last_time": "We went through the outline.",
        "open_actions": ["Send the outline", "Book the room"],
        "goal_progress": ["Design reviews: 40%"],
        "guidance": [
            {"document_id": "giving-feedback", "snippet": "Name the behaviour, then its effect."}
        ],
        "citations": ["giving-feedback"],
    },
    "smart_goal": {
        "goal": "Lead two design reviews by March.",
        "specific": "Two reviews of the payments service.",
        "measurable": "Two reviews held, with written notes.",
        "achievable": "My lead agreed.",
        "relevant": "I am to lead the team's design work.",
        "time_bound": "By 31 March 2027.",
        "target_date": "2027-03-31",
        "milestones": [
            {"text": "Agree the first review", "due_date": "2027-01-15"},
            {"text": "Hold the second review", "due_date": None},
        ],
    },
    "feedback_prompts": {"for_mentee": ["What helped?", "What next?"], "for_mentor": ["A", "B"]},
    "answer": {
        "answer": "Start with a short, warm message.",
        "claims": [{"text": "A short message lowers the bar.", "citations": ["c1", "c2"]}],
        "insufficient": False,
    },
    "nudge": {"subject": "Hello", "message": "How are you both?", "suggested_next_step": "Meet"},
    "success_story": {"title": "A year", "story": "We met.", "takeaways": ["Meet often"]},
}


@pytest.mark.parametrize("kind", sorted(CONTENTS))
def test_the_form_gives_back_the_content_it_was_filled_from(kind: str) -> None:
    content = CONTENTS[kind]
    values = draft_editor.values_of(kind, content)

    edited, typed = draft_editor.content_from(kind, content, values)

    output = schemas.OUTPUTS[schemas.DraftKind(kind)]
    assert output.model_validate(edited).model_dump(mode="json") == output.model_validate(
        content
    ).model_dump(mode="json")
    assert typed == values


def test_every_kind_is_edited_by_its_fields_and_never_its_sources() -> None:
    for kind in schemas.DraftKind:
        fields = draft_editor.editor_for(kind.value)
        assert fields, kind
        assert not {"citations", "document_id"} & {f.name for f in fields}


def test_a_record_keeps_its_sources_by_position_and_a_new_one_has_none() -> None:
    content = CONTENTS["answer"]
    values = {
        "answer": "Be brief.",
        "claims": "First, reworded\nA second claim",
        "insufficient": "",
    }

    edited, _ = draft_editor.content_from("answer", content, values)

    assert edited["claims"] == [
        {"text": "First, reworded", "citations": ["c1", "c2"]},
        {"text": "A second claim"},  # the schema then asks for its citations
    ]


def test_a_refusal_is_shown_beside_the_field_and_line_it_names() -> None:
    from api.web import forms

    places = draft_editor.error_places("smart_goal")
    assert forms.place("milestones.1.due_date", places) == ("milestones", "line 2: ")
    assert forms.place("target_date", places) == ("target_date", "")
    assert forms.place("content", places) == ("goal", "")
