"""A mentor edits a drafted brief by its fields: no JSON, sources kept, readable on a phone."""

from __future__ import annotations

import re

from tests.e2e.conftest import agreed_session, first_pair, screenshot


def test_the_mentor_edits_a_brief_by_its_fields(site, sign_in) -> None:
    server, services = site
    relationship_id = first_pair(services)
    url = f"{server.url}/relationships/{relationship_id}"
    maya = sign_in("maya@example.org")
    # Maya proposes the first free time and Eli accepts it; then the session is theirs.
    agreed_session(maya, sign_in, url)
    maya.get_by_role("button", name="Prepare this session").click()
    maya.get_by_role("heading", name="Drafts waiting for your review").wait_for()
    maya.get_by_role("link", name=re.compile(r"Review the .*brief", re.I)).first.click()
    maya.get_by_role("heading", name="Edit the draft").wait_for()

    assert "content_json" not in maya.content()
    maya.get_by_label("Open actions").fill("Send Eli the review checklist\nBook the room")
    screenshot(maya, "review-brief-editor")
    maya.get_by_role("button", name="Save edit").click()
    maya.get_by_text("Your edit is saved").wait_for()
    assert maya.get_by_label("Open actions").input_value() == (
        "Send Eli the review checklist\nBook the room"
    )

    on_phone = sign_in("maya@example.org", width=390)
    on_phone.goto(maya.url)
    on_phone.get_by_role("heading", name="Edit the draft").wait_for()
    screenshot(on_phone, "review-brief-editor-phone")
