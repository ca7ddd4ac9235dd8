"""The audit chain survives erasure of personal fields, and still catches tampering."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from companion.audit import service as audit
from companion.audit.models import AuditEvent
from companion.db import make_engine, upgrade
from companion.db.base import UTCDateTime
from companion.programs import service as programs
from tests.helpers import TEST_SYSTEM


def five_events(session: Session) -> list[AuditEvent]:
    for name in ("A", "B", "C", "D", "E"):
        programs.create(session=session, name=name, principal=TEST_SYSTEM)
    session.commit()
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def erase(session: Session, events: list[AuditEvent]) -> list[int]:
    seqs = audit.redact(session=session, events=events)
    audit.record(
        session=session,
        actor=audit.SYSTEM,
        action=audit.ERASURE_ACTION,
        subject_type="user",
        subject_id=1,
        data={audit.REDACTED_SEQS: seqs},
    )
    session.commit()
    return seqs


class TestRedaction:
    def test_redacted_events_keep_the_chain_verifiable(self, session: Session) -> None:
        events = five_events(session)
        assert erase(session, events[1:3]) == [2, 3]
        stored = session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
        assert stored.actor_label == audit.REDACTED_LABEL
        assert stored.data == audit.REDACTED_DATA
        assert "B" not in json.dumps(stored.data)
        assert audit.verify(session=session) == []

    def test_an_edit_of_a_redacted_event_still_fails(self, session: Session) -> None:
        erase(session, five_events(session)[1:3])
        session.execute(text("UPDATE audit_events SET action = 'programs.deleted' WHERE seq = 2"))
        session.commit()
        assert [(p.seq, "edited" in p.problem) for p in audit.verify(session=session)] == [
            (2, True)
        ]

    def test_a_replaced_digest_of_a_redacted_event_fails(self, session: Session) -> None:
        erase(session, five_events(session)[1:3])
        session.execute(
            text(f"UPDATE audit_events SET personal_digest = '{'1' * 64}' WHERE seq = 3")
        )
        session.commit()
        assert [p.seq for p in audit.verify(session=session)] == [3]

    def test_redaction_without_an_erasure_event_is_an_edit(self, session: Session) -> None:
        five_events(session)
        session.execute(
            text(
                "UPDATE audit_events SET actor_label = 'erased', redacted_at = occurred_at "
                "WHERE seq = 4"
            )
        )
        session.commit()
        problems = audit.verify(session=session)
        assert [p.seq for p in problems] == [4]
        assert "without an erasure event" in problems[0].problem

    def test_editing_the_data_of_a_kept_event_fails(self, session: Session) -> None:
        five_events(session)
        session.execute(text("""UPDATE audit_events SET data = '{"name": "Z"}' WHERE seq = 5"""))
        session.commit()
        problems = audit.verify(session=session)
        assert [p.seq for p in problems] == [5]
        assert "digest" in problems[0].problem

    def test_the_export_says_which_events_were_redacted(self, session: Session) -> None:
        erase(session, five_events(session)[:1])
        lines = [json.loads(line) for line in audit.export_lines(session=session, program_id=None)]
        assert [line["redacted"] for line in lines] == [True, False, False, False, False, False]
        assert lines[0]["personal_digest"] and lines[0]["actor"] == "erased"


def _old_hash(fields: dict) -> str:
    names = (
        "seq",
        "occurred_at",
        "actor_id",
        "actor_label",
        "action",
        "subject_type",
        "subject_id",
        "program_id",
        "data",
        "prev_hash",
    )
    canonical = {name: fields[name] for name in names}
    canonical["occurred_at"] = fields["occurred_at"].isoformat(timespec="microseconds")
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


OLD_EVENTS = sa.table(
    "audit_events",
    *(
        sa.column(name, kind)
        for name, kind in (
            ("seq", sa.Integer),
            ("occurred_at", UTCDateTime()),
            ("actor_id", sa.Integer),
            ("actor_label", sa.String),
            ("action", sa.String),
            ("subject_type", sa.String),
            ("subject_id", sa.String),
            ("program_id", sa.Integer),
            ("data", sa.JSON),
            ("prev_hash", sa.String),
            ("hash", sa.String),
        )
    ),
)


class TestMigration0018:
    def test_an_old_chain_is_rehashed_and_verifies(self, tmp_path) -> None:
        rehash_an_old_chain(f"sqlite:///{tmp_path / 'old.db'}")

    def test_on_postgresql_too(self, postgres_databases) -> None:
        name = "rights_migration_0018"
        postgres_databases.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        postgres_databases.execute(f"CREATE DATABASE {name}")
        try:
            rehash_an_old_chain(postgres_databases._url_of(name))
        finally:
            postgres_databases.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def rehash_an_old_chain(url: str) -> None:
    upgrade(url, "0015")
    engine = make_engine(url)
    prev = audit.GENESIS_HASH
    with engine.begin() as connection:
        for seq in (1, 2, 3):
            fields = {
                "seq": seq,
                "occurred_at": datetime(2026, 3, seq, 9, 30, 15, 123456, tzinfo=UTC),
                "actor_id": None,
                "actor_label": "cli:ops",
                "action": "programs.created",
                "subject_type": "program",
                "subject_id": str(seq),
                "program_id": seq,
                "data": {"name": f"Program {seq}"},
                "prev_hash": prev,
            }
            prev = _old_hash(fields)
            connection.execute(OLD_EVENTS.insert().values(**fields, hash=prev))
    upgrade(url)
    with Session(engine) as session:
        assert audit.verify(session=session) == []
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        assert [e.action for e in events][-1] == "audit.rehashed"
        assert events[-1].data == {
            "events": 3,
            "previous_head_hash": prev,
            "previous_chain_intact": True,
        }
        assert events[0].data == {"name": "Program 1"}
        erase(session, events[:1])
        assert audit.verify(session=session) == []
    engine.dispose()
