"""Every page renders for every role without a server error; another pair's pages are 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from api.web import (
    auth,
    coordinator,
    goal_pages,
    inbox,
    knowledge_pages,
    relationship_pages,
    review_pages,
)
from companion.relationships.models import (
    Goal,
    GoalVisibility,
    MentoringSession,
    Relationship,
    SessionStatus,
)
from tests.relationships.conftest import World

ROLES = ("lead", "org", "maya", "eli", "nora", "omar", "pia", "elsewhere")
PAGE_ROUTERS = (
    auth,
    coordinator,
    knowledge_pages,
    review_pages,
    relationship_pages,
    goal_pages,
    inbox,
)


def page_paths() -> list[str]:
    paths = []
    for module in PAGE_ROUTERS:
        for route in module.router.routes:
            if "GET" in getattr(route, "methods", set()) and "{token}" not in route.path:
                paths.append(route.path)
    return sorted(set(paths))


def filled(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(ids[m.group(1)]), path)


def test_every_page_for_every_role(web: World, browser_for) -> None:
    with web.services.sessions() as session:
        held = MentoringSession(
            relationship_id=web.first,
            starts_at=datetime.now(UTC) - timedelta(days=2),
            duration_minutes=45,
            status=SessionStatus.held,
            created_by="test",
        )
        eli_id = session.get(Relationship, web.first).mentee_id
        goal = Goal(
            relationship_id=web.first,
            mentee_id=eli_id,
            title="Lead a review",
            visibility=GoalVisibility.mentor,
        )
        session.add_all([held, goal])
        session.commit()
        ids = {
            "program_id": web.pilot,
            "relationship_id": web.first,
            "session_id": held.id,
            "goal_id": goal.id,
            # No guide or passage of these ids: their pages answer 404 to everyone.
            "doc_id": "no-such-guide",
            "chunk_id": "no-such-passage",
        }
    eli = browser_for("eli")
    draft = eli.client.post(
        "/api/v1/drafts",
        headers=web.headers("eli"),
        json={"kind": "smart_goal", "relationship_id": web.first, "text": "Lead reviews"},
    ).json()
    ids["draft_id"] = draft["id"]
    run = web.client.post(
        f"/api/v1/programs/{web.pilot}/matching/runs", headers=web.headers("lead")
    ).json()
    ids["run_id"] = run["run_id"]
    paths = page_paths()
    assert len(paths) >= 18
    checked = 0
    for who in ROLES:
        browser = eli if who == "eli" else browser_for(who)
        for path in paths:
            url = filled(path, ids)
            response = browser.get(url)
            checked += 1
            assert response.status_code < 500, (who, url, response.status_code)
            if not url.endswith(".ics"):
                assert "<html" in response.text, (who, url)
            if "{relationship_id" in path and who in ("nora", "omar", "pia", "elsewhere"):
                # Another relationship's pages do not exist for them.
                assert response.status_code == 404, (who, url, response.status_code)
    assert checked == len(ROLES) * len(paths)
