"""Forms lose nothing: leaving with unsaved typing asks first, and a form sent back with
errors opens at its first wrong field with a summary at the top."""

from __future__ import annotations

from tests.e2e.conftest import agreed_session, first_pair

PRIVATE = "Maya seemed tired; ask about workload next time."


def test_saving_one_form_asks_before_dropping_typing_in_another(site, sign_in) -> None:
    server, services = site
    relationship_id = first_pair(services)
    url = f"{server.url}/relationships/{relationship_id}"
    maya = sign_in("maya@example.org")
    # Maya proposes the first free time and Eli accepts it; then the session is theirs.
    agreed_session(maya, sign_in, url)
    session_url = maya.url

    asked: list[str] = []

    def decline(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    maya.on("dialog", decline)
    maya.get_by_label("My private note").fill(PRIVATE)
    maya.get_by_role("button", name="Save shared notes").click()

    assert asked == ["beforeunload"]
    assert maya.url == session_url  # the browser stayed, with the typing in place
    assert maya.get_by_label("My private note").input_value() == PRIVATE

    # Saving the form that holds the typing asks nothing.
    maya.remove_listener("dialog", decline)
    maya.on("dialog", lambda dialog: asked.append(dialog.type) or dialog.accept())
    maya.get_by_role("button", name="Save my private note").click()
    maya.wait_for_load_state()
    assert asked == ["beforeunload"]
    assert maya.get_by_label("My private note").input_value() == PRIVATE


def test_a_form_sent_back_opens_at_its_first_wrong_field(site, sign_in) -> None:
    server, services = site
    relationship_id = first_pair(services)
    maya = sign_in("maya@example.org", width=390)
    url = f"{server.url}/relationships/{relationship_id}"
    # Maya proposes the first free time and Eli accepts it; then the session is theirs.
    agreed_session(maya, sign_in, url)

    maya.get_by_role("button", name="Add").click()  # an action item with no text
    maya.wait_for_load_state()

    summary = maya.locator("#error-summary")
    assert summary.is_visible() and "What is to be done" not in summary.inner_text()
    assert "Action text:" in summary.inner_text()
    focused = maya.evaluate("document.activeElement.id")
    assert focused == "f-action_text"
    in_view = maya.evaluate(
        "(() => { const r = document.activeElement.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; })()"
    )
    assert in_view  # the page opened at the field, not at its top
