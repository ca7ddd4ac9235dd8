from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from companion.accounts import service as accounts
from companion.accounts.models import Role
from companion.audit.models import AuditEvent
from companion.programs import service as programs
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, app_for, bearer, make_user


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(app_for(services)) as test_client:
        yield test_client


@pytest.fixture
def people(services: Services) -> dict[str, str]:
    """Tokens for an administrator, an org coordinator, a program coordinator, a mentor and a
    mentee."""
    with services.sessions() as session:
        program = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        other = programs.create(session=session, name="Other", principal=TEST_SYSTEM)
        session.commit()
        _, admin = make_user(session, "admin@example.org", (Role.admin, None))
        _, org = make_user(session, "org@example.org", (Role.coordinator, None))
        _, lead = make_user(session, "lead@example.org", (Role.coordinator, program.id))
        _, mentor = make_user(session, "mentor@example.org", (Role.mentor, program.id))
        _, mentee = make_user(
            session, "both@example.org", (Role.mentee, program.id), (Role.mentor, other.id)
        )
    return {"admin": admin, "org": org, "lead": lead, "mentor": mentor, "mentee": mentee}


class TestAuthentication:
    def test_missing_token_is_401_with_a_hint(self, client: TestClient) -> None:
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "unauthenticated"
        assert "Authorization: Bearer" in response.json()["error"]["message"]

    @pytest.mark.parametrize("token", ["mc_not-a-real-token", "garbage", "mc_"])
    def test_bad_tokens_are_401(self, client: TestClient, people, token: str) -> None:
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401

    def test_revoked_token_is_401(self, client: TestClient, services: Services, people) -> None:
        with services.sessions() as session:
            user = accounts.get_by_email(session=session, email="mentor@example.org")
            issued = accounts.issue_token(session=session, user=user, name="t", actor=TEST_ACTOR)
            session.commit()
            assert client.get("/api/v1/me", headers=bearer(issued.plaintext)).status_code == 200
            accounts.revoke_token(session=session, token_id=issued.token.id, actor=TEST_ACTOR)
            session.commit()
        assert client.get("/api/v1/me", headers=bearer(issued.plaintext)).status_code == 401

    def test_me_shows_roles_per_program(self, client: TestClient, people) -> None:
        body = client.get("/api/v1/me", headers=bearer(people["mentee"])).json()
        assert body["email"] == "both@example.org"
        assert {r["role"] for r in body["roles"]} == {"mentor", "mentee"}

    def test_tokens_are_stored_hashed(self, services: Services, people) -> None:
        from companion.accounts.models import ApiToken

        with services.sessions() as session:
            stored = session.scalars(select(ApiToken.token_hash)).all()
        assert people["org"] not in stored
        assert accounts.hash_token(people["org"]) in stored


class TestAuthorisation:
    def test_only_administrators_create_programs(self, client: TestClient, people) -> None:
        body = {"name": "Spring cohort", "kind": "peer"}
        for who in ("mentee", "mentor", "lead", "org"):
            response = client.post("/api/v1/programs", json=body, headers=bearer(people[who]))
            assert response.status_code == 403, who
            assert response.json()["error"]["code"] == "permission_denied"
        response = client.post("/api/v1/programs", json=body, headers=bearer(people["admin"]))
        assert response.status_code == 201
        assert response.json()["kind"] == "peer"

    def test_program_coordinator_edits_only_their_program(self, client: TestClient, people) -> None:
        listing = client.get("/api/v1/programs", headers=bearer(people["org"])).json()
        ids = {p["name"]: p["id"] for p in listing["items"]}
        own = client.patch(
            f"/api/v1/programs/{ids['Pilot']}",
            json={"description": "Our first cohort"},
            headers=bearer(people["lead"]),
        )
        assert own.status_code == 200
        assert own.json()["description"] == "Our first cohort"
        other = client.patch(
            f"/api/v1/programs/{ids['Other']}", json={"name": "x"}, headers=bearer(people["lead"])
        )
        assert other.status_code == 404  # not theirs to read: as if it did not exist

    def test_members_see_only_their_programs(self, client: TestClient, people) -> None:
        mentor_view = client.get("/api/v1/programs", headers=bearer(people["mentor"])).json()
        assert [p["name"] for p in mentor_view["items"]] == ["Pilot"]
        both_view = client.get("/api/v1/programs", headers=bearer(people["mentee"])).json()
        assert both_view["total"] == 2
        other_id = next(p["id"] for p in both_view["items"] if p["name"] == "Other")
        assert (
            client.get(f"/api/v1/programs/{other_id}", headers=bearer(people["mentor"])).status_code
            == 404
        )

    def test_an_administrator_creates_a_user_and_gets_a_working_token(
        self, client: TestClient, people
    ) -> None:
        """Accounts are for administrators, no longer for organisation-wide coordinators."""
        response = client.post(
            "/api/v1/users",
            json={
                "email": "New.Person@Example.org",
                "roles": [{"role": "mentee", "program_id": None}],
            },
            headers=bearer(people["admin"]),
        )
        assert response.status_code == 201
        token = response.json()["token"]
        me = client.get("/api/v1/me", headers=bearer(token)).json()
        assert me["email"] == "new.person@example.org"
        again = client.post(
            "/api/v1/users",
            json={"email": "new.person@example.org", "roles": [{"role": "mentor"}]},
            headers=bearer(people["admin"]),
        )
        assert again.status_code == 409
        for who in ("mentor", "org", "lead"):
            forbidden = client.post(
                "/api/v1/users",
                json={"email": "x@example.org", "roles": [{"role": "mentor", "program_id": None}]},
                headers=bearer(people[who]),
            )
            assert forbidden.status_code == 403, who


class TestAuditOfStateChanges:
    def test_every_change_is_recorded_with_its_actor(
        self, client: TestClient, services: Services, people
    ) -> None:
        client.post("/api/v1/programs", json={"name": "Audited"}, headers=bearer(people["admin"]))
        with services.sessions() as session:
            event = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "program.created")
                .order_by(AuditEvent.seq.desc())
            ).first()
        assert event.actor_label == "admin@example.org"
        assert event.data["name"] == "Audited"


class TestErrors:
    def test_bad_input_is_422_naming_the_field(self, client: TestClient, people) -> None:
        response = client.post(
            "/api/v1/programs",
            json={"name": "", "kind": "bogus", "surprise": 1},
            headers=bearer(people["org"]),
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert {d["field"] for d in error["details"]} == {"name", "kind", "surprise"}

    def test_malformed_json_is_422_not_500(self, client: TestClient, people) -> None:
        response = client.post(
            "/api/v1/programs",
            content=b"{not json",
            headers={**bearer(people["org"]), "content-type": "application/json"},
        )
        assert response.status_code == 422

    def test_unknown_program_is_404(self, client: TestClient, people) -> None:
        response = client.get("/api/v1/programs/9999", headers=bearer(people["org"]))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_duplicate_program_is_409(self, client: TestClient, people) -> None:
        response = client.post(
            "/api/v1/programs", json={"name": "  Pilot "}, headers=bearer(people["admin"])
        )
        assert response.status_code == 409

    def test_unknown_route_uses_the_error_shape(self, client: TestClient) -> None:
        response = client.get("/api/v1/nowhere")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_pagination_is_bounded(self, client: TestClient, people) -> None:
        response = client.get("/api/v1/programs?limit=1000", headers=bearer(people["org"]))
        assert response.status_code == 422
        page = client.get("/api/v1/programs?limit=1&offset=1", headers=bearer(people["org"]))
        assert page.json()["total"] == 2
        assert len(page.json()["items"]) == 1


class TestProbes:
    def test_health_and_readiness(self, client: TestClient) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.json()
        assert ready.json()["checks"] == {
            "database": "ok",
            "encoder": "ok",
            "vector_store": "ok",
        }

    def test_openapi_docs_are_served(self, client: TestClient) -> None:
        assert client.get("/docs").status_code == 200
        assert "/api/v1/programs" in client.get("/openapi.json").json()["paths"]


class TestDeleteProgram:
    def test_an_administrator_deletes_with_everything_in_it(
        self, client: TestClient, services: Services, people
    ) -> None:
        listing = client.get("/api/v1/programs", headers=bearer(people["org"])).json()
        pilot = next(p["id"] for p in listing["items"] if p["name"] == "Pilot")
        for who in ("lead", "org"):
            denied = client.delete(f"/api/v1/programs/{pilot}", headers=bearer(people[who]))
            assert denied.status_code == 403, who
        assert (
            client.delete(f"/api/v1/programs/{pilot}", headers=bearer(people["admin"])).status_code
            == 204
        )
        assert (
            client.get(f"/api/v1/programs/{pilot}", headers=bearer(people["org"])).status_code
            == 404
        )
        me = client.get("/api/v1/me", headers=bearer(people["mentor"])).json()
        assert me["roles"] == []  # the role in the deleted program went with it
        with services.sessions() as session:
            from companion.audit import service as audit

            assert audit.verify(session=session) == []
        again = client.delete(f"/api/v1/programs/{pilot}", headers=bearer(people["admin"]))
        assert again.status_code == 404


class TestTokenUse:
    def test_last_use_is_recorded(self, client: TestClient, services: Services, people) -> None:
        from companion.accounts.models import ApiToken

        def last_used():
            with services.sessions() as session:
                token = session.scalars(
                    select(ApiToken).where(
                        ApiToken.token_hash == accounts.hash_token(people["mentor"])
                    )
                ).one()
                return token.last_used_at

        assert last_used() is None
        assert client.get("/api/v1/me", headers=bearer(people["mentor"])).status_code == 200
        first = last_used()
        assert first is not None
        client.get("/api/v1/me", headers=bearer(people["mentor"]))
        assert last_used() == first  # within the hour: no write per request
