"""Signing in and out in a real browser."""

from __future__ import annotations

from tests.e2e.conftest import screenshot


def test_sign_in_shows_home_and_sign_out_ends_the_session(site, sign_in) -> None:
    server, _ = site
    page = sign_in("maya@example.org")
    assert page.get_by_role("heading", name="Welcome, Maya Berg").is_visible()
    screenshot(page, "home-mentor")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{server.url}/login")
    page.goto(f"{server.url}/")
    assert page.url.startswith(f"{server.url}/login")


def test_a_wrong_password_is_explained_next_to_the_field(site, chromium) -> None:
    server, _ = site
    context = chromium.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill("maya@example.org")
    page.get_by_label("Password").fill("not the password")
    page.keyboard.press("Enter")
    error = page.locator("#e-password")
    error.wait_for()
    assert "do not match" in error.inner_text()
    screenshot(page, "sign-in-phone")
    context.close()
