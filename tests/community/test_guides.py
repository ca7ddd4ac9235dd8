"""'What our guides say': drafted, reviewed, and only then published to a question."""

from __future__ import annotations

from tests.community.conftest import World

QUESTION = "How do I give difficult feedback to someone on my new team?"


def _ok(response) -> dict:
    assert response.status_code < 300, response.text
    return response.json()


def test_a_drafted_guide_answer_is_invisible_until_a_person_approves_it(world: World) -> None:
    qid = _ok(world.ask("eli", QUESTION))["id"]
    for who in ("eli", "omar", "xia"):
        refused = world.post(who, f"/questions/{qid}/guide-drafts", {})
        assert refused.status_code in (403, 404), who
    drafted = _ok(world.post("lead", f"/questions/{qid}/guide-drafts", {}))
    assert drafted["status"] == "pending_review"
    draft_id = drafted["draft_id"]
    for peer in ("eli", "omar"):
        shown = world.get(peer, f"/questions/{qid}").json()
        assert shown["answer_list"] == [] and shown["guide_drafts"] == []
    assert world.get("lead", f"/questions/{qid}").json()["guide_drafts"] == [draft_id]
    early = world.post("lead", f"/questions/{qid}/guide-answers", {"draft_id": draft_id})
    assert early.status_code == 409
    assert "Approve the drafted answer" in early.json()["error"]["message"]
    assert world.get("omar", f"/questions/{qid}").json()["answer_list"] == []

    approved = world.client.post(
        f"/api/v1/review/drafts/{draft_id}/decisions",
        json={"action": "approve", "version": 1},
        headers=world.headers("lead"),
    )
    assert approved.status_code == 200, approved.text
    published = _ok(world.post("lead", f"/questions/{qid}/guide-answers", {"draft_id": draft_id}))
    assert published["guide"] is True and published["author_name"] == "What our guides say"
    assert "approved by" in published["disclosure"]
    seen = world.get("omar", f"/questions/{qid}").json()["answer_list"]
    assert [(a["guide"], a["disclosure"]) for a in seen] == [(True, published["disclosure"])]
    again = world.post("lead", f"/questions/{qid}/guide-answers", {"draft_id": draft_id})
    assert again.status_code == 409


def test_another_programs_coordinator_cannot_draft_or_publish(world: World) -> None:
    qid = _ok(world.ask("eli", QUESTION))["id"]
    assert world.post("elsewhere", f"/questions/{qid}/guide-drafts", {}).status_code == 404
    draft_id = _ok(world.post("lead", f"/questions/{qid}/guide-drafts", {}))["draft_id"]
    published = world.post("elsewhere", f"/questions/{qid}/guide-answers", {"draft_id": draft_id})
    assert published.status_code == 404
