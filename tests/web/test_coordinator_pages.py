"""Coordinator pages: programs, participant import, matching, health charts, knowledge base."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from api.web.coordinator import Bar, Chart, fairness_charts, score_chart
from companion.guidance import service as kb
from companion.participants import service as participants
from companion.programs import service as programs
from companion.relationships.models import MentoringSession, SessionStatus
from knowledge import CORPUS_DIR
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import PEOPLE, World, to_csv
from tests.web.jobs.helpers import finished_job

CORPUS_FILES = ("active-listening.md", "smart-goals-with-examples.md")
# A second mentor with room, so that a run proposes two pairs (for E3 and E4).
MENTOR_3 = (
    "M3",
    "Ravi Shah",
    "ravi@example.org",
    "mentor",
    "Europe/Stockholm",
    # Friday noon meets Quinn's Friday evening in Tokyo: without hours in common (and
    # neither accepting asynchronous mentoring) a pair is not proposed.
    "Wed 09:00-12:00; Fri 08:00-13:00",
    "2",
    "I coach first-time managers in engineering.",
)


def coordinator_pages(world: World) -> list[str]:
    pilot = world.pilot
    return [
        "/coordinator",
        f"/coordinator/programs/{pilot}",
        f"/coordinator/programs/{pilot}/participants",
        f"/coordinator/programs/{pilot}/matching",
    ]


def participant_total(world: World) -> int:
    response = world.client.get(
        f"/api/v1/programs/{world.pilot}/participants", headers=world.headers("lead")
    )
    return response.json()["total"]


class TestAccess:
    def test_every_page_renders_for_coordinators(self, web: World, browser_for) -> None:
        for who in ("lead", "org"):
            browser = browser_for(who)
            for url in coordinator_pages(web):
                response = browser.get(url)
                assert response.status_code == 200, (who, url, response.text)
                assert "<h1>" in response.text
                # Every form on the page carries the token, not only the sign-out form.
                assert 'name="csrf_token" value=""' not in response.text
            listing = browser.get("/coordinator").text
            assert "Pilot" in listing
            assert ("Other" in listing) is (who == "org")
        unknown = browser.get("/coordinator/runs/9999")
        assert unknown.status_code == 404 and "<html" in unknown.text

    def test_participants_and_other_programs_coordinators_are_refused(
        self, web: World, browser_for
    ) -> None:
        for who in ("maya", "eli", "nora"):
            browser = browser_for(who)
            for url in coordinator_pages(web):
                response = browser.get(url)
                assert response.status_code == 403, (who, url)
                assert "Not allowed" in response.text
            assert browser.post(f"/coordinator/programs/{web.pilot}/matching").status_code == 403
        elsewhere = browser_for("elsewhere")
        # Another program's coordinator is told the program does not exist.
        assert elsewhere.get(f"/coordinator/programs/{web.pilot}").status_code == 404
        assert elsewhere.get(f"/coordinator/programs/{web.other}").status_code == 200
        assert "Pilot" not in elsewhere.get("/coordinator").text

    def test_a_post_without_the_csrf_token_is_refused(self, web: World, browser_for) -> None:
        browser = browser_for("lead")
        for url in (
            f"/coordinator/programs/{web.pilot}/matching",
            f"/coordinator/programs/{web.pilot}/invitations",
            "/knowledge/ask",
        ):
            forged = browser.client.post(url, data={"email": "pia@example.org", "text": "Hi?"})
            assert forged.status_code == 403 and "expired" in forged.text
        assert "No run yet" in browser.get(f"/coordinator/programs/{web.pilot}/matching").text


class TestParticipantImport:
    def test_a_preview_shows_every_problem_and_saves_nothing(self, web: World, browser_for) -> None:
        browser = browser_for("lead")
        browser.get(f"/coordinator/programs/{web.pilot}/participants")
        bad = to_csv(
            [
                ("N1", "Nia Obi", "not-an-email", "mentee", "UTC", "", "0", ""),
                ("N2", "Noa Kim", "noa@example.org", "pilot", "UTC", "", "0", ""),
            ]
        )
        response = browser.post(
            f"/coordinator/programs/{web.pilot}/participants",
            {"preview": "1"},
            files={"file": ("people.csv", bad, "text/csv")},
        )
        assert response.status_code == 422
        assert "Nothing was saved" in response.text
        rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>([^<]+)</td>", response.text)
        assert ("2", "email") in rows and ("3", "role") in rows
        assert participant_total(web) == len(PEOPLE)
        wrong_type = browser.post(
            f"/coordinator/programs/{web.pilot}/participants",
            {"preview": "1"},
            files={"file": ("people.xlsx", b"id,name\n", "application/octet-stream")},
        )
        assert wrong_type.status_code == 422
        assert 'id="e-f-file"' in wrong_type.text and 'aria-invalid="true"' in wrong_type.text

    def test_a_checked_file_is_saved_by_the_second_post(self, web: World, browser_for) -> None:
        browser = browser_for("lead")
        browser.get(f"/coordinator/programs/{web.pilot}/participants")
        preview = browser.post(
            f"/coordinator/programs/{web.pilot}/participants",
            {"preview": "1"},
            files={"file": ("people.csv", to_csv([MENTOR_3]), "text/csv")},
        )
        assert preview.status_code == 200
        assert "<strong>1</strong> new" in preview.text
        assert participant_total(web) == len(PEOPLE)
        carried = re.search(r'name="content" value="([^"]+)"', preview.text)
        assert carried
        saved = browser.post(
            f"/coordinator/programs/{web.pilot}/participants",
            {"filename": "people.csv", "content": carried.group(1)},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        job, result = finished_job(browser, web.services, saved.headers["location"])
        assert "1 new" in job
        page = browser.get(result)
        assert "Ravi Shah" in page.text
        assert participant_total(web) == len(PEOPLE) + 1


class TestInvitations:
    def test_a_coordinator_is_told_who_may_invite_and_never_sees_a_link(
        self, web: World, browser_for
    ) -> None:
        """Without email configured, links are for administrators (tests/security covers more)."""
        browser = browser_for("lead")
        browser.get(f"/coordinator/programs/{web.pilot}/participants")
        outsider = browser.post(
            f"/coordinator/programs/{web.pilot}/invitations", {"email": "else@example.org"}
        )
        assert outsider.status_code == 403
        assert 'id="e-email"' in outsider.text and "administrator" in outsider.text
        assert "/invite/" not in outsider.text


class TestMatching:
    def test_approved_proposals_become_relationships_and_the_overview_draws_charts(
        self, web: World, browser_for
    ) -> None:
        with web.services.sessions() as session:
            pilot = programs.get(session=session, program_id=web.pilot)
            participants.import_participants(
                session=session,
                program_id=pilot.id,
                data=to_csv([MENTOR_3]),
                filename="more.csv",
                principal=TEST_SYSTEM,
            )
            session.add(
                MentoringSession(
                    relationship_id=web.first,
                    starts_at=datetime.now(UTC) - timedelta(hours=2),
                    duration_minutes=45,
                    status=SessionStatus.held,
                    created_by="test",
                )
            )
            session.commit()
        browser = browser_for("lead")
        browser.get(f"/coordinator/programs/{web.pilot}/matching")
        started = browser.post(
            f"/coordinator/programs/{web.pilot}/matching", follow_redirects=False
        )
        assert started.status_code == 303
        _, run_url = finished_job(browser, web.services, started.headers["location"])
        page = browser.get(run_url)
        assert page.status_code == 200 and 'name="csrf_token" value=""' not in page.text
        assert "Score breakdown" in page.text and "semantic" in page.text
        assert "Nobody in this run consented" in page.text
        proposals = re.findall(r"/proposals/(\d+)/approve", page.text)
        assert len(proposals) == 2, page.text

        swapped = browser.post(
            f"{run_url}/swap",
            {"first": proposals[0], "second": proposals[1], "accept_lower": "yes"},
            follow_redirects=False,
        )
        assert swapped.status_code == 303
        # Back at the proposal decided on, not at the top of the run page.
        assert swapped.headers["location"] == f"{run_url}#proposal-{proposals[0]}"
        assert "swapped their mentors" in browser.get(run_url).text
        same = browser.post(f"{run_url}/swap", {"first": proposals[0], "second": proposals[0]})
        assert same.status_code == 422 and 'id="e-f-second"' in same.text

        approved = browser.post(
            f"{run_url}/proposals/{proposals[0]}/approve", follow_redirects=False
        )
        assert approved.status_code == 303
        assert approved.headers["location"] == f"{run_url}#proposal-{proposals[0]}"
        after = browser.get(run_url).text
        assert "now a relationship" in after and f'id="proposal-{proposals[0]}"' in after
        pairs = web.client.get(
            f"/api/v1/programs/{web.pilot}/relationships", headers=web.headers("lead")
        ).json()
        assert pairs["total"] == 3
        rejected = browser.post(f"{run_url}/proposals/{proposals[1]}/reject")
        assert rejected.status_code == 200 and "rejected" in rejected.text
        again = browser.post(f"{run_url}/proposals/{proposals[1]}/approve")
        assert again.status_code == 200 and "was rejected" in again.text

        overview = browser.get(f"/coordinator/programs/{web.pilot}").text
        charts = re.findall(r'<svg [^>]*role="img" aria-label="([^"]+)"', overview)
        assert any(c.startswith("Sessions held per week. 1 held") for c in charts), charts
        assert any(c.startswith("Match scores of the latest run. 2 proposal(s)") for c in charts)
        assert "<rect" in overview and "Nobody in this run consented" in overview
        assert "3</strong> active pairs" in overview

    def test_a_run_without_mentees_to_match_says_why(self, web: World, browser_for) -> None:
        browser = browser_for("org")
        browser.get(f"/coordinator/programs/{web.other}/matching")
        response = browser.post(f"/coordinator/programs/{web.other}/matching")
        assert response.status_code == 200
        assert "no unmatched mentees" in response.text and "flash-error" in response.text


class TestKnowledge:
    @pytest.fixture
    def corpus(self, web: World) -> World:
        loads, problems = kb.path_loads([CORPUS_DIR / name for name in CORPUS_FILES])
        assert not problems
        with web.services.sessions() as session:
            kb.ingest_many(
                session=session, kb=web.services.knowledge_base, loads=loads, principal=TEST_SYSTEM
            )
            session.commit()
        return web

    def test_search_shows_citations_and_documents_are_uploaded_and_deleted(
        self, corpus: World, browser_for
    ) -> None:
        browser = browser_for("org")
        page = browser.get("/knowledge", params={"q": "paraphrasing and open questions"})
        assert page.status_code == 200
        assert "Active listening for mentors and mentees" in page.text
        assert "Cite as:" in page.text and "[active-listening]" in page.text
        assert "<strong>" in page.text and "of 2 guides" in page.text
        filtered = browser.get("/knowledge", params={"q": "SMART goals", "audience": "nobody"})
        assert 'id="e-f-audience"' in filtered.text

        note = b"# Walking meetings\n\nA walk side by side makes hard conversations easier.\n"
        added = browser.post(
            "/knowledge/documents",
            {"tags": "story"},
            files=[
                ("files", ("walking.md", note, "text/markdown")),
                ("files", ("notes.docx", b"PK", "application/octet-stream")),
            ],
            follow_redirects=False,
        )
        assert added.status_code == 303
        job, _ = finished_job(browser, corpus.services, added.headers["location"])
        assert "Added or updated 1 document(s)" in job
        assert "Not added: notes.docx" in job
        listing = browser.get("/knowledge")
        ids = re.findall(r"/knowledge/documents/([^/]+)/delete", listing.text)
        assert len(ids) == 3
        walking = next(i for i in ids if "walking" in i)
        deleted = browser.post(f"/knowledge/documents/{walking}/delete")
        assert deleted.status_code == 200 and f"Deleted {walking}" in deleted.text
        assert "walking" not in browser.get("/knowledge").text.split("Guides</h2>")[1]

    def test_asking_drafts_an_answer_that_waits_for_review(
        self, corpus: World, browser_for
    ) -> None:
        browser = browser_for("lead")
        browser.get("/knowledge")
        empty = browser.post("/knowledge/ask", {"text": "  "})
        assert empty.status_code == 422 and 'id="e-text"' in empty.text
        asked = browser.post(
            "/knowledge/ask",
            {"text": "How do I set SMART goals with a mentee?"},
            follow_redirects=False,
        )
        assert asked.status_code == 303
        draft_id = int(re.search(r"asked=(\d+)", asked.headers["location"]).group(1))
        page = browser.get(asked.headers["location"])
        assert "pending review" in page.text and f'href="/review/{draft_id}"' in page.text
        draft = corpus.client.get(f"/api/v1/drafts/{draft_id}", headers=corpus.headers("lead"))
        assert draft.json()["kind"] == "answer"
        assert draft.json()["status"] == "pending_review"


class TestCharts:
    def test_a_chart_is_an_accessible_svg_with_a_rect_per_bar(self) -> None:
        chart = score_chart([0.05, 0.55, 0.58, 1.0])
        svg = str(chart.svg())
        assert svg.count("<rect") == 10 and 'role="img"' in svg
        assert "0.5 to 0.6: 2" in chart.summary and "0.9 to 1.0: 1" in chart.summary
        escaped = str(Chart("<b>", "a & b", [Bar("<i>", 1, "1", "x")]).svg())
        assert "<b>" not in escaped and "<i>" not in escaped and "&amp;" in escaped

    def test_fairness_shows_only_groups_the_report_shows(self) -> None:
        report = {
            "by_group": {
                "gender": [
                    {
                        "group": "woman",
                        "people": 4,
                        "coverage": 0.75,
                        "mean_score": 0.6,
                        "shown": True,
                    },
                    {
                        "group": "man",
                        "people": 5,
                        "coverage": 1.0,
                        "mean_score": 0.62,
                        "shown": True,
                    },
                    {"group": "nonbinary", "people": "fewer than 3", "shown": False},
                ],
                "underrepresented": [],
            }
        }
        charts, note = fairness_charts(report)
        assert [c.title for c in charts] == ["Share of mentees matched by gender"]
        assert [b.label for b in charts[0].bars] == ["woman", "man"]
        assert "75%" in charts[0].summary and "nonbinary" not in charts[0].summary
        assert note.startswith("1 consented group(s) of fewer than 3")
        nobody, why = fairness_charts({"by_group": {"gender": [], "underrepresented": []}})
        assert nobody == [] and "Nobody in this run consented" in why
