"""One way to handle a form: the API's models, errors by field, and a refusal that keeps nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.web import forms
from companion.errors import Conflict, InvalidInput, NotFound
from companion.programs import service as programs
from companion.programs.models import Program
from companion.relationships.schemas import ActionCreate, Booking
from companion.review.schemas import BulkApprove, Decision
from tests.helpers import TEST_SYSTEM


class TestParse:
    def test_the_apis_model_with_empty_fields_left_out(self) -> None:
        booking = forms.parse(
            Booking, {"starts_at": "2030-01-01T09:00:00+01:00", "duration_minutes": ""}
        )
        assert booking.duration_minutes is None and booking.starts_at.utcoffset() is not None

    def test_errors_by_form_field_in_plain_words(self) -> None:
        with pytest.raises(forms.Refused) as refused:
            forms.parse(
                Booking,
                {"starts_at": "soon", "duration_minutes": "500", "modality": "pigeon"},
                names={"starts_at": "other_time"},
            )
        errors = refused.value.errors
        assert errors["other_time"] == "Enter a date and time, e.g. 2026-03-03 09:00."
        assert errors["duration_minutes"] == "Should be less than or equal to 240."
        assert errors["modality"] == "Choose one of the options in the list."
        assert refused.value.status_code == 422

    def test_a_missing_field_is_named(self) -> None:
        with pytest.raises(forms.Refused) as refused:
            forms.parse(ActionCreate, {"text": "", "owner": "E1"}, names={"text": "action_text"})
        assert refused.value.errors == {"action_text": "Fill this in."}

    def test_a_form_says_a_kind_of_error_in_its_own_words(self) -> None:
        with pytest.raises(forms.Refused) as refused:
            forms.parse(
                BulkApprove, {"drafts": []}, words={"too_short": "Tick at least one draft."}
            )
        assert refused.value.errors == {"drafts": "Tick at least one draft."}

    def test_the_decision_model_refuses_an_unknown_action(self) -> None:
        with pytest.raises(forms.Refused) as refused:
            forms.parse(Decision, {"action": "publish", "version": "1"}, names={"action": "_form"})
        assert set(refused.value.errors) == {"_form"}


class TestServiceErrors:
    def test_a_field_from_details_never_from_the_wording(self) -> None:
        # The message names another word before a colon: only `details` decide the field.
        error = InvalidInput("Note: this is about the body.", field="body")
        assert forms.service_errors(error) == {"body": "Note: this is about the body."}

    def test_the_field_name_is_not_repeated_next_to_the_field(self) -> None:
        error = InvalidInput("note: say what should change.", field="note")
        assert forms.service_errors(error) == {"note": "say what should change."}

    def test_form_names_unknown_fields_and_no_field(self) -> None:
        error = InvalidInput("text: too long.", field="text")
        assert forms.service_errors(error, names={"text": "action_text"}) == {
            "action_text": "too long."
        }
        assert forms.service_errors(error, known={"body"}, fallback="body") == {"body": "too long."}
        assert forms.service_errors(Conflict("Already booked."), fallback="when") == {
            "when": "Already booked."
        }

    def test_a_detail_says_its_part_or_the_whole_sentence(self) -> None:
        error = InvalidInput(
            "password: use at least 12 characters.",
            details=[{"field": "password", "message": "too short"}],
        )
        assert forms.service_errors(error) == {"password": "too short"}
        assert forms.service_errors(error, whole=True) == {
            "password": "use at least 12 characters."
        }

    def test_several_details_each_say_their_part(self) -> None:
        error = InvalidInput(
            "The goal cannot be set: title: required; specific: too long.",
            details=[
                {"field": "title", "message": "required"},
                {"field": "milestones.1.text", "message": "too long"},
            ],
        )
        assert forms.service_errors(error) == {"title": "required", "milestones": "too long"}

    def test_numbered_parts_go_to_numbered_fields(self) -> None:
        error = InvalidInput(
            "Feedback refused.",
            details=[
                {"field": "answers[1].rating", "message": "give 1 to 5"},
                {"field": "answers[0].text", "message": "too long"},
                {"field": "answers", "message": "answer every question"},
            ],
        )
        names = {"*": "feedback", "answers.#.rating": "rating_{i}", "answers.#.text": "text_{i}"}
        assert forms.service_errors(error, names=names) == {
            "rating_1": "give 1 to 5",
            "text_0": "too long",
            "feedback": "answer every question",
        }

    def test_words_say_which_part_counted_from_one(self) -> None:
        error = InvalidInput(
            "items.2.minutes: must be at least 1.",
            details=[{"field": "items.2.minutes", "message": "items.2.minutes: at least 1"}],
        )
        names: dict[str, forms.Place] = {"items": "items", "items.#": ("items", "line {n}: ")}
        assert forms.service_errors(error, names=names) == {"items": "line 3: at least 1"}
        # A path the form shows whole, with the path in the words.
        json_names: dict[str, forms.Place] = {"*": ("content_json", "{path}: ")}
        assert forms.service_errors(error, names=json_names) == {
            "content_json": "items.2.minutes: at least 1"
        }

    def test_the_most_specific_key_wins(self) -> None:
        names: dict[str, forms.Place] = {
            "*": "whole",
            "preparation": "prep_mentor",
            "preparation.mentee": "prep_mentee",
            "preparation.#": "numbered",
        }
        assert forms.place("preparation.mentee.0", names) == ("prep_mentee", "")
        assert forms.place("preparation.mentor", names) == ("prep_mentor", "")
        assert forms.place("preparation.4", names) == ("numbered", "")
        assert forms.place("title", names) == ("whole", "")
        assert forms.place("title", {"body": "body"}) is None

    def test_beside_one_field_says_the_whole_sentence(self) -> None:
        error = InvalidInput(
            "filename: use .csv or .jsonl.", details=[{"field": "filename", "message": "format"}]
        )
        assert forms.service_errors(error, **forms.beside("file")) == {
            "file": "use .csv or .jsonl."
        }
        assert forms.service_errors(Conflict("Taken."), **forms.beside("file")) == {
            "file": "Taken."
        }


def _programs(session: Session) -> list[str]:
    return list(session.scalars(select(Program.name)))


class TestRun:
    def test_a_refusal_keeps_nothing_of_the_call(self, session: Session) -> None:
        def create_then_refuse() -> None:
            programs.create(session=session, name="Half-made", principal=TEST_SYSTEM)
            raise InvalidInput("name: not this one.", field="name")

        with pytest.raises(forms.Refused) as refused:
            forms.run(session, create_then_refuse)
        assert refused.value.errors == {"name": "not this one."}
        assert isinstance(refused.value.cause, InvalidInput)
        session.commit()  # the request's one transaction commits what is left: nothing
        assert "Half-made" not in _programs(session)

    def test_what_came_before_the_call_is_kept(self, session: Session) -> None:
        programs.create(session=session, name="Before", principal=TEST_SYSTEM)

        def refuse() -> None:
            raise Conflict("Changed in the meantime.")

        with pytest.raises(forms.Refused) as refused:
            forms.run(session, refuse)
        assert refused.value.status_code == 409
        session.commit()
        assert "Before" in _programs(session)

    def test_not_found_stays_a_whole_page_answer(self, session: Session) -> None:
        def missing() -> None:
            programs.create(session=session, name="Ghost", principal=TEST_SYSTEM)
            raise NotFound("No such thing.")

        with pytest.raises(NotFound):
            forms.run(session, missing)
        session.commit()
        assert "Ghost" not in _programs(session)

    def test_success_is_kept(self, session: Session) -> None:
        made = forms.run(
            session, lambda: programs.create(session=session, name="Kept", principal=TEST_SYSTEM)
        )
        session.commit()
        assert made.name == "Kept" and "Kept" in _programs(session)
