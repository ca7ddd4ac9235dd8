"""A person's copy of their data covers the community, and erasure keeps threads whole."""

from __future__ import annotations

from sqlalchemy import select

from companion.accounts.models import User
from companion.community.models import Block, Helper
from tests.community.conftest import World

QUESTION = "How do I give difficult feedback to someone on my new team?"
REPLY = {"body": "Name the behaviour, not the person.", "accept_code_of_conduct": True}


def _ok(response) -> dict:
    assert response.status_code < 300, response.text
    return response.json()


def _user_id(world: World, email: str) -> int:
    with world.services.sessions() as db:
        return db.scalar(select(User.id).where(User.email == email))


def test_the_copy_holds_questions_answers_reports_blocks_and_the_opt_in(world: World) -> None:
    world.opt_in("eli", "Onboarding remote hires")
    qid = _ok(world.ask("eli", QUESTION, anonymous=True))["id"]
    aid = _ok(world.post("omar", f"/questions/{qid}/answers", REPLY))["id"]
    _ok(world.post("eli", "/reports", {"target": "answer", "target_id": aid, "reason": "Rude"}))
    _ok(world.post("eli", "/me/blocks", {"email": "nora@example.org"}))
    copy = _ok(world.client.get("/api/v1/me/data", headers=world.headers("eli")))["community"]
    assert [q["title"] for q in copy["questions"]] == [QUESTION]
    assert copy["questions"][0]["anonymous"] is True
    assert [r["reason"] for r in copy["reports_filed"]] == ["Rude"]
    assert copy["blocked_by_you"] == [_user_id(world, "nora@example.org")]
    assert copy["may_be_asked"] is True and copy["helps_with"] == "Onboarding remote hires"
    omar = _ok(world.client.get("/api/v1/me/data", headers=world.headers("omar")))["community"]
    assert [a["body"] for a in omar["answers"]] == [REPLY["body"]]
    assert omar["questions"] == [] and omar["reports_filed"] == []


def test_erasure_keeps_the_thread_readable_under_a_former_member(world: World) -> None:
    world.opt_in("omar")
    qid = _ok(world.ask("eli", QUESTION))["id"]
    _ok(world.post("omar", f"/questions/{qid}/answers", REPLY))
    _ok(world.post("omar", "/me/blocks", {"email": "maya@example.org"}))
    omar = _user_id(world, "omar@example.org")
    report = _ok(world.client.post(f"/api/v1/users/{omar}/erase", headers=world.headers("admin")))
    assert report["anonymised"]["community_answers"] == 1
    assert report["deleted"]["community_blocks"] == 1
    detail = _ok(world.get("eli", f"/questions/{qid}"))
    assert [(a["author_name"], a["body"]) for a in detail["answer_list"]] == [
        ("a former member", REPLY["body"])
    ]
    with world.services.sessions() as db:
        assert db.scalars(select(Block)).all() == []
        assert db.scalars(select(Helper).where(Helper.user_id == omar)).all() == []


def test_a_peers_copy_of_their_data_does_not_name_an_anonymous_asker(world: World) -> None:
    world.opt_in("sam")  # suggested, so told about the question
    qid = _ok(world.ask("eli", QUESTION, anonymous=True))["id"]
    _ok(world.post("sam", f"/questions/{qid}/answers", REPLY))
    copy = world.client.get("/api/v1/me/data", headers=world.headers("sam")).text
    assert str(qid) in copy  # the question they were suggested for and answered
    assert "Eli" not in copy and "eli@example.org" not in copy
