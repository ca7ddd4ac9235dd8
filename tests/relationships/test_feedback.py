"""Session feedback over HTTP: blind until revealed, ratings only for coordinators."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from httpx import Response
from sqlalchemy import select

from companion.accounts import service as accounts
from companion.audit.models import AuditEvent
from companion.errors import NotFound
from companion.programs.models import Program
from companion.relationships import access, feedback
from companion.relationships.models import Feedback, MentoringSession, SessionStatus
from tests.relationships.conftest import World

OUTSIDERS = ["nora", "omar", "pia", "elsewhere"]
COORDINATORS = ["lead", "org"]


def add_session(
    world: World,
    *,
    relationship_id: int | None = None,
    status: SessionStatus = SessionStatus.held,
    started: timedelta = timedelta(days=1),
    questions: list[str] | None = None,
) -> int:
    with world.services.sessions() as db:
        row = MentoringSession(
            relationship_id=relationship_id or world.first,
            starts_at=datetime.now(UTC) - started,
            duration_minutes=45,
            status=status,
            created_by="test",
            # As delivered feedback prompts set them: one list per member role.
            feedback_questions={"mentor": questions, "mentee": questions} if questions else None,
        )
        db.add(row)
        db.commit()
        return row.id


def starts_at(world: World, session_id: int) -> datetime:
    with world.services.sessions() as db:
        return db.get(MentoringSession, session_id).starts_at


def set_program(world: World, **fields: object) -> None:
    with world.services.sessions() as db:
        program = db.get(Program, world.pilot)
        for name, value in fields.items():
            setattr(program, name, value)
        db.commit()


def answers(*ratings: int, text: str = "") -> list[dict]:
    return [
        {"rating": r, "text": f"{text} (answer {n})" if text else ""} for n, r in enumerate(ratings)
    ]


def submit(world: World, who: str, session_id: int, given: list[dict]) -> Response:
    return world.client.put(
        f"/api/v1/sessions/{session_id}/feedback",
        json={"answers": given},
        headers=world.headers(who),
    )


def get(world: World, who: str, session_id: int) -> Response:
    return world.client.get(f"/api/v1/sessions/{session_id}/feedback", headers=world.headers(who))


def summary(world: World, who: str, program_id: int | None = None) -> Response:
    return world.client.get(
        f"/api/v1/programs/{program_id or world.pilot}/feedback", headers=world.headers(who)
    )


def error_fields(response: Response) -> list[str]:
    return [d["field"] for d in response.json()["error"].get("details", [])]


class TestQuestions:
    def test_the_default_questions_when_neither_session_nor_program_has_any(
        self, world: World
    ) -> None:
        session_id = add_session(world)
        response = get(world, "maya", session_id)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "session_id": session_id,
            "questions": feedback.DEFAULT_QUESTIONS,
            "mine": None,
            "others": [],
            "hidden": [],
        }
        assert len(feedback.DEFAULT_QUESTIONS) == 3

    def test_the_programs_questions_when_it_has_some(self, world: World) -> None:
        set_program(world, feedback_questions=["Was it worth your time?", "What next?"])
        session_id = add_session(world)
        assert get(world, "eli", session_id).json()["questions"] == [
            "Was it worth your time?",
            "What next?",
        ]
        assert submit(world, "eli", session_id, answers(4, 5, 5)).status_code == 422
        response = submit(world, "eli", session_id, answers(4, 5))
        assert response.status_code == 201, response.text
        assert [a["question"] for a in response.json()["mine"]] == [
            "Was it worth your time?",
            "What next?",
        ]

    def test_the_sessions_own_questions_come_first(self, world: World) -> None:
        set_program(world, feedback_questions=["Program question?"])
        session_id = add_session(world, questions=["Session question?"])
        assert get(world, "maya", session_id).json()["questions"] == ["Session question?"]


class TestSubmit:
    def test_a_member_answers_each_question_once(self, world: World) -> None:
        session_id = add_session(world)
        given = [
            {"rating": 5, "text": "  Clear advice on the reorg  "},
            {"rating": 4, "text": "More time on my questions"},
            {"rating": 3, "text": "Draft the proposal"},
        ]
        response = submit(world, "maya", session_id, given)
        assert response.status_code == 201, response.text
        assert response.json()["mine"] == [
            {
                "question": feedback.DEFAULT_QUESTIONS[0],
                "rating": 5,
                "text": "Clear advice on the reorg",
            },
            {
                "question": feedback.DEFAULT_QUESTIONS[1],
                "rating": 4,
                "text": "More time on my questions",
            },
            {"question": feedback.DEFAULT_QUESTIONS[2], "rating": 3, "text": "Draft the proposal"},
        ]
        with world.services.sessions() as db:
            stored = db.scalars(select(Feedback).where(Feedback.session_id == session_id)).one()
            assert [a["rating"] for a in stored.answers] == [5, 4, 3]
            assert [a["question"] for a in stored.answers] == feedback.DEFAULT_QUESTIONS

    def test_text_is_optional_and_stripped(self, world: World) -> None:
        session_id = add_session(world)
        given = [{"rating": 3}, {"rating": 4, "text": "  fine  "}, {"rating": 5, "text": ""}]
        response = submit(world, "eli", session_id, given)
        assert response.status_code == 201, response.text
        assert [a["text"] for a in response.json()["mine"]] == ["", "fine", ""]

    def test_a_second_submission_is_refused_and_the_first_kept(self, world: World) -> None:
        session_id = add_session(world)
        assert submit(world, "maya", session_id, answers(5, 5, 5)).status_code == 201
        again = submit(world, "maya", session_id, answers(1, 1, 1))
        assert again.status_code == 409
        assert "already" in again.json()["error"]["message"]
        # Even a malformed second submission is told it is one too many.
        assert submit(world, "maya", session_id, answers(9)).status_code == 409
        assert [a["rating"] for a in get(world, "maya", session_id).json()["mine"]] == [5, 5, 5]

    @pytest.mark.parametrize(
        "status", [SessionStatus.scheduled, SessionStatus.cancelled, SessionStatus.no_show]
    )
    def test_feedback_opens_only_once_the_session_is_held(
        self, world: World, status: SessionStatus
    ) -> None:
        session_id = add_session(world, status=status, started=timedelta(days=-2))
        response = submit(world, "maya", session_id, answers(4, 4, 4))
        assert response.status_code == 409
        assert "once the session is marked held" in response.json()["error"]["message"]

    @pytest.mark.parametrize(
        ("given", "fields"),
        [
            (answers(4, 4), ["answers"]),
            (answers(4, 4, 4, 4), ["answers"]),
            ([], ["answers"]),
            (answers(0, 3, 3), ["answers[0].rating"]),
            (answers(3, 3, 6), ["answers[2].rating"]),
            (answers(0, 6, 3), ["answers[0].rating", "answers[1].rating"]),
            (
                [{"rating": 3}, {"rating": 3, "text": "x" * 2001}, {"rating": 3}],
                ["answers[1].text"],
            ),
        ],
    )
    def test_invalid_answers_are_refused_naming_the_field(
        self, world: World, given: list[dict], fields: list[str]
    ) -> None:
        session_id = add_session(world)
        response = submit(world, "eli", session_id, given)
        assert response.status_code == 422, response.text
        assert error_fields(response) == fields
        assert get(world, "eli", session_id).json()["mine"] is None

    def test_a_rating_must_be_a_number(self, world: World) -> None:
        session_id = add_session(world)
        given = [{"rating": "5"}, {"rating": 3}, {"rating": 3}]
        response = submit(world, "eli", session_id, given)
        assert response.status_code == 422
        assert error_fields(response) == ["answers.0.rating"]

    def test_the_audit_trail_names_the_session_but_holds_no_answers(self, world: World) -> None:
        session_id = add_session(world)
        submit(world, "maya", session_id, answers(2, 3, 4, text="Confidential remark"))
        with world.services.sessions() as db:
            events = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
            submitted = [e for e in events if e.action == "feedback.submitted"]
            assert len(submitted) == 1
            assert submitted[0].data == {"session_id": session_id}
            everything = json.dumps([e.data for e in events])
        assert "Confidential" not in everything

    @pytest.mark.parametrize("who", COORDINATORS)
    def test_coordinators_may_not_submit(self, world: World, who: str) -> None:
        session_id = add_session(world)
        response = submit(world, who, session_id, answers(5, 5, 5))
        assert response.status_code == 403

    @pytest.mark.parametrize("who", OUTSIDERS)
    def test_outsiders_are_told_the_session_does_not_exist(self, world: World, who: str) -> None:
        session_id = add_session(world)
        response = submit(world, who, session_id, answers(5, 5, 5))
        assert response.status_code == 404
        assert response.json()["error"]["message"] == f"No session with id {session_id}."


class TestForSession:
    def test_answers_stay_hidden_until_every_member_has_answered(self, world: World) -> None:
        session_id = add_session(world, started=timedelta(days=1))
        secret = "Eli seemed unprepared"
        assert submit(world, "maya", session_id, answers(2, 3, 4, text=secret)).status_code == 201

        for_eli = get(world, "eli", session_id)
        assert for_eli.status_code == 200
        body = for_eli.json()
        assert body["mine"] is None
        assert body["others"] == []
        reveal_on = (starts_at(world, session_id) + timedelta(days=7)).date().isoformat()
        assert body["hidden"] == [
            {"participant_id": "M1", "name": "Maya Berg", "reveal_on": reveal_on}
        ]
        assert secret not in for_eli.text

        # Maya sees her own answers, and Eli has nothing to hide yet.
        for_maya = get(world, "maya", session_id).json()
        assert [a["rating"] for a in for_maya["mine"]] == [2, 3, 4]
        assert (for_maya["others"], for_maya["hidden"]) == ([], [])

        eli_answers = answers(5, 4, 5, text="Maya was generous with time")
        response = submit(world, "eli", session_id, eli_answers)
        assert response.status_code == 201
        assert response.json()["hidden"] == []
        revealed = response.json()["others"]
        assert [(o["participant_id"], o["name"]) for o in revealed] == [("M1", "Maya Berg")]
        assert revealed[0]["answers"][0]["text"] == f"{secret} (answer 0)"

        for_maya = get(world, "maya", session_id).json()
        assert for_maya["hidden"] == []
        assert for_maya["others"] == [
            {
                "participant_id": "E1",
                "name": "Eli Brooks",
                "answers": [
                    {"question": q, "rating": a["rating"], "text": a["text"]}
                    for q, a in zip(feedback.DEFAULT_QUESTIONS, eli_answers, strict=True)
                ],
            }
        ]

    def test_answers_are_revealed_once_the_reveal_days_have_passed(self, world: World) -> None:
        session_id = add_session(world, started=timedelta(days=8))
        submit(world, "maya", session_id, answers(4, 4, 4, text="Solid session"))
        body = get(world, "eli", session_id).json()
        assert body["hidden"] == []
        assert [o["participant_id"] for o in body["others"]] == ["M1"]
        assert body["others"][0]["answers"][0]["text"] == "Solid session (answer 0)"

    def test_the_programs_reveal_days_decide(self, world: World) -> None:
        set_program(world, feedback_reveal_days=30)
        session_id = add_session(world, started=timedelta(days=8))
        submit(world, "maya", session_id, answers(4, 4, 4, text="Solid session"))
        response = get(world, "eli", session_id)
        assert response.json()["others"] == []
        assert [h["participant_id"] for h in response.json()["hidden"]] == ["M1"]
        assert "Solid session" not in response.text

    def test_the_reveal_happens_exactly_at_the_reveal_time(self, world: World) -> None:
        session_id = add_session(world, started=timedelta(days=1))
        submit(world, "maya", session_id, answers(3, 3, 3, text="Timing"))
        reveal_at = starts_at(world, session_id) + timedelta(days=7)
        with world.services.sessions() as db:
            eli = accounts.get_by_email(session=db, email="eli@example.org")
            view = access.view(session=db, relationship_id=world.first, principal=eli)
            before = feedback.for_session(view, session_id, reveal_at - timedelta(seconds=1))
            at = feedback.for_session(view, session_id, reveal_at)
        assert before.others == []
        assert before.hidden[0].reveal_on == reveal_at.date()
        assert [o.participant_id for o in at.others] == ["M1"]
        assert at.hidden == []

    @pytest.mark.parametrize("who", COORDINATORS)
    def test_coordinators_may_not_read_a_sessions_feedback(self, world: World, who: str) -> None:
        session_id = add_session(world)
        submit(world, "maya", session_id, answers(4, 4, 4, text="Private thoughts"))
        response = get(world, who, session_id)
        assert response.status_code == 403
        assert "Private thoughts" not in response.text

    @pytest.mark.parametrize("who", OUTSIDERS)
    def test_outsiders_are_told_the_session_does_not_exist(self, world: World, who: str) -> None:
        session_id = add_session(world)
        submit(world, "maya", session_id, answers(4, 4, 4, text="Private thoughts"))
        response = get(world, who, session_id)
        assert response.status_code == 404
        assert "Private thoughts" not in response.text

    def test_an_unknown_session_is_not_found(self, world: World) -> None:
        assert get(world, "maya", 9999).status_code == 404
        assert submit(world, "maya", 9999, answers(4, 4, 4)).status_code == 404

    def test_a_session_of_another_relationship_is_not_found_through_this_one(
        self, world: World
    ) -> None:
        other = add_session(world, relationship_id=world.second)
        with world.services.sessions() as db:
            maya = accounts.get_by_email(session=db, email="maya@example.org")
            view = access.view(session=db, relationship_id=world.first, principal=maya)
            with pytest.raises(NotFound):
                feedback.for_session(view, other)
            with pytest.raises(NotFound):
                feedback.submit(view, other, answers(4, 4, 4))


class TestAggregate:
    @pytest.fixture
    def rated(self, world: World) -> World:
        first = add_session(world)
        second = add_session(world, relationship_id=world.second)
        submit(world, "maya", first, answers(5, 4, 3, text="Mentor's private view"))
        submit(world, "eli", first, answers(2, 2, 2, text="Mentee's private view"))
        submit(world, "nora", second, answers(4, 4, 4, text="Nora's private view"))
        return world

    @pytest.mark.parametrize("who", COORDINATORS)
    def test_coordinators_see_ratings_and_never_text(self, rated: World, who: str) -> None:
        response = summary(rated, who)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "responses": 3,
            "mean_rating": round(30 / 9, 2),
            "by_question": [
                {"question": feedback.DEFAULT_QUESTIONS[0], "responses": 3, "mean_rating": 3.67},
                {"question": feedback.DEFAULT_QUESTIONS[1], "responses": 3, "mean_rating": 3.33},
                {"question": feedback.DEFAULT_QUESTIONS[2], "responses": 3, "mean_rating": 3.0},
            ],
            "by_role": {"mentor": 4.0, "mentee": 2.0},
        }
        assert "private view" not in response.text

    def test_questions_are_grouped_by_their_text(self, rated: World) -> None:
        set_program(rated, feedback_questions=[feedback.DEFAULT_QUESTIONS[0], "Anything else?"])
        custom = add_session(rated)
        assert submit(rated, "eli", custom, answers(1, 5)).status_code == 201
        by_question = summary(rated, "lead").json()["by_question"]
        assert [(q["question"], q["responses"]) for q in by_question] == [
            (feedback.DEFAULT_QUESTIONS[0], 4),
            (feedback.DEFAULT_QUESTIONS[1], 3),
            (feedback.DEFAULT_QUESTIONS[2], 3),
            ("Anything else?", 1),
        ]
        assert by_question[0]["mean_rating"] == 3.0

    def test_questions_drafted_for_a_pair_are_not_quoted(self, rated: World) -> None:
        drafted = add_session(rated, questions=["How did the talk with Priya go?", "Next?"])
        assert submit(rated, "eli", drafted, answers(2, 4)).status_code == 201
        response = summary(rated, "lead")
        assert "Priya" not in response.text
        by_question = {q["question"]: q for q in response.json()["by_question"]}
        assert by_question["A question drafted for the pair (mentee)"]["responses"] == 2

    def test_no_feedback_yet(self, world: World) -> None:
        assert summary(world, "lead").json() == {
            "responses": 0,
            "mean_rating": None,
            "by_question": [],
            "by_role": {"mentor": None, "mentee": None},
        }

    @pytest.mark.parametrize("who", ["maya", "eli", "pia", "elsewhere"])
    def test_only_coordinators_of_the_program_see_it(self, rated: World, who: str) -> None:
        response = summary(rated, who)
        # Its participants are told no; to another program's coordinator it does not exist.
        assert response.status_code == (404 if who == "elsewhere" else 403)
        assert "private view" not in response.text

    def test_another_programs_feedback_is_counted_apart(self, rated: World) -> None:
        assert summary(rated, "org", rated.other).json()["responses"] == 0

    def test_an_unknown_program_is_not_found(self, world: World) -> None:
        assert summary(world, "org", 9999).status_code == 404
