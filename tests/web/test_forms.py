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
from companion.review.schemas import Decision
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
