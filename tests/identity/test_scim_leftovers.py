"""SCIM searching with POST (/.search, /Users/.search, /Groups/.search) and the SCIM token
commands of the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from companion.cli import app
from tests.helpers import bearer, point_cli_at
from tests.identity.test_scim import GROUP_SCHEMA, USER_SCHEMA, Scim, is_scim_error
from tests.identity.test_scim import scim as scim

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
runner = CliRunner()


def search(scim: Scim, path: str, headers: dict[str, str] | None = None, **body):
    return scim.client.post(
        f"/scim/v2{path}", headers=headers or scim.headers, json={"schemas": [SEARCH], **body}
    )


@pytest.fixture
def people(scim: Scim) -> Scim:
    for name in ("ada@example.org", "bo@example.org", "cy@example.org"):
        scim.create_user(name, externalId=f"ext-{name[:2]}")
    made = scim.client.post(
        "/scim/v2/Groups",
        headers=scim.headers,
        json={"schemas": [GROUP_SCHEMA], "displayName": "Pilot mentees", "externalId": "g-1"},
    )
    assert made.status_code == 201, made.text
    return scim


class TestSearchWithPost:
    def test_users_by_filter_with_the_attributes_asked_for(self, people: Scim) -> None:
        found = search(
            people, "/Users/.search", filter='userName eq "BO@example.org"', attributes=["userName"]
        )
        assert found.status_code == 200, found.text
        assert found.headers["content-type"].startswith("application/scim+json")
        body = found.json()
        assert body["schemas"] == [LIST] and body["totalResults"] == 1
        [user] = body["Resources"]
        assert user["userName"] == "bo@example.org" and "emails" not in user

    def test_pages_and_excluded_attributes(self, people: Scim) -> None:
        page = search(people, "/Users/.search", startIndex=2, count=1,
                      excludedAttributes=["emails"]).json()  # fmt: skip
        assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (3, 2, 1)
        assert page["Resources"][0]["userName"] == "bo@example.org"
        assert "emails" not in page["Resources"][0]

    def test_groups(self, people: Scim) -> None:
        body = search(people, "/Groups/.search", filter='displayName eq "pilot MENTEES"').json()
        assert [g["displayName"] for g in body["Resources"]] == ["Pilot mentees"]

    def test_the_root_searches_users_then_groups_as_one_list(self, people: Scim) -> None:
        everything = search(people, "/.search").json()
        assert everything["totalResults"] == 4
        kinds = [r["schemas"][0] for r in everything["Resources"]]
        assert kinds == [USER_SCHEMA] * 3 + [GROUP_SCHEMA]
        second_page = search(people, "/.search", startIndex=3, count=2).json()
        assert [r.get("userName") or r.get("displayName") for r in second_page["Resources"]] == [
            "cy@example.org",
            "Pilot mentees",
        ]
        by_external = search(people, "/.search", filter='externalId eq "g-1"').json()
        assert by_external["totalResults"] == 1
        only_users = search(people, "/.search", filter='userName eq "ada@example.org"').json()
        assert [r["userName"] for r in only_users["Resources"]] == ["ada@example.org"]

    def test_bad_searches_answer_in_scims_terms(self, people: Scim) -> None:
        assert is_scim_error(
            search(people, "/Users/.search", filter='name.familyName co "x"'), 400, "invalidFilter"
        )
        both = search(
            people, "/Users/.search", attributes=["userName"], excludedAttributes=["emails"]
        )
        assert is_scim_error(both, 400, both.json().get("scimType"))
        assert "xcluded" in both.json()["detail"]
        assert is_scim_error(search(people, "/Users/.search", count="many"), 400, "invalidValue")
        not_an_object = people.client.post(
            "/scim/v2/Users/.search", headers=people.headers, json=["userName"]
        )
        assert is_scim_error(not_an_object, 400, "invalidSyntax")

    def test_only_a_scim_token_searches(self, people: Scim) -> None:
        for headers in ({}, bearer(people.admin_token)):
            for path in ("/.search", "/Users/.search", "/Groups/.search"):
                refused = people.client.post(
                    f"/scim/v2{path}", headers=headers, json={"schemas": [SEARCH]}
                )
                assert is_scim_error(refused, 401), (path, refused.status_code)
                assert "ada@example.org" not in refused.text

    def test_an_administrator_is_not_found_by_searching(self, people: Scim) -> None:
        body = search(people, "/.search", filter='userName eq "admin@example.org"').json()
        assert body["totalResults"] == 0


class TestTokenCommands:
    def test_create_list_use_and_revoke(
        self,
        scim: Scim,
        settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        point_cli_at(monkeypatch, settings)
        made = runner.invoke(app, ["scim", "token", "create", "--name", "Entra ID", "--json"])
        assert made.exit_code == 0, made.output
        issued = json.loads(made.stdout)
        assert issued["token"].startswith("mcscim_")
        listed = json.loads(runner.invoke(app, ["scim", "token", "list", "--json"]).stdout)
        assert [t["name"] for t in listed] == ["Entra ID", "Okta"]
        assert all(issued["token"] not in json.dumps(t) for t in listed)
        assert listed[0]["revoked_at"] is None
        headers = bearer(issued["token"])
        assert scim.client.get("/scim/v2/Users", headers=headers).status_code == 200
        revoked = runner.invoke(app, ["scim", "token", "revoke", str(issued["id"])])
        assert revoked.exit_code == 0 and "revoked" in revoked.stdout
        assert is_scim_error(scim.client.get("/scim/v2/Users", headers=headers), 401)
        text = runner.invoke(app, ["scim", "token", "list"]).stdout
        assert "Entra ID" in text and "revoked" in text and issued["token"] not in text
        missing = runner.invoke(app, ["scim", "token", "revoke", "9999"])
        assert missing.exit_code == 1 and "No SCIM token with id 9999" in missing.stderr
        bad = runner.invoke(app, ["scim", "token", "create", "--name", " "])
        assert bad.exit_code == 1 and "name" in bad.stderr
