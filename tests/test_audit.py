from sqlalchemy import text
from sqlalchemy.orm import Session

from companion.audit import service as audit
from companion.programs import service as programs
from tests.helpers import TEST_SYSTEM


def three_events(session: Session) -> None:
    for name in ("A", "B", "C"):
        programs.create(session=session, name=name, principal=TEST_SYSTEM)
    session.commit()


class TestAuditChain:
    def test_an_untouched_chain_verifies(self, session: Session) -> None:
        three_events(session)
        assert audit.verify(session=session) == []

    def test_an_edited_event_is_reported(self, session: Session) -> None:
        three_events(session)
        session.execute(text("UPDATE audit_events SET actor_label = 'someone-else' WHERE seq = 2"))
        session.commit()
        problems = audit.verify(session=session)
        assert [(p.seq, "edited" in p.problem) for p in problems] == [(2, True)]

    def test_a_removed_event_is_reported(self, session: Session) -> None:
        three_events(session)
        session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
        session.commit()
        problems = audit.verify(session=session)
        assert problems and all(p.seq == 3 for p in problems)

    def test_reordered_events_are_reported(self, session: Session) -> None:
        three_events(session)
        session.execute(text("UPDATE audit_events SET seq = 100 WHERE seq = 1"))
        session.execute(text("UPDATE audit_events SET seq = 1 WHERE seq = 3"))
        session.execute(text("UPDATE audit_events SET seq = 3 WHERE seq = 100"))
        session.commit()
        assert audit.verify(session=session)

    def test_events_chain_to_their_predecessor(self, session: Session) -> None:
        three_events(session)
        events, total = audit.list_events(session=session)
        assert total == 3
        newest, middle, oldest = events
        assert oldest.prev_hash == audit.GENESIS_HASH
        assert middle.prev_hash == oldest.hash
        assert newest.prev_hash == middle.hash
