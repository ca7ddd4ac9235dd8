"""The SMART goal, and goal coaching that keeps the mentee the author.

The mentee writes their goal; `coach` checks each criterion, asks one concrete question
for each gap with at most two short suggestions they may take or leave, and composes
the goal from the mentee's own words and answers. Nothing of theirs is put into a
template: a sentence is kept as they wrote it (opening filler such as "honestly" aside),
an action after "I want to" is said as "I will …", and each answer becomes a sentence of
its own. The offline SMART goal draft (`compose`) is built the same way; approved, it
becomes the mentee's goal, shared with their mentor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from companion import availability, language
from companion.drafting.goal_families import (
    ACTION_STARTS,
    DEFAULT_GOAL_WEEKS,
    FILLER,
    LEAD_IN,
    GoalFamily,
    family_of,
    goal_families,
    goal_statement,
    normalised,
    sentences,
    smart_words,
    undecided,
)
from companion.drafting.inputs import Sources
from companion.drafting.kinds.goal_wishes import Wish, ends_broken, is_feeling, wishes
from companion.drafting.kinds.smart_check import (
    FROM_TO,
    Deadline,
    check_text,
    concreteness,
    deadlines,
)
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.models import Draft
from companion.drafting.text import (
    Phrase,
    apart,
    as_sentence,
    bare,
    closes_from,
    content_words,
    hangs,
    joins_nouns,
    phrases_of,
    shorten,
    spoken_date,
    strands,
    strip_end,
    upper_first,
)
from companion.relationships.models import Goal, GoalStatus, GoalVisibility
from companion.relationships.models import Milestone as GoalMilestone
from prompts.schemas import (
    CRITERIA,
    DraftKind,
    Milestone,
    SmartCheck,
    SmartGoal,
    SmartGoalInput,
)

KIND = DraftKind.smart_goal
HEADLINE = "Your SMART goal"
REVIEWERS = frozenset({Reviewer.subject})
RECEIVERS = Audience.subject


def gather(sources: Sources) -> SmartGoalInput:
    _, mentee = sources.pair()
    program, relationship = sources.target.program, sources.target.relationship
    return SmartGoalInput(
        program_name=program.name,
        today=sources.today,
        program_end=relationship.planned_end_date,
        mentee=mentee,
        aspiration=sources.text,
        guidance=sources.guidance(f"SMART goals {sources.text}"),
    )


@dataclass(frozen=True)
class Coaching:
    """One round of coaching: the check of what the mentee has written so far (their
    text and answers), and the goal composed from their words."""

    text: str
    answers: dict[str, str]
    goal: str
    check: SmartCheck
    target_date: date | None = None
    open: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.open


# Words an answer may open with that its sentence already supplies.
_ANSWER_LEADS = {
    "measurable": re.compile(
        r"^(?:(?:it(?:'s| is| will be) )?done (?:means|when|once)|(?:we|i|you)(?: both)?"
        r"(?:'ll| will)? know (?:it(?:'s| is) done )?(?:when|once|because)|when|once|"
        r"by seeing|if)\s+",
        re.IGNORECASE,
    ),
    "time_bound": re.compile(r"^(?:done\s+)?(?:by|before|no later than)\s+", re.IGNORECASE),
}
_TIME_OPENING = re.compile(
    r"^(?:within|in|during|until|till|from|over|this|next|q[1-4]\b)",
    re.IGNORECASE,
)


# Verbs an answer may start with that make it an action: "run the retro".
_VERBS = frozenset(
    "ask book build cut deliver draft finish give hold interview lead mentor organise "
    "organize pair pass present publish run ship speak submit teach write close hit sell "
    "sign win reach".split()
)


def _own_sentence(answer: str) -> str:
    """An answer as a sentence of its own, in the mentee's words."""
    text = FILLER.sub("", strip_end(normalised(answer))).strip(" ,")
    if not text:
        return ""
    statement = goal_statement(text)
    if statement.lower().startswith("i will ") or text.lower().startswith(("i ", "i'")):
        return statement + "."
    bare = LEAD_IN.sub("", text, count=1)
    if family_of(bare).acted(bare) or bare.split()[0].lower() in _VERBS:
        return f"I will {bare[:1].lower()}{bare[1:]}."
    return text[:1].upper() + text[1:] + "."


def _answer_sentence(criterion: str, answer: str) -> str:
    text = FILLER.sub("", strip_end(normalised(answer))).strip(" ,")
    if not text:
        return ""
    if criterion == "measurable":
        rest = _ANSWER_LEADS["measurable"].sub("", text, count=1)
        if rest and not re.match(r"I\b", rest):
            rest = rest[:1].lower() + rest[1:]
        return f"Done when {rest}." if rest else ""
    if criterion == "time_bound":
        if re.match(r"(?:the\s+)?end\s+of\b", text, re.IGNORECASE):
            return "By the " + re.sub(r"^(?:the\s+)?", "", text, flags=re.IGNORECASE) + "."
        if _TIME_OPENING.match(text):
            return text[:1].upper() + text[1:] + "."
        rest = _ANSWER_LEADS["time_bound"].sub("", text, count=1)
        return f"By {rest}." if rest else ""
    return _own_sentence(text)


def own_words(text: str) -> str:
    """All the mentee wrote, sentence by sentence: the first as a goal statement, the
    rest as they wrote them (capitalised)."""
    first = goal_statement(text)
    rest = [strip_end(s) for s in sentences(normalised(text))[1:]]
    parts = [first, *(r[:1].upper() + r[1:] for r in rest if r)]
    return " ".join(strip_end(p) + "." for p in parts if p)


# An aspiration up to this many words is kept as the mentee wrote it (it is already a
# goal statement); a longer one is stated by the point of its most concrete clauses.
WHOLE_GOAL_WORDS = 8
# A clause of a longer text is quoted into the goal up to this many words: "learn
# spanish well enough to talk with patients" is one goal, "… well enough to talk" half.
GOAL_WORDS = 8
# One sentence of this many words at most is a goal statement, kept as the mentee wrote
# it (opening filler aside, "I want to" said as "I will").
WHOLE_SENTENCE_WORDS = 15
# A goal the check finds SMART, written as one goal statement rather than a paragraph or
# a wish ("I'd like to …"), is the mentee's own finished goal: kept whole up to this
# many words.
WHOLE_SMART_GOAL_WORDS = 60
_WISH = re.compile(
    r"\b(?:i'?d (?:like|love)|i would (?:like|love)|i (?:really )?want|want(?:s|ing)?|wanna|"
    r"hoping|i hope|looking to|i wish)\b",
    re.IGNORECASE,
)
# "I don't really know what I want": no goal yet, however short the text.
_NOT_SURE_YET = re.compile(
    r"\b(?:do ?n'?t|do not|not sure|no idea|unsure)\b(?:\s+\w+){0,3}?\s+"
    r"(?:what|which)\s+(?:i|to)\b|"
    # "honestly not sure, just feel stuck and want to …": a text that opens unsure.
    r"^\W*(?:honestly\s+|tbh\s+|to be honest\s+)?(?:not sure|no idea|unsure|idk|dunno)\s*[,.;:!?-]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Statement:
    """The goal as the SMART goal draft states it, and the mentee's words it states its
    deadline from ("by the end of this year"), if it took one from them."""

    text: str
    deadline: Deadline | None = None
    action: str = ""
    # When no clause is a goal the drafter can stand behind: why, in a sentence, and
    # the wishes it found, offered as suggestions the mentee may take or leave.
    unstated: str = ""
    suggestions: tuple[str, ...] = ()
    # Another wish in the text, named so that it is not dropped without a word.
    also: str = ""
    # What the mentee is asked when the draft states no goal for them.
    question: str = "What will you do?"


def drafted_goal(
    text: str, answers: dict[str, str], *, smart: bool = False, today: date | None = None
) -> str:
    """The goal as the SMART goal draft states it (`statement`)."""
    return statement_of(text, answers, smart=smart, today=today).text


# Words no action opens with: a phrase that starts with one lost its verb ("think about").
_NO_ACTION_OPENS = frozenset("about of on for with from at in into by than as".split())


def _lost_its_verb(phrase: str) -> bool:
    return bool(phrase.split()) and phrase.split()[0].lower() in _NO_ACTION_OPENS


def statement_of(
    text: str, answers: dict[str, str], *, smart: bool = False, today: date | None = None
) -> Statement:
    """The goal as the SMART goal draft states it. A short text, or one already SMART
    (`smart`), as the mentee wrote it. Otherwise the point of their most concrete
    clause (a count, a named thing, a concrete action on a real object rather than a
    direction such as "feel less" or "get better at"), and a second concrete action if
    they gave one, as short quotes of their own words in their order; a thing they want
    ("help with …") stays wanted, never turned into something they will do. The
    deadline they gave ("in six months", "by the end of this year") is stated as a date.
    Never their whole text pasted back. Then each answer as a sentence of its own."""
    text = _without_context(text, today)
    choice = options(text)
    if choice is not None:
        # Two directions and no choice made: the mentee chooses; both are offered.
        first, second = choice
        return _still_to_write(
            UNSTATED_GOAL,
            answers,
            why=(
                f"The draft does not state a goal for you: you name two directions, "
                f"'{first}' and '{second}', and have not chosen between them yet."
            ),
            suggestions=(
                *(upper_first(o) for o in choice),
                "Decide with my mentor which of the two to pursue first",
            ),
            question="Which will you work towards?",
        )
    if undecided(text) is not None and _NAMES_PATHS.search(text):
        # Several paths named and none chosen ("a team lead? Or maybe product. Or stay an
        # engineer. I keep changing my mind"): stating one would choose for the mentee.
        return _still_to_write(
            UNSTATED_GOAL,
            answers,
            why=(
                "The draft does not state a goal for you: you name more than one path and "
                "are still deciding between them."
            ),
            suggestions=("Decide with my mentor which path to pursue first",),
            question="Which will you work towards?",
        )
    clean = normalised(text)
    words = len(clean.split())
    found = language.not_english(text)
    whole = (
        words <= WHOLE_GOAL_WORDS
        or (words <= WHOLE_SENTENCE_WORDS and len(sentences(clean)) == 1)
        or (
            smart
            and words <= WHOLE_SMART_GOAL_WORDS
            and len(sentences(clean)) == 1
            and not _WISH.search(clean)
        )
    )
    # A short text kept whole must still read whole ("want to be able to pay" does not),
    # and a feeling is not kept as a promise ("I will feel confident leading a room").
    own = goal_statement(text)
    whole = whole and not ends_broken(own) and not is_feeling(own.removeprefix("I will "))
    # "learn power bi properly and stop feeling lost …": the feeling is no promise either.
    whole = whole and not any(
        is_feeling(p.text) for p in phrases_of(clean, most=GOAL_WORDS, verbs=True)[1:]
    )
    whole = whole and not _NOT_SURE_YET.search(clean)
    if whole and found is None:
        return Statement(compose_goal(text, answers), action=goal_statement(text))
    deadline = None
    action = also = ""
    if found is not None:
        # Nothing of it can be judged: the check would read this sentence, not the
        # mentee's ("It says what will be done: 'written in German'").
        return _still_to_write(
            f"My goal, written in {found.name}: the built-in drafter reads English only, so "
            "I will put it into words with my mentor.",
            answers,
            why=(
                f"The draft does not state a goal for you: what you wrote is in {found.name}, "
                "and the built-in drafter reads English only, so it cannot tell what you will "
                "do or judge it."
            ),
            question="What will you do? Write it in English, or put it into words with your "
            "mentor.",
        )
    else:
        clean = FILLER.sub("", clean)
        stated = deadlines(clean, today) if today else []
        later = [d for d in stated if today and d.day > today]
        # Which sentence each deadline was said in: the goal takes the one said with it.
        said_in = {d: _sentence_index(clean, clean.find(d.words)) for d in later}
        # When is said once, as a date, at the end: "by the end of this year I'd like to
        # have one unit …" is read as "I'd like to have one unit …".
        for said in stated:
            clean = clean.replace(said.words, ",")
        judged = wishes(
            [_trimmed(p) for p in phrases_of(clean, most=GOAL_WORDS, verbs=True)],
            clean,
            acts=lambda words: _acts(Phrase(words, False, 0, 0)),
        )
        # "need to think about doing my chartership" leaves "about doing my chartership":
        # a phrase that lost its verb is no wish to state, nor to offer.
        judged = [w for w in judged if not _lost_its_verb(w.phrase.text)]
        good = [w for w in judged if not w.problem]
        # A hedged wish ("maybe … at some point") gives way to the main one.
        main = [w for w in good if not w.hedged] or good
        # "I think I need revenue management" names a thing; the wish they said to do,
        # even hedged ("become a hotel general manager one day"), is the goal.
        acting = [w for w in good if not w.phrase.thing]
        if main and all(w.phrase.thing for w in main) and acting:
            main = acting[:1]
        if (
            main
            and all(w.hedged for w in main)
            and any(w.problem == "unclear" and not w.hedged for w in judged)
        ):
            # The main wish ("redo it properly") needs the mentee's words; a hedged one
            # ("… at some point") is no goal to state in its place.
            main = []
        chosen = _most_concrete([w.phrase for w in main]) if main else []
        clean_tokens = clean.replace("’", "'").split()
        chosen = [_with_measure(p, clean_tokens) for p in chosen]
        statement = ""
        if chosen:
            texts = [_without_time(p.text) for p in chosen]
            if _acts(chosen[0]) or (chosen[0].wanted and not chosen[0].thing):
                actions = [texts[0]] + [
                    t for p, t in zip(chosen[1:], texts[1:], strict=True) if _acts(p)
                ]
                statement = "I will " + " and ".join(_lower_first(a) for a in actions)
                action = actions[0]
            elif chosen[0].thing:
                statement = "I want " + _lower_first(texts[0])
            else:
                statement = strip_end(as_sentence(texts[0]))
        tokens = clean.replace("’", "'").split()
        if (
            not statement
            or (ends_broken(statement) and not FROM_TO.search(statement))
            or _lost_its_verb(action)
            or any(_half_pair(p, tokens) or _cut_mid_clause(p, tokens) for p in chosen)
        ):
            # The time said still stands while the mentee writes the goal ("after Easter").
            return replace(_unstated(judged, answers), deadline=(later or [None])[-1])
        # The deadline said in the goal's own sentence ("Hit quota every month in Q3"),
        # not one said of another wish ("Getting to AE within a year"); else the latest.
        sentence = sum(t.endswith((".", "!", "?")) for t in tokens[: chosen[0].start])
        own = [d for d in later if said_in[d] == sentence]
        deadline = (own or later or [None])[-1]
        if deadline is not None:
            # "… proud of, by 31 December 2026": never "of by".
            comma = "," if hangs(statement.split()[-1]) else ""
            statement += f"{comma} by {spoken_date(deadline.day)}"
        statement += "."
        also = _also([w for w in judged if w.problem in ("", "weighing")], chosen)
    parts = [statement]
    parts += [_answer_sentence(c, answers[c]) for c in CRITERIA if answers.get(c, "").strip()]
    return Statement(" ".join(p for p in parts if p), deadline, action, also=also)


# The goal a draft states when the mentee's words hold none it can stand behind: the
# mentee writes it, answering "What will you do?".
UNSTATED_GOAL = "My goal: still to write, in my own words."
_WHY_NOT = {
    "feeling": "'{}' is a feeling, and a goal is something you can promise to do",
    "state": "'{}' says how things are, not what you will do",
    "unclear": "'{}' does not say on its own what you will do",
    "broken": "",
    "noun": "",
    "weighing": "you are still weighing up '{}'",
}


_ONCE_WRITTEN = "To judge with your mentor once you have written the goal."


def _unstated(judged: list[Wish], answers: dict[str, str]) -> Statement:
    """No clause is a goal the draft can state: say so, with the wishes found (as
    suggestions) and the first reason a clause could not be the goal."""
    # Wishes the mentee may take or leave: what they wanted, even where "it" is unsaid;
    # never a clause cut off mid-phrase ("Become the kind of leader people actually").
    offered = [
        w.text
        for w in judged
        if w.phrase.whole
        and (
            not w.problem
            or (w.problem in ("unclear", "weighing") and w.phrase.wanted)
            or (w.problem == "noun" and w.sentence)
        )
    ]
    # "be more confident presenting to senior leaders": the doing inside the feeling is
    # something to promise ("Present to senior leaders"), offered first.
    done = [a for w in judged if w.problem == "feeling" for a in [_done_in(w.text)] if a]
    offered = [o for o in [*done, *offered] if not ends_broken(o)]
    offered = list(dict.fromkeys(offered))[:2]
    order = ["feeling", "weighing", "unclear", "state"]
    reasons = [
        _WHY_NOT[w.problem].format(w.text)
        for w in sorted(judged, key=lambda w: order.index(w.problem) if w.problem in order else 9)
        if w.problem in order
    ]
    why = "The draft does not state a goal for you"
    why += f": {reasons[0]}." if reasons else ": what you wrote does not yet say what you will do."
    return _still_to_write(UNSTATED_GOAL, answers, why=why, suggestions=tuple(offered))


# "be (more) confident presenting to …", "feel less nervous doing the briefing": the
# feeling and the doing it is about.
_FEELING_ABOUT_DOING = re.compile(
    r"^(?:be|feel|get|become)\s+(?:(?:a\s+lot|much|a\s+bit|way)\s+)?(?:more|less)?\s*"
    r"(?:confident|comfortable|nervous|anxious|scared|calm|calmer|relaxed|at ease|"
    r"assured|self-assured)\s+(?:(?:when|about|at|with)\s+)?(?P<doing>\w+ing)\b(?P<rest>.*)$",
    re.IGNORECASE,
)


def _done_in(feeling: str) -> str:
    """The action a feeling is about, as something to do: "be more confident doing the
    crew briefing" -> "Do the crew briefing"; "" when there is none or the verb is not
    one the drafter knows."""
    found = _FEELING_ABOUT_DOING.match(feeling.strip())
    if found is None:
        return ""
    verb = _base_verb(found.group("doing").lower())
    rest = found.group("rest").strip(" ,.")
    if not verb or not content_words(rest):
        return ""
    return upper_first(f"{verb} {rest}")


# Verbs a feeling is commonly about, besides those a goal opens with.
_DOING_VERBS = (
    ACTION_STARTS
    | _VERBS
    | frozenset("do handle chair negotiate challenge network delegate answer argue pitch".split())
)


def _base_verb(gerund: str) -> str:
    """ "presenting" -> "present", "handling" -> "handle", "running" -> "run"; "" when
    no form is a verb the drafter knows."""
    stem = gerund[:-3]
    for form in (stem, stem + "e", stem[:-1]):
        if form in _DOING_VERBS:
            return form
    return ""


def _still_to_write(
    placeholder: str,
    answers: dict[str, str],
    *,
    why: str,
    suggestions: tuple[str, ...] = (),
    question: str = "What will you do?",
) -> Statement:
    """The goal when the draft states none: the mentee's answer to what they will do, if
    they gave one (it is the goal); otherwise `placeholder`, with `why` and what to ask."""
    said = [_answer_sentence(c, answers[c]) for c in CRITERIA if answers.get(c, "").strip()]
    if answers.get("specific", "").strip():
        return Statement(" ".join(p for p in said if p))
    return Statement(
        " ".join(p for p in (placeholder, *said) if p),
        unstated=why,
        suggestions=suggestions,
        question=question,
    )


def _also(good: list[Wish], chosen: list[Phrase]) -> str:
    """Another wish the mentee wrote besides the goal stated, if any."""
    for wish in good:
        if ends_broken(wish.text) or not wish.phrase.whole:
            continue
        if all(wish.phrase.end < p.start or wish.phrase.start > p.end for p in chosen):
            return _without_time(wish.text)
    return ""


# "Improve my charting - I'm always finishing it after my shift ends": after the dash,
# how things are, which is context for the mentor, not part of the goal.
_CONTEXT_AFTER_DASH = re.compile(r"\s+[-–—]+\s+(?=(?:I'm|I am|Im|I|we|we're|it|it's|my|our)\b)")


# Who the mentee is, said before the goal: "As a junior architect, …", "Teacher (3rd
# grade). …", "Data analyst: …", "hotel manager — …", "HR generalist here. …", "As a
# support rep I want …".
_ROLE_OPENING = re.compile(
    r"^\s*(?:as\s+an?\s+(?P<as>[^,.:;!?—–]{2,60}?)\s*,"
    # "As a customer support rep I want to …": no comma, the goal's "I" ends the role.
    r"|as\s+an?\s+(?P<bare>[^,.:;!?—–]{2,60}?)\s+(?=(?:I|I'd|I'm|I'll|I've)\s)"
    # "work in the supermarket bakery dept, want to …": where they work, then the wish.
    r"|(?:i\s+)?(?P<works>work(?:ing)?\s+(?:in|at|for|on)\s+[^,.:;!?—–]{2,50}?)\s*(?:[,.:;]|\s[—–-])\s"
    r"(?=(?:and\s+|but\s+|so\s+)?(?:i\s+|i'd\s+|id\s+)?(?:really\s+)?"
    r"(?:want|wanna|would|need|hope|hoping|like|looking)\b)"
    r"|(?P<role>[^.:;!?—–()]{2,60}?(?:\s*\([^)]{1,30}\))?)\s*(?:[.:]|\s[—–-])\s)",
    re.IGNORECASE,
)
ROLE_WORDS = 7
_NOT_A_ROLE = frozenset("i i'm im i've my me we we're our us you it this that".split())


def without_role(text: str, today: date) -> str:
    """The goal without the role the mentee introduced themselves with: a short opening
    of at most ROLE_WORDS words that names no one by pronoun, starts with no action and
    says no time ("Get promoted to senior nurse." is the goal, not a role), before a goal
    that starts with an action, a wish, "I" or "by"."""
    found = _ROLE_OPENING.match(text)
    if found is None:
        return text
    said = found.group("as") or found.group("bare") or found.group("works") or found.group("role")
    said = said or ""
    rest = text[found.end() :].strip()
    words = [w.lower() for w in said.replace("(", " ").replace(")", " ").split()]
    if not words or len(words) > ROLE_WORDS or len(rest.split()) < 3:
        return text
    if found.group("role") is not None:
        if set(words) & _NOT_A_ROLE or words[0] in ACTION_STARTS or LEAD_IN.match(said):
            return text
        if deadlines(said, today) or FILLER.match(said):
            return text
    first = FILLER.sub("", rest).split()[:1]
    opens = first[0].lower().strip(",") if first else ""
    if found.group("works") is not None:
        return rest  # the wish after it is checked by the pattern
    if opens in ACTION_STARTS or opens in {"i", "by", "i'm", "i'd"} or LEAD_IN.match(rest):
        return rest
    return text


def _without_context(text: str, today: date | None) -> str:
    """A goal without the context after a dash, unless that context holds its date."""
    found = _CONTEXT_AFTER_DASH.search(text)
    if found is None or len(content_words(text[: found.start()])) < 2:
        return text
    rest = text[found.end() :]
    if today is not None and deadlines(rest, today):
        return text
    return text[: found.start()]


# Words that say only "some day" at the end of a chosen clause give way to the date the
# goal states, or to the question "By when?".
_TIME_TAIL = re.compile(
    r"\s+(?:eventually|someday|some day|soon|at some point|one day|in the future|"
    r"long term|later)$",
    re.IGNORECASE,
)


# A clause cut at the word limit ends before the last of these, so that it never ends
# mid-phrase ("learn the fault-recovery procedures of the new").
_TRIM_BEFORE = frozenset("of on in into for with to at from by about over under".split())
_SUBORDINATE = frozenset("when if because while once unless whenever whereas".split())
_TIME_OPENERS = frozenset("this next every each".split())
_TIME_WORDS = frozenset(
    "year month week quarter fiscal financial term semester season summer winter spring "
    "autumn fall day".split()
)
_EMPTY_BEFORE_OF = frozenset(
    "kind kinds sort sorts type types lot lots bit number part rest couple few handful pair"
    " series set bunch".split()
)


def _needs_its_of(word: str) -> bool:
    """Whether a word says nothing without the "of" after it: "the kind | of leader",
    "hit 120% | of my sales quota", "half | of the team"."""
    said = bare(word)
    return (
        said in _EMPTY_BEFORE_OF
        or word.rstrip(",.;:").endswith("%")
        or said.isdigit()
        or said in {"percent", "half", "all", "most", "each", "none", "quarter", "third"}
    )


def _trimmed(phrase: Phrase) -> Phrase:
    """A phrase cut at the word limit, ended before its last preposition if that leaves
    an action with its object; otherwise as it is (still marked not whole). Never with
    how it will be done: "learn test automation with Playwright | by pairing with …"."""
    words = phrase.text.split()
    means = next(
        (
            i
            for i, w in enumerate(words[:-1])
            if i >= 2
            and w.lower() == "by"
            and bare(words[i + 1]).endswith("ing")
            and bare(words[i + 1]) not in {"spring", "morning", "evening"}
        ),
        None,
    )
    if means is not None:
        return replace(phrase, text=" ".join(words[:means]).rstrip(","), whole=True)
    if phrase.whole:
        return phrase
    # "step up to team leader when Dave retires": the goal ends before "when"; "hit 120%
    # of my sales quota this fiscal year": before its time, which the deadline says.
    joins = [
        i
        for i, w in enumerate(words)
        if i >= 2
        and (
            w.lower() in _SUBORDINATE
            or (
                w.lower() in _TIME_OPENERS
                and i + 1 < len(words)
                and bare(words[i + 1]) in _TIME_WORDS
            )
        )
    ]
    if joins:
        return replace(phrase, text=" ".join(words[: joins[0]]), whole=True)
    cuts = [
        i
        for i, w in enumerate(words)
        if i >= 2
        and w.lower() in _TRIM_BEFORE
        # "be trusted | to draft witness statements": a word that needs what follows.
        and not strands(words, i)
        # "move from customer support | to product management": never the "to" of a "from".
        and not closes_from(words, list(range(i)), i)
        # "the kind | of leader people want": a noun that says nothing without its "of".
        and not (w.lower() == "of" and _needs_its_of(words[i - 1]))
    ]
    if not cuts:
        return phrase
    kept = words[: cuts[-1]]
    while len(kept) > 2 and hangs(kept[-1]):
        kept.pop()
    return replace(phrase, text=" ".join(kept), whole=True)


# What a goal is on, or the figures it is measured by, said after the words the goal
# was cut to: "cut picking errors | on my team from about 4% to under 2%", "get better
# at handling behaviour | in my Year 9 class". Kept up to this many words more.
MEASURE_WORDS = 10
# Words that end the rest of a clause: what follows is another clause, or how.
_MEASURE_ENDS = frozenset(
    "and but or so because when if while once unless who whereas as each since until "
    "before after".split()
)
# Where the work is, said in a few words at the clause's end: "grow my pipeline | in the
# logistics sector", "write up what I learned | for the team wiki".
PLACE_WORDS = 5
_PLACE_ENDS = frozenset("over by within before until during this next every each".split())
_PLACE = re.compile(
    r"^(?:in|on|for|at|with|within|across|to)\s+(?:the|my|our|a|an)\s", re.IGNORECASE
)


def _with_measure(phrase: Phrase, tokens: list[str]) -> Phrase:
    """A chosen clause with the rest of its clause, when the rest says what it is
    measured by or what it is on with a figure ("from 800ms to 300ms", "in my Year 9
    class"), and ends where the clause ends; otherwise as it is. Never how ("by running
    a weekly refresher"), which is a clause of its own."""
    last = _last_index(phrase, tokens)
    if last < 0 or tokens[last].endswith((",", ";", ":", ".", "!", "?", "…")):
        return phrase
    rest: list[str] = []
    for index in range(last + 1, min(len(tokens), last + 1 + MEASURE_WORDS)):
        token = tokens[index]
        word = bare(token)
        if not word or word in _MEASURE_ENDS or token.startswith(("(", "[", "-", "–", "—")):
            break  # an aside ("(chapters 3 & 4 …)") is context, not the goal
        following = bare(tokens[index + 1]) if index + 1 < len(tokens) else ""
        if word == "by" and not re.match(r"[\d.]", following):
            break  # "by running …" says how; "by 20%" says how much
        rest.append(token)
        if token.endswith((",", ";", ":", ".", "!", "?", "…")):
            break
    else:
        if last + 1 + MEASURE_WORDS < len(tokens) and rest:
            return phrase  # the clause goes on past the limit: no place to stop
    said = " ".join(rest).rstrip(",;:.!?…")
    extended = f"{phrase.text} {said}"
    measured = re.search(r"\d", said) and not re.match(r"(?:that|which)\b", said, re.IGNORECASE)
    # "… that pass review with fewer than 3 comments": a clause of the goal that measures it.
    measured = measured or re.match(r"(?:that|which)\b.*\d", said, re.IGNORECASE)
    # … up to a time said after it ("in the logistics sector | over the next quarter").
    cut = next((i for i, w in enumerate(rest) if i >= 2 and bare(w) in _PLACE_ENDS), len(rest))
    place = bool(_PLACE.match(said)) and cut <= PLACE_WORDS
    if place and not measured:
        rest = rest[:cut]
        said = " ".join(rest).rstrip(",;:.!?…")
        extended = f"{phrase.text} {said}"
    if not (measured or place):
        return phrase
    # "from 40 minutes to 25" ends on a count after "to", as a cut time would ("in three").
    if ends_broken(extended) and not FROM_TO.search(said):
        return phrase
    return replace(phrase, text=extended, end=last + len(rest))


# More than one path named: "… or maybe product", "Or stay technical".
_NAMES_PATHS = re.compile(r"(?:^|[\s,.?!])or\s+(?:maybe\s+|perhaps\s+)?\w+", re.IGNORECASE)


def _sentence_index(text: str, offset: int) -> int:
    """How many sentences of `text` end before `offset`."""
    return sum(t.endswith((".", "!", "?")) for t in text[: max(offset, 0)].split())


# Words a clause may stop before and still read whole: "signed off | before the summer",
# "be running my own small jobs | as a project engineer", "nursing | eventually".
_CLAUSE_ENDS_BEFORE = frozenset(
    """
    and but or so because when if while once unless until before after by in within at on
    for from with without instead as than like not this next every each during over
    eventually maybe perhaps someday one day soon later then too also really though which
    who where that since rather
    """.split()
)


def _last_index(phrase: Phrase, tokens: list[str]) -> int:
    """The index in `tokens` of the phrase's last word, or -1."""
    words = phrase.text.split()
    if not words:
        return -1
    for index in range(min(phrase.end, len(tokens) - 1), phrase.start - 1, -1):
        if bare(tokens[index]) == bare(words[-1]):
            return index
    return -1


def _cut_mid_clause(phrase: Phrase, tokens: list[str]) -> bool:
    """Whether a phrase cut at the word limit stops inside its clause, before the object
    or the rest of its phrase ("understand how our younger customers actually use" of
    "… use the app"), where no clause can stop."""
    if phrase.whole:
        return False
    last = _last_index(phrase, tokens)
    if last < 0 or last + 1 >= len(tokens):
        return False
    if tokens[last].endswith((",", ";", ":", ".", "!", "?", "…", ")")):
        return False
    if tokens[last + 1].startswith(("(", "[", "-", "–", "—")):
        return False  # an aside: "my thesis write-up (chapters 3 & 4 …)"
    following = bare(tokens[last + 1])
    return bool(following) and following not in _CLAUSE_ENDS_BEFORE


def _half_pair(phrase: Phrase, tokens: list[str]) -> bool:
    """Whether a phrase ends on the first of two nouns joined by "and" in the mentee's
    text ("write our trust" of "write our trust and foundation bids")."""
    words = phrase.text.split()
    following = phrase.end + 1
    return (
        bool(words)
        and following < len(tokens)
        and bare(tokens[phrase.end]) == bare(words[-1])
        and joins_nouns(tokens, following)
    )


def _without_time(phrase: str) -> str:
    trimmed = _TIME_TAIL.sub("", phrase).strip()
    return trimmed if len(trimmed.split()) >= 2 else phrase


def _most_concrete(phrases: list[Phrase]) -> list[Phrase]:
    """The clause a goal is made of (the most concrete; the earliest of equals), and a
    second concrete action in the mentee's order, if there is one."""
    usable = [p for p in phrases if concreteness(p.text) > -5 and _has_point(p.text)]
    if not usable:
        return phrases[:1]
    weight = {
        id(p): concreteness(p.text) + p.wanted + p.whole + (2 if _acts(p) else -1) for p in usable
    }
    best = max(usable, key=lambda p: (weight[id(p)], -p.start))
    if not _acts(best):
        return [best]
    second = sorted(
        (
            p
            for p in usable
            if p is not best and _acts(p) and weight[id(p)] >= 2 and concreteness(p.text) > 0
        ),
        key=lambda p: (-weight[id(p)], p.start),
    )
    for other in second:
        pair = apart(sorted([best, other], key=lambda p: p.start), 2)
        if len(pair) == 2:
            return pair
    return [best]


def _has_point(phrase: str) -> bool:
    """Whether a clause says more than when ("or so", "long term maybe")."""
    return bool(content_words(_TIME_TAIL.sub("", " " + phrase)))


# Nouns that open with a verb's word: "work life balance" is no "I will work …".
_NOUN_FIRST = re.compile(r"(?:work[- ]life|lead time|run rate)\b", re.IGNORECASE)


def _acts(phrase: Phrase) -> bool:
    """Whether a phrase starts with something the mentee would do ("own a service"), not
    a thing they want ("help with …")."""
    text = phrase.text
    first = text.split()[0].lower() if text.split() else ""
    if phrase.thing or _NOUN_FIRST.match(text):
        return False
    return first in ACTION_STARTS or first in _VERBS or family_of(text).acted(text)


def _lower_first(phrase: str) -> str:
    return phrase if phrase.split()[0].isupper() else phrase[:1].lower() + phrase[1:]


def compose_goal(text: str, answers: dict[str, str]) -> str:
    """The goal from the mentee's own words and answers, one sentence each."""
    parts = [own_words(text)]
    parts += [_answer_sentence(c, answers[c]) for c in CRITERIA if answers.get(c, "").strip()]
    return " ".join(p for p in parts if p)


def coach(
    text: str,
    answers: dict[str, str] | None = None,
    *,
    today: date,
    role: str = "",
    program: str = "",
    program_end: date | None = None,
) -> Coaching:
    """Check the mentee's goal and answers so far; ask about what is still open."""
    answers = {c: a.strip() for c, a in (answers or {}).items() if c in CRITERIA and a.strip()}
    goal = compose_goal(text, answers)
    check = check_text(goal, today=today, role=role, program=program, program_end=program_end)
    later = [d.day for d in deadlines(goal, today) if d.day > today]
    return Coaching(
        text=text,
        answers=answers,
        goal=goal,
        check=check,
        target_date=max(later) if later else None,
        open=check.missing,
    )


# "… and eventually lead KS3 English": two goals in one, a near step and a direction.
# The draft is the near step; the direction is why it matters (its Relevant line).
_LATER = re.compile(
    r"[,;]?\s+(?:and|then|,)\s+(?:then\s+)?(?:eventually|one day|some ?day|later on|"
    r"in the long (?:term|run)|long[- ]term|in time|after that|down the line)\b,?\s+",
    re.IGNORECASE,
)


# "I'd like to become a purser eventually. but mostly I want to be more confident …":
# what comes after is what the mentee says matters most now.
_MOSTLY = re.compile(
    r"(?<=[.!?])\s+(?:but\s+|and\s+)?(?:mostly|mainly|most of all|above all|"
    r"more importantly|the main thing is|for now)\b,?\s+",
    re.IGNORECASE,
)


def near_and_later(text: str) -> tuple[str, str]:
    """The near goal and the longer-term direction of "X and eventually Y", or of "X
    eventually. But mostly Y"; the whole text and "" when it names one goal."""
    mostly = _MOSTLY.search(text)
    if mostly is not None:
        before, after = strip_end(text[: mostly.start()]), text[mostly.end() :].strip()
        if len(content_words(before)) >= 1 and len(content_words(after)) >= 2:
            return after, before
    found = _LATER.search(text)
    if found is None:
        return text, ""
    near, later = text[: found.start()].strip(), text[found.end() :].strip()
    # The direction ends with its sentence: "be a sous chef somewhere. maybe by next yr?
    # head chef says …" is "be a sous chef somewhere".
    later = strip_end(re.split(r"(?<=[.!?])\s+", later, maxsplit=1)[0])
    if len(content_words(near)) < 2 or len(content_words(later)) < 1:
        return text, ""
    return near, later


# "maybe become head chef someday, or open my own place? idk": two things to do, said
# as alternatives and hedged, with no choice made. The draft states neither (the mentee
# chooses), offers both, and its steps are for deciding.
_UNSURE = re.compile(
    r"\?|\b(?:maybe|perhaps|possibly|idk|dunno|not sure|either|some ?day|one day)\b",
    re.IGNORECASE,
)
_OR = re.compile(r",?\s+or\s+(?:maybe\s+|perhaps\s+|possibly\s+|even\s+)?", re.IGNORECASE)
_TRAILING_HEDGE = re.compile(
    r"(?:[\s,]+(?:some ?day|one day|eventually|maybe|perhaps|idk|i guess|or something|"
    r"at some point|in the future|not sure(?: yet)?))+\s*$",
    re.IGNORECASE,
)
_LEADING_HEDGE = re.compile(
    r"^(?:(?:maybe|perhaps|possibly|either|even|(?:i'?m\s+|i am\s+)?(?:not sure|unsure) "
    r"(?:if|whether) (?:i should|to)|(?:i\s+)?(?:do ?n'?t|do not) know(?: if| whether)?(?: to)?)"
    r"[\s,]+)+",
    re.IGNORECASE,
)
# Verbs an option opens with besides those of a goal ("open my own place", "stay in
# engineering").
_CHOICE_VERBS = frozenset("open stay join try keep return do go leave retrain train".split())
_DETERMINERS = frozenset("a an the my our another".split())
# An option longer than this is a clause of its own, not one side of a choice.
_OPTION_WORDS = 8


def _option(words: str) -> str:
    words = strip_end(_TRAILING_HEDGE.sub("", words.strip(" ,;")))
    words = LEAD_IN.sub("", FILLER.sub("", words).strip(), count=1)
    return _LEADING_HEDGE.sub("", words).strip(" ,;")


def options(text: str) -> tuple[str, str] | None:
    """The two things to do a mentee names as alternatives without choosing ("become head
    chef, or open my own place?"), each in their words; None when the text makes no
    such hedged choice, or either side is not something to do."""
    for sentence in sentences(normalised(text)):
        found = _OR.search(sentence)
        if found is None or not _UNSURE.search(sentence):
            continue
        left = re.split(r"[.;:!?]|,\s+(?=(?:and|but|so)\b)", sentence[: found.start()])[-1]
        right = re.split(r"[.,;:!?]", sentence[found.end() :])[0]
        first, second = _option(left), _option(right)
        if not all(1 <= len(side.split()) <= _OPTION_WORDS for side in (first, second)):
            continue
        if _does(first) and second.split()[0].lower() in _DETERMINERS:
            # "do an MBA or a masters": the second shares the first's verb.
            second = f"{first.split()[0].lower()} {second}"
        if _does(first) and _does(second):
            return first, second
    return None


# "improve my public speaking and also learn kubernetes properly": two goals, each with
# its own evidence and date. The draft keeps the mentee's words and asks which comes
# first; "write the design doc and also present it" is one goal (it names the first's
# object again).
_ALSO = re.compile(
    r"(?:,?\s+and\s+(?:i\s+)?also(?:\s+(?:want|need|hope|plan)\s+to)?|,?\s+as well as|"
    r"[;.]\s+(?:i\s+)?also(?:\s+(?:want|need|hope|plan)\s+to)?|,?\s+plus)\s+",
    re.IGNORECASE,
)
_POINTS_BACK = re.compile(r"\b(?:it|its|them|this|that|these|those)\b", re.IGNORECASE)


def two_aims(text: str) -> tuple[str, str] | None:
    """The two goals of a statement that joins two things to do with "and also", "as well
    as" or "plus", each in the mentee's words; None for one goal."""
    found = _ALSO.search(text)
    if found is None:
        return None
    first = _option(re.split(r"[.;:!?]", text[: found.start()])[-1])
    first = re.sub(r"^I will\s+", "", first)
    second = _option(re.split(r"[.;:!?]", text[found.end() :])[0])
    if not first or not second or _POINTS_BACK.search(second):
        return None
    if not all(len(side.split()) <= _OPTION_WORDS + 2 for side in (first, second)):
        return None
    return (first, second) if _does(first) and _does(second) else None


def _deciding() -> GoalFamily:
    """The family of goals that are a decision to make (its steps are for deciding)."""
    return next(f for f in goal_families().families if f.undecided)


def _does(option: str) -> bool:
    first = option.split()[0].lower()
    return first in ACTION_STARTS or first in _VERBS or first in _CHOICE_VERBS


_PROGRAM_END = re.compile(
    r"\b(?:by|before|until)\s+(?:the\s+)?end\s+of\s+(?:the\s+|this\s+|my\s+|our\s+)?"
    r"(?:program(?:me)?|mentoring|scheme|cohort)\b",
    re.IGNORECASE,
)


def _without_aside(goal: str, said: str) -> str:
    """The goal without a clause after its first that says what the mentee lacks or
    doubts ("…, I always start them and never finish."): that is asked about under
    Achievable, not promised."""
    clauses = re.split(r"(?<=[,;])\s+", strip_end(goal))
    kept = [clauses[0]] + [c for c in clauses[1:] if said.lower() not in c.lower()]
    if len(kept) == len(clauses):
        return goal
    return " ".join(kept).rstrip(",;") + "."


# Christmas Eve to Boxing Day and New Year's Eve and Day: few people hold a checkpoint
# then, whatever their country's calendar says.
_YEAR_END = frozenset({(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)})


def _milestone_dates(
    today: date, target: date, *, end: date | None = None, timezone: str = "UTC"
) -> list[date]:
    """Two checkpoints and the target. The checkpoints fall a third and two thirds of the
    way to the target, or, when the target is after the mentoring ends, halfway to its
    end and on it, so the mentor is still there to review them. Each falls on a working
    day of the mentee's (not a weekend, not a public holiday of their time zone's
    country, nor the days around Christmas and New Year), moved earlier rather than
    later; the target is the date the mentee chose."""
    last, parts = (end, 2) if end and today < end < target else (target, 3)
    span = (last - today).days
    wanted = [today + timedelta(days=max(1, round(k * span / parts))) for k in (1, 2)]
    off = availability.days_off(timezone, today, last)

    def working(day: date) -> bool:
        return day.weekday() < 5 and day not in off and (day.month, day.day) not in _YEAR_END

    checkpoints = []
    for day in wanted:
        earlier = day
        while not working(earlier) and earlier - timedelta(days=1) > today:
            earlier -= timedelta(days=1)
        later = day
        while not working(later) and later < last:
            later += timedelta(days=1)
        floor = checkpoints[-1] if checkpoints else today
        checkpoints.append(earlier if working(earlier) and earlier > floor else later)
    return [*checkpoints, target]


# "give three internal talks on …", "publish 6 blog posts": a goal that counts things
# done one at a time (not "mentor 3 juniors", which is done with all three at once).
_PLURAL = re.compile(r"[a-z][\w'-]*s", re.IGNORECASE)
# Words kept after the counted noun ("talks on our testing strategy").
THINGS_AFTER_NOUN = 4
_THINGS_END = re.compile(
    r"\s*[,;]\s*|\s+(?:and|then|so|to see|which|that|this|next|by|before|within|until)\s+",
    re.IGNORECASE,
)
_ONE_AT_A_TIME = (
    r"give|deliver|run|hold|host|lead|facilitate|organi[sz]e|present|publish|write|draft|"
    r"submit|ship|release|post|record|complete|finish|pass|earn|read|review|conduct|"
    r"interview|hire|have|make|build|create|do|attend|teach|visit|shadow|speak at"
)
_COUNTED = re.compile(
    rf"^(?P<verb>{_ONE_AT_A_TIME})\s+(?P<count>three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"[3-9]|1[0-2])\s+(?P<things>(?:[a-z][\w'-]*\s+){0,2}[a-z][\w'-]*s\b.*)$",
    re.IGNORECASE,
)
_COUNT_WORDS = dict(
    zip("three four five six seven eight nine ten eleven twelve".split(), range(3, 13), strict=True)
)
# Plural units of measure, not things done one at a time: "lose 5 kgs", "3 minutes".
_NOT_THINGS = re.compile(
    r"^(?:kgs|kilos|pounds|lbs|hours|hrs|minutes|mins|seconds|secs|days|weeks|months|years|"
    r"times|points|percent|steps|miles|kms)\b",
    re.IGNORECASE,
)


def counted_milestones(action: str) -> list[str] | None:
    """Milestones paced by what a goal counts ("give three internal talks on our testing
    strategy"): for three, the first, second and third; for more, a third, two thirds
    and all of them. None when the goal counts no things done one at a time."""
    found = _COUNTED.match(strip_end(action).strip())
    if found is None or _NOT_THINGS.match(found["things"]):
        return None
    said = found["count"].lower()
    count = _COUNT_WORDS.get(said) or int(said)
    verb, things = found["verb"].capitalize(), found["things"]
    # The things end where another clause or a time begins ("… articles for billing
    # questions this quarter"); a second action ("… and present the top 5 findings to
    # the product trio") is the last step's, done once the last of them is.
    then = ""
    end = _THINGS_END.search(things)
    if end is not None:
        if end.group(0).strip().lower() == "and":
            then = strip_end(things[end.end() :])
        things = things[: end.start()]
    # What is counted, and a few words about it: the goal says the rest.
    words = things.split()
    noun = next((i for i, w in enumerate(words) if _PLURAL.fullmatch(w)), None)
    if noun is None:
        return None
    if len(words) > noun + 1 + THINGS_AFTER_NOUN:
        # Cut short: before the last word a phrase opens with, never inside the phrase
        # ("articles for the most common" of "… common billing questions").
        words = words[: noun + 1 + THINGS_AFTER_NOUN]
        cut = max((i for i in range(noun + 1, len(words)) if hangs(words[i])), default=None)
        words = words[:cut]
    while len(words) > noun + 1 and hangs(words[-1]):
        words.pop()
    things = " ".join(words)
    # Said in words, counted in words: "Run two of the four workshops".
    spoken = {n: w for w, n in _COUNT_WORDS.items()} | {1: "one", 2: "two"}
    # The first step names the things; the later ones count on from it.
    if count == 3:
        steps = [f"{verb} the first of the {said} {things}", f"{verb} the second of the {said}"]
        steps.append(f"{verb} the third")
    else:
        first, second = (
            spoken[n] if said.isalpha() else str(n) for n in (-(-count // 3), -(-count * 2 // 3))
        )
        steps = [f"{verb} {first} of the {said} {things}", f"{verb} {second} of the {said}"]
        steps.append(f"{verb} all {said}")
    steps[1] += ", and review with my mentor what to change"
    steps[2] += f", and {then}" if then else ", and agree with my mentor what comes next"
    return steps


# A goal still to write has its writing as its first step: never "Show the evidence of
# done" for a goal that does not say what done is.
UNWRITTEN_MILESTONES = (
    "Write my goal in my own words: what I will do, and how my mentor and I will know",
    "Take the first step and review it with my mentor: what worked and what to change",
    "Look back with my mentor at what has changed, and agree the next step",
)


def measured_milestones(action: str) -> list[str] | None:
    """Milestones paced by a measure from one figure to another ("cut picking errors
    from about 4% to under 2%"): where it stands now, a review of the figures, the
    figure reached. None when the goal says no such measure."""
    found = FROM_TO.search(action)
    if found is None:
        return None
    start, end = found["start"].strip(), found["end"].strip()
    unit = re.sub(r"^.*?\d[\d.,]*\s*", "", start)
    if unit and re.search(r"\d$", end):
        # "from 40 minutes to 25": the 25 is in minutes too.
        end = f"{end} {unit}" if unit[0].isalpha() else f"{end}{unit}"
    return [
        f"Measure where it stands now ({start}) and agree with my mentor how to track it",
        "Review the figures with my mentor: what moves them, and what to change",
        f"Reach {end}, and go through the figures with my mentor",
    ]


# The words that put a deadline before its date: "by", "before", "no later than".
_DEADLINE_LEAD = r"(?:,?\s+(?:by|before|until|till|no later than|in|on|for)(?:\s+the)?)?"


def without_deadline(text: str, words: str) -> str:
    """`text` without the deadline stated by `words` and the preposition leading it:
    "Get my CIPD level 5 done by june 2026." -> "Get my CIPD level 5 done."."""
    found = re.search(_DEADLINE_LEAD + r"\s*" + re.escape(words), text, re.IGNORECASE)
    if found is None:
        return text
    rest = (text[: found.start()] + text[found.end() :]).strip()
    rest = re.sub(r"\s+([,.;:!?])", r"\1", rest)
    rest = re.sub(r"^[,;:\s]+|[,;:]\s*$", "", rest)
    return rest if len(content_words(rest)) >= 2 else text


def _field(verdict: Any) -> str:
    if verdict.status == "met":
        return verdict.why
    offers = "; or ".join(verdict.suggestions)
    return f"To answer: {verdict.question}" + (f" (for example: {offers})" if offers else "")


def compose(data: SmartGoalInput) -> SmartGoal:
    today = data.today
    end = data.program_end if data.program_end and data.program_end > today else None
    answers = dict(data.answers)
    context = {"role": data.mentee.title, "program": data.program_name, "program_end": end}
    near, direction = near_and_later(without_role(data.aspiration, today))
    # Is what the mentee wrote already a SMART goal? Then it is kept as they wrote it.
    written = coach(near, answers, today=today, **context)
    stated = statement_of(near, answers, smart=written.complete, today=today)
    # The reasons judge the goal as drafted, not the aspiration it was drafted from.
    check = check_text(stated.text, today=today, **context)
    said_days = deadlines(stated.text, today)
    later = [d for d in said_days if d.day > today]
    said = stated.deadline or (later[-1] if later else None)
    target = said.day if said else None
    verdicts = {v.criterion: v for v in check.verdicts}
    time_bound = _field(verdicts["time_bound"])
    goal_text = stated.text
    passed = [d for d in said_days if d.day <= today]
    if passed and not later and not stated.deadline:
        # "by june 2026" in December 2026: the goal keeps the mentee's words but not a
        # date that would contradict its target date; the question names what they wrote.
        goal_text = without_deadline(stated.text, passed[-1].words)
        time_bound = (
            f"To answer: You wrote '{passed[-1].words}', which has passed: what is the new date?"
        )
    program_end_said = _PROGRAM_END.search(data.aspiration)
    if target is None and end and program_end_said:
        # "by the end of the programme": the relationship's planned end.
        target = end
        time_bound = (
            f"By {spoken_date(end)}, the end of your mentoring, as you said: "
            f"'{program_end_said.group(0)}'."
        )
    if target is None:
        target = end or today + timedelta(weeks=DEFAULT_GOAL_WEEKS)
        if verdicts["time_bound"].status == "met":
            # "this year" after a verb may be the past ("we lost nine people this
            # year"): the check takes it as a time, the draft asks for the date.
            time_bound = "It names a time but no date: which day?"
        time_bound += (
            ("" if time_bound.endswith(("?", ".")) else ".")
            + f" Until you choose, the target date is {spoken_date(target)}"
            + (", the end of your mentoring" if target == end else "")
            + "."
        )
    elif said is not None:
        why = f" ({said.why})" if said.why else ""
        time_bound = f"By {spoken_date(target)}{why}, as you said: '{said.words}'."
    if end and target > end:
        time_bound += (
            f" Your mentoring ends on {spoken_date(end)}: agree with your mentor what you "
            "will have done by then."
        )
    specific = _field(verdicts["specific"])
    measurable = _field(verdicts["measurable"])
    achievable = _field(verdicts["achievable"])
    if stated.unstated:
        offers = "; or ".join(stated.suggestions)
        specific = f"{stated.unstated} To answer: {stated.question}" + (
            f" (for example: {offers})" if offers else ""
        )
        # Nothing is stated yet: nothing to measure or to judge.
        measurable = "To answer, once you have written it: How will you and your mentor know?"
        achievable = _ONCE_WRITTEN
        if direction:
            specific += f" You also mentioned '{direction}': a goal of its own later?"
    elif stated.also and stated.also.lower() not in direction.lower():
        specific += f" You also mentioned '{stated.also}': a goal of its own later?"
    aims = None if stated.unstated else two_aims(goal_text)
    if aims is not None:
        # Two goals in one: each needs its own evidence and date; the mentee says which
        # comes first, and the draft keeps both in their words until then.
        first, second = aims
        specific = (
            f"To answer: It holds two goals, '{first}' and '{second}': which comes first? "
            f"(for example: {upper_first(first)}; or {upper_first(second)}) The other can be a "
            "goal of its own, with its own evidence and date."
        )
    stretched = smart_words().pattern("stretched").search(data.aspiration)
    doubt = smart_words().pattern("doubts").search(data.aspiration)
    if (stretched or doubt) and not stated.unstated and verdicts["achievable"].status == "met":
        # The goal drafted leaves out what the mentee said they lack or doubt; the draft
        # asks about it.
        achievable = (
            f"To answer: You wrote '{stretched.group(0)}': how much time a week can you give "
            "it, and what will make room for it? (for example: One hour on two set days a "
            "week, in my calendar; or Agree with my manager what I stop doing to make room)"
            if stretched
            else f"To answer: You wrote '{doubt.group(0)}': what would make it go well this "  # type: ignore[union-attr]
            "time, and what help do you need? (for example: One smaller first step you are "
            "sure to finish; or A practice run with my mentor)"
        )
    for aside in (stretched, doubt):
        if aside is not None and not stated.unstated:
            goal_text = _without_aside(goal_text, aside.group(0))
    relevant = _ONCE_WRITTEN if stated.unstated else _field(verdicts["relevant"])
    if direction and verdicts["relevant"].status == "met" and not stated.unstated:
        relevant = f"It is a step towards what you want in the longer term: '{direction}'."
    worth = smart_words().pattern("worth_doubts").search(data.aspiration)
    if worth is not None and not stated.unstated and verdicts["relevant"].status == "met":
        # The goal drafted leaves out the mentee's doubt that it is worth it: never
        # "nothing suggests otherwise" against their own words.
        relevant = (
            f"To answer: You wrote '{worth.group(0)}': what would it change in your work, "
            "or in what you want from this program? (for example: One task this month that "
            "it would make quicker or better; or Ask my manager how it would be used in my "
            "role)"
        )
    action = stated.action or goal_statement(near).removeprefix("I will ")
    bare = LEAD_IN.sub("", action, count=1)
    family = family_of(bare)
    # A family's milestones only where the goal is plainly of that kind ("lead …"):
    # otherwise "improve my written English" would become "publish two pieces". Nor
    # steps towards what the mentee's job title says they already have.
    plainly = (family.starts(bare) or family.named(bare)) and family.fits(bare)
    if not plainly or family.held(data.mentee.title or ""):
        family = goal_families().generic
    # A mentee still deciding ("not sure whether to … or …") gets steps for deciding,
    # not the steps of one option they named.
    deciding = undecided(data.aspiration) or (_deciding() if options(near) else None)
    family = deciding or family
    steps = _milestone_dates(today, target, end=end, timezone=data.mentee.timezone)
    undated = bare
    for said_day in said_days:
        undated = without_deadline(undated, said_day.words)
    paced = None if stated.unstated else counted_milestones(undated) or measured_milestones(bare)
    texts = (
        list(UNWRITTEN_MILESTONES)
        if stated.unstated and deciding is None
        else paced or [family.fill(text, bare) for text in family.milestones]
    )
    return SmartGoal(
        goal=shorten(goal_text, 400),
        specific=shorten(specific, 1000),
        measurable=shorten(measurable, 1000),
        achievable=shorten(achievable, 1000),
        relevant=shorten(relevant, 1000),
        time_bound=shorten(time_bound, 1000),
        target_date=target,
        milestones=[
            Milestone(text=shorten(text, 300), due_date=due)
            for text, due in zip(texts, steps, strict=True)
        ],
    )


def deliver(session: Session, draft: Draft) -> None:
    """Delivered, the goal is adopted: the mentee's goal, private to them until they share it."""
    if draft.relationship_id and draft.subject_participant_id:
        content = draft.content or {}
        goal = Goal(
            relationship_id=draft.relationship_id,
            mentee_id=draft.subject_participant_id,
            title=content["goal"][:300],
            specific=content["specific"],
            measurable=content["measurable"],
            achievable=content["achievable"],
            relevant=content["relevant"],
            time_bound=content["time_bound"],
            target_date=_date(content.get("target_date")),
            status=GoalStatus.active,
            # Approving a goal is not sharing it: that is a choice of its own (the goal
            # page offers both at once; the API shares with PATCH visibility).
            visibility=GoalVisibility.private,
            milestones=[
                GoalMilestone(text=m["text"], due_date=_date(m.get("due_date")))
                for m in content.get("milestones", [])
            ],
        )
        session.add(goal)
        session.flush()
        draft.goal_id = goal.id


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))
