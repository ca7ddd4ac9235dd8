"""Review outcomes per draft kind: approved as drafted, how much was changed, who sees them."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from companion.accounts import service as accounts
from companion.drafting.models import Draft, DraftStatus
from companion.errors import NotFound, PermissionDenied
from companion.review import stats
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World

DRAFTED = "Open with the check-in then review the design goal and agree next steps"


def add_draft(
    session: Session,
    *,
    kind: str,
    program_id: int | None,
    status: DraftStatus,
    approved_text: str | None = None,
    requested_by_id: int | None = None,
) -> Draft:
    draft = Draft(
        kind=kind,
        status=status,
        program_id=program_id,
        requested_by="test",
        requested_by_id=requested_by_id,
        model="offline",
        prompt=f"{kind}@1",
        text=approved_text if approved_text is not None else DRAFTED,
        original_text=DRAFTED if approved_text is not None else None,
    )
    session.add(draft)
    session.flush()
    return draft


@pytest.fixture
def decided(world: World) -> World:
    """Pilot: five agendas decided (two approved as drafted, two edited, one rejected)
    and one still pending; Other: three nudges approved; one answer asked by Lead."""
    with world.services.sessions() as session:
        lead = accounts.get_by_email(session=session, email="lead@example.org")
        for status, text in [
            (DraftStatus.approved, None),
            (DraftStatus.delivered, None),
            # 2 of the 13 words replaced ("check-in" is one word), then nothing in common.
            (DraftStatus.delivered, DRAFTED.replace("design", "hiring").replace("next", "two")),
            (DraftStatus.approved, "Something else entirely"),
            (DraftStatus.rejected, None),
            (DraftStatus.pending_review, None),
        ]:
            add_draft(
                session, kind="agenda", program_id=world.pilot, status=status, approved_text=text
            )
        for _ in range(3):
            add_draft(session, kind="nudge", program_id=world.other, status=DraftStatus.delivered)
        add_draft(
            session,
            kind="answer",
            program_id=None,
            status=DraftStatus.approved,
            requested_by_id=lead.id,
        )
        session.commit()
    return world


class TestEditDistance:
    def test_identical_texts_are_unchanged(self) -> None:
        assert stats.edit_distance(DRAFTED, DRAFTED) == 0.0

    def test_it_counts_replaced_words_over_the_longer_text(self) -> None:
        assert stats.edit_distance("a b c d", "a b x d") == 0.25
        assert stats.edit_distance("a b c d", "a b c d e f g h") == 0.5

    def test_texts_with_nothing_in_common_are_fully_changed(self) -> None:
        assert stats.edit_distance("one two", "three four five") == 1.0


class TestReviewByKind:
    def by_kind(self, world: World, email: str | None, **kwargs) -> dict[str, stats.KindReview]:
        with world.services.sessions() as session:
            principal = TEST_SYSTEM
            if email is not None:
                principal = accounts.get_by_email(session=session, email=email)
            rows = stats.review_by_kind(session=session, principal=principal, **kwargs)
        return {r.kind: r for r in rows}

    def test_a_programs_coordinator_sees_its_drafts_and_their_own_answers(
        self, decided: World
    ) -> None:
        rows = self.by_kind(decided, "lead@example.org")

        assert set(rows) == {"agenda", "answer"}  # not the other program's nudges
        agenda = rows["agenda"]
        assert (agenda.decided, agenda.approved, agenda.approved_unedited) == (5, 4, 2)
        assert agenda.rejected == 1
        assert agenda.unedited_rate == 0.5
        assert agenda.mean_change == round((0 + 0 + 2 / 13 + 1.0) / 4, 3)
        # One answer is too few to show figures for.
        assert not rows["answer"].shown and rows["answer"].unedited_rate is None

    def test_one_program_only(self, decided: World) -> None:
        rows = self.by_kind(decided, "lead@example.org", program_id=decided.pilot)
        assert set(rows) == {"agenda"}

    def test_a_coordinator_of_another_program_sees_only_that_program(self, decided: World) -> None:
        rows = self.by_kind(decided, "else@example.org")
        assert set(rows) == {"nudge"}
        assert rows["nudge"].unedited_rate == 1.0 and rows["nudge"].mean_change == 0.0

    def test_a_program_not_coordinated_answers_like_one_that_does_not_exist(
        self, decided: World
    ) -> None:
        for program_id in (decided.pilot, 999_999):
            with pytest.raises(NotFound) as raised:
                self.by_kind(decided, "else@example.org", program_id=program_id)
            assert raised.value.message == "No such program."

    def test_taking_part_in_a_program_is_not_coordinating_it(self, decided: World) -> None:
        # A coordinator of one program who is a mentee in another sees the first only.
        from companion.accounts.models import Role
        from tests.helpers import make_user

        with decided.services.sessions() as session:
            make_user(
                session,
                "both@example.org",
                (Role.coordinator, decided.other),
                (Role.mentee, decided.pilot),
            )
        with pytest.raises(NotFound):
            self.by_kind(decided, "both@example.org", program_id=decided.pilot)
        assert set(self.by_kind(decided, "both@example.org")) == {"nudge"}

    def test_an_organisation_coordinator_sees_every_program_but_not_others_answers(
        self, decided: World
    ) -> None:
        rows = self.by_kind(decided, "org@example.org")
        assert set(rows) == {"agenda", "nudge"}

    def test_the_system_sees_everything(self, decided: World) -> None:
        assert set(self.by_kind(decided, None)) == {"agenda", "nudge", "answer"}

    @pytest.mark.parametrize("email", ["maya@example.org", "eli@example.org"])
    def test_mentors_and_mentees_may_not_ask(self, decided: World, email: str) -> None:
        with pytest.raises(PermissionDenied):
            self.by_kind(decided, email)


class TestRoute:
    def test_a_coordinator_gets_their_programs_figures(self, decided: World) -> None:
        response = decided.client.get("/api/v1/review/stats", headers=decided.headers("lead"))

        assert response.status_code == 200
        kinds = {row["kind"]: row for row in response.json()["kinds"]}
        assert set(kinds) == {"agenda", "answer"}
        assert kinds["agenda"]["unedited_rate"] == 0.5
        assert kinds["answer"]["unedited_rate"] is None

    def test_another_programs_coordinator_gets_the_same_404_as_for_no_program(
        self, decided: World
    ) -> None:
        headers = decided.headers("elsewhere")
        answers = [
            decided.client.get(f"/api/v1/review/stats?program_id={p}", headers=headers)
            for p in (decided.pilot, 999_999)
        ]
        assert [a.status_code for a in answers] == [404, 404]
        assert answers[0].json() == answers[1].json()

    @pytest.mark.parametrize("who", ["maya", "omar"])
    def test_participants_are_refused(self, decided: World, who: str) -> None:
        response = decided.client.get("/api/v1/review/stats", headers=decided.headers(who))
        assert response.status_code == 403

    def test_anonymous_callers_are_refused(self, decided: World) -> None:
        assert decided.client.get("/api/v1/review/stats").status_code == 401
