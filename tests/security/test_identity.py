"""Identity: nobody but an account's owner (or an administrator, with no email configured)
ever holds a link that sets its password, and an import never moves a seat.

Each test here was first written against the code that let a program coordinator
take over any account (issue 13, defects 1 to 3).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from companion.accounts import passwords
from companion.accounts import service as accounts
from companion.accounts.models import EmailChange, EmailChangeStatus, Invitation, Role
from companion.audit.models import AuditEvent
from companion.credentials import service as credentials
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.programs import service as programs
from companion.relationships import service as relationships
from companion.review import outbox
from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, app_for, bearer, make_user, point_cli_at
from tests.relationships.conftest import PEOPLE, to_csv
from tests.review.test_outbox import MailRecorder, mailbox  # noqa: F401
from tests.web.conftest import Browser
from tests.web.jobs.helpers import finished_job

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a different long passphrase"


@dataclass
class Org:
    """Programs X (the relationships tests' people) and Y; an administrator, an organisation-
    wide coordinator, a coordinator of each program. Everyone but Pia has a password."""

    services: Services
    x: int
    y: int
    clients: list[TestClient] = field(default_factory=list)

    def browser(self, email: str | None = None, password: str = PASSWORD) -> Browser:
        client = TestClient(app_for(self.services))
        client.__enter__()
        self.clients.append(client)
        browser = Browser(client)
        browser.get("/login")
        if email is not None:
            signed_in = browser.post(
                "/login",
                {"email": email, "password": password, "next": "/"},
                follow_redirects=False,
            )
            assert signed_in.status_code == 303, signed_in.text
            browser.get("/")
        return browser

    def close(self) -> None:
        """End every browser's app lifespan: its background threads (the outbox) stop."""
        for client in self.clients:
            client.__exit__(None, None, None)
        self.clients.clear()

    def user(self, email: str):
        session = self.services.sessions()
        try:
            return accounts.get_by_email(session=session, email=email)
        finally:
            session.close()

    def token(self, email: str) -> str:
        with self.services.sessions() as session:
            user = accounts.get_by_email(session=session, email=email)
            issued = accounts.issue_token(session=session, user=user, name="t", actor=TEST_ACTOR)
            session.commit()
            return issued.plaintext

    def password_hash(self, email: str) -> str | None:
        return self.user(email).password_hash

    def signs_in(self, email: str, password: str) -> bool:
        with TestClient(app_for(self.services)) as client:
            page = Browser(client)
            page.get("/login")
            answer = page.post(
                "/login", {"email": email, "password": password}, follow_redirects=False
            )
            return answer.status_code == 303


def _build(services: Services) -> Org:
    with services.sessions() as session:
        x = programs.create(session=session, name="X", principal=TEST_SYSTEM)
        y = programs.create(session=session, name="Y", principal=TEST_SYSTEM)
        participants.import_participants(
            session=session,
            program_id=x.id,
            data=to_csv(PEOPLE),
            filename="x.csv",
            principal=TEST_SYSTEM,
        )
        people = {
            p.external_id: p
            for p in participants.all_participants(session=session, program_id=x.id)
        }
        relationships.create_pair(
            session=session, program=x, mentor_id=people["M1"].id, mentee_id=people["E1"].id
        )
        session.commit()
        ids = (x.id, y.id)
    with services.sessions() as session:
        make_user(session, "admin@example.org", (Role.admin, None))
        make_user(session, "org@example.org", (Role.coordinator, None))
        make_user(session, "lead-x@example.org", (Role.coordinator, ids[0]))
        make_user(session, "lead-y@example.org", (Role.coordinator, ids[1]))
        for user in session.scalars(select(accounts.User)):
            if user.email != "pia@example.org":
                passwords.set_password(
                    session=session, user=user, password=PASSWORD, actor=TEST_ACTOR
                )
        # Pia was imported but has never signed in: no password, no token.
        session.commit()
    return Org(services, *ids)


@pytest.fixture
def org(services: Services) -> Iterator[Org]:
    built = _build(services)
    yield built
    built.close()


@pytest.fixture
def mailed(
    settings: Settings,
    encoder,
    own_chroma,
    mailbox: tuple[MailRecorder, int],  # noqa: F811
) -> Iterator[tuple[Org, MailRecorder, Settings]]:
    """The same organisation on a server that sends email (a real SMTP server on loopback)."""
    with_mail = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": mailbox[1], "public_url": "https://mc.test"}
    )
    built = Services(with_mail, encoder=encoder, chroma=own_chroma)
    the_org = _build(built)
    yield the_org, mailbox[0], with_mail
    the_org.close()
    built.close()


def _send_mail(org: Org, settings: Settings) -> None:
    outbox.dispatch(sessions=org.services.sessions, settings=settings)


def _links_in(recorder: MailRecorder, to: str, path: str) -> list[str]:
    found = []
    for recipients, message in recorder.messages:
        if recipients == [to]:
            text = message.get_body(("plain",)).get_content()
            found += re.findall(rf"https://mc\.test/{path}/[\w-]+", text)
    return found


def _import_into(org: Org, program_id: int, rows: list[tuple[str, ...]], as_email: str):
    lead = org.browser(as_email)
    lead.get(f"/coordinator/programs/{program_id}/participants")
    answer = lead.client.post(
        f"/coordinator/programs/{program_id}/participants",
        data={"csrf_token": lead.token},
        files={"file": ("people.csv", to_csv(rows), "text/csv")},
        follow_redirects=False,
    )
    # The import runs as a background job: wait for it, as its page would.
    org.services.jobs.wait()
    return lead, answer


class TestDefect1AccountTakeoverByImportAndInvite:
    def test_a_program_coordinator_cannot_get_a_link_for_the_organisation_coordinator(
        self, org: Org
    ) -> None:
        before = org.password_hash("org@example.org")
        row = ("Z1", "Org Person", "org@example.org", "mentee", "UTC", "Mon 09:00-10:00", "0", "")
        lead, imported = _import_into(org, org.y, [row], "lead-y@example.org")
        assert imported.status_code == 303
        lead.get(f"/coordinator/programs/{org.y}/participants")
        answer = lead.post(
            f"/coordinator/programs/{org.y}/invitations", {"email": "org@example.org"}
        )
        assert answer.status_code in (403, 409, 422)
        assert "/invite/" not in answer.text
        assert "/invite/" not in lead.get(f"/coordinator/programs/{org.y}/participants").text
        assert org.password_hash("org@example.org") == before
        with org.services.sessions() as session:
            user = accounts.get_by_email(session=session, email="org@example.org")
            assert (
                session.scalars(select(Invitation).where(Invitation.user_id == user.id)).all() == []
            )

    def test_even_with_email_configured_nobody_but_the_owner_gets_a_link(self, mailed) -> None:
        org, recorder, settings = mailed
        row = ("Z1", "Org Person", "org@example.org", "mentee", "UTC", "Mon 09:00-10:00", "0", "")
        lead, _ = _import_into(org, org.y, [row], "lead-y@example.org")
        lead.get(f"/coordinator/programs/{org.y}/participants")
        answer = lead.post(
            f"/coordinator/programs/{org.y}/invitations", {"email": "org@example.org"}
        )
        assert answer.status_code in (403, 409, 422) and "/invite/" not in answer.text
        _send_mail(org, settings)
        assert recorder.messages == []


class TestDefect2InvitationIsNotAPasswordReset:
    def test_no_one_can_invite_an_account_that_has_a_password(self, org: Org) -> None:
        before = org.password_hash("maya@example.org")
        with TestClient(app_for(org.services)) as client:
            answer = client.post(
                "/api/v1/users/invitations",
                json={"email": "maya@example.org"},
                headers=bearer(org.token("admin@example.org")),
            )
        assert answer.status_code == 409 and "/invite/" not in answer.text
        assert "can already sign in" in answer.text
        assert org.password_hash("maya@example.org") == before

    def test_an_old_invitation_link_stops_working_once_a_password_is_set(self, org: Org) -> None:
        with org.services.sessions() as session:
            maya = accounts.get_by_email(session=session, email="maya@example.org")
            token = passwords.issue_link(
                session=session, user=maya, purpose=passwords.LinkPurpose.invite, actor=TEST_ACTOR
            )
            session.commit()
        browser = org.browser()
        assert browser.get(f"/invite/{token}").status_code == 404
        taken = browser.post(
            f"/invite/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
        assert taken.status_code == 404
        assert org.signs_in("maya@example.org", PASSWORD)
        assert not org.signs_in("maya@example.org", NEW_PASSWORD)

    def test_a_coordinator_never_sees_a_link_without_email_but_an_administrator_does(
        self, org: Org
    ) -> None:
        lead = org.browser("lead-x@example.org")
        lead.get(f"/coordinator/programs/{org.x}/participants")
        refused = lead.post(
            f"/coordinator/programs/{org.x}/invitations", {"email": "pia@example.org"}
        )
        assert refused.status_code == 403 and "/invite/" not in refused.text
        assert "administrator" in refused.text
        with TestClient(app_for(org.services)) as client:
            for who in ("lead-x", "org"):
                denied = client.post(
                    "/api/v1/users/invitations",
                    json={"email": "pia@example.org"},
                    headers=bearer(org.token(f"{who}@example.org")),
                )
                assert denied.status_code == 403 and "/invite/" not in denied.text
            made = client.post(
                "/api/v1/users/invitations",
                json={"email": "pia@example.org"},
                headers=bearer(org.token("admin@example.org")),
            )
        assert made.status_code == 200 and made.json()["emailed"] is False
        link = re.search(r"/invite/([\w-]+)", made.json()["link"])
        pia = org.browser()
        form = pia.get(f"/invite/{link.group(1)}")
        assert "pia@example.org" in form.text
        done = pia.post(
            f"/invite/{link.group(1)}",
            {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert pia.get(f"/invite/{link.group(1)}").status_code == 404


class TestDefect3ReimportNeverMovesASeat:
    def test_a_changed_email_is_held_and_audited_and_the_seat_stays(self, org: Org) -> None:
        with org.services.sessions() as session:
            eli = accounts.get_by_email(session=session, email="eli@example.org")
            eli_id = eli.id
        moved = next(list(p) for p in PEOPLE if p[0] == "E1")
        moved[2] = "lead-x@example.org"  # the coordinator's own address
        lead, imported = _import_into(org, org.x, [tuple(moved)], "lead-x@example.org")
        assert imported.status_code == 303
        page, result = finished_job(lead, org.services, imported.headers["location"])
        page += lead.get(result).text if result else ""
        assert "held for an administrator" in page
        with org.services.sessions() as session:
            seat = session.scalars(
                select(Participant).where(
                    Participant.program_id == org.x, Participant.external_id == "E1"
                )
            ).one()
            assert seat.user_id == eli_id and seat.email == "eli@example.org"
            change = session.scalars(select(EmailChange)).one()
            assert (change.old_email, change.new_email) == ("eli@example.org", "lead-x@example.org")
            assert change.status == EmailChangeStatus.pending
            held = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "users.email_change_held")
            ).one()
            assert held.data["old"] == "eli@example.org"
            assert held.data["new"] == "lead-x@example.org"
        # The real participant still reaches their relationship; the coordinator does not
        # become a member of it.
        eli_browser = org.browser("eli@example.org")
        assert eli_browser.get("/relationships").status_code == 200
        assert "Maya" in eli_browser.get("/relationships").text

    def test_only_an_administrator_applies_a_held_change(self, org: Org) -> None:
        moved = next(list(p) for p in PEOPLE if p[0] == "E2")
        moved[2] = "omar.farah@example.org"
        _import_into(org, org.x, [tuple(moved)], "lead-x@example.org")
        with org.services.sessions() as session:
            change = session.scalars(select(EmailChange)).one()
            lead = accounts.get_by_email(session=session, email="lead-x@example.org")
            with pytest.raises(credentials.PermissionDenied):
                credentials.decide_email_change(
                    session=session,
                    principal=lead,
                    change_id=change.id,
                    approve=True,
                    settings=org.services.settings,
                )
            admin = accounts.get_by_email(session=session, email="admin@example.org")
            credentials.decide_email_change(
                session=session,
                principal=admin,
                change_id=change.id,
                approve=True,
                settings=org.services.settings,
            )
            session.commit()
        assert org.signs_in("omar.farah@example.org", PASSWORD)
        with org.services.sessions() as session:
            applied = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "users.email_changed")
            ).one()
            assert (applied.data["old"], applied.data["new"]) == (
                "omar@example.org",
                "omar.farah@example.org",
            )
            seat = session.scalars(select(Participant).where(Participant.external_id == "E2")).one()
            assert seat.email == "omar.farah@example.org"


class TestLinksGoOnlyToTheOwner:
    def test_an_invitation_is_emailed_to_the_account_and_shown_to_nobody(self, mailed) -> None:
        org, recorder, settings = mailed
        lead = org.browser("lead-x@example.org")
        lead.get(f"/coordinator/programs/{org.x}/participants")
        sent = lead.post(
            f"/coordinator/programs/{org.x}/invitations",
            {"email": "pia@example.org"},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        page = lead.get(sent.headers["location"]).text
        assert "Invitation sent to pia@example.org" in page and "/invite/" not in page
        _send_mail(org, settings)
        links = _links_in(recorder, "pia@example.org", "invite")
        assert len(links) == 1 and len(recorder.messages) == 1
        with org.services.sessions() as session:
            stored = session.scalars(select(outbox.OutboxMessage)).one()
            assert stored.body == ""  # the link does not outlive the send
        pia = org.browser()
        path = links[0].removeprefix("https://mc.test")
        pia.get(path)
        done = pia.post(
            path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=False
        )
        assert done.status_code == 303
        assert org.signs_in("pia@example.org", NEW_PASSWORD)

    def test_a_forgotten_password_is_reset_by_email_and_the_owner_is_told(self, mailed) -> None:
        org, recorder, settings = mailed
        browser = org.browser()
        known = browser.post("/forgot", {"email": "maya@example.org"}, follow_redirects=False)
        browser.get("/forgot")
        unknown = browser.post("/forgot", {"email": "nobody@example.org"}, follow_redirects=False)
        assert known.status_code == unknown.status_code == 303
        assert known.headers["location"] == unknown.headers["location"]
        _send_mail(org, settings)
        links = _links_in(recorder, "maya@example.org", "reset")
        assert len(links) == 1 and len(recorder.messages) == 1
        path = links[0].removeprefix("https://mc.test")
        assert browser.get(path).status_code == 200
        done = browser.post(
            path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=False
        )
        assert done.status_code == 303
        assert org.signs_in("maya@example.org", NEW_PASSWORD)
        assert not org.signs_in("maya@example.org", PASSWORD)
        assert browser.get(path).status_code == 404  # one use
        browser.get("/forgot")
        browser.post("/forgot", {"email": "maya@example.org"})
        _send_mail(org, settings)
        # Asked again within minutes: the same answer, but no second email.
        assert len(_links_in(recorder, "maya@example.org", "reset")) == 1
        _send_mail(org, settings)
        notices = [m for to, m in recorder.messages if to == ["maya@example.org"]]
        assert any("password was changed" in m["Subject"] for m in notices)

    def test_without_email_a_reset_says_how_to_get_help(self, org: Org) -> None:
        browser = org.browser()
        answer = browser.post("/forgot", {"email": "maya@example.org"})
        assert answer.status_code == 422 and "administrator" in answer.text


class TestAccountsAreForAdministrators:
    def test_only_an_administrator_creates_accounts_through_the_api(self, org: Org) -> None:
        tokens = {who: org.token(f"{who}@example.org") for who in ("admin", "org", "lead-x")}
        body = {"email": "new@example.org", "roles": [{"role": "admin"}]}
        with TestClient(app_for(org.services)) as client:
            for who in ("org", "lead-x"):
                refused = client.post("/api/v1/users", json=body, headers=bearer(tokens[who]))
                assert refused.status_code == 403, who
            made = client.post("/api/v1/users", json=body, headers=bearer(tokens["admin"]))
            assert made.status_code == 201


class TestAdministrationPage:
    def test_only_an_administrator_opens_it_and_decides_a_held_change_there(self, org: Org) -> None:
        moved = next(list(p) for p in PEOPLE if p[0] == "E2")
        moved[2] = "omar.f@example.org"
        _import_into(org, org.x, [tuple(moved)], "lead-x@example.org")
        for who in ("lead-x", "org", "omar"):
            browser = org.browser(f"{who}@example.org")
            assert browser.get("/admin").status_code == 403, who
            assert 'href="/admin"' not in browser.get("/").text
        with org.services.sessions() as session:
            change_id = session.scalars(select(EmailChange.id)).one()
        lead = org.browser("lead-x@example.org")
        lead.get("/")
        refused = lead.post(f"/admin/email-changes/{change_id}", {"decision": "approve"})
        assert refused.status_code == 403
        assert org.user("omar.f@example.org") is None
        admin = org.browser("admin@example.org")
        page = admin.get("/admin")
        assert page.status_code == 200 and "omar.f@example.org" in page.text
        done = admin.post(
            f"/admin/email-changes/{change_id}", {"decision": "reject"}, follow_redirects=False
        )
        assert done.status_code == 303
        assert "keeps omar@example.org" in admin.get("/admin").text
        assert org.user("omar@example.org") is not None
        assert org.user("omar.f@example.org") is None


class TestCommandLine:
    def test_the_operator_invites_by_link_and_decides_held_changes(
        self, org: Org, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from typer.testing import CliRunner

        from companion.cli import app

        point_cli_at(monkeypatch, org.services.settings)
        runner = CliRunner()
        made = runner.invoke(app, ["users", "invite", "pia@example.org"])
        assert made.exit_code == 0, made.output
        assert re.search(r"/invite/[\w-]+", made.output)
        refused = runner.invoke(app, ["users", "invite", "maya@example.org"])
        assert refused.exit_code != 0 and "can already sign in" in refused.output
        moved = next(list(p) for p in PEOPLE if p[0] == "E2")
        moved[2] = "omar.new@example.org"
        _import_into(org, org.x, [tuple(moved)], "lead-x@example.org")
        listed = runner.invoke(app, ["users", "email-changes"])
        assert "omar@example.org -> omar.new@example.org" in listed.output
        change_id = re.search(r"#(\d+)", listed.output).group(1)
        decided = runner.invoke(app, ["users", "decide-email-change", change_id, "--approve"])
        assert decided.exit_code == 0, decided.output
        assert org.signs_in("omar.new@example.org", PASSWORD)


class TestAnImportReachesOnlyAccountsWithinItsPrograms:
    """A coordinator of Y could import the administrator and X's coordinator as mentees
    of Y, then import them again with new addresses: the changes were held, and one
    click by an administrator moved where those accounts' password resets go."""

    def rows(self, admin_email: str, lead_email: str) -> bytes:
        return to_csv(
            [
                ("A1", "Ada Admin", admin_email, "mentee", "UTC", "", "1", ""),
                ("L1", "Lee Lead", lead_email, "mentee", "UTC", "", "1", ""),
            ]
        )

    def post(self, org: Org, token: str, data: bytes, dry_run: bool = False):
        return org.browser().client.post(
            f"/api/v1/programs/{org.y}/participants:import",
            files={"file": ("people.csv", data, "text/csv")},
            data={"dry_run": "true"} if dry_run else {},
            headers=bearer(token),
        )

    def test_a_new_address_for_an_account_beyond_them_is_refused_row_by_row(self, org: Org) -> None:
        token = org.token("lead-y@example.org")
        first = self.post(org, token, self.rows("admin@example.org", "lead-x@example.org"))
        assert first.status_code == 200, first.text
        again = self.rows("attacker+admin@evil.example", "attacker+lead@evil.example")
        for dry_run in (True, False):
            refused = self.post(org, token, again, dry_run=dry_run)
            text = refused.text
            assert "the account of admin@example.org also belongs beyond" in text, text
            assert "the account of lead-x@example.org also belongs beyond" in text
            assert refused.status_code == (200 if dry_run else 422), text
        with org.services.sessions() as session:
            assert session.scalars(select(EmailChange)).all() == []
            for email in ("admin@example.org", "lead-x@example.org"):
                assert accounts.get_by_email(session=session, email=email) is not None

    def test_within_their_reach_a_change_is_held_with_the_account_s_roles_shown(
        self, org: Org
    ) -> None:
        # The organisation's coordinator reaches X's coordinator, not the administrator.
        token = org.token("org@example.org")
        first = self.post(org, token, self.rows("admin@example.org", "lead-x@example.org"))
        assert first.status_code == 200, first.text
        refused = self.post(org, token, self.rows("new-admin@example.org", "lead.x@example.org"))
        assert refused.status_code == 422
        assert "the account of admin@example.org also belongs beyond" in refused.text
        assert "lead-x@example.org" not in refused.text
        moved = self.post(org, token, self.rows("admin@example.org", "lead.x@example.org"))
        assert moved.json()["email_changes_held"] == 1, moved.text
        admin_token = org.token("admin@example.org")
        (listed,) = (
            org.browser()
            .client.get("/api/v1/users/email-changes", headers=bearer(admin_token))
            .json()
        )
        assert listed["old_email"] == "lead-x@example.org"
        assert listed["account_roles"] == ["coordinator of X", "mentee of Y"]
        assert (
            "coordinator of X, mentee of Y" in org.browser("admin@example.org").get("/admin").text
        )

    def test_an_account_given_an_organisation_wide_role_since_is_not_moved(self, org: Org) -> None:
        token = org.token("lead-y@example.org")
        newcomer = ("N1", "Nia New", "nia@example.org", "mentee", "UTC", "", "1", "")
        assert self.post(org, token, to_csv([newcomer])).status_code == 200
        moved = self.post(
            org, token, to_csv([(*newcomer[:2], "nia.new@example.org", *newcomer[3:])])
        )
        assert moved.json()["email_changes_held"] == 1, moved.text
        with org.services.sessions() as session:
            nia = accounts.get_by_email(session=session, email="nia@example.org")
            accounts.grant_role(
                session=session, user=nia, role=Role.admin, program_id=None, actor=TEST_ACTOR
            )
            session.commit()
            change_id = session.scalars(select(EmailChange.id)).one()
        refused = org.browser().client.post(
            f"/api/v1/users/email-changes/{change_id}",
            json={"approve": True},
            headers=bearer(org.token("admin@example.org")),
        )
        assert refused.status_code == 409, refused.text
        assert "holds an organisation-wide role (administrator)" in refused.text
        assert org.user("nia@example.org") is not None
        page = org.browser("admin@example.org").get("/admin").text
        assert "An import cannot move an account with an organisation-wide role" in page
        assert f'action="/admin/email-changes/{change_id}"' in page
        assert 'value="approve"' not in page
