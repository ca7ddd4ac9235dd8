"""The stalled-pair nudge: a coordinator's note to a pair that has gone quiet, with one
suggested next step.
"""

from __future__ import annotations

from companion.db.base import utcnow
from companion.drafting.inputs import Sources
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.pair import goal_order, still_open
from companion.drafting.text import (
    first_name,
    in_their_words,
    phrases_of,
    quoted,
    shorten,
    strip_end,
)
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
    """A nudge as the program's guidance on stalled pairs says to write one (in our own
    words, not the guide's sample): short, friendly, assuming good reasons, making the
    next step easy, never counting days missed, and about this pair: their goal, or
    what the mentee said they want from mentoring."""
    mentor, mentee = first_name(data.mentor), first_name(data.mentee)
    goals = goal_order(data.goals)
    actions = still_open(data.open_actions)
    codes = {reason.code for reason in data.stalled_reasons}
    not_started = "not_started" in codes or (data.last_session is None and not codes)
    overdue = "actions_overdue" in codes

    if not_started:
        noticed = (
            "It looks like your first session has not happened yet, which is very normal "
            "at this stage: calendars fill up quickly."
        )
    elif codes == {"actions_overdue"}:
        noticed = (
            "It looks like one or two of the actions you agreed have slipped, which is very "
            "normal at this stage of a program: work gets busy."
        )
    else:
        noticed = (
            "It has been a while since you last met, which is very normal at this stage of "
            "a program: workloads shift and a cancelled meeting is easy to lose."
        )
    paragraphs = [
        f"Hi {mentee} and {mentor},",
        f"I'm getting in touch from the {data.program_name} team to see how your mentoring "
        f"is going. {noticed}",
    ]
    wants = data.mentee.profile.get("goals", "").strip()
    # What the mentee said they want ("I want to …"), quoted only when whole.
    aim = next((p.text for p in phrases_of(wants) if p.wanted and p.whole), "")
    if goals:
        paragraphs.append(
            f"When you next meet, '{shorten(strip_end(goals[0].title), 100)}' could be a good "
            "place to pick up from."
        )
    elif wants:
        # No goal is shared yet: what the mentee wrote they want from mentoring is theirs
        # to pick up from (their profile, which the pair and the program both read).
        paragraphs.append(
            f"When you next meet, what {mentee} said they want from mentoring "
            f"({in_their_words(wants, limit=2)}) could be a good place to pick up from."
        )
    if overdue and actions:
        paragraphs[-1] += (
            " If an action you agreed no longer fits, it is fine to re-plan it or drop it together."
        )
    paragraphs += [
        "What would make it easier to put the next session in the diary? A 20-minute "
        "check-in is enough to get going again. If the timing or the format does not suit "
        "you, or the match is not working for either of you, tell me: that is useful to "
        "know, and changing things is no problem.",
        f"Best wishes,\nThe {data.program_name} team",
    ]
    if goals:
        restart = f"pick up '{shorten(strip_end(goals[0].title), 100)}' from where you left it"
    elif aim:
        restart = f"agree one first step towards {quoted(aim)}"
    elif wants:
        restart = f"agree one first step towards what {mentee} wants from mentoring"
    elif not_started:
        restart = "get to know each other and agree what you want from the program"
    else:
        restart = "agree one thing to work on next"
    next_step = (
        f"Book a short check-in (20 minutes is enough) in the next week and {restart}; "
        "then put the next sessions in the calendar."
    )
    if not_started:
        subject = f"{mentee} and {mentor}: getting your first session booked"
    elif goals:
        subject = f"{mentee} and {mentor}: picking up '{shorten(strip_end(goals[0].title), 80)}'"
    elif aim:
        subject = f"{mentee} and {mentor}: picking up {quoted(aim)}"
    else:
        subject = f"{mentee} and {mentor}: how is your mentoring going?"
    return Nudge(
        subject=shorten(subject, 150),
        message=shorten("\n\n".join(paragraphs), 2000),
        suggested_next_step=shorten(next_step, 400),
    )
