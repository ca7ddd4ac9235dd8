"""Every response carries the security headers, and the pages need no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from companion.runtime import Services
from companion.settings import Settings

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "web" / "templates"


def assert_secured(response) -> None:
    headers = response.headers
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in headers["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "strict-origin", "no-referrer")
    assert "camera=()" in headers["Permissions-Policy"]


@pytest.fixture
def client(services: Services):
    app = create_app(services=services)

    @app.get("/api/v1/crash-for-the-test")
    def crash() -> None:
        raise RuntimeError("an unexpected failure")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


class TestEveryResponse:
    def test_a_page(self, client: TestClient) -> None:
        page = client.get("/login")
        assert page.status_code == 200
        assert_secured(page)
        assert page.headers["Cache-Control"] == "no-store"

    def test_a_redirect(self, client: TestClient) -> None:
        redirect = client.get("/", follow_redirects=False)
        assert redirect.status_code == 303
        assert_secured(redirect)

    def test_an_api_error(self, client: TestClient) -> None:
        refused = client.get("/api/v1/programs")
        assert refused.status_code == 401
        assert_secured(refused)

    def test_a_page_error(self, client: TestClient) -> None:
        missing = client.get("/no-such-page")
        assert missing.status_code == 404
        assert_secured(missing)

    def test_a_static_file(self, client: TestClient) -> None:
        css = client.get("/static/style.css")
        assert css.status_code == 200
        assert_secured(css)

    def test_an_unexpected_error(self, client: TestClient) -> None:
        crashed = client.get("/api/v1/crash-for-the-test")
        assert crashed.status_code == 500
        assert_secured(crashed)

    def test_no_strict_transport_outside_production(self, client: TestClient) -> None:
        assert "Strict-Transport-Security" not in client.get("/login").headers

    def test_strict_transport_in_production(self, settings: Settings, encoder) -> None:
        production = settings.model_copy(
            update={"environment": "production", "secret_key": SecretStr("a private random value")}
        )
        built = Services(production, encoder=encoder)
        try:
            with TestClient(create_app(services=built)) as client:
                page = client.get("/login")
        finally:
            built.close()
        assert "max-age=" in page.headers["Strict-Transport-Security"]
        assert_secured(page)


class TestNoInlineScript:
    """The policy refuses inline script and style, so the templates must hold none."""

    @pytest.mark.parametrize(
        "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
    )
    def test_template(self, path: Path) -> None:
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline <script>"
        assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
        assert not re.search(r"\sstyle\s*=", text), "inline style attribute"
        assert "<style" not in text, "inline <style>"
        assert "javascript:" not in text
