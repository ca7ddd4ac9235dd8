"""An administrator turns an AI feature off; the coordinator reads the evidence pack on a phone."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from companion.accounts import passwords
from companion.accounts import service as accounts
from companion.accounts.models import Role
from companion.programs.models import Program
from tests.e2e.conftest import PASSWORD, screenshot
from tests.helpers import TEST_ACTOR

PHONE = 390


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_switch_off_then_read_the_evidence_pack_at_phone_width(site, sign_in) -> None:
    _, services = site
    with services.sessions() as session:
        admin = accounts.create(
            session=session,
            email="admin@example.org",
            display_name="Ada Admin",
            roles=[(Role.admin, None)],
            actor=TEST_ACTOR,
        )
        passwords.set_password(session=session, user=admin, password=PASSWORD, actor=TEST_ACTOR)
        pilot = session.scalars(select(Program).where(Program.name == "Pilot")).one().id
        session.commit()

    page = sign_in("admin@example.org", width=PHONE)
    page.get_by_role("link", name="AI features").click()
    page.get_by_label("Drafting nudges to quiet pairs").uncheck()
    page.get_by_role("button", name="Save for Pilot").click()
    # The click only starts the form's POST; wait for the page it redirects to.
    expect(page.get_by_text("AI features off: Drafting nudges to quiet pairs.")).to_be_visible()
    assert not page.get_by_label("Drafting nudges to quiet pairs").is_checked()
    assert fits_the_screen(page)
    screenshot(page, "admin-ai-switches-phone")

    lead = sign_in("lead@example.org", width=PHONE)
    lead.goto(page.url.split("/admin")[0] + f"/coordinator/programs/{pilot}")
    lead.get_by_role("link", name="Evidence pack").click()
    expect(lead.get_by_role("heading", name="Evidence pack: Pilot", level=1)).to_be_visible()
    row = lead.get_by_role("row", name="Drafting nudges to quiet pairs (drafting:nudge)")
    assert "off" in row.inner_text()
    assert fits_the_screen(lead)
