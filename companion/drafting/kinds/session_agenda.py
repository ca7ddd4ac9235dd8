"""The session agenda: objectives, a timed plan that fills the session, questions and
preparation, from the pair's goals, last notes, open actions and retrieved guidance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from companion.drafting import grounding
from companion.drafting.inputs import Sources
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.models import Draft
from companion.drafting.pair import (
    goal_order,
    next_milestone,
    note_topics,
    owned_by,
    still_open,
)
from companion.drafting.text import (
    as_sentence,
    first_name,
    in_their_words,
    plain,
    plural,
    program_in_prose,
    sentences_of,
    shorten,
    spoken_date,
    strip_end,
    words_of,
)
from companion.relationships.models import MentoringSession
from prompts.schemas import (
    ActionSummary,
    AgendaItem,
    DraftKind,
    GoalSummary,
    Guidance,
    Preparation,
    RelationshipInput,
    SessionAgenda,
)

KIND = DraftKind.agenda
HEADLINE = "An agenda for your next mentoring session"
REVIEWERS = frozenset({Reviewer.coordinator, Reviewer.mentor})
RECEIVERS = Audience.members


def gather(sources: Sources) -> RelationshipInput:
    data = sources.relationship(
        query=lambda topics, notes: f"session agenda discussion topics {topics} {notes[:300]}",
        situated=True,
    )
    # The agenda is for the next booked session (`service._next_session_id`): it is read
    # then, so what is due is said against that day, not the day it was drafted.
    return data.model_copy(update={"next_session_on": sources.next_booked_day()})


MAX_CITATIONS = 3


def _pointed(data: RelationshipInput) -> list[Guidance]:
    """The first passage of each section written for the pair's situation."""
    by_id = {g.chunk_id: g for g in data.guidance}
    return [by_id[s.chunk_ids[0]] for s in data.situations if s.chunk_ids[0] in by_id]


def _ranked(data: RelationshipInput) -> list[Guidance]:
    """The guidance chosen by meaning: all but the sections for the pair's situation."""
    pointed = {chunk_id for s in data.situations for chunk_id in s.chunk_ids}
    return [g for g in data.guidance if g.chunk_id not in pointed]


def _read(chunk: Guidance) -> str:
    """What to read before the session: the section, and its guide unless the two share a
    run of three words ("Read 'What the first mentoring session is for' in 'The first
    mentoring session and the mentoring agreement'" says it twice; the citation names
    the guide)."""
    section, title = _section(chunk), plain(chunk.title)
    if _runs(section) & _runs(title):
        return f"Read the guide's section '{section}'."
    return f"Read '{section}' in '{title}'."


def _runs(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = [w.lower() for w in words_of(text)]
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _is_overdue(action: ActionSummary, today: date) -> bool:
    return action.due_date is not None and action.due_date < today


def _section(chunk: Guidance) -> str:
    """The part of a document a chunk comes from: its innermost heading, else the title."""
    heading = chunk.heading.split(" > ")[-1].strip() if chunk.heading else ""
    return plain(heading or chunk.title)


_QUOTED_QUESTION = re.compile(r"[\"“]([^\"“”]{10,220}?\?)[\"”]")
_MENTEE_VOICE = re.compile(r"\bas a mentee\b|\binterview", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|my|me|mine)\b")
# "about that work", "because of them": what a question points back to is in the guide
# ("about this design" names its own topic).
_NAMED_BEFORE = re.compile(
    r"\b(?:about|on|with|from|of|in|for|to|into|behind)\s+(?:that|those|it|them)\b",
    re.IGNORECASE,
)
_OPEN_QUESTION = re.compile(r"^(?:what|how|which|where|who|when|tell me)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Question:
    text: str
    chunk: Guidance
    order: int


def _guidance_questions(guidance: Sequence[Guidance]) -> list[_Question]:
    """Question sentences in the guidance: quoted questions, and sentences ending in '?'."""
    found: list[_Question] = []
    seen: set[str] = set()
    bar = grounding.on_focus(guidance)
    for chunk in guidance:
        # Questions written for the mentee to ask (of a mentor, in an interview) are not
        # questions for the mentor to ask the mentee.
        if _MENTEE_VOICE.search(f"{chunk.title} {chunk.heading}"):
            continue
        sentences = sentences_of(chunk.text)
        ranked = len(chunk.focus) == len(sentences)
        for index, sentence in enumerate(sentences):
            if not sentence[0].isupper() and sentence[0] not in "\"“'‘(0123456789":
                continue
            # Only a question about what this pair works on (when ranked for the pair).
            if ranked and chunk.focus[index] <= bar:
                continue
            quoted = _QUOTED_QUESTION.findall(sentence)
            if quoted:
                candidates = quoted
            elif sentence.endswith("?") and '"' not in sentence and "“" not in sentence:
                candidates = [sentence]
            else:
                candidates = []
            for text in candidates:
                text = text.strip()
                key = text.lower()
                if not 3 <= len(text.split()) <= 30 or not text[0].isupper() or key in seen:
                    continue
                if "…" in text or "..." in text or ":" in text:
                    continue
                # A line the mentee would say to someone else, not a question to ask them;
                # nor one about what the guide named before it ("… about that work?").
                if _FIRST_PERSON.search(text) or _NAMED_BEFORE.search(text):
                    continue
                seen.add(key)
                found.append(_Question(text, chunk, len(found)))
    return found


def _best_questions(questions: list[_Question], n: int) -> list[_Question]:
    """Open questions before closed ones, then those of the passages closest in meaning
    to the pair (the guidance arrives in that order), then the first found."""
    return sorted(questions, key=lambda q: (not _OPEN_QUESTION.match(q.text), q.order))[:n]


def _add(items: list[str], text: str, limit: int) -> None:
    """Append `text` unless it is already there (case aside) or the list is full."""
    if len(items) < limit and text.lower() not in (i.lower() for i in items):
        items.append(text)


@dataclass
class _Slot:
    topic: str
    notes: str
    weight: float
    optional: int = 0  # the higher, the sooner it is dropped from a short session


def _allocate(slots: list[_Slot], minutes: int) -> list[int]:
    """Split `minutes` over the slots by weight: in 5-minute blocks when they fit,
    largest remainders first, with what does not divide into blocks on the last slot."""
    unit = 5 if minutes >= 5 * len(slots) else 1
    blocks = minutes // unit
    total = sum(s.weight for s in slots)
    quotas = [s.weight / total * blocks for s in slots]
    shares = [max(1, int(q)) for q in quotas]
    spare = blocks - sum(shares)
    if spare > 0:
        by_remainder = sorted(range(len(slots)), key=lambda i: (-(quotas[i] - shares[i]), i))
        for k in range(spare):
            shares[by_remainder[k % len(slots)]] += 1
    while spare < 0:
        # Every slot keeps at least one block; there are at least as many blocks as slots.
        reducible = [i for i in range(len(slots)) if shares[i] > 1]
        largest = max(reducible, key=lambda i: (shares[i] - quotas[i], shares[i], -i))
        shares[largest] -= 1
        spare += 1
    allotted = [share * unit for share in shares]
    allotted[-1] += minutes - sum(allotted)
    return allotted


def compose(data: RelationshipInput) -> SessionAgenda:
    program = program_in_prose(data.program_name)
    mentor, mentee = first_name(data.mentor), first_name(data.mentee)
    goals = goal_order(data.goals)
    actions = still_open(data.open_actions)
    overdue = [a for a in actions if _is_overdue(a, data.today)]
    last = data.last_session
    # Guidance arrives closest in meaning to the pair first, holding only examples
    # that fit the mentee's role (`grounding`).
    topic_goals = goals[: 2 if data.session_minutes >= 45 else 1]
    # The sections written for the pair's situation come first in what the mentor reads
    # before the session; the rest of the guidance is chosen by meaning.
    used: list[Guidance] = _pointed(data)

    objectives: list[str] = []
    for goal in topic_goals:
        objectives.append(_goal_objective(goal))
    if actions:
        if len(overdue) == 1:
            objectives.append(f"Unblock the overdue action '{strip_end(overdue[0].text)}'")
        elif overdue:
            objectives.append(
                f"Unblock the {len(overdue)} overdue actions, starting with "
                f"'{strip_end(overdue[0].text)}'"
            )
        else:
            objectives.append(
                "Close out or re-plan the open action"
                if len(actions) == 1
                else f"Close out or re-plan the {len(actions)} open actions"
            )
    done = strip_end(data.achieved_goals[-1]) if data.achieved_goals else ""
    if not goals:
        if last is None:
            objectives.append("Get to know each other and agree how you will work together")
        if done:
            objectives.append(
                f"Look back on '{shorten(done, 120)}', which {mentee} achieved, and decide "
                "what comes next"
            )
        else:
            objectives.append(f"Shape a first goal for {mentee} to work on in {program}")
    if data.program_values.strip():
        objectives.append(f"Keep {program}'s values in view: {shorten(data.program_values, 200)}")
    objectives = objectives[:5]

    # The values are said once: as an objective, or (when the objectives are full) here.
    valued = any("'s values in view" in o for o in objectives)
    slots = [_check_in_slot(data, mentee, values=not valued)]
    if last is None:
        slots.append(
            _Slot(
                "Working agreement",
                "How often you will meet and for how long, how to reach each other between "
                "sessions, what stays confidential, and how you will tell each other what is "
                "and is not working.",
                1.5,
                optional=2,
            )
        )
    if actions:
        slots.append(_actions_slot(actions, data))
    for rank, goal in enumerate(topic_goals):
        slots.append(
            _goal_slot(
                goal,
                data.next_session_on or data.today,
                weight=4 if rank == 0 else 2,
                optional=rank * 3,
            )
        )
    if not goals and done:
        slots.append(
            _Slot(
                "After the goal achieved",
                f"{mentee} achieved '{shorten(done, 200)}'. What made it work, and what would "
                f"{mentee} do differently? Then decide together what comes next: a new goal "
                "(a concrete outcome, what would show it is done, a target date), or how to "
                "close the mentoring well.",
                4,
            )
        )
    elif not goals:
        slots.append(
            _Slot(
                f"Shape a first goal for {mentee}",
                _starting_point(data, mentee)
                + f"Turn what {mentee} wants from {program} into one goal: a concrete "
                "outcome, what would show it is done, the support needed, why it matters, "
                "and a target date.",
                4,
            )
        )
    ranked = _ranked(data)
    bar = grounding.on_focus(ranked)
    # The passage closest to the pair that says something about it: its closest sentence.
    point = next(((g, t) for g in ranked if (t := grounding.snippet(g, bar))), None)
    if point is not None:
        best, said = point
        used.append(best)
        slots.append(
            _Slot(
                f"From the guidance: {_section(best)}",
                shorten(
                    f"{said} (From '{plain(best.title)}'.) "
                    "Discuss how this applies to what you are working on.",
                    1000,
                ),
                1.5,
                optional=4,
            )
        )
    slots.append(
        _Slot(
            "Next steps",
            f"Agree who does what by when before the next session; {mentee} writes the "
            "actions into the shared notes.",
            1,
        )
    )
    while len(slots) > max(2, data.session_minutes) and any(s.optional for s in slots):
        slots.remove(max(slots, key=lambda s: s.optional))
    minutes = _allocate(slots, data.session_minutes)
    items = [
        AgendaItem(minutes=m, topic=shorten(s.topic, 300), notes=s.notes)
        for s, m in zip(slots, minutes, strict=True)
    ]

    questions = _agenda_questions(data, goals, used)
    preparation = _preparation(data, goals, actions, used, mentor, mentee)
    citations = list(dict.fromkeys(g.document_id for g in used))[:MAX_CITATIONS]
    return SessionAgenda(
        objectives=objectives,
        items=items,
        questions=questions,
        preparation=preparation,
        citations=citations,
    )


def _starting_point(data: RelationshipInput, mentee: str) -> str:
    """What the mentee wrote they want, as the place a first goal starts from: a goal
    shaped in the session is theirs, from their own words. Only what they share with the
    other members reaches an agenda (`Sources.relationship`), never their challenge."""
    wants = data.mentee.profile.get("goals", "").strip()
    return (
        f"Start from what {mentee} wants, in their words ({in_their_words(wants)}). "
        if wants
        else ""
    )


def _goal_objective(goal: GoalSummary) -> str:
    title = strip_end(goal.title)
    if goal.status == "draft":
        return f"Agree the draft goal '{title}' so that work on it can start"
    if goal.progress == 0:
        return f"Get '{title}' started: agree the first concrete step and what done looks like"
    milestone = next_milestone(goal)
    if milestone is not None:
        due = f" (due {spoken_date(milestone.due_date)})" if milestone.due_date else ""
        return (
            f"Move '{title}' on from {goal.progress}%: plan the next milestone, "
            f"'{strip_end(milestone.text)}'{due}"
        )
    return f"Move '{title}' on from {goal.progress}%: agree the next concrete step"


def _check_in_slot(data: RelationshipInput, mentee: str, *, values: bool = True) -> _Slot:
    program = program_in_prose(data.program_name)
    said = (
        f" Keep the program's values in mind: {as_sentence(shorten(data.program_values, 300))}"
        if values and data.program_values.strip()
        else ""
    )
    if data.last_session is None:
        return _Slot(
            "Introductions",
            f"Backgrounds, what each of you hopes to get from {program}, and how "
            f"{mentee} likes to work.{said}",
            1,
        )
    return _Slot(
        "Check-in",
        f"How things have gone for {mentee} since {spoken_date(data.last_session.date)}, and "
        f"anything urgent to add to the agenda.{said}",
        1,
    )


def _due_for_both(action: ActionSummary, data: RelationshipInput) -> str:
    """When an action is due, as an agenda both members read it at their session: a date,
    never a count of days from the day it was drafted. A date that has passed is named,
    not counted ("was due on 6 November 2026", not "overdue by 30 days"), as the
    program's guidance on slipped actions asks; one still to come is placed against the
    session the agenda is for, when one is booked."""
    due, session_day = action.due_date, data.next_session_on
    if due is None:
        return "no due date"
    if due < data.today:
        return f"was due on {spoken_date(due)}"
    if session_day is not None and due < session_day:
        return f"due {spoken_date(due)}, before this session"
    if due == session_day:
        return f"due {spoken_date(due)}, the day of this session"
    return f"due {spoken_date(due)}"


def _actions_slot(actions: list[ActionSummary], data: RelationshipInput) -> _Slot:
    lines = [f"{strip_end(a.text)} ({a.owner}, {_due_for_both(a, data)})" for a in actions]
    return _Slot(
        "Review open actions",
        shorten(
            "; ".join(lines) + ". What got done, what got in the way, and what to re-plan or drop.",
            1000,
        ),
        2 if len(actions) > 2 else 1.5,
        optional=1,
    )


def _goal_slot(goal: GoalSummary, on: date, *, weight: float, optional: int) -> _Slot:
    """A goal's slot as read on the day `on` (the session's, when one is booked)."""
    notes: list[str] = []
    milestone = next_milestone(goal)
    if milestone is not None:
        due = f", due {spoken_date(milestone.due_date)}" if milestone.due_date else ""
        notes.append(f"Next milestone: {strip_end(milestone.text)}{due}.")
    if goal.measurable.strip():
        notes.append(f"Evidence of done: {strip_end(goal.measurable)}.")
    if goal.target_date:
        left = (goal.target_date - on).days
        when = (
            f"{plural(left // 7, 'week')} left to the target date ({spoken_date(goal.target_date)})"
            if left >= 7
            else f"target date {spoken_date(goal.target_date)}"
        )
        notes.append(f"{when[0].upper()}{when[1:]}.")
    notes.append("What has moved since last time, what is in the way, and the next step.")
    return _Slot(
        f"Goal: {strip_end(goal.title)} ({goal.progress}%)",
        shorten(" ".join(notes), 1000),
        weight,
        optional=optional,
    )


_POINTS_AWAY = re.compile(r"\b(?:he|she|her|hers|him|his|it|its)\b", re.IGNORECASE)


def _agenda_questions(
    data: RelationshipInput, goals: list[GoalSummary], used: list[Guidance]
) -> list[str]:
    mentee = first_name(data.mentee)
    questions: list[str] = []
    if goals:
        goal = goals[0]
        title = strip_end(goal.title)
        if goal.measurable.strip():
            _add(
                questions,
                f"Against '{shorten(strip_end(goal.measurable), 160)}', where are you now, "
                "and what would move it furthest before we next meet?",
                6,
            )
        else:
            _add(questions, f"What would show that '{title}' is done, and how close are you?", 6)
        milestone = next_milestone(goal)
        if milestone is not None:
            _add(questions, f"What stands between you and '{strip_end(milestone.text)}'?", 6)
    last = data.last_session
    if last is not None and last.shared_notes.strip():
        # Asked of the pair: never the notes' "her" ("what surprised her"), nor an "it"
        # the question does not name ("what made it land").
        topics = [t for t in note_topics(last.shared_notes) if not _POINTS_AWAY.search(t)]
        if topics:
            _add(
                questions,
                f"Last time you talked about {strip_end(topics[0])}. What has happened since?",
                6,
            )
        else:
            _add(questions, "What has happened since last time that you want to pick up?", 6)
    if not goals and data.achieved_goals:
        # What they wrote they wanted is what the achieved goal came from: ask what next.
        done = strip_end(data.achieved_goals[-1])
        _add(questions, f"What would you like to work on next, now that '{done}' is done?", 6)
    elif not goals and data.mentee.profile.get("goals", "").strip():
        _add(
            questions,
            f"Of the things you hoped to get from {program_in_prose(data.program_name)}, which "
            "matters most to you now, and what would show you have it?",
            6,
        )
    guidance_questions = _best_questions(_guidance_questions(_ranked(data)), 2)
    for question in guidance_questions:
        before = len(questions)
        _add(questions, question.text, 6)
        if len(questions) > before and question.chunk not in used:
            used.append(question.chunk)
    fallbacks = [
        f"What would make this session most useful for you, {mentee}?",
        f"What do you want to have done by the next session, {mentee}?",
        "What support would help most between now and then?",
    ]
    for fallback in fallbacks:
        if len(questions) >= 3:
            break
        _add(questions, fallback, 6)
    return questions


def _preparation(
    data: RelationshipInput,
    goals: list[GoalSummary],
    actions: list[ActionSummary],
    used: list[Guidance],
    mentor: str,
    mentee: str,
) -> Preparation:
    program = program_in_prose(data.program_name)
    for_mentor: list[str] = []
    for_mentee: list[str] = []
    if data.last_session is not None:
        _add(for_mentor, f"Re-read the shared notes from {spoken_date(data.last_session.date)}.", 5)
    for action in actions:
        due = f" ({_due_for_both(action, data)})"
        if owned_by(action, data.mentor):
            _add(for_mentor, f"Finish or report back on '{strip_end(action.text)}'{due}.", 5)
        elif owned_by(action, data.mentee):
            _add(for_mentee, f"Finish or report back on '{strip_end(action.text)}'{due}.", 5)
    for chunk in used[:2]:
        _add(for_mentor, _read(chunk), 5)
    if goals:
        title = strip_end(goals[0].title)
        _add(
            for_mentor,
            f"Think of an example from your own experience that relates to '{title}'.",
            5,
        )
        _add(
            for_mentee,
            f"Update progress on '{title}' (now {goals[0].progress}%) and note what is in the way.",
            5,
        )
    elif data.achieved_goals:
        _add(
            for_mentee,
            f"Note what you would like to work on next in {program}, if anything, and why.",
            5,
        )
    else:
        _add(
            for_mentee,
            f"Write down two or three things you would like to get from {program}.",
            5,
        )
    _add(
        for_mentee,
        f"Pick the one topic that would help most this time and send it to {mentor} a day ahead.",
        5,
    )
    return Preparation(mentor=for_mentor, mentee=for_mentee)


def deliver(session: Session, draft: Draft) -> None:
    """Delivered, the agenda becomes its session's agenda (calendar entries show it)."""
    if draft.session_id is not None:
        target = session.get(MentoringSession, draft.session_id)
        if target is not None:
            target.agenda_draft_id = draft.id
