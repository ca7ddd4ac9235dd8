"""The relationship read authenticates, reads and ends its transaction in one worker-thread
trip (`api.deps.run_as_user`): who may read it, and every check of the token, are as they
were, on every request."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import event, select, update

from companion.accounts import service as accounts
from companion.accounts.models import ApiToken, User
from companion.db.base import utcnow
from companion.relationships import service as relationships_service
from tests.helpers import TEST_ACTOR, bearer
from tests.relationships.conftest import World


def _checked_out(world: World) -> int:
    services = world.services
    return services.engine.pool.checkedout() + services.quick_read_engine.pool.checkedout()


def _read(world: World, relationship_id: int, headers: dict[str, str]):
    return world.client.get(f"/api/v1/relationships/{relationship_id}", headers=headers)


def test_members_and_the_programs_coordinators_read_it(world: World) -> None:
    for who in ("maya", "eli", "lead", "org"):
        answer = _read(world, world.first, world.headers(who))
        assert answer.status_code == 200, (who, answer.text)
        assert answer.json()["id"] == world.first


def test_anyone_else_gets_the_same_404_as_for_no_relationship(world: World) -> None:
    missing = _read(world, 987654, world.headers("maya"))
    assert missing.status_code == 404
    for who in ("nora", "omar", "pia", "elsewhere"):
        answer = _read(world, world.first, world.headers(who))
        assert answer.status_code == 404, who
        assert answer.text == missing.text.replace("987654", str(world.first))


def test_without_a_valid_token_it_answers_401(world: World) -> None:
    assert _read(world, world.first, {}).status_code == 401
    assert _read(world, world.first, bearer("mc_no-such-token")).status_code == 401
    assert _read(world, world.first, bearer("not-a-token")).status_code == 401


def test_a_token_revoked_after_a_read_is_refused_at_the_next(world: World) -> None:
    with world.services.sessions() as session:
        user = accounts.get_by_email(session=session, email="maya@example.org")
        issued = accounts.issue_token(session=session, user=user, name="t", actor=TEST_ACTOR)
        session.commit()
    assert _read(world, world.first, bearer(issued.plaintext)).status_code == 200
    with world.services.sessions() as session:
        accounts.revoke_token(session=session, token_id=issued.token.id, actor=TEST_ACTOR)
        session.commit()
    answer = _read(world, world.first, bearer(issued.plaintext))
    assert answer.status_code == 401
    assert "revoked" in answer.text


def test_a_user_deactivated_after_a_read_is_refused_at_the_next(world: World) -> None:
    assert _read(world, world.first, world.headers("eli")).status_code == 200
    with world.services.sessions() as session:
        session.execute(update(User).where(User.email == "eli@example.org").values(is_active=False))
        session.commit()
    answer = _read(world, world.first, world.headers("eli"))
    assert answer.status_code == 401
    assert "deactivated" in answer.text


def test_the_read_ends_its_transaction_and_stamps_the_tokens_use(world: World) -> None:
    token_hash = accounts.hash_token(world.tokens["maya"])
    long_ago = utcnow() - timedelta(days=2)
    with world.services.sessions() as session:
        session.execute(
            update(ApiToken).where(ApiToken.token_hash == token_hash).values(last_used_at=long_ago)
        )
        session.commit()
    assert _read(world, world.first, world.headers("maya")).status_code == 200
    # Nothing is left checked out: the read's transaction (and the stamp's) ended.
    assert _checked_out(world) == 0
    with world.services.sessions() as session:
        stamped = session.scalar(
            select(ApiToken.last_used_at).where(ApiToken.token_hash == token_hash)
        )
    assert stamped is not None
    assert stamped.replace(tzinfo=None) > long_ago.replace(tzinfo=None)


def test_a_refused_read_leaves_nothing_checked_out(world: World) -> None:
    assert _read(world, world.first, world.headers("nora")).status_code == 404
    assert _read(world, world.first, bearer("mc_no-such-token")).status_code == 401
    assert _checked_out(world) == 0


def test_eight_reads_at_once_run_in_the_processs_lane(world: World, monkeypatch) -> None:
    """A process's quick reads run `read_threads` at a time (1 on SQLite, 2 on PostgreSQL
    by default): eight at once in eight threads spend their CPU handing the interpreter
    lock around."""
    settings = world.services.settings
    lane = settings.resolved_read_threads
    assert lane == (1 if settings.resolved_database_url.startswith("sqlite") else 2)
    running, most = 0, 0
    lock = threading.Lock()
    real_detail = relationships_service.detail

    def counted_detail(**arguments):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)  # long enough for the others to arrive, if they may
            return real_detail(**arguments)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(relationships_service, "detail", counted_detail)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda _: _read(world, world.first, world.headers("maya")), range(8))
        )
    assert [a.status_code for a in answers] == [200] * 8
    assert most == lane
    assert _checked_out(world) == 0


def test_the_read_decodes_only_the_columns_it_shows_of_people_and_program(
    world: World,
) -> None:
    """A person's profile and a program's settings are most of the view's columns; the
    read shows a member's id, name and time zone and the program's cadence and limits.
    Nothing else of them is fetched, and nothing is then loaded one person at a time."""
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    engine = world.services.quick_read_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for who in ("maya", "lead"):
            statements.clear()
            assert _read(world, world.first, world.headers(who)).status_code == 200
            selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            # The token with its user and roles; the view; the activity.
            assert len(selects) == 3, (who, selects)
            view = next(s for s in selects if "relationship_members" in s and "programs" in s)
            for column in ("participants.skills", "participants.goals", "programs.matching"):
                assert column not in view, (who, column)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
