"""Long actions run in the background: the page returns at once with a job page that
shows progress, survives a reload, links to the result; only the person who started a
job and the coordinators of its program can see it."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from companion.accounts import service as accounts
from companion.db import session_scope
from companion.db.base import utcnow
from companion.errors import Conflict
from companion.jobs.models import Job, JobKind, JobState
from companion.jobs.runner import RUNNER_ID, Outcome, Progress
from companion.matching.models import MatchRun
from companion.participants import service as participants
from companion.programs import service as programs
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World, to_csv
from tests.web.test_coordinator_pages import MENTOR_3, participant_total


def start_matching(browser, web: World, program_id: int | None = None) -> str:
    program_id = program_id or web.pilot
    browser.get(f"/coordinator/programs/{program_id}/matching")
    started = browser.post(f"/coordinator/programs/{program_id}/matching", follow_redirects=False)
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert re.fullmatch(r"/jobs/\d+", location), location
    return location


def add_job(web: World, who: str, *, program_id: int | None, **values) -> int:
    """A job row as a server process left it."""
    with web.services.sessions() as session:
        user = accounts.get_by_email(session=session, email=f"{who}@example.org")
        job = Job(
            kind=JobKind.matching,
            program_id=program_id,
            started_by_id=user.id,
            title="Proposing matches in Pilot",
            steps_total=4,
            **values,
        )
        session.add(job)
        session.commit()
        return job.id


class TestWhoSeesAJob:
    def test_only_the_starter_and_the_programs_coordinators(self, web: World, browser_for) -> None:
        lead = browser_for("lead")
        job_url = start_matching(lead, web)
        web.services.jobs.wait()
        assert lead.get(job_url).status_code == 200
        assert browser_for("org").get(job_url).status_code == 200  # coordinates every program
        for who in ("maya", "eli", "elsewhere"):
            browser = browser_for(who)
            for url in (job_url, f"{job_url}/progress"):
                page = browser.get(url)
                assert page.status_code == 404, (who, url)
                assert "Run " not in page.text and "Pilot" not in page.text
        anonymous = web.client.get(job_url, follow_redirects=False)
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
        missing = lead.get("/jobs/999999")
        assert missing.status_code == 404

    def test_a_job_without_a_program_is_its_starters_alone(self, web: World, browser_for) -> None:
        job_id = add_job(web, "lead", program_id=None, runner="elsewhere")
        assert browser_for("lead").get(f"/jobs/{job_id}").status_code == 200
        assert browser_for("org").get(f"/jobs/{job_id}").status_code == 404

    def test_nobody_else_can_start_one(self, web: World, browser_for) -> None:
        for who in ("maya", "elsewhere"):
            browser = browser_for(who)
            browser.get("/login")
            answer = browser.post(f"/coordinator/programs/{web.pilot}/matching")
            assert answer.status_code in (403, 404), who
        with web.services.sessions() as session:
            assert session.query(Job).count() == 0


class TestMatchingInTheBackground:
    def test_the_page_returns_at_once_and_the_job_links_to_the_run(
        self, web: World, browser_for
    ) -> None:
        lead = browser_for("lead")
        job_url = start_matching(lead, web)
        web.services.jobs.wait()
        page = lead.get(job_url)
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert "Done" in text and "4 of 4 steps" in text
        run_url = re.search(r'href="(/coordinator/runs/\d+)"', page.text).group(1)
        assert "proposes" in text and "Nothing is final until you approve" in text
        assert 'http-equiv="refresh"' not in page.text  # finished: nothing to poll
        progress = lead.get(f"{job_url}/progress").json()
        assert progress["state"] == "done" and progress["result_url"] == run_url
        assert lead.get(run_url).status_code == 200

    def test_a_running_job_refreshes_itself_and_says_what_it_does(
        self, web: World, browser_for
    ) -> None:
        job_id = add_job(
            web, "lead", program_id=web.pilot, steps_done=2, step="Choosing the pairs", runner="x"
        )
        page = browser_for("lead").get(f"/jobs/{job_id}")
        assert page.status_code == 200
        assert 'http-equiv="refresh"' in page.text  # without JavaScript, too
        assert "Choosing the pairs" in page.text and "2 of 4 steps" in page.text
        assert '<progress max="4" value="2"' in page.text

    def test_a_job_whose_server_stopped_shows_as_failed(self, web: World, browser_for) -> None:
        job_id = add_job(
            web,
            "lead",
            program_id=web.pilot,
            step="Choosing the pairs",
            runner="a process that stopped",
            heartbeat_at=utcnow() - timedelta(minutes=10),
        )
        page = browser_for("lead").get(f"/jobs/{job_id}")
        assert "The server stopped" in page.text and "Run it again" in page.text
        assert 'http-equiv="refresh"' not in page.text
        assert f'href="/coordinator/programs/{web.pilot}/matching"' in page.text

    def test_nobody_to_match_is_said_at_once_and_starts_no_job(
        self, web: World, browser_for
    ) -> None:
        with web.services.sessions() as session:
            empty = programs.create(session=session, name="Empty", principal=TEST_SYSTEM)
            participants.import_participants(
                session=session,
                program_id=empty.id,
                data=to_csv(
                    [("E9", "Lone Mentee", "lone@example.org", "mentee", "UTC", "", "0", "")]
                ),
                filename="one.csv",
                principal=TEST_SYSTEM,
            )
            session.commit()
        org = browser_for("org")
        org.get(f"/coordinator/programs/{empty.id}/matching")
        refused = org.post(f"/coordinator/programs/{empty.id}/matching")
        assert refused.status_code == 200 and "no mentors in this program" in refused.text
        with web.services.sessions() as session:
            assert session.query(Job).count() == 0

    def test_a_failure_shows_the_error_and_leaves_nothing_half_written(
        self, web: World, browser_for
    ) -> None:
        """The job's work is one unit of work: what it wrote before failing is rolled back."""
        job_id = add_job(web, "lead", program_id=web.pilot, runner=RUNNER_ID)

        def work(progress: Progress) -> Outcome:
            progress.step("Renaming the program")
            with session_scope(web.services.write_sessions) as session:
                programs.get(session=session, program_id=web.pilot).name = "Half written"
                session.flush()
                raise Conflict("Mentor capacity changed while matching: run it again.")

        runner = web.services.jobs
        with web.services.write_sessions() as session:
            runner.start_after_commit(session, job_id, work)
            session.commit()
        runner.wait()
        page = browser_for("lead").get(f"/jobs/{job_id}")
        assert "Failed" in page.text and "Mentor capacity changed" in page.text
        assert f'href="/coordinator/programs/{web.pilot}/matching"' in page.text
        with web.services.sessions() as session:
            assert programs.get(session=session, program_id=web.pilot).name == "Pilot"
            assert session.query(MatchRun).count() == 0
            assert session.get(Job, job_id).state == JobState.failed


class TestImportInTheBackground:
    def test_a_bad_file_is_refused_on_the_page_and_a_good_one_runs_as_a_job(
        self, web: World, browser_for
    ) -> None:
        lead = browser_for("lead")
        url = f"/coordinator/programs/{web.pilot}/participants"
        lead.get(url)
        bad = lead.post(
            url,
            files={
                "file": (
                    "people.csv",
                    to_csv([("N1", "Nia Obi", "not-an-email", "mentee", "UTC", "", "0", "")]),
                    "text/csv",
                )
            },
        )
        assert bad.status_code == 422 and "nothing was imported" in bad.text
        with web.services.sessions() as session:
            assert session.query(Job).count() == 0
        saved = lead.post(
            url,
            files={"file": ("people.csv", to_csv([MENTOR_3]), "text/csv")},
            follow_redirects=False,
        )
        assert saved.status_code == 303 and saved.headers["location"].startswith("/jobs/")
        web.services.jobs.wait()
        page = lead.get(saved.headers["location"])
        assert "Imported people.csv: 1 new" in html.unescape(page.text)
        assert participant_total(web) == 7
        assert browser_for("elsewhere").get(saved.headers["location"]).status_code == 404
