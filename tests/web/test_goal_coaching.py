"""Goal coaching: only the mentee writing their goal is coached, nothing is stored until
they save it, and whoever else asks gets the answer the rest of the goal pages give."""

from __future__ import annotations

from tests.relationships.conftest import World
from tests.web.conftest import Browser

VAGUE = "honestly I want to get better at leading design reviews"
ANSWERS = {
    "answer_specific": "lead the design review for the billing migration",
    "answer_measurable": "when the decision record is merged and two attendees sent feedback",
    "answer_time_bound": "by 31 March 2027",
}


def signed_in(browser_for, who: str) -> Browser:
    browser = browser_for(who)
    browser.get("/")
    return browser


def coaching_url(world: World, relationship: int | None = None) -> str:
    return f"/relationships/{relationship or world.first}/goals/coaching"


def api_coaching(world: World, who: str, relationship: int | None = None) -> str:
    return f"/api/v1/relationships/{relationship or world.first}/goals/coaching"


def goals_of(world: World) -> list[dict]:
    response = world.client.get(
        f"/api/v1/relationships/{world.first}/goals", headers=world.headers("eli")
    )
    return response.json()["items"]


def drafts_of(world: World) -> list[dict]:
    response = world.client.get("/api/v1/drafts", headers=world.headers("eli"))
    return response.json()["items"] if response.status_code == 200 else []


class TestCoachingPage:
    def test_eli_is_asked_about_each_gap_answers_and_saves_his_own_goal(
        self, web: World, browser_for
    ) -> None:
        eli = signed_in(browser_for, "eli")
        listing = eli.get(f"/relationships/{web.first}/goals")
        assert coaching_url(web) in listing.text

        assert eli.get(coaching_url(web)).status_code == 200
        asked = eli.post(coaching_url(web), {"text": VAGUE})
        assert asked.status_code == 200
        assert "By when?" in asked.text
        assert "How will you and your mentor know it is done?" in asked.text
        assert "honestly" not in asked.text.split("Your goal so far")[1]
        assert goals_of(web) == []

        answered = eli.post(coaching_url(web), {"text": VAGUE, **ANSWERS})
        assert "Every criterion is met" in answered.text
        composed = (
            "I will get better at leading design reviews. I will lead the design review for "
            "the billing migration. Done when the decision record is merged and two attendees "
            "sent feedback. By 31 March 2027."
        )
        assert composed in answered.text
        assert goals_of(web) == []  # checking stores nothing

        saved = eli.post(
            f"/relationships/{web.first}/goals",
            {
                "title": "I want to get better at leading design reviews",
                "specific": ANSWERS["answer_specific"],
                "measurable": ANSWERS["answer_measurable"],
                "time_bound": ANSWERS["answer_time_bound"],
                "target_date": "2027-03-31",
                "visibility": "private",
            },
        )
        assert saved.status_code == 200 and "private to you" in saved.text
        [goal] = goals_of(web)
        assert goal["visibility"] == "private" and goal["target_date"] == "2027-03-31"
        maya = web.client.get(
            f"/api/v1/relationships/{web.first}/goals", headers=web.headers("maya")
        )
        assert maya.json()["items"] == []  # private until Eli shares it

    def test_a_suggestion_taken_becomes_the_answer(self, web: World, browser_for) -> None:
        eli = signed_in(browser_for, "eli")
        first = eli.post(coaching_url(web), {"text": "Pass the CKA exam"})
        assert "Suggestions you can take or leave" in first.text

        taken = eli.post(
            coaching_url(web), {"text": "Pass the CKA exam", "take_time_bound": "within 8 weeks"}
        )
        assert "Pass the CKA exam. Within 8 weeks." in taken.text

    def test_an_empty_goal_is_named_by_its_field(self, web: World, browser_for) -> None:
        eli = signed_in(browser_for, "eli")
        page = eli.post(coaching_url(web), {"text": "   "})
        assert page.status_code == 422
        assert 'id="e-text"' in page.text


class TestWhoElse:
    def test_the_mentor_is_turned_away_and_outsiders_get_404(self, web: World, browser_for) -> None:
        maya = signed_in(browser_for, "maya")
        page = maya.get(coaching_url(web))
        assert page.status_code == 200 and "for the mentee writing their own goal" in page.text
        assert "Your goal, in your words" not in page.text
        posted = maya.post(coaching_url(web), {"text": VAGUE})
        assert "for the mentee writing their own goal" in posted.text
        assert "By when?" not in posted.text
        for who in ("nora", "omar", "pia"):
            outsider = signed_in(browser_for, who)
            assert outsider.get(coaching_url(web)).status_code == 404
            assert outsider.post(coaching_url(web), {"text": VAGUE}).status_code == 404
        # Omar is a mentee, but of another pair: his own page is his, Eli's is not.
        omar = signed_in(browser_for, "omar")
        assert omar.get(coaching_url(web, web.second)).status_code == 200

    def test_a_post_without_the_csrf_token_is_refused(self, web: World, browser_for) -> None:
        eli = signed_in(browser_for, "eli")
        forged = eli.client.post(coaching_url(web), data={"text": VAGUE})
        assert forged.status_code == 403

    def test_the_api_coaches_only_the_mentee(self, web: World) -> None:
        url = api_coaching(web, "eli")
        body = {"text": "Pass the CKA exam", "answers": {"time_bound": "by 30 June 2027"}}

        mine = web.client.post(url, json=body, headers=web.headers("eli"))
        assert mine.status_code == 200, mine.text
        result = mine.json()
        assert result["goal"] == "Pass the CKA exam. By 30 June 2027."
        assert result["complete"] is True and result["target_date"] == "2027-06-30"
        assert {v["status"] for v in result["verdicts"]} == {"met"}

        assert web.client.post(url, json=body, headers=web.headers("maya")).status_code == 403
        assert web.client.post(url, json=body, headers=web.headers("lead")).status_code == 403
        for who in ("nora", "omar", "pia", "elsewhere"):
            refused = web.client.post(url, json=body, headers=web.headers(who))
            assert refused.status_code == 404, who
        assert goals_of(web) == []

    def test_bad_answers_are_named(self, web: World) -> None:
        url = api_coaching(web, "eli")
        wrong = web.client.post(
            url, json={"text": "Pass", "answers": {"timely": "x"}}, headers=web.headers("eli")
        )
        assert wrong.status_code == 422 and "timely" in wrong.text
        long = web.client.post(
            url,
            json={"text": "Pass", "answers": {"time_bound": "x" * 501}},
            headers=web.headers("eli"),
        )
        assert long.status_code == 422 and "time_bound" in long.text
