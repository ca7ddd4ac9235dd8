"""Setting up a program in the browser: from a template, a bad weight refused beside its
field, fixed and saved; at desktop and phone widths, with screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from companion.accounts import passwords
from companion.accounts import service as accounts
from companion.accounts.models import Role
from tests.e2e.conftest import PASSWORD, screenshot
from tests.helpers import TEST_ACTOR

ADMIN = "admin@example.org"


@pytest.fixture(scope="module")
def admin(site) -> str:
    _, services = site
    with services.sessions() as session:
        user = accounts.create(
            session=session,
            email=ADMIN,
            display_name="Ada Admin",
            roles=[(Role.admin, None)],
            actor=TEST_ACTOR,
        )
        passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
        session.commit()
    return ADMIN


@pytest.mark.parametrize(("width", "suffix"), [(1100, "desktop"), (390, "phone")])
def test_a_program_from_a_template_then_a_weight_fixed(
    site, sign_in, admin: str, width: int, suffix: str
) -> None:
    server, _ = site
    name = f"Career growth ({suffix})"
    page = sign_in(admin, width=width)
    page.get_by_role("link", name="Programs", exact=True).click()
    page.get_by_role("link", name="New program").click()
    expect(page.get_by_role("heading", name="Leadership circles")).to_be_visible()
    screenshot(page, f"program-templates-{suffix}")

    page.get_by_role("link", name="Start from the template Career growth 1:1").click()
    expect(page.get_by_label("Days between sessions")).to_have_value("14")
    assert page.get_by_label("Session length, in minutes").input_value() == "60"
    assert page.get_by_label("Not from the same department").is_checked()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Session length, in minutes").fill("50")
    screenshot(page, f"program-new-{suffix}")
    page.get_by_role("button", name="Create the program").click()
    page.wait_for_url(f"{server.url}/coordinator/programs/*/settings")
    assert page.get_by_role("heading", name=f"Settings of {name}").is_visible()
    assert page.get_by_label("Session length, in minutes").input_value() == "50"

    weight = page.get_by_label("What they write")
    assert weight.input_value() == "0.45"
    weight.fill("1.5")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    error = page.locator("#setting-matching-weights-semantic-error")
    assert error.inner_text() == "Input should be less than or equal to 1"
    assert error.is_visible()
    assert (
        page.locator("#error-summary")
        .get_by_role("link", name="What they write (weight)")
        .is_visible()
    )
    # The page opens at the wrong field, with the cursor in it.
    assert page.evaluate("document.activeElement.id") == "setting-matching-weights-semantic"
    screenshot(page, f"program-settings-error-{suffix}")

    page.get_by_label("What they write").fill("0.6")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    assert "What they write (weight): 0.45 → 0.6" in page.locator(".flash").first.inner_text()
    assert page.get_by_label("What they write").input_value() == "0.6"
    assert page.locator('[aria-invalid="true"]').count() == 0
    # Nothing is wider than the screen on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"program-settings-saved-{suffix}")
