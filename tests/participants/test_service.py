"""Importing participants into a program: all or nothing, idempotent, linked to user accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from companion.accounts import service as accounts
from companion.accounts.models import Role, User
from companion.audit.models import AuditEvent
from companion.db import session_scope
from companion.errors import InvalidInput
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.participants.schemas import ImportResult
from companion.programs import service as programs
from companion.programs.models import Program
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, make_user

HEADER = "id,name,email,role,title,manager_id,timezone,availability,capacity,avoid"
COHORT = [
    HEADER,
    "P1,Ada Mensah,ada@example.org,mentor,Staff Engineer,,Africa/Accra,Mon 09:00-11:00,2,",
    "P2,Bruno Lima,bruno@example.org,both,Data Lead,P1,America/Sao_Paulo,Tue-Thu 08:00-09:00,1,",
    "P3,Chen Wei,Chen.Wei@Example.org,mentee,Engineer,P1,,,,P2",
    "P4,Dina Haddad,dina@example.org,mentee,Analyst,,Europe/Berlin,Wed 14:00-16:00,,",
]
BAD = [
    HEADER,
    "P1,Good Person,p1@example.org,mentor,,,Europe/Berlin,Mon 09:00-10:00,2,",
    "P2,Bad Email,p2-at-example.org,mentee,,,,,,",
    "P3,Bad Zone,p3@example.org,mentee,,,Mars/Olympus_Mons,,,",
    "P4,Bad Slots,p4@example.org,mentee,,,,sometime next week,,",
    "P1,Second P1,p5@example.org,mentee,,,,,,",
    "P6,Lost Manager,p6@example.org,mentee,,X9,,,,",
    "P7,Lost Avoid,p7@example.org,mentee,,,,,,ghost",
]
DEMOGRAPHICS_HEADER = "id,name,email,role,gender,underrepresented,consent_demographics"


def file_of(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def import_file(
    services: Services, program_id: int, data: bytes, filename: str = "people.csv"
) -> ImportResult:
    with session_scope(services.sessions) as session:
        program = programs.get(session=session, program_id=program_id)
        return participants.import_participants(
            session=session,
            program_id=program.id,
            data=data,
            filename=filename,
            principal=TEST_SYSTEM,
        )


def rows_of(session: Session, program_id: int) -> dict[str, Participant]:
    return {
        p.external_id: p
        for p in participants.all_participants(session=session, program_id=program_id)
    }


def program_roles(user: User, program_id: int) -> set[str]:
    return {str(a.role) for a in user.roles if a.program_id == program_id}


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def program_id(services: Services) -> int:
    with session_scope(services.sessions) as session:
        return programs.create(session=session, name="Pilot", principal=TEST_SYSTEM).id


class TestImportParticipants:
    def test_creates_participants_and_users_with_their_roles(
        self, services: Services, program_id: int
    ) -> None:
        with services.sessions() as session:
            existing, _ = make_user(session, "dina@example.org", (Role.mentor, None))

        summary = import_file(services, program_id, file_of(*COHORT))

        assert summary.model_dump() == {
            "created": 4,
            "updated": 0,
            "unchanged": 0,
            "users_created": 3,
            "email_changes_held": 0,
        }
        with services.sessions() as session:
            rows = rows_of(session, program_id)
            assert set(rows) == {"P1", "P2", "P3", "P4"}
            assert rows["P3"].email == "chen.wei@example.org"
            assert rows["P2"].manager_id == "P1" and rows["P3"].avoid == ["P2"]
            assert rows["P2"].availability_text == "Tue-Thu 08:00-09:00"
            users = {u.email: u for u in session.scalars(select(User))}
            assert set(users) == {
                "ada@example.org",
                "bruno@example.org",
                "chen.wei@example.org",
                "dina@example.org",
            }
            for external_id, participant in rows.items():
                assert participant.user_id == users[participant.email].id, external_id
            assert program_roles(users["ada@example.org"], program_id) == {"mentor"}
            assert program_roles(users["bruno@example.org"], program_id) == {"mentor", "mentee"}
            assert program_roles(users["chen.wei@example.org"], program_id) == {"mentee"}
            assert users["bruno@example.org"].display_name == "Bruno Lima"
            # The person who already had an account keeps it, and what they had.
            dina = users["dina@example.org"]
            assert dina.id == existing.id
            assert program_roles(dina, program_id) == {"mentee"}
            assert (Role.mentor, None) in {(a.role, a.program_id) for a in dina.roles}

    def test_importing_the_same_file_again_changes_nothing(
        self, services: Services, program_id: int
    ) -> None:
        import_file(services, program_id, file_of(*COHORT))
        with services.sessions() as session:
            users_before = count(session, User)

        again = import_file(services, program_id, file_of(*COHORT))

        assert again.model_dump() == {
            "created": 0,
            "updated": 0,
            "unchanged": 4,
            "users_created": 0,
            "email_changes_held": 0,
        }
        with services.sessions() as session:
            assert count(session, User) == users_before
            assert count(session, Participant) == 4

    def test_one_changed_row_is_one_update(self, services: Services, program_id: int) -> None:
        import_file(services, program_id, file_of(*COHORT))
        changed = [line.replace("Data Lead", "Head of Data") for line in COHORT]

        summary = import_file(services, program_id, file_of(*changed))

        assert summary.model_dump() == {
            "created": 0,
            "updated": 1,
            "unchanged": 3,
            "users_created": 0,
            "email_changes_held": 0,
        }
        with services.sessions() as session:
            assert rows_of(session, program_id)["P2"].title == "Head of Data"

    def test_a_new_row_is_created_beside_the_unchanged_ones(
        self, services: Services, program_id: int
    ) -> None:
        import_file(services, program_id, file_of(*COHORT))
        summary = import_file(
            services,
            program_id,
            file_of(*COHORT, "P5,Eve Stone,eve@example.org,mentee,,P1,,,,"),
        )
        assert summary.model_dump() == {
            "created": 1,
            "updated": 0,
            "unchanged": 4,
            "users_created": 1,
            "email_changes_held": 0,
        }

    def test_a_bad_file_is_rejected_whole_listing_every_problem(
        self, services: Services, program_id: int
    ) -> None:
        with services.sessions() as session:
            users_before, events_before = count(session, User), count(session, AuditEvent)

        with pytest.raises(InvalidInput) as raised:
            import_file(services, program_id, file_of(*BAD))

        error = raised.value
        assert error.message.startswith("The file has 6 problem(s); nothing was imported.")
        assert [(d["line"], d["column"]) for d in error.details] == [
            (3, "email"),
            (4, "timezone"),
            (5, "availability"),
            (6, "id"),
            (7, "manager_id"),
            (8, "avoid"),
        ]
        messages = {d["column"]: d["message"] for d in error.details}
        assert "p2-at-example.org" in messages["email"]
        assert "Mars/Olympus_Mons" in messages["timezone"]
        assert "sometime next week" in messages["availability"]
        assert messages["id"] == "id 'P1' appears on lines 2 and 6"
        assert "'X9'" in messages["manager_id"]
        assert "'ghost'" in messages["avoid"]
        # The good rows of a bad file are not saved either, nor any account or event.
        with services.sessions() as session:
            assert count(session, Participant) == 0
            assert count(session, User) == users_before
            assert count(session, AuditEvent) == events_before

    def test_an_email_of_another_participant_is_a_problem(
        self, services: Services, program_id: int
    ) -> None:
        import_file(services, program_id, file_of(*COHORT))
        newcomer = file_of(HEADER, "P9,Someone Else,ADA@example.org,mentee,,,,,,")

        with pytest.raises(InvalidInput) as raised:
            import_file(services, program_id, newcomer)

        assert raised.value.details == [
            {
                "line": 2,
                "column": "email",
                "message": "ada@example.org already belongs to participant 'P1' in this program",
            }
        ]
        with services.sessions() as session:
            assert "P9" not in rows_of(session, program_id)

    def test_the_same_email_in_another_program_is_fine(
        self, services: Services, program_id: int
    ) -> None:
        import_file(services, program_id, file_of(*COHORT))
        with session_scope(services.sessions) as session:
            other = programs.create(session=session, name="Other", principal=TEST_SYSTEM).id

        summary = import_file(services, other, file_of(HEADER, COHORT[1]))

        assert summary.model_dump() == {
            "created": 1,
            "updated": 0,
            "unchanged": 0,
            "users_created": 0,
            "email_changes_held": 0,
        }
        with services.sessions() as session:
            ada = accounts.get_by_email(session=session, email="ada@example.org")
            assert program_roles(ada, other) == {"mentor"}
            assert program_roles(ada, program_id) == {"mentor"}

    def test_demographics_are_stored_only_with_consent(
        self, services: Services, program_id: int
    ) -> None:
        import_file(
            services,
            program_id,
            file_of(
                DEMOGRAPHICS_HEADER,
                "D1,Consenting,d1@example.org,mentee,woman,yes,yes",
                "D2,Private,d2@example.org,mentee,man,no,no",
                "D3,Silent,d3@example.org,mentee,nonbinary,yes,",
            ),
        )
        with services.sessions() as session:
            rows = rows_of(session, program_id)
            stored = {
                key: (p.gender, p.underrepresented, p.consent_demographics)
                for key, p in rows.items()
            }
        assert stored == {
            "D1": ("woman", True, True),
            "D2": (None, None, False),
            "D3": (None, None, False),
        }

        # Withdrawing consent later clears what was kept.
        withdrawn = import_file(
            services,
            program_id,
            file_of(DEMOGRAPHICS_HEADER, "D1,Consenting,d1@example.org,mentee,woman,yes,no"),
        )
        assert withdrawn.updated == 1
        with services.sessions() as session:
            d1 = rows_of(session, program_id)["D1"]
            assert (d1.gender, d1.underrepresented, d1.consent_demographics) == (None, None, False)

    def test_the_import_is_audited_with_its_counts(
        self, services: Services, program_id: int
    ) -> None:
        import_file(services, program_id, file_of(*COHORT), filename="spring.csv")
        with services.sessions() as session:
            [event] = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "participants.imported")
            ).all()
        assert event.actor_label == TEST_ACTOR.label
        assert (event.subject_type, event.subject_id, event.program_id) == (
            "program",
            str(program_id),
            program_id,
        )
        assert event.data == {
            "file": "spring.csv",
            "created": 4,
            "updated": 0,
            "unchanged": 0,
            "users_created": 4,
            "email_changes_held": 0,
        }

    @pytest.mark.parametrize(
        ("filename", "message"),
        [
            ("people.xlsx", "save it as CSV"),
            ("people.json", "plain JSON"),
        ],
    )
    def test_a_file_name_without_a_known_format_is_refused(
        self, services: Services, program_id: int, filename: str, message: str
    ) -> None:
        with pytest.raises(InvalidInput, match=message):
            import_file(services, program_id, file_of(*COHORT), filename=filename)

    def test_json_lines_import_like_csv(self, services: Services, program_id: int) -> None:
        data = (
            b'{"id": "J1", "name": "Jo Park", "email": "jo@example.org", "role": "mentor",'
            b' "languages": ["english", "korean"], "capacity": 2}\n'
            b'{"id": "J2", "name": "Kim Lee", "email": "kim@example.org", "role": "mentee",'
            b' "manager_id": "J1"}\n'
        )
        summary = import_file(services, program_id, data, filename="people.jsonl")
        assert (summary.created, summary.users_created) == (2, 2)
        with services.sessions() as session:
            rows = rows_of(session, program_id)
        assert rows["J1"].languages == ["english", "korean"] and rows["J1"].capacity == 2
        assert rows["J2"].capacity == 0


class TestCheckFile:
    def test_reports_problems_and_saves_nothing(self, services: Services, program_id: int) -> None:
        with services.sessions() as session:
            program = session.get(Program, program_id)
            records, problems = participants.check_file(
                principal=TEST_SYSTEM,
                session=session,
                program_id=program.id,
                data=file_of(*BAD),
                filename="bad.csv",
            )
            # Rows without a problem of their own are read, but nothing is saved.
            assert [r.external_id for r in records] == ["P1"]
            assert len(problems) == 6
            good, none = participants.check_file(
                principal=TEST_SYSTEM,
                session=session,
                program_id=program.id,
                data=file_of(*COHORT),
                filename="ok.csv",
            )
            assert [r.external_id for r in good] == ["P1", "P2", "P3", "P4"] and none == []
            assert count(session, Participant) == 0


class TestListParticipants:
    def test_role_filter_counts_both_as_mentor_and_mentee(
        self, services: Services, program_id: int
    ) -> None:
        import_file(services, program_id, file_of(*COHORT))
        with services.sessions() as session:

            def ids(role: str | None, **page: int) -> tuple[list[str], int]:
                rows, total = participants.list_participants(
                    session=session, program_id=program_id, role=role, principal=TEST_SYSTEM, **page
                )
                return [r.external_id for r in rows], total

            assert ids(None) == (["P1", "P2", "P3", "P4"], 4)
            assert ids("mentor") == (["P1", "P2"], 2)
            assert ids("mentee") == (["P2", "P3", "P4"], 3)
            assert ids(None, limit=2, offset=1) == (["P2", "P3"], 4)
