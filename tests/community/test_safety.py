"""Safety over HTTP: reports, the moderators' queue (hide, restore, warn), blocks."""

from __future__ import annotations

from sqlalchemy import select

from companion.audit.models import AuditEvent
from tests.community.conftest import World

QUESTION = "How do I give difficult feedback to someone on my new team?"
REPLY = {"body": "Buy my course at example.com!", "accept_code_of_conduct": True}


def _ok(response) -> dict:
    assert response.status_code < 300, response.text
    return response.json()


def _question(world: World, who: str = "eli", **fields: object) -> int:
    return _ok(world.ask(who, QUESTION, **fields))["id"]


def _report(world: World, who: str, target: str, target_id: int) -> int:
    body = {"target": target, "target_id": target_id, "reason": "Spam"}
    return _ok(world.post(who, "/reports", body))["id"]


class TestModeration:
    def test_report_then_hide_makes_a_post_invisible_to_peers_only(self, world: World) -> None:
        qid = _question(world)
        aid = _ok(world.post("omar", f"/questions/{qid}/answers", REPLY))["id"]
        report_id = _report(world, "eli", "answer", aid)
        queue = _ok(world.get("lead", "/moderation"))
        assert [r["id"] for r in queue["items"]] == [report_id]
        assert queue["items"][0]["excerpt"].startswith("Buy my course")
        assert queue["items"][0]["offender_name"] == "Omar Farah"
        _ok(world.post("lead", f"/moderation/{report_id}", {"action": "hide"}))
        for peer in ("eli", "nora"):
            assert world.get(peer, f"/questions/{qid}").json()["answer_list"] == []
        own = world.get("omar", f"/questions/{qid}").json()["answer_list"]
        assert [a["hidden"] for a in own] == [True]
        assert world.get("lead", f"/questions/{qid}").json()["answer_list"][0]["hidden"]
        assert world.get("lead", "/moderation").json()["total"] == 0

    def test_a_hidden_question_answers_404_to_peers(self, world: World) -> None:
        qid = _question(world)
        report_id = _report(world, "omar", "question", qid)
        _ok(world.post("lead", f"/moderation/{report_id}", {"action": "hide"}))
        assert world.get("omar", f"/questions/{qid}").status_code == 404
        assert world.get("omar", "/questions").json()["total"] == 0
        assert world.get("omar", "/questions/similar", q=QUESTION).json() == []
        assert world.get("eli", f"/questions/{qid}").json()["hidden"] is True
        _ok(world.post("lead", f"/moderation/{report_id}", {"action": "restore"}))
        assert world.get("omar", f"/questions/{qid}").status_code == 200

    def test_a_warning_needs_words_and_reaches_the_author(self, world: World) -> None:
        qid = _question(world)
        aid = _ok(world.post("omar", f"/questions/{qid}/answers", REPLY))["id"]
        report_id = _report(world, "eli", "answer", aid)
        refused = world.post("lead", f"/moderation/{report_id}", {"action": "warn"})
        assert refused.status_code == 422
        assert refused.json()["error"]["details"][0]["field"] == "note"
        note = "Please do not advertise in answers."
        _ok(world.post("lead", f"/moderation/{report_id}", {"action": "warn", "note": note}))
        assert [w["note"] for w in world.get("omar", "/me/warnings").json()] == [note]
        assert world.get("eli", "/me/warnings").json() == []

    def test_only_moderators_of_the_program_see_and_decide_reports(self, world: World) -> None:
        report_id = _report(world, "omar", "question", _question(world))
        for who in ("elsewhere", "maya", "xia"):
            listed = world.get(who, "/moderation")
            assert listed.status_code == 404 or listed.json()["total"] == 0, who
            decided = world.post(who, f"/moderation/{report_id}", {"action": "hide"})
            assert decided.status_code == 404, who
        assert world.get("admin", "/moderation").json()["total"] == 1

    def test_every_moderation_action_is_audited(self, world: World) -> None:
        report_id = _report(world, "omar", "question", _question(world))
        _ok(world.post("lead", f"/moderation/{report_id}", {"action": "hide"}))
        with world.services.sessions() as db:
            actions = db.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("community.%"))
            ).all()
        assert "community.reported" in actions and "community.moderation_hide" in actions

    def test_a_post_one_may_not_read_cannot_be_reported(self, world: World) -> None:
        qid = _question(world)
        response = world.post(
            "xia", "/reports", {"target": "question", "target_id": qid, "reason": "x"}
        )
        assert response.status_code == 404

    def test_a_thread_message_is_reported_by_a_member_only(self, world: World) -> None:
        sent = world.client.post(
            f"/api/v1/relationships/{world.pair}/messages",
            json={"body": "Send me your home address."},
            headers=world.headers("maya"),
        )
        message_id = _ok(sent)["id"]
        body = {"target": "message", "target_id": message_id, "reason": "Unwanted"}
        assert world.post("omar", "/reports", body).status_code == 404
        assert world.post("lead", "/reports", body).status_code == 404
        _ok(world.post("eli", "/reports", body))
        queue = world.get("lead", "/moderation").json()["items"]
        assert queue[0]["target"] == "message" and queue[0]["offender_name"] == "Maya Berg"


class TestBlocks:
    def test_a_blocked_person_cannot_message_the_blocker(self, world: World) -> None:
        _ok(world.post("eli", "/me/blocks", {"email": "maya@example.org"}))
        sent = world.client.post(
            f"/api/v1/relationships/{world.pair}/messages",
            json={"body": "Hello?"},
            headers=world.headers("maya"),
        )
        assert sent.status_code == 403
        listed = world.client.get(
            f"/api/v1/relationships/{world.pair}/messages", headers=world.headers("eli")
        )
        assert listed.json()["total"] == 0

    def test_a_blocked_person_cannot_reply_to_the_blockers_questions(self, world: World) -> None:
        _ok(world.post("eli", "/me/blocks", {"email": "omar@example.org"}))
        qid = _question(world)
        assert world.post("omar", f"/questions/{qid}/answers", REPLY).status_code == 403
        assert world.post("nora", f"/questions/{qid}/answers", REPLY).status_code == 201

    def test_blocking_does_not_tell_who_asked_anonymously(self, world: World) -> None:
        # Block a suspect, try to reply, unblock: were the reply refused only when the
        # suspect asked, anyone could find out who asked. Whom you block does not stop
        # you answering a question you cannot tell is theirs.
        qid = _question(world, anonymous=True)
        _ok(world.post("omar", "/me/blocks", {"email": "eli@example.org"}))
        assert world.post("omar", f"/questions/{qid}/answers", REPLY).status_code == 201

    def test_an_anonymous_asker_still_keeps_out_whom_they_blocked(self, world: World) -> None:
        _ok(world.post("eli", "/me/blocks", {"email": "omar@example.org"}))
        qid = _question(world, anonymous=True)
        refused = world.post("omar", f"/questions/{qid}/answers", REPLY)
        assert refused.status_code == 403
        assert "this person" not in refused.text

    def test_neither_is_suggested_to_the_other(self, world: World) -> None:
        world.opt_in("sam")
        _ok(world.post("sam", "/me/blocks", {"email": "eli@example.org"}))
        assert _ok(world.ask("eli", QUESTION))["suggested"] == []
        world.opt_in("eli", "feedback to new team members")
        assert _ok(world.ask("sam", QUESTION))["suggested"] == []

    def test_unblocking_lets_them_reach_you_again(self, world: World) -> None:
        block_id = _ok(world.post("eli", "/me/blocks", {"email": "maya@example.org"}))["id"]
        assert (
            world.client.delete(
                f"/api/v1/community/me/blocks/{block_id}", headers=world.headers("maya")
            ).status_code
            == 404
        )
        assert (
            world.client.delete(
                f"/api/v1/community/me/blocks/{block_id}", headers=world.headers("eli")
            ).status_code
            == 204
        )
        sent = world.client.post(
            f"/api/v1/relationships/{world.pair}/messages",
            json={"body": "Hello again"},
            headers=world.headers("maya"),
        )
        assert sent.status_code == 201

    def test_blocking_an_unknown_address_names_the_field(self, world: World) -> None:
        response = world.post("eli", "/me/blocks", {"email": "nobody@example.org"})
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "email"
