"""Goal pages: a SMART goal drafted from an aspiration, reviewed, shared, checked, followed.

Each test walks one journey through the pages (the program's fixture is slow
to build: passwords are hashed), reading results back through the JSON API.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from companion.participants.models import Participant
from tests.relationships.conftest import World
from tests.web.conftest import Browser

ASPIRATION = "I want to get better at leading design reviews"
SMART = ("specific", "measurable", "achievable", "relevant", "time_bound")


def signed_in(browser_for, who: str) -> Browser:
    """A browser signed in as `who`, holding the CSRF token of their new session."""
    browser = browser_for(who)
    browser.get("/")
    return browser


def goals_url(world: World, suffix: str = "") -> str:
    return f"/relationships/{world.first}/goals{suffix}"


def api_goals(world: World, who: str = "eli") -> list[dict]:
    response = world.client.get(
        f"/api/v1/relationships/{world.first}/goals", headers=world.headers(who)
    )
    return response.json()["items"]


def api_draft(world: World, draft_id: int) -> dict:
    return world.client.get(f"/api/v1/drafts/{draft_id}", headers=world.headers("eli")).json()


def draft_id_of(url: str) -> int:
    found = re.search(r"/drafts/(\d+)$", url)
    assert found, url
    return int(found.group(1))


def request_goal_draft(world: World, eli: Browser) -> int:
    page = eli.post(goals_url(world, "/aspiration"), {"text": ASPIRATION})
    assert page.status_code == 200 and "Your drafted SMART goal" in page.text
    return draft_id_of(page.url.path)


def edited_form(draft: dict, **changes: str) -> dict[str, str]:
    """The draft's content as its edit form posts it, with `changes` applied."""
    content = draft["content"]
    form = {part: content[part] for part in ("goal", *SMART)}
    form["target_date"] = content["target_date"]
    form["milestones"] = "\n".join(f"{m['text']} | {m['due_date']}" for m in content["milestones"])
    form["version"] = str(draft["version"])
    return {**form, **changes}


def write_goal(world: World, eli: Browser, title: str, **fields: str) -> dict:
    page = eli.post(goals_url(world), {"title": title, "visibility": "private", **fields})
    assert page.status_code == 200 and "Your goal is saved" in page.text
    return next(g for g in api_goals(world) if g["title"] == title)


def error_of(html: str, field: str) -> str:
    """The error shown next to a field (its id is e-<field>), or ''."""
    found = re.search(rf'<p class="error" id="e-{field}" role="alert">([^<]*)</p>', html)
    return found.group(1) if found else ""


class TestAspirationToGoal:
    def test_eli_edits_and_approves_a_drafted_goal_that_maya_then_sees(
        self, web: World, browser_for
    ) -> None:
        eli = signed_in(browser_for, "eli")
        maya = signed_in(browser_for, "maya")
        lead = signed_in(browser_for, "lead")
        assert "You have no goals yet" in eli.get(goals_url(web)).text
        draft_id = request_goal_draft(web, eli)
        draft = api_draft(web, draft_id)
        assert draft["status"] == "pending_review"
        # Nobody but Eli sees the draft before he approves it.
        assert maya.get(goals_url(web, f"/drafts/{draft_id}")).status_code == 404
        assert lead.get(goals_url(web, f"/drafts/{draft_id}")).status_code == 404
        assert "has not shared a goal with you yet" in maya.get(goals_url(web)).text
        listed = eli.get(goals_url(web))
        assert "Drafts waiting for you" in listed.text and f"/drafts/{draft_id}" in listed.text

        target = date.fromisoformat(draft["content"]["target_date"]) + timedelta(days=10)
        sentence = "Lead two design reviews of our retry job with written feedback"
        done = eli.post(
            goals_url(web, f"/drafts/{draft_id}"),
            edited_form(
                draft,
                goal=sentence,
                target_date=target.isoformat(),
                action="approve",
                share="mentor",
            ),
        )
        assert done.status_code == 200 and done.url.path == goals_url(web)
        assert "shared with your mentor, Maya Berg" in done.text
        assert sentence in done.text and f"Target date: {target}" in done.text
        [goal] = api_goals(web)
        assert (goal["title"], goal["visibility"], goal["status"]) == (sentence, "mentor", "active")
        assert goal["target_date"] == target.isoformat()
        assert len(goal["milestones"]) == len(draft["content"]["milestones"])
        delivered = api_draft(web, draft_id)
        assert delivered["status"] == "delivered" and delivered["edited"] is True

        mentor_page = maya.get(goals_url(web)).text
        assert sentence in mentor_page and "Shared with the mentor" in mentor_page
        assert draft["content"]["measurable"].replace("'", "&#39;") in mentor_page
        assert "Record progress" not in mentor_page  # only the mentee changes it

        coordinator_page = lead.get(goals_url(web))
        assert coordinator_page.status_code == 200
        assert "Goal 1" in coordinator_page.text and "Active" in coordinator_page.text
        assert f'id="progress-{goal["id"]}" max="100" value="0"' in coordinator_page.text
        for text in (sentence, draft["content"]["measurable"][:40], ASPIRATION, "Milestones"):
            assert text not in coordinator_page.text

    def test_approving_a_goal_without_choosing_to_share_keeps_it_private(
        self, web: World, browser_for
    ) -> None:
        eli = signed_in(browser_for, "eli")
        maya = signed_in(browser_for, "maya")
        draft_id = request_goal_draft(web, eli)
        draft = api_draft(web, draft_id)
        form = eli.get(goals_url(web, f"/drafts/{draft_id}")).text
        assert "Once approved, who reads the goal?" in form
        assert 'name="share" value="" checked' in form  # private is the default

        done = eli.post(goals_url(web, f"/drafts/{draft_id}"), edited_form(draft, action="approve"))

        assert "private to you" in done.text
        [goal] = api_goals(web)
        assert goal["visibility"] == "private"
        assert "has not shared a goal with you yet" in maya.get(goals_url(web)).text
        assert draft["content"]["goal"][:40] not in maya.get(goals_url(web)).text

    def test_eli_asks_for_changes_drafts_again_discards_and_fixes_what_does_not_fit(
        self, web: World, browser_for
    ) -> None:
        eli = signed_in(browser_for, "eli")
        draft_id = request_goal_draft(web, eli)
        url = goals_url(web, f"/drafts/{draft_id}")
        draft = api_draft(web, draft_id)

        no_goal = eli.post(url, edited_form(draft, goal=" ", action="approve"))
        assert no_goal.status_code == 422 and error_of(no_goal.text, "goal")
        target = date.fromisoformat(draft["content"]["target_date"])
        early = (target - timedelta(days=400)).isoformat()
        too_early = eli.post(url, edited_form(draft, target_date=early, action="approve"))
        assert too_early.status_code == 422
        assert error_of(too_early.text, "milestones").startswith("milestones must be due by")
        assert f'value="{early}"' in too_early.text  # what Eli typed is kept
        bad_line = eli.post(url, edited_form(draft, milestones="One | 2026-13-01", action="edit"))
        assert error_of(bad_line.text, "milestones").startswith("Milestone 1: &#39;2026-13-01&#39;")
        assert api_draft(web, draft_id)["status"] == "pending_review" and api_goals(web) == []

        asked = eli.post(
            url, {"action": "request_changes", "version": draft["version"], "note": "Less formal"}
        )
        assert "Changes asked for" in asked.text and "Less formal" in asked.text
        assert "Draft it again" in asked.text and "Save and approve" not in asked.text
        again = eli.post(
            url, {"action": "regenerate", "version": api_draft(web, draft_id)["version"]}
        )
        assert "Drafted again" in again.text and "Save and approve" in again.text
        stale = eli.post(url, {"action": "reject", "version": draft["version"]})
        assert stale.status_code == 200 and "has changed since version" in stale.text
        gone = eli.post(url, {"action": "reject", "version": api_draft(web, draft_id)["version"]})
        assert "The draft is discarded" in gone.text and gone.url.path == goals_url(web)
        assert api_goals(web) == [] and "Drafts waiting for you" not in gone.text

        # Approved just as drafted: not recorded as a human edit.
        second = api_draft(web, request_goal_draft(web, eli))
        eli.post(
            goals_url(web, f"/drafts/{second['id']}"),
            edited_form(second, action="approve", share="mentor"),
        )
        delivered = api_draft(web, second["id"])
        assert delivered["status"] == "delivered" and delivered["edited"] is False
        assert [g["title"] for g in api_goals(web, "maya")] == [second["content"]["goal"]]


class TestWritingAGoal:
    def test_a_private_goal_reaches_maya_only_once_shared_and_errors_sit_by_their_field(
        self, web: World, browser_for
    ) -> None:
        eli, maya = signed_in(browser_for, "eli"), signed_in(browser_for, "maya")
        untitled = eli.post(
            goals_url(web), {"title": " ", "specific": "Two books", "visibility": "private"}
        )
        assert untitled.status_code == 422 and error_of(untitled.text, "title") == (
            "must not be empty"
        )
        assert 'aria-invalid="true" aria-describedby="e-title"' in untitled.text
        assert ">Two books</textarea>" in untitled.text
        bad_date = eli.post(
            goals_url(web),
            {
                "title": "A goal",
                "milestones": "One | 2099-01-01\nTwo | soon",
                "visibility": "private",
            },
        )
        assert error_of(bad_date.text, "milestones") == (
            "Milestone 2: &#39;soon&#39; is not a date; write it as YYYY-MM-DD."
        )
        empty_aspiration = eli.post(goals_url(web, "/aspiration"), {"text": ""})
        assert empty_aspiration.status_code == 422 and error_of(empty_aspiration.text, "text")
        assert api_goals(web) == []

        goal = write_goal(
            web,
            eli,
            "Read two books on facilitation",
            specific="One on workshops, one on difficult conversations",
            milestones="First book | 2099-01-01\nSecond book",
        )
        assert (goal["visibility"], goal["status"]) == ("private", "draft")
        assert [(m["text"], m["due_date"]) for m in goal["milestones"]] == [
            ("First book", "2099-01-01"),
            ("Second book", None),
        ]
        assert "Private" in eli.get(goals_url(web)).text
        assert "Read two books" not in maya.get(goals_url(web)).text

        shared = eli.post(goals_url(web, f"/{goal['id']}/visibility"), {"visibility": "mentor"})
        assert "Shared with your mentor, Maya Berg" in shared.text
        assert "Read two books" in maya.get(goals_url(web)).text
        eli.post(goals_url(web, f"/{goal['id']}/visibility"), {"visibility": "private"})
        assert "Read two books" not in maya.get(goals_url(web)).text

        form = eli.get(goals_url(web, f"/{goal['id']}/edit"))
        assert 'value="Read two books on facilitation"' in form.text
        changed = eli.post(
            goals_url(web, f"/{goal['id']}/edit"),
            {"title": "Read three books", "measurable": "Notes on each"},
        )
        assert "Your goal is updated" in changed.text and "Read three books" in changed.text
        assert maya.get(goals_url(web, f"/{goal['id']}/edit")).status_code == 404  # private
        eli.post(goals_url(web, f"/{goal['id']}/visibility"), {"visibility": "mentor"})
        assert maya.get(goals_url(web, f"/{goal['id']}/edit")).status_code == 403

    def test_progress_milestones_and_closing(self, web: World, browser_for) -> None:
        eli, maya = signed_in(browser_for, "eli"), signed_in(browser_for, "maya")
        goal = write_goal(web, eli, "Run a retrospective", milestones="Pick a format\nBook a room")
        eli.post(goals_url(web, f"/{goal['id']}/visibility"), {"visibility": "mentor"})
        check_ins = goals_url(web, f"/{goal['id']}/check-ins")

        too_much = eli.post(check_ins, {"progress": "120"})
        assert too_much.status_code == 422
        assert error_of(too_much.text, f"progress-{goal['id']}") == "0 to 100, not 120"
        assert f'id="f-progress-{goal["id"]}" name="progress" type="number" value="120"' in (
            too_much.text
        )
        not_a_number = eli.post(check_ins, {"progress": "lots"})
        assert error_of(not_a_number.text, f"progress-{goal['id']}") == (
            "Give a whole number from 0 to 100."
        )
        recorded = eli.post(check_ins, {"progress": "40", "note": "Format chosen"})
        assert "Progress recorded: 40%" in recorded.text
        bar = f'<progress id="progress-{goal["id"]}" max="100" value="40">'
        assert bar in recorded.text and api_goals(web)[0]["status"] == "active"
        mentor_page = maya.get(goals_url(web)).text
        assert bar in mentor_page and "Format chosen" in mentor_page

        first = goal["milestones"][0]["id"]
        ticked = eli.post(goals_url(web, f"/{goal['id']}/milestones/{first}"), {"done": "1"})
        assert "Milestone done" in ticked.text and "Mark as not done" in ticked.text
        assert [m["done"] for m in api_goals(web)[0]["milestones"]] == [True, False]
        eli.post(goals_url(web, f"/{goal['id']}/milestones/{first}"), {"done": "0"})
        assert [m["done"] for m in api_goals(web)[0]["milestones"]] == [False, False]
        added = eli.post(
            goals_url(web, f"/{goal['id']}/milestones"), {"text": "Send the invite", "due_date": ""}
        )
        assert "Milestone added" in added.text and "Send the invite" in added.text

        closed = eli.post(goals_url(web, f"/{goal['id']}/status"), {"status": "achieved"})
        assert "marked achieved" in closed.text and "How did it go?" in closed.text
        assessed = eli.post(
            goals_url(web, f"/{goal['id']}/assessment"),
            {"outcome": "partly_achieved", "assessment": "The room was too small"},
        )
        assert "Assessed:</strong> partly achieved" in assessed.text
        assert "How did it go?" not in assessed.text


class TestSmartCheck:
    def test_the_verdicts_show_with_the_goal_once_eli_keeps_them(
        self, web: World, browser_for
    ) -> None:
        eli, maya = signed_in(browser_for, "eli"), signed_in(browser_for, "maya")
        goal = write_goal(web, eli, "Be better at meetings")
        eli.post(goals_url(web, f"/{goal['id']}/visibility"), {"visibility": "mentor"})
        review = eli.post(goals_url(web, f"/{goal['id']}/check"))
        assert review.status_code == 200 and "A SMART check of your goal" in review.text
        assert "Be better at meetings" in review.text and "Suggested rewrite" in review.text
        for criterion in ("Specific", "Measurable", "Achievable", "Relevant", "Time-bound"):
            assert f'<th scope="row">{criterion}</th>' in review.text
        draft_id = draft_id_of(review.url.path)
        before = eli.get(goals_url(web)).text
        assert "SMART check of “Be better at meetings”" in before
        assert "<h4>SMART check</h4>" not in before
        assert maya.get(goals_url(web, f"/drafts/{draft_id}")).status_code == 404

        kept = eli.post(
            goals_url(web, f"/drafts/{draft_id}"),
            {"action": "approve", "version": api_draft(web, draft_id)["version"]},
        )
        assert "The check is kept with your goal" in kept.text
        assert "<h4>SMART check</h4>" in kept.text and "Suggested rewrite" in kept.text
        assert "Drafts waiting for you" not in kept.text
        # The check is delivered to Eli alone.
        assert "Suggested rewrite" not in maya.get(goals_url(web)).text


class TestWhoMaySee:
    def test_outsiders_get_404_and_a_form_without_the_csrf_token_is_refused(
        self, web: World, browser_for
    ) -> None:
        eli = signed_in(browser_for, "eli")
        draft_id = request_goal_draft(web, eli)
        goal = write_goal(web, eli, "Private to Eli")
        for who in ("nora", "omar", "pia"):
            outsider = signed_in(browser_for, who)
            assert outsider.get(goals_url(web)).status_code == 404
            assert outsider.get(goals_url(web, f"/drafts/{draft_id}")).status_code == 404
            assert outsider.get(goals_url(web, f"/{goal['id']}/edit")).status_code == 404
            posted = outsider.post(goals_url(web, f"/{goal['id']}/check-ins"), {"progress": "50"})
            assert posted.status_code == 404
            assert outsider.post(goals_url(web, "/aspiration"), {"text": "Mine"}).status_code == 404
        # Omar's own relationship is no window onto Eli's drafts either.
        own = f"/relationships/{web.second}/goals/drafts/{draft_id}"
        assert signed_in(browser_for, "omar").get(own).status_code == 404
        assert api_goals(web)[0]["progress"] == 0

        forged = eli.client.post(goals_url(web), data={"title": "Forged", "visibility": "mentor"})
        assert forged.status_code == 403 and "expired" in forged.text
        assert [g["title"] for g in api_goals(web)] == ["Private to Eli"]


class TestRecommendations:
    def test_self_match_speed_mentoring_or_neither_as_the_program_says(
        self, web: World, browser_for
    ) -> None:
        pia, eli = signed_in(browser_for, "pia"), signed_in(browser_for, "eli")
        page = pia.get("/mentee/recommendations")
        assert page.status_code == 200 and "Mentors for you in Pilot" in page.text
        assert "you may choose your mentor" in page.text
        assert "Maya Berg" in page.text and "Nora Diaz" not in page.text  # Nora is full
        assert pia.get(f"/mentee/recommendations?program_id={web.other}").status_code == 404
        maya_page = signed_in(browser_for, "maya").get("/mentee/recommendations")
        assert "not a mentee in any program" in maya_page.text

        program = f"/api/v1/programs/{web.pilot}"
        web.client.patch(program, headers=web.headers("lead"), json={"kind": "speed"})
        speed = pia.get(f"/mentee/recommendations?program_id={web.pilot}")
        assert "uses speed mentoring" in speed.text and "Maya Berg" in speed.text
        assert "no speed-mentoring shortlist" in eli.get("/mentee/recommendations").text
        web.client.patch(program, headers=web.headers("lead"), json={"kind": "circle"})
        circles = pia.get("/mentee/recommendations")
        assert "does not use self-match or speed mentoring" in circles.text
        assert "Maya Berg" not in circles.text

    def test_a_mentee_reads_of_each_mentor_only_what_they_share(
        self, web: World, browser_for
    ) -> None:
        with web.services.sessions() as session:  # Maya's role, as an import would give it
            maya = session.scalars(
                select(Participant).where(Participant.email == "maya@example.org")
            ).one()
            maya.title = "Head of Data Platform"
            session.commit()
        pia = signed_in(browser_for, "pia")
        assert "Head of Data Platform" in pia.get("/mentee/recommendations").text
        chosen = signed_in(browser_for, "maya").post(
            f"/relationships/{web.first}/sharing", {"shared": "expertise"}
        )
        assert chosen.status_code == 200

        self_match = pia.get("/mentee/recommendations").text
        assert "Maya Berg" in self_match and "I lead a data platform team" in self_match
        assert "Head of Data Platform" not in self_match
        program = f"/api/v1/programs/{web.pilot}"
        web.client.patch(program, headers=web.headers("lead"), json={"kind": "speed"})
        speed = pia.get("/mentee/recommendations").text
        assert "uses speed mentoring" in speed and "Maya Berg" in speed
        assert "Head of Data Platform" not in speed
