"""Matching runs as coordinators use them: propose, then approve, reject or swap."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import embeddings
from companion.accounts import service as accounts
from companion.audit.models import AuditEvent
from companion.db import session_scope
from companion.errors import Conflict, InvalidInput, NotFound
from companion.matching import service as matching
from companion.matching.config import COMPONENTS, MatchingSettings
from companion.matching.models import MatchProposal, MatchRun, Relationship
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import service as relationship_service
from companion.runtime import Services
from tests.conftest import Databases
from tests.helpers import TEST_SYSTEM
from tests.matching.conftest import (
    ANA,
    BEN,
    BEST_PAIRS,
    CHEN,
    DAN,
    DEMO_CSV,
    SMALL,
    XAVIER,
    YASMIN,
    ZOE,
    import_cohort,
    to_csv,
)

WEEK = date(2026, 6, 8)


def run(services: Services, program_id: int) -> dict[str, Any]:
    """One matching run, as scripts read it."""
    with session_scope(services.sessions) as session:
        created = matching.run(
            session=session,
            vectors=services.profile_vectors,
            program_id=program_id,
            principal=TEST_SYSTEM,
            week_of=WEEK,
        )
        return matching.run_payload(
            session=session, run_id=created.id, principal=TEST_SYSTEM
        ).model_dump()


def show(services: Services, run_id: int) -> dict[str, Any]:
    with services.sessions() as session:
        return matching.run_payload(
            session=session, run_id=run_id, principal=TEST_SYSTEM
        ).model_dump()


def pairs(payload: dict[str, Any]) -> dict[str, str]:
    """mentee id -> mentor id, as imported."""
    return {m["mentee_id"]: m["mentor_id"] for m in payload["matches"]}


def proposal_for(payload: dict[str, Any], mentee_id: str) -> int:
    [found] = [m["proposal_id"] for m in payload["matches"] if m["mentee_id"] == mentee_id]
    return found


def approve(services: Services, proposal_id: int) -> int:
    """Approve in its own transaction; return the relationship id."""
    with session_scope(services.sessions) as session:
        return matching.approve(session=session, proposal_id=proposal_id, principal=TEST_SYSTEM).id


def reject(services: Services, proposal_id: int) -> None:
    with session_scope(services.sessions) as session:
        matching.reject(session=session, proposal_id=proposal_id, principal=TEST_SYSTEM)


def swap(services: Services, first: int, second: int, *, accept_lower: bool = True) -> None:
    with session_scope(services.sessions) as session:
        matching.swap(
            session=session,
            vectors=services.profile_vectors,
            first_id=first,
            second_id=second,
            principal=TEST_SYSTEM,
            accept_lower=accept_lower,
        )


def pair_outside_matching(services: Services, program_id: int, *, mentor: str, mentee: str) -> None:
    with session_scope(services.sessions) as session:
        ids = {
            p.external_id: p.id
            for p in participants.all_participants(session=session, program_id=program_id)
        }
        relationship_service.create_pair(
            session=session,
            program=session.get(Program, program_id),
            mentor_id=ids[mentor],
            mentee_id=ids[mentee],
        )


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )


def relationships(session: Session) -> list[tuple[str, str, str]]:
    """(mentor id, mentee id, status) of every relationship, ids as imported."""
    ids = dict(session.execute(select(Participant.id, Participant.external_id)).all())
    return [
        (ids[r.mentor_id], ids[r.mentee_id], r.status)
        for r in session.scalars(select(Relationship).order_by(Relationship.id))
    ]


def line_above(person: Participant, everyone: dict[str, Participant]) -> set[str]:
    """A person's manager and their manager's manager."""
    above = set()
    if person.manager_id:
        above.add(person.manager_id)
        manager = everyone.get(person.manager_id)
        if manager is not None and manager.manager_id:
            above.add(manager.manager_id)
    return above


def assert_hard_rules(everyone: dict[str, Participant], matches: list[dict[str, Any]]) -> None:
    """Recompute every hard rule of the default settings from the participants themselves."""
    for match in matches:
        mentor, mentee = everyone[match["mentor_id"]], everyone[match["mentee_id"]]
        pair = f"{mentee.external_id} <- {mentor.external_id}"
        assert mentor.is_mentor and mentee.is_mentee, pair
        assert mentor.external_id != mentee.external_id, pair
        if mentor.languages and mentee.languages:
            assert set(mentor.languages) & set(mentee.languages), pair
        assert mentor.external_id not in line_above(mentee, everyone), pair
        assert mentee.external_id not in line_above(mentor, everyone), pair
        assert not (mentee.manager_id and mentee.manager_id == mentor.manager_id), pair
        assert mentor.external_id not in mentee.avoid, pair
        assert mentee.external_id not in mentor.avoid, pair
    load = Counter(match["mentor_id"] for match in matches)
    for mentor_id, mentees in load.items():
        assert mentees <= everyone[mentor_id].capacity, mentor_id


@pytest.fixture
def pilot(services: Services) -> int:
    """The small cohort imported into a fresh program."""
    return import_cohort(services, to_csv(SMALL))


@dataclass(frozen=True)
class DemoRun:
    services: Services
    program_id: int
    payload: dict[str, Any]


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, databases: Databases, encoder
) -> Iterator[DemoRun]:
    """The 52-person demo cohort imported and matched once; tests only add runs to it."""
    settings = databases.new(tmp_path_factory.mktemp("demo-matching") / "var")
    data_dir = settings.data_dir
    built = Services(
        settings,
        encoder=encoder,
        chroma=embeddings.make_chroma_client(path=data_dir / "chroma"),
    )
    program_id = import_cohort(built, DEMO_CSV.read_bytes(), program="Demo", filename="demo.csv")
    yield DemoRun(built, program_id, run(built, program_id))
    built.close()


class TestRunOnTheDemoCohort:
    def test_proposals_come_with_reasons_and_bounded_components(self, demo: DemoRun) -> None:
        matches = demo.payload["matches"]
        assert len(matches) >= 25
        for match in matches:
            assert match["reasons"] and all(r.strip() for r in match["reasons"])
            assert set(match["components"]) == set(COMPONENTS)
            assert all(0 <= v <= 1 for v in match["components"].values()), match
            assert 0 <= match["score"] <= 1
            assert match["status"] == "proposed"
        assert demo.payload["objective"] == pytest.approx(
            sum(m["score"] for m in matches), abs=1e-3
        )

    def test_every_proposal_respects_the_hard_rules(self, demo: DemoRun) -> None:
        with demo.services.sessions() as session:
            everyone = {
                p.external_id: p
                for p in participants.all_participants(session=session, program_id=demo.program_id)
            }
        assert len(everyone) == 52
        assert_hard_rules(everyone, demo.payload["matches"])

    def test_every_mentee_is_proposed_or_told_why_not(self, demo: DemoRun) -> None:
        with demo.services.sessions() as session:
            mentees = {
                p.external_id
                for p in participants.all_participants(session=session, program_id=demo.program_id)
                if p.is_mentee
            }
        proposed = [m["mentee_id"] for m in demo.payload["matches"]]
        unmatched = {u["mentee_id"]: u["reason"] for u in demo.payload["unmatched"]}
        assert len(proposed) == len(set(proposed))
        assert set(proposed) | set(unmatched) == mentees
        assert not set(proposed) & set(unmatched)
        assert unmatched, "the demo has more mentees than mentor places"
        assert all(reason.strip() for reason in unmatched.values())
        assert demo.payload["fairness"]["matched"] == len(proposed)
        assert demo.payload["fairness"]["mentees"] == len(mentees)

    def test_the_run_awaits_approval_and_nobody_is_told(self, demo: DemoRun) -> None:
        assert demo.payload["status"] == "awaiting_approval"
        with demo.services.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Relationship)) == 0
            mentee = accounts.get_by_email(session=session, email="mentee@demo.example")
            program = session.get(Program, demo.program_id)
            visible, total = relationship_service.list_visible(
                session=session, program=program, principal=mentee
            )
            assert (visible, total) == ([], 0)
            [event] = events(session, "matching.run_created")
        assert event.data == {
            "proposals": len(demo.payload["matches"]),
            "unmatched": len(demo.payload["unmatched"]),
            "objective": demo.payload["objective"],
        }

    def test_the_same_data_gives_the_same_pairs_and_scores(self, demo: DemoRun) -> None:
        again = run(demo.services, demo.program_id)

        def outcome(payload: dict[str, Any]) -> set[tuple[str, str, float]]:
            return {(m["mentee_id"], m["mentor_id"], m["score"]) for m in payload["matches"]}

        assert again["run_id"] != demo.payload["run_id"]
        assert outcome(again) == outcome(demo.payload)
        assert again["objective"] == demo.payload["objective"]
        assert again["unmatched"] == demo.payload["unmatched"]


class TestRun:
    def test_pairs_by_meaning_and_stores_a_run(self, services: Services, pilot: int) -> None:
        payload = run(services, pilot)
        assert pairs(payload) == BEST_PAIRS
        assert payload["unmatched"] == []
        assert payload["program"] == "Pilot"
        with services.sessions() as session:
            stored = matching.get_run(
                session=session, run_id=payload["run_id"], principal=TEST_SYSTEM
            )
            assert stored.settings["week_of"] == WEEK.isoformat()
            assert stored.created_by == TEST_SYSTEM.label

    def test_a_program_without_mentors_or_mentees_is_refused(self, services: Services) -> None:
        only_mentees = import_cohort(services, to_csv([ANA, CHEN]), program="Mentees only")
        with pytest.raises(InvalidInput, match="no mentors"):
            run(services, only_mentees)
        only_mentors = import_cohort(services, to_csv([YASMIN]), program="Mentors only")
        with pytest.raises(InvalidInput, match="no unmatched mentees"):
            run(services, only_mentors)

    def test_an_unmatched_mentee_is_told_why(self, services: Services) -> None:
        french_only = {**DAN, "languages": "french"}
        program_id = import_cohort(services, to_csv([YASMIN, ZOE, french_only]))
        payload = run(services, program_id)
        assert payload["matches"] == []
        assert payload["unmatched"] == [
            {
                "mentee_id": "E4",
                "reason": "No mentor shares a language with Dan Moreau (french).",
            }
        ]


class TestApprove:
    def test_makes_a_relationship_and_an_audit_event(self, services: Services, pilot: int) -> None:
        payload = run(services, pilot)
        proposal_id = proposal_for(payload, "E2")

        relationship_id = approve(services, proposal_id)

        with services.sessions() as session:
            assert relationships(session) == [("M3", "E2", "active")]
            proposal = session.get(MatchProposal, proposal_id)
            assert proposal.status == "approved"
            assert proposal.decided_by == TEST_SYSTEM.label and proposal.decided_at is not None
            [event] = events(session, "matching.proposal_approved")
            ben = accounts.get_by_email(session=session, email="ben@example.org")
            [visible], _ = relationship_service.list_visible(
                session=session, program=session.get(Program, pilot), principal=ben
            )
        assert (event.subject_type, event.subject_id) == ("match_proposal", str(proposal_id))
        assert event.data["relationship_id"] == relationship_id
        assert (visible.mentor_name, visible.mentee_name) == ("Zoe Park", "Ben Okoro")
        assert show(services, payload["run_id"])["status"] == "awaiting_approval"

    def test_approving_twice_changes_nothing(self, services: Services, pilot: int) -> None:
        proposal_id = proposal_for(run(services, pilot), "E1")
        first = approve(services, proposal_id)
        assert approve(services, proposal_id) == first
        with services.sessions() as session:
            assert len(relationships(session)) == 1
            assert len(events(session, "matching.proposal_approved")) == 1

    def test_a_rejected_proposal_cannot_be_approved(self, services: Services, pilot: int) -> None:
        proposal_id = proposal_for(run(services, pilot), "E1")
        reject(services, proposal_id)
        with pytest.raises(Conflict, match="rejected"):
            approve(services, proposal_id)

    def test_a_newer_run_supersedes_the_older_one(self, services: Services, pilot: int) -> None:
        first, second = run(services, pilot), run(services, pilot)
        with pytest.raises(Conflict, match="superseded by run"):
            approve(services, proposal_for(first, "E1"))
        old = show(services, first["run_id"])
        assert (old["status"], old["superseded_by"]) == ("superseded", second["run_id"])
        assert {m["status"] for m in old["matches"]} == {"superseded"}
        with pytest.raises(Conflict, match="superseded"):
            reject(services, proposal_for(first, "E1"))
        with services.sessions() as session:
            assert relationships(session) == []
            [event] = events(session, "matching.run_superseded")
            assert event.data == {"superseded_by": second["run_id"], "proposals": 3}
        approve(services, proposal_for(second, "E1"))

    def test_a_mentee_already_paired_is_a_conflict(self, services: Services, pilot: int) -> None:
        payload = run(services, pilot)
        pair_outside_matching(services, pilot, mentor="M3", mentee="E1")
        with pytest.raises(Conflict, match="already in an active relationship"):
            approve(services, proposal_for(payload, "E1"))

    def test_a_mentor_who_became_full_is_a_conflict(self, services: Services, pilot: int) -> None:
        payload = run(services, pilot)
        # Ben is moved to Yasmin; meanwhile Yasmin takes Chen outside this run.
        swap(services, proposal_for(payload, "E1"), proposal_for(payload, "E2"))
        assert pairs(show(services, payload["run_id"]))["E2"] == "M1"
        pair_outside_matching(services, pilot, mentor="M1", mentee="E3")

        with pytest.raises(Conflict, match=r"Yasmin Haddad has no capacity left \(1\)"):
            approve(services, proposal_for(payload, "E2"))
        with services.sessions() as session:
            assert relationships(session) == [("M1", "E3", "active")]

    def test_unknown_proposal_is_not_found(self, services: Services) -> None:
        with pytest.raises(NotFound):
            approve(services, 999)


class TestReject:
    def test_marks_the_proposal_and_audits(self, services: Services, pilot: int) -> None:
        proposal_id = proposal_for(run(services, pilot), "E3")
        reject(services, proposal_id)
        reject(services, proposal_id)
        with services.sessions() as session:
            proposal = session.get(MatchProposal, proposal_id)
            assert proposal.status == "rejected" and proposal.decided_by == TEST_SYSTEM.label
            assert len(events(session, "matching.proposal_rejected")) == 1
            assert relationships(session) == []

    def test_an_approved_proposal_cannot_be_rejected(self, services: Services, pilot: int) -> None:
        proposal_id = proposal_for(run(services, pilot), "E3")
        approve(services, proposal_id)
        with pytest.raises(Conflict, match="already approved"):
            reject(services, proposal_id)


class TestApproveAll:
    def test_approves_what_is_pending_and_closes_the_run(
        self, services: Services, pilot: int
    ) -> None:
        payload = run(services, pilot)
        reject(services, proposal_for(payload, "E3"))
        with session_scope(services.sessions) as session:
            approved = matching.approve_all(
                session=session, run_id=payload["run_id"], principal=TEST_SYSTEM
            )
        assert len(approved.approved) == 2 and approved.refused == []
        after = show(services, payload["run_id"])
        assert after["status"] == "closed"
        assert {m["mentee_id"]: m["status"] for m in after["matches"]} == {
            "E1": "approved",
            "E2": "approved",
            "E3": "rejected",
        }
        with services.sessions() as session:
            assert sorted(relationships(session)) == [
                ("M1", "E1", "active"),
                ("M3", "E2", "active"),
            ]

    def test_deciding_one_by_one_also_closes_the_run(self, services: Services, pilot: int) -> None:
        payload = run(services, pilot)
        approve(services, proposal_for(payload, "E1"))
        reject(services, proposal_for(payload, "E2"))
        assert show(services, payload["run_id"])["status"] == "awaiting_approval"
        approve(services, proposal_for(payload, "E3"))
        assert show(services, payload["run_id"])["status"] == "closed"


class TestSecondRun:
    def test_proposes_only_for_unpaired_mentees_within_remaining_capacity(
        self, services: Services, pilot: int
    ) -> None:
        first = run(services, pilot)
        approve(services, proposal_for(first, "E2"))  # Zoe (capacity 1) takes Ben
        # Dan needs what Zoe offers, but she is full.
        import_cohort(services, to_csv([*SMALL, DAN]))

        second = run(services, pilot)

        proposed = pairs(second)
        unmatched = {u["mentee_id"] for u in second["unmatched"]}
        assert "E2" not in proposed and "E2" not in unmatched
        assert set(proposed) | unmatched == {"E1", "E3", "E4"}
        assert "M3" not in proposed.values()
        assert len(proposed) == 2  # Yasmin and Xavier have one place each

        # With a second place, Zoe gets Dan: her existing mentee counts against two.
        import_cohort(
            services, to_csv([YASMIN, XAVIER, {**ZOE, "capacity": "2"}, ANA, BEN, CHEN, DAN])
        )
        third = run(services, pilot)
        assert pairs(third) == {"E1": "M1", "E3": "M2", "E4": "M3"}

    def test_skip_level_is_excluded_when_the_manager_in_between_is_already_paired(
        self, services: Services
    ) -> None:
        boss = {**YASMIN, "id": "B1", "capacity": "2"}
        other = {**XAVIER, "id": "O1"}
        lead = {**CHEN, "id": "L1", "manager_id": "B1"}
        report = {**ANA, "id": "R1", "manager_id": "L1"}
        program_id = import_cohort(services, to_csv([boss, other, lead, report]))
        first = run(services, program_id)
        # B1 manages L1 and is R1's skip-level manager, so both can only have O1.
        assert pairs(first) == {"L1": "O1"}
        approve(services, proposal_for(first, "L1"))

        second = run(services, program_id)

        # L1 is no longer matched, but still sits between R1 and B1.
        assert pairs(second) == {}, second["matches"]
        assert [u["mentee_id"] for u in second["unmatched"]] == ["R1"]


class TestSwap:
    def test_exchanges_mentors_rescored_and_explained(self, services: Services, pilot: int) -> None:
        payload = run(services, pilot)
        before = {m["mentee_id"]: m for m in payload["matches"]}
        ana, ben = proposal_for(payload, "E1"), proposal_for(payload, "E2")

        # The swap lowers the score: it says by how much, and saves nothing until confirmed.
        with pytest.raises(Conflict, match=r"lowers the score by 0\.\d\d in total \(Ana Silva"):
            swap(services, ana, ben, accept_lower=False)
        assert show(services, payload["run_id"])["matches"] == payload["matches"]
        swap(services, ana, ben)

        after = show(services, payload["run_id"])
        now = {m["mentee_id"]: m for m in after["matches"]}
        assert pairs(after) == {"E1": "M3", "E2": "M1", "E3": "M2"}
        weights = MatchingSettings().weights.normalised()
        for mentee_id, mentor_name in (("E1", "Zoe Park"), ("E2", "Yasmin Haddad")):
            match = now[mentee_id]
            assert match["proposal_id"] == before[mentee_id]["proposal_id"]
            assert match["status"] == "proposed"
            assert match["score"] != before[mentee_id]["score"]
            assert all(0 <= v <= 1 for v in match["components"].values())
            assert match["score"] == pytest.approx(
                sum(weights[k] * v for k, v in match["components"].items()), abs=1e-3
            )
            assert match["reasons"] != before[mentee_id]["reasons"]
            assert any(mentor_name in reason for reason in match["reasons"])
        # The meaning-based pairs scored higher: the swap costs objective.
        assert after["objective"] == pytest.approx(sum(m["score"] for m in now.values()), abs=1e-3)
        assert after["objective"] < payload["objective"]
        with services.sessions() as session:
            [event] = events(session, "matching.proposals_swapped")
        assert event.data["proposals"] == [ana, ben]
        assert event.data["score_change"] == pytest.approx(
            after["objective"] - payload["objective"], abs=1e-3
        )
        assert event.subject_id == str(payload["run_id"])

    def test_a_swap_breaking_a_hard_rule_is_a_conflict(
        self, services: Services, pilot: int
    ) -> None:
        payload = run(services, pilot)
        # Ben avoids Xavier, whom Chen has.
        with pytest.raises(Conflict, match="Ben Okoro cannot be paired with Xavier Dupont"):
            swap(services, proposal_for(payload, "E2"), proposal_for(payload, "E3"))
        after = show(services, payload["run_id"])
        assert after["matches"] == payload["matches"]
        assert after["objective"] == payload["objective"]
        with services.sessions() as session:
            assert events(session, "matching.proposals_swapped") == []

    def test_a_swap_to_a_skip_level_manager_is_a_conflict(self, services: Services) -> None:
        boss = {**YASMIN, "id": "B1"}
        other = {**XAVIER, "id": "O1"}
        lead = {**ZOE, "id": "L1", "manager_id": "B1", "capacity": "0"}
        report = {**CHEN, "id": "R1", "manager_id": "L1"}
        outsider = {**ANA, "id": "X1"}
        program_id = import_cohort(services, to_csv([boss, other, lead, report, outsider]))
        payload = run(services, program_id)
        assert pairs(payload) == {"R1": "O1", "X1": "B1"}

        # L1, the manager in between, is not one of the four people swapped.
        with pytest.raises(Conflict, match="Chen Li cannot be paired with Yasmin Haddad"):
            swap(services, proposal_for(payload, "R1"), proposal_for(payload, "X1"))

    def test_only_pending_proposals_of_one_run(self, services: Services, pilot: int) -> None:
        first, second = run(services, pilot), run(services, pilot)
        with pytest.raises(InvalidInput, match="same run"):
            swap(services, proposal_for(first, "E1"), proposal_for(second, "E2"))
        with pytest.raises(InvalidInput, match="two different"):
            swap(services, proposal_for(first, "E1"), proposal_for(first, "E1"))
        with pytest.raises(Conflict, match="already superseded"):
            swap(services, proposal_for(first, "E1"), proposal_for(first, "E2"))
        approve(services, proposal_for(second, "E1"))
        with pytest.raises(Conflict, match="already approved"):
            swap(services, proposal_for(second, "E1"), proposal_for(second, "E2"))

    def test_runs_are_listed_newest_first(self, services: Services, pilot: int) -> None:
        ids = [run(services, pilot)["run_id"] for _ in range(3)]
        with services.sessions() as session:
            rows, total = matching.list_runs(
                session=session, program_id=pilot, principal=TEST_SYSTEM, limit=2
            )
            assert total == 3
            assert [r.id for r in rows] == ids[::-1][:2]
            assert session.scalar(select(func.count()).select_from(MatchRun)) == 3
