"""My data: each category is there, and nothing of anyone else's."""

from __future__ import annotations

import json

import pytest

from companion.errors import NotFound
from companion.rights import export
from tests.relationships.conftest import World


def my_data(world: World, who: str) -> dict:
    response = world.client.get("/api/v1/me/data", headers=world.headers(who))
    assert response.status_code == 200, response.text
    return response.json()


class TestMyData:
    def test_it_holds_every_category(self, world: World, history: dict[str, int]) -> None:
        data = my_data(world, "eli")
        assert data["account"]["email"] == "eli@example.org"
        assert [p["fields"]["name"] for p in data["profiles"]] == ["Eli Brooks"]
        (relationship,) = data["relationships"]
        assert relationship["with"] == ["Maya Berg"]
        assert relationship["match_reasons"] == ["first: both care about data platforms"]
        assert [s["shared_notes"] for s in data["sessions"]] == ["first shared notes"]
        assert [n["text"] for n in data["private_notes"]] == ["eli private"]
        assert [g["title"] for g in data["goals"]] == ["eli goal"]
        assert [m["body"] for m in data["messages"]] == ["eli says hi"]
        assert [a["text"] for f in data["feedback_given"] for a in f["answers"]] == ["eli liked"]
        assert sorted(d["text"] for d in data["drafts_delivered"]) == [
            "eli delivered goal draft",
            "first agenda",
        ]
        assert any(e["subject_type"] == "user" for e in data["audit_events"])

    def test_it_holds_their_match_review_requests_and_notice_settings_only(
        self, world: World, history: dict[str, int]
    ) -> None:
        from sqlalchemy import select

        from companion.notifications.models import Delivery, Kind, NotificationPreference
        from companion.participants.models import Participant
        from companion.relationships.models import MatchReviewRequest

        with world.services.sessions() as session:
            people = {p.email: p for p in session.scalars(select(Participant))}
            for email, relationship in (
                ("eli@example.org", world.first),
                ("omar@example.org", world.second),
            ):
                session.add(
                    MatchReviewRequest(
                        program_id=world.pilot,
                        relationship_id=relationship,
                        participant_id=people[email].id,
                        requested_by=email,
                        note=f"{email.split('@')[0]} asks for a second look",
                    )
                )
            session.add(
                NotificationPreference(
                    user_id=history["eli"], kind=Kind.thread_messages, delivery=Delivery.off
                )
            )
            session.commit()

        data = my_data(world, "eli")

        assert [r["note"] for r in data["match_review_requests"]] == ["eli asks for a second look"]
        assert data["notification_settings"] == {Kind.thread_messages.value: Delivery.off.value}
        page = world.client.get("/api/v1/me/data?format=html", headers=world.headers("eli")).text
        assert "eli asks for a second look" in page and "omar asks" not in page

    def test_nothing_of_anyone_else_and_no_undelivered_draft(
        self, world: World, history: dict[str, int]
    ) -> None:
        dumped = json.dumps(my_data(world, "eli"))
        for absent in (
            "maya private",  # the mentor's private note of the same session
            "pending_review goal draft",
            "rejected goal draft",
            "maya says hi",  # the mentor's own message is hers
            "maya liked",
            "omar",  # the other pair, throughout
            "nora",
            "second",
        ):
            assert absent not in dumped.lower(), absent

    def test_the_readable_page_says_the_same(self, world: World, history: dict[str, int]) -> None:
        response = world.client.get("/api/v1/me/data?format=html", headers=world.headers("eli"))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        page = response.text
        for present in ("Your data", "eli private", "eli goal", "eli says hi", "first agenda"):
            assert present in page, present
        for absent in ("maya private", "pending_review goal draft", "Omar", "second"):
            assert absent not in page, absent

    def test_no_one_reads_another_persons_data(self, world: World, history: dict[str, int]) -> None:
        with world.services.sessions() as session:
            from companion.accounts import service as accounts

            maya = accounts.get_by_email(session=session, email="maya@example.org")
            lead = accounts.get_by_email(session=session, email="lead@example.org")
            for reader in (maya, lead):
                with pytest.raises(NotFound):
                    export.personal_data(session=session, principal=reader, user_id=history["eli"])

    def test_the_account_page_links_to_it(self, world: World, history: dict[str, int]) -> None:
        # Without a browser session the page sends to sign-in, never shows data.
        response = world.client.get("/account/data", follow_redirects=False)
        assert response.status_code in (303, 401, 307)
