"""The mentor brief: what happened last time, open action items, goal progress and the
guidance worth reading before the next session.
"""

from __future__ import annotations

from companion.drafting import grounding, situations
from companion.drafting.inputs import Sources
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.pair import (
    due_phrase,
    goal_order,
    next_milestone,
    still_open,
)
from companion.drafting.text import (
    day_count,
    first_name,
    in_their_words,
    joined,
    program_in_prose,
    shorten,
    spoken_date,
    strip_end,
)
from prompts.schemas import (
    DraftKind,
    Guidance,
    GuidanceSnippet,
    MentorBrief,
    RelationshipInput,
)

KIND = DraftKind.brief
HEADLINE = "Your brief for the next session"
REVIEWERS = frozenset({Reviewer.coordinator, Reviewer.mentor})
RECEIVERS = Audience.mentor


def gather(sources: Sources) -> RelationshipInput:
    # The mentor receives it, so it holds what the mentee shares with their mentor: the
    # page they share from promises that what they wrote about their challenges is never
    # shown to the other members, the mentor included.
    return sources.relationship(
        query=lambda topics, notes: f"preparing for a mentoring session {topics} {notes[:300]}",
        every_member=False,
        situated=True,
    )


def _focus(data: RelationshipInput) -> str:
    """What the mentee is working on: their goals, else what they share they want."""
    mentee = first_name(data.mentee)
    profile = data.mentee.profile
    parts: list[str] = []
    goals = goal_order(data.goals)
    if goals:
        titles = [f"'{strip_end(g.title)}' ({g.progress}%)" for g in goals[:3]]
        parts.append(f"Working on {joined(titles)}.")
    elif profile.get("goals", "").strip():
        parts.append(
            f"What {mentee} wants from mentoring, in their words: "
            f"{in_their_words(profile['goals'])}."
        )
    return shorten(" ".join(parts), 800)


def _pointed(data: RelationshipInput) -> list[GuidanceSnippet]:
    """A line for each situation of the pair: what is true of them, the section written
    for it, and the section's opening when it reads on its own."""
    by_id = {g.chunk_id: g for g in data.guidance}
    lines = []
    for situation in data.situations:
        passages = [by_id[c] for c in situation.chunk_ids if c in by_id]
        if not passages:
            continue
        said = f"{strip_end(situation.why)}. Worth reading: '{situations.section_of(passages[0])}'"
        listed = situations.pointer(situation.code)
        opening = situations.lead(passages) if listed is None or listed.quote else ""
        said += f', which begins: "{strip_end(opening)}."' if opening else "."
        lines.append(
            GuidanceSnippet(document_id=passages[0].document_id, snippet=shorten(said, 600))
        )
    return lines


def compose(data: RelationshipInput) -> MentorBrief:
    program = program_in_prose(data.program_name)
    mentee = first_name(data.mentee)
    last = data.last_session
    if last is None:
        start = [
            "agree how you will work together (how often, how to reach each other, what "
            "stays confidential)",
            f"hear what {mentee} hopes to get from {program}",
        ]
        goals = goal_order(data.goals)
        start.append(
            f"look at the goal {mentee} has shared, '{strip_end(goals[0].title)}'"
            if goals
            else "shape a first goal together"
        )
        last_time = "No session has been held yet. To start: " + "; ".join(start) + "."
    else:
        ago = (data.today - last.date).days
        when = (
            f"{spoken_date(last.date)}, {day_count(ago)} ago" if ago > 0 else spoken_date(last.date)
        )
        if last.shared_notes.strip():
            last_time = f"Last session ({when}). Shared notes: {last.shared_notes.strip()}"
        else:
            last_time = f"Last session ({when}). No shared notes were written."
        last_time = shorten(last_time, 1500)

    open_actions = [
        shorten(f"{strip_end(a.text)} — {a.owner}, {due_phrase(a, data.today)}", 500)
        for a in still_open(data.open_actions)
    ][:10]

    goal_progress = []
    for goal in goal_order(data.goals)[:10]:
        target = f"target {goal.target_date.isoformat()}" if goal.target_date else "no target date"
        line = f"{strip_end(goal.title)} — {goal.progress}%, {goal.status}, {target}"
        milestone = next_milestone(goal)
        if milestone is not None:
            due = f" by {milestone.due_date.isoformat()}" if milestone.due_date else ""
            line += f"; next milestone: {strip_end(milestone.text)}{due}"
        goal_progress.append(shorten(line, 500))
    # Achieved goals, newest first: what the pair has done, not "none shared yet".
    for title in reversed(data.achieved_goals):
        goal_progress.append(shorten(f"{strip_end(title)} — achieved", 500))
    goal_progress = goal_progress[:10]

    # First the sections written for the pair's situation (no session yet, an overdue
    # action, no goal …), which fit whatever the mentee's field.
    snippets = _pointed(data)
    # Then the best chunk of each document; a second chunk of a document only to fill up.
    pointed = {chunk_id for s in data.situations for chunk_id in s.chunk_ids}
    firsts: list[Guidance] = []
    seconds: list[Guidance] = []
    # Guidance arrives closest in meaning to the pair first (`grounding`).
    ranked = [g for g in data.guidance if g.chunk_id not in pointed]
    for chunk in ranked:
        documents = {g.document_id for g in firsts}
        (seconds if chunk.document_id in documents else firsts).append(chunk)
    bar = grounding.on_focus(ranked)
    found = [(chunk, grounding.snippet(chunk, bar)) for chunk in [*firsts, *seconds]]
    # The closest to the pair first, when sentences are ranked; else in passage order.
    found.sort(key=lambda pair: -max(pair[0].focus, default=0.0))
    for chunk, text in found:
        if len(snippets) < 3 and text and all(s.snippet != text for s in snippets):
            snippets.append(GuidanceSnippet(document_id=chunk.document_id, snippet=text))
    citations = list(dict.fromkeys(s.document_id for s in snippets))
    return MentorBrief(
        focus=_focus(data),
        last_time=last_time,
        open_actions=open_actions,
        goal_progress=goal_progress,
        guidance=snippets,
        citations=citations,
    )
