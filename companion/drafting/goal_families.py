"""Goal families and the SMART check's word lists, read once from the data files in
`companion/drafting/data/` and validated, so a bad entry fails with its file and path.

A family is a kind of aspiration the SMART goal drafter and the SMART check recognise,
with what done usually looks like; the word lists are the phrases that make a SMART
criterion missing or unclear.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from companion.drafting.text import content_words, plain, strip_end

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_GOAL_WEEKS = 12


class GoalWordsError(ValueError):
    """A goal word list file that cannot be used: names the file, entry and reason."""


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from exc
    return pattern


Pattern = Annotated[str, Field(min_length=1), AfterValidator(_compiles)]
Phrase = Annotated[str, Field(min_length=1, max_length=400)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GoalFamily(_Strict):
    """A family of goals recognised by keywords, with what done usually looks like.

    `verbs` are the family's own actions ("lead", "run"); the words after one of
    `object_verbs` name the goal's object ("a design review"), which templates use as
    {object}, with `default_object` when there is none.
    """

    name: str = Field(min_length=1)
    keywords: Pattern
    verbs: Pattern
    object_verbs: Pattern
    default_object: str
    evidence: Phrase  # a short "done means" suggestion
    milestones: tuple[Phrase, Phrase, Phrase]
    why: Phrase
    # What a goal must also name for the milestones to fit: "write like the partners"
    # starts like a writing goal, but nothing in it is published.
    needs: Pattern | None = None
    # A family of steps into a named role: the role titles it knows ("team leader",
    # "head of year"). A goal that is such a title alone ("Senior data engineer") or
    # one of the family's verbs and a title ("become a shift supervisor") is of it, and
    # the title is its object.
    titles: Pattern | None = None
    # Titles that are a qualification, not a post to apply for ("chartered engineer").
    not_titles: Pattern | None = None
    # Words that make a goal of this family wherever they are said, whatever else it names
    # ("not sure whether to go deeper technically or move into management").
    undecided: Pattern | None = None
    # Names a goal of the family may be written as alone, with no verb before them
    # ("PMP certification", "CIH Level 4 qualification", "Chartered (RICS)"): such a
    # goal is of the family as if it began with one of its verbs.
    names: Pattern | None = None
    # Job titles of people who already have what a goal of the family reaches for: a
    # head of year "leading a team of tutors" is not asking how to get a team.
    held_by: Pattern | None = None

    def held(self, title: str) -> bool:
        """Whether someone with job `title` already holds what the family reaches."""
        return self.held_by is not None and _word_pattern(self.held_by).search(title) is not None

    def fill(self, template: str, aspiration: str) -> str:
        return template.replace("{object}", self.object_of(aspiration) or self.default_object)

    def title_of(self, action: str) -> str:
        """The role title `action` names, alone or after one of the family's verbs: the
        words up to its last role noun (with "of …" after "head"), without an article
        or a closing "post", "role"; "" if it names none or more than a title."""
        if self.titles is None:
            return ""
        text = strip_end(action.strip())
        verb = _word_pattern(self.verbs).match(text)
        rest = text[verb.end() :] if verb else text
        # "be a team leader" is a role to reach; "be the lead on the audit" a part in one
        # piece of work.
        if verb and verb.group(0).lower() == "be" and re.match(r"\s*the\b", rest, re.I):
            return ""
        # "get to manager band": the role is after "to", never "the step to to manager".
        rest = re.sub(
            r"^\s*(?:(?:in)?to\s+)?(?:(?:a|an|the|my|our)\s+)?", "", rest, flags=re.IGNORECASE
        )
        if verb:
            # "step up as shift supervisor when my manager goes on leave": the role ends
            # where the clause about when begins.
            rest = _WHEN_CLAUSE.split(rest, maxsplit=1)[0]
        if self.not_titles and _word_pattern(self.not_titles).search(rest):
            return ""
        nouns = list(_word_pattern(self.titles).finditer(rest))
        if not nouns:
            return ""
        title = rest[: nouns[-1].end()]
        after = rest[nouns[-1].end() :]
        words = title.split()
        lead = words[: -len(nouns[-1].group(0).split())]
        # Up to four words before the role noun, none of them a verb ("run the team lead
        # sync" is no title), and nothing but a time or "post"/"role" after it.
        if len(lead) > 4 or any(w.lower() in ACTION_STARTS | _NOT_IN_TITLE for w in lead):
            return ""
        if not verb and not _TITLE_TAIL.fullmatch(after):
            return ""
        return title

    def object_of(self, aspiration: str) -> str:
        title = self.title_of(LEAD_IN.sub("", FILLER.sub("", aspiration.strip()), count=1))
        if title:
            # Lower-cased where only the sentence capitalised it: "senior data engineer",
            # but "IT manager" and "Grade 7 team leader" as written.
            second = (title.split()[1:2] or ["x"])[0]
            if title[:2].isupper() or second[:1].isdigit() or second[:1].isupper():
                return title
            return title[:1].lower() + title[1:]
        match = _word_pattern(self.object_verbs).search(aspiration)
        if match is None:
            return ""
        rest = re.split(r"[.;!?,]|\b(?:and|but|so|because)\b", aspiration[match.end() :])[0]
        rest = _OBJECT_END.sub("", rest).strip(" ,;:.")
        # "learn the sauce section properly": how well is no part of what it is on.
        rest = _HOW_WELL.sub("", rest).strip(" ,;:.")
        # "a restructuring consultation on my own": how it is done, which a family's
        # steps say in their own words ("Lead … on my own").
        rest = _ON_MY_OWN.sub("", rest).strip(" ,;:.")
        words = rest.split()
        if len(words) > OBJECT_WORDS:
            # Cut at the limit, before the phrase the limit would cut into: "running the
            # weekly watch briefing", never "… briefing at the fire" (of "fire station").
            words = words[:OBJECT_WORDS]
            inside = [i for i, w in enumerate(words) if i >= 2 and w.lower() in _PHRASE_OPENS]
            if inside:
                words = words[: inside[-1]]
        # Never an object that starts or ends mid-phrase ("to delegate to", "the board and").
        while words and words[-1].lower().strip(",;:") in _OBJECT_WEAK_END:
            words.pop()
        if words and words[0].lower() == "to":
            return ""
        if not words or not content_words(" ".join(words)):
            return ""
        return " ".join(words)

    def fits(self, action: str) -> bool:
        if self.titles is not None:
            return bool(self.title_of(action))
        return self.needs is None or _word_pattern(self.needs).search(action) is not None

    def starts(self, action: str) -> bool:
        if self.titles is not None:
            return bool(self.title_of(action))
        return self.acted(action)

    def acted(self, action: str) -> bool:
        """Whether `action` opens with one of the family's verbs: something the mentee
        will do ("become a shift supervisor"), not a title alone ("Store manager")."""
        return _word_pattern(self.verbs).match(action) is not None

    def named(self, action: str) -> bool:
        """Whether `action` is one of the family's names alone: it opens with no action
        ("CIPD Level 5", not "Pass CIPD Level 5" or "Teach the level 3 group"). Such a
        goal is of the family, but says nothing the mentee will do."""
        words = action.split()
        if self.names is None or not words or words[0].lower().strip(",.") in ACTION_STARTS:
            return False
        return _word_pattern(self.names).search(action) is not None

    def about(self, text: str) -> bool:
        return re.search(self.keywords, text, re.IGNORECASE) is not None


# What a goal is on, quoted in a suggestion, is at most this many words.
OBJECT_WORDS = 8
_PHRASE_OPENS = frozenset("at in on for with of to from by about into over under".split())


class GoalFamilies(_Strict):
    families: list[GoalFamily] = Field(min_length=1)
    generic: GoalFamily


class SmartWords(_Strict):
    """Phrases that make a SMART criterion missing or unclear (see the data file)."""

    unclear_actions: list[Pattern]
    empty_objects: list[Pattern]
    directions: list[Pattern]
    activities_without_end: list[Pattern]
    decided_by_others: list[Pattern]
    in_own_hands: list[Pattern]
    implausible: list[Pattern]
    stretched: list[Pattern]
    doubts: list[Pattern]
    worth_doubts: list[Pattern]
    alone: list[Pattern]
    private_life: list[Pattern]
    other_fields: list[Pattern]
    open_time: list[Pattern]
    event_anchors: list[Pattern]

    def pattern(self, name: str) -> re.Pattern[str]:
        return _any_of(tuple(getattr(self, name)))


@cache
def _word_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


@cache
def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b", re.IGNORECASE)


def load(model: type[BaseModel], path: Path) -> BaseModel:
    """The data file at `path`, validated as `model`; a clear error if it is not."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GoalWordsError(f"{path.name}: cannot be read: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()
        )
        raise GoalWordsError(f"{path.name}: {problems}") from exc


@cache
def goal_families() -> GoalFamilies:
    return load(GoalFamilies, DATA_DIR / "goal_families.yaml")  # type: ignore[return-value]


@cache
def smart_words() -> SmartWords:
    return load(SmartWords, DATA_DIR / "smart_words.yaml")  # type: ignore[return-value]


# What may follow a bare role title: a closing "post" or "role", a time ("this
# autumn", "within two years", ", ideally before I'm 35"), an "in"/"with"/"at"/"of"
# phrase ("team leader in housing", "store manager of a flagship").
_TITLE_TAIL = re.compile(
    r"\s*(?:(?:post|role|position|job)\b)?[\s,;]*(?:(?:ideally|hopefully|maybe|probably)\b"
    r"[\s,]*)?(?:(?:in|at|with|within|by|before|this|next|for|on|of)\b.*)?",
    re.IGNORECASE | re.DOTALL,
)

_WHEN_CLAUSE = re.compile(r"\s+(?:when|once|after|before|if|as soon as|until|while)\s+", re.I)

# Words no role title holds before its noun: "the job my manager does" names a role, but
# "job my manager" is none.
# "be ready to lead the team": "lead" there is what to do, and what comes before it no title.
_NOT_IN_TITLE = frozenset(
    "my our his her their your job role post position to ready able prepared".split()
)
_OBJECT_WEAK_END = frozenset(
    "a an the and or but so to of in on at by for from with into about as my our your i".split()
)
_ON_MY_OWN = re.compile(r"\s+(?:on my own|by myself|myself|alone|solo)\b.*$", re.IGNORECASE)
_HOW_WELL = re.compile(
    r"\s+(?:properly|well|better|fully|thoroughly|inside out|for real|again)$", re.IGNORECASE
)
_OBJECT_END = re.compile(
    r"(?:\s+|^)(?:so that|so i|so we|because|in order to|by|before|within|until|in \d|"
    r"in a|in an|at some|some day|someday|soon|eventually|this|next|and then|which|to help|"
    r"to become|as a|end to end)\b.*$",
    re.IGNORECASE,
)

LEAD_IN = re.compile(
    r"^(?:(?:i|we)(?:'d|\s+really|\s+would)?\s+"
    r"(?:want|would like|like|wish|hope|need|plan|aim|intend|am hoping|'m hoping|am going|'m going)"
    r"\s+to|(?:really\s+)?(?:want|wanna|would like|'d like|hoping|aiming|looking|planning)"
    r"\s+to|wanna\s+|(?:my|our|the)\s+(?:goal|aim|aspiration|ambition|plan)\s+is\s+to|i\s+will|"
    r"i'll|to)\s+",
    re.IGNORECASE,
)
# Words people open with that carry no part of the goal: "honestly", "so basically".
FILLER = re.compile(
    r"^(?:(?:honestly|basically|so|well|ok|okay|right|hmm|um|i think|i guess|i suppose|"
    r"to be honest|tbh|ideally|really|somehow|maybe|probably)\b[\s,.:;!-]*)+",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
# Words a goal can start with that keep their lower-case form in "I will …".
ACTION_STARTS = frozenset(
    """
    achieve apply become build change chair coach complete communicate connect create
    cut delegate deliver design draft earn find finish give have help hire host increase
    interview land launch lead learn make manage master meet mentor move organise organize
    own pass pitch plan practise practice prepare present publish raise read recruit
    redesign reduce run secure set ship show sit speak start study submit switch take
    teach transition translate understand write automate bring get be explore hit feel
    improve grow handle stop go work pick speak sort supervise observe shadow facilitate
    transfer relocate
    """.split()
)


_LOWER_I = re.compile(r"(?<![\w'’])i(?=[\s'’])")


# Chat words that end a clause and say nothing of the goal: "be less stressed lol",
# "worth it for my job tbh", "stop dreading mondays honestly". A draft never quotes them
# back. A "+" between two aims is an "and".
_CHAT_ENDING = re.compile(
    r"[\s,]+(?:lol|lmao|rofl|haha\w*|hehe|tbh|tbf|ngl|imo|idk|smh|xd|honestly)\b(?=\s*[.,!?;:]|\s*$)",
    re.IGNORECASE,
)


_PLUS = re.compile(r"\s+\+\s+")


def normalised(text: str) -> str:
    """A goal as one line of plain text: list markers become sentence breaks, and chat
    words at a clause's end ("lol", "tbh") go."""
    lines = [
        _PLUS.sub(" and ", _CHAT_ENDING.sub("", _BULLET.sub("", line))).strip()
        for line in plain_lines(text)
    ]
    joined = " ".join(strip_end(line) + "." for line in lines if strip_end(line)).strip()
    return _LOWER_I.sub("I", joined)


def plain_lines(text: str) -> list[str]:
    return [plain(line) for line in (text or "").splitlines() if line.strip()]


def sentences(text: str) -> list[str]:
    """Sentences as people type them: a full stop ends one whatever case follows."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if strip_end(s)]


def goal_statement(aspiration: str) -> str:
    """The aspiration's first sentence in the mentee's own words, as a goal statement:
    opening filler ("honestly,") dropped, "I want to lead…" said as "I will lead…" when
    what follows is an action, otherwise kept as written. Never put into a template."""
    text = normalised(aspiration)
    first = strip_end((sentences(text) or [""])[0])
    first = FILLER.sub("", first).strip(" ,")
    if not first:
        return ""
    wished = _WISHED_FOR.match(first)
    said = first[wished.end() :].split()[:1] if wished else []
    # Without "I want", only a thing named alone ("a new job", "promotion"): "get a pay
    # rise" or "win a role" is already an action.
    if (
        wished is not None
        and said
        and (wished.group("wish") or wished.group("article") or said[0].lower() in _THING_OPENS)
        # "Promotion to Grade 7 team leader" names the role: the steps into it are its own.
        and not (wished.group("wish") is None and _ROLE_NAMED.match(first[wished.end() :]))
    ):
        # "I want a promotion", "promotion": something to get, said as getting it.
        rest = _why_after(first[wished.end() :])
        if rest[1:2].islower():  # "Promotion to senior engineer", not "IT manager role"
            rest = rest[:1].lower() + rest[1:]
        return f"I will get {(wished.group('article') or 'a ').lower()}{rest}"
    action = LEAD_IN.sub("", first, count=1)
    word = action.split()[0].lower() if action.split() else ""
    if action != first and word in ACTION_STARTS:
        action = _why_after(action)
        return f"I will {action[:1].lower()}{action[1:]}"
    return first[:1].upper() + first[1:]


# A clause of its own after the aim, said as why: "a pay rise, I have been on the same rate
# since 2021", "lead the stand-up, I think I am ready". Only after an aim already opened by
# "I want", never at a sentence's start ("By March, I will …").
_CLAUSE_AFTER = re.compile(
    r"\s*[,;]\s*(?:i|i'm|i've|i'd|i am|i have|we|we're|it's|it is|because|as i|since i)\b.*$",
    re.IGNORECASE,
)


def _why_after(aim: str) -> str:
    """`aim` without a clause after it that says why ("…, I have been on the same rate")."""
    cut = _CLAUSE_AFTER.sub("", aim).strip()
    return cut if content_words(cut) else aim


_ROLE_NAMED = re.compile(r"(?:a\s+)?promotion\s+to\b", re.IGNORECASE)
_THING_OPENS = frozenset(
    "promotion raise pay job role position post secondment new senior better permanent "
    "bigger first proper full-time part-time transfer contract".split()
)
# A wish for a thing one gets rather than does: "I want a promotion", "I'd like a new role
# in data", "a pay rise by March", "a permanent contract", "a transfer to Leeds",
# "promotion". Only such things: "I want a mentor who listens" or "a calmer team" are not
# something to get by applying.
_WISHED_FOR = re.compile(
    r"^(?P<wish>(?:(?:i|we)(?:'d|\s+would)\s+(?:really\s+)?like|(?:(?:i|we)(?:\s+really)?\s+)?"
    r"(?:want|need|am after|'m after|hope for|am hoping for|'m hoping for|am aiming for|"
    r"'m aiming for)|(?:would|'d) like)\s+)?"
    r"(?P<article>(?:a|an)\s+)?"
    r"(?=(?:(?!(?:for|to|of|in|at|on|with|from|into|about|by|ready|able|my|our|his|her|"
    r"their|your|the|this|that|these|those)\b)[\w-]+\s+){0,3}?"
    r"(?:promotion|pay rise|raise|job|role|position|post|secondment|transfer|contract)"
    r"(?:\s*$|\s*[,;:(]|\s+(?:in|at|with|as|by|before|within|this|next|to|on|for|of|when|"
    r"once|and|or|where|that|which|soon|eventually|someday|one day)\b))"
    r"(?!(?:[\w-]+\s+){0,3}?(?:role model|job title)\b)",
    re.IGNORECASE,
)


def undecided(aspiration: str) -> GoalFamily | None:
    """The family of a mentee still deciding what to aim for, if the aspiration says so:
    its options are weighed, none chosen, so no option's steps are the goal's."""
    return next(
        (
            f
            for f in goal_families().families
            if f.undecided and _word_pattern(f.undecided).search(aspiration)
        ),
        None,
    )


def family_of(action: str, context: str = "") -> GoalFamily:
    """The family a goal belongs to: by its main verb first, else by its keywords."""
    known = goal_families()
    bare = LEAD_IN.sub("", FILLER.sub("", action.strip()), count=1)
    direct = next((k for k in known.families if k.starts(bare)), None) or next(
        (k for k in known.families if k.named(bare)), None
    )
    if direct is not None:
        return direct
    return next((k for k in known.families if k.about(f"{action} {context}")), known.generic)
