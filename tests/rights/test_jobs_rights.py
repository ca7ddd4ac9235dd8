"""The long actions a person started are in their copy of their data, and go with them."""

from __future__ import annotations

from sqlalchemy import select

from companion.accounts import service as accounts
from companion.db import session_scope
from companion.jobs.models import Job, JobKind
from companion.rights import erasure
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World


def add_jobs(world: World) -> dict[str, int]:
    ids = {}
    with session_scope(world.services.write_sessions) as session:
        for who, title in (("lead", "Importing lead.csv"), ("org", "Importing org.csv")):
            user = accounts.get_by_email(session=session, email=f"{who}@example.org")
            ids[who] = user.id
            session.add(
                Job(
                    kind=JobKind.participant_import,
                    program_id=world.pilot,
                    started_by_id=user.id,
                    title=title,
                    summary=f"Imported {who}.csv: 1 new",
                )
            )
    return ids


def test_their_copy_holds_their_jobs_and_no_one_elses(world: World) -> None:
    add_jobs(world)
    data = world.client.get("/api/v1/me/data", headers=world.headers("lead")).json()
    assert [j["title"] for j in data["jobs"]] == ["Importing lead.csv"]
    assert data["jobs"][0]["summary"] == "Imported lead.csv: 1 new"


def test_erasure_removes_their_jobs_and_keeps_others(world: World) -> None:
    ids = add_jobs(world)
    with session_scope(world.services.write_sessions) as session:
        report = erasure.erase(
            session=session, principal=TEST_SYSTEM, user_id=ids["lead"], vectors=None
        )
    assert report.deleted["jobs"] == 1
    with world.services.sessions() as session:
        assert [j.title for j in session.scalars(select(Job))] == ["Importing org.csv"]
