"""The key that signs browser sessions and emailed links is never the public default
outside the test suite: with no COMPANION_SECRET_KEY, a development server makes a random
key of its own and keeps it in its data directory.

The hole this closes: every `make run` signed unsubscribe links with the same published
constant, so anyone could forge one for any account id, read the account's address on
the confirmation page, and turn its emails off."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from companion.notifications import preferences
from companion.notifications.models import Kind
from companion.runtime import Services
from companion.settings import DEFAULT_SECRET_KEY, Settings
from tests.notifications.test_settings import chosen, user_id
from tests.relationships.conftest import World


def _development(settings: Settings, **update: object) -> Settings:
    return settings.model_copy(update={"environment": "development", **update})


class TestTheKey:
    def test_development_with_no_key_set_makes_its_own_and_keeps_it(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        first = _development(settings, data_dir=tmp_path / "one")

        key = first.signing_key()

        assert key != DEFAULT_SECRET_KEY
        assert len(key) >= 32
        kept = tmp_path / "one" / "secret_key"
        assert kept.read_text().strip() == key
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        # Another process on the same data directory signs with the same key.
        assert _development(settings, data_dir=tmp_path / "one").signing_key() == key
        # Another installation does not.
        assert _development(settings, data_dir=tmp_path / "two").signing_key() != key

    def test_a_key_that_is_set_is_the_key(self, settings: Settings, tmp_path: Path) -> None:
        chosen_key = SecretStr("a private random value of our own")
        set_ = _development(settings, data_dir=tmp_path / "set", secret_key=chosen_key)

        assert set_.signing_key() == chosen_key.get_secret_value()
        assert not (tmp_path / "set" / "secret_key").exists()

    def test_the_suite_keeps_the_fixed_key(self, settings: Settings) -> None:
        assert settings.environment == "test"
        assert settings.signing_key() == settings.secret_key.get_secret_value()


@pytest.fixture
def development(world: World) -> Iterator[tuple[Services, TestClient]]:
    """The world's database, served as `make run` serves it: development, no key set."""
    built = Services(_development(world.services.settings), encoder=world.services.encoder)
    try:
        with TestClient(create_app(services=built)) as client:
            yield built, client
    finally:
        built.close()


def test_a_link_signed_with_the_public_default_does_nothing(
    world: World, development: tuple[Services, TestClient]
) -> None:
    services, client = development
    eli = user_id(world, "eli@example.org")
    forged = preferences.unsubscribe_token(
        secret=DEFAULT_SECRET_KEY, user_id=eli, kind=Kind.session_changes
    )

    page = client.get(f"/notifications/unsubscribe/{forged}")
    assert page.status_code == 404
    assert "eli@example.org" not in page.text
    assert client.post(f"/notifications/unsubscribe/{forged}").status_code == 404
    assert chosen(world, "eli@example.org") == {}

    # The server's own link still works.
    real = preferences.unsubscribe_token(
        secret=services.settings.signing_key(), user_id=eli, kind=Kind.session_changes
    )
    assert client.get(f"/notifications/unsubscribe/{real}").status_code == 200
