"""The stalled-pair nudge: a coordinator's note to a pair that has gone quiet, with one
suggested next step.
"""

from __future__ import annotations

from datetime import date

from companion import language
from companion.db.base import utcnow
from companion.drafting.goal_families import (
    ACTION_STARTS,
    FILLER,
    LEAD_IN,
    normalised,
    sentences,
)
from companion.drafting.inputs import Sources
from companion.drafting.kinds.goal_wishes import ends_broken, is_feeling
from companion.drafting.kinds.smart_check import deadlines
from companion.drafting.kinds.smart_goal import near_and_later, statement_of
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.pair import goal_order, still_open
from companion.drafting.text import (
    CLAUSE_VERBS,
    QUOTE_WORDS,
    bare,
    first_name,
    phrases_of,
    quoted,
    short_program_name,
    shorten,
    spoken_date,
    strip_end,
    words_of,
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
    data = sources.relationship(
        query=lambda topics, notes: "nudging a stalled pair back into regular sessions",
        # The program writes the nudge: its guide on stalled pairs is for coordinators.
        readers=None,
        stalled_reasons=[
            StalledReason(code=r.code.value, days=r.days, count=r.count) for r in flag.codes
        ],
        days_quiet=(now - since).days,
    )
    return data.model_copy(update={"next_session_on": sources.next_booked_day(now)})


# Openings of a sentence that say how things are, not what someone wants.
_NOT_AN_AIM = frozenset("i i'm im i've ive my we we're our it it's its just been not".split())


_CLAUSE_JOINS = frozenset("and but so because or then although though while whereas".split())


def _ends_its_clause(end: int, tokens: list[str]) -> bool:
    """Whether the word at `end` is the last of its clause as the mentee wrote it."""
    if end + 1 >= len(tokens) or tokens[end].endswith((",", ";", ":", ".", "!", "?", "…")):
        return True
    return bare(tokens[end + 1]) in _CLAUSE_JOINS


def _an_aim(text: str) -> bool:
    """Whether a clause says what someone wants to do, not how things are ("joined 2
    months ago fully remote", "I'm new here") or a feeling."""
    opening = text.split()[0].lower() if text.split() else ""
    state = opening in _NOT_AN_AIM or opening.endswith("ed")
    return bool(opening) and not state and not ends_broken(text) and not is_feeling(text)


def wish_of(wants: str, today: date) -> str:
    """What the mentee wrote they want from mentoring, as a whole clause in their words
    that a SMART goal draft could state ("get my IV and cannulation competencies signed
    off"), or "" when there is none: never a fragment cut mid-phrase, never a text the
    built-in drafter cannot read (not English)."""
    if not wants or language.not_english(wants) is not None:
        return ""
    # A near goal, said without its time, and short enough to quote whole: "Move into
    # the fraud team within two years" is "Move into the fraud team".
    near, _ = near_and_later(wants)
    for said in deadlines(near, today):
        near = near.replace(said.words, " ")
    first = strip_end(FILLER.sub("", (sentences(normalised(near)) or [""])[0]).strip(" ,"))
    first = strip_end(LEAD_IN.sub("", first, count=1).strip(" ,"))
    if 2 <= len(words_of(first)) <= QUOTE_WORDS + 1 and _an_aim(first):
        return first
    stated = statement_of(wants, {}, today=today)
    action = stated.action
    if (
        stated.unstated
        or not _an_aim(action)
        or ends_broken(action)
        or len(words_of(action)) > QUOTE_WORDS + 1
    ):
        # Else the first whole clause that opens with something to do ("hit 120% of
        # quota this year" of "… and move to enterprise deals").
        tokens = wants.replace("’", "'").split()
        action = next(
            (
                p.text
                for p in phrases_of(wants, verbs=True)
                if _ends_its_clause(p.end, tokens)
                and p.text.split()[0].lower() in CLAUSE_VERBS | ACTION_STARTS
                and not ends_broken(p.text)
                and not is_feeling(p.text)
            ),
            "",
        )
    return action if len(words_of(action)) <= QUOTE_WORDS + 1 else ""


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
    # A pair that is not stalled (a coordinator checking in) is never told it stopped.
    stalled = bool(codes) or not_started
    booked = data.next_session_on

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
    elif stalled:
        noticed = (
            "It has been a while since you last met, which is very normal at this stage of "
            "a program: workloads shift and a cancelled meeting is easy to lose."
        )
    else:
        noticed = ""
    # "the Nursing Pathways team", never the program's whole title as a team's name.
    team = short_program_name(data.program_name)
    team = f"the {team} team" if team else "the program team"
    paragraphs = [
        f"Hi {mentee} and {mentor},",
        f"I'm getting in touch from {team} to see how your mentoring is going. {noticed}".strip(),
    ]
    wants = data.mentee.profile.get("goals", "").strip()
    aim = wish_of(wants, data.today)
    meet = "first meet" if not_started else "next meet"
    achieved = shorten(strip_end(data.achieved_goals[-1]), 100) if data.achieved_goals else ""
    if goals:
        paragraphs.append(
            f"When you {meet}, '{shorten(strip_end(goals[0].title), 100)}' could be a good "
            "place to pick up from."
        )
    elif achieved:
        # The goal is done: what comes next, not a first step towards the old hope.
        paragraphs.append(
            f"Congratulations on '{achieved}'. When you {meet}, it is a good moment to decide "
            "what comes next: a new goal, or how to close the mentoring well."
        )
    elif aim:
        # No goal is shared yet: what the mentee wrote they want from mentoring is theirs
        # to pick up from (their profile, which the pair and the program both read).
        paragraphs.append(
            f"When you {meet}, {mentee}'s hope for mentoring, {quoted(aim)}, could be a "
            "good place to pick up from."
        )
    elif wants:
        paragraphs.append(
            f"When you {meet}, the hopes for mentoring that {mentee} wrote down could be a "
            "good place to pick up from."
        )
    if overdue and actions:
        paragraphs[-1] += (
            " If an action you agreed no longer fits, it is fine to re-plan it or drop it together."
        )
    open_door = (
        "If the timing or the format does not suit you, or the match is not working for "
        "either of you, tell me: that is useful to know, and changing things is no problem."
    )
    if booked:
        which = "first" if not_started else "next"
        diary = f"I see your {which} session is booked for {spoken_date(booked)}. {open_door}"
    elif stalled:
        diary = (
            "What would make it easier to put the next session in the diary? A 20-minute "
            f"check-in is enough to get going again. {open_door}"
        )
    else:
        diary = f"Is your next session booked yet? {open_door}"
    paragraphs += [
        diary,
        f"Best wishes,\n{team[:1].upper()}{team[1:]}",
    ]
    if goals:
        restart = f"pick up '{shorten(strip_end(goals[0].title), 100)}' from where you left it"
    elif achieved:
        restart = f"decide what comes next after '{achieved}'"
    elif aim:
        restart = f"agree one first step towards {quoted(aim)}"
    elif wants:
        restart = f"agree one first step towards what {mentee} wants from mentoring"
    elif not_started:
        restart = "get to know each other and agree what you want from the program"
    else:
        restart = "agree one thing to work on next"
    if booked:
        next_step = f"At your session on {spoken_date(booked)}, {restart}."
    elif stalled:
        next_step = (
            f"Book a short check-in (20 minutes is enough) in the next week and {restart}; "
            "then put the next sessions in the calendar."
        )
    else:
        next_step = f"Book your next session and {restart} there."
    if not_started and booked:
        subject = f"{mentee} and {mentor}: your first session on {spoken_date(booked)}"
    elif not_started:
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
