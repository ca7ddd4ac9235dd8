"""The coordinator's program page shows how drafts fare in review, to its coordinators only."""

from __future__ import annotations

from companion.drafting.models import Draft, DraftStatus
from tests.relationships.conftest import World


def test_the_program_page_shows_review_figures_per_kind(web: World, browser_for) -> None:
    with web.services.sessions() as session:
        for status, edited in [
            (DraftStatus.approved, False),
            (DraftStatus.delivered, True),
            (DraftStatus.delivered, False),
            (DraftStatus.rejected, False),
        ]:
            session.add(
                Draft(
                    kind="feedback_prompts",
                    status=status,
                    program_id=web.pilot,
                    requested_by="test",
                    model="offline",
                    prompt="feedback_prompts@1",
                    text="How did it go? What next?" if edited else "How did it go?",
                    original_text="How did it go?" if edited else None,
                )
            )
        session.commit()

    page = browser_for("lead").get(f"/coordinator/programs/{web.pilot}")

    assert page.status_code == 200
    assert "How drafts fare in review" in page.text
    section = page.text.split("How drafts fare in review", 1)[1]
    assert "Feedback prompts" in section
    assert "67%" in section  # two of three approved drafts were approved as drafted
    assert browser_for("elsewhere").get(f"/coordinator/programs/{web.pilot}").status_code == 404
