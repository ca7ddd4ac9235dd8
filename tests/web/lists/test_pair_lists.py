"""Proposals and relationships at a few thousand rows: search, filters, sort and pages, in
the browser and the API with the same parameters, and only the rows the reader may read."""

from __future__ import annotations

import html
import re

import pytest

from companion.matching import service as matching
from companion.participants import service as participants
from companion.programs import service as programs
from companion.relationships import service as relationships
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World, to_csv

OTHER_PEOPLE = [
    ("X1", "Xavier Secret", "xavier@example.org", "mentor", "UTC", "Mon 09:00-17:00", "3", ""),
    ("Y1", "Yara Hidden", "yara@example.org", "mentee", "UTC", "Mon 09:00-17:00", "0", ""),
    ("Y2", "Yusuf Hidden", "yusuf@example.org", "mentee", "UTC", "Mon 09:00-17:00", "0", ""),
]
MORE_MENTORS = [
    ("M3", "Ada Quill", "ada@example.org", "mentor", "UTC", "Wed 07:00-10:00", "2", "Support."),
    ("M4", "Ben Stone", "ben@example.org", "mentor", "UTC", "Fri 10:00-13:00", "2", "Data."),
]


@pytest.fixture
def two_programs(web: World, services) -> dict[str, int]:
    """A run in each program; the other program has a pair of its own."""
    with web.services.sessions() as session:
        for program_id, rows in ((web.pilot, MORE_MENTORS), (web.other, OTHER_PEOPLE)):
            participants.import_participants(
                session=session,
                program_id=program_id,
                data=to_csv(rows),
                filename="more.csv",
                principal=TEST_SYSTEM,
            )
        other = programs.get(session=session, program_id=web.other)
        people = {
            p.external_id: p
            for p in participants.all_participants(session=session, program_id=web.other)
        }
        hidden_pair = relationships.create_pair(
            session=session, program=other, mentor_id=people["X1"].id, mentee_id=people["Y2"].id
        )
        runs = {}
        for name, program_id in (("pilot", web.pilot), ("other", web.other)):
            runs[name] = matching.run(
                session=session,
                vectors=services.profile_vectors,
                program_id=program_id,
                principal=TEST_SYSTEM,
            ).id
        session.commit()
    return {"pilot_run": runs["pilot"], "other_run": runs["other"], "hidden": hidden_pair.id}


def proposal_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="card" id="proposal-(\d+)"', page)]


class TestWhoSeesProposals:
    def test_a_coordinator_of_another_program_finds_nothing(
        self, web: World, two_programs, browser_for
    ) -> None:
        run_url = f"/coordinator/runs/{two_programs['other_run']}"
        lead = browser_for("lead")
        for params in ({}, {"q": "Yara"}, {"status": "proposed"}, {"sort": "mentee"}):
            page = lead.get(run_url, params=params)
            assert page.status_code == 404, params
            assert "Yara" not in page.text and "Xavier" not in page.text
        api = web.client.get(
            f"/api/v1/matching/runs/{two_programs['other_run']}/proposals",
            params={"q": "Yara"},
            headers=web.headers("lead"),
        )
        assert api.status_code == 404 and "Yara" not in api.text

    def test_members_cannot_list_proposals(self, web: World, two_programs, browser_for) -> None:
        url = f"/api/v1/matching/runs/{two_programs['pilot_run']}/proposals"
        for who in ("maya", "eli", "elsewhere"):
            answer = web.client.get(url, headers=web.headers(who))
            assert answer.status_code == 404, who
            assert "Pia" not in answer.text

    def test_search_in_ones_own_run_never_reaches_the_other_program(
        self, web: World, two_programs
    ) -> None:
        url = f"/api/v1/matching/runs/{two_programs['pilot_run']}/proposals"
        found = web.client.get(url, params={"q": "hidden"}, headers=web.headers("lead"))
        assert found.status_code == 200
        assert found.json()["total"] == 0 and found.json()["items"] == []


class TestProposalList:
    def test_search_filter_sort_and_pages_in_the_api(self, web: World, two_programs) -> None:
        url = f"/api/v1/matching/runs/{two_programs['pilot_run']}/proposals"
        everything = web.client.get(url, headers=web.headers("lead")).json()
        assert everything["total"] >= 2
        names = {(p["mentor"], p["mentee"]) for p in everything["items"]}
        assert all(mentee in ("Pia Lind", "Quinn Roy") for _, mentee in names)
        scores = [p["score"] for p in everything["items"]]
        assert scores == sorted(scores, reverse=True)  # best first by default

        pia = web.client.get(url, params={"q": "pia"}, headers=web.headers("lead")).json()
        assert [p["mentee"] for p in pia["items"]] == ["Pia Lind"] and pia["total"] == 1
        by_mentee = web.client.get(url, params={"sort": "mentee"}, headers=web.headers("lead"))
        mentees = [p["mentee"] for p in by_mentee.json()["items"]]
        assert mentees == sorted(mentees)
        one = web.client.get(url, params={"limit": 1, "offset": 1}, headers=web.headers("lead"))
        assert one.json()["total"] == everything["total"] and len(one.json()["items"]) == 1

        first = everything["items"][0]["proposal_id"]
        decided = web.client.post(
            f"/api/v1/matching/proposals/{first}:reject", headers=web.headers("lead")
        )
        assert decided.status_code == 200
        rejected = web.client.get(url, params={"status": "rejected"}, headers=web.headers("lead"))
        assert [p["proposal_id"] for p in rejected.json()["items"]] == [first]

    def test_bad_parameters_name_the_field(self, web: World, two_programs) -> None:
        url = f"/api/v1/matching/runs/{two_programs['pilot_run']}/proposals"
        for params, field in (({"sort": "salary"}, "sort"), ({"status": "maybe"}, "status")):
            answer = web.client.get(url, params=params, headers=web.headers("lead"))
            assert answer.status_code == 422, params
            assert field in answer.text

    def test_the_run_page_filters_pages_and_keeps_the_place_after_a_decision(
        self, web: World, two_programs, browser_for
    ) -> None:
        lead = browser_for("lead")
        run_url = f"/coordinator/runs/{two_programs['pilot_run']}"
        page = lead.get(run_url, params={"limit": 1})
        assert page.status_code == 200
        shown = proposal_ids(page.text)
        assert len(shown) == 1
        next_link = html.unescape(re.search(r'href="([^"]+)" rel="next"', page.text).group(1))
        assert "limit=1" in next_link and "offset=1" in next_link

        quinn = lead.get(run_url, params={"q": "quinn"})
        [quinn_id] = proposal_ids(quinn.text)
        assert "Pia Lind" not in quinn.text.split('id="proposals"')[1].split('id="unmatched"')[0]
        assert 'value="quinn"' in quinn.text

        back = re.search(r'name="back" value="([^"]*)"', quinn.text).group(1)
        decided = lead.post(
            f"{run_url}/proposals/{quinn_id}/reject",
            {"back": html.unescape(back)},
            follow_redirects=False,
        )
        assert decided.status_code == 303
        assert decided.headers["location"] == f"{run_url}?q=quinn#proposal-{quinn_id}"

        rejected = lead.get(run_url, params={"status": "rejected"})
        assert proposal_ids(rejected.text) == [quinn_id]
        bad = lead.get(run_url, params={"sort": "salary"})
        assert bad.status_code == 422 and 'id="e-f-sort"' in bad.text

    def test_a_back_link_cannot_leave_the_run(self, web: World, two_programs, browser_for) -> None:
        lead = browser_for("lead")
        run_url = f"/coordinator/runs/{two_programs['pilot_run']}"
        proposal = proposal_ids(lead.get(run_url).text)[0]
        decided = lead.post(
            f"{run_url}/proposals/{proposal}/reject",
            {"back": "https://evil.example/?q=x&status=proposed&steal=1"},
            follow_redirects=False,
        )
        assert decided.headers["location"] == f"{run_url}?q=x&status=proposed#proposal-{proposal}"


class TestWhoSeesRelationships:
    def test_a_coordinator_of_another_program_finds_nothing(
        self, web: World, two_programs, browser_for
    ) -> None:
        url = f"/coordinator/programs/{web.other}/relationships"
        for params in ({}, {"q": "Yusuf"}, {"status": "active"}, {"kind": "pair"}):
            page = browser_for("lead").get(url, params=params)
            assert page.status_code == 404, params
            assert "Yusuf" not in page.text
        api = web.client.get(
            f"/api/v1/programs/{web.other}/relationships",
            params={"q": "Yusuf"},
            headers=web.headers("lead"),
        )
        assert api.status_code == 404 and "Yusuf" not in api.text

    def test_search_counts_only_ones_own_program(self, web: World, two_programs) -> None:
        found = web.client.get(
            f"/api/v1/programs/{web.pilot}/relationships",
            params={"q": "hidden"},
            headers=web.headers("lead"),
        )
        assert found.status_code == 200 and found.json()["total"] == 0

    def test_a_member_searching_finds_only_their_own_pair(
        self, web: World, two_programs, browser_for
    ) -> None:
        url = f"/api/v1/programs/{web.pilot}/relationships"
        answer = web.client.get(url, params={"q": "o"}, headers=web.headers("maya"))
        assert answer.status_code == 200
        assert [r["id"] for r in answer.json()["items"]] == [web.first]
        assert answer.json()["total"] == 1
        page = browser_for("maya").get(
            f"/coordinator/programs/{web.pilot}/relationships", params={"q": "omar"}
        )
        assert page.status_code == 403 and "Omar" not in page.text
        anonymous = web.client.get(
            f"/coordinator/programs/{web.pilot}/relationships", follow_redirects=False
        )
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]


class TestRelationshipList:
    def test_search_filters_sort_and_pages(self, web: World, two_programs, browser_for) -> None:
        url = f"/api/v1/programs/{web.pilot}/relationships"
        lead = web.headers("lead")
        everything = web.client.get(url, headers=lead).json()
        assert everything["total"] == 2
        omar = web.client.get(url, params={"q": "OMAR"}, headers=lead).json()
        assert [r["id"] for r in omar["items"]] == [web.second]
        newest = web.client.get(url, params={"sort": "newest"}, headers=lead).json()
        assert [r["id"] for r in newest["items"]] == [web.second, web.first]
        by_mentor = web.client.get(url, params={"sort": "mentor"}, headers=lead).json()
        assert [r["id"] for r in by_mentor["items"]] == [web.first, web.second]  # Maya, Nora
        assert web.client.get(url, params={"kind": "circle"}, headers=lead).json()["total"] == 0
        assert web.client.get(url, params={"age": "new"}, headers=lead).json()["total"] == 2
        assert web.client.get(url, params={"age": "long"}, headers=lead).json()["total"] == 0
        bad = web.client.get(url, params={"age": "ancient"}, headers=lead)
        assert bad.status_code == 422 and "age" in bad.text

        browser = browser_for("lead")
        page = browser.get(f"/coordinator/programs/{web.pilot}/relationships", params={"q": "eli"})
        assert page.status_code == 200
        rows = re.findall(r'<tr id="relationship-(\d+)"', page.text)
        assert rows == [str(web.first)]
        assert 'value="eli"' in page.text and f'href="/relationships/{web.first}"' in page.text
        paged = browser.get(f"/coordinator/programs/{web.pilot}/relationships", params={"limit": 1})
        next_link = html.unescape(re.search(r'href="([^"]+)" rel="next"', paged.text).group(1))
        assert "offset=1" in next_link
        assert re.findall(r'<tr id="relationship-(\d+)"', browser.get(next_link).text) == [
            str(web.second)
        ]
