"""The participants page: who has joined, who was invited when, and inviting from the list."""

from __future__ import annotations

import re

from tests.invitations.conftest import NOT_JOINED, mail_to, send_mail
from tests.relationships.conftest import World
from tests.review.test_outbox import MailRecorder


def states_on(page: str) -> dict[str, str]:
    """Email -> the state the page shows for it."""
    rows = re.findall(r'data-state="(\w+)".*?<td>([^<@\s]+@[^<]+)</td>', page, flags=re.DOTALL)
    return {email: state for state, email in rows}


def url(world: World, suffix: str = "") -> str:
    return f"/coordinator/programs/{world.pilot}/participants{suffix}"


class TestThePage:
    def test_it_shows_who_joined_and_filters_by_state(
        self,
        pilot: World,
        web: World,
        browser_for,
    ) -> None:
        lead = browser_for("lead")
        page = lead.get(url(pilot)).text
        shown = states_on(page)
        assert {shown[e] for e in NOT_JOINED} == {"not_invited"}
        assert shown["maya@example.org"] == "joined"
        assert "Not invited (4)" in page and "Joined (5)" in page
        # No box to tick beside someone who has joined.
        assert 'value="maya@example.org"' not in page
        assert 'value="quinn@example.org"' in page
        joined = lead.get(url(pilot, "?state=joined")).text
        assert set(states_on(joined).values()) == {"joined"}
        assert lead.get(url(pilot, "?state=nonsense")).status_code == 422

    def test_inviting_the_ticked_people_and_then_everyone_left(
        self,
        pilot: World,
        web: World,
        browser_for,
        mailbox: tuple[MailRecorder, int],
    ) -> None:
        recorder, _ = mailbox
        lead = browser_for("lead")
        lead.get(url(pilot))
        done = lead.client.post(
            f"/coordinator/programs/{pilot.pilot}/invitations/bulk",
            data={
                "csrf_token": lead.token,
                "scope": "selected",
                "email": ["quinn@example.org", "nia@example.org"],
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        page = lead.get(done.headers["location"]).text
        assert "Invitations: 2 invited." in page
        shown = states_on(page)
        assert shown["quinn@example.org"] == shown["nia@example.org"] == "invited"
        assert "link works until" in page and "/invite/" not in page
        rest = lead.post(
            f"/coordinator/programs/{pilot.pilot}/invitations/bulk",
            {"scope": "pending"},
            follow_redirects=True,
        ).text
        assert "2 invited" in rest and "2 already invited with a link that still works" in rest
        send_mail(pilot)
        assert all(len(mail_to(recorder, address)) == 1 for address in NOT_JOINED)

    def test_nothing_ticked_is_said_beside_the_list(
        self,
        pilot: World,
        web: World,
        browser_for,
    ) -> None:
        lead = browser_for("lead")
        lead.get(url(pilot))
        refused = lead.post(
            f"/coordinator/programs/{pilot.pilot}/invitations/bulk", {"scope": "selected"}
        )
        assert refused.status_code == 422 and 'id="e-invite"' in refused.text
        assert "Choose who to invite" in refused.text

    def test_others_can_neither_see_nor_invite(
        self,
        pilot: World,
        web: World,
        browser_for,
        mailbox: tuple[MailRecorder, int],
    ) -> None:
        recorder, _ = mailbox
        for who in ("elsewhere", "maya", "pia"):
            browser = browser_for(who)
            page = browser.get(url(pilot))
            assert page.status_code in (403, 404) and "quinn@example.org" not in page.text
            answer = browser.post(
                f"/coordinator/programs/{pilot.pilot}/invitations/bulk", {"scope": "pending"}
            )
            assert answer.status_code in (403, 404), who
        send_mail(pilot)
        assert recorder.messages == []
