"""SCIM 2.0 provisioning through the real app: users, groups, deactivation, and who may call it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from companion.accounts import passwords, web_sessions
from companion.accounts.models import ApiToken, Role, RoleAssignment, User, WebSession
from companion.audit.models import AuditEvent
from companion.db.base import utcnow
from companion.identity.models import ExternalIdentity
from companion.matching.cohort import load_cohort
from companion.participants.models import Participant
from companion.programs import service as programs
from companion.programs.models import Program
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, app_for, bearer, make_user
from tests.web.conftest import csrf_of

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PASSWORD = "correct horse battery"


@dataclass
class Scim:
    client: TestClient
    services: object
    admin_token: str
    scim_token: str
    admin_id: int

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.scim_token)

    def create_user(self, user_name: str, **extra) -> dict:
        response = self.client.post(
            "/scim/v2/Users",
            headers=self.headers,
            json={"schemas": [USER_SCHEMA], "userName": user_name, **extra},
        )
        assert response.status_code == 201, response.text
        return response.json()

    def patch(self, path: str, *operations: dict):
        return self.client.patch(
            path, headers=self.headers, json={"schemas": [PATCH_SCHEMA], "Operations": operations}
        )


@pytest.fixture
def scim(services) -> Iterator[Scim]:
    with services.sessions() as session:
        admin, admin_token = make_user(session, "admin@example.org", (Role.admin, None))
        admin_id = admin.id
        programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        session.commit()
    with TestClient(app_for(services)) as client:
        made = client.post(
            "/api/v1/scim/tokens", headers=bearer(admin_token), json={"name": "Okta"}
        )
        assert made.status_code == 201, made.text
        yield Scim(client, services, admin_token, made.json()["token"], admin_id)


def is_scim_error(response, status: int, scim_type: str | None = None) -> bool:
    body = response.json()
    return (
        response.status_code == status
        and response.headers["content-type"].startswith("application/scim+json")
        and body["schemas"] == [ERROR_SCHEMA]
        and body["status"] == str(status)
        and body.get("scimType") == scim_type
        and bool(body["detail"])
    )


class TestUsers:
    def test_create_get_and_find_by_user_name(self, scim: Scim):
        made = scim.create_user(
            "Ana.Silva@Example.org",
            name={"givenName": "Ana", "familyName": "Silva"},
            externalId="okta-00u1",
        )
        assert made["userName"] == "ana.silva@example.org"
        assert made["displayName"] == "Ana Silva"
        assert made["active"] is True
        assert made["meta"]["location"].endswith(f"/scim/v2/Users/{made['id']}")
        got = scim.client.get(f"/scim/v2/Users/{made['id']}", headers=scim.headers).json()
        assert got["externalId"] == "okta-00u1"
        found = scim.client.get(
            "/scim/v2/Users",
            headers=scim.headers,
            params={"filter": 'userName eq "ANA.silva@example.org"'},
        ).json()
        assert found["totalResults"] == 1 and found["Resources"][0]["id"] == made["id"]
        none = scim.client.get(
            "/scim/v2/Users",
            headers=scim.headers,
            params={"filter": 'userName eq "bo@example.org"'},
        ).json()
        assert none["totalResults"] == 0 and "Resources" not in none

    def test_the_new_account_has_no_role(self, scim: Scim):
        made = scim.create_user("cara@example.org")
        with scim.services.sessions() as session:
            assert session.get(User, int(made["id"])).roles == []

    def test_pagination(self, scim: Scim):
        ids = [scim.create_user(f"p{i}@example.org")["id"] for i in range(5)]
        page = scim.client.get(
            "/scim/v2/Users", headers=scim.headers, params={"startIndex": 2, "count": 2}
        ).json()
        assert page["totalResults"] == 5
        assert page["startIndex"] == 2 and page["itemsPerPage"] == 2
        assert [r["id"] for r in page["Resources"]] == ids[1:3]
        last = scim.client.get(
            "/scim/v2/Users", headers=scim.headers, params={"startIndex": 5, "count": 10}
        ).json()
        assert [r["id"] for r in last["Resources"]] == ids[4:]
        beyond = scim.client.get(
            "/scim/v2/Users", headers=scim.headers, params={"startIndex": str(2**64), "count": "-5"}
        ).json()
        assert (beyond["totalResults"], beyond["itemsPerPage"]) == (5, 0)
        for name in ("startIndex", "count"):
            bad = scim.client.get("/scim/v2/Users", headers=scim.headers, params={name: "1e309"})
            assert is_scim_error(bad, 400, "invalidValue") and name in bad.json()["detail"]

    def test_replace_changes_name_address_and_external_id(self, scim: Scim):
        made = scim.create_user("dan@example.org", displayName="Dan")
        replaced = scim.client.put(
            f"/scim/v2/Users/{made['id']}",
            headers=scim.headers,
            json={
                "schemas": [USER_SCHEMA],
                "userName": "daniel@example.org",
                "displayName": "Daniel Ortiz",
                "externalId": "e-9",
            },
        )
        assert replaced.status_code == 200, replaced.text
        body = replaced.json()
        assert (body["userName"], body["displayName"], body["externalId"]) == (
            "daniel@example.org",
            "Daniel Ortiz",
            "e-9",
        )

    def test_a_second_user_with_the_same_user_name_is_a_uniqueness_error(self, scim: Scim):
        scim.create_user("eve@example.org")
        again = scim.client.post(
            "/scim/v2/Users",
            headers=scim.headers,
            json={"schemas": [USER_SCHEMA], "userName": "EVE@example.org"},
        )
        assert is_scim_error(again, 409, "uniqueness")

    def test_errors_are_in_scims_format(self, scim: Scim):
        assert is_scim_error(scim.client.get("/scim/v2/Users/999", headers=scim.headers), 404)
        assert is_scim_error(scim.client.get("/scim/v2/Users/abc", headers=scim.headers), 404)
        bad_filter = scim.client.get(
            "/scim/v2/Users", headers=scim.headers, params={"filter": 'title co "x"'}
        )
        assert is_scim_error(bad_filter, 400, "invalidFilter")
        not_an_email = scim.client.post(
            "/scim/v2/Users",
            headers=scim.headers,
            json={"schemas": [USER_SCHEMA], "userName": "just-a-name"},
        )
        assert is_scim_error(not_an_email, 400, "invalidValue")
        assert "userName" in not_an_email.json()["detail"]
        not_json = scim.client.post(
            "/scim/v2/Users",
            headers={**scim.headers, "Content-Type": "application/scim+json"},
            content=b"{not json",
        )
        assert is_scim_error(not_json, 400, "invalidSyntax")

    def test_an_invited_account_nobody_signed_in_to_is_adopted_by_user_name(self, scim: Scim):
        with scim.services.sessions() as session:
            user, _ = make_user(session, "fay@example.org", (Role.mentee, None))
            user_id = user.id
            session.execute(update(ApiToken).values(revoked_at=utcnow()))
            session.commit()
        adopted = scim.create_user("fay@example.org", externalId="x-fay")
        assert adopted["id"] == str(user_id)

    @pytest.mark.parametrize(
        "credential", ["password", "api token", "single sign-on", "a browser session"]
    )
    def test_an_account_someone_signs_in_to_is_not_taken_over(self, scim: Scim, credential):
        """Adopting it would let the SCIM token change its address, and a password reset
        then goes to the new address: an account takeover. Someone who signs in only
        through the organisation's provider has no password and no token."""
        with scim.services.sessions() as session:
            lead, _ = make_user(session, "lead@example.org", (Role.coordinator, None))
            if credential != "api token":
                session.execute(update(ApiToken).values(revoked_at=utcnow()))
            if credential == "password":
                lead.password_hash = "argon2-hash-of-a-password"
            elif credential == "single sign-on":
                session.add(
                    ExternalIdentity(
                        user_id=lead.id,
                        issuer="https://idp.test",
                        subject="sub-lead",
                        email_at_link="lead@example.org",
                    )
                )
            elif credential == "a browser session":
                web_sessions.start(session=session, user=lead)
            session.commit()
        taken = scim.client.post(
            "/scim/v2/Users",
            headers=scim.headers,
            json={
                "schemas": [USER_SCHEMA],
                "userName": "lead@example.org",
                "emails": [{"value": "lead@example.org", "primary": True}],
            },
        )
        assert is_scim_error(taken, 409, "uniqueness")
        listed = scim.client.get("/scim/v2/Users", headers=scim.headers).json()
        assert listed["totalResults"] == 0


class TestDeactivation:
    def test_deactivating_ends_sessions_and_tokens_and_leaves_matching_but_keeps_history(
        self, scim: Scim
    ):
        made = scim.create_user("gil@example.org")
        group = scim.client.post(
            "/scim/v2/Groups",
            headers=scim.headers,
            json={
                "schemas": [GROUP_SCHEMA],
                "displayName": "Pilot mentees",
                "members": [{"value": made["id"]}],
            },
        )
        assert group.status_code == 201, group.text
        user_id = int(made["id"])
        with scim.services.sessions() as session:
            user = session.get(User, user_id)
            passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
            session.commit()
            _, api_token = make_user(session, "other@example.org", (Role.mentor, None))
        with TestClient(app_for(scim.services)) as browser:
            page = browser.get("/login")
            signed_in = browser.post(
                "/login",
                data={
                    "csrf_token": csrf_of(page.text),
                    "email": "gil@example.org",
                    "password": PASSWORD,
                    "next": "/",
                },
                follow_redirects=False,
            )
            assert signed_in.status_code == 303
            assert browser.get("/account", follow_redirects=False).status_code == 200
            with scim.services.sessions() as session:
                from companion.accounts import service as accounts

                token = accounts.issue_token(
                    session=session, user=session.get(User, user_id), name="cli", actor=TEST_ACTOR
                ).plaintext
                session.commit()
                program = session.scalars(select(Program)).one()
                assert [
                    p.email for p in load_cohort(session=session, program=program).mentee_rows
                ] == ["gil@example.org"]
            assert scim.client.get("/api/v1/me", headers=bearer(token)).status_code == 200

            off = scim.patch(
                f"/scim/v2/Users/{user_id}", {"op": "replace", "path": "active", "value": False}
            )
            assert off.status_code == 200, off.text
            assert off.json()["active"] is False
            # The browser is signed out, the API token is refused, matching leaves them out.
            assert browser.get("/account", follow_redirects=False).status_code == 303
        assert scim.client.get("/api/v1/me", headers=bearer(token)).status_code == 401
        assert scim.client.get("/api/v1/me", headers=bearer(api_token)).status_code == 200
        with scim.services.sessions() as session:
            program = session.scalars(select(Program)).one()
            assert load_cohort(session=session, program=program).mentee_rows == []
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(Participant)
                    .where(Participant.user_id == user_id)
                )
                == 1
            )
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(WebSession)
                    .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
                )
                == 0
            )
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(ApiToken)
                    .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                )
                == 0
            )
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action == "user.deactivated")
                )
                == 1
            )
        # They cannot sign in with their password again.
        with TestClient(app_for(scim.services)) as browser:
            page = browser.get("/login")
            again = browser.post(
                "/login",
                data={
                    "csrf_token": csrf_of(page.text),
                    "email": "gil@example.org",
                    "password": PASSWORD,
                    "next": "/",
                },
            )
            assert again.status_code == 401

    def test_delete_deactivates_and_lets_go_but_erases_nothing(self, scim: Scim):
        made = scim.create_user("hana@example.org")
        gone = scim.client.delete(f"/scim/v2/Users/{made['id']}", headers=scim.headers)
        assert gone.status_code == 204
        assert is_scim_error(
            scim.client.get(f"/scim/v2/Users/{made['id']}", headers=scim.headers), 404
        )
        with scim.services.sessions() as session:
            user = session.get(User, int(made["id"]))
            assert user is not None and user.is_active is False


class TestGroups:
    def test_a_group_named_after_a_program_gives_its_members_a_seat_and_the_role(self, scim: Scim):
        ivy = scim.create_user("ivy@example.org", displayName="Ivy Chen")
        jon = scim.create_user("jon@example.org")
        made = scim.client.post(
            "/scim/v2/Groups",
            headers=scim.headers,
            json={
                "schemas": [GROUP_SCHEMA],
                "displayName": "pilot MENTORS",
                "members": [{"value": ivy["id"]}],
            },
        )
        assert made.status_code == 201, made.text
        group = made.json()
        assert [m["value"] for m in group["members"]] == [ivy["id"]]
        with scim.services.sessions() as session:
            seat = session.scalars(
                select(Participant).where(Participant.email == "ivy@example.org")
            ).one()
            assert (seat.role, seat.name) == ("mentor", "Ivy Chen")
            roles = {(a.role, a.program_id) for a in session.get(User, int(ivy["id"])).roles}
            assert roles == {(Role.mentor, seat.program_id)}
        added = scim.patch(
            f"/scim/v2/Groups/{group['id']}",
            {"op": "add", "path": "members", "value": [{"value": jon["id"]}]},
        )
        assert added.status_code == 200, added.text
        removed = scim.patch(
            f"/scim/v2/Groups/{group['id']}",
            {"op": "remove", "path": f'members[value eq "{ivy["id"]}"]'},
        )
        assert removed.status_code == 200, removed.text
        assert [m["value"] for m in removed.json()["members"]] == [jon["id"]]
        with scim.services.sessions() as session:
            assert session.get(User, int(ivy["id"])).roles == []
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(Participant)
                    .where(Participant.email == "ivy@example.org")
                )
                == 1
            )  # the seat and its history stay
            assert [a.role for a in session.get(User, int(jon["id"])).roles] == [Role.mentor]

    def test_a_group_that_names_no_program_maps_to_nothing(self, scim: Scim):
        kai = scim.create_user("kai@example.org")
        made = scim.client.post(
            "/scim/v2/Groups",
            headers=scim.headers,
            json={
                "schemas": [GROUP_SCHEMA],
                "displayName": "Everyone",
                "members": [{"value": kai["id"]}],
            },
        )
        assert made.status_code == 201
        with scim.services.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Participant)) == 0
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(RoleAssignment)
                    .where(RoleAssignment.user_id == int(kai["id"]))
                )
                == 0
            )
        found = scim.client.get(
            "/scim/v2/Groups", headers=scim.headers, params={"filter": 'displayName eq "everyone"'}
        ).json()
        assert found["totalResults"] == 1
        assert (
            scim.client.delete(
                f"/scim/v2/Groups/{made.json()['id']}", headers=scim.headers
            ).status_code
            == 204
        )

    def test_a_group_cannot_hold_an_account_scim_does_not_manage(self, scim: Scim):
        answer = scim.client.post(
            "/scim/v2/Groups",
            headers=scim.headers,
            json={
                "schemas": [GROUP_SCHEMA],
                "displayName": "Pilot mentors",
                "members": [{"value": str(scim.admin_id)}],
            },
        )
        assert is_scim_error(answer, 404)
        with scim.services.sessions() as session:
            assert [a.role for a in session.get(User, scim.admin_id).roles] == [Role.admin]


class TestWhoMayCall:
    def test_no_token_or_an_api_token_does_not_open_scim(self, scim: Scim):
        assert is_scim_error(scim.client.get("/scim/v2/Users"), 401)
        answer = scim.client.get("/scim/v2/Users", headers=bearer(scim.admin_token))
        assert is_scim_error(answer, 401)
        assert answer.headers["www-authenticate"] == "Bearer"
        made = scim.client.post(
            "/scim/v2/Users",
            headers=bearer(scim.admin_token),
            json={"schemas": [USER_SCHEMA], "userName": "x@example.org"},
        )
        assert is_scim_error(made, 401)

    def test_a_scim_token_does_not_open_the_api_or_the_pages(self, scim: Scim):
        for path in (
            "/api/v1/me",
            "/api/v1/programs",
            f"/api/v1/users/{scim.admin_id}/sessions/end",
        ):
            method = scim.client.post if path.endswith("/end") else scim.client.get
            assert method(path, headers=scim.headers).status_code == 401
        assert (
            scim.client.post(
                "/api/v1/scim/tokens", headers=scim.headers, json={"name": "more"}
            ).status_code
            == 401
        )

    def test_scim_cannot_see_or_take_over_an_administrator(self, scim: Scim):
        assert is_scim_error(
            scim.client.get(f"/scim/v2/Users/{scim.admin_id}", headers=scim.headers), 404
        )
        assert is_scim_error(
            scim.patch(
                f"/scim/v2/Users/{scim.admin_id}",
                {"op": "replace", "path": "active", "value": False},
            ),
            404,
        )
        taken = scim.client.post(
            "/scim/v2/Users",
            headers=scim.headers,
            json={"schemas": [USER_SCHEMA], "userName": "admin@example.org"},
        )
        assert is_scim_error(taken, 409, "uniqueness")
        listed = scim.client.get("/scim/v2/Users", headers=scim.headers).json()
        assert listed["totalResults"] == 0

    def test_only_an_administrator_creates_or_revokes_scim_tokens(self, scim: Scim):
        with scim.services.sessions() as session:
            _, coordinator = make_user(session, "lead@example.org", (Role.coordinator, None))
        refused = scim.client.post(
            "/api/v1/scim/tokens", headers=bearer(coordinator), json={"name": "mine"}
        )
        assert refused.status_code == 403
        revoke = scim.client.post("/api/v1/scim/tokens/1/revoke", headers=bearer(coordinator))
        assert revoke.status_code == 403
        assert scim.client.get("/scim/v2/Users", headers=scim.headers).status_code == 200
        revoked = scim.client.post("/api/v1/scim/tokens/1/revoke", headers=bearer(scim.admin_token))
        assert revoked.json() == {"id": 1, "revoked": True}
        assert is_scim_error(scim.client.get("/scim/v2/Users", headers=scim.headers), 401)
