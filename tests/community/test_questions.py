"""Community questions over HTTP: who reads what, anonymity, mentors-of-the-moment who
opted in, answers and the one that helped, "asked before", rate limits, conduct."""

from __future__ import annotations

import json

from sqlalchemy import select

from companion.audit.models import AuditEvent
from companion.notifications import job as notification_job
from companion.notifications.models import Notification
from companion.review.models import OutboxMessage
from tests.community.conftest import World

FEEDBACK_Q = "How do I give difficult feedback to someone on my new team?"


def _json(response) -> dict:
    assert response.status_code < 300, response.text
    return response.json()


class TestAnonymity:
    def test_peers_never_see_the_author_of_an_anonymous_question_anywhere(
        self, world: World
    ) -> None:
        world.opt_in("maya")
        asked = _json(world.ask("eli", FEEDBACK_Q, anonymous=True, body="I am Eli's team lead?"))
        qid = asked["id"]
        assert asked["mine"] is True
        for peer in ("omar", "nora", "maya"):
            listing = json.dumps(world.get(peer, "/questions").json())
            detail = json.dumps(world.get(peer, f"/questions/{qid}").json())
            similar = json.dumps(world.get(peer, "/questions/similar", q=FEEDBACK_Q).json())
            for text in (listing, detail, similar):
                assert "Eli" not in text.replace("Eli's team lead", "")
                assert "eli@example.org" not in text
            assert world.get(peer, f"/questions/{qid}").json()["author_name"] == "Anonymous member"

    def test_moderators_and_the_author_see_who_asked(self, world: World) -> None:
        qid = _json(world.ask("eli", FEEDBACK_Q, anonymous=True))["id"]
        for who in ("lead", "admin", "eli"):
            name = world.get(who, f"/questions/{qid}").json()["author_name"]
            assert name.startswith("Eli Brooks"), (who, name)

    def test_the_anonymous_askers_own_reply_stays_anonymous(self, world: World) -> None:
        qid = _json(world.ask("eli", FEEDBACK_Q, anonymous=True))["id"]
        _json(
            world.post(
                "eli",
                f"/questions/{qid}/answers",
                {"body": "Thanks all!", "accept_code_of_conduct": True},
            )
        )
        answers = world.get("omar", f"/questions/{qid}").json()["answer_list"]
        assert [a["author_name"] for a in answers] == ["The person who asked"]

    def test_the_suggestion_email_does_not_name_the_asker(self, world: World) -> None:
        world.opt_in("maya", "feedback conversations with new managers")
        _json(world.ask("eli", FEEDBACK_Q, anonymous=True))
        settings = world.services.settings.model_copy(update={"smtp_host": "127.0.0.1"})
        notification_job.run(sessions=world.services.write_sessions, settings=settings)
        with world.services.sessions() as db:
            emails = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")).all()
            told = [(e.target, e.subject, e.body, json.dumps(e.payload)) for e in emails]
        assert [t[0] for t in told] == ["maya@example.org"]
        for _, subject, body, payload in told:
            text = subject + body + payload
            assert "Eli" not in text and "eli@example.org" not in text
            assert "difficult feedback" in text


class TestMentorsOfTheMoment:
    def test_nobody_is_suggested_without_opting_in(self, world: World) -> None:
        detail = _json(world.ask("eli", FEEDBACK_Q))
        assert detail["suggested"] == []
        with world.services.sessions() as db:
            assert db.scalars(select(Notification)).all() == []

    def test_only_people_who_opted_in_are_suggested_closest_first(self, world: World) -> None:
        world.opt_in("nora")  # salaries and promotions: further from the question
        world.opt_in("sam")
        detail = _json(world.ask("eli", FEEDBACK_Q))
        names = [s["name"] for s in detail["suggested"]]
        assert names[0] == "Sam Okoro"
        assert "Maya Berg" not in names  # closest of all, but she did not opt in
        with world.services.sessions() as db:
            told = {n.user_id for n in db.scalars(select(Notification))}
        assert len(told) == len(names)

    def test_suggestions_are_shown_to_the_asker_only(self, world: World) -> None:
        world.opt_in("sam")
        qid = _json(world.ask("eli", FEEDBACK_Q))["id"]
        assert world.get("eli", f"/questions/{qid}").json()["suggested"]
        assert world.get("omar", f"/questions/{qid}").json()["suggested"] == []

    def test_opting_out_stops_suggestions(self, world: World) -> None:
        world.opt_in("sam")
        assert world.put("sam", "/me/helper", {"opted_in": False}).json()["opted_in"] is False
        assert _json(world.ask("eli", FEEDBACK_Q))["suggested"] == []

    def test_the_asker_is_never_suggested_to_themselves(self, world: World) -> None:
        world.opt_in("sam")
        assert _json(world.ask("sam", FEEDBACK_Q))["suggested"] == []


class TestScope:
    def test_people_outside_the_program_get_404(self, world: World) -> None:
        qid = _json(world.ask("eli", FEEDBACK_Q))["id"]
        for outsider in ("xia", "elsewhere"):
            response = world.get(outsider, f"/questions/{qid}")
            assert response.status_code == 404, outsider
            missing = world.get(outsider, "/questions/999999")
            assert response.json()["error"]["code"] == missing.json()["error"]["code"]
            assert response.json()["error"]["message"] == f"No question with id {qid}."
            assert world.get(outsider, "/questions").json()["total"] == 0
            answer = world.post(outsider, f"/questions/{qid}/answers", {"body": "hi"})
            assert answer.status_code == 404

    def test_asking_in_a_program_one_is_not_in_is_refused_naming_the_field(
        self, world: World
    ) -> None:
        response = world.ask("xia", FEEDBACK_Q)
        assert response.status_code == 422
        assert [d["field"] for d in response.json()["error"]["details"]] == ["program_id"]

    def test_organisation_wide_questions_need_the_setting(self, world: World) -> None:
        refused = world.ask("eli", FEEDBACK_Q, program_id=None)
        assert refused.status_code == 422
        assert (
            world.client.patch(
                "/api/v1/community/conduct",
                json={"organisation_wide": True},
                headers=world.headers("eli"),
            ).status_code
            == 403
        )
        assert (
            world.client.patch(
                "/api/v1/community/conduct",
                json={"organisation_wide": True},
                headers=world.headers("admin"),
            ).status_code
            == 200
        )
        qid = _json(world.ask("eli", FEEDBACK_Q, program_id=None))["id"]
        assert world.get("xia", f"/questions/{qid}").status_code == 200


class TestAnswers:
    def test_anyone_in_scope_answers_and_the_asker_marks_the_one_that_helped(
        self, world: World
    ) -> None:
        qid = _json(world.ask("eli", FEEDBACK_Q))["id"]
        reply = {"body": "Be specific and kind.", "accept_code_of_conduct": True}
        aid = _json(world.post("omar", f"/questions/{qid}/answers", reply))["id"]
        assert world.put("omar", f"/questions/{qid}/helpful", {"answer_id": aid}).status_code == 403
        marked = _json(world.put("eli", f"/questions/{qid}/helpful", {"answer_id": aid}))
        assert marked["helpful_answer_id"] == aid
        assert [a["helpful"] for a in marked["answer_list"]] == [True]
        listed = world.get("nora", "/questions").json()["items"]
        assert listed[0]["answers"] == 1

    def test_marking_an_answer_of_another_question_is_refused(self, world: World) -> None:
        first = _json(world.ask("eli", FEEDBACK_Q))["id"]
        second = _json(world.ask("omar", "How do I ask for a raise?"))["id"]
        reply = {"body": "Bring evidence.", "accept_code_of_conduct": True}
        other = _json(world.post("nora", f"/questions/{second}/answers", reply))["id"]
        response = world.put("eli", f"/questions/{first}/helpful", {"answer_id": other})
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "answer_id"


class TestAskedBefore:
    def test_a_question_close_in_meaning_is_found_before_posting(self, world: World) -> None:
        qid = _json(world.ask("eli", FEEDBACK_Q))["id"]
        _json(world.ask("omar", "What should I bring to a promotion conversation?"))
        found = world.get(
            "nora",
            "/questions/similar",
            q="Tips for telling a new team member their work is not good enough",
        )
        assert [s["id"] for s in _json(found)][:1] == [qid]

    def test_an_unrelated_question_finds_nothing(self, world: World) -> None:
        _json(world.ask("eli", FEEDBACK_Q))
        assert (
            world.get("nora", "/questions/similar", q="Which parking garage is open").json() == []
        )


class TestConductAndLimits:
    def test_a_first_post_needs_the_code_of_conduct_accepted(self, world: World) -> None:
        refused = world.ask("eli", FEEDBACK_Q, accept_code_of_conduct=False)
        assert refused.status_code == 409
        assert refused.json()["error"]["details"][0]["field"] == "accept_code_of_conduct"
        assert world.get("eli", "/questions").json()["total"] == 0
        assert world.ask("eli", FEEDBACK_Q).status_code == 201
        assert world.ask("eli", "Second one", accept_code_of_conduct=False).status_code == 201

    def test_a_changed_code_is_accepted_again(self, world: World) -> None:
        _json(world.ask("eli", FEEDBACK_Q))
        changed = world.client.patch(
            "/api/v1/community/conduct",
            json={"code_of_conduct": "Be kind. Report harm."},
            headers=world.headers("admin"),
        )
        assert changed.json()["version"] == 2
        assert world.get("eli", "/conduct").json()["accepted"] is False
        assert world.ask("eli", "Again?", accept_code_of_conduct=False).status_code == 409

    def test_too_many_posts_answer_429_saying_when_to_try_again(self, world: World) -> None:
        allowed = world.services.settings.community_posts_per_hour
        for n in range(allowed):
            assert world.ask("eli", f"Question number {n}").status_code == 201
        refused = world.ask("eli", "One too many")
        assert refused.status_code == 429
        assert "You can post again at" in refused.json()["error"]["message"]
        assert int(refused.headers["Retry-After"]) > 0
        assert world.get("eli", "/questions").json()["total"] == allowed

    def test_every_change_is_audited(self, world: World) -> None:
        qid = _json(world.ask("eli", FEEDBACK_Q))["id"]
        world.post(
            "omar", f"/questions/{qid}/answers", {"body": "x", "accept_code_of_conduct": True}
        )
        with world.services.sessions() as db:
            actions = set(db.scalars(select(AuditEvent.action)).all())
        assert {
            "community.question_posted",
            "community.answer_posted",
            "community.conduct_accepted",
        } <= actions


class TestPagination:
    def test_lists_come_a_page_at_a_time(self, world: World) -> None:
        for n in range(3):
            _json(world.ask(("eli", "omar", "nora")[n], f"Question {n}"))
        page = world.get("maya", "/questions", limit=2, offset=0).json()
        assert page["total"] == 3 and len(page["items"]) == 2
        rest = world.get("maya", "/questions", limit=2, offset=2).json()
        assert [q["title"] for q in rest["items"]] == ["Question 0"]
