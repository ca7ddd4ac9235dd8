"""The offline drafter: every draft kind built deterministically from its input, no LLM needed.

It reads the same input model a prompt is rendered from and returns the same output
model an LLM's answer is validated against, so a draft has one shape whichever path
wrote it. Everything it says is either plain template prose or text taken from the
input (participants' own words, retrieved guidance); it invents no facts and no quotes.
Participant-written text is only ever data here: nothing in it changes what is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import zip_longest
from typing import Any

from pydantic import BaseModel

from prompts.schemas import (
    CRITERIA,
    INPUTS,
    OUTPUTS,
    ActionSummary,
    AgendaItem,
    AnswerInput,
    CitedAnswer,
    Claim,
    CriterionVerdict,
    DraftKind,
    FeedbackPrompts,
    GoalSummary,
    Guidance,
    GuidanceSnippet,
    MentorBrief,
    Milestone,
    Nudge,
    Person,
    Preparation,
    RelationshipInput,
    SessionAgenda,
    SmartCheck,
    SmartCheckInput,
    SmartGoal,
    SmartGoalInput,
    SuccessStory,
    SuccessStoryInput,
)

DEFAULT_GOAL_WEEKS = 12
MAX_CITATIONS = 3


# --- the public API ------------------------------------------------------------------


def draft(kind: DraftKind, data: BaseModel) -> BaseModel:
    """The draft of `kind` for `data`, an instance of `prompts.schemas.OUTPUTS[kind]`,
    already validated under `validation_context(kind, data)`."""
    kind = DraftKind(kind)
    expected = INPUTS[kind]
    if not isinstance(data, expected):
        raise TypeError(
            f"a {kind.value} draft is made from {expected.__name__}, not {type(data).__name__}"
        )
    result = _DRAFTERS[kind](data)
    return OUTPUTS[kind].model_validate(result.model_dump(), context=validation_context(kind, data))


def validation_context(kind: DraftKind, data: BaseModel) -> dict[str, Any]:
    """What a draft of `kind` made from `data` must validate under, whoever wrote it:
    the session length its agenda fills, the document and chunk ids it may cite, and
    the day its dates must come after. None means "not constrained"."""
    guidance: list[Guidance] = list(getattr(data, "guidance", []))
    return {
        "session_minutes": getattr(data, "session_minutes", None),
        "citable": sorted({g.document_id for g in guidance}),
        "citable_chunks": sorted({g.chunk_id for g in guidance}),
        "today": getattr(data, "today", None),
    }


def check_smart(goal: GoalSummary, *, today: date) -> SmartCheck:
    """The offline SMART check: a verdict with a specific reason per criterion, and a rewrite."""
    signals = _GoalSignals.read(goal)
    verdicts = [
        _specific_verdict(signals),
        _measurable_verdict(signals),
        _achievable_verdict(goal, signals),
        _relevant_verdict(signals),
        _time_bound_verdict(goal, signals, today),
    ]
    met = {v.criterion: v.met for v in verdicts}
    return SmartCheck(verdicts=verdicts, suggested_rewrite=_rewrite(goal, met, today))


def smart_eval(
    entries: Sequence[dict[str, Any]],
    *,
    today: date | str | None = None,
    checker: Callable[..., SmartCheck] | None = None,
) -> dict[str, Any]:
    """How far a SMART checker (`check_smart` unless given) agrees with human labels.

    Each entry is `{"goal": {GoalSummary fields}, "missing": [criteria a human found
    missing]}`. Returns per-criterion accuracy, the exact-match rate (all five verdicts
    agree) and the overall accuracy over the 5×N verdicts, with each disagreement.
    """
    if not entries:
        raise ValueError("no labelled goals to evaluate")
    if isinstance(today, str):
        today = date.fromisoformat(today)
    # Verdicts never depend on the date (only the rewrite's wording does), so an eval
    # file without one can still be scored.
    today = today or date.today()
    agree = dict.fromkeys(CRITERIA, 0)
    exact = 0
    disagreements: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        goal = GoalSummary.model_validate(entry["goal"])
        labelled = set(entry.get("missing") or [])
        unknown = sorted(labelled - set(CRITERIA))
        if unknown:
            raise ValueError(f"entry {index} labels unknown criteria: {', '.join(unknown)}")
        found = set((checker or check_smart)(goal, today=today).missing)
        for criterion in CRITERIA:
            if (criterion in found) == (criterion in labelled):
                agree[criterion] += 1
            else:
                disagreements.append(
                    {
                        "index": index,
                        "title": goal.title,
                        "criterion": criterion,
                        "labelled_missing": criterion in labelled,
                        "checker_missing": criterion in found,
                    }
                )
        exact += found == labelled
    n = len(entries)
    return {
        "goals": n,
        "per_criterion": {c: round(agree[c] / n, 4) for c in CRITERIA},
        "exact_match": round(exact / n, 4),
        "overall": round(sum(agree.values()) / (5 * n), 4),
        "disagreements": disagreements,
    }


# --- text helpers ----------------------------------------------------------------------

_STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each else etc even ever every few for from
    further get gets getting give given go goes going got had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's however
    i i'd i'll i'm i've if in into is isn't it it's its itself just know let let's like
    made make makes many may me might more most much must mustn't my myself need needs no
    nor not now of off often on once one only or other ought our ours ourselves out over own
    per quite rather really same say says shall shan't she she'd she'll she's should
    shouldn't so some something still such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've thing things
    this those though through thus to too under until up upon us use used using very via
    want wants was wasn't way we we'd we'll we're we've well were weren't what what's when
    when's where where's whether which while who who's whom whose why why's will with
    within without won't would wouldn't yes yet you you'd you'll you're you've your yours
    yourself yourselves
    """.split()
)
# Words nearly every passage of a mentoring corpus contains: sharing them says nothing
# about whether a passage answers a question.
_DOMAIN_WORDS = frozenset(
    "mentor mentors mentee mentees mentoring program programs programme programmes".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


TERM_LETTERS = 6


def _words(text: str) -> list[str]:
    """Lower-cased words, curly apostrophes straightened, possessives dropped."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    return [w.removesuffix("'s") for w in _WORD.findall(text)]


def _term(word: str) -> str:
    """The form words are compared in, without a stemmer: a plural s dropped and the
    word cut to its first six letters, so "prepare", "preparing" and "preparation" meet
    (and, rarely, two unrelated words such as "presence" and "present" do too)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word[:TERM_LETTERS]


def _content_words(text: str, *, domain: bool = True) -> set[str]:
    """The terms that carry meaning: no stop words, no one-letter words, and (unless
    `domain`) none of the words every mentoring passage shares."""
    return {
        _term(w)
        for w in _words(text)
        if len(w) > 1 and w not in _STOP_WORDS and (domain or w not in _DOMAIN_WORDS)
    }


_EMPHASIS = re.compile(r"\*\*|__|\*|`")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_LIST_MARKER = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r":?-{2,}:?")
# A sentence ends at . ! or ? (closing quotes and brackets stay with it) before
# whitespace and something that can start a sentence.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"“‘'(\[A-Z0-9])")


def _plain(text: str) -> str:
    """Markdown emphasis and links removed, whitespace collapsed."""
    text = _LINK.sub(r"\1", text)
    return " ".join(_EMPHASIS.sub("", text).split())


def _blocks(markdown: str) -> list[str]:
    """Paragraphs, list items, quotes and table cells of a markdown text, as plain text."""
    blocks: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(_plain(" ".join(paragraph)))
            paragraph.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            flush()
        elif line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(_TABLE_RULE.fullmatch(c) for c in cells if c):
                blocks.extend(_plain(c) for c in cells if c)
        elif _LIST_MARKER.match(line) or line.startswith(">"):
            flush()
            paragraph.append(_LIST_MARKER.sub("", line.lstrip("> ").strip()))
        else:
            paragraph.append(line)
    flush()
    return [b for b in blocks if b]


def _split_sentences(block: str) -> list[str]:
    """Sentences of one block; never inside a quotation ("So you'd… Is that right?")."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(block):
        piece = block[start : match.end()]
        if piece.count('"') % 2 or piece.count("“") > piece.count("”"):
            continue
        sentences.append(piece.strip())
        start = match.end()
    sentences.append(block[start:].strip())
    return [s for s in sentences if s]


def _sentences(text: str) -> list[str]:
    """The sentences of a (markdown) text, in order, as plain text."""
    return [s for block in _blocks(text) for s in _split_sentences(block)]


def _whole_sentences(text: str) -> list[str]:
    """Sentences that read on their own: a chunk may open mid-sentence (the overlap
    with the chunk before), and a fragment starting in lower case is skipped."""
    return [s for s in _sentences(text) if s[0].isupper() or s[0] in "\"“'‘(0123456789"]


def _shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, marked with '…'.
    Text that fits is returned as it is, line breaks and all."""
    if len(text.strip()) <= limit:
        return text.strip()
    text = " ".join(text.split())
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-—")
    return cut + "…"


def _first_sentences(text: str, *, limit: int, words: int = 25) -> str:
    """The opening sentence of `text`, and the next one if the first is short."""
    sentences = _whole_sentences(text) or _sentences(text)
    if not sentences:
        return _shorten(_plain(text), limit)
    picked, rest = sentences[0], sentences[1:]
    while rest and (len(picked.split()) < words or picked.endswith(":")):
        picked, rest = f"{picked} {rest[0]}", rest[1:]
        if not picked.endswith(":"):
            break
    return _shorten(picked, limit)


def _strip_end(text: str) -> str:
    return text.strip().rstrip(".!?;:,").strip()


def _first_name(person: Person) -> str:
    parts = person.name.split()
    return parts[0] if parts else person.role


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _days(n: int) -> str:
    return _plural(n, "day")


def _joined(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _quote(text: str) -> str:
    """A member's words in double quotes, exactly as written (whitespace aside)."""
    return f'"{" ".join(text.split())}"'


def _ended(text: str) -> str:
    """`text` with a full stop, unless it (or the quote it ends with) already has one."""
    return text if text.rstrip('"”)').endswith((".", "!", "?")) else f"{text}."


# --- what a relationship is about --------------------------------------------------------


def _goal_order(goals: Iterable[GoalSummary]) -> list[GoalSummary]:
    """Goals still in play, the least advanced first (ties: the nearest target first)."""
    live = [g for g in goals if g.status in ("active", "draft")]
    return sorted(
        live,
        key=lambda g: (g.status != "active", g.progress, g.target_date or date.max),
    )


def _next_milestone(goal: GoalSummary) -> Milestone | None:
    pending = [m for m in goal.milestones if not m.done]
    dated = sorted((m for m in pending if m.due_date), key=lambda m: m.due_date or date.max)
    return (dated or pending or [None])[0]


def _open(actions: Iterable[ActionSummary]) -> list[ActionSummary]:
    """Open actions, the overdue and soonest due first, undated last (input order kept)."""
    return sorted((a for a in actions if not a.done), key=lambda a: a.due_date or date.max)


def _due_phrase(action: ActionSummary, today: date) -> str:
    if action.due_date is None:
        return "no due date"
    gap = (action.due_date - today).days
    if gap < 0:
        return f"overdue by {_days(-gap)}, due {action.due_date.isoformat()}"
    if gap == 0:
        return f"due today, {action.due_date.isoformat()}"
    return f"due in {_days(gap)}, on {action.due_date.isoformat()}"


def _is_overdue(action: ActionSummary, today: date) -> bool:
    return action.due_date is not None and action.due_date < today


def _owned_by(action: ActionSummary, person: Person) -> bool:
    owner = action.owner.strip().lower()
    return bool(owner) and owner in {person.role, person.name.lower(), _first_name(person).lower()}


_TOPIC_CUE = re.compile(
    r"\b(?:talked (?:about|through)|discussed|covered|explored|went (?:over|through)|"
    r"worked (?:on|through)|looked at|reviewed|practi[sc]ed|role-?played|focused on|"
    r"worried about|nervous about|anxious about|concerned about|struggl\w* with|stuck on|"
    r"feedback on|unsure (?:about|of)|prepared for|planned|rehearsed)\s+"
    r"(?P<topic>[^.;:!?\n(]+)",
    re.IGNORECASE,
)
_TOPIC_TAIL = re.compile(r"\s*(?:,|\band (?:agreed|decided|then)\b|\bwhich\b|\bso that\b).*$")


def _note_topics(notes: str, limit: int = 3) -> list[str]:
    """Short topic phrases from session notes ("how to structure the design review")."""
    topics: list[str] = []
    for match in _TOPIC_CUE.finditer(_plain(notes)):
        topic = _TOPIC_TAIL.sub("", match.group("topic")).strip()
        words = topic.split()
        if len(words) < 2:
            continue
        topic = " ".join(words[:10])
        if topic.lower() not in (t.lower() for t in topics):
            topics.append(topic)
        if len(topics) == limit:
            break
    return topics


def _focus_words(data: RelationshipInput) -> set[str]:
    """What the pair is working on, as content words: goals, last notes, open actions."""
    text = " ".join(
        [
            *(f"{g.title} {g.specific} {g.measurable}" for g in _goal_order(data.goals)),
            data.last_session.shared_notes if data.last_session else "",
            *(a.text for a in _open(data.open_actions)),
        ]
    )
    return _content_words(text, domain=False)


def _ranked_guidance(guidance: Sequence[Guidance], focus: set[str]) -> list[Guidance]:
    """Chunks by how much of the pair's focus they share; retrieval order breaks ties."""
    order = {id(g): i for i, g in enumerate(guidance)}
    return sorted(
        guidance,
        key=lambda g: (-len(focus & _content_words(f"{g.heading} {g.text}")), order[id(g)]),
    )


def _section(chunk: Guidance) -> str:
    """The part of a document a chunk comes from: its innermost heading, else the title."""
    heading = chunk.heading.split(" > ")[-1].strip() if chunk.heading else ""
    return _plain(heading or chunk.title)


_QUOTED_QUESTION = re.compile(r"[\"“]([^\"“”]{10,220}?\?)[\"”]")
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
    for chunk in guidance:
        for sentence in _whole_sentences(chunk.text):
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
                if "…" in text or "..." in text:
                    continue
                seen.add(key)
                found.append(_Question(text, chunk, len(found)))
    return found


def _best_questions(questions: list[_Question], focus: set[str], n: int) -> list[_Question]:
    """Open questions before closed ones, then the most on-topic, then the first found."""
    return sorted(
        questions,
        key=lambda q: (
            not _OPEN_QUESTION.match(q.text),
            -len(focus & _content_words(q.text)),
            q.order,
        ),
    )[:n]


def _add(items: list[str], text: str, limit: int) -> None:
    """Append `text` unless it is already there (case aside) or the list is full."""
    if len(items) < limit and text.lower() not in (i.lower() for i in items):
        items.append(text)


# --- agenda ------------------------------------------------------------------------------


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


def _agenda(data: RelationshipInput) -> SessionAgenda:
    mentor, mentee = _first_name(data.mentor), _first_name(data.mentee)
    goals = _goal_order(data.goals)
    actions = _open(data.open_actions)
    overdue = [a for a in actions if _is_overdue(a, data.today)]
    last = data.last_session
    focus = _focus_words(data)
    ranked = _ranked_guidance(data.guidance, focus)
    best = ranked[0] if ranked else None
    topic_goals = goals[: 2 if data.session_minutes >= 45 else 1]
    used: list[Guidance] = []

    objectives: list[str] = []
    for goal in topic_goals:
        objectives.append(_goal_objective(goal))
    if actions:
        if len(overdue) == 1:
            objectives.append(f"Unblock the overdue action '{_strip_end(overdue[0].text)}'")
        elif overdue:
            objectives.append(
                f"Unblock the {len(overdue)} overdue actions, starting with "
                f"'{_strip_end(overdue[0].text)}'"
            )
        else:
            objectives.append(
                "Close out or re-plan the open action"
                if len(actions) == 1
                else f"Close out or re-plan the {len(actions)} open actions"
            )
    if not goals:
        if last is None:
            objectives.append("Get to know each other and agree how you will work together")
        objectives.append(f"Shape a first goal for {mentee} to work on in {data.program_name}")
    if data.program_values.strip():
        objectives.append(
            f"Keep {data.program_name}'s values in view: {_shorten(data.program_values, 200)}"
        )
    objectives = objectives[:5]

    slots = [_check_in_slot(data, mentee)]
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
        slots.append(_actions_slot(actions, data.today))
    for rank, goal in enumerate(topic_goals):
        slots.append(_goal_slot(goal, data.today, weight=4 if rank == 0 else 2, optional=rank * 3))
    if not goals:
        slots.append(
            _Slot(
                f"Shape a first goal for {mentee}",
                f"Turn what {mentee} wants from {data.program_name} into one goal: a concrete "
                "outcome, what would show it is done, the support needed, why it matters, "
                "and a target date.",
                4,
            )
        )
    if best is not None:
        used.append(best)
        slots.append(
            _Slot(
                f"From the guidance: {_section(best)}",
                _shorten(
                    f"{_first_sentences(best.text, limit=500)} (From '{_plain(best.title)}'.) "
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
        AgendaItem(minutes=m, topic=_shorten(s.topic, 300), notes=s.notes)
        for s, m in zip(slots, minutes, strict=True)
    ]

    questions = _agenda_questions(data, goals, focus, used)
    preparation = _preparation(data, goals, actions, used, mentor, mentee)
    citations = list(dict.fromkeys(g.document_id for g in used))[:MAX_CITATIONS]
    return SessionAgenda(
        objectives=objectives,
        items=items,
        questions=questions,
        preparation=preparation,
        citations=citations,
    )


def _goal_objective(goal: GoalSummary) -> str:
    title = _strip_end(goal.title)
    if goal.status == "draft":
        return f"Agree the draft goal '{title}' so that work on it can start"
    if goal.progress == 0:
        return f"Get '{title}' started: agree the first concrete step and what done looks like"
    milestone = _next_milestone(goal)
    if milestone is not None:
        due = f" (due {_day(milestone.due_date)})" if milestone.due_date else ""
        return (
            f"Move '{title}' on from {goal.progress}%: plan the next milestone, "
            f"'{_strip_end(milestone.text)}'{due}"
        )
    return f"Move '{title}' on from {goal.progress}%: agree the next concrete step"


def _check_in_slot(data: RelationshipInput, mentee: str) -> _Slot:
    values = (
        f" Keep the program's values in mind: {_as_sentence(_shorten(data.program_values, 300))}"
        if data.program_values.strip()
        else ""
    )
    if data.last_session is None:
        return _Slot(
            "Introductions",
            f"Backgrounds, what each of you hopes to get from {data.program_name}, and how "
            f"{mentee} likes to work.{values}",
            1,
        )
    return _Slot(
        "Check-in",
        f"How things have gone for {mentee} since {_day(data.last_session.date)}, and "
        f"anything urgent to add to the agenda.{values}",
        1,
    )


def _actions_slot(actions: list[ActionSummary], today: date) -> _Slot:
    lines = [f"{_strip_end(a.text)} ({a.owner}, {_due_phrase(a, today)})" for a in actions]
    return _Slot(
        "Review open actions",
        _shorten(
            "; ".join(lines) + ". What got done, what got in the way, and what to re-plan or drop.",
            1000,
        ),
        2 if len(actions) > 2 else 1.5,
        optional=1,
    )


def _goal_slot(goal: GoalSummary, today: date, *, weight: float, optional: int) -> _Slot:
    notes: list[str] = []
    milestone = _next_milestone(goal)
    if milestone is not None:
        due = f", due {_day(milestone.due_date)}" if milestone.due_date else ""
        notes.append(f"Next milestone: {_strip_end(milestone.text)}{due}.")
    if goal.measurable.strip():
        notes.append(f"Evidence of done: {_strip_end(goal.measurable)}.")
    if goal.target_date:
        left = (goal.target_date - today).days
        when = (
            f"{_plural(left // 7, 'week')} left to the target date ({_day(goal.target_date)})"
            if left >= 7
            else f"target date {_day(goal.target_date)}"
        )
        notes.append(f"{when[0].upper()}{when[1:]}.")
    notes.append("What has moved since last time, what is in the way, and the next step.")
    return _Slot(
        f"Goal: {_strip_end(goal.title)} ({goal.progress}%)",
        _shorten(" ".join(notes), 1000),
        weight,
        optional=optional,
    )


def _agenda_questions(
    data: RelationshipInput, goals: list[GoalSummary], focus: set[str], used: list[Guidance]
) -> list[str]:
    mentee = _first_name(data.mentee)
    questions: list[str] = []
    if goals:
        goal = goals[0]
        title = _strip_end(goal.title)
        if goal.measurable.strip():
            _add(
                questions,
                f"Against '{_shorten(_strip_end(goal.measurable), 160)}', where are you now, "
                "and what would move it furthest before we next meet?",
                6,
            )
        else:
            _add(questions, f"What would show that '{title}' is done, and how close are you?", 6)
        milestone = _next_milestone(goal)
        if milestone is not None:
            _add(questions, f"What stands between you and '{_strip_end(milestone.text)}'?", 6)
    last = data.last_session
    if last is not None and last.shared_notes.strip():
        topics = _note_topics(last.shared_notes)
        if topics:
            _add(questions, f"Last time you covered {topics[0]}: what has happened since?", 6)
        else:
            opening = _shorten(_strip_end(_first_sentences(last.shared_notes, limit=160)), 160)
            _add(questions, f"Last time's notes begin '{opening}': what has happened since?", 6)
    guidance_questions = _best_questions(_guidance_questions(data.guidance), focus, 2)
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
    for_mentor: list[str] = []
    for_mentee: list[str] = []
    if data.last_session is not None:
        _add(for_mentor, f"Re-read the shared notes from {_day(data.last_session.date)}.", 5)
    for action in actions:
        due = f" ({_due_phrase(action, data.today)})"
        if _owned_by(action, data.mentor):
            _add(for_mentor, f"Finish or report back on '{_strip_end(action.text)}'{due}.", 5)
        elif _owned_by(action, data.mentee):
            _add(for_mentee, f"Finish or report back on '{_strip_end(action.text)}'{due}.", 5)
    for chunk in used[:2]:
        _add(for_mentor, f"Read '{_section(chunk)}' in '{_plain(chunk.title)}'.", 5)
    if goals:
        title = _strip_end(goals[0].title)
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
    else:
        _add(
            for_mentee,
            f"Write down two or three things you would like to get from {data.program_name}.",
            5,
        )
    _add(
        for_mentee,
        f"Pick the one topic that would help most this time and send it to {mentor} a day ahead.",
        5,
    )
    return Preparation(mentor=for_mentor, mentee=for_mentee)


# --- brief -------------------------------------------------------------------------------


def _brief(data: RelationshipInput) -> MentorBrief:
    mentee = _first_name(data.mentee)
    last = data.last_session
    if last is None:
        start = [
            "agree how you will work together (how often, how to reach each other, what "
            "stays confidential)",
            f"hear what {mentee} hopes to get from {data.program_name}",
        ]
        goals = _goal_order(data.goals)
        start.append(
            f"look at the goal {mentee} has shared, '{_strip_end(goals[0].title)}'"
            if goals
            else "shape a first goal together"
        )
        last_time = "No session has been held yet. To start: " + "; ".join(start) + "."
    else:
        ago = (data.today - last.date).days
        when = f"{_day(last.date)}, {_days(ago)} ago" if ago > 0 else _day(last.date)
        if last.shared_notes.strip():
            last_time = f"Last session ({when}). Shared notes: {last.shared_notes.strip()}"
        else:
            last_time = f"Last session ({when}). No shared notes were written."
        last_time = _shorten(last_time, 1500)

    open_actions = [
        _shorten(f"{_strip_end(a.text)} — {a.owner}, {_due_phrase(a, data.today)}", 500)
        for a in _open(data.open_actions)
    ][:10]

    goal_progress = []
    for goal in _goal_order(data.goals)[:10]:
        target = f"target {goal.target_date.isoformat()}" if goal.target_date else "no target date"
        line = f"{_strip_end(goal.title)} — {goal.progress}%, {goal.status}, {target}"
        milestone = _next_milestone(goal)
        if milestone is not None:
            due = f" by {milestone.due_date.isoformat()}" if milestone.due_date else ""
            line += f"; next milestone: {_strip_end(milestone.text)}{due}"
        goal_progress.append(_shorten(line, 500))

    # The best chunk of each document first; a second chunk of a document only to fill up.
    firsts: list[Guidance] = []
    seconds: list[Guidance] = []
    for chunk in _ranked_guidance(data.guidance, _focus_words(data)):
        documents = {g.document_id for g in firsts}
        (seconds if chunk.document_id in documents else firsts).append(chunk)
    snippets: list[GuidanceSnippet] = []
    for chunk in [*firsts, *seconds]:
        text = _first_sentences(chunk.text, limit=600)
        if len(snippets) < 3 and text and all(s.snippet != text for s in snippets):
            snippets.append(GuidanceSnippet(document_id=chunk.document_id, snippet=text))
    citations = list(dict.fromkeys(s.document_id for s in snippets))
    return MentorBrief(
        last_time=last_time,
        open_actions=open_actions,
        goal_progress=goal_progress,
        guidance=snippets,
        citations=citations,
    )


# --- SMART goal from an aspiration -------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    """A family of goals recognised by keywords, with what done usually looks like.

    `verbs` are the family's own actions ("lead", "run"): an aspiration that starts with
    one is pursued `how_direct`, else `how`. The words after one of `object_verbs` name
    the goal's object ("a design review"); templates use it as {object}, and
    `default_object` when there is none.
    """

    name: str
    keywords: re.Pattern[str]
    verbs: re.Pattern[str]
    object_verbs: re.Pattern[str]
    default_object: str
    how: str  # how the goal is pursued, appended to the action
    how_direct: str
    evidence: str  # a short "shown by" phrase
    measurable: str
    milestones: tuple[str, str, str]
    why: str

    def fill(self, template: str, aspiration: str) -> str:
        return template.replace("{object}", self.object_of(aspiration))

    def object_of(self, aspiration: str) -> str:
        match = self.object_verbs.search(aspiration)
        if match is None:
            return self.default_object
        rest = _OBJECT_END.sub("", aspiration[match.end() :]).strip(" ,;:.")
        words = rest.split()[:8]
        if not words or not _content_words(" ".join(words)):
            return self.default_object
        return " ".join(words)

    def how_for(self, action: str) -> str:
        """How the goal is pursued, said to fit an action that may already say part of it."""
        return self.how_direct if self.verbs.match(action) else self.how


def _kind(
    name: str,
    keywords: str,
    verbs: tuple[str, str],
    default_object: str,
    how: tuple[str, str],
    evidence: str,
    measurable: str,
    milestones: tuple[str, str, str],
    why: str,
) -> _Kind:
    """`verbs`: the family's own verbs, and the verbs its object follows; `how`: how the
    goal is pursued, for an aspiration in other words and for one in the family's verb."""
    return _Kind(
        name,
        re.compile(keywords, re.IGNORECASE),
        re.compile(rf"\b(?:{verbs[0]})\b", re.IGNORECASE),
        re.compile(rf"\b(?:{verbs[1]})\b", re.IGNORECASE),
        default_object,
        how[0],
        how[1],
        evidence,
        measurable,
        milestones,
        why,
    )


_OBJECT_END = re.compile(
    r"(?:\s+|^)(?:so that|so i|so we|because|in order to|by|before|within|in \d|this|next|"
    r"and then|which|to help|to become|as a)\b.*$",
    re.IGNORECASE,
)

# Most specific first: "present my promotion case" is about promotion.
_KINDS = (
    _kind(
        "promotion",
        r"\bpromot|\bnext level\b|\bpromo\b",
        (r"get promoted|get a promotion|earn a promotion", r"promotion to|promoted to"),
        "the next level",
        (
            "by building a promotion case with my manager against the criteria for the next level",
            "with a promotion case built with my manager against the criteria for the next level",
        ),
        "a promotion case, with evidence for each criterion, submitted in the next cycle",
        "A written promotion case, agreed with my manager, listing each criterion for the "
        "next level with at least one piece of evidence against it, submitted (or with a "
        "submission date agreed) in the next promotion cycle.",
        (
            "Get the criteria for the next level from my manager and list my gaps against them",
            "Gather evidence for each criterion and close or plan the two biggest gaps",
            "Submit the promotion case, or agree its submission date with my manager",
        ),
        "it makes the step to the next level explicit instead of something that happens to me",
    ),
    _kind(
        "certification",
        r"certif|\bexams?\b|accredit|qualification|\bdegree\b|\bdiploma\b",
        (
            r"pass|sit|get certified|(?:earn|obtain|get) (?:a|an|the|my) \w*\s*certif\w*",
            r"pass|sit|get|earn|obtain|complete",
        ),
        "the exam",
        (
            "by following a weekly study plan and sitting the exam",
            "after a weekly study plan and a full practice test",
        ),
        "passing the exam",
        "The certification passed; on the way, a full practice test scored at or above the "
        "pass mark before the exam is booked.",
        (
            "Choose the exam, book a date and set a weekly study plan",
            "Score at or above the pass mark on a full practice test",
            "Sit and pass the exam",
        ),
        "it gives recognised proof of a skill my work depends on",
    ),
    _kind(
        "job",
        r"\bget hired\b|\bbe hired\b|\bnew (?:job|role|position)\b|\bjob (?:search|hunt)\b|"
        r"\bcareer (?:change|switch)\b|\b(?:switch|move|transition)(?:ing)? (?:in)?to\b",
        (
            r"move into|switch to|switch into|transition to|transition into|get hired|"
            r"(?:find|land|get) a (?:new )?(?:job|role|position)",
            r"move into|switch to|switch into|transition to|transition into|find|land",
        ),
        "the role I want next",
        (
            "by naming the roles I am aiming for and preparing properly for each application",
            "with a clear description of the role I am aiming for and a prepared application",
        ),
        "applications for at least five well-matched roles and at least two interviews",
        "At least five tailored applications (or internal expressions of interest) for roles "
        "that match what I want next, leading to at least two interviews, plus two "
        "conversations with people already doing that work.",
        (
            "Describe the target role and talk to two people already doing it",
            "Update my CV and profile and send the first applications",
            "Have at least two interviews, or agree an internal move",
        ),
        "it moves me towards the work I want to be doing next",
    ),
    _kind(
        "hiring",
        r"\bhir(?:e|es|ing)\b|\brecruit|\binterview(?:ing)? candidates\b|"
        r"\bbuild (?:a|my|the) team\b",
        (r"hire|recruit", r"hire|recruit"),
        "a new team member",
        (
            "by running the hiring process for a role end to end",
            "through a structured interview process I run end to end",
        ),
        "a hiring recommendation made through a structured interview process",
        "One role taken through a process I ran: a written role description, a structured "
        "interview scorecard used with at least five candidates, and a hiring recommendation.",
        (
            "Write the role description and the interview scorecard",
            "Interview at least five candidates with the scorecard",
            "Make the hiring recommendation and plan the new starter's first weeks",
        ),
        "building the team is part of leading it well",
    ),
    _kind(
        "presenting",
        r"\bpresent|\bpublic speaking\b|\bspeak(?:ing|er)?\b|\btalks?\b|\bconference\b|"
        r"\bkeynote\b|\bpitch|\bdemo\b",
        (r"present|give a talk|give talks|speak|pitch|demo", r"present|speak at|pitch|demo"),
        "my work",
        (
            "by presenting my work to audiences beyond my own team",
            "after rehearsing with my mentor, and collect feedback from the audience",
        ),
        "at least two presentations given, with feedback from the audience",
        "At least two presentations of ten minutes or more given to an audience beyond my "
        "immediate team, with written feedback from at least two listeners after each and one "
        "thing improved between the first and the second.",
        (
            "Choose the topic and the audience, and rehearse with my mentor",
            "Give the first presentation and collect feedback",
            "Give the second presentation, with the improvement from the feedback",
        ),
        "sharing my work clearly is how it gets noticed and used",
    ),
    _kind(
        "writing",
        r"\bwrit(?:e|es|ing|ten)\b|\bblog|\barticles?\b|\bpublish|\bpapers?\b|\bnewsletter\b|"
        r"\bbook\b",
        (r"write|publish|blog", r"write|publish"),
        "pieces for a real audience",
        (
            "by writing pieces for a real audience and publishing them",
            "for a real audience, with a review before each piece is published",
        ),
        "at least two pieces published",
        "At least two pieces written and published (inside or outside the organisation), "
        "each reviewed by someone before publishing, with the response to each noted.",
        (
            "Choose the topics and the audience, and outline the first piece",
            "Publish the first piece after a review",
            "Publish the second piece",
        ),
        "writing down what I know makes it useful to people I never meet",
    ),
    _kind(
        "leading",
        r"\blead(?:s|ing)?\b|\bleader|\bmanag(?:e|es|ing|er)\b|\bfacilitat|\bchair|"
        r"\brun(?:ning)? (?:a|an|the|our|my)\b",
        (r"lead|run|facilitate|chair|manage|own", r"lead|run|facilitate|chair|manage|own"),
        "a meeting or small project",
        (
            "by leading {object} end to end: the preparation, the session itself and the "
            "written outcome",
            "end to end: the preparation, the session itself and the written outcome",
        ),
        "written feedback from two participants on how I led {object}",
        "I have led {object} at least once end to end (preparation, facilitation and a written "
        "outcome), and two participants have given me written feedback on how I led it.",
        (
            "Observe or co-lead {object} and note what works",
            "Lead {object} with my mentor reviewing my plan beforehand",
            "Lead {object} on my own and collect feedback from two participants",
        ),
        "leading the work, not only doing it, is what the next step in my role asks for",
    ),
    _kind(
        "confidence",
        r"\bconfiden|\bassertiv|\bspeak up\b|\bdifficult conversations?\b|\bfeedback\b|"
        r"\bdelegat|\bsay(?:ing)? no\b|\bboundar|\bimpost|\bcommunicat",
        (
            r"speak up|delegate|say no|give feedback|have (?:difficult|hard|tough) conversations",
            r"have|handle",
        ),
        "difficult conversations",
        (
            "by practising it in specific situations and reviewing each one with my mentor",
            "in specific situations, reviewing each one with my mentor",
        ),
        "three real situations handled and reviewed with my mentor",
        "Three real situations where I did this (for example a difficult conversation, a "
        "meeting where I spoke up, or a task I delegated), each written up in a few lines and "
        "reviewed with my mentor, plus feedback from one colleague who saw the change.",
        (
            "Pick the situations where I will practise and agree them with my mentor",
            "Handle and write up the first two situations, and review them with my mentor",
            "Handle the third situation and ask a colleague for feedback on the change",
        ),
        "it changes how I show up in the conversations that matter in my work",
    ),
    _kind(
        "network",
        r"\bnetwork|\bvisib|\bstakeholder|\brelationships?\b|\bconnections?\b|"
        r"\bknown (?:in|across)\b",
        (r"meet|build relationships with|connect with", r"meet|connect with"),
        "people outside my team",
        (
            "by meeting people outside my team in a planned way",
            "in a planned way, starting with the people whose work affects mine",
        ),
        "six one-to-one conversations with people outside my team",
        "A list of the people whose work affects mine; at least six one-to-one conversations "
        "held with people on it, and one piece of work started or improved because of them.",
        (
            "List the people whose work affects mine and book the first conversations",
            "Hold at least four of the six conversations and note what I learned",
            "Hold the remaining conversations and start one piece of work that came from them",
        ),
        "the people around my work decide how far it reaches",
    ),
    _kind(
        "learning",
        r"\blearn|\bskills?\b|\bcourse\b|\bget better at\b|\bimprove|\bunderstand|\bstudy|"
        r"\bmaster\b|\bupskill|\bfamiliar",
        (
            r"learn|study|master",
            r"learn about|learn how to|learn|study|master|understand|get better at|"
            r"improve my|improve|skills? in|better at",
        ),
        "the skill",
        (
            "by studying {object} and applying it in a piece of real work",
            "and apply it in a piece of real work",
        ),
        "one piece of real work that uses {object}, reviewed by a colleague",
        "A course, book or set of exercises on {object} completed, and one piece of real work "
        "that uses {object} delivered and reviewed by a colleague, with what I would do "
        "differently written down.",
        (
            "Choose the learning resource and the piece of work where I will apply {object}",
            "Finish the learning resource and start the piece of work",
            "Deliver the piece of work and get a colleague's review",
        ),
        "it builds a skill my work needs",
    ),
)
_GENERIC = _kind(
    "generic",
    r"(?!)",
    (r"(?!)", r"(?!)"),
    "",
    ("", ""),
    "a concrete result agreed with my mentor",
    "One piece of evidence I could show someone else (a result, a finished piece of work, or "
    "feedback from a person affected), agreed with my mentor in our next session and checked "
    "at each milestone.",
    (
        "Agree with my mentor what done looks like and take the first step",
        "Review progress with my mentor against that evidence of done",
        "Show the evidence of done and reflect on it with my mentor",
    ),
    "it is what I most want to get from mentoring",
)

_LEAD_IN = re.compile(
    r"^(?:(?:i|we)\s+(?:really\s+|would\s+|'d\s+)?"
    r"(?:want|would like|like|wish|hope|need|plan|aim|intend|am hoping|'m hoping|am going|'m going)"
    r"\s+to|(?:my|our|the)\s+(?:goal|aim|aspiration|ambition|plan)\s+is\s+to|i\s+will|"
    r"i'll|to)\s+",
    re.IGNORECASE,
)
_WANT_NOUN = re.compile(r"^(?:i|we)\s+(?:really\s+)?(?:want|would like|'d like|need)\s+", re.I)
# Words a goal can start with that keep their lower-case form in "I will …".
_ACTION_STARTS = frozenset(
    """
    achieve apply be become build change chair coach complete communicate connect create
    delegate deliver design develop do draft earn feel find finish get give grow have help
    hire host improve increase land launch lead learn make manage master meet mentor move
    organise organize own pass pitch plan practise practice prepare present publish raise
    read recruit reduce run secure set ship show sit speak start study switch take teach
    transition understand win work write
    """.split()
)


def _cleaned_aspiration(aspiration: str) -> str:
    """The aspiration's first sentence as an action for "I will …": lead-ins dropped,
    no end punctuation."""
    text = " ".join(_plain(aspiration).split())
    text = _strip_end((_split_sentences(text) or [""])[0])
    if not text:
        return "agree a first development goal with my mentor"
    stripped = _LEAD_IN.sub("", text, count=1)
    if stripped == text and _WANT_NOUN.match(text):
        stripped = "get " + _WANT_NOUN.sub("", text, count=1)
    text = stripped or text
    first = text.split()[0]
    if first.lower() not in _ACTION_STARTS:
        return f"work towards {text}"
    if len(first) > 1 and first[1:].isupper():
        return text
    return first.lower() + text[len(first) :]


def _kind_of(action: str, context: str = "") -> _Kind:
    """The family a goal belongs to: by its main verb first, else by its keywords."""
    direct = next((k for k in _KINDS if k.verbs.match(action)), None)
    if direct is not None:
        return direct
    return next(
        (k for k in _KINDS if k.keywords.search(f"{action} {context}")),
        _GENERIC,
    )


def _milestone_dates(today: date, target: date) -> list[date]:
    span = (target - today).days
    return [
        today + timedelta(days=max(1, round(span / 3))),
        today + timedelta(days=max(1, round(2 * span / 3))),
        target,
    ]


def _smart_goal(data: SmartGoalInput) -> SmartGoal:
    today = data.today
    action = _cleaned_aspiration(data.aspiration)
    kind = _kind_of(action)
    target = (
        data.program_end
        if data.program_end and data.program_end > today
        else today + timedelta(weeks=DEFAULT_GOAL_WEEKS)
    )
    steps = _milestone_dates(today, target)
    how = kind.fill(kind.how_for(action), action)
    evidence = kind.fill(kind.evidence, action)
    goal = f"By {_day(target)}, I will {action}, shown by {evidence}."
    if len(goal) > 400:
        goal = _shorten(f"By {_day(target)}, I will {action}", 399) + "."

    title = data.mentee.title.strip()
    role = f"in my role as {title}" if title else f"for my development in {data.program_name}"
    reading = (
        f" Useful reading from the knowledge base: '{_plain(data.guidance[0].title)}'."
        if data.guidance
        else ""
    )
    until = (
        "the end of the mentoring relationship"
        if target == data.program_end
        else f"{DEFAULT_GOAL_WEEKS} weeks from now"
    )
    return SmartGoal(
        goal=goal,
        specific=_shorten(f"I will {action} {how}".strip() + ".", 1000),
        measurable=_shorten(kind.fill(kind.measurable, action), 1000),
        achievable=_shorten(
            f"I will have my mentor's support in {data.program_name}: a session every two to "
            "three weeks to plan the next step and review progress, plus about an hour a week "
            "of my own time. I will check with my manager that it fits my current workload."
            + reading,
            1000,
        ),
        relevant=_shorten(f"It matters {role}: {kind.why}.", 1000),
        time_bound=(
            f"Done by {_day(target)} ({until}), with milestones on {_day(steps[0])} and "
            f"{_day(steps[1])}."
        ),
        target_date=target,
        milestones=[
            Milestone(text=_shorten(kind.fill(text, action), 300), due_date=due)
            for text, due in zip(kind.milestones, steps, strict=True)
        ],
    )


# --- SMART check -----------------------------------------------------------------------

_COMPARATIVE = (
    r"(?:better|more|less|stronger|good|great|well|confident|comfortable|happier|"
    r"effective|efficient|visible|successful|organi[sz]ed)"
)
# A goal that opens with a direction rather than an action: "get better at", "improve".
_VAGUE_START = re.compile(
    rf"^(?:get(?:ting)?|be|become|feel|grow|grow into being)\s+(?:a\s+|an\s+|much\s+)?"
    rf"{_COMPARATIVE}\b|^(?:be|become)\s+(?!a\b|an\b|the\b|promoted\b|certified\b|hired\b|"
    r"accepted\b|selected\b|appointed\b)\w+|"
    r"^(?:improve|improving|grow|growing|develop|developing|enhance|enhancing|strengthen|"
    r"boost|work on|focus on|explore|understand|know more|learn more|gain|"
    r"build (?:up )?(?:my )?confidence|try to|continue to|keep|sort out|deal with|"
    r"do something about|look into|tackle|address|think about|get on top of)\b|"
    rf"^\w+\s+{_COMPARATIVE}\b",
    re.IGNORECASE,
)
_CONCRETE_VERB = re.compile(
    r"\b(?:lead|leads|leading|led|present|presents|presenting|presented|publish\w*|"
    r"deliver\w*|launch\w*|ship|ships|shipping|shipped|complete|completes|completing|"
    r"completed|finish\w*|pass|passes|passing|passed|run|runs|running|ran|organi[sz]e\w*|"
    r"facilitat\w*|design|designs|designing|designed|hire|hires|hiring|hired|mentor|"
    r"mentors|submit\w*|create|creates|creating|created|build|builds|building|built|"
    r"migrate\w*|automate\w*|prepare|prepares|preparing|prepared|give|gives|giving|gave|"
    r"teach\w*|taught|speak|speaks|speaking|spoke|earn\w*|obtain\w*|achieve\w*|host\w*|"
    r"chair\w*|coach\w*|negotiat\w*|apply for|applied for|write|writes|writing|wrote|"
    r"written|draft|drafts|drafting|drafted|implement\w*|introduce\w*|reduce\w*|"
    r"increase\w*|cut|raise\w*|double\w*|secure\w*|interview\w*|attend\w*|read|"
    r"own|owns|owning|set up|sets up|take over|takes over|move into|moves into|"
    r"transition to|transition into|switch to|get certified|get promoted|be promoted|"
    r"become a|become an|refactor\w*|document\w*|onboard\w*|train|trains|conduct\w*|"
    r"establish\w*|propose\w*|pitch\w*|demo|demos|hold|holds|holding|delegate\w*|"
    r"sign off|close|closes|closing|closed|book|books|booking|booked)\b"
    r"(?P<rest>(?:\s+[\w'’&/-]+){1,6})",
    re.IGNORECASE,
)
_WEAK_OBJECT = frozenset(
    "better more less well good great stronger best confident comfortable effectively "
    "efficiently things stuff skills skill myself".split()
)
_YEAR = r"(?:19|20)\d{2}"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_TIME_UNIT = r"(?:days?|weeks?|months?|quarters?|years?|sprints?|yrs?|wks?)"
_EFFORT = r"\s*(?:hours?|hrs?|h|minutes?|mins?)\s+(?:a|an|per|each|every)\b"
_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|dozen|a couple of|a handful of)"
)
# A quantity that is neither a date, a span of time nor weekly effort: "3 talks", "20%".
_QUANTITY = re.compile(
    rf"(?<![\w/-])(?!{_YEAR}\b)\d+(?:[.,]\d+)?(?![\w/:-])(?!\s*{_TIME_UNIT}\b)(?!{_EFFORT})|"
    rf"\b{_NUMBER_WORDS}\b(?!\s+(?:more\s+)?(?:of\s+)?(?:the\s+)?{_TIME_UNIT}\b)(?!{_EFFORT})|"
    r"%|\bpercent\b|\bat (?:least|most)\b|\bdouble\b|\bhalve\b|\btwice\b",
    re.IGNORECASE,
)
# Numbers that name a thing rather than count it: "ward 4", "Year 7", "version 2".
_LABEL_WORDS = frozenset(
    "year ward room level grade tier floor building version phase step page chapter unit "
    "class group stage band section team site line bay block wave cohort sprint key v no".split()
)
# "More", "fewer", "better" promise a change without saying how much.
_COMPARISON = re.compile(
    r"\b(?:more|fewer|less|better|improved?|higher|lower|faster|quicker|stronger|bigger|"
    r"smaller|easier)\b",
    re.IGNORECASE,
)
# In the measurable part, "no manual steps" or "all 8 entries" count too.
_FIELD_COUNT = re.compile(r"\b(?:no|zero|none|all|every|each|any)\b", re.IGNORECASE)
_EVIDENCE = re.compile(
    r"\b(?:complet\w*|deliver\w*|publish\w*|present\w*|certif\w*|pass|passes|passed|"
    r"passing|launch\w*|ship|ships|shipped|score\w*|rating|rated|survey\w*|promot\w*|"
    r"hired|submit\w*|approv\w*|sign(?:ed)? off|signs? off|metric\w*|kpis?|measur\w*|"
    r"tracked|feedback from|confirm\w*|demonstrat\w*|go live|goes live|in production|"
    r"merged|released|finish\w*|won)\b",
    re.IGNORECASE,
)
# In the measurable part itself, a described check counts as well: "my manager confirms".
_FIELD_EVIDENCE = re.compile(
    r"\b(?:feedback from|agree[sd]? (?:that|to)|observed|recorded|documented|assessed|"
    r"evaluated|review(?:ed)? by|tested|verified|checked by|accepted|adopted|used by|"
    r"in use|signed|report)\b",
    re.IGNORECASE,
)
# A single event led or given is done or not done: "lead a design review".
_ONE_EVENT = re.compile(
    r"\b(?:lead|run|facilitate|chair|host|organi[sz]e|give|hold|deliver|plan and run|"
    r"present at|speak at)\s+(?:a|an|one|the|my first|our next|the next|our)\s+"
    r"(?:[\w'’-]+\s+){0,3}?(?:review|meeting|workshop|session|retro\w*|project|launch|"
    r"migration|presentation|talk|demo|training|planning|offsite|kick-?off|all-hands|"
    r"town hall|webinar|hackathon|post-?mortem|conference|event|pilot|proposal)s?\b",
    re.IGNORECASE,
)
# A named book read is done or not done: "read The Manager's Path".
_ONE_BOOK = re.compile(
    r"\b(?i:read|finish reading)\s+(?:(?i:a|the)\s+book\b|[\"“]?[A-Z][\w'’]*(?:\s+[A-Z][\w'’]*)*)"
)
# Taking on a role is done or not done: "become a team lead".
_NEW_ROLE = re.compile(
    rf"\b(?:become|be appointed|be promoted to|get promoted to|move into|land|secure|get)\s+"
    rf"(?:a|an|the|my first)\s+(?!(?:[\w-]+\s+){{0,3}}?{_COMPARATIVE}\b)(?:[\w'’-]+\s+){{0,3}}?"
    r"(?:lead|manager|role|position|job|director|principal|architect|owner|chair|head)\b",
    re.IGNORECASE,
)
# The means: support, resources or time set aside ("an hour a week", "my mentor").
_SUPPORT = re.compile(
    r"\b(?:support\w*|with (?:the )?help of|help from|resourc\w*|budget\w*|courses?|"
    r"training|(?:mentor|manager)'s|with my mentor|coaching|workshops?|buddy|"
    r"pair(?:ing)? with|shadow\w*|sponsor\w*|"
    r"tutor\w*|study plan|allocated|protected time|dedicated time|set aside|blocked|"
    r"licen[cs]e|funded|pays? for|capacity|already|step by step|small steps)\b|"
    r"\b(?:an?|one|two|three|four|five|half an?|\d+)\s+(?:hours?|hrs?|days?|afternoons?|"
    r"mornings?|evenings?)\s+(?:a|an|per|each|every)\s+(?:day|week|month|fortnight|"
    r"morning|evening|sprint)\b|\bhours? of (?:\w+\s+)?time\b|"
    r"\b(?:monday|tuesday|wednesday|thursday|friday) (?:afternoons|mornings)\b|"
    # A person named is not support; a person committed to helping is.
    r"\bmy (?:mentor|manager|coach|lead|team lead|director|supervisor|pm)\s+(?:has\s+|have\s+)?"
    r"(?:agreed|will|gives|gave|supports|backs|offered|approved|pays|helps|is helping)\b",
    re.IGNORECASE,
)
# Small actions in the person's own hands need no stated means: "read two books".
_OWN_SMALL_ACTION = re.compile(
    r"^(?:read|re-read|try|watch|listen to|attend|sign up for|join|keep a (?:journal|log|"
    r"diary)|write down|reflect on|ask for|ask)\b",
    re.IGNORECASE,
)
# A written reason: "so that", "because", "so customers can", "for my role".
_WHY = re.compile(
    r"\b(?:so that|so (?:\w+\s+){1,2}?(?:can|could|will|would|won't|don't|stop|spend|get|"
    r"have|no longer)|because|in order to|which will|this will|that will|will help|"
    r"to help (?:me|my|our|the|us)|helps? (?:me|my|our|the|us)|needed for|required for|"
    r"necessary for|essential for|for my (?:role|career|promotion|growth|development|"
    r"next)|(?:career|promotion) (?:goal|step|path|plan)|aligned with|"
    r"aligns with|matters? (?:to|for|because))\b",
    re.IGNORECASE,
)
_WHEN = re.compile(
    rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|\b{_YEAR}\b|"
    rf"\b(?:q[1-4]|h[12])\b|\b(?:by|before|until|till|no later than|ahead of|in time for)\s+"
    rf"(?:the\s+)?(?:end\s+of\s+(?:the\s+)?|start\s+of\s+(?:the\s+)?|mid-?)?"
    rf"(?:{_MONTH}\b|\d|next\b|this\b|summer|winter|spring|autumn|fall|year|quarter|month|"
    rf"week|sprint|program|programme|review|cycle|deadline|launch|release|freeze|time|"
    rf"(?:mon|tues|wednes|thurs|fri|satur|sun)day)|"
    rf"\b(?:before|ahead of|in time for|no later than)\s+(?:the|my|our|next)\s+\w+|"
    rf"\b(?:within|in|over|inside)\s+(?:the\s+)?(?:next\s+)?(?:\d+|a|an|one|two|three|four|"
    rf"five|six|seven|eight|nine|ten|eleven|twelve|eighteen|few|couple of)\s+{_TIME_UNIT}\b|"
    rf"\b(?:next|this|the coming)\s+(?:week|month|quarter|year|sprint|half|cycle)\b|"
    rf"\b(?:end|start|middle|beginning) of (?:the\s+)?(?:year|quarter|month|program|"
    rf"programme|sprint|half|cycle|term|semester|{_MONTH})\b|"
    rf"\b(?:january|february|april|june|july|august|september|october|november|december)\b|"
    rf"\b(?:march|may)\s+\d|\b(?:in|at|the|by|before|until|early|late|mid-?)\s+(?:march|may)\b|"
    rf"\b(?:eoy|eoq|deadline|due date)\b",
    re.IGNORECASE,
)
_VAGUE_TIME = re.compile(
    r"\b(?:soon|eventually|someday|some day|asap|as soon as possible|ongoing|over time|"
    r"when possible|when i can|at some point|in the future|one day)\b",
    re.IGNORECASE,
)
_CONNECTOR = re.compile(r"\b(?:by|through|via|and|so that|to)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _GoalSignals:
    """A goal's text fields, cleaned for the checks (a title's "I want to" dropped)."""

    title: str
    specific: str
    measurable: str
    achievable: str
    relevant: str
    time_bound: str

    @classmethod
    def read(cls, goal: GoalSummary) -> _GoalSignals:
        return cls(
            title=_LEAD_IN.sub("", _plain(goal.title), count=1),
            specific=_LEAD_IN.sub("", _plain(goal.specific), count=1),
            measurable=_plain(goal.measurable),
            achievable=_plain(goal.achievable),
            relevant=_plain(goal.relevant),
            time_bound=_plain(goal.time_bound),
        )

    @property
    def statement(self) -> str:
        """The goal's own statement: title and specific part."""
        return ". ".join(t for t in (self.title, self.specific) if t)

    @property
    def everything(self) -> str:
        fields = (
            self.title,
            self.specific,
            self.measurable,
            self.achievable,
            self.relevant,
            self.time_bound,
        )
        return ". ".join(f for f in fields if f)


def _substantial(text: str, words: int = 3) -> bool:
    return len(_content_words(text)) >= words


def _concrete_action(text: str) -> str | None:
    """A concrete verb with a real object ("lead a design review"), if the text has one."""
    for match in _CONCRETE_VERB.finditer(text):
        words = match.group("rest").split()
        rest = [w.lower().strip("'’-") for w in words]
        if any(w in _WEAK_OBJECT for w in rest[:2]):
            continue
        objects = [i for i, w in enumerate(rest) if w not in _STOP_WORDS | _WEAK_OBJECT]
        if objects:
            end = objects[0]
            while end + 1 in objects:
                end += 1
            verb = text[match.start() : match.start("rest")].strip()
            return " ".join([verb, *words[: end + 1]])
    return None


def _vague_opening(text: str) -> re.Match[str] | None:
    """The direction a goal opens with ("get better"), unless an action follows it
    ("improve my slides by presenting at two team meetings")."""
    vague = _VAGUE_START.match(text)
    if vague is None:
        return None
    connector = _CONNECTOR.search(text, vague.end())
    if connector and _concrete_action(text[connector.end() :]):
        return None
    return vague


def _excerpt(text: str, limit: int = 80) -> str:
    return _shorten(_strip_end(text), limit)


def _around(text: str, match: re.Match[str], words: int = 4) -> str:
    """A few words either side of a match, within its sentence, to quote in a reason."""
    start = max(text.rfind(". ", 0, match.start()) + 2, 0)
    end = text.find(". ", match.end())
    sentence_before = text[start : match.start()].split()[-words:]
    sentence_after = text[match.end() : end if end >= 0 else None].split()[:words]
    return " ".join([*sentence_before, match.group(0).strip(), *sentence_after])


def _specific_verdict(s: _GoalSignals) -> CriterionVerdict:
    def verdict(met: bool, why: str) -> CriterionVerdict:
        return CriterionVerdict(criterion="specific", met=met, why=why)

    if (
        len(s.specific.split()) >= 6
        and _substantial(s.specific)
        and _vague_opening(s.specific) is None
    ):
        return verdict(True, f"The specific part spells out the goal: '{_excerpt(s.specific)}'.")
    vague = _vague_opening(s.title)
    action = None if vague else _concrete_action(s.title)
    if action:
        return verdict(True, f"It names a concrete action and what it applies to: '{action}'.")
    if vague:
        detail = (
            f" The specific part ('{_excerpt(s.specific)}') does not pin it down either."
            if s.specific
            else ""
        )
        return verdict(
            False,
            f"'{vague.group(0).strip()}' names a direction, not an outcome: say what you will "
            f"do and on what (for example 'lead the next design review').{detail}",
        )
    return verdict(
        False,
        "It does not say what you will do or where: name the action and the piece of work, "
        "audience or skill it applies to, in a sentence of its own.",
    )


def _quantity(text: str) -> re.Match[str] | None:
    """The first number or count word in `text` that counts something."""
    for match in _QUANTITY.finditer(text):
        before = text[: match.start()].split()[-1:]
        if not (match.group(0)[0].isdigit() and before and before[0].lower() in _LABEL_WORDS):
            return match
    return None


def _measurable_verdict(s: _GoalSignals) -> CriterionVerdict:
    def verdict(met: bool, why: str) -> CriterionVerdict:
        return CriterionVerdict(criterion="measurable", met=met, why=why)

    def counted(label: str, text: str, found: re.Match[str]) -> CriterionVerdict:
        quoted = _excerpt(_around(text, found))
        return verdict(True, f"The {label} gives something to count: '{quoted}'.")

    def shown(label: str, text: str, found: re.Match[str]) -> CriterionVerdict:
        quoted = _excerpt(_around(text, found))
        return verdict(True, f"The {label} names evidence of done: '{quoted}'.")

    field = s.measurable
    if field:
        found = _quantity(field) or _FIELD_COUNT.search(field)
        if found:
            return counted("measurable part", field, found)
        comparison = _COMPARISON.search(field)
        if comparison:
            return verdict(
                False,
                f"The measurable part ('{_excerpt(field)}') says '{comparison.group(0)}' without "
                "a number or a check anyone could make; say how much, or what will show it.",
            )
        found = _EVIDENCE.search(field) or _FIELD_EVIDENCE.search(field)
        if found:
            return shown("measurable part", field, found)
    # A statement that opens with a direction ("improve my presentation skills") names
    # a topic, not a deliverable: only a number in it can count.
    for text in (s.title, s.specific):
        if not text:
            continue
        found = _quantity(text)
        if found:
            return counted("goal", text, found)
        if _vague_opening(text) is None:
            found = next(
                (m for p in (_EVIDENCE, _ONE_EVENT, _NEW_ROLE, _ONE_BOOK) if (m := p.search(text))),
                None,
            )
            if found:
                return shown("goal", text, found)
    if field:
        return verdict(
            False,
            f"The measurable part ('{_excerpt(field)}') describes a hope, not a measure: add a "
            "number, a count or a piece of evidence anyone could check.",
        )
    return verdict(
        False,
        "Nothing says how you will know it is done: add a number, a count or a piece of "
        "evidence (for example 'present at two team meetings' or 'pass the exam').",
    )


def _achievable_verdict(goal: GoalSummary, s: _GoalSignals) -> CriterionVerdict:
    def verdict(met: bool, why: str) -> CriterionVerdict:
        return CriterionVerdict(criterion="achievable", met=met, why=why)

    if _substantial(s.achievable, 2):
        return verdict(
            True, f"The achievable part says how it will happen: '{_excerpt(s.achievable)}'."
        )
    support = _SUPPORT.search(s.everything)
    if support:
        return verdict(
            True, f"It names support or resources: '{_excerpt(_around(s.everything, support))}'."
        )
    small = _OWN_SMALL_ACTION.match(s.title)
    if small:
        return verdict(
            True,
            f"'{_excerpt(s.title, 60)}' is a small step in your own hands; no extra means needed.",
        )
    if len(goal.milestones) >= 2:
        return verdict(True, f"It is broken into {len(goal.milestones)} milestones.")
    return verdict(
        False,
        "Nothing says what will make it possible: name the support, time or resources you "
        "will use (your mentor, a course, an hour a week) and the first step.",
    )


def _relevant_verdict(s: _GoalSignals) -> CriterionVerdict:
    def verdict(met: bool, why: str) -> CriterionVerdict:
        return CriterionVerdict(criterion="relevant", met=met, why=why)

    if _substantial(s.relevant, 2):
        return verdict(True, f"The relevant part says why it matters: '{_excerpt(s.relevant)}'.")
    reason = _WHY.search(s.everything)
    if reason:
        return verdict(
            True, f"It says why it matters: '{_excerpt(_around(s.everything, reason))}'."
        )
    return verdict(
        False,
        "It does not say why this matters now: link it to your role, your team or the "
        "career step you are working towards ('so that…', 'because…').",
    )


def _time_bound_verdict(goal: GoalSummary, s: _GoalSignals, today: date) -> CriterionVerdict:
    def verdict(met: bool, why: str) -> CriterionVerdict:
        return CriterionVerdict(criterion="time_bound", met=met, why=why)

    if goal.target_date is not None:
        passed = (
            f" It has passed (today is {_day(today)}); agree a new one."
            if goal.target_date <= today
            else ""
        )
        return verdict(True, f"It has a target date, {_day(goal.target_date)}.{passed}")
    for label, text in (
        ("time-bound part", s.time_bound),
        ("goal", s.statement),
        ("measurable part", s.measurable),
    ):
        when = _WHEN.search(text)
        if when:
            return verdict(True, f"The {label} sets a deadline: '{_excerpt(_around(text, when))}'.")
    dated = [m.due_date for m in goal.milestones if m.due_date]
    if dated and len(dated) == len(goal.milestones):
        return verdict(True, f"Every milestone has a date, the last on {_day(max(dated))}.")
    vague = _VAGUE_TIME.search(s.everything)
    if vague:
        return verdict(
            False,
            f"'{vague.group(0)}' is not a deadline: set a target date, or a phrase such as "
            "'by the end of June' or 'within 10 weeks'.",
        )
    return verdict(
        False,
        "There is no target date or deadline: set one (for example 'by the end of June' or "
        "'within 10 weeks') so progress can be reviewed against it.",
    )


def _as_sentence(text: str) -> str:
    text = _strip_end(text)
    return f"{text[:1].upper()}{text[1:]}." if text else ""


def _lower_first(text: str) -> str:
    first = text.split()[0] if text.split() else ""
    if first and first != "I" and not (len(first) > 1 and first[1:].isupper()):
        return text[:1].lower() + text[1:]
    return text


def _rewrite(goal: GoalSummary, met: dict[str, bool], today: date) -> str:
    """The goal said again as one statement that meets every criterion: the member's
    own words where a criterion is met, a suggestion where it is not."""
    s = _GoalSignals.read(goal)
    action = _cleaned_aspiration(s.title)
    kind = _kind_of(action, s.specific)
    target = goal.target_date or today + timedelta(weeks=DEFAULT_GOAL_WEEKS)
    opening = f"By {_day(target)}, I will {action}"
    if goal.target_date is None and met["time_bound"] and s.time_bound:
        opening = f"I will {action}, {_lower_first(_excerpt(s.time_bound, 100))}"
    elif goal.target_date is None and met["time_bound"]:
        opening = f"I will {action}"
    how = kind.fill(kind.how_for(action), action)
    if not met["specific"] and how:
        opening = f"{opening} {how}"
    sentences = [_as_sentence(_shorten(opening, 300))]
    if not met["measurable"]:
        sentences.append(_as_sentence(f"Done means {kind.fill(kind.evidence, action)}"))
    elif s.measurable:
        sentences.append(_as_sentence(f"Done means {_lower_first(_excerpt(s.measurable, 150))}"))
    if not met["achievable"]:
        sentences.append("My mentor will support me, and I will set aside about an hour a week.")
    if not met["relevant"]:
        sentences.append(_as_sentence(f"It matters because {kind.why}"))
    elif s.relevant:
        sentences.append(
            _as_sentence(f"It matters because {_lower_first(_excerpt(s.relevant, 150))}")
        )
    return _shorten(" ".join(sentences), 600)


def _smart_check(data: SmartCheckInput) -> SmartCheck:
    return check_smart(data.goal, today=data.today)


# --- feedback prompts ----------------------------------------------------------------------


def _feedback_prompts(data: RelationshipInput) -> FeedbackPrompts:
    mentor, mentee = _first_name(data.mentor), _first_name(data.mentee)
    goals = _goal_order(data.goals)
    last = data.last_session
    topics = _note_topics(last.shared_notes) if last else []
    goal = goals[0] if goals else None
    goal_title = f"'{_strip_end(goal.title)}'" if goal else ""
    first = topics[0] if topics else (f"your goal {goal_title}" if goal else "")
    second = topics[1] if len(topics) > 1 else (f"{goal_title}" if goal else first)
    actions = _open(data.open_actions)
    mentee_action = next((a for a in actions if _owned_by(a, data.mentee)), None)

    if last is None:
        for_mentee = [
            f"Before your first session with {mentor}: what would make the time most useful "
            "for you?",
            f"What do you want {mentor} to know about how you like to work and get feedback?",
            (
                f"What would show you, after a few sessions, that {goal_title} is moving?"
                if goal
                else f"What do you most want to get from {data.program_name}?"
            ),
        ]
        for_mentor = [
            f"What do you already know about what {mentee} wants from {data.program_name}, "
            "and what do you still need to ask?",
            f"How will you help {mentee} set the agenda rather than follow yours?",
            (
                f"What experience of your own relates to {goal_title}, and when would it help "
                "to share it?"
                if goal
                else f"What questions will help {mentee} shape a first goal?"
            ),
        ]
        return FeedbackPrompts(for_mentee=for_mentee, for_mentor=for_mentor)

    since = _day(last.date)
    if not first:
        opening = (
            _strip_end(_first_sentences(last.shared_notes, limit=120))
            if (last.shared_notes.strip())
            else ""
        )
        first = f"what you covered ('{opening}')" if opening else "what you covered"
        second = second or "the topic you spent most time on"
    progress = f" from {goal.progress}%" if goal else ""
    for_mentee = [
        f"How useful was the time you spent on {first} in the session on {since}, and what "
        "will you do differently because of it?",
        f"When you discussed {second}, did {mentor} give you room to think it through "
        "yourself, or would more direct advice have helped?",
        (
            f"What could {mentor} do next time to help you move {goal_title}{progress}?"
            if goal
            else f"What would you like {mentor} to do more of, or less of, next time?"
        ),
    ]
    for_mentor = [
        f"How prepared was {mentee} to discuss {first}, and what would help them prepare "
        "next time?",
        f"What did you notice about how {mentee} approaches {second}: where are they "
        "strongest, and where did they get stuck?",
        (
            f"How is {mentee} following through on '{_strip_end(mentee_action.text)}', and what "
            "support would help them finish it?"
            if mentee_action
            else (
                f"Is {goal_title} still the right goal for {mentee}{progress}, and is the "
                "pace realistic?"
                if goal
                else f"What one goal do you think {mentee} should set next?"
            )
        ),
    ]
    return FeedbackPrompts(for_mentee=for_mentee, for_mentor=for_mentor)


# --- cited answer ------------------------------------------------------------------------

MIN_SHARED_WORDS = 2
MAX_CLAIMS = 4


@dataclass(frozen=True)
class _Candidate:
    text: str
    chunk_index: int
    position: int
    overlap: int


def _answer(data: AnswerInput) -> CitedAnswer:
    question = _plain(data.question)
    asked = _content_words(question, domain=False)
    shared = [
        len(asked & _content_words(f"{chunk.heading} {chunk.text}", domain=False))
        for chunk in data.guidance
    ]
    candidates: list[_Candidate] = []
    for index, chunk in enumerate(data.guidance):
        if shared[index] < MIN_SHARED_WORDS:
            continue
        for position, sentence in enumerate(_whole_sentences(chunk.text)):
            overlap = len(asked & _content_words(sentence, domain=False))
            if overlap and _is_claim(sentence) and len(sentence.split()) >= 4:
                candidates.append(_Candidate(sentence, index, position, overlap))
    if not candidates:
        return _insufficient(data)

    # The sentences sharing most words with the question; among equals, those from the
    # passage closest to the question, then the earliest.
    ranked = sorted(
        candidates,
        key=lambda c: (-c.overlap, -shared[c.chunk_index], c.chunk_index, c.position),
    )
    chosen: list[_Candidate] = []
    for candidate in ranked:
        if len(chosen) == MAX_CLAIMS:
            break
        if candidate.overlap < MIN_SHARED_WORDS and len(chosen) >= 2:
            break
        if any(c.text.lower() == candidate.text.lower() for c in chosen):
            continue
        chosen.append(candidate)
    if len(chosen) == 1:
        # One matching sentence: the next one in its chunk usually finishes the thought.
        top = chosen[0]
        following = _whole_sentences(data.guidance[top.chunk_index].text)[top.position + 1 :]
        if following and len(following[0]) <= 800 and _is_claim(following[0]):
            chosen.append(_Candidate(following[0], top.chunk_index, top.position + 1, 0))
    chosen.sort(key=lambda c: (c.chunk_index, c.position))

    claims = []
    for candidate in chosen:
        # Chunks overlap: cite every retrieved chunk that holds the sentence.
        cited = [
            g.chunk_id for g in data.guidance if candidate.text in " ".join(_sentences(g.text))
        ]
        claims.append(Claim(text=candidate.text, citations=list(dict.fromkeys(cited))))
    titles = list(dict.fromkeys(_plain(data.guidance[c.chunk_index].title) for c in chosen))
    sources = "; ".join(f"'{t}'" for t in titles)
    answer = _shorten(
        "From the knowledge base: "
        + " ".join(_ended(c.text) for c in chosen)
        + f" (Sources: {sources}.)",
        3000,
    )
    return CitedAnswer(answer=answer, claims=claims, insufficient=False)


def _is_claim(sentence: str) -> bool:
    """A sentence that states something: a question in the guidance answers nothing."""
    return len(sentence) <= 800 and not sentence.rstrip("\"”'’)").endswith("?")


def _insufficient(data: AnswerInput) -> CitedAnswer:
    # The question's key words, in its own order, to say what was looked for.
    words = dict.fromkeys(_words(_plain(data.question)))
    keywords = [f"'{w}'" for w in words if _content_words(w, domain=False)][:5]
    about = (
        f" about {', '.join(keywords[:-1])} or {keywords[-1]}"
        if len(keywords) > 1
        else (f" about {keywords[0]}" if keywords else "")
    )
    if not data.guidance:
        found = "no guidance was found for it"
    else:
        found = (
            f"none of the {_plural(len(data.guidance), 'passage')} retrieved for it says "
            f"anything{about}"
        )
    return CitedAnswer(
        answer=(
            f"The knowledge base has nothing that answers this question: {found}, so no "
            "answer is given rather than a guess. To close the gap, a coordinator can add a "
            "guide on this topic to the knowledge base. Meanwhile, ask your program "
            "coordinator or an experienced mentor, or try the question again in the words a "
            "guide would use."
        ),
        claims=[],
        insufficient=True,
    )


# --- nudge -------------------------------------------------------------------------------

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
    text = _strip_end(reason)
    for pattern, phrase in _REASON_PATTERNS:
        match = pattern.search(text)
        if match:
            return phrase(match)
    return f"the program dashboard notes: {text[:1].lower()}{text[1:]}"


def _nudge(data: RelationshipInput) -> Nudge:
    mentor, mentee = _first_name(data.mentor), _first_name(data.mentee)
    goals = _goal_order(data.goals)
    actions = _open(data.open_actions)
    reasons = [_gentle(r) for r in data.stalled_reasons]
    if data.days_quiet is not None and not reasons:
        reasons.append(f"it has been {data.days_quiet} days since your last session")

    opening = (
        f"I'm getting in touch from the {data.program_name} team to see how your mentoring "
        "is going."
    )
    if reasons:
        opening += (
            f" From what the program shows, {_joined(reasons)}. That is very "
            "common: calendars fill up and work gets busy, and it says nothing about either "
            "of you."
        )
    work: list[str] = []
    if goals:
        work.append(
            f"You have been working on '{_strip_end(goals[0].title)}' "
            f"({goals[0].progress}% so far), and it would be a shame to lose that momentum."
        )
    if actions:
        oldest = actions[0]
        due = f", due {_day(oldest.due_date)}" if oldest.due_date else ""
        work.append(
            f"The oldest open action is '{_strip_end(oldest.text)}' ({oldest.owner}{due}); "
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
        restart = f"a short check-in on '{_strip_end(goals[0].title)}' is a good place to restart"
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
        subject=_shorten(subject, 150),
        message=_shorten("\n\n".join(paragraphs), 2000),
        suggested_next_step=_shorten(next_step, 400),
    )


# --- success story -----------------------------------------------------------------------

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
        return _quote(text)
    kept: list[str] = []
    for sentence in _split_sentences(text):
        if len(" ".join([*kept, sentence])) > limit:
            break
        kept.append(sentence)
    opening = " ".join(kept) or text[:limit].rsplit(" ", 1)[0]
    return f"{_quote(opening)} (shortened)"


def _success_story(data: SuccessStoryInput) -> SuccessStory:
    mentor, mentee = data.mentor, data.mentee
    mentor_first, mentee_first = _first_name(mentor), _first_name(mentee)
    goal = data.goal
    goal_title = _strip_end(goal.title)
    title = _shorten(f"{mentee_first} and {mentor_first}: {goal_title}", 150)

    def described(person: Person) -> str:
        return f"{person.name} ({person.title})" if person.title.strip() else person.name

    parts = [
        f"{described(mentee)} and {described(mentor)} worked together in "
        f"{data.program_name} on the goal '{goal_title}'."
    ]
    if goal.specific.strip():
        parts.append(_ended(f"As {mentee_first} set it out: {_story_quote(goal.specific, 500)}"))
    if goal.measurable.strip():
        parts.append(_ended(f"Success would look like: {_story_quote(goal.measurable, 500)}"))
    done = [m for m in goal.milestones if m.done]
    if done:
        parts.append(
            "Milestones reached: " + "; ".join(f"'{_strip_end(m.text)}'" for m in done[:6]) + "."
        )
    status = {"dropped": "set aside"}.get(goal.status, goal.status)
    parts.append(f"The goal is recorded as {status}, at {goal.progress}% progress.")
    if data.final_assessment.strip():
        parts.append(
            _ended(f"The final assessment reads: {_story_quote(data.final_assessment, 800)}")
        )
    people = {"mentee": mentee, "mentor": mentor}
    # The mentee's reflection first, then the mentor's, then any other, by key.
    reflections = sorted(
        ((key, text) for key, text in data.reflections.items() if text.strip()),
        key=lambda kv: ({"mentee": 0, "mentor": 1}.get(kv[0], 2), kv[0]),
    )

    def author(key: str) -> str:
        person = people.get(key)
        return _first_name(person) if person else f"The {key} reflection"

    budget = max(200, (3900 - len(" ".join(parts))) // max(1, len(reflections)) - 40)
    for key, text in reflections:
        who = f"{author(key)}, the {key}, reflected:" if key in people else f"{author(key)} reads:"
        parts.append(f"{who} {_story_quote(text, budget)}")
    story = _shorten(" ".join(parts), 4000)

    # Takeaways: each member's lesson-like sentences, taken in turn, quoted as written.
    lessons: list[list[str]] = []
    for key, text in reflections:
        sentences = [x for x in _split_sentences(" ".join(text.split())) if len(x) <= 400]
        picked = [x for x in sentences if _LESSON.search(x)] or sentences[:1]
        lessons.append([f"{author(key)}: {_quote(x)}" for x in picked])
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


_DRAFTERS: dict[DraftKind, Callable[[Any], BaseModel]] = {
    DraftKind.agenda: _agenda,
    DraftKind.brief: _brief,
    DraftKind.smart_goal: _smart_goal,
    DraftKind.smart_check: _smart_check,
    DraftKind.feedback_prompts: _feedback_prompts,
    DraftKind.answer: _answer,
    DraftKind.nudge: _nudge,
    DraftKind.success_story: _success_story,
}
