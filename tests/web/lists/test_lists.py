"""Lists that work at a few thousand rows: search, filter, sort and pages keep together;
the review queue names the pair and previews the text for those who decide on it."""

from __future__ import annotations

import html
import re

from companion.participants import service as participants
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World, to_csv
from tests.web.test_review_pages import book_first_session, prepare

PEOPLE_URL = "/coordinator/programs/{program}/participants"


def names_listed(page: str) -> list[str]:
    table = page.split('id="list-title"')[1]
    # A row: the tick box to invite them (when email is configured), then the name.
    return re.findall(
        r'<tr id="participant-\d+">\s*(?:<td>(?:<input[^>]*>)?</td>\s*)?<td>([^<]+)', table
    )


def add_people(world: World, rows: list[tuple[str, ...]]) -> None:
    with world.services.sessions() as session:
        participants.import_participants(
            session=session,
            program_id=world.pilot,
            data=to_csv(rows),
            filename="more.csv",
            principal=TEST_SYSTEM,
        )
        session.commit()


def newcomer(i: int, name: str) -> tuple[str, ...]:
    return (f"N{i:03d}", name, f"n{i}@example.org", "mentee", "UTC", "", "0", "")


class TestParticipants:
    def test_new_people_are_on_top_and_search_sort_and_pages_keep_together(
        self, web: World, browser_for
    ) -> None:
        add_people(web, [newcomer(i, f"Person {i:03d}") for i in range(60)])
        add_people(web, [newcomer(900, "Zoe Newest")])
        lead = browser_for("lead")
        url = PEOPLE_URL.format(program=web.pilot)
        first = lead.get(url)
        assert first.status_code == 200
        assert names_listed(first.text)[0] == "Zoe Newest"  # not lost at the bottom
        assert "Added</th>" in first.text

        by_name = names_listed(lead.get(url, params={"sort": "name"}).text)
        assert by_name == sorted(by_name)

        found = lead.get(url, params={"q": "person 05", "sort": "name"})
        assert names_listed(found.text) == [f"Person {i:03d}" for i in range(50, 60)]
        assert 'value="person 05"' in found.text

        by_email = names_listed(lead.get(url, params={"q": "N900@EXAMPLE"}).text)
        assert by_email == ["Zoe Newest"]
        mentors = names_listed(lead.get(url, params={"role": "mentor", "sort": "name"}).text)
        assert mentors and "Zoe Newest" not in mentors

        paged = lead.get(url, params={"q": "person", "sort": "name", "limit": 25})
        next_link = html.unescape(re.search(r'href="([^"]+)" rel="next"', paged.text).group(1))
        assert "q=person" in next_link and "sort=name" in next_link
        second = names_listed(lead.get(next_link).text)
        assert second[0] == "Person 025" and len(second) == 25

        nobody = lead.get(url, params={"q": "no such person"})
        assert "Try fewer letters" in nobody.text

    def test_a_bad_sort_is_named_beside_its_field(self, web: World, browser_for) -> None:
        lead = browser_for("lead")
        page = lead.get(PEOPLE_URL.format(program=web.pilot), params={"sort": "salary"})
        assert page.status_code == 422 and 'id="e-f-sort"' in page.text

    def test_others_cannot_search_a_programs_people(self, web: World, browser_for) -> None:
        url = PEOPLE_URL.format(program=web.pilot)
        assert browser_for("maya").get(url, params={"q": "eli"}).status_code == 403
        elsewhere = browser_for("elsewhere").get(url, params={"q": "eli"})
        assert elsewhere.status_code == 404 and "Eli" not in elsewhere.text


class TestReviewQueue:
    def test_the_queue_names_the_pair_previews_the_text_and_searches(
        self, web: World, browser_for
    ) -> None:
        maya = browser_for("maya")
        drafts = prepare(maya, web, book_first_session(maya, web))
        queue = maya.get("/review")
        assert "relationship #" not in queue.text
        agenda = queue.text.split(f'id="draft-{drafts["agenda"]}"')[1].split("</li>")[0]
        assert "Session agenda for Maya Berg and Eli" in html.unescape(agenda)
        assert 'class="preview"' in agenda
        assert "Waiting</dt>" in agenda

        assert f'id="draft-{drafts["agenda"]}"' in maya.get("/review", params={"q": "eli"}).text
        none = maya.get("/review", params={"q": "no such words anywhere"})
        assert f'id="draft-{drafts["agenda"]}"' not in none.text and "matches" in none.text
        newest = maya.get("/review", params={"sort": "newest"}).text
        oldest = maya.get("/review").text
        order = [int(i) for i in re.findall(r'id="draft-(\d+)"', newest)]
        assert order == sorted(order, reverse=True)
        assert re.findall(r'id="draft-(\d+)"', oldest) == [str(i) for i in sorted(order)]
        bad = maya.get("/review", params={"sort": "loudest"})
        assert bad.status_code == 422 and 'id="e-sort"' in bad.text

    def test_nobody_else_finds_the_pair_or_the_text_through_the_queue(
        self, web: World, browser_for
    ) -> None:
        maya = browser_for("maya")
        drafts = prepare(maya, web, book_first_session(maya, web))
        for who in ("eli", "nora", "omar", "elsewhere"):
            page = browser_for(who).get("/review", params={"q": "Maya"})
            assert page.status_code == 200
            assert f'id="draft-{drafts["agenda"]}"' not in page.text, who
            assert "Maya Berg and" not in html.unescape(page.text), who
