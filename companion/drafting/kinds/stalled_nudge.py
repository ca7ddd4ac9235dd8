"""The stalled-pair nudge: a coordinator's note to a pair that has gone quiet, with one
suggested next step.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from companion.db.base import utcnow
from companion.drafting.inputs import Sources
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.pair import goal_order, still_open
from companion.drafting.text import first_name, joined, shorten, spoken_date, strip_end
from prompts.schemas import (
    DraftKind,
    Nudge,
    RelationshipInput,
)

KIND = DraftKind.nudge
HEADLINE = "A note from your program coordinator"
REVIEWERS = frozenset({Reviewer.coordinator})
RECEIVERS = Audience.members


def gather(sources: Sources) -> RelationshipInput:
    """The pair as the program sees it, with why it looks stalled and for how long."""
    from companion.relationships import health

    program, relationship = sources.target.program, sources.target.relationship
    now = utcnow()
    flag = health.assess(
        session=sources.session, program=program, relationships=[relationship], now=now
    )[relationship.id]
    since = flag.last_held_at or health.start_of(relationship)
    return sources.relationship(
        query=lambda topics, notes: "nudging a stalled pair back into regular sessions",
        stalled_reasons=flag.reasons,
        days_quiet=(now - since).days,
    )


_REASON_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"no session held since the start (\d+) days ago", re.I),
        lambda m: (
            f"your first session has not happened yet, {m.group(1)} days after you were matched"
        ),
    ),
    (
        re.compile(r"no session held for (\d+) days", re.I),
        lambda m: f"it has been {m.group(1)} days since your last session",
    ),
    (
        re.compile(r"(\d+) action item\(s\) overdue by more than (\d+) days", re.I),
        lambda m: (
            (
                "one of the actions you agreed is"
                if m.group(1) == "1"
                else f"{m.group(1)} of the actions you agreed are"
            )
            + f" more than {m.group(2)} days past the date you set"
        ),
    ),
)


def _gentle(reason: str) -> str:
    """A health flag reworded as an observation about the pair, without blame."""
    text = strip_end(reason)
    for pattern, phrase in _REASON_PATTERNS:
        match = pattern.search(text)
        if match:
            return phrase(match)
    return f"the program dashboard notes: {text[:1].lower()}{text[1:]}"


def compose(data: RelationshipInput) -> Nudge:
    mentor, mentee = first_name(data.mentor), first_name(data.mentee)
    goals = goal_order(data.goals)
    actions = still_open(data.open_actions)
    reasons = [_gentle(r) for r in data.stalled_reasons]
    if data.days_quiet is not None and not reasons:
        reasons.append(f"it has been {data.days_quiet} days since your last session")

    opening = (
        f"I'm getting in touch from the {data.program_name} team to see how your mentoring "
        "is going."
    )
    if reasons:
        opening += (
            f" From what the program shows, {joined(reasons)}. That is very "
            "common: calendars fill up and work gets busy, and it says nothing about either "
            "of you."
        )
    work: list[str] = []
    if goals:
        work.append(
            f"You have been working on '{strip_end(goals[0].title)}' "
            f"({goals[0].progress}% so far), and it would be a shame to lose that momentum."
        )
    if actions:
        oldest = actions[0]
        due = f", due {spoken_date(oldest.due_date)}" if oldest.due_date else ""
        work.append(
            f"The oldest open action is '{strip_end(oldest.text)}' ({oldest.owner}{due}); "
            "it may be worth finishing it, re-planning it or agreeing to drop it."
        )
    offer = (
        "If something is getting in the way (finding a time, the goal no longer fitting, or "
        "anything else), reply to this message and I'll gladly help sort it out."
    )
    paragraphs = [
        f"Hi {mentee} and {mentor},",
        opening,
        *([" ".join(work)] if work else []),
        offer,
        f"Best wishes,\nThe {data.program_name} team",
    ]
    if goals:
        restart = f"a short check-in on '{strip_end(goals[0].title)}' is a good place to restart"
    elif data.last_session is None:
        restart = "getting to know each other and agreeing a first goal is a good place to begin"
    else:
        restart = "agreeing a first goal together is a good place to restart"
    next_step = (
        f"Book your next {data.session_minutes}-minute session within the next week, and put "
        f"the following ones in the calendar at your program's usual cadence; {restart}."
    )
    subject = (
        f"{mentee} and {mentor}: shall we get your next session booked?"
        if reasons
        else f"{mentee} and {mentor}: checking in on your mentoring"
    )
    return Nudge(
        subject=shorten(subject, 150),
        message=shorten("\n\n".join(paragraphs), 2000),
        suggested_next_step=shorten(next_step, 400),
    )
