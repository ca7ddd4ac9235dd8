"""The pages: your data from the account page, erasing yourself where allowed, and an
administrator's erase page with its confirmation."""

from __future__ import annotations

from sqlalchemy import select

from companion.accounts import passwords
from companion.accounts.models import Role, User
from companion.audit import service as audit
from companion.rights.models import DataRightsSettings
from tests.helpers import TEST_ACTOR, make_user
from tests.relationships.conftest import World
from tests.web.conftest import EMAILS, PASSWORD


def accounts_left(world: World) -> set[str]:
    with world.services.sessions() as session:
        return set(session.scalars(select(User.email)))


def allow_self_erasure(world: World) -> None:
    with world.services.sessions() as session:
        session.add(DataRightsSettings(program_id=world.pilot, allow_self_erasure=True))
        session.commit()


class TestYourData:
    def test_the_account_page_links_to_your_data_only(
        self, web: World, history: dict[str, int], browser_for
    ) -> None:
        eli = browser_for("eli")
        account = eli.get("/account")
        assert 'href="/account/data"' in account.text
        assert "Erase my account" not in account.text  # the program does not allow it
        page = eli.get("/account/data")
        assert page.status_code == 200
        assert "eli private" in page.text and "maya private" not in page.text
        assert 'href="/account">Back to your account' in page.text
        assert "pending_review goal draft" not in page.text
        download = eli.get("/account/data.json")
        assert download.headers["content-disposition"].startswith("attachment")
        assert download.json()["account"]["email"] == "eli@example.org"
        assert "maya private" not in download.text

    def test_signed_out_there_is_nothing(self, web: World, history: dict[str, int]) -> None:
        for url in ("/account/data", "/account/data.json"):
            response = web.client.get(url, follow_redirects=False)
            assert response.status_code in (303, 401), url
            assert "eli" not in response.text


class TestEraseYourself:
    def test_only_where_the_program_allows_and_only_once_confirmed(
        self, web: World, history: dict[str, int], browser_for
    ) -> None:
        eli = browser_for("eli")
        eli.get("/account")
        refused = eli.post("/account/erase", {"confirm": "eli@example.org"})
        assert refused.status_code == 403
        assert "eli@example.org" in accounts_left(web)

        allow_self_erasure(web)
        assert "Erase my account" in eli.get("/account").text
        wrong = eli.post("/account/erase", {"confirm": "eli@example.com"})
        assert wrong.status_code == 422 and "Type your email address exactly" in wrong.text
        assert "eli@example.org" in accounts_left(web)

        done = eli.post("/account/erase", {"confirm": "eli@example.org"}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/login"
        assert "eli@example.org" not in accounts_left(web)
        assert eli.get("/account", follow_redirects=False).status_code in (303, 401)
        with web.services.sessions() as session:
            assert audit.verify(session=session) == []

    def test_a_coordinator_cannot_erase_themself(
        self, web: World, history: dict[str, int], browser_for
    ) -> None:
        allow_self_erasure(web)
        lead = browser_for("lead")
        assert "Erase my account" not in lead.get("/account").text
        assert lead.post("/account/erase", {"confirm": EMAILS["lead"]}).status_code == 403
        assert EMAILS["lead"] in accounts_left(web)


class TestAdministratorErasePage:
    def test_no_one_else_reaches_it(self, web: World, history: dict[str, int], browser_for):
        for who in ("lead", "org", "maya"):
            browser = browser_for(who)
            assert browser.get("/admin/erase").status_code == 403, who
            response = browser.post(
                "/admin/erase", {"email": "eli@example.org", "confirm": "eli@example.org"}
            )
            assert response.status_code == 403, who
        assert "eli@example.org" in accounts_left(web)

    def test_erase_after_confirmation(
        self, web: World, history: dict[str, int], browser_for
    ) -> None:
        with web.services.sessions() as session:
            admin, _ = make_user(session, "admin@example.org", (Role.admin, None))
            passwords.set_password(session=session, user=admin, password=PASSWORD, actor=TEST_ACTOR)
            session.commit()
        EMAILS["admin"] = "admin@example.org"
        try:
            browser = browser_for("admin")
        finally:
            del EMAILS["admin"]
        assert "Erase a person" in browser.get("/admin/erase").text
        unknown = browser.post(
            "/admin/erase", {"email": "nobody@example.org", "confirm": "nobody@example.org"}
        )
        assert unknown.status_code == 422 and "No account has the address" in unknown.text
        unconfirmed = browser.post("/admin/erase", {"email": "eli@example.org", "confirm": ""})
        assert unconfirmed.status_code == 422 and "Type the address again" in unconfirmed.text
        assert "eli@example.org" in accounts_left(web)
        done = browser.post(
            "/admin/erase", {"email": "eli@example.org", "confirm": "eli@example.org"}
        )
        assert done.status_code == 200, done.text
        assert "eli@example.org is erased" in done.text
        assert "eli@example.org" not in accounts_left(web)
        assert "maya@example.org" in accounts_left(web)
