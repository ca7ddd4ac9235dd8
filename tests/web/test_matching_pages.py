"""The next steps of a matching run in the browser: pairing by hand, re-balancing, superseding."""

from __future__ import annotations

import re

from companion.participants import service as participants
from companion.programs import service as programs
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World, to_csv
from tests.web.jobs.helpers import finished_job
from tests.web.test_coordinator_pages import MENTOR_3


def add_mentor(web: World) -> None:
    with web.services.sessions() as session:
        pilot = programs.get(session=session, program_id=web.pilot)
        participants.import_participants(
            session=session,
            program_id=pilot.id,
            data=to_csv([MENTOR_3]),
            filename="more.csv",
            principal=TEST_SYSTEM,
        )
        session.commit()


def start_run(browser, web: World) -> str:
    browser.get(f"/coordinator/programs/{web.pilot}/matching")
    started = browser.post(f"/coordinator/programs/{web.pilot}/matching", follow_redirects=False)
    assert started.status_code == 303
    return finished_job(browser, web.services, started.headers["location"])[1]


class TestNextSteps:
    def test_a_rejected_mentee_is_paired_by_hand_and_runs_supersede(
        self, web: World, browser_for
    ) -> None:
        add_mentor(web)
        browser = browser_for("lead")
        run_url = start_run(browser, web)
        page = browser.get(run_url).text
        proposals = re.findall(r"/proposals/(\d+)/approve", page)
        assert len(proposals) == 2, page
        browser.post(f"{run_url}/proposals/{proposals[0]}/reject")
        page = browser.get(run_url).text
        [pair_url] = re.findall(r'href="(/coordinator/runs/\d+/pair/E\d)"', page)

        options = browser.get(pair_url)
        assert options.status_code == 200
        assert "best score first" in options.text
        choices = re.findall(r'name="mentor_id" value="(M\d)"', options.text)
        assert choices
        no_note = browser.post(pair_url, {"mentor_id": choices[0], "note": ""})
        assert no_note.status_code == 422 and "Say why you chose this mentor" in no_note.text
        paired = browser.post(
            pair_url,
            {"mentor_id": choices[0], "note": "They met at onboarding."},
            follow_redirects=False,
        )
        assert paired.status_code == 303
        page = browser.get(run_url).text
        assert "Paired by hand by lead@example.org" in page
        assert "They met at onboarding." in page

        rebalance = browser.get(f"{run_url}/rebalance")
        assert rebalance.status_code == 200 and "nothing to re-balance" in rebalance.text

        approved = browser.post(f"{run_url}/approve-all", follow_redirects=True)
        assert "Approved 1 proposal(s)" in approved.text

    def test_a_newer_run_marks_the_older_as_superseded(self, web: World, browser_for) -> None:
        add_mentor(web)
        browser = browser_for("lead")
        first = start_run(browser, web)
        second = start_run(browser, web)
        page = browser.get(first).text
        assert "Superseded by" in page and f'href="{second}"' in page
        assert "/approve" not in page.split("Proposed pairs")[1].split("Unmatched")[0]


class TestWhoElse:
    def test_nobody_else_may_see_or_act_on_the_next_steps(self, web: World, browser_for) -> None:
        add_mentor(web)
        lead = browser_for("lead")
        run_url = start_run(lead, web)
        page = lead.get(run_url).text
        proposals = re.findall(r"/proposals/(\d+)/approve", page)
        lead.post(f"{run_url}/proposals/{proposals[0]}/reject")
        [pair_url] = re.findall(r'href="(/coordinator/runs/\d+/pair/E\d)"', lead.get(run_url).text)
        for who in ("elsewhere", "maya", "eli"):
            browser = browser_for(who)
            browser.get("/")
            answers = [
                browser.get(pair_url),
                browser.post(pair_url, {"mentor_id": "M3", "note": "me"}),
                browser.get(f"{run_url}/rebalance"),
                browser.post(f"{run_url}/rebalance"),
                browser.post(f"{run_url}/approve-all"),
            ]
            assert [a.status_code for a in answers] == [404] * 5, who
        assert "Paired by hand" not in lead.get(run_url).text
