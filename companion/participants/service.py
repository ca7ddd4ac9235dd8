"""Import participants (all or nothing), list them, and turn them into matching profiles."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from companion.accounts import policy as accounts_policy
from companion.accounts import service as accounts
from companion.accounts.models import EmailChange, EmailChangeStatus, Role, User
from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db import end_reads, fetch_page
from companion.db.base import utcnow
from companion.errors import InvalidInput
from companion.participants.importer import (
    COLUMNS,
    Format,
    ImportProblem,
    ParticipantRecord,
    detect_format,
    parse_participants,
)
from companion.participants.models import Participant
from companion.participants.schemas import ImportPreview, ImportResult
from companion.programs import policy as program_policy
from companion.programs.models import Program

ROLES_OF = {"mentor": (Role.mentor,), "mentee": (Role.mentee,), "both": (Role.mentor, Role.mentee)}
# Every column but `id` (stored as external_id), plus the availability as written.
RECORD_FIELDS = (*(c for c in COLUMNS if c != "id"), "availability_text")


def _values(record: ParticipantRecord) -> dict:
    values = {name: getattr(record, name) for name in RECORD_FIELDS}
    for name in ("languages", "skills", "communication", "avoid"):
        values[name] = list(values[name])
    values["availability"] = [[s.day, s.start, s.end] for s in record.availability]
    return values


def _problems_error(problems: list[ImportProblem]) -> InvalidInput:
    shown = "; ".join(str(p) for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return InvalidInput(
        f"The file has {len(problems)} problem(s); nothing was imported. {shown}{more}",
        details=[{"line": p.line, "column": p.column, "message": p.message} for p in problems],
    )


def check_file(
    *, session: Session, program_id: int, data: bytes, filename: str, principal: Principal
) -> tuple[list[ParticipantRecord], list[ImportProblem]]:
    """Parse and validate without saving (also used for a preview)."""
    program = program_policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    file_format = _format_of(filename)
    existing = _existing(session, program)
    records, problems = parse_participants(data, format=file_format, existing_ids=existing.keys())
    problems = _with_taken_emails(records, problems, existing)
    return records, _with_changes_beyond_reach(session, program, records, problems, principal)


def _format_of(filename: str) -> Format:
    try:
        return detect_format(filename)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="filename") from None


def _existing(session: Session, program: Program) -> dict[str, str]:
    """The program's participants now: participant id -> email."""
    return {
        p.external_id: p.email
        for p in session.scalars(select(Participant).where(Participant.program_id == program.id))
    }


def _with_taken_emails(
    records: list[ParticipantRecord], problems: list[ImportProblem], existing: dict[str, str]
) -> list[ImportProblem]:
    """`problems` and every row whose email belongs to another participant of the program."""
    taken = {email: ext for ext, email in existing.items()}
    found = list(problems)
    for record in records:
        owner = taken.get(record.email)
        if owner is not None and owner != record.external_id:
            found.append(
                ImportProblem(
                    record.line,
                    "email",
                    f"{record.email} already belongs to participant {owner!r} in this program",
                )
            )
    return sorted(found, key=lambda p: (p.line, p.column))


def _with_changes_beyond_reach(
    session: Session,
    program: Program,
    records: list[ParticipantRecord],
    problems: list[ImportProblem],
    principal: Principal,
) -> list[ImportProblem]:
    """`problems` and every row that asks for a new address for an account beyond the
    importer's reach (an administrator's, or one with a seat in another program): a
    change held for such an account would put its password resets one click away."""
    seats = {
        p.external_id: p
        for p in session.scalars(
            select(Participant).where(
                Participant.program_id == program.id, Participant.user_id.is_not(None)
            )
        )
    }
    found = list(problems)
    for record in records:
        seat = seats.get(record.external_id)
        if seat is None or seat.email == record.email:
            continue
        account = session.get(User, seat.user_id)
        if account is not None and not accounts_policy.within_reach(principal, account):
            found.append(
                ImportProblem(
                    record.line,
                    "email",
                    f"the account of {seat.email} also belongs beyond the programs you "
                    "coordinate, so an import cannot change its address: keep "
                    f"{seat.email} in the file, or ask an administrator",
                )
            )
    return sorted(found, key=lambda p: (p.line, p.column))


def check_importable(
    *, session: Session, program_id: int, data: bytes, filename: str, principal: Principal
) -> int:
    """`check_file`, refusing the file as `import_participants` would; the rows it holds."""
    records, problems = check_file(
        session=session, program_id=program_id, data=data, filename=filename, principal=principal
    )
    if problems:
        raise _problems_error(problems)
    if not records:
        raise InvalidInput("The file has a header but no participants.", field="file")
    return len(records)


def preview(
    *, session: Session, program_id: int, data: bytes, filename: str, principal: Principal
) -> ImportPreview:
    """What importing the file would do, saving nothing: counts and every problem."""
    records, problems = check_file(
        session=session, program_id=program_id, data=data, filename=filename, principal=principal
    )
    return ImportPreview.from_check(records, problems)


def import_participants(
    *, session: Session, program_id: int, data: bytes, filename: str, principal: Principal
) -> ImportResult:
    """Create or update participants by id; any problem rejects the whole file.

    A row is bound to its account by (program, participant id). A new row joins
    the account of its email (created if there is none). An existing row keeps
    its account for good: a different email in the file is held for an
    administrator (`companion.credentials.service.decide_email_change`) and
    audited old -> new, never applied by the import, since whoever controls an
    account's address controls its password resets.
    """
    program = program_policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
    actor = actor_of(principal)
    file_format = _format_of(filename)
    known = _existing(session, program).keys()
    # The file is parsed with no transaction open, so a large one holds no lock; the
    # writes then go in one short transaction, checked against the program as it is.
    end_reads(session)
    records, problems = parse_participants(data, format=file_format, existing_ids=known)
    problems = _with_taken_emails(records, problems, _existing(session, program))
    problems = _with_changes_beyond_reach(session, program, records, problems, principal)
    if problems:
        raise _problems_error(problems)
    if not records:
        raise InvalidInput("The file has a header but no participants.", field="file")
    existing = {
        p.external_id: p
        for p in session.scalars(select(Participant).where(Participant.program_id == program.id))
    }
    users = accounts.by_emails(session=session, emails=(r.email for r in records))
    # Accounts for every row that has none yet, created together: one at a time,
    # their round trips were nearly all of a large import's time.
    wanted: dict[str, accounts.NewUser] = {}
    for record in records:
        row = existing.get(record.external_id)
        if (row is None or row.user_id is None) and record.email not in users:
            wanted.setdefault(
                record.email,
                accounts.NewUser(
                    email=record.email,
                    display_name=record.name,
                    roles=[(r, program.id) for r in ROLES_OF[record.role]],
                ),
            )
    new_users = accounts.create_many(session=session, users=list(wanted.values()), actor=actor)
    users.update(zip(wanted, new_users, strict=True))
    users_created = len(new_users)
    created = updated = unchanged = held = 0
    for record in records:
        values = _values(record)
        row = existing.get(record.external_id)
        if row is not None and row.user_id is not None and row.email != record.email:
            held += _hold_email_change(session, row, record.email, program, actor)
            values["email"] = row.email
        if row is None:
            user = users[record.email]
            row = Participant(
                program_id=program.id, external_id=record.external_id, user_id=user.id, **values
            )
            session.add(row)
            created += 1
        else:
            if any(getattr(row, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.updated_at = utcnow()
                updated += 1
            else:
                unchanged += 1
            if row.user_id is None:
                user = users[record.email]
                row.user_id = user.id
            else:
                user = session.get(User, row.user_id)
        for role in ROLES_OF[record.role]:
            accounts.grant_role(
                session=session, user=user, role=role, program_id=program.id, actor=actor
            )
    session.flush()
    summary = ImportResult(
        created=created,
        updated=updated,
        unchanged=unchanged,
        users_created=users_created,
        email_changes_held=held,
    )
    audit.record(
        session=session,
        actor=actor,
        action="participants.imported",
        subject_type="program",
        subject_id=program.id,
        program_id=program.id,
        data={"file": filename, **summary.model_dump()},
    )
    return summary


def _hold_email_change(
    session: Session, row: Participant, new_email: str, program: Program, actor: Actor
) -> int:
    """Record (once) that an import asks for a participant's account to get a new address."""
    pending = session.scalars(
        select(EmailChange).where(
            EmailChange.user_id == row.user_id,
            EmailChange.new_email == new_email,
            EmailChange.status == EmailChangeStatus.pending,
        )
    ).first()
    if pending is not None:
        return 0
    change = EmailChange(
        user_id=row.user_id,
        program_id=program.id,
        old_email=row.email,
        new_email=new_email,
        requested_by=actor.label,
    )
    session.add(change)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="users.email_change_held",
        subject_type="user",
        subject_id=row.user_id,
        program_id=program.id,
        data={
            "participant": row.external_id,
            "old": row.email,
            "new": new_email,
            "change_id": change.id,
        },
    )
    return 1


def list_participants(
    *,
    session: Session,
    program_id: int,
    principal: Principal,
    role: str | None = None,
    search: str | None = None,
    sort: str = "id",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Participant], int]:
    """A page of the program's participants, for its coordinators.

    `search` keeps those whose name, email or id holds it (any case); `sort` is one of
    SORTS: by id (as imported), by name, or newest first (the latest added on top)."""
    program_policy.coordinated_program(session=session, program_id=program_id, principal=principal)
    query = select(Participant).where(
        Participant.program_id == program_id, *listed_where(role=role, search=search)
    )
    return fetch_page(session, query, order_by=order_of(sort), limit=limit, offset=offset)


def listed_where(*, role: str | None = None, search: str | None = None) -> list[Any]:
    """The conditions of a participants list: a role (a "both" counts as either), and
    words in the name, email or id (any case)."""
    conditions: list[Any] = []
    if role == "mentor":
        conditions.append(Participant.role.in_(("mentor", "both")))
    elif role == "mentee":
        conditions.append(Participant.role.in_(("mentee", "both")))
    if search and search.strip():
        escaped = search.strip().casefold()
        for special in ("\\", "%", "_"):
            escaped = escaped.replace(special, "\\" + special)
        words = f"%{escaped}%"
        conditions.append(
            or_(
                *(
                    func.lower(column).like(words, escape="\\")
                    for column in (Participant.name, Participant.email, Participant.external_id)
                )
            )
        )
    return conditions


def order_of(sort: str) -> tuple[Any, ...]:
    if sort not in SORTS:
        raise InvalidInput(f"Sort by one of {', '.join(SORTS)}.", field="sort")
    return SORTS[sort]


SORTS = {
    "id": (Participant.external_id,),
    "name": (Participant.name, Participant.external_id),
    "newest": (Participant.created_at.desc(), Participant.id.desc()),
}


def matchable_participants(*, session: Session, program_id: int) -> list[Participant]:
    """The program's participants matching may propose: everyone but those whose account is
    deactivated (by an administrator or the identity provider); their seats and history stay."""
    return list(
        session.scalars(
            select(Participant)
            .outerjoin(User, User.id == Participant.user_id)
            .where(
                Participant.program_id == program_id,
                or_(Participant.user_id.is_(None), User.is_active.is_(True)),
            )
            .order_by(Participant.external_id)
        )
    )


def all_participants(*, session: Session, program_id: int) -> list[Participant]:
    return list(
        session.scalars(
            select(Participant)
            .where(Participant.program_id == program_id)
            .order_by(Participant.external_id)
        )
    )
