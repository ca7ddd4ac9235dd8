"""What a member sees of the other on the relationship page: the profile fields that person
chose to share, the approved reason they were matched, and first-session guidance."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from companion.accounts import passwords
from companion.accounts import service as accounts
from companion.accounts.models import Role
from companion.audit.models import AuditEvent
from companion.db import session_scope
from companion.matching.models import MatchProposal, MatchRun, ProposalStatus, RunStatus
from companion.participants.models import Participant
from companion.relationships.models import Relationship
from companion.rights import erasure, export
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, app_for, make_user
from tests.relationships.conftest import World
from tests.web.conftest import PASSWORD, Browser

MAYA = {
    "title": "Engineering manager",
    "department": "Data platform",
    "location": "Berlin office",
    "expertise": "I lead a data platform team of nine and have run design reviews for years.",
    "goals": "Get better at coaching first-time leads.",
    "challenges": "PRIVATE-CHALLENGE: my own manager is leaving",
}
ELI = {
    "title": "Backend engineer",
    "goals": "Lead the design review of our retry job.",
    "challenges": "PRIVATE-ELI: nervous about speaking",
}
REASON = "Both work on data platforms; Maya has led the design reviews Eli wants to lead"


def set_profile(web: World, email: str, **fields: str) -> None:
    with web.services.sessions() as session:
        person = session.scalars(select(Participant).where(Participant.email == email)).one()
        for name, value in fields.items():
            setattr(person, name, value)
        session.commit()


@pytest.fixture
def profiles(web: World) -> World:
    set_profile(web, "maya@example.org", **MAYA)
    set_profile(web, "eli@example.org", **ELI)
    return web


def sign_in(web: World, email: str) -> Browser:
    client = TestClient(app_for(web.services))
    client.__enter__()
    browser = Browser(client)
    browser.get("/login")
    signed = browser.post(
        "/login", {"email": email, "password": PASSWORD, "next": "/"}, follow_redirects=False
    )
    assert signed.status_code == 303, signed.text
    browser.get("/")
    return browser


@pytest.fixture
def stranger(web: World):
    """Someone with an account and no role in any program."""
    with web.services.sessions() as session:
        user, _ = make_user(session, "stranger@example.org", (Role.mentee, web.other))
        passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
        session.commit()
    browser = sign_in(web, "stranger@example.org")
    yield browser
    browser.client.__exit__(None, None, None)


def shared_values(fields: dict[str, str]) -> list[str]:
    return [v for k, v in fields.items() if k != "challenges"]


class TestWhoElse:
    def test_outsiders_get_the_same_404_and_none_of_it(
        self, profiles: World, browser_for, stranger: Browser
    ) -> None:
        web = profiles
        outsiders = {
            "a member of another pair": browser_for("omar"),
            "another program's coordinator": browser_for("elsewhere"),
            "a stranger": stranger,
        }
        for who, browser in outsiders.items():
            page = browser.get(f"/relationships/{web.first}")
            missing = browser.get("/relationships/999999")
            assert page.status_code == missing.status_code == 404, who
            for value in [*shared_values(MAYA), *shared_values(ELI), REASON]:
                assert value not in page.text, (who, value)
            assert "Before your first session" not in page.text, who
            changed = browser.post(f"/relationships/{web.first}/sharing", {"shared": "title"})
            assert changed.status_code == 404, who
        with web.services.sessions() as session:
            people = session.scalars(select(Participant)).all()
            assert all(p.shared_fields is None for p in people)

    def test_a_coordinator_sees_the_page_but_not_the_members_own_section(
        self, profiles: World, browser_for
    ) -> None:
        page = browser_for("lead").get(f"/relationships/{profiles.first}")
        assert page.status_code == 200
        assert 'id="partner"' not in page.text and 'id="first-session"' not in page.text
        assert f'action="/relationships/{profiles.first}/sharing"' not in page.text
        refused = browser_for("lead").post(
            f"/relationships/{profiles.first}/sharing", {"shared": "title"}
        )
        assert refused.status_code in (403, 404)


class TestWhatMembersSee:
    def test_the_mentee_reads_what_the_mentor_shares_and_never_more(
        self, profiles: World, browser_for
    ) -> None:
        web = profiles
        eli = browser_for("eli")
        page = eli.get(f"/relationships/{web.first}").text
        assert "Your mentor, Maya Berg" in page
        for value in shared_values(MAYA):
            assert value in page, value
        assert MAYA["challenges"] not in page and "maya@example.org" not in page

        maya = browser_for("maya")
        mine = maya.get(f"/relationships/{web.first}").text
        assert "Your mentee, Eli Brooks" in mine and ELI["goals"] in mine
        assert ELI["challenges"] not in mine
        saved = maya.post(
            f"/relationships/{web.first}/sharing",
            {"shared": ["title", "department", "goals"]},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        assert saved.headers["location"].endswith("#sharing")

        page = eli.get(f"/relationships/{web.first}").text
        for kept in ("title", "department", "goals"):
            assert MAYA[kept] in page, kept
        for hidden in ("location", "expertise", "challenges"):
            assert MAYA[hidden] not in page, hidden
        # The choice is the person's own and audited; Eli's stays as it was.
        with web.services.sessions() as session:
            [event] = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "participants.sharing_changed")
            ).all()
            assert event.data["after"] == ["title", "department", "goals"]
            eli_row = session.scalars(
                select(Participant).where(Participant.email == "eli@example.org")
            ).one()
            assert eli_row.shared_fields is None

    def test_sharing_nothing_says_so(self, profiles: World, browser_for) -> None:
        maya = browser_for("maya")
        maya.post(f"/relationships/{profiles.first}/sharing", {})
        page = browser_for("eli").get(f"/relationships/{profiles.first}").text
        assert "Maya Berg has not shared any profile details yet" in page
        for value in shared_values(MAYA):
            assert value not in page, value

    def test_a_field_that_cannot_be_shared_is_refused_beside_the_choice(
        self, profiles: World, browser_for
    ) -> None:
        maya = browser_for("maya")
        refused = maya.post(
            f"/relationships/{profiles.first}/sharing", {"shared": ["title", "email"]}
        )
        assert refused.status_code == 422
        assert 'id="e-shared_fields"' in refused.text and "cannot be shared" in refused.text
        page = browser_for("eli").get(f"/relationships/{profiles.first}").text
        assert MAYA["expertise"] in page  # nothing was changed

    def test_the_approved_reason_they_were_matched(self, profiles: World, browser_for) -> None:
        web = profiles
        with web.services.sessions() as session:
            relationship = session.get(Relationship, web.first)
            run = MatchRun(
                program_id=web.pilot,
                status=RunStatus.closed,
                objective=1.0,
                created_by="lead@example.org",
            )
            session.add(run)
            session.flush()
            proposal = MatchProposal(
                run_id=run.id,
                mentor_id=relationship.mentor_id,
                mentee_id=relationship.mentee_id,
                score=0.8,
                reasons=[REASON],
                status=ProposalStatus.approved,
                decided_by="lead@example.org",
            )
            session.add(proposal)
            session.flush()
            relationship.proposal_id = proposal.id
            session.commit()
        for who in ("eli", "maya"):
            page = browser_for(who).get(f"/relationships/{web.first}").text
            assert "Why you were matched" in page and REASON in page, who
        assert REASON not in browser_for("omar").get(f"/relationships/{web.first}").text


class TestFirstSession:
    def test_links_to_the_guide_at_its_sections_for_both_members(
        self, guides: World, browser_for
    ) -> None:
        for who in ("eli", "maya"):
            browser = browser_for(who)
            page = browser.get(f"/relationships/{guides.first}").text
            assert "Before your first session" in page, who
            link = "/knowledge/guides/first-session-and-mentoring-agreement#"
            assert page.count(f'href="{link}') == 3, who
            anchor = page.split(f'href="{link}', 1)[1].split('"', 1)[0]
            guide = browser.get(f"{link[:-1]}")
            assert guide.status_code == 200, who
            assert f'id="{anchor}"' in guide.text, (who, anchor)

    def test_without_the_guide_the_advice_stands_alone(self, web: World, browser_for) -> None:
        page = browser_for("eli").get(f"/relationships/{web.first}").text
        assert "Before your first session" in page
        assert "/knowledge/guides/" not in page


class TestTheirData:
    def test_the_copy_carries_the_choice_and_erasure_clears_it(
        self, profiles: World, browser_for
    ) -> None:
        web = profiles
        mentor_id = _participant_id(web)
        browser_for("maya").post(f"/relationships/{web.first}/sharing", {"shared": "title"})
        with web.services.sessions() as session:
            maya = accounts.get_by_email(session=session, email="maya@example.org")
            copy = export.personal_data(session=session, principal=maya, user_id=maya.id)
            assert [p.fields["shared_fields"] for p in copy.profiles] == [["title"]]
        with session_scope(web.services.write_sessions) as session:
            erasure.erase(session=session, principal=TEST_SYSTEM, user_id=maya.id, vectors=None)
        with web.services.sessions() as session:
            row = session.get(Participant, mentor_id)
            assert row.shared_fields == [] and row.title == ""
        page = browser_for("eli").get(f"/relationships/{web.first}").text
        assert MAYA["title"] not in page


def _participant_id(web: World) -> int:
    with web.services.sessions() as session:
        return session.get(Relationship, web.first).mentor_id
