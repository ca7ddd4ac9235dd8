"""Every decision on a matching run's page returns the coordinator to the proposal decided on."""

from __future__ import annotations

import re

from tests.relationships.conftest import World
from tests.web.test_matching_pages import add_mentor, start_run


def lands_on(browser, location: str) -> str:
    """The anchor a redirect names, checked to exist on the page it opens."""
    page, _, anchor = location.partition("#")
    assert anchor, f"{location} returns to the top of the page"
    assert f'id="{anchor}"' in browser.get(page).text, location
    return anchor


def test_each_decision_returns_to_its_proposal(web: World, browser_for) -> None:
    add_mentor(web)
    lead = browser_for("lead")
    run_url = start_run(lead, web)
    first, second = re.findall(r"/proposals/(\d+)/approve", lead.get(run_url).text)

    swapped = lead.post(
        f"{run_url}/swap",
        {"first": first, "second": second, "accept_lower": "yes"},
        follow_redirects=False,
    )
    assert lands_on(lead, swapped.headers["location"]) == f"proposal-{first}"

    rejected = lead.post(f"{run_url}/proposals/{first}/reject", follow_redirects=False)
    assert lands_on(lead, rejected.headers["location"]) == f"proposal-{first}"

    [pair_url] = re.findall(r'href="(/coordinator/runs/\d+/pair/E\d)"', lead.get(run_url).text)
    mentor = re.findall(r'name="mentor_id" value="(M\d)"', lead.get(pair_url).text)[0]
    paired = lead.post(
        pair_url,
        {"mentor_id": mentor, "note": "They asked for each other."},
        follow_redirects=False,
    )
    paired_anchor = lands_on(lead, paired.headers["location"])
    assert paired_anchor.startswith("proposal-") and paired_anchor != f"proposal-{first}"

    approved = lead.post(f"{run_url}/proposals/{second}/approve", follow_redirects=False)
    assert lands_on(lead, approved.headers["location"]) == f"proposal-{second}"
    # A decision refused (approving twice) also returns to the proposal, saying why.
    again = lead.post(f"{run_url}/proposals/{second}/approve", follow_redirects=False)
    assert lands_on(lead, again.headers["location"]) == f"proposal-{second}"

    everything = lead.post(f"{run_url}/approve-all", follow_redirects=False)
    assert lands_on(lead, everything.headers["location"]) == "proposals"


def test_nobody_else_decides_from_the_page(web: World, browser_for) -> None:
    add_mentor(web)
    run_url = start_run(browser_for("lead"), web)
    [proposal, _] = re.findall(r"/proposals/(\d+)/approve", browser_for("lead").get(run_url).text)
    for who in ("maya", "eli", "elsewhere"):
        browser = browser_for(who)
        response = browser.post(f"{run_url}/proposals/{proposal}/approve", follow_redirects=False)
        assert response.status_code == 404, who
        assert browser.get(run_url).status_code == 404, who
    page = browser_for("lead").get(run_url).text
    assert re.search(rf"/proposals/{proposal}/approve", page)  # still waiting
