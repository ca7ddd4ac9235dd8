"""Relationships over HTTP: permissions, agreement, scheduling, sessions, calendars, health."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from companion.audit.models import AuditEvent
from companion.cli import app as cli_app
from companion.programs.models import Program
from companion.relationships.models import (
    ActionItem,
    MentoringSession,
    Relationship,
    SessionStatus,
)
from tests.helpers import point_cli_at
from tests.relationships.conftest import World

MEMBERS = ("maya", "eli")
COORDINATORS = ("lead", "org")
OUTSIDERS = ("nora", "omar", "pia", "elsewhere")
# What coordinators of the program may do; the rest is private to the members.
PROGRAM_LEVEL = frozenset({"read", "proposed times", "sessions", "session", "ics", "pause", "move"})


def future(days: int, hour: int = 9) -> datetime:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def book(world: World, who: str, starts_at: datetime, relationship: int | None = None) -> dict:
    response = world.client.post(
        f"/api/v1/relationships/{relationship or world.first}/sessions",
        headers=world.headers(who),
        json={"starts_at": starts_at.isoformat()},
    )
    assert response.status_code == 201, response.json()
    if response.json()["status"] == "proposed":
        # A member's time waits for the other member; here they agree at once.
        response = world.client.post(
            f"/api/v1/sessions/{response.json()['id']}/accept", headers=world.headers(PARTNER[who])
        )
        assert response.status_code == 200, response.json()
    return response.json()


PARTNER = {"maya": "eli", "eli": "maya", "nora": "omar", "omar": "nora"}


def past_session(world: World, days_ago: int, status: SessionStatus, rid: int | None = None):
    with world.services.sessions() as session:
        row = MentoringSession(
            relationship_id=rid or world.first,
            starts_at=datetime.now(UTC) - timedelta(days=days_ago),
            duration_minutes=45,
            status=status,
            created_by="test",
        )
        session.add(row)
        session.commit()
        return row.id


def backdate(world: World, relationship_id: int, days: int) -> None:
    with world.services.sessions() as session:
        session.get(Relationship, relationship_id).start_date = date.today() - timedelta(days)
        session.commit()


class TestPermissionMatrix:
    """Each role against each endpoint of one relationship (the first pair)."""

    def requests(self, world: World, session_id: int, action_id: int) -> dict[str, tuple]:
        rid = world.first
        return {
            "read": ("GET", f"/api/v1/relationships/{rid}", None),
            "proposed times": ("GET", f"/api/v1/relationships/{rid}/proposed-times", None),
            "sessions": ("GET", f"/api/v1/relationships/{rid}/sessions", None),
            "session": ("GET", f"/api/v1/sessions/{session_id}", None),
            "ics": ("GET", f"/api/v1/sessions/{session_id}/calendar.ics", None),
            "pause": ("POST", f"/api/v1/relationships/{rid}/status", {"status": "active"}),
            "move": ("PATCH", f"/api/v1/sessions/{session_id}", {"modality": "phone"}),
            "agreement": (
                "PATCH",
                f"/api/v1/relationships/{rid}/agreement",
                {"expectations": "Honest feedback."},
            ),
            "shared notes": ("PATCH", f"/api/v1/sessions/{session_id}", {"shared_notes": "x"}),
            "private note": ("PUT", f"/api/v1/sessions/{session_id}/private-note", {"text": "p"}),
            "reflection": ("PUT", f"/api/v1/relationships/{rid}/reflection", {"text": "Good."}),
            "actions": ("GET", f"/api/v1/relationships/{rid}/action-items", None),
            "add action": (
                "POST",
                f"/api/v1/relationships/{rid}/action-items",
                {"text": "Read the RFC", "owner": "E1"},
            ),
            "tick action": (
                "PATCH",
                f"/api/v1/relationships/{rid}/action-items/{action_id}",
                {"done": True},
            ),
        }

    def test_members_coordinators_and_outsiders(self, world: World) -> None:
        session_id = book(world, "maya", future(3))["id"]
        action = world.client.post(
            f"/api/v1/relationships/{world.first}/action-items",
            headers=world.headers("eli"),
            json={"text": "Draft the proposal", "owner": "E1"},
        )
        assert action.status_code == 201, action.json()
        seen = {}
        for name, (method, url, body) in self.requests(
            world, session_id, action.json()["id"]
        ).items():
            for who in (*MEMBERS, *COORDINATORS, *OUTSIDERS):
                response = world.client.request(method, url, json=body, headers=world.headers(who))
                seen[name, who] = response.status_code
        for name in self.requests(world, session_id, 0):
            for who in MEMBERS:
                assert seen[name, who] in (200, 201), (name, who, seen[name, who])
            for who in COORDINATORS:
                expected = (200, 201) if name in PROGRAM_LEVEL else (403,)
                assert seen[name, who] in expected, (name, who, seen[name, who])
            for who in OUTSIDERS:
                # Another relationship's data does not exist for them.
                assert seen[name, who] == 404, (name, who, seen[name, who])

    def test_a_missing_relationship_and_a_hidden_one_answer_alike(self, world: World) -> None:
        hidden = world.client.get(
            f"/api/v1/relationships/{world.first}", headers=world.headers("nora")
        )
        missing = world.client.get("/api/v1/relationships/9999", headers=world.headers("nora"))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"

    def test_program_lists_show_members_their_own_and_coordinators_all(self, world: World):
        url = f"/api/v1/programs/{world.pilot}/relationships"
        lead = world.client.get(url, headers=world.headers("lead")).json()
        assert lead["total"] == 2
        [own] = world.client.get(url, headers=world.headers("eli")).json()["items"]
        assert own["id"] == world.first and own["my_role"] == "mentee"
        assert [m["participant_id"] for m in own["members"]] == ["M1", "E1"]
        assert world.client.get(url, headers=world.headers("pia")).json()["items"] == []
        # Another program's coordinator learns nothing, not even that the program exists.
        elsewhere = world.client.get(url, headers=world.headers("elsewhere"))
        missing = world.client.get(
            "/api/v1/programs/987654/relationships", headers=world.headers("elsewhere")
        )
        assert elsewhere.status_code == missing.status_code == 404
        assert elsewhere.json() == {
            "error": {**missing.json()["error"], "message": f"No program with id {world.pilot}."}
        }


class TestAgreementAndPrivacy:
    def test_each_member_writes_their_own_expectations(self, world: World) -> None:
        url = f"/api/v1/relationships/{world.first}/agreement"
        maya = world.client.patch(
            url,
            headers=world.headers("maya"),
            json={"cadence_days": 7, "modalities": ["video", "chat"], "expectations": "Candour."},
        )
        assert maya.status_code == 200, maya.json()
        world.client.patch(url, headers=world.headers("eli"), json={"expectations": "Structure."})
        detail = world.client.get(
            f"/api/v1/relationships/{world.first}", headers=world.headers("eli")
        ).json()
        assert detail["agreement"] == {
            "cadence_days": 7,
            "modalities": ["video", "chat"],
            "expectations": {"M1": "Candour.", "E1": "Structure."},
        }
        lead = world.client.get(
            f"/api/v1/relationships/{world.first}", headers=world.headers("lead")
        )
        assert "Candour" not in lead.text and "expectations" not in lead.json()["agreement"]
        assert lead.json()["agreement"]["cadence_days"] == 7

    def test_an_unknown_modality_is_refused_by_name(self, world: World) -> None:
        response = world.client.patch(
            f"/api/v1/relationships/{world.first}/agreement",
            headers=world.headers("maya"),
            json={"modalities": ["carrier pigeon"]},
        )
        assert response.status_code == 422
        assert "modalities" in json.dumps(response.json())

    def test_private_notes_are_their_authors_alone(self, world: World) -> None:
        session_id = book(world, "eli", future(2))["id"]
        url = f"/api/v1/sessions/{session_id}"
        put = world.client.put(
            f"{url}/private-note", headers=world.headers("maya"), json={"text": "Eli seems tired."}
        )
        assert put.status_code == 200
        world.client.patch(url, headers=world.headers("eli"), json={"shared_notes": "Agenda: CV"})
        as_maya = world.client.get(url, headers=world.headers("maya")).json()
        as_eli = world.client.get(url, headers=world.headers("eli"))
        as_lead = world.client.get(url, headers=world.headers("lead"))
        assert as_maya["my_private_note"] == "Eli seems tired."
        assert as_maya["shared_notes"] == as_eli.json()["shared_notes"] == "Agenda: CV"
        assert "tired" not in as_eli.text and as_eli.json()["my_private_note"] == ""
        assert "tired" not in as_lead.text and "Agenda" not in as_lead.text
        with world.services.sessions() as session:
            events = session.scalars(select(AuditEvent)).all()
        assert not any("tired" in json.dumps(e.data) for e in events)


class TestScheduling:
    def test_times_are_proposed_in_each_members_own_zone(self, world: World) -> None:
        response = world.client.get(
            f"/api/v1/relationships/{world.first}/proposed-times", headers=world.headers("eli")
        )
        assert response.status_code == 200
        body = response.json()
        assert len(body["times"]) == 5
        for proposed in body["times"]:
            start = datetime.fromisoformat(proposed["starts_at"])
            berlin = start.astimezone(ZoneInfo("Europe/Berlin"))
            new_york = start.astimezone(ZoneInfo("America/New_York"))
            # Maya: Tue 09-12 / Thu 14-17 Berlin; Eli: Tue 04-08 / Thu 09-11 New York.
            assert berlin.strftime("%a") in ("Tue", "Thu")
            assert f"{berlin:%H:%M}" in proposed["local"]["Maya Berg"]
            assert f"{new_york:%H:%M}" in proposed["local"]["Eli Brooks"]
            assert start >= datetime.fromisoformat(body["earliest"])

    def test_the_cadence_moves_the_earliest_time(self, world: World) -> None:
        booked = book(world, "maya", future(1, hour=8))
        response = world.client.get(
            f"/api/v1/relationships/{world.first}/proposed-times", headers=world.headers("maya")
        ).json()
        earliest = datetime.fromisoformat(response["earliest"])
        assert earliest >= datetime.fromisoformat(booked["starts_at"]) + timedelta(days=14)

    def test_barely_overlapping_and_one_minute_short(self, world: World) -> None:
        # Nora and Omar are both free Mon 10:00-11:00 Madrid: exactly one hour.
        program_url = f"/api/v1/programs/{world.pilot}"
        url = f"/api/v1/relationships/{world.second}/proposed-times"
        world.client.patch(program_url, headers=world.headers("lead"), json={"session_minutes": 60})
        fits = world.client.get(url, headers=world.headers("omar")).json()
        assert fits["times"] and all(
            "10:00–11:00" in t["local"]["Omar Farah"] for t in fits["times"]
        )
        world.client.patch(program_url, headers=world.headers("lead"), json={"session_minutes": 61})
        short = world.client.get(url, headers=world.headers("omar")).json()
        assert short["times"] == []
        assert "60 minutes" in short["explanation"] and "61" in short["explanation"]

    def test_no_overlap_at_all_says_so(self, world: World) -> None:
        response = world.client.post(
            f"/api/v1/programs/{world.pilot}/circles",
            headers=world.headers("lead"),
            json={"name": "Early risers", "mentor": "M2", "mentees": ["E3", "E4"]},
        )
        assert response.status_code == 201, response.json()
        circle = response.json()
        assert [m["participant_id"] for m in circle["members"]] == ["M2", "E3", "E4"]
        times = world.client.get(
            f"/api/v1/relationships/{circle['id']}/proposed-times", headers=world.headers("pia")
        ).json()
        assert times["times"] == []
        for name in ("Nora Diaz", "Pia Lind", "Quinn Roy", "Asia/Tokyo"):
            assert name in times["explanation"]

    def test_booking_is_validated(self, world: World) -> None:
        url = f"/api/v1/relationships/{world.first}/sessions"
        naive = world.client.post(
            url, headers=world.headers("maya"), json={"starts_at": "2030-01-01T09:00:00"}
        )
        assert naive.status_code == 422 and "starts_at" in naive.json()["error"]["message"]
        first = book(world, "maya", future(5))
        overlap = world.client.post(
            url,
            headers=world.headers("eli"),
            json={"starts_at": (future(5) + timedelta(minutes=30)).isoformat()},
        )
        assert overlap.status_code == 409 and str(first["id"]) in overlap.json()["error"]["message"]
        world.client.post(
            f"/api/v1/relationships/{world.first}/status",
            headers=world.headers("eli"),
            json={"status": "paused"},
        )
        paused = world.client.post(
            url, headers=world.headers("maya"), json={"starts_at": future(9).isoformat()}
        )
        assert paused.status_code == 409

    def test_attendance_follows_the_clock(self, world: World) -> None:
        upcoming = book(world, "maya", future(2))
        url = f"/api/v1/sessions/{upcoming['id']}"
        early = world.client.patch(url, headers=world.headers("maya"), json={"status": "held"})
        assert early.status_code == 422 and "not started" in early.json()["error"]["message"]
        done = past_session(world, 1, SessionStatus.scheduled)
        held = world.client.patch(
            f"/api/v1/sessions/{done}", headers=world.headers("eli"), json={"status": "held"}
        )
        assert held.status_code == 200 and held.json()["status"] == "held"
        cancelled = world.client.patch(
            url, headers=world.headers("eli"), json={"status": "cancelled"}
        )
        assert cancelled.json()["status"] == "cancelled"
        again = world.client.patch(url, headers=world.headers("eli"), json={"status": "held"})
        assert again.status_code == 409


class TestCalendars:
    def test_a_session_file_reads_back_with_a_standard_parser(self, world: World) -> None:
        starts = future(4)
        booked = book(world, "eli", starts)
        response = world.client.get(
            f"/api/v1/sessions/{booked['id']}/calendar.ics", headers=world.headers("maya")
        )
        assert response.headers["content-type"].startswith("text/calendar")
        [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
        assert event.decoded("DTSTART") == starts
        assert event.decoded("DTEND") == starts + timedelta(minutes=45)
        assert {str(a) for a in event.get("ATTENDEE")} == {
            "mailto:maya@example.org",
            "mailto:eli@example.org",
        }

    def test_each_users_feed_has_their_sessions_only_and_can_be_revoked(self, world: World):
        mine = book(world, "eli", future(6))
        theirs = book(world, "omar", future(6, hour=14), relationship=world.second)
        url = world.client.post("/api/v1/me/calendar-feed", headers=world.headers("eli")).json()[
            "url"
        ]
        path = url.removeprefix("http://testserver")
        feed = world.client.get(path)  # no Authorization header: calendar apps send none
        assert feed.status_code == 200
        uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")}
        assert f"session-{mine['id']}@mentoring-companion" in uids
        assert f"session-{theirs['id']}@mentoring-companion" not in uids
        world.client.patch(
            f"/api/v1/sessions/{mine['id']}",
            headers=world.headers("maya"),
            json={"status": "cancelled"},
        )
        [event] = icalendar.Calendar.from_ical(world.client.get(path).content).walk("VEVENT")
        # Proposed (0), accepted (1), cancelled (2).
        assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
        world.client.post("/api/v1/me/calendar-feed", headers=world.headers("eli"))
        assert world.client.get(path).status_code == 404

    def test_a_deactivated_users_feed_stops(self, world: World) -> None:
        # Deactivation (an admin, or SCIM when someone leaves) ends their sign-ins and
        # tokens; the feed's secret address must stop too: it names both members.
        from companion.accounts.models import User

        book(world, "eli", future(6))
        url = world.client.post("/api/v1/me/calendar-feed", headers=world.headers("eli")).json()[
            "url"
        ]
        path = url.removeprefix("http://testserver")
        assert world.client.get(path).status_code == 200
        with world.services.sessions() as session:
            user = session.scalars(select(User).where(User.email == "eli@example.org")).one()
            user.is_active = False
            session.commit()
        assert world.client.get(path).status_code == 404

    def test_a_feed_issued_before_a_token_was_revoked_stops(self, world: World) -> None:
        # A token that leaked could issue a feed, a credential of its own; revoking the
        # token (or all of them, as a password reset does) must end that too.
        book(world, "eli", future(6))
        url = world.client.post("/api/v1/me/calendar-feed", headers=world.headers("eli")).json()[
            "url"
        ]
        path = url.removeprefix("http://testserver")
        assert world.client.get(path).status_code == 200
        (token,) = world.client.get("/api/v1/me/tokens", headers=world.headers("eli")).json()
        revoked = world.client.post(
            f"/api/v1/me/tokens/{token['id']}/revoke", headers=world.headers("eli")
        )
        assert revoked.status_code == 200, revoked.text
        assert world.client.get(path).status_code == 404
        with world.services.sessions() as session:
            from companion.accounts import service as accounts
            from tests.helpers import TEST_ACTOR

            user = accounts.get_by_email(session=session, email="eli@example.org")
            fresh = accounts.issue_token(session=session, user=user, name="new", actor=TEST_ACTOR)
            session.commit()
        url = world.client.post(
            "/api/v1/me/calendar-feed", headers={"Authorization": f"Bearer {fresh.plaintext}"}
        ).json()["url"]
        assert world.client.get(url.removeprefix("http://testserver")).status_code == 200


class TestEnding:
    def test_ending_early_needs_a_reason_and_cancels_what_is_booked(self, world: World) -> None:
        booked = book(world, "maya", future(3))
        url = f"/api/v1/relationships/{world.first}/end"
        silent = world.client.post(
            url, headers=world.headers("eli"), json={"outcome": "ended_early"}
        )
        assert silent.status_code == 422 and "reason" in silent.json()["error"]["message"]
        ended = world.client.post(
            url,
            headers=world.headers("eli"),
            json={"outcome": "ended_early", "reason": "I moved to another team."},
        )
        assert ended.status_code == 200 and ended.json()["status"] == "ended_early"
        session = world.client.get(
            f"/api/v1/sessions/{booked['id']}", headers=world.headers("maya")
        ).json()
        assert session["status"] == "cancelled"
        for who, text in (("maya", "We made progress on scope."), ("eli", "Thank you.")):
            response = world.client.put(
                f"/api/v1/relationships/{world.first}/reflection",
                headers=world.headers(who),
                json={"text": text},
            )
            assert response.status_code == 200
        detail = world.client.get(
            f"/api/v1/relationships/{world.first}", headers=world.headers("maya")
        ).json()
        assert detail["closing_reflections"] == {
            "M1": "We made progress on scope.",
            "E1": "Thank you.",
        }
        resumed = world.client.post(
            f"/api/v1/relationships/{world.first}/status",
            headers=world.headers("maya"),
            json={"status": "active"},
        )
        assert resumed.status_code == 409

    def test_a_circle_refuses_a_mentee_who_is_already_paired(self, world: World) -> None:
        response = world.client.post(
            f"/api/v1/programs/{world.pilot}/circles",
            headers=world.headers("lead"),
            json={"name": "Data", "mentor": "M1", "mentees": ["E3", "E1"]},
        )
        assert response.status_code == 422
        assert {d["field"] for d in response.json()["error"]["details"]} == {"mentees[1]"}
        member = world.client.post(
            f"/api/v1/programs/{world.pilot}/circles",
            headers=world.headers("maya"),
            json={"name": "Data", "mentor": "M1", "mentees": ["E3", "E4"]},
        )
        assert member.status_code == 403


class TestHealth:
    def test_quiet_and_overdue_pairs_are_stalled(self, world: World) -> None:
        backdate(world, world.first, 40)
        backdate(world, world.second, 40)
        past_session(world, 3, SessionStatus.held, rid=world.second)
        with world.services.sessions() as session:
            session.add(
                ActionItem(
                    relationship_id=world.second,
                    owner_id=session.get(Relationship, world.second).mentee_id,
                    text="Send the draft",
                    due_date=date.today() - timedelta(days=30),
                    created_by="test",
                )
            )
            session.commit()
        overview = world.client.get(
            f"/api/v1/programs/{world.pilot}/relationships/health", headers=world.headers("lead")
        ).json()
        stalled = {item["id"]: item["stalled_reasons"] for item in overview["stalled"]}
        assert set(stalled) == {world.first, world.second}
        assert "no session held since the start 40 days ago" in stalled[world.first]
        assert any("overdue" in reason for reason in stalled[world.second])
        assert overview["sessions"]["held"] == 1
        assert "Send the draft" not in json.dumps(overview)

    def test_a_recent_session_and_a_pause_clear_the_flag(self, world: World) -> None:
        backdate(world, world.first, 40)
        backdate(world, world.second, 40)
        past_session(world, 2, SessionStatus.held, rid=world.first)
        world.client.post(
            f"/api/v1/relationships/{world.second}/status",
            headers=world.headers("lead"),
            json={"status": "paused"},
        )
        url = f"/api/v1/programs/{world.pilot}/relationships?stalled=true"
        assert world.client.get(url, headers=world.headers("lead")).json()["items"] == []
        with world.services.sessions() as session:
            session.get(Program, world.pilot).stalled_after_days = 1
            session.commit()
        [item] = world.client.get(url, headers=world.headers("lead")).json()["items"]
        assert item["id"] == world.first and item["stalled"]

    def test_only_coordinators_see_the_overview(self, world: World) -> None:
        url = f"/api/v1/programs/{world.pilot}/relationships/health"
        for who in ("maya", "eli", "pia"):
            assert world.client.get(url, headers=world.headers(who)).status_code == 403, who
        assert world.client.get(url, headers=world.headers("elsewhere")).status_code == 404

    def test_the_overview_names_each_pairs_members(self, world: World) -> None:
        url = f"/api/v1/programs/{world.pilot}/relationships/health"
        answer = world.client.get(url, headers=world.headers("lead"))
        assert answer.status_code == 200, answer.text
        members = {r["id"]: sorted(r["members"]) for r in answer.json()["per_relationship"]}
        assert members == {
            world.first: ["Eli Brooks", "Maya Berg"],
            world.second: ["Nora Diaz", "Omar Farah"],
        }

    @pytest.mark.parametrize("stalled", [False, True])
    def test_the_cli_lists_relationships_as_json(
        self, world: World, monkeypatch: pytest.MonkeyPatch, stalled: bool
    ) -> None:
        backdate(world, world.second, 40)
        point_cli_at(monkeypatch, world.services.settings)
        args = ["relationships", "list", "--program", "Pilot", "--json"]
        result = CliRunner().invoke(cli_app, [*args, "--stalled"] if stalled else args)
        assert result.exit_code == 0, result.output
        page = json.loads(result.stdout)
        expected = {world.second} if stalled else {world.first, world.second}
        assert {item["id"] for item in page["items"]} == expected
        assert page["total"] == len(expected)

    def test_the_cli_names_an_unknown_program(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        point_cli_at(monkeypatch, world.services.settings)
        result = CliRunner().invoke(cli_app, ["relationships", "list", "--program", "Nope"])
        assert result.exit_code != 0 and "Nope" in result.output
