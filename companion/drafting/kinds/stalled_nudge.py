"""The stalled-pair nudge: a coordinator's note to a pair that has gone quiet, with one
suggested next step.
"""

from __future__ import annotations

from companion.db.base import utcnow
from companion.drafting.inputs import Sources
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.pair import goal_order, still_open
from companion.drafting.text import first_name, shorten, strip_end
from prompts.schemas import (
    DraftKind,
    Nudge,
    RelationshipInput,
    StalledReason,
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
        stalled_reasons=[
            StalledReason(code=r.code.value, days=r.days, count=r.count) for r in flag.codes
        ],
        days_quiet=(now - since).days,
    )


def compose(data: RelationshipInput) -> Nudge:
    """A nudge as the program's guidance on stalled pairs writes one: short, friendly,
    assuming good reasons, making the next step easy, never counting days missed."""
    mentor, mentee = first_name(data.mentor), first_name(data.mentee)
    goals = goal_order(data.goals)
    actions = still_open(data.open_actions)
    codes = {reason.code for reason in data.stalled_reasons}
    not_started = "not_started" in codes or (data.last_session is None and not codes)
    overdue = "actions_overdue" in codes

    if not_started:
        noticed = (
            "It looks like your first session has not happened yet, which is very normal "
            "at this point: calendars fill up quickly."
        )
    elif codes == {"actions_overdue"}:
        noticed = (
            "It looks like one or two of the actions you agreed have slipped, which is very "
            "normal at this point in a program: work gets busy."
        )
    else:
        noticed = (
            "It looks like it has been a little while since your last session, which is "
            "very normal at this point in a program: workloads shift and a cancelled "
            "meeting is easy to lose."
        )
    paragraphs = [
        f"Hi {mentee} and {mentor},",
        f"I'm getting in touch from the {data.program_name} team to see how your mentoring "
        f"is going. {noticed}",
    ]
    if goals:
        paragraphs.append(
            f"When you next meet, '{shorten(strip_end(goals[0].title), 100)}' could be a good "
            "place to pick up from."
        )
    if overdue and actions:
        paragraphs[-1] += (
            " If an action you agreed no longer fits, it is fine to re-plan it or drop it together."
        )
    paragraphs += [
        "Is there anything that would make it easier to get the next session in the diary? "
        "A short 20-minute check-in counts too. If the timing, the format or the match is "
        "not working for either of you, that is useful for me to know, and there is no "
        "problem in changing things.",
        f"Best wishes,\nThe {data.program_name} team",
    ]
    if goals:
        restart = f"pick up '{shorten(strip_end(goals[0].title), 100)}' from where you left it"
    elif not_started:
        restart = "get to know each other and agree what you want from the program"
    else:
        restart = "agree one thing to work on next"
    next_step = (
        f"Book a short check-in (20 minutes is enough) in the next week and {restart}; "
        "then put the next sessions in the calendar."
    )
    subject = (
        f"{mentee} and {mentor}: getting your first session booked"
        if not_started
        else f"{mentee} and {mentor}: how is your mentoring going?"
    )
    return Nudge(
        subject=shorten(subject, 150),
        message=shorten("\n\n".join(paragraphs), 2000),
        suggested_next_step=shorten(next_step, 400),
    )
