"""The private thread of a relationship, over HTTP against a real database."""

from __future__ import annotations

import json

import pytest
from httpx import Response
from sqlalchemy import select

from companion.audit.models import AuditEvent
from companion.relationships.models import Relationship, RelationshipStatus
from companion.relationships.threads import BODY_MAX, links_in
from tests.relationships.conftest import World

OUTSIDERS = ["nora", "omar", "pia", "elsewhere"]
COORDINATORS = ["lead", "org"]


def url(relationship_id: int) -> str:
    return f"/api/v1/relationships/{relationship_id}/messages"


def post(world: World, who: str, body: str, relationship_id: int | None = None) -> Response:
    return world.client.post(
        url(relationship_id or world.first), json={"body": body}, headers=world.headers(who)
    )


def read(world: World, who: str, **params: object) -> Response:
    return world.client.get(url(world.first), params=params, headers=world.headers(who))


def unread(world: World, who: str) -> dict:
    response = world.client.get("/api/v1/me/unread", headers=world.headers(who))
    assert response.status_code == 200, response.text
    return response.json()


def error_fields(response: Response) -> list[str]:
    return [d["field"] for d in response.json()["error"].get("details", [])]


def audit_events(world: World, action: str | None = None) -> list[AuditEvent]:
    with world.services.sessions() as db:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return list(db.scalars(query).all())


class TestPost:
    def test_a_member_posts_and_the_text_is_kept_as_written(self, world: World) -> None:
        response = post(world, "maya", "  <b>Hi Eli</b> & welcome  \n")
        assert response.status_code == 201, response.text
        message = response.json()
        assert message["body"] == "<b>Hi Eli</b> & welcome"
        assert message["author"] == "M1"
        assert message["author_name"] == "Maya Berg"
        assert message["mine"] is True
        assert message["links"] == []

        listed = read(world, "eli").json()["items"]
        assert [m["body"] for m in listed] == ["<b>Hi Eli</b> & welcome"]
        assert listed[0]["mine"] is False

    @pytest.mark.parametrize("body", ["", "   \n\t ", "x" * (BODY_MAX + 1)])
    def test_an_empty_or_too_long_body_is_refused_naming_the_field(
        self, world: World, body: str
    ) -> None:
        response = post(world, "eli", body)
        assert response.status_code == 422, response.text
        assert error_fields(response) == ["body"]
        assert read(world, "eli").json()["total"] == 0

    def test_a_body_of_exactly_the_maximum_is_accepted(self, world: World) -> None:
        assert post(world, "eli", "x" * BODY_MAX).status_code == 201

    def test_a_missing_body_is_refused_naming_the_field(self, world: World) -> None:
        response = world.client.post(url(world.first), json={}, headers=world.headers("eli"))
        assert response.status_code == 422
        assert error_fields(response) == ["body"]

    @pytest.mark.parametrize("who", COORDINATORS)
    def test_coordinators_may_not_post(self, world: World, who: str) -> None:
        response = post(world, who, "Checking in")
        assert response.status_code == 403
        assert response.json()["error"]["message"].startswith("Threads are private to the members")

    @pytest.mark.parametrize("who", OUTSIDERS)
    def test_outsiders_are_told_the_relationship_does_not_exist(
        self, world: World, who: str
    ) -> None:
        response = post(world, who, "Hello?")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert read(world, "maya").json()["total"] == 0

    def test_an_unknown_relationship_is_not_found(self, world: World) -> None:
        assert post(world, "maya", "Hello", relationship_id=9999).status_code == 404

    def test_an_ended_relationship_refuses_posts_but_can_still_be_read(self, world: World) -> None:
        assert post(world, "maya", "Last words before we wrap up").status_code == 201
        with world.services.sessions() as db:
            db.get(Relationship, world.first).status = RelationshipStatus.completed
            db.commit()

        response = post(world, "eli", "One more thing")
        assert response.status_code == 409
        assert "ended" in response.json()["error"]["message"]
        bodies = [m["body"] for m in read(world, "eli").json()["items"]]
        assert bodies == ["Last words before we wrap up"]

    def test_the_audit_trail_records_id_and_length_but_never_the_text(self, world: World) -> None:
        secret = "I am thinking about leaving my team"
        message = post(world, "eli", secret).json()

        posted = audit_events(world, "threads.message_posted")
        assert len(posted) == 1
        assert posted[0].data == {"message_id": message["id"], "length": len(secret)}
        assert posted[0].subject_id == str(message["id"])
        assert posted[0].program_id == world.pilot
        everything = json.dumps([(e.action, e.subject_id, e.data) for e in audit_events(world)])
        assert secret not in everything
        assert "leaving" not in everything


class TestListMessages:
    def test_messages_come_oldest_first_with_mine_from_the_readers_side(self, world: World) -> None:
        post(world, "maya", "How did the demo go?")
        post(world, "eli", "Well, thanks!")
        post(world, "maya", "Great to hear.")

        for who, mine in [("maya", [True, False, True]), ("eli", [False, True, False])]:
            page = read(world, who).json()
            assert [m["body"] for m in page["items"]] == [
                "How did the demo go?",
                "Well, thanks!",
                "Great to hear.",
            ]
            assert [m["mine"] for m in page["items"]] == mine
            assert [m["author"] for m in page["items"]] == ["M1", "E1", "M1"]
            assert page["total"] == 3

    def test_reading_a_page_marks_it_read_and_never_moves_back(self, world: World) -> None:
        for n in range(3):
            post(world, "maya", f"Question {n}")
        assert unread(world, "eli")["total"] == 3

        first = read(world, "eli", limit=2)
        assert first.status_code == 200
        assert first.json()["unread"] == 1
        assert unread(world, "eli")["total"] == 1

        assert read(world, "eli", limit=2, offset=2).json()["unread"] == 0
        # Reading an older page again does not bring old messages back as unread.
        assert read(world, "eli", limit=1, offset=0).json()["unread"] == 0
        assert unread(world, "eli")["total"] == 0

    def test_mark_read_false_leaves_messages_unread(self, world: World) -> None:
        post(world, "maya", "A question for later")
        page = read(world, "eli", mark_read="false").json()
        assert len(page["items"]) == 1
        assert page["unread"] == 1
        assert unread(world, "eli")["total"] == 1

    def test_the_page_shape(self, world: World) -> None:
        for n in range(3):
            post(world, "eli", f"Note {n}")
        page = read(world, "maya", limit=2, offset=1).json()
        assert set(page) == {"items", "total", "limit", "offset", "unread"}
        assert (page["total"], page["limit"], page["offset"]) == (3, 2, 1)
        assert [m["body"] for m in page["items"]] == ["Note 1", "Note 2"]
        assert set(page["items"][0]) == {
            "id",
            "author",
            "author_name",
            "body",
            "created_at",
            "mine",
            "links",
        }

    def test_links_in_the_body_are_listed(self, world: World) -> None:
        body = (
            "Read https://example.org/guide.pdf, then (see http://wiki.example.org/Foo_(bar)) "
            "and https://example.org/guide.pdf again. Not ftp://files.example.org."
        )
        message = post(world, "maya", body).json()
        expected = ["https://example.org/guide.pdf", "http://wiki.example.org/Foo_(bar)"]
        assert message["links"] == expected
        assert read(world, "eli").json()["items"][0]["links"] == expected

    @pytest.mark.parametrize("who", COORDINATORS)
    def test_coordinators_may_not_read(self, world: World, who: str) -> None:
        post(world, "maya", "Private question")
        response = read(world, who)
        assert response.status_code == 403
        assert "Private question" not in response.text

    @pytest.mark.parametrize("who", OUTSIDERS)
    def test_outsiders_are_told_the_relationship_does_not_exist(
        self, world: World, who: str
    ) -> None:
        post(world, "maya", "Private question")
        response = read(world, who)
        assert response.status_code == 404
        assert "Private question" not in response.text

    def test_the_other_pair_reads_only_its_own_thread(self, world: World) -> None:
        post(world, "maya", "For Eli")
        assert post(world, "omar", "For Nora", relationship_id=world.second).status_code == 201
        page = world.client.get(url(world.second), headers=world.headers("nora")).json()
        assert [m["body"] for m in page["items"]] == ["For Nora"]


class TestMyUnread:
    def test_counts_go_up_for_the_other_member_and_back_to_zero_after_reading(
        self, world: World
    ) -> None:
        assert unread(world, "eli") == {
            "relationships": [{"relationship_id": world.first, "unread": 0}],
            "total": 0,
        }
        post(world, "maya", "First")
        post(world, "maya", "Second")
        assert unread(world, "eli") == {
            "relationships": [{"relationship_id": world.first, "unread": 2}],
            "total": 2,
        }
        # Posting marks the author's own messages read.
        assert unread(world, "maya")["total"] == 0

        read(world, "eli")
        assert unread(world, "eli")["total"] == 0

        post(world, "eli", "Reply")
        assert unread(world, "maya")["relationships"] == [
            {"relationship_id": world.first, "unread": 1}
        ]
        assert unread(world, "eli")["total"] == 0

    def test_posting_after_unread_messages_leaves_them_read(self, world: World) -> None:
        post(world, "maya", "Are you free Tuesday?")
        post(world, "eli", "Yes")
        assert unread(world, "eli")["total"] == 0

    def test_people_in_no_relationship_have_nothing_unread(self, world: World) -> None:
        post(world, "maya", "Hello")
        for who in ["pia", "lead", "org"]:
            assert unread(world, who) == {"relationships": [], "total": 0}

    def test_each_member_sees_only_their_own_relationships(self, world: World) -> None:
        post(world, "maya", "Hello Eli")
        assert unread(world, "omar") == {
            "relationships": [{"relationship_id": world.second, "unread": 0}],
            "total": 0,
        }


class TestLinksIn:
    @pytest.mark.parametrize(
        ("text", "links"),
        [
            ("no links here", []),
            ("see https://a.example/x.", ["https://a.example/x"]),
            ("HTTPS://A.example/?q=1&r=2!", ["HTTPS://A.example/?q=1&r=2"]),
            ('<a href="https://a.example/">x</a>', ["https://a.example/"]),
            (
                "(https://a.example/x) and https://b.example/y_(z)",
                [
                    "https://a.example/x",
                    "https://b.example/y_(z)",
                ],
            ),
            ("http:// alone", []),
            ("mailto:someone@example.org", []),
        ],
    )
    def test_extracts_http_links(self, text: str, links: list[str]) -> None:
        assert links_in(text) == links
