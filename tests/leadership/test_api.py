"""The API of leaders' stories, training paths and figures: who reads what, over HTTP."""

from __future__ import annotations

from tests.leadership.conftest import STORY_BODY, STORY_TITLE
from tests.leadership.test_training import PATH
from tests.relationships.conftest import World


def test_a_story_from_writing_to_publication(guided: World):
    client, h = guided.client, guided.headers
    created = client.post(
        "/api/v1/stories", json={"title": STORY_TITLE, "body": STORY_BODY}, headers=h("maya")
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/stories/{created.json()['id']}"
    assert client.get(url, headers=h("nora")).status_code == 404
    assert client.post(url + "/publish", headers=h("lead")).status_code == 409
    suggestion = {"body": STORY_BODY.replace("kindly", "gently"), "note": "Softer."}
    assert client.post(url + "/suggestion", json=suggestion, headers=h("lead")).status_code == 200
    assert client.post(url + "/approve", headers=h("lead")).status_code == 403
    assert client.post(url + "/approve", headers=h("maya")).status_code == 200
    assert client.post(url + "/publish", headers=h("maya")).status_code == 403
    published = client.post(url + "/publish", headers=h("lead"))
    assert published.status_code == 200 and published.json()["status"] == "published"
    # A reader gets the story, never the suggestion nor when it was approved.
    read = client.get(url, headers=h("omar")).json()
    assert read["body"] == STORY_BODY and read["doc_id"].startswith("story-")
    assert "suggested_body" not in read and "approved_at" not in read
    assert client.get(url, headers=h("maya")).json()["suggested_body"] == suggestion["body"]
    assert [s["title"] for s in client.get("/api/v1/stories", headers=h("eli")).json()] == [
        STORY_TITLE
    ]
    found = client.get(
        "/api/v1/knowledge/search",
        params={"q": "a leader answering every design question", "kind": "story"},
        headers=h("eli"),
    ).json()
    assert {hit["doc_id"] for hit in found["results"]} == {read["doc_id"]}


def test_training_and_figures_answer_only_their_readers(guided: World):
    client, h = guided.client, guided.headers
    made = client.post(
        f"/api/v1/programs/{guided.pilot}/training-paths", json=PATH, headers=h("lead")
    )
    assert made.status_code == 201, made.text
    assert (
        client.post(
            f"/api/v1/programs/{guided.pilot}/training-paths", json=PATH, headers=h("maya")
        ).status_code
        == 403
    )
    step = made.json()["steps"][0]["id"]
    saved = client.put(
        f"/api/v1/training/steps/{step}",
        json={"done": True, "reflection": "Mine alone."},
        headers=h("maya"),
    )
    assert saved.status_code == 200 and saved.json()["steps_done"] == 1
    progress = client.get(f"/api/v1/training/paths/{made.json()['id']}/progress", headers=h("lead"))
    assert "Mine alone." not in progress.text
    assert (
        client.get(f"/api/v1/training/paths/{made.json()['id']}", headers=h("eli")).status_code
        == 404
    )
    leaders = f"/api/v1/programs/{guided.pilot}/leaders"
    assert client.get(leaders, headers=h("maya")).status_code == 404
    assert client.get(leaders, headers=h("elsewhere")).status_code == 404
    assert client.get(leaders, headers=h("lead")).json()["leaders"] == []
    on = client.put(leaders + "/switch", json={"turned_on": True}, headers=h("lead"))
    assert {x["name"] for x in on.json()["leaders"]} == {"Maya Berg", "Nora Diaz"}
    maya = next(x for x in on.json()["leaders"] if x["name"] == "Maya Berg")
    assert maya["training_completed"] == 0
    assert client.get("/api/v1/leadership/me", headers=h("maya")).json()[0]["name"] == "Maya Berg"
