"""The success story: an achieved goal told from both members' closing reflections,
quoted as written, with their takeaways.
"""

from __future__ import annotations

import re
from itertools import zip_longest

from companion.drafting.inputs import Sources, goal_summary
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.text import ended, first_name, quoted, shorten, split_sentences, strip_end
from prompts.schemas import (
    DraftKind,
    Person,
    SuccessStory,
    SuccessStoryInput,
)

KIND = DraftKind.success_story
HEADLINE = "A success story from your mentoring program"
REVIEWERS = frozenset({Reviewer.coordinator, Reviewer.members})
RECEIVERS = Audience.program


def gather(sources: Sources) -> SuccessStoryInput:
    mentor, mentee = sources.pair()
    target = sources.target
    reflections = {
        m.role.value: m.closing_reflection
        for m in target.relationship.members
        if m.closing_reflection
    }
    return SuccessStoryInput(
        program_name=target.program.name,
        mentor=mentor,
        mentee=mentee,
        goal=goal_summary(target.goal),
        final_assessment=target.goal.final_assessment,
        reflections=reflections,
    )


_LESSON = re.compile(
    r"\b(?:learn\w*|realis\w*|realiz\w*|next time|would|should|helped|help\w*|key|"
    r"important|most useful|useful|advice|lesson\w*|found that|discovered|taught|"
    r"changed|made the difference|worked|recommend\w*)\b",
    re.IGNORECASE,
)


def _story_quote(text: str, limit: int) -> str:
    """Member-written text in quotes: whole when it fits, else its opening sentences
    (or words), each exactly as written, marked as shortened."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return quoted(text)
    kept: list[str] = []
    for sentence in split_sentences(text):
        if len(" ".join([*kept, sentence])) > limit:
            break
        kept.append(sentence)
    opening = " ".join(kept) or text[:limit].rsplit(" ", 1)[0]
    return f"{quoted(opening)} (shortened)"


def compose(data: SuccessStoryInput) -> SuccessStory:
    mentor, mentee = data.mentor, data.mentee
    mentor_first, mentee_first = first_name(mentor), first_name(mentee)
    goal = data.goal
    goal_title = strip_end(goal.title)
    title = shorten(f"{mentee_first} and {mentor_first}: {goal_title}", 150)

    def described(person: Person) -> str:
        return f"{person.name} ({person.title})" if person.title.strip() else person.name

    parts = [
        f"{described(mentee)} and {described(mentor)} worked together in "
        f"{data.program_name} on the goal '{goal_title}'."
    ]
    if goal.specific.strip():
        parts.append(ended(f"As {mentee_first} set it out: {_story_quote(goal.specific, 500)}"))
    if goal.measurable.strip():
        parts.append(ended(f"Success would look like: {_story_quote(goal.measurable, 500)}"))
    done = [m for m in goal.milestones if m.done]
    if done:
        parts.append(
            "Milestones reached: " + "; ".join(f"'{strip_end(m.text)}'" for m in done[:6]) + "."
        )
    status = {"dropped": "set aside"}.get(goal.status, goal.status)
    parts.append(f"The goal is recorded as {status}, at {goal.progress}% progress.")
    if data.final_assessment.strip():
        parts.append(
            ended(f"The final assessment reads: {_story_quote(data.final_assessment, 800)}")
        )
    people = {"mentee": mentee, "mentor": mentor}
    # The mentee's reflection first, then the mentor's, then any other, by key.
    reflections = sorted(
        ((key, text) for key, text in data.reflections.items() if text.strip()),
        key=lambda kv: ({"mentee": 0, "mentor": 1}.get(kv[0], 2), kv[0]),
    )

    def author(key: str) -> str:
        person = people.get(key)
        return first_name(person) if person else f"The {key} reflection"

    budget = max(200, (3900 - len(" ".join(parts))) // max(1, len(reflections)) - 40)
    for key, text in reflections:
        who = f"{author(key)}, the {key}, reflected:" if key in people else f"{author(key)} reads:"
        parts.append(f"{who} {_story_quote(text, budget)}")
    story = shorten(" ".join(parts), 4000)

    # Takeaways: each member's lesson-like sentences, taken in turn, quoted as written.
    lessons: list[list[str]] = []
    for key, text in reflections:
        sentences = [x for x in split_sentences(" ".join(text.split())) if len(x) <= 400]
        picked = [x for x in sentences if _LESSON.search(x)] or sentences[:1]
        lessons.append([f"{author(key)}: {quoted(x)}" for x in picked])
    takeaways = [line for round_ in zip_longest(*lessons) for line in round_ if line][:3]
    if not takeaways:
        if goal.measurable.strip():
            takeaways.append(
                f"Saying early what done would look like: {_story_quote(goal.measurable, 300)}"
            )
        takeaways.append(
            f"Reflections from {mentee_first} and {mentor_first} would make this story "
            "stronger: ask each of them for a few lines before it is shared."
        )
    return SuccessStory(title=title, story=story, takeaways=takeaways)
