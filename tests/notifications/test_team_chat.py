"""A program's team chat gets coordinator notices only, escaped for Slack; who may set it;
and two job runs racing each other queue every notice once, on SQLite and PostgreSQL."""

from __future__ import annotations

import ipaddress
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from companion.notifications import content as wording
from companion.notifications import job, policy
from companion.notifications.models import Kind, Notification
from companion.relationships.models import Relationship
from companion.review.models import OutboxMessage
from companion.settings import Settings
from tests.notifications.conftest import Post, later
from tests.notifications.test_kinds import run_matching, say
from tests.notifications.test_sessions import book
from tests.review.test_outbox import WebhookReceiver


def team_chat(post: Post, who: str, url: str):
    return post.world.client.put(
        f"/api/v1/programs/{post.world.pilot}/team-chat",
        headers=post.world.headers(who),
        json={"webhook_url": url},
    )


class TestWhoSetsIt:
    @pytest.mark.parametrize(
        ("who", "status"),
        [("lead", 200), ("org", 200), ("elsewhere", 404), ("maya", 403), ("eli", 403)],
    )
    def test_coordinators_of_the_program_only(self, post: Post, who: str, status: int) -> None:
        response = team_chat(post, who, "https://hooks.slack.com/services/T0/B0/SECRET")
        assert response.status_code == status, response.json()
        if status == 200:
            assert response.json() == {
                "program_id": post.world.pilot,
                "configured": True,
                "host": "hooks.slack.com",
                "set_by": f"{who if who != 'org' else 'org'}@example.org",
            }, "the address itself is a secret and is never shown back"

    def test_plain_http_to_another_machine_is_refused_by_name(self, post: Post) -> None:
        response = team_chat(post, "lead", "http://chat.example.org/hook")
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "webhook_url"


class TestWhatGoesThere:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """The team chat here is a receiver on loopback: the operator allows this machine
        (COMPANION_WEBHOOK_ALLOWED_NETWORKS), which the server refuses by default."""
        return settings.model_copy(
            update={"webhook_allowed_networks": [ipaddress.ip_network("127.0.0.0/8")]}
        )

    def test_coordinator_notices_go_there_and_personal_ones_never(
        self, post: Post, webhook: WebhookReceiver
    ) -> None:
        assert team_chat(post, "lead", webhook.url).status_code == 200
        # Personal notices of every kind the pair can cause.
        post.world.client.put(
            "/api/v1/me/notifications",
            headers=post.world.headers("eli"),
            json={"choices": {"thread_messages": "immediately"}},
        )
        book(post, "maya", later(20))
        say(post, "maya", "Private: my salary is <!channel> 100 & more")
        post.run(now=later(1))
        personal = post.take()
        assert "eli@example.org" in personal
        assert webhook.requests == [], "nothing personal reaches a shared channel"
        # A coordinator notice: a run awaiting approval, and a stalled pair.
        run_matching(post)
        with post.world.services.sessions() as session:
            session.get(Relationship, post.world.second).start_date = (
                datetime.now(UTC) - timedelta(days=60)
            ).date()
            session.commit()
        post.run(now=later(1))
        texts = [payload["text"] for _path, payload in webhook.requests]
        assert len(texts) == 2
        assert any(t.startswith("Matching run") and "waiting for approval" in t for t in texts)
        stalled = next(t for t in texts if t.startswith("A pair in Pilot has stalled"))
        assert "Nora Diaz &amp; Omar Farah" in stalled, "escaped for Slack"
        assert all("salary" not in t for t in texts)
        post.run(now=later(2))
        assert len(webhook.requests) == 2, "each notice once"

    def test_without_a_team_chat_nothing_is_posted(
        self, post: Post, webhook: WebhookReceiver
    ) -> None:
        run_matching(post)
        post.run()
        assert webhook.requests == []
        assert sorted(post.take()) == ["lead@example.org", "org@example.org"]


class TestRacingRuns:
    def test_two_runs_at_once_queue_each_reminder_once(self, post: Post) -> None:
        for days in (0.5, 0.6, 0.7):
            book(post, "maya", later(24 * days))
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def one_process() -> None:
            try:
                start.wait()
                job.run(sessions=post.world.services.write_sessions, settings=post.settings)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=one_process) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        with post.world.services.sessions() as session:
            queued = session.scalar(select(func.count()).select_from(OutboxMessage))
        # Three confirmations and three reminders, each to the two members.
        assert queued == 3 * 2 + 3 * 2
        post.run()
        mail = post.take()
        assert len(mail["eli@example.org"]) == 6 and len(mail["maya@example.org"]) == 6

    def test_a_notice_already_recorded_is_not_recorded_again(self, post: Post) -> None:
        row = job._row(
            "session_reminder:1:20300101T0900:1",
            "session_reminder",
            user_id=None,
            program_id=post.world.pilot,
            relationship_id=None,
            context={},
            due_at=later(0),
        )
        with post.world.services.write_sessions() as first, post.world.services.sessions() as other:
            assert job._record(first, [row]) == 1
            first.commit()
            assert job._record(other, [row, row]) == 0
            other.commit()


class TestNothingPersonalForAChannel:
    """A shared channel is a reader of its own kind: no personal notice is written for it,
    whatever the notice's context, so none can reach it even by a policy slip."""

    @pytest.mark.parametrize(
        "kind", sorted(set(Kind) - policy.COORDINATOR_KINDS, key=lambda k: k.value)
    )
    def test_a_personal_kind_builds_nothing_for_a_team_channel(self, post: Post, kind) -> None:
        session_id = book(post, "maya", later(20))
        world = post.world
        with world.services.sessions() as session:
            notification = Notification(
                dedupe_key=f"probe-{kind.value}",
                kind=kind.value,
                user_id=None,
                program_id=world.pilot,
                relationship_id=world.first,
                context={"session_id": session_id, "starts_at": "", "goal_id": 0},
            )
            built = wording.build(
                session,
                notification,
                kind,
                wording.TeamChannel(program_id=world.pilot),
                post.settings,
            )
        assert built is None
