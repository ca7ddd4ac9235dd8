"""An edit that deletes the text quoting a guide drops the guide from what the draft cites."""

from __future__ import annotations

from sqlalchemy import select

from companion.audit.models import AuditEvent
from tests.relationships.conftest import World
from tests.web.test_review_pages import agenda_form, book_first_session, draft_row, prepare


def quoting_item(content: dict) -> int:
    """The agenda item that quotes a guide (the built-in drafter says where it is from)."""
    return next(i for i, item in enumerate(content["items"]) if "(From '" in item["notes"])


def items_without(content: dict, index: int) -> str:
    """The plan as the form shows it, without item `index`, its minutes given to the first."""
    items = [dict(item) for item in content["items"]]
    freed = items.pop(index)["minutes"]
    items[0]["minutes"] += freed
    return "\n".join(
        f"{i['minutes']} | {i['topic']}" + (f" | {i['notes']}" if i["notes"] else "") for i in items
    )


def test_deleting_the_quoted_guidance_drops_its_citation_before_approval(
    guides: World, browser_for
) -> None:
    maya = browser_for("maya")
    drafts = prepare(maya, guides, book_first_session(maya, guides))
    agenda = draft_row(guides, drafts["agenda"])
    [cited] = [s for s in agenda.sources if s["document_id"] in agenda.content["citations"]][:1]
    index = quoting_item(agenda.content)
    assert cited["document_id"] in agenda.content["citations"]

    # Everything that said what the guide says goes: the item quoting it, the reading
    # the mentor was given from it, and the drafted questions.
    other_reading = "\n".join(
        line for line in agenda.content["preparation"]["mentor"] if cited["title"] not in line
    )
    approved = maya.post(
        f"/review/{agenda.id}",
        agenda_form(
            agenda,
            items=items_without(agenda.content, index),
            prep_mentor=other_reading,
            # Questions of the mentor's own (a drafted one may quote the guide too).
            questions="What would make this session most useful for you?\nWhat is one thing "
            "you want to have done by next time?",
            action="approve",
        ),
    )

    assert approved.status_code == 200, approved.text
    assert "It no longer cites" in approved.text and cited["title"] in approved.text
    after = draft_row(guides, agenda.id)
    assert after.status == "delivered"
    assert cited["document_id"] not in after.content["citations"]
    assert cited["document_id"] not in after.text
    with guides.services.sessions() as session:
        [event] = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "review.citations_dropped",
                AuditEvent.subject_id == str(agenda.id),
            )
        ).all()
        assert event.data["citations"] == [cited["document_id"]]
    page = maya.get(f"/review/{agenda.id}")
    assert "It no longer cites" in page.text


def test_a_guide_the_text_still_names_stays_cited(guides: World, browser_for) -> None:
    maya = browser_for("maya")
    drafts = prepare(maya, guides, book_first_session(maya, guides))
    agenda = draft_row(guides, drafts["agenda"])
    cited = list(agenda.content["citations"])
    assert cited
    named = [s["title"] for s in agenda.sources if s["document_id"] in cited]
    assert any(t in line for t in named for line in agenda.content["preparation"]["mentor"])

    # The quoted item goes, but the mentor's reading still names the guide: it stays cited.
    saved = maya.post(
        f"/review/{agenda.id}",
        agenda_form(
            agenda, items=items_without(agenda.content, quoting_item(agenda.content)), action="edit"
        ),
    )

    assert saved.status_code == 200, saved.text
    assert "It no longer cites" not in saved.text
    assert draft_row(guides, agenda.id).content["citations"] == cited
