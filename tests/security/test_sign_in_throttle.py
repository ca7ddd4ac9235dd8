"""Password sign-in slows down after repeated failures, per account and per client address,
in every server process, without telling which accounts exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from companion.accounts.models import SignInThrottle
from companion.accounts.throttle import Limits, delay_after
from companion.audit.models import AuditEvent
from companion.db.base import utcnow
from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import app_for
from tests.relationships.conftest import World
from tests.web.conftest import EMAILS, PASSWORD, Browser

WRONG = "not the password at all"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Short allowances, so that a test reaches the back-off in a few attempts, and a
    first delay no slow machine outlasts between two attempts (tests lift it by hand)."""
    return settings.model_copy(
        update={
            "sign_in_free_attempts": 5,
            "sign_in_free_attempts_per_address": 12,
            "sign_in_first_delay_seconds": 600,
            "sign_in_max_delay_seconds": 3600,
        }
    )


@contextmanager
def browser(services: Services, address: str = "198.51.100.7") -> Iterator[Browser]:
    with TestClient(app_for(services), client=(address, 50000)) as client:
        signing_in = Browser(client)
        signing_in.get("/login")
        yield signing_in


def attempt(browser: Browser, email: str, password: str = WRONG):
    return browser.post(
        "/login", {"email": email, "password": password, "next": "/"}, follow_redirects=False
    )


def throttled_events(services: Services) -> list[dict]:
    with services.sessions() as session:
        return list(
            session.scalars(select(AuditEvent.data).where(AuditEvent.action == "sign_in.throttled"))
        )


def unblock(services: Services) -> None:
    """As if the back-off had run out."""
    with services.sessions() as session:
        session.execute(
            update(SignInThrottle).values(blocked_until=utcnow() - timedelta(seconds=1))
        )
        session.commit()


class TestPerAccount:
    def test_forty_wrong_passwords_are_answered_429_with_retry_after(self, web: World) -> None:
        with browser(web.services) as b:
            statuses = [attempt(b, EMAILS["maya"]).status_code for _ in range(40)]
            assert statuses[:5] == [401] * 5
            assert statuses[5] == 401, "the failure that starts the back-off is still told"
            assert set(statuses[6:]) == {429}
            refused = attempt(b, EMAILS["maya"])
        assert int(refused.headers["Retry-After"]) >= 1
        assert re.search(r"try again after \d\d:\d\d:\d\d UTC", refused.text)
        events = throttled_events(web.services)
        assert events and events[0]["email"] == EMAILS["maya"]

    def test_the_right_password_during_back_off_is_refused_too(self, web: World) -> None:
        with browser(web.services) as b:
            for _ in range(6):
                attempt(b, EMAILS["maya"])
            right = attempt(b, EMAILS["maya"], PASSWORD)
            assert right.status_code == 429
            assert b.client.get("/", follow_redirects=False).status_code == 303
            unblock(web.services)
            assert attempt(b, EMAILS["maya"], PASSWORD).status_code == 303

    def test_every_spelling_of_an_address_counts_the_same(self, web: World) -> None:
        with browser(web.services) as b:
            for spelling in ["maya@example.org", " MAYA@example.org", "Maya@Example.org "] * 2:
                attempt(b, spelling)
            assert attempt(b, "maya@EXAMPLE.ORG", PASSWORD).status_code == 429

    def test_an_unknown_account_is_throttled_alike(self, web: World) -> None:
        """The answers do not tell which accounts exist."""
        with (
            browser(web.services, "198.51.100.7") as known,
            browser(web.services, "203.0.113.9") as unknown,
        ):
            for _ in range(6):
                known_answer = attempt(known, EMAILS["maya"])
                unknown_answer = attempt(unknown, "nobody@example.org")
                assert known_answer.status_code == unknown_answer.status_code
            assert attempt(known, EMAILS["maya"]).status_code == 429
            assert attempt(unknown, "nobody@example.org").status_code == 429

    def test_a_success_clears_the_account_s_counter(self, web: World) -> None:
        with browser(web.services, "198.51.100.7") as b:
            for _ in range(4):
                attempt(b, EMAILS["maya"])
            assert attempt(b, EMAILS["maya"], PASSWORD).status_code == 303
        with browser(web.services, "203.0.113.9") as b:
            statuses = [attempt(b, EMAILS["maya"]).status_code for _ in range(6)]
        assert statuses == [401] * 6

    def test_the_back_off_doubles_up_to_its_cap(self) -> None:
        limits = Limits(
            free_per_account=3,
            free_per_address=3,
            first_delay=timedelta(seconds=2),
            max_delay=timedelta(minutes=15),
        )
        delays = [delay_after(n, 3, limits) for n in (1, 3, 4, 5, 6, 13, 10_000)]
        assert delays[:2] == [None, None]
        assert delays[2:5] == [timedelta(seconds=s) for s in (2, 4, 8)]
        assert delays[5:] == [timedelta(minutes=15)] * 2


class TestPerAddress:
    def test_other_emails_from_the_same_address_are_throttled_too(self, web: World) -> None:
        with browser(web.services, "198.51.100.7") as b:
            for n in range(12):
                assert attempt(b, f"guess{n}@example.org").status_code == 401
            assert attempt(b, "guess-next@example.org").status_code == 401
            assert attempt(b, EMAILS["nora"], PASSWORD).status_code == 429
        with browser(web.services, "203.0.113.9") as elsewhere:
            assert attempt(elsewhere, EMAILS["nora"], PASSWORD).status_code == 303
        scopes = {event["address"] for event in throttled_events(web.services)}
        assert scopes == {"198.51.100.7"}


class TestShared:
    def test_another_server_process_sees_the_same_back_off(self, web: World) -> None:
        second = Services(web.services.settings, encoder=web.services.encoder)
        try:
            with browser(web.services) as first_process:
                for _ in range(6):
                    attempt(first_process, EMAILS["maya"])
            with browser(second) as second_process:
                assert attempt(second_process, EMAILS["maya"], PASSWORD).status_code == 429
        finally:
            second.close()

    def test_the_allowance_is_a_setting(self) -> None:
        assert Settings(sign_in_free_attempts=3).sign_in_free_attempts == 3
        limits = Limits.from_settings(Settings(sign_in_max_delay_seconds=60))
        assert limits.max_delay == timedelta(minutes=1)


class TestAccountPage:
    def test_guessing_the_current_password_is_throttled_too(self, web: World, browser_for):
        maya = browser_for("maya")
        maya.get("/account")
        new = "a new long password"
        guess = {"current_password": WRONG, "password": new, "confirm": new}
        statuses = [maya.post("/account/password", guess).status_code for _ in range(7)]
        assert statuses[:6] == [422] * 6 and statuses[6] == 429
        refused = maya.post("/account/password", {**guess, "current_password": PASSWORD})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "try again after" in refused.text
