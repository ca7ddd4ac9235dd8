"""A coordinator imports participants, runs matching and approves; the pair see each other."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from companion.programs.models import Program
from tests.e2e.conftest import screenshot

NEWCOMERS = [
    {
        "id": "M9",
        "name": "Ruth Adeyemi",
        "email": "ruth@example.org",
        "role": "mentor",
        "timezone": "Africa/Lagos",
        "availability": "Mon 09:00-12:00",
        "capacity": "1",
        "expertise": "I have run a payments operations team for eight years.",
    },
    {
        "id": "E9",
        "name": "Sam Okoro",
        "email": "sam@example.org",
        "role": "mentee",
        "timezone": "Africa/Lagos",
        "availability": "Mon 10:00-11:00",
        "capacity": "0",
        "expertise": "",
    },
]


def newcomers_csv(tmp_path, *, broken: bool = False):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(NEWCOMERS[0]))
    writer.writeheader()
    for row in NEWCOMERS:
        writer.writerow({**row, "email": "not-an-email"} if broken and row["id"] == "E9" else row)
    path = tmp_path / ("broken.csv" if broken else "newcomers.csv")
    path.write_text(out.getvalue())
    return path


def test_import_match_approve_and_both_sides_see_the_pair(site, sign_in, tmp_path) -> None:
    server, services = site
    with services.sessions() as session:
        program_id = session.scalars(select(Program.id).where(Program.name == "Pilot")).one()
    lead = sign_in("lead@example.org")
    lead.goto(f"{server.url}/coordinator/programs/{program_id}/participants")
    field = lead.get_by_label("Participants file (CSV or JSON Lines)")
    field.set_input_files(str(newcomers_csv(tmp_path, broken=True)))
    lead.get_by_role("button", name="Check the file").click()
    lead.get_by_text("not-an-email").first.wait_for()
    screenshot(lead, "coordinator-import-problems")
    field = lead.get_by_label("Participants file (CSV or JSON Lines)")
    field.set_input_files(str(newcomers_csv(tmp_path)))
    lead.get_by_role("button", name="Check the file").click()
    lead.get_by_role("button", name="Import 2 participant(s)").click()
    lead.get_by_role("link", name="See the result").click()  # the import's job page
    lead.get_by_text("Ruth Adeyemi").first.wait_for()

    lead.goto(f"{server.url}/coordinator/programs/{program_id}/matching")
    lead.get_by_role("button", name="Propose matches").click()
    lead.get_by_role("link", name="See the result").click(timeout=120_000)  # the job's page
    lead.get_by_role("heading", name="Proposed pairs").wait_for()
    screenshot(lead, "coordinator-run")
    lead.get_by_role("button", name="Approve all").click()
    lead.get_by_text("approved", exact=False).first.wait_for()
    lead.goto(f"{server.url}/coordinator/programs/{program_id}")
    screenshot(lead, "coordinator-overview")

    with services.sessions() as session:
        from companion.accounts import passwords
        from companion.accounts import service as accounts
        from tests.e2e.conftest import PASSWORD
        from tests.helpers import TEST_ACTOR

        for email in ("sam@example.org",):
            user = accounts.get_by_email(session=session, email=email)
            passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
        session.commit()
        # Whoever the run paired Sam with: both sides now see the pair.
        from companion.participants.models import Participant
        from companion.relationships.models import Relationship

        sam_row = session.scalars(select(Participant).where(Participant.external_id == "E9")).one()
        pair = session.scalars(
            select(Relationship).where(Relationship.mentee_id == sam_row.id)
        ).one()
        mentor = session.get(Participant, pair.mentor_id)
        user = accounts.get_by_email(session=session, email=mentor.email)
        passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
        session.commit()
        mentor_name, mentor_email = mentor.name, mentor.email
    sam = sign_in("sam@example.org")
    sam.goto(f"{server.url}/relationships")
    assert mentor_name in sam.content()
    other = sign_in(mentor_email)
    other.goto(f"{server.url}/relationships")
    assert "Sam Okoro" in other.content()
    screenshot(other, "relationships-mentor")
