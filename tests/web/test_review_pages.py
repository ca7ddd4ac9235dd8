"""Review pages: prepare a session, review and edit its agenda, decide, bulk-approve."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from companion.drafting.models import Draft
from tests.relationships.conftest import World
from tests.web.conftest import Browser

OUTSIDERS = ["eli", "nora", "omar", "pia", "elsewhere"]


def shown(text: str) -> str:
    """`text` as the pages show it, HTML-escaped."""
    return str(escape(text))


def book_first_session(maya: Browser, web: World) -> int:
    """Maya proposes the first time offered on the relationship page and Eli accepts it;
    the session's id."""
    page = maya.get(f"/relationships/{web.first}")
    when = re.search(r'name="when" value="([^"]+)"', page.text).group(1)
    booked = maya.post(
        f"/relationships/{web.first}/sessions",
        {"when": when, "duration_minutes": "", "modality": "video"},
        follow_redirects=False,
    )
    assert booked.status_code == 303, booked.text
    page = maya.get(booked.headers["location"])
    session_id = int(re.search(r'id="proposal-(\d+)"', page.text).group(1))
    accepted = web.client.post(f"/api/v1/sessions/{session_id}/accept", headers=web.headers("eli"))
    assert accepted.status_code == 200, accepted.json()
    return session_id


def prepare(maya: Browser, web: World, session_id: int) -> dict[str, int]:
    """Maya prepares the session; the ids of the brief and the agenda drafted for it."""
    url = f"/relationships/{web.first}/sessions/{session_id}"
    page = maya.get(url)
    assert "Prepare this session" in page.text
    response = maya.post(f"{url}/prepare", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("#drafts")
    with web.services.sessions() as db:
        drafts = db.scalars(select(Draft).where(Draft.relationship_id == web.first)).all()
        return {d.kind: d.id for d in drafts}


def draft_row(web: World, draft_id: int) -> Draft:
    with web.services.sessions() as db:
        draft = db.get(Draft, draft_id)
        db.expunge(draft)
        return draft


def agenda_form(draft: Draft, **changes: str) -> dict[str, str]:
    """The edit form as the page prefills it, with `changes`."""
    content = draft.content
    values = {
        "edited": "1",
        "version": str(draft.version),
        "objectives": "\n".join(content["objectives"]),
        "items": "\n".join(
            f"{i['minutes']} | {i['topic']}" + (f" | {i['notes']}" if i["notes"] else "")
            for i in content["items"]
        ),
        "questions": "\n".join(content["questions"]),
        "prep_mentor": "\n".join(content["preparation"]["mentor"]),
        "prep_mentee": "\n".join(content["preparation"]["mentee"]),
    }
    return {**values, **changes}


@pytest.fixture
def prepared(web: World, browser_for) -> tuple[World, Browser, int, dict[str, int]]:
    maya = browser_for("maya")
    session_id = book_first_session(maya, web)
    return web, maya, session_id, prepare(maya, web, session_id)


class TestPrepareReviewApprove:
    def test_the_mentee_sees_the_edited_agenda_and_never_the_original(
        self, prepared, browser_for
    ) -> None:
        web, maya, session_id, drafts = prepared
        session_page = maya.get(f"/relationships/{web.first}/sessions/{session_id}")
        for draft_id in drafts.values():
            assert f'href="/review/{draft_id}"' in session_page.text
        draft = draft_row(web, drafts["agenda"])
        original = draft.content["objectives"][0]
        eli = browser_for("eli")
        assert shown(original) not in eli.get(f"/relationships/{web.first}").text
        assert eli.get(f"/review/{draft.id}").status_code == 404

        review = maya.get(f"/review/{draft.id}")
        assert review.status_code == 200
        assert f'name="version" value="{draft.version}"' in review.text
        assert "Save and approve" in review.text and shown(original) in review.text
        edited = "Rehearse the guild talk <start to end> & time it"
        approved = maya.post(
            f"/review/{draft.id}",
            agenda_form(draft, objectives=edited, action="approve"),
        )
        assert approved.status_code == 200 and "Approved and delivered" in approved.text

        for url in (
            f"/relationships/{web.first}",
            f"/relationships/{web.first}/sessions/{session_id}",
            "/inbox",
        ):
            page = eli.get(url)
            assert page.status_code == 200
            assert shown(edited) in page.text, url
            assert shown(original) not in page.text, url
        assert eli.get(f"/review/{draft.id}").status_code == 404

        after = maya.get(f"/review/{draft.id}")
        assert "Drafted (the original)" in after.text and 'class="side-by-side"' in after.text
        assert re.search(r'<span class="diff-add">\+- ' + re.escape(shown(edited)), after.text)
        assert re.search(r'<span class="diff-del">-- ' + re.escape(shown(original)), after.text)
        assert "nothing to decide" not in after.text and "Withdraw" in after.text

    def test_the_review_page_shows_the_provenance_and_edits_the_brief_by_its_fields(
        self, web: World, prepared
    ) -> None:
        _, maya, _, drafts = prepared
        page = maya.get(f"/review/{drafts['brief']}")
        assert "Where it comes from" in page.text and "offline" in page.text
        assert re.search(r"brief@\w+", page.text)
        assert "content_json" not in page.text and "&#34;last_time&#34;" not in page.text
        for field in ("focus", "last_time", "open_actions", "goal_progress", "guidance"):
            assert f'name="{field}"' in page.text, field
        before = draft_row(web, drafts["brief"])
        kept = [g["document_id"] for g in before.content["guidance"]]

        form = {
            "edited": "1",
            "version": str(before.version),
            "action": "edit",
            "focus": "Leading the design review of the retry job.",
            "last_time": "We agreed the outline of the talk.",
            "open_actions": "Send the outline to Maya\n\nBook the room",
            "goal_progress": "",
            "guidance": "\n".join(f"Snippet {n} in my words" for n in range(len(kept))),
        }
        saved = maya.post(f"/review/{before.id}", form)

        assert saved.status_code == 200, saved.text
        after = draft_row(web, before.id)
        assert after.content["open_actions"] == ["Send the outline to Maya", "Book the room"]
        assert after.content["last_time"] == "We agreed the outline of the talk."
        # Each quoted passage keeps the guide it came from; citations are untouched.
        assert [g["document_id"] for g in after.content["guidance"]] == kept
        assert after.content["citations"] == before.content["citations"]

        too_long = maya.post(
            f"/review/{before.id}",
            {**form, "version": str(after.version), "open_actions": "x\n" * 11},
        )
        assert too_long.status_code == 422
        assert 'id="e-open_actions"' in too_long.text
        assert "content_json" not in too_long.text

    def test_an_approval_waiting_for_four_eyes_shows_a_human_date(
        self, web: World, prepared
    ) -> None:
        from companion.programs.models import Program

        _, maya, _, drafts = prepared
        with web.services.sessions() as db:
            db.get(Program, web.pilot).four_eyes = True
            db.commit()
        brief = draft_row(web, drafts["brief"])
        maya.post(f"/review/{brief.id}", {"action": "approve", "version": str(brief.version)})

        page = maya.get(f"/review/{brief.id}").text

        [row] = re.findall(r'<th scope="row">Approved</th><td>([^\n]*)</td>', page)
        assert row.startswith("by maya@example.org, <time datetime=")
        assert re.search(r">\w{3} \d{2} \w{3} \d{4}, \d{2}:\d{2} UTC</time>", row)
        assert not re.search(r">[^<]*\d{2}:\d{2}:\d{2}\.\d+", row)  # no raw ISO moment

    def test_the_queue_lists_the_drafts_with_their_sources_and_filters_by_kind(
        self, prepared
    ) -> None:
        _, maya, _, drafts = prepared
        queue = maya.get("/review")
        assert queue.status_code == 200
        for draft_id in drafts.values():
            assert f'href="/review/{draft_id}"' in queue.text
        assert "Sources cited" in queue.text and "maya@example.org" in queue.text
        agendas = maya.get("/review?kind=agenda")
        # Each draft opens with the queue's filters, to come back to them after a decision.
        assert f'href="/review/{drafts["agenda"]}?kind=agenda"' in agendas.text
        assert f'href="/review/{drafts["brief"]}' not in agendas.text
        bogus = maya.get("/review?kind=poem")
        assert bogus.status_code == 422 and "Choose one of the kinds" in bogus.text
        # Mentors do not bulk-approve.
        assert "/review/bulk-approve" not in queue.text


class TestDecisions:
    def test_a_stale_version_is_refused_with_the_current_state(self, prepared) -> None:
        web, maya, _, drafts = prepared
        draft = draft_row(web, drafts["agenda"])
        saved = maya.post(
            f"/review/{draft.id}",
            agenda_form(draft, objectives="A newer objective", action="edit"),
        )
        assert saved.status_code == 200 and "Your edit is saved" in saved.text
        stale = maya.post(f"/review/{draft.id}", {"action": "approve", "version": "1"})
        assert stale.status_code == 409
        assert "has changed since version 1" in stale.text and "as it is" in stale.text
        assert f"version {draft_row(web, draft.id).version}" in stale.text
        assert draft_row(web, draft.id).status == "pending_review"

    def test_an_edit_that_does_not_fit_is_shown_next_to_its_field(self, prepared) -> None:
        web, maya, _, drafts = prepared
        draft = draft_row(web, drafts["agenda"])
        garbled = maya.post(
            f"/review/{draft.id}", agenda_form(draft, items="ten | Check in", action="edit")
        )
        assert garbled.status_code == 422 and 'id="e-items"' in garbled.text
        assert "minutes | topic" in garbled.text and "ten | Check in" in garbled.text
        short = maya.post(
            f"/review/{draft.id}",
            agenda_form(draft, items="5 | Check in\n5 | Wrap up", action="approve"),
        )
        assert short.status_code == 422 and 'id="e-items"' in short.text
        assert "45 minutes" in short.text
        assert draft_row(web, draft.id).version == draft.version

    def test_reject_and_request_changes(self, prepared) -> None:
        web, maya, _, drafts = prepared
        brief = draft_row(web, drafts["brief"])
        no_note = maya.post(
            f"/review/{brief.id}", {"action": "request_changes", "version": brief.version}
        )
        assert no_note.status_code == 422 and 'id="e-note"' in no_note.text
        changes = maya.post(
            f"/review/{brief.id}",
            {"action": "request_changes", "version": brief.version, "note": "Shorter, please"},
        )
        # Back on the queue, which the brief has left; its page says what happened.
        assert (
            "Changes requested" in changes.text and "Drafts waiting for your review" in changes.text
        )
        page = maya.get(f"/review/{brief.id}")
        assert "Shorter, please" in page.text
        assert "Draft it again" in page.text and "Save and approve" not in page.text

        agenda = draft_row(web, drafts["agenda"])
        rejected = maya.post(
            f"/review/{agenda.id}", {"action": "reject", "version": agenda.version}
        )
        assert rejected.status_code == 200 and "Rejected" in rejected.text
        assert "nothing to decide" in maya.get(f"/review/{agenda.id}").text
        final = draft_row(web, agenda.id)
        assert final.status == "rejected"
        late = maya.post(f"/review/{agenda.id}", {"action": "approve", "version": final.version})
        assert late.status_code == 409 and "cannot take &#39;approve&#39;" in late.text

    def test_non_reviewers_are_told_the_draft_does_not_exist(self, prepared, browser_for) -> None:
        web, _, _, drafts = prepared
        for who in OUTSIDERS:
            other = browser_for(who)
            for draft_id in drafts.values():
                assert other.get(f"/review/{draft_id}").status_code == 404, who
                response = other.post(f"/review/{draft_id}", {"action": "approve", "version": "1"})
                assert response.status_code == 404, who
            queue = other.get("/review")
            assert queue.status_code == 200 and "Nothing waits for your review" in queue.text
        assert draft_row(web, drafts["agenda"]).status == "pending_review"


class TestBulkApprove:
    def test_a_coordinator_approves_several_at_once_and_hears_of_stale_ones(
        self, prepared, browser_for
    ) -> None:
        web, maya, _, drafts = prepared
        lead = browser_for("lead")
        queue = lead.get("/review")
        assert "/review/bulk-approve" in queue.text
        picks = re.findall(r'name="draft" value="(\d+:\d+)"', queue.text)
        assert sorted(int(p.split(":")[0]) for p in picks) == sorted(drafts.values())
        # Maya edits the brief meanwhile: the lead's tick names an old version.
        brief = draft_row(web, drafts["brief"])
        maya.post(
            f"/review/{brief.id}",
            {
                "edited": "1",
                "action": "edit",
                "version": brief.version,
                "last_time": "We met.",
            },
        )
        lead.get("/review")
        done = lead.post("/review/bulk-approve", {"draft": picks})
        assert done.status_code == 200
        assert "Approved 1 draft." in done.text
        assert f"Draft {brief.id} was not approved" in done.text
        assert draft_row(web, drafts["agenda"]).status == "delivered"
        assert draft_row(web, brief.id).status == "pending_review"
        nothing = lead.post("/review/bulk-approve", {})
        assert "Tick at least one draft" in nothing.text

    def test_only_coordinators_bulk_approve(self, prepared) -> None:
        _, maya, _, drafts = prepared
        response = maya.post("/review/bulk-approve", {"draft": f"{drafts['agenda']}:1"})
        assert response.status_code == 403


def test_the_queue_and_inbox_render_for_everyone(web: World, browser_for) -> None:
    for who in ["maya", "eli", "nora", "omar", "pia", "lead", "org"]:
        browser = browser_for(who)
        queue = browser.get("/review")
        assert queue.status_code == 200 and "Nothing waits for your review" in queue.text, who
        inbox = browser.get("/inbox")
        assert inbox.status_code == 200 and "Nothing has been delivered to you" in inbox.text, who
        assert browser.get("/inbox?kind=poem").status_code == 422, who
