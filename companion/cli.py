"""The `companion` command: everything a coordinator scripts."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy.orm import Session

from companion.accounts.models import Role
from companion.accounts.principal import CLI, actor_of
from companion.audit.service import Actor
from companion.errors import CompanionError
from companion.programs.models import ProgramKind
from companion.runtime import Services
from companion.settings import load_settings

if TYPE_CHECKING:
    from companion.accounts.models import User

app = typer.Typer(
    help="Mentoring Companion: run mentoring programs with matching, a knowledge base "
    "and human-reviewed drafts. Settings come from COMPANION_* environment variables.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
programs_app = typer.Typer(help="Mentoring programs.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo program.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
kb_app = typer.Typer(help="The knowledge base of mentoring practice.", no_args_is_help=True)
participants_app = typer.Typer(help="Program participants.", no_args_is_help=True)
match_app = typer.Typer(help="Matching runs and coordinator decisions.", no_args_is_help=True)
relationships_app = typer.Typer(
    help="Mentoring relationships: pairs and circles, their sessions and health.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(programs_app, name="programs")
app.add_typer(demo_app, name="demo")
app.add_typer(audit_app, name="audit")
app.add_typer(kb_app, name="kb")
app.add_typer(participants_app, name="participants")
app.add_typer(match_app, name="match")
app.add_typer(relationships_app, name="relationships")
draft_app = typer.Typer(
    help="Drafts for human review: agendas, briefs, goals, checks, prompts, nudges, stories.",
    no_args_is_help=True,
)
app.add_typer(draft_app, name="draft")
outbox_app = typer.Typer(help="Notifications of delivered drafts.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
scim_app = typer.Typer(help="SCIM provisioning by an identity provider.", no_args_is_help=True)
scim_token_app = typer.Typer(
    help="The tokens an identity provider's SCIM client sends.", no_args_is_help=True
)
scim_app.add_typer(scim_token_app, name="token")
app.add_typer(scim_app, name="scim")
compliance_app = typer.Typer(
    help="Evidence for works councils and data-protection officers.", no_args_is_help=True
)
app.add_typer(compliance_app, name="compliance")

out = Console()
err = Console(stderr=True)


# sysexits.h: a temporary failure; the same command may well pass if run again.
EX_TEMPFAIL = 75
LOST_TO_CONCURRENT_WORK = (
    "Another process (the server or another command) was writing to the database at the "
    "same moment, and this command gave way: nothing it did was saved. Run it again."
)


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(Text.assemble(("Error: ", "bold red"), message), soft_wrap=True)
    raise typer.Exit(code)


def say(text: str, *, to: Console | None = None, style: str | None = None) -> None:
    """Print user data as it is: no markup ('[draft]' stays text), no wrapping."""
    (to or out).print(text, markup=False, highlight=False, soft_wrap=True, style=style)


def cli_actor() -> Actor:
    return actor_of(CLI)


@contextmanager
def services(*, check_schema: bool = True) -> Iterator[Services]:
    """The services of one command; every command opens the database through here."""
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    from companion.db import concurrency_failure

    try:
        built = Services(load_settings())
    except CompanionError as exc:
        fail(exc.message, code=2)
    try:
        yield built
    except CompanionError as exc:
        fail(exc.message)
    except (OperationalError, ProgrammingError, IntegrityError) as exc:
        # Lost to a server or another command writing at the same moment: the
        # transaction was rolled back whole, so running the command again is safe.
        if concurrency_failure(exc) is not None:
            fail(LOST_TO_CONCURRENT_WORK, code=EX_TEMPFAIL)
        if isinstance(exc, IntegrityError):
            raise
        # A missing table is most often a data dir nobody has migrated: say so, not
        # a traceback. Anything else (the schema is current) is a real error.
        if check_schema:
            _require_current_schema(built)
        raise
    finally:
        built.close()


def _require_current_schema(built: Services) -> None:
    """Fail with the command to run if the database is not at the latest revision."""
    from sqlalchemy.exc import SQLAlchemyError

    from companion.db import current_revision, head_revision

    try:
        current = current_revision(built.engine)
    except SQLAlchemyError:  # the database cannot even be read: leave the first error
        return
    latest = head_revision()
    if current == latest:
        return
    from sqlalchemy import make_url

    where = make_url(built.settings.resolved_database_url).render_as_string(hide_password=True)
    if current is None:
        fail(f"The database ({where}) has no tables yet: run `companion db upgrade`.", code=2)
    fail(
        f"The database ({where}) is at revision {current}, this version needs {latest}: "
        "run `companion db upgrade`.",
        code=2,
    )


@contextmanager
def unit_of_work(built: Services, *, reads_only: bool = False) -> Iterator[Session]:
    """One transaction; `reads_only` for commands that only read (they then never take
    SQLite's write lock, not even while a query is encoded)."""
    from companion.db import session_scope

    with session_scope(built.sessions if reads_only else built.write_sessions) as session:
        yield session


# --- serve -----------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", min=1, max=65535, help="Port.")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the web app and API (one uvicorn process)."""
    import uvicorn

    from companion.logs import log_config

    try:
        settings = load_settings()
    except CompanionError as exc:
        fail(exc.message, code=2)
    say(f"Serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    # By import string: the web layer sits above the core and the core never
    # imports it; the app factory reads the same settings from the environment.
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        log_config=log_config(json_lines=settings.log_format == "json", level=log_level),
    )


# --- db --------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply database migrations (safe to run again)."""
    from companion.db import current_revision, upgrade

    with services(check_schema=False) as built:
        upgrade(built.settings.resolved_database_url, revision)
        say(f"Database at revision {current_revision(built.engine)}.")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the latest one."""
    from companion.db import current_revision, head_revision

    with services(check_schema=False) as built:
        say(f"current: {current_revision(built.engine)}  latest: {head_revision()}")


@db_app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="A new file for the copy, e.g. backup.db.")],
) -> None:
    """Copy the SQLite database while the server keeps running (PostgreSQL: pg_dump)."""
    from companion.db.backup import backup_sqlite

    with services() as built:
        pages = backup_sqlite(built.settings.resolved_database_url, path)
        say(f"Copied the database to {path} ({pages} pages, integrity checked).")


# --- users -----------------------------------------------------------------


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Email address (the sign-in name).")],
    role: Annotated[list[Role], typer.Option(help="Role; repeat for several (mentor and mentee).")],
    program: Annotated[
        str | None, typer.Option(help="Limit the roles to this program (default: all programs).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    token_name: Annotated[str, typer.Option(help="A label for the API token.")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a user and print a new API token once (it is never shown again)."""
    from companion.accounts import service as accounts
    from companion.programs import service as programs

    with services() as built, unit_of_work(built) as session:
        program_id = programs.require_by_name(session=session, name=program).id if program else None
        user, issued = accounts.onboard(
            session=session,
            principal=CLI,
            email=email,
            display_name=name,
            roles=[(r, program_id) for r in role],
            token_name=token_name,
        )
        if as_json:
            print(json.dumps({"user_id": user.id, "email": user.email, "token": issued.plaintext}))
            return
        say(f"Created user {user.email} (id {user.id}) with roles {', '.join(role)}.")
        out.print("API token (shown once, store it now):", style="bold")
        print(issued.plaintext)


@users_app.command("invite")
def users_invite(
    email: Annotated[str, typer.Argument(help="The address of an account that never signed in.")],
) -> None:
    """Invite someone to set their first password: by email if SMTP is configured,
    otherwise print a one-time link to hand over in person."""
    from companion.credentials import service as credentials

    with services() as built, unit_of_work(built) as session:
        outcome = credentials.invite(
            session=session, principal=CLI, email=email, settings=built.settings
        )
    if outcome.emailed:
        say(f"Invitation queued for {outcome.email}; the server sends it within a minute.")
    else:
        say(f"Email is not configured. Give {outcome.email} this one-time link in person:")
        print(outcome.link)


@users_app.command("email-changes")
def users_email_changes(
    pending_only: Annotated[bool, typer.Option("--pending/--all", help="Only undecided.")] = True,
) -> None:
    """List address changes that imports asked for and that wait for an administrator."""
    from companion.accounts.models import EmailChangeStatus
    from companion.credentials import service as credentials

    with services() as built, unit_of_work(built) as session:
        rows = credentials.list_email_changes(
            session=session,
            principal=CLI,
            status=EmailChangeStatus.pending if pending_only else None,
        )
        if not rows:
            say("No email changes." if not pending_only else "No email changes are waiting.")
        for row in rows:
            say(
                f"#{row.id}  {row.old_email} -> {row.new_email}  ({row.status.value}; asked by "
                f"{row.requested_by} on {row.created_at:%Y-%m-%d})"
            )


@users_app.command("decide-email-change")
def users_decide_email_change(
    change_id: Annotated[int, typer.Argument(help="The number `email-changes` shows.")],
    approve: Annotated[
        bool, typer.Option("--approve/--reject", help="Apply the new address, or drop it.")
    ],
) -> None:
    """Apply or reject an address change an import asked for (audited old -> new)."""
    from companion.credentials import service as credentials

    with services() as built, unit_of_work(built) as session:
        change = credentials.decide_email_change(
            session=session,
            principal=CLI,
            change_id=change_id,
            approve=approve,
            settings=built.settings,
        )
        say(
            f"Email change #{change.id} {change.status.value}: {change.old_email} -> "
            f"{change.new_email}."
        )


def _account(session: Session, email: str) -> User:
    """The account of `email`, or NotFound naming it."""
    from companion.accounts import service as accounts
    from companion.errors import NotFound

    user = accounts.get_by_email(session=session, email=email)
    if user is None:
        raise NotFound(f"No account with email {email}.")
    return user


@users_app.command("sign-out-everywhere")
def users_sign_out_everywhere(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
) -> None:
    """End every browser session of an account at once (e.g. after a lost laptop)."""
    from companion.accounts import web_sessions

    with services() as built, unit_of_work(built) as session:
        user = _account(session, email)
        ended = web_sessions.sign_out_everywhere(session=session, principal=CLI, user_id=user.id)
        say(f"Signed {user.email} out everywhere: {ended} open session(s) ended.")


@users_app.command("issue-token")
def users_issue_token(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
) -> None:
    """Give an existing account a new API token and print it once (it is never shown
    again); people make their own on their account page."""
    from companion.accounts import service as accounts

    with services() as built, unit_of_work(built) as session:
        user = _account(session, email)
        issued = accounts.issue_token(session=session, user=user, name=name, actor=cli_actor())
        say(f"A new API token for {user.email}, shown once (store it now):")
        print(issued.plaintext)


@users_app.command("revoke-tokens")
def users_revoke_tokens(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
) -> None:
    """Revoke every API token of an account at once (e.g. after a token leaked)."""
    from companion.accounts import api_tokens

    with services() as built, unit_of_work(built) as session:
        user = _account(session, email)
        revoked = api_tokens.revoke_all(session=session, principal=CLI, user_id=user.id)
        say(f"Revoked the API tokens of {user.email}: {revoked} live token(s) revoked.")


# --- programs --------------------------------------------------------------


@programs_app.command("create")
def programs_create(
    name: Annotated[str, typer.Argument(help="Program name (unique).")],
    kind: Annotated[
        ProgramKind | None, typer.Option(help="Kind of program (default: the template's).")
    ] = None,
    description: Annotated[
        str | None, typer.Option(help="What the program is for (default: the template's).")
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Start from a template's values: `companion programs templates` lists them. "
            "Change any value afterwards with `companion programs set`.",
        ),
    ] = None,
) -> None:
    """Create a program, from a template or from the defaults."""
    from companion.programs import service as programs

    given = {"kind": kind, "description": description}
    chosen = {key: value for key, value in given.items() if value is not None}
    with services() as built, unit_of_work(built) as session:
        if template is None:
            program = programs.create(session=session, name=name, principal=CLI, **chosen)
        else:
            program = programs.create_from_template(
                session=session, name=name, template=template, principal=CLI, **chosen
            )
        say(
            f"Created program {program.name!r} (id {program.id}, {program.kind})"
            + (f" from the template {template!r}." if template else ".")
            + f" See every setting with `companion programs show {program.name!r}`."
        )


@programs_app.command("templates")
def programs_templates(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the program templates: when to use each, and the values it fills in."""
    from companion.programs import service as programs

    shown = programs.list_templates(principal=CLI)
    if as_json:
        print(json.dumps([t.model_dump(mode="json") for t in shown], indent=2))
        return
    for template in shown:
        say(f"{template.key}: {template.title}")
        say(f"    {template.when_to_use}")
        values = template.settings
        say(
            f"    {template.kind}, a session every {values['cadence_days']} days of "
            f"{values['session_minutes']} minutes, for {values['duration_weeks']} weeks."
        )


@programs_app.command("list")
def programs_list(
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List programs."""
    from rich.table import Table

    from companion.pagination import page_of
    from companion.programs import service as programs
    from companion.programs.schemas import ProgramPublic

    with services() as built, unit_of_work(built, reads_only=True) as session:
        rows, total = programs.list_programs(
            session=session, principal=CLI, limit=limit, offset=offset
        )
        page = page_of(ProgramPublic, rows, total, limit=limit, offset=offset)
    if as_json:
        print(page.model_dump_json())
        return
    table = Table("id", "name", "kind", "created", title=f"Programs ({total})")
    for p in page.items:
        table.add_row(str(p.id), p.name, p.kind, p.created_at.strftime("%Y-%m-%d"))
    out.print(table)


@programs_app.command("ai")
def programs_ai(
    name: Annotated[str, typer.Argument(help="Program name.")],
    off: Annotated[
        list[str] | None,
        typer.Option("--off", help="Turn an AI feature off: drafting:<kind>, matching or answers."),
    ] = None,
    on: Annotated[list[str] | None, typer.Option("--on", help="Turn an AI feature on.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a program's AI stop switches, or turn features off and on (audited)."""
    from companion.programs import service as programs

    with services() as built, unit_of_work(built, reads_only=not (off or on)) as session:
        program = programs.require_by_name(session=session, name=name)
        if off or on:
            program = programs.switch_ai(
                session=session, program_id=program.id, principal=CLI, off=off or [], on=on or []
            )
        switches = programs.ai_switches_of(program)
    if as_json:
        print(switches.model_dump_json())
        return
    for feature in switches.features:
        state = "on " if feature.on else "OFF"
        say(f"{state}  {feature.name}" + ("" if feature.on else f"  (instead: {feature.fallback})"))


@compliance_app.command("report")
def compliance_report(
    program: Annotated[str, typer.Option("--program", help="Program name.")],
    fmt: Annotated[
        str, typer.Option("--format", help="md, json or html.", case_sensitive=False)
    ] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead.")
    ] = None,
) -> None:
    """The program's evidence pack, generated from its live configuration."""
    from companion.compliance import render
    from companion.compliance import service as compliance
    from companion.programs import service as programs

    fmt = fmt.lower()
    if fmt not in ("md", "json", "html"):
        fail(f"--format {fmt!r}: use md, json or html.")
    with services() as built, unit_of_work(built, reads_only=True) as session:
        found = programs.require_by_name(session=session, name=program)
        pack = compliance.evidence_pack(
            session=session, settings=built.settings, program_id=found.id, principal=CLI
        )
    text = render.render(pack, fmt)  # type: ignore[arg-type]
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    say(f"Wrote the evidence pack of {found.name!r} to {output}.")


# --- demo ------------------------------------------------------------------


def _setting(assignment: str) -> tuple[list[str], Any]:
    """`matching.weights.semantic=0.6` as (["matching", "weights", "semantic"], 0.6)."""
    path, equals, raw = assignment.partition("=")
    if not equals or not path.strip():
        fail(f"{assignment!r}: write each setting as NAME=VALUE, e.g. cadence_days=14.")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw  # plain text, e.g. a description
    return [part.strip() for part in path.split(".")], value


@programs_app.command("set")
def programs_set(
    name: Annotated[str, typer.Argument(help="The program's name.")],
    assignments: Annotated[
        list[str],
        typer.Argument(
            help="NAME=VALUE pairs: cadence_days=14, four_eyes=true, "
            "matching.weights.semantic=0.6, matching.rules.exclude_same_department=true. "
            "`companion programs show NAME` lists every setting."
        ),
    ],
) -> None:
    """Change a program's settings, its matching weights and rules included (audited)."""
    from companion.programs import service as programs

    changes: dict[str, Any] = {}
    for assignment in assignments:
        path, value = _setting(assignment)
        target = changes
        for part in path[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                fail(f"{assignment!r}: {part} is a single value, not a group of settings.")
        target[path[-1]] = value
    # The service checks every value, as it does for the API and the settings page.
    with services() as built, unit_of_work(built) as session:
        program = programs.require_by_name(session=session, name=name)
        programs.update(session=session, program_id=program.id, changes=changes, principal=CLI)
        say(f"Updated {program.name!r}: {', '.join(sorted(changes))}.")


@programs_app.command("team-chat")
def programs_team_chat(
    name: Annotated[str, typer.Argument(help="The program's name.")],
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="The https address of a Slack or Teams incoming webhook; read it from "
            "COMPANION_TEAM_CHAT_URL rather than typing it, as it is a secret.",
            envvar="COMPANION_TEAM_CHAT_URL",
        ),
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="Stop posting to team chat.")] = False,
) -> None:
    """Post the program's coordinator notices (runs awaiting approval, stalled pairs) to a
    team chat; personal notifications never go there. Without options: show where."""
    from companion.notifications import team_chat
    from companion.programs import service as programs

    if url and off:
        fail("Give either --url or --off, not both.")
    with services() as built, unit_of_work(built, reads_only=not (url or off)) as session:
        program = programs.require_by_name(session=session, name=name)
        if off:
            shown = team_chat.clear(session=session, program_id=program.id, principal=CLI)
        elif url:
            shown = team_chat.set_webhook(
                session=session,
                program_id=program.id,
                webhook_url=url,
                principal=CLI,
                settings=built.settings,
            )
        else:
            shown = team_chat.read(session=session, program_id=program.id, principal=CLI)
    if shown.configured:
        say(f"{program.name!r} posts coordinator notices to a team chat at {shown.host}.")
    else:
        say(f"{program.name!r} posts nothing to a team chat.")


@programs_app.command("show")
def programs_show(
    name: Annotated[str, typer.Argument(help="The program's name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a program's settings, with its matching weights and rules."""
    from companion.matching.config import MatchingSettings
    from companion.programs import service as programs
    from companion.programs.schemas import ProgramPublic

    with services() as built, unit_of_work(built, reads_only=True) as session:
        program = programs.require_by_name(session=session, name=name)
        programs.read(session=session, program_id=program.id, principal=CLI)
        shown = ProgramPublic.model_validate(program).model_dump(mode="json")
        shown["matching"] = MatchingSettings.model_validate(program.matching or {}).model_dump()
    if as_json:
        print(json.dumps(shown, indent=2))
        return
    for key, value in shown.items():
        if isinstance(value, dict):
            for group, inner in value.items():
                if isinstance(inner, dict):
                    for leaf, setting in inner.items():
                        say(f"{key}.{group}.{leaf} = {json.dumps(setting)}")
                else:
                    say(f"{key}.{group} = {json.dumps(inner)}")
        else:
            say(f"{key} = {json.dumps(value)}")


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo program and its users (once; running it again changes nothing)."""
    from companion import demo

    with services() as built:
        if built.settings.environment == "production":
            fail("The demo program is not loaded in production (COMPANION_ENVIRONMENT).")
        with unit_of_work(built) as session:
            loaded = demo.load(session=session, vectors=built.profile_vectors, services=built)
        if loaded.created:
            say(f"Loaded the demo program {loaded.program_name!r}.")
        else:
            say(f"The demo program {loaded.program_name!r} is already loaded.")
        say(
            f"{loaded.participants} participants; matching run {loaded.run_id} awaits approval "
            f"(companion match show {loaded.run_id})."
        )
        out.print("Demo sign-ins (development only): web password, API token")
        for login in loaded.logins:
            say(f"  {login.role:<12} {login.email:<32} {demo.DEMO_PASSWORD}  {login.token}")


# --- audit -----------------------------------------------------------------


@audit_app.command("verify")
def audit_verify() -> None:
    """Check that no audit event was edited, removed or reordered."""
    from companion.audit import service as audit

    with services() as built, unit_of_work(built) as session:
        problems = audit.verify(session=session)
    if problems:
        for problem in problems:
            say(f"event #{problem.seq}: {problem.problem}", to=err)
        fail(f"The audit trail is broken in {len(problems)} place(s).")
    out.print("The audit trail is intact.")


@audit_app.command("export")
def audit_export(
    program: Annotated[
        str | None, typer.Option(help="Only this program's events (default: the whole trail).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Write the hash-chained audit trail as JSON Lines (who, when, what, from -> to)."""
    from companion.audit import service as audit
    from companion.programs import service as programs

    with services() as built, unit_of_work(built) as session:
        program_id = programs.require_by_name(session=session, name=program).id if program else None
        lines = audit.export_lines(session=session, program_id=program_id)
        try:
            handle = sys.stdout if output is None else output.open("w", encoding="utf-8")
        except OSError as exc:
            fail(f"Cannot write {output}: {exc.strerror}.", code=2)
        count = 0
        with handle if output is not None else contextlib.nullcontext(handle):
            for count, line in enumerate(lines, start=1):  # noqa: B007
                handle.write(line + "\n")
    if output is not None:
        say(f"Wrote {count} audit events to {output}.", to=err)


# --- kb ----------------------------------------------------------------------

KIND_HELP = "guide, story or article (default: from the file)."


@kb_app.command("ingest")
def kb_ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (recursive): .md .txt .html .pdf")
    ] = None,
    builtin: Annotated[
        bool, typer.Option("--builtin", help="Also ingest the built-in corpus.")
    ] = False,
    kind: Annotated[str | None, typer.Option(help=KIND_HELP)] = None,
    tag: Annotated[
        list[str] | None, typer.Option(help="Tag every document; 'story' for leaders' stories.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add or update documents; unchanged files are skipped. Exits 1 if any file failed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from companion.guidance import service as kb
    from knowledge import CORPUS_DIR
    from knowledge.documents import KINDS

    targets = list(paths or []) + ([CORPUS_DIR] if builtin else [])
    if not targets:
        fail("Name at least one file or folder, or pass --builtin.", code=2)
    if kind is not None and kind not in KINDS:
        fail(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}.", code=2)
    loads, problems = kb.path_loads(
        targets, kind=kind, tags=tag or [], max_bytes=load_settings().max_file_bytes
    )
    with (
        services() as built,
        unit_of_work(built) as session,
        Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("Ingesting", total=len(loads))
        report = kb.ingest_many(
            session=session,
            kb=built.knowledge_base,
            loads=loads,
            principal=CLI,
            problems=problems,
            on_progress=lambda _source: progress.advance(task),
        )
    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        out.print(
            f"{len(report.ingested)} ingested, {len(report.unchanged)} unchanged, "
            f"{len(report.failed)} failed."
        )
        for item in report.failed:
            say(f"  failed: {item['source']}: {item['error']}", to=err)
    if report.failed:
        raise typer.Exit(1)


@kb_app.command("search")
def kb_search(
    query: Annotated[str, typer.Argument(help="What you are looking for, in your own words.")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50, help="Results.")] = 5,
    audience: Annotated[str | None, typer.Option(help="mentor, mentee or coordinator.")] = None,
    topic: Annotated[str | None, typer.Option(help="A topic tag.")] = None,
    program_type: Annotated[str | None, typer.Option(help="e.g. circle, reverse.")] = None,
    document: Annotated[str | None, typer.Option(help="Only this doc_id.")] = None,
    kind: Annotated[str | None, typer.Option(help=KIND_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Hybrid (semantic + keyword) search, best first, with citations."""
    from companion.guidance import service as kb
    from knowledge.documents import AUDIENCES, KINDS, PROGRAM_TYPES
    from knowledge.search import SearchFilters

    for option, value, allowed in (
        ("--audience", audience, AUDIENCES),
        ("--program-type", program_type, PROGRAM_TYPES),
        ("--kind", kind, KINDS),
    ):
        if value is not None and value not in allowed:
            fail(f"{option} must be one of {', '.join(allowed)}, not {value!r}.", code=2)
    filters = SearchFilters(
        audience=audience, topic=topic, program_type=program_type, document=document, kind=kind
    )
    with services() as built, unit_of_work(built, reads_only=True) as session:
        results = kb.search(
            session=session, kb=built.knowledge_base, query=query, top_k=top_k, filters=filters
        )
    if as_json:
        keys = ("doc_id", "title", "source", "heading", "text", "snippet", "score")
        payload = {"query": query, "results": [{k: getattr(r, k) for k in keys} for r in results]}
        print(json.dumps(payload, ensure_ascii=False))
        return
    if not results:
        out.print("No results. Try other words, or fewer filters.")
    for number, result in enumerate(results, start=1):
        say(f"{number}. {result.heading}  ({result.doc_id}, {result.score:.4f})", style="bold")
        say(f"   {result.snippet}")
        say(f"   source: {result.source}", style="dim")


@kb_app.command("list")
def kb_list(
    kind: Annotated[str | None, typer.Option(help=KIND_HELP)] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List ingested documents."""
    from rich.table import Table

    from companion.guidance import service as kb
    from companion.guidance.schemas import KbDocumentPublic
    from companion.pagination import page_of

    with services() as built, unit_of_work(built, reads_only=True) as session:
        rows, total = kb.list_documents(
            session=session, principal=CLI, kind=kind, limit=limit, offset=offset
        )
        page = page_of(KbDocumentPublic, rows, total, limit=limit, offset=offset)
    if as_json:
        print(page.model_dump_json())
        return
    table = Table("doc_id", "title", "kind", "chunks", title=f"Documents ({total})")
    for d in page.items:
        table.add_row(d.doc_id, d.title, d.kind, str(d.chunk_count))
    out.print(table)


@kb_app.command("delete")
def kb_delete(doc_id: Annotated[str, typer.Argument(help="The doc_id to remove.")]) -> None:
    """Remove a document and its chunks from both stores."""
    from companion.guidance import service as kb

    with services() as built, unit_of_work(built) as session:
        kb.delete_document(session=session, kb=built.knowledge_base, doc_id=doc_id, principal=CLI)
    say(f"Deleted {doc_id}.")


@kb_app.command("eval")
def kb_eval(
    queries: Annotated[
        Path | None, typer.Option(help="Labelled questions (YAML); default: the built-in set.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Recall@1/3/5 and MRR of dense, lexical and hybrid retrieval on labelled questions."""
    from rich.table import Table

    from companion.guidance.models import KbDocument
    from knowledge import EVAL_QUERIES
    from knowledge.evaluation import evaluate, load_queries

    labelled = load_queries(queries or EVAL_QUERIES)
    with services() as built, unit_of_work(built, reads_only=True) as session:
        from sqlalchemy import select

        present = set(session.scalars(select(KbDocument.doc_id)))
        missing = sorted({d for q in labelled for d in q.relevant} - present)
        if missing:
            fail(
                f"{len(missing)} labelled documents are not in the knowledge base "
                f"({', '.join(missing[:5])}…): run `companion kb ingest --builtin` first."
            )
        rows = evaluate(built.knowledge_base.searcher(session), labelled)
    if as_json:
        print(json.dumps([{"mode": r.mode, "recall": r.recall, "mrr": r.mrr} for r in rows]))
        return
    table = Table(
        "method", "recall@1", "recall@3", "recall@5", "MRR", title=f"{len(labelled)} queries"
    )
    for r in rows:
        table.add_row(r.mode, *(f"{r.recall[k]:.3f}" for k in (1, 3, 5)), f"{r.mrr:.3f}")
    out.print(table)


# --- scim ----------------------------------------------------------------------


@scim_token_app.command("create")
def scim_token_create(
    name: Annotated[str, typer.Option(help="Which provider it is for, e.g. Okta.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a token for an identity provider's SCIM client; it is shown once."""
    from companion.identity import provisioning

    with services() as built, unit_of_work(built) as session:
        issued = provisioning.create_token(session=session, principal=CLI, name=name)
        token_id = issued.token.id
    if as_json:
        print(json.dumps({"id": token_id, "name": name, "token": issued.plaintext}))
        return
    say(f"Created SCIM token {token_id} ({name}). Give it to the provider as its bearer token;")
    say("it is shown only now:", to=err)
    print(issued.plaintext)


@scim_token_app.command("list")
def scim_token_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List SCIM tokens: id, name, who created it, when last used, whether revoked."""
    from companion.identity import provisioning

    with services() as built, unit_of_work(built, reads_only=True) as session:
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "created_by": t.created_by,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in provisioning.list_tokens(session=session, principal=CLI)
        ]
    if as_json:
        print(json.dumps(rows))
        return
    if not rows:
        say("No SCIM tokens. Create one with `companion scim token create --name <provider>`.")
    for row in rows:
        state = f"revoked {row['revoked_at'][:10]}" if row["revoked_at"] else "live"
        used = f"last used {row['last_used_at'][:10]}" if row["last_used_at"] else "never used"
        say(
            f"#{row['id']}  {row['name']}  {row['prefix']}…  {state}, {used}; created by "
            f"{row['created_by']} on {row['created_at'][:10]}"
        )


@scim_token_app.command("revoke")
def scim_token_revoke(
    token_id: Annotated[int, typer.Argument(help="The number `companion scim token list` shows.")],
) -> None:
    """Revoke a SCIM token: the provider's next request with it is refused."""
    from companion.identity import provisioning

    with services() as built, unit_of_work(built) as session:
        token = provisioning.revoke_token(session=session, principal=CLI, token_id=token_id)
        say(f"SCIM token {token.id} ({token.name}) is revoked.")


# --- participants --------------------------------------------------------------


@participants_app.command("import")
def participants_import(
    file: Annotated[Path, typer.Argument(help="A .csv or .jsonl file (columns: see README).")],
    program: Annotated[str, typer.Option(help="Program name; created if it does not exist.")],
    kind: Annotated[
        ProgramKind, typer.Option(help="Kind, if the program is created now.")
    ] = ProgramKind.one_on_one,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; save nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import or update participants by id. A file with any problem is rejected whole."""
    from companion.participants import service as participants
    from companion.programs import service as programs

    if not file.is_file():
        fail(f"{file}: no such file.", code=2)
    limit = load_settings().max_file_bytes
    if (size := file.stat().st_size) > limit:
        fail(
            f"{file} is {size:,} bytes; files are capped at {limit:,} bytes "
            "(COMPANION_MAX_FILE_BYTES): split it into several imports.",
            code=2,
        )
    data = file.read_bytes()
    with services() as built, unit_of_work(built) as session:
        target = programs.get_by_name(session=session, name=program)
        created_program = target is None
        if target is None:
            target = programs.create(session=session, name=program, kind=kind, principal=CLI)
        if dry_run:
            records, problems = participants.check_file(
                session=session, program_id=target.id, data=data, filename=file.name, principal=CLI
            )
            session.rollback()
            if as_json:
                from companion.participants.schemas import ImportPreview

                print(ImportPreview.from_check(records, problems).model_dump_json())
                if problems:
                    raise typer.Exit(1)
                return
            for problem in problems:
                say(f"  {problem}", to=err)
            say(f"{len(records)} participants read, {len(problems)} problem(s).")
            if problems:
                raise typer.Exit(1)
            return
        try:
            summary = participants.import_participants(
                session=session, program_id=target.id, data=data, filename=file.name, principal=CLI
            )
        except CompanionError as exc:
            for detail in exc.details:
                where = (
                    f"line {detail['line']}"
                    + (f", column '{detail['column']}'" if detail.get("column") else "")
                    if "line" in detail
                    else f"field '{detail.get('field', '')}'"
                )
                say(f"  {where}: {detail['message']}", to=err)
            raise
    if created_program:
        # Only now that the import is committed, and on stderr: stdout may be JSON.
        say(f"Created program {program!r} ({kind}).", to=err)
    if as_json:
        print(summary.model_dump_json())
    else:
        out.print(
            f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged "
            f"({summary.users_created} new user accounts)."
        )


@participants_app.command("list")
def participants_list(
    program: Annotated[str, typer.Option(help="Program name.")],
    role: Annotated[str | None, typer.Option(help="mentor or mentee.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a program's participants."""
    from rich.table import Table

    from companion.pagination import page_of
    from companion.participants import service as participants
    from companion.participants.schemas import ParticipantPublic
    from companion.programs import service as programs

    if role not in (None, "mentor", "mentee"):
        fail("--role must be mentor or mentee.", code=2)
    with services() as built, unit_of_work(built, reads_only=True) as session:
        target = programs.require_by_name(session=session, name=program)
        rows, total = participants.list_participants(
            session=session,
            program_id=target.id,
            principal=CLI,
            role=role,
            limit=limit,
            offset=offset,
        )
        page = page_of(ParticipantPublic, rows, total, limit=limit, offset=offset)
    if as_json:
        print(page.model_dump_json(by_alias=True))
        return
    table = Table("id", "name", "role", "title", "timezone", title=f"Participants ({total})")
    for p in page.items:
        table.add_row(p.external_id, p.name, p.role, p.title, p.timezone)
    out.print(table)


@participants_app.command("invite")
def participants_invite(
    program: Annotated[str, typer.Option(help="Program name.")],
    all_pending: Annotated[
        bool,
        typer.Option(
            "--all-pending",
            help="Everyone not yet joined who holds no invitation that still works.",
        ),
    ] = False,
    email: Annotated[
        list[str] | None,
        typer.Option(help="A participant to invite (again); repeat for several."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Email a one-use invitation link to people of a program who have not signed in yet.

    Batches are committed as they go, with progress on stderr: if the run stops, run it
    again with --all-pending to go on with the people left.
    """
    from companion.credentials import invitations
    from companion.credentials.schemas import InviteReportPublic
    from companion.programs import service as programs

    if all_pending == bool(email):
        fail("Give either --all-pending or one or more --email, not both.", code=2)
    with services() as built:
        with unit_of_work(built, reads_only=True) as session:
            program_id = programs.require_by_name(session=session, name=program).id
        report = invitations.invite_in_batches(
            sessions=built.write_sessions,
            principal=CLI,
            program_id=program_id,
            settings=built.settings,
            emails=email or [],
            all_pending=all_pending,
            progress=lambda done, total: say(f"Invited {done} of {total}", to=err),
        )
    if as_json:
        print(InviteReportPublic.of(report).model_dump_json())
        return
    say(report.summary)


# --- relationships -------------------------------------------------------------


@relationships_app.command("list")
def relationships_list(
    program: Annotated[str, typer.Option(help="Program name.")],
    stalled: Annotated[bool, typer.Option("--stalled", help="Only stalled ones.")] = False,
    status: Annotated[
        str | None, typer.Option(help="active, paused, completed or ended_early.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a program's relationships with sessions held, next session and stalled flags."""
    from rich.table import Table
    from rich.text import Text

    from companion.programs import service as programs
    from companion.relationships import service as relationships
    from companion.relationships.models import RelationshipStatus

    statuses = [s.value for s in RelationshipStatus]
    if status is not None and status not in statuses:
        fail(f"--status must be one of {', '.join(statuses)}, not {status!r}.", code=2)
    with services() as built, unit_of_work(built, reads_only=True) as session:
        target = programs.require_by_name(session=session, name=program)
        items, total = relationships.list_visible(
            session=session,
            program=target,
            principal=CLI,
            status=RelationshipStatus(status) if status else None,
            stalled_only=stalled,
            limit=limit,
            offset=offset,
        )
    if as_json:
        page = {
            "items": [item.model_dump(mode="json", exclude_unset=True) for item in items],
            "total": total,
            "limit": limit,
            "offset": offset,
        }
        print(json.dumps(page, ensure_ascii=False))
        return
    table = Table(
        "id",
        "members",
        "status",
        "held",
        "next session (UTC)",
        "stalled",
        title=f"Relationships of {program} ({total})",
    )
    for item in items:
        upcoming = item.next_session
        table.add_row(
            str(item.id),
            Text(item.name or ", ".join(m.name for m in item.members)),
            item.status.value,
            str(item.sessions["held"]),
            f"{upcoming.starts_at:%Y-%m-%d %H:%M}" if upcoming else "-",
            "; ".join(item.stalled_reasons or []) or "-",
        )
    out.print(table)


# --- drafts --------------------------------------------------------------------

JsonOption = Annotated[bool, typer.Option("--json", help="Print the draft as one JSON object.")]
RelationshipOption = Annotated[int, typer.Option("--relationship", help="Relationship id.")]


def _draft(kind: str, *, as_json: bool, **target: Any) -> None:
    """Request one draft as the operator; it is stored pending review and printed."""
    from companion.drafting import service as drafting
    from prompts.schemas import DraftKind

    with services() as built:
        try:
            with unit_of_work(built) as session:
                draft = drafting.request_draft(
                    services=built,
                    session=session,
                    kind=DraftKind(kind),
                    principal=CLI,
                    **target,
                )
                payload = drafting.payload(draft)
        except CompanionError as exc:
            if not as_json:
                raise
            # Scripts read one JSON object either way: a failed draft (committed with
            # the failure) is printed with its reason, and the exit code says it failed.
            with unit_of_work(built) as session:
                failed = drafting.failed_draft_of(session, exc)
                if failed is None:
                    raise
                print(json.dumps(drafting.payload(failed), default=str, ensure_ascii=False))
            raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(payload, default=str, ensure_ascii=False))
        return
    say(
        f"Draft {payload['id']} ({payload['kind']}, {payload['status']}, "
        f"model {payload['model']}, prompt {payload['prompt']})",
        style="bold",
    )
    say(payload["text"])
    for source in payload["sources"]:
        say(source_line(source))


def source_line(source: dict[str, Any]) -> str:
    """A draft's source as the CLI lists it: the guide's title once, though a passage's
    heading starts with it."""
    where = source["heading"]
    if not where.startswith(source["title"]):
        where = f"{source['title']}: {where}"
    return f"  [{source['document_id']}] {where}"


@draft_app.command("agenda")
def draft_agenda(relationship: RelationshipOption, as_json: JsonOption = False) -> None:
    """An agenda for the relationship's next session, grounded in goals, notes and guidance."""
    _draft("agenda", as_json=as_json, relationship_id=relationship)


@draft_app.command("brief")
def draft_brief(relationship: RelationshipOption, as_json: JsonOption = False) -> None:
    """The mentor's pre-session brief: last time, open actions, goal progress, guidance."""
    _draft("brief", as_json=as_json, relationship_id=relationship)


@draft_app.command("feedback")
def draft_feedback(relationship: RelationshipOption, as_json: JsonOption = False) -> None:
    """Feedback questions for both sides, about what the last session covered."""
    _draft("feedback_prompts", as_json=as_json, relationship_id=relationship)


@draft_app.command("nudge")
def draft_nudge(relationship: RelationshipOption, as_json: JsonOption = False) -> None:
    """A message a coordinator can send to a stalled pair."""
    _draft("nudge", as_json=as_json, relationship_id=relationship)


@draft_app.command("goal")
def draft_goal(
    mentee: Annotated[str, typer.Option(help="The mentee's id as imported.")],
    text: Annotated[str, typer.Option(help="The rough aspiration, in their words.")],
    program: Annotated[
        str | None, typer.Option(help="Program name (needed when the id is in several).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A SMART goal with milestones from a mentee's rough aspiration."""
    relationship_id, mentee_id = _mentee_relationship(mentee, program)
    _draft(
        "smart_goal",
        as_json=as_json,
        relationship_id=relationship_id,
        mentee_id=mentee_id,
        text=text,
    )


@draft_app.command("coach")
def draft_coach(
    text: Annotated[str, typer.Option(help="The goal, in the mentee's words.")],
    answer: Annotated[
        list[str] | None,
        typer.Option(help="An answer to a coaching question: criterion=text (repeatable)."),
    ] = None,
    role: Annotated[str, typer.Option(help="The mentee's role, for relevance.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Goal coaching: per SMART criterion met, missing or unclear, one question per gap,
    and the goal composed from the mentee's words and answers. Nothing is stored."""
    from datetime import date

    from companion.drafting.kinds.smart_goal import coach
    from prompts.schemas import CRITERIA

    answers: dict[str, str] = {}
    for item in answer or []:
        criterion, equals, said = item.partition("=")
        if not equals or criterion.strip() not in CRITERIA:
            fail(f"--answer {item!r}: write criterion=text, criterion one of {', '.join(CRITERIA)}")
        answers[criterion.strip()] = said
    if not text.strip():
        fail("--text: write the goal in the mentee's words.", code=2)
    coaching = coach(text, answers, today=date.today(), role=role)
    verdicts = [v.model_dump(exclude={"met"}) for v in coaching.check.verdicts]
    if as_json:
        print(
            json.dumps(
                {
                    "goal": coaching.goal,
                    "complete": coaching.complete,
                    "target_date": coaching.target_date,
                    "verdicts": verdicts,
                },
                default=str,
                ensure_ascii=False,
            )
        )
        return
    say(coaching.goal, style="bold")
    for v in verdicts:
        say(f"- {v['criterion'].replace('_', '-')}: {v['status']} — {v['why']}")
        if v["question"]:
            offers = "; ".join(v["suggestions"])
            say(f"    {v['question']}" + (f" (for example: {offers})" if offers else ""))


def _mentee_relationship(mentee: str, program: str | None) -> tuple[int, int]:
    """The open relationship of a mentee, and the mentee's participant id."""
    from sqlalchemy import select

    from companion.participants.models import Participant
    from companion.programs import service as programs
    from companion.relationships.service import open_relationship_ids

    with services() as built, unit_of_work(built) as session:
        query = select(Participant).where(Participant.external_id == mentee)
        if program is not None:
            query = query.where(
                Participant.program_id == programs.require_by_name(session=session, name=program).id
            )
        rows = session.scalars(query).all()
        if not rows:
            fail(
                f"No participant with id {mentee!r}; list them with `companion participants list`."
            )
        if len(rows) > 1:
            fail(f"{mentee!r} is in several programs; name one with --program.", code=2)
        person = rows[0]
        found = open_relationship_ids(session, person.program_id).get(person.id)
        if found is None:
            fail(f"{person.name} ({mentee}) is in no active or paused relationship.")
        return found, person.id


@draft_app.command("check")
def draft_check(
    goal: Annotated[int, typer.Option(help="Goal id.")], as_json: JsonOption = False
) -> None:
    """Which SMART criteria a goal misses and why, with a suggested rewrite."""
    _draft("smart_check", as_json=as_json, goal_id=goal)


@draft_app.command("story")
def draft_story(
    relationship: RelationshipOption,
    goal: Annotated[int, typer.Option(help="The achieved goal.")],
    as_json: JsonOption = False,
) -> None:
    """A success story from an achieved goal and both closing reflections (with consent)."""
    _draft("success_story", as_json=as_json, relationship_id=relationship, goal_id=goal)


@draft_app.command("show")
def draft_show(
    draft_id: Annotated[int, typer.Argument(help="Draft id.")], as_json: JsonOption = False
) -> None:
    """Show a draft with its provenance."""
    from companion.review import queue

    with services() as built, unit_of_work(built) as session:
        payload = queue.get_for(session=session, draft_id=draft_id, principal=CLI).model_dump(
            mode="json"
        )
    if as_json:
        print(json.dumps(payload, default=str, ensure_ascii=False))
        return
    say(f"Draft {payload['id']} ({payload['kind']}, {payload['status']})", style="bold")
    say(payload["text"])


@draft_app.command("eval")
def draft_eval(
    file: Annotated[
        Path | None,
        typer.Option(help="Labelled goals: JSON lines (text, as_of, labels) or the older YAML."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """How often the SMART check agrees with labelled goals (the tuning half by default)."""
    import yaml

    import prompts
    from companion.drafting.kinds.smart_check import smart_eval

    root = Path(prompts.__file__).resolve().parents[1]
    path = file or root / "tests" / "drafting" / "data" / "smart_goals_tuning.jsonl"
    try:
        raw = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            data: dict[str, Any] = {
                "goals": [json.loads(line) for line in raw.splitlines() if line.strip()]
            }
        else:
            data = yaml.safe_load(raw) or {}
    except (OSError, ValueError, yaml.YAMLError) as exc:
        fail(f"Cannot read {path}: {exc}", code=2)
    today = data.get("today")
    entries = data.get("goals") or data.get("entries") or []
    if not entries:
        fail(f"{path} has no goals to evaluate.", code=2)
    try:
        results = {"offline": smart_eval(entries, today=today)}
        settings = load_settings()
        if settings.llm_model != "offline":
            results[settings.llm_model] = smart_eval(
                entries, today=today, checker=_llm_smart_checker(settings)
            )
    except ValueError as exc:
        fail(f"{path}: {exc}", code=2)
    if as_json:
        print(json.dumps(results, default=str))
        return
    for checker, result in results.items():
        say(f"SMART check by {checker} on {len(entries)} goals ({path.name}):", style="bold")
        say(f"  SMART / not SMART verdict agrees: {result['smart_verdict']:.1%}")
        say(f"  goals with all five values agreeing: {result['exact_match']:.1%}")
        for criterion, value in result["per_criterion"].items():
            either = result["per_criterion_met"][criterion]
            say(f"  {criterion}: {value:.1%} (met or not: {either:.1%})")
        for d in result["disagreements"]:
            judged = f"{d['criterion']} {d['checker']}, labelled {d['labelled']}"
            say(f"  - {d['id']} {d['title']!r}: {judged}")


def _llm_smart_checker(settings: Any) -> Any:
    """The configured model as a SMART checker, through the same gateway as drafts."""
    from companion.drafting.gateway import Gateway
    from companion.drafting.kinds import validation_context
    from prompts.render import render
    from prompts.schemas import DraftKind, SmartCheck, SmartCheckInput

    gateway = Gateway(settings)

    def check(goal: Any, *, today: Any, role: str = "", program: str = "") -> SmartCheck:
        data = SmartCheckInput(today=today, goal=goal, role=role, program_name=program)
        prompt = render(DraftKind.smart_check, data)
        context = validation_context(DraftKind.smart_check, data)
        try:
            return gateway.generate(prompt, SmartCheck, context=context)[0]
        except CompanionError as exc:
            fail(exc.message)

    return check


@outbox_app.command("send")
def outbox_send(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    every: Annotated[
        float | None,
        typer.Option(
            min=1,
            max=3600,
            help="Keep running as the deployment's worker: send what is due every this many "
            "seconds until stopped (SIGTERM or Ctrl-C).",
        ),
    ] = None,
):
    """Prepare the notifications that are due (docs/notifications.md) and send what is
    queued (`companion serve` does this every 30 s)."""
    import signal
    import threading

    from companion.credentials import invitations
    from companion.notifications import job as notifications
    from companion.review import outbox

    with services() as built:
        if not (built.settings.webhook_url or built.settings.smtp_host):
            fail("No channel configured: set COMPANION_WEBHOOK_URL or COMPANION_SMTP_HOST.", 2)
        stop = threading.Event()
        if every is not None:
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while True:
            prepared = notifications.run(sessions=built.write_sessions, settings=built.settings)
            reminded = invitations.send_reminders(
                sessions=built.write_sessions, settings=built.settings
            )
            report = outbox.dispatch(sessions=built.sessions, settings=built.settings)
            with unit_of_work(built) as session:
                left = outbox.pending_count(session)
            counts = {"reminders": reminded, **dataclasses.asdict(report), "pending": left}
            if prepared.queued or prepared.digests:
                counts["notified"] = prepared.queued + prepared.digests
            if every is not None and not any(counts.values()):
                pass  # a worker's quiet round: nothing to say
            elif as_json:
                print(json.dumps(counts), flush=True)
            else:
                say(", ".join(f"{k} {v}" for k, v in counts.items()))
            try:
                if every is None or stop.wait(every):
                    return
            except KeyboardInterrupt:
                return


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question for the knowledge base.")],
    as_json: JsonOption = False,
) -> None:
    """A cited answer drafted from the knowledge base (stored for review)."""
    _draft("answer", as_json=as_json, text=question)


# --- match ---------------------------------------------------------------------


@match_app.command("run")
def match_run(
    program: Annotated[str, typer.Option(help="Program name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
) -> None:
    """Propose pairs for every unmatched mentee. Nobody is told until you approve."""
    from companion.matching import service as matching
    from companion.programs import service as programs

    with services() as built, unit_of_work(built) as session:
        target = programs.require_by_name(session=session, name=program)
        created = matching.run(
            session=session, vectors=built.profile_vectors, program_id=target.id, principal=CLI
        )
        payload = matching.run_payload(
            session=session, run_id=created.id, principal=CLI
        ).model_dump(mode="json")
    if as_json:
        print(json.dumps(payload, ensure_ascii=False))
        return
    _print_run(payload)


@match_app.command("show")
def match_show(
    run_id: Annotated[int, typer.Argument(help="The run id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a matching run: proposals with reasons, unmatched mentees, fairness."""
    from companion.matching import service as matching

    with services() as built, unit_of_work(built, reads_only=True) as session:
        payload = matching.run_payload(session=session, run_id=run_id, principal=CLI).model_dump(
            mode="json"
        )
    if as_json:
        print(json.dumps(payload, ensure_ascii=False))
        return
    _print_run(payload)


def _print_run(payload: dict) -> None:
    say(
        f"Run {payload['run_id']} of {payload['program']}: "
        f"{len(payload['matches'])} proposals, {len(payload['unmatched'])} unmatched, "
        f"objective {payload['objective']:.2f} ({payload['status']})",
        style="bold",
    )
    for match in payload["matches"]:
        say(
            f"  #{match['proposal_id']} {match['mentee_id']} <- {match['mentor_id']}  "
            f"score {match['score']:.3f}  [{match['status']}]"
        )
        for reason in match["reasons"]:
            say(f"      - {reason}")
    for item in payload["unmatched"]:
        say(f"  unmatched {item['mentee_id']}: {item['reason']}")
    for warning in payload["fairness"].get("warnings", []):
        say(f"  fairness: {warning}", style="yellow")


@match_app.command("approve")
def match_approve(
    run_id: Annotated[int, typer.Argument(help="The run id.")],
    proposal: Annotated[
        list[int] | None, typer.Option(help="Approve only these proposal ids (repeat).")
    ] = None,
) -> None:
    """Approve proposals (all pending ones by default); they become relationships."""
    from companion.matching import service as matching

    with services() as built, unit_of_work(built) as session:
        found = matching.get_run(session=session, run_id=run_id, principal=CLI)
        if proposal:
            known = {p.id for p in found.proposals}
            for proposal_id in proposal:
                if proposal_id not in known:
                    fail(f"Proposal {proposal_id} is not part of run {run_id}.")
                matching.approve(session=session, proposal_id=proposal_id, principal=CLI)
            count = len(proposal)
        else:
            report = matching.approve_all(session=session, run_id=run_id, principal=CLI)
            count = len(report.approved)
            for refused in report.refused:
                say(
                    f"Not approved: proposal {refused['proposal_id']}, {refused['mentee']} with "
                    f"{refused['mentor']}: {refused['reason']}"
                )
    say(f"Approved {count} proposal(s).")


@match_app.command("reject")
def match_reject(proposal_id: Annotated[int, typer.Argument(help="The proposal id.")]) -> None:
    """Reject one proposal."""
    from companion.matching import service as matching

    with services() as built, unit_of_work(built) as session:
        matching.reject(session=session, proposal_id=proposal_id, principal=CLI)
    say(f"Rejected proposal {proposal_id}.")


@match_app.command("swap")
def match_swap(
    first: Annotated[int, typer.Argument(help="A proposal id.")],
    second: Annotated[int, typer.Argument(help="Another proposal id of the same run.")],
    accept_lower: Annotated[
        bool, typer.Option(help="Save the swap even if it lowers the score.")
    ] = False,
) -> None:
    """Exchange the mentors of two pending proposals (re-scored, rules checked)."""
    from companion.matching import service as matching

    with services() as built, unit_of_work(built) as session:
        a, b = matching.swap(
            session=session,
            vectors=built.profile_vectors,
            first_id=first,
            second_id=second,
            principal=CLI,
            accept_lower=accept_lower,
        )
    say(f"Swapped: #{a.id} now scores {a.score:.3f}, #{b.id} now scores {b.score:.3f}.")


# --- data rights -----------------------------------------------------------

retention_app = typer.Typer(
    help="How long each program keeps what (closed relationships, drafts, messages, audit).",
    no_args_is_help=True,
)
app.add_typer(retention_app, name="retention")


@users_app.command("export")
def users_export(
    email: Annotated[str, typer.Argument(help="The account's address.")],
    output: Annotated[
        Path | None, typer.Option(help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Everything held about one person, as JSON (what they download from their account page)."""
    from companion.rights import erasure, export

    with services() as built, unit_of_work(built, reads_only=True) as session:
        data = export.personal_data(
            session=session,
            principal=CLI,
            user_id=erasure.account_id(session=session, email=email),
        )
        text = data.model_dump_json(indent=2)
    if output is None:
        print(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    say(f"Wrote the data of {email} to {output}.", to=err)


@users_app.command("erase")
def users_erase(
    email: Annotated[str, typer.Argument(help="The account's address.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
) -> None:
    """Erase a person: their account, profile, notes, goals and messages; shared records
    keep "A former participant"; the audit trail keeps an erasure event."""
    from companion.rights import erasure

    if not yes:
        fail(f"Erasing {email} cannot be undone: run again with --yes to confirm.")
    with services() as built, unit_of_work(built) as session:
        report = erasure.erase(
            session=session,
            principal=CLI,
            user_id=erasure.account_id(session=session, email=email),
            vectors=built.profile_vectors.index,
        )
    say(f"Erased account #{report.user_id}.")
    for what, n in sorted(report.deleted.items()):
        say(f"  deleted {what}: {n}")
    for what, n in sorted(report.anonymised.items()):
        say(f"  kept for the others, without the person: {what}: {n}")
    say(f"  profile vectors deleted: {report.vectors_deleted}")
    say(f"  audit events with who and data removed: {report.audit_events_redacted}")


def _days(help_text: str) -> Any:
    return typer.Option(min=1, help=f"{help_text} Days; omit to keep.")


@retention_app.command("set")
def retention_set(
    program: Annotated[str, typer.Option(help="The program's name.")],
    closed_relationships_days: Annotated[
        int | None, _days("Relationships that ended, with everything in them.")
    ] = None,
    drafts_days: Annotated[int | None, _days("Drafts once decided.")] = None,
    messages_days: Annotated[int | None, _days("Thread messages.")] = None,
    audit_days: Annotated[int | None, _days("Who and data of audit events.")] = None,
    self_erasure: Annotated[
        bool | None,
        typer.Option(
            "--self-erasure/--no-self-erasure",
            help="Whether participants may erase their own account (default: unchanged).",
        ),
    ] = None,
) -> None:
    """Set a program's retention periods (every period at once: one you omit keeps)."""
    from companion.programs import service as programs
    from companion.rights import retention
    from companion.rights.schemas import RetentionSettings

    with services() as built, unit_of_work(built) as session:
        row = retention.configure(
            session=session,
            principal=CLI,
            program_id=programs.require_by_name(session=session, name=program).id,
            retention=RetentionSettings(
                closed_relationships_days=closed_relationships_days,
                drafts_days=drafts_days,
                messages_days=messages_days,
                audit_days=audit_days,
            ),
            allow_self_erasure=self_erasure,
        )
        kept = {k: v for k, v in row.retention.items() if v is not None}
        allowed = row.allow_self_erasure
    periods = ", ".join(f"{k} = {v}" for k, v in kept.items()) or "everything is kept"
    say(f"{program}: {periods}; self-erasure {'allowed' if allowed else 'not allowed'}.")


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
) -> None:
    """Remove what each program's retention settings say is due (see `retention set`)."""
    from companion.rights import retention

    with services() as built, unit_of_work(built, reads_only=dry_run) as session:
        report = retention.run(session=session, principal=CLI, dry_run=dry_run)
    if not report.items:
        say("No program has retention settings: everything is kept.")
        return
    verb = "would remove" if dry_run else "removed"
    for item in report.items:
        say(
            f"{item.program}: {verb} {item.count} {item.what} "
            f"(older than {item.older_than_days} day{'' if item.older_than_days == 1 else 's'})"
        )


community_app = typer.Typer(
    help="Community questions: the code of conduct and the moderation queue.",
    no_args_is_help=True,
)
app.add_typer(community_app, name="community")


@community_app.command("conduct")
def community_conduct(
    file: Annotated[
        Path | None, typer.Option(help="A text file with the new code of conduct.")
    ] = None,
    organisation_wide: Annotated[
        bool | None,
        typer.Option(
            "--organisation-wide/--program-only",
            help="Whether people may ask the whole organisation (default: unchanged).",
        ),
    ] = None,
) -> None:
    """Show the code of conduct; with --file, replace it (everyone accepts it again)."""
    from companion.community import conduct
    from companion.community.schemas import ConductUpdate

    text = None
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"Cannot read {file}: {exc}")
        if not text:
            fail(f"{file} is empty: the code of conduct needs some text.")
    change = ConductUpdate(code_of_conduct=text, organisation_wide=organisation_wide)
    writes = text is not None or organisation_wide is not None
    with services() as built, unit_of_work(built, reads_only=not writes) as session:
        shown = (
            conduct.update(session=session, principal=CLI, change=change)
            if writes
            else conduct.read(session=session, principal=CLI)
        )
    say(shown.code_of_conduct.rstrip())
    reach = "the whole organisation" if shown.organisation_wide else "their own program"
    say(f"(version {shown.version}; people ask {reach})", style="dim")


@community_app.command("reports")
def community_reports(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The open reports of the moderation queue, oldest first."""
    from companion.community import moderation

    with services() as built, unit_of_work(built, reads_only=True) as session:
        items, total = moderation.queue(session=session, principal=CLI, limit=200, offset=0)
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in items], indent=2))
        return
    if not items:
        say("No open reports.")
        return
    for item in items:
        say(
            f"#{item.id} {item.target} {item.target_id} by {item.offender_name}, "
            f"reported by {item.reporter_name}: {item.reason}"
        )
    if total > len(items):
        say(f"… and {total - len(items)} more: see /community/moderation", style="dim")


# --- leaders: stories and figures ----------------------------------------------

stories_app = typer.Typer(help="Leaders' stories.", no_args_is_help=True)
app.add_typer(stories_app, name="stories")
leaders_app = typer.Typer(help="Leaders' figures, in counts only.", no_args_is_help=True)
app.add_typer(leaders_app, name="leaders")


@stories_app.command("list")
def stories_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Stories waiting for publication, then the published ones."""
    from companion.leadership import stories

    with services() as built, unit_of_work(built, reads_only=True) as session:
        rows = [
            *stories.awaiting(session=session, principal=CLI),
            *stories.published(session=session, principal=CLI, limit=100),
        ]
        views = [stories.public(session=session, story=s, principal=CLI) for s in rows]
    if as_json:
        print(json.dumps([v.model_dump(mode="json") for v in views]))
        return
    if not views:
        say("No stories yet.")
    for v in views:
        say(f"{v.id}\t{v.status.value}\t{v.author_name}\t{v.title}")


@stories_app.command("publish")
def stories_publish(story_id: Annotated[int, typer.Argument(help="The story's id.")]) -> None:
    """Publish a story its author approved, into the knowledge base."""
    from companion.leadership import stories

    with services() as built, unit_of_work(built) as session:
        story = stories.publish(
            session=session, kb_=built.knowledge_base, story_id=story_id, principal=CLI
        )
        title = story.title
    say(f"Published story {story_id} ({title!r}) as {stories.doc_id_of(story_id)}.")


@leaders_app.command("figures")
def leaders_figures(
    program: Annotated[str, typer.Option("--program", help="Program name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A program's leaders' figures (only once the program has turned them on)."""
    from companion.leadership import accountability
    from companion.programs import service as programs

    with services() as built, unit_of_work(built, reads_only=True) as session:
        found = programs.require_by_name(session=session, name=program)
        view = accountability.program_view(session=session, program_id=found.id, principal=CLI)
    if as_json:
        print(view.model_dump_json())
        return
    if not view.turned_on:
        fail(f"Leaders' figures are off for {found.name!r}: its coordinators turn them on.")
    for d in view.departments:
        say(
            f"{d.department}: {d.leaders} leaders, {d.people_mentored} mentored, "
            f"{d.sessions_held} sessions held, {d.stories_shared} stories, "
            f"{d.training_completed} training paths completed"
        )


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
