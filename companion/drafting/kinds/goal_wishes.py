"""Which clauses of a rough aspiration are wishes a SMART goal draft can state.

A clause is stated as "I will …" only when the mentee said they want it or wrote it as
something to do, and it reads whole. How things are or were ("been on the line 6 yrs",
"churn was 14% last yr"), a feeling ("stop feeling like I'm drowning") and a clause
whose object is only "it" are not goals the drafter can stand behind: the draft asks
the mentee what they will do instead. A wish said with a hedge ("maybe …", "… at some
point") gives way to the mentee's main wish.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from companion.drafting.text import (
    PREPOSITION_VERB_FORMS,
    PREPOSITION_VERBS,
    QUOTE_WORDS,
    STRANDED,
    Phrase,
    bare,
    content_words,
    hangs,
    joins_nouns,
    words_of,
)

# Words before a clause that make it a statement about someone, not a wish:
# "I keep rushing the unit", "they take me forever".
_SUBJECTS = frozenset("i we they he she it you my our their his her its im i'm".split())
# Opening verbs that tell how things are or were ("been on the line", "thinking about").
_STATE_OPENINGS = frozenset(
    """
    been was were is are am had has did got thinking doing getting having feeling
    going keep keeps kept
    """.split()
)
_FEELING = re.compile(
    r"^(?:(?:stop|not|no longer|never)\s+)?(?:(?:be|being|get|getting|feel|feeling)\s+)?"
    r"(?:(?:less|more|so|very|really|a bit)\s+)?"
    r"(?:feel\w*|felt|anxious|nervous|guilty|stressed|overwhelmed|scared|afraid|worried|"
    r"drowning|stuck|lost|burnt out|burned out|like a failure|a failure|happ(?:y|ier)|"
    r"calm(?:er)?|confident)\b",
    re.IGNORECASE,
)
# A hedge says a wish is for later: "maybe learn pivot tables at some point".
_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|at some point|eventually|one day|some ?day|thinking about|"
    r"might|would be the dream|in the future|down the line|possibly)\b",
    re.IGNORECASE,
)
# Words at the start of a clause that only add emphasis.
_ADVERBS = frozenset("actually actualy really finally just also properly".split())
# Verbs that need an object: a goal never ends on one ("I will pay", "… and get").
_NEEDS_OBJECT = frozenset(
    """
    pay get make take give have do handle run lead own finish write present build
    deliver pass submit hold bring put become reach hit improve manage learn cut reduce
    raise set show start find
    """.split()
)
# "be the person" of "be the person who can own …", "become the person in the council"
# of "… that people come to about data protection", "become the recognised specialist"
# of "… on soil health": who they are is cut off.
_NO_ONE = re.compile(
    r"\b(?:be|become) (?:the|a|an|that) (?:go-to |recogni[sz]ed |known |main )?"
    r"(?:person|one|kind|type|someone|expert|specialist)"
    r"(?: (?:in|at|on) (?:the|our|my|this|a) [\w-]+)?$",
    re.I,
)
# "sort out", "figure out", "hand over": verbs whose particle still needs an object.
_PARTICLES = frozenset("out up over off down".split())
_PHRASAL = frozenset(
    "sort figure hand set take pick work carry find point sign fill give bring put turn".split()
)
_PRONOUN_OBJECT = re.compile(
    r"^\S+(?:\s+\S+)?\s+(?:it|them|this|that|him|her)(?:\s+(?:\w+ly|too|again|more))?$", re.I
)
# "trying to get better at incident command": a wish, said as an effort under way.
_TRYING = re.compile(r"^(?:trying|working|aiming|planning) (?:to|on) ", re.I)
# A figure cut from what it counts: "14% last", "3 &", "from 47".
_CUT_FIGURE = re.compile(r"\d[\d.,%x]*\s*(?:&|and|or|to|from|of|last|next|per|a|the)?$", re.I)


@dataclass(frozen=True)
class Wish:
    """A clause of the mentee's text as the draft may state it: its repaired words, and
    why it cannot be stated as their goal ("" when it can): "broken", "feeling",
    "state" (how things are), "noun" (no wish to do), "unclear" (only "it" as its
    object) or "weighing" (a step still weighed up)."""

    phrase: Phrase
    problem: str = ""
    hedged: bool = False
    # A sentence of its own ("Lean six sigma green belt."): a thing named, if no goal.
    sentence: bool = False

    @property
    def text(self) -> str:
        return self.phrase.text


def mended(text: str, *, whole: bool = True) -> str:
    """A clause with its ending made whole, or "" when nothing whole is left: cut
    before an unclosed bracket ("write-up (chapters 3 &"), and never ending on a word
    that leaves it hanging ("the", "&", "our") or on a figure cut from what it counts."""
    if text.count("(") > text.count(")"):
        text = text[: text.rindex("(")]
    if text.count("[") > text.count("]"):
        text = text[: text.rindex("[")]
    words = [w for w in text.replace(")", ") ").split() if w]
    while words and words[0].lower() in _ADVERBS and len(words) > 2:
        words.pop(0)
    # "deputy director in three" of "in three to four years": the time is cut, not kept.
    if len(words) > 3 and _cut_count(words):
        words = words[:-2]
    while words and (hangs(words[-1]) or words[-1].lower() in _OPENERS):
        if whole and words[-1].lower() in STRANDED and len(words) > 2:
            break
        words.pop()
    joined = " ".join(words).strip(" ,;:-")
    if len(words) >= 2 and _CUT_FIGURE.search(joined) and not re.search(r"\d\W*$", text):
        return ""
    return joined if len(words) >= 2 and content_words(joined) else ""


# Words that open a clause the quote does not hold: "a role where", "… &".
_OPENERS = frozenset("& - + / where who which whose whom when while because if than rather".split())
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve few couple".split()
)
_COUNT_PREPOSITIONS = frozenset("in within from to of by over for than under".split())


def _cut_count(words: list[str]) -> bool:
    """Whether the words end on a count after a preposition ("in three"), not a year."""
    last = words[-1].lower().strip(",;:.")
    number = last in _NUMBER_WORDS or (last.isdigit() and len(last) < 4)
    return number and words[-2].lower() in _COUNT_PREPOSITIONS


# "… a business partnering role where", "… how younger customers": a clause cut off.
_OPEN_CLAUSE = re.compile(
    r"\b(?:where|who|which|whose|whom|when|while|because|if|than|like)$|"
    # "… what the": cut off; "… what I learned", "how we work": a whole clause.
    r"\b(?:how|what|why|whether)(?!\s+to\b)(?!\s+(?:i|we|you|they|he|she|it)\s+\w+$)"
    r"(?:\s+\S+){0,2}$",
    re.I,
)


def is_feeling(text: str) -> bool:
    """Whether a clause is a feeling ("stop feeling like I'm drowning", "be less anxious
    in meetings"): wanted, but not something a person can promise to do."""
    return bool(_FEELING.match(text.strip()))


# Verbs whose object can be a doing ("keep doing", "own fixing"): with nothing after
# the doing, the goal has lost what is done.
_TAKES_DOING = frozenset(
    "own start stop keep finish avoid try begin consider practise practice continue quit".split()
)
# Verbs that make a turn of phrase with "it" ("make it to the final", "give it a go").
_IDIOM_VERBS = frozenset("make give take".split())


def ends_broken(statement: str) -> bool:
    """Whether a stated goal reads as cut off: an unclosed bracket, or a last word that
    needs more ("our", "&", "the", "pay")."""
    words = statement.rstrip(". ").split()
    if not words:
        return True
    last = words[-1].lower().strip(",;:")
    opened = statement.count("(") > statement.count(")")
    hanging = hangs(last) and last not in STRANDED
    if _NO_ONE.search(statement.rstrip(". ")) or _OPEN_CLAUSE.search(statement.rstrip(". ")):
        return True
    if len(words) > 2 and _cut_count(words):
        return True
    if last in _PARTICLES and len(words) > 1 and words[-2].lower() in _PHRASAL:
        return True
    # "… the software we already pay": a verb after its subject without the preposition
    # it needs ("pay for").
    tail = [w.lower().strip(",;:") for w in words[-4:]]
    if last in PREPOSITION_VERB_FORMS and len(words) > 2:
        return True
    if last in PREPOSITION_VERBS and len(tail) > 1:
        skipped = _ADVERBS | _SOFTENERS | {"already", "always", "still", "now", "never"}
        before = [w for w in tail[:-1] if w not in skipped]
        if before and before[-1] in _SUBJECTS:
            return True
    # "own fixing", "keep doing": a verb whose object, a doing, has lost what is done.
    if last.endswith("ing") and len(words) > 1 and words[-2].lower() in _TAKES_DOING:
        return True
    # "get it down", "sort them out": the goal points at something said elsewhere, so it
    # does not stand on its own ("make it", "give it a go" are turns of phrase).
    own = [w.lower().strip(",;:") for w in statement.removeprefix("I will ").split()]
    if len(own) > 1 and own[1] in {"it", "them", "this"} and own[0] not in _IDIOM_VERBS:
        return True
    # "I will pay", "… and get": the verb with nothing after it ("SRE lead" is a role).
    # "the number of pages I get" is whole: "I get" closes a noun's relative clause.
    relative = (
        len(words) > 2
        and words[-2].lower() == "i"
        and words[-3].lower() not in {"and", "or", "but", "so", "then", "will", "can", "i"}
    )
    bare_verb = (
        last in _NEEDS_OBJECT
        and not relative
        and (len(words) == 1 or words[-2].lower() in {"will", "to", "and", "or", "i", "can"})
    )
    return opened or hanging or bare_verb or last in {"&", "-", "+", "/"}


def wishes(phrases: list[Phrase], text: str, *, acts: Callable[[str], bool]) -> list[Wish]:
    """Each phrase of `text` (`phrases_of(text, verbs=True)`) judged as a wish: mended,
    with the reason it cannot be the goal, if any, and whether it was hedged. `acts`:
    whether a clause opens with something a person does ("pass …", "redo …")."""
    tokens = text.replace("’", "'").split()
    found: list[Wish] = []
    for phrase in phrases:
        weighed = _weighed(phrase, tokens)
        if weighed:
            found.append(Wish(weighed, "weighing", hedged=True))
            continue
        phrase = _extended(phrase, tokens)
        trying = _TRYING.match(phrase.text)
        if trying:
            skipped = len(trying.group(0).split())
            phrase = replace(
                phrase, text=phrase.text[trying.end() :], start=phrase.start + skipped, wanted=True
            )
        words = mended(phrase.text, whole=phrase.whole)
        back = phrase.start - 1
        while back >= 0 and bare(tokens[back]) in _SOFTENERS:
            back -= 1
        raw = tokens[back].lower() if back >= 0 else ""
        before = raw.strip("\"'()[],;:.!?…")
        sentence = _sentence_before(tokens, phrase.start)
        hedged = bool(_HEDGE.search(" ".join(_clause_around(tokens, phrase))))
        # "I like the content side" is how things are; "I'd like …" is a wish.
        liked = before == "like" and back > 0 and bare(tokens[back - 1]) in {"i", "we"}
        # "i take on everything … and then work till 9pm": the same "I", how things are.
        shared = bool(sentence) and sentence[0] in _SUBJECTS and not _WANTING & set(sentence)
        # "…, i just kind of chat and go with my gut": the comma's clause says it too.
        part = _part_before(tokens, phrase.start)
        shared = shared or (bool(part) and part[0] in _SUBJECTS and not _WANTING & set(part))
        doing = bool(words) and (acts(words) or words.split()[0].lower() in _MORE_VERBS)
        # "I want to handle callers better and [want to] learn …": a wish goes on across
        # "and" when the next clause opens with something to do.
        wanted = phrase.wanted or (
            doing and before in {"and", "or", "then"} and bool(_WANTING & set(sentence))
        )
        first = words.split()[0].lower() if words else ""
        if not words:
            problem = "broken"
        elif is_feeling(words) or is_feeling(phrase.text):
            problem = "feeling"
        elif first in _STATE_OPENINGS or (not wanted and before in _SUBJECTS) or liked:
            problem = "state"
        elif first in _SUBJECTS or not (wanted or (doing and _imperative(raw, shared))):
            problem = "noun"
        elif _PRONOUN_OBJECT.match(words):
            problem = "unclear"
        else:
            problem = ""
        alone = (phrase.start == 0 or tokens[phrase.start - 1].endswith((".", "!", "?"))) and (
            tokens[phrase.end].endswith((".", "!", "?")) or phrase.end == len(tokens) - 1
        )
        # Named, not said about oneself: "Not sure I'm ready" is no thing to offer.
        alone = alone and not {bare(w) for w in words.split()} & (_SUBJECTS | {"not", "no"})
        found.append(
            Wish(replace(phrase, text=words or phrase.text, wanted=wanted), problem, hedged, alone)
        )
    return found


# "Thinking about going for the deputy head post": a step weighed up, not yet a goal.
_WEIGHING = re.compile(r"^(?:thinking (?:about|of)|considering|wondering about)\s+", re.I)
_BASE_FORMS = {
    "going": "go",
    "doing": "do",
    "taking": "take",
    "making": "make",
    "having": "have",
    "getting": "get",
    "moving": "move",
    "applying": "apply",
    "becoming": "become",
    "writing": "write",
    "leading": "lead",
    "starting": "start",
    "running": "run",
    "setting": "set",
    "sitting": "sit",
    "leaving": "leave",
    "changing": "change",
    "training": "train",
    "studying": "study",
    "switching": "switch",
    "joining": "join",
}


def _weighed(phrase: Phrase, tokens: list[str]) -> Phrase | None:
    """What a mentee is weighing up ("thinking about doing the SQE"), as the step they
    could take ("do the SQE"), or None when the phrase weighs nothing up."""
    lead = _WEIGHING.match(phrase.text)
    if lead is None:
        return None
    start = phrase.start + len(lead.group(0).split())
    if start >= len(tokens):
        return None
    base = _BASE_FORMS.get(bare(tokens[start]))
    if base is None:
        return None
    end = start
    while end + 1 < len(tokens) and end + 1 - start < QUOTE_WORDS:
        if tokens[end].endswith((",", ";", ":", ".", "!", "?")):
            break
        if bare(tokens[end + 1]) in _STOPS | _HEDGE_WORDS:
            break
        end += 1
    words = mended(" ".join([base, *tokens[start + 1 : end + 1]]))
    if not words:
        return None
    return replace(phrase, text=words, start=start, end=end, wanted=True)


def _imperative(before: str, shared: bool) -> bool:
    """Whether a clause stands as an instruction to oneself: it opens a sentence or
    follows a list's comma or "and" ("Network more, …, and present our audit"), unless
    the sentence it continues is about how things are (`shared`)."""
    if before in {"and", "then", "or"} or before.endswith(","):
        return not shared
    return before in {"", "to"} or before.endswith((".", ";", ":", "!", "?"))


# Words between a clause and what comes before it that do not change what it is.
_SOFTENERS = frozenset("maybe perhaps also just really probably honestly actually actualy".split())
_STOPS = frozenset(
    "when if because while once unless and but so although though that which who".split()
)
_HEDGE_WORDS = frozenset("eventually maybe perhaps someday".split())


def _extended(phrase: Phrase, tokens: list[str]) -> Phrase:
    """A phrase cut before a preposition ("step up" of "step up to team leader when …")
    made whole to the end of its clause, when that is a short quote."""
    end = phrase.end
    if tokens[end].endswith((",", ";", ":", ".", "!", "?", "…")):
        return phrase
    # A goal stated alone may repeat one word more than a quote joined to another
    # ("get through Financial Reporting and Audit and Assurance" is kept whole).
    while end + 1 < len(tokens) and end + 1 - phrase.start < QUOTE_WORDS + 1:
        token = tokens[end + 1]
        if (bare(token) in _STOPS and not joins_nouns(tokens, end + 1)) or bare(token) == "":
            break
        end += 1
        if token.endswith((",", ";", ":", ".", "!", "?", "…")):
            break
    closed = (
        end + 1 >= len(tokens)
        or tokens[end].endswith((",", ";", ":", ".", "!", "?", "…"))
        or (bare(tokens[end + 1]) in _STOPS and not joins_nouns(tokens, end + 1))
        or bare(tokens[end + 1]) == ""
    )
    if not closed:
        return phrase
    if end == phrase.end:
        return phrase
    text = " ".join(tokens[phrase.start : end + 1]).strip("\"'()[],;:.!?…")
    # Counted as the quality checks count words ("99.5%" is two).
    if len(words_of(text)) > QUOTE_WORDS + 1:
        return phrase
    return replace(phrase, text=text, end=end, whole=True)


_WANTING = frozenset("want wanna like love need hoping hope".split())
# Verbs a wish may open with beyond the goal families' action words.
_MORE_VERBS = frozenset(
    "contribute redo step say stay finish hand train rebuild review halve double look "
    "explore retrain".split()
)


def _clause_around(tokens: list[str], phrase: Phrase) -> list[str]:
    """The words of a phrase's own clause: back to the last comma or "and", on to the
    next punctuation."""
    start = phrase.start
    while start > 0 and not tokens[start - 1].endswith((",", ";", ".", "!", "?")):
        if bare(tokens[start - 1]) in _STOPS:
            break
        start -= 1
    end = phrase.end
    while end + 1 < len(tokens) and not tokens[end].endswith((",", ";", ".", "!", "?")):
        if bare(tokens[end + 1]) in _STOPS:
            break
        end += 1
    return [bare(t) for t in tokens[start : end + 1]]


def _part_before(tokens: list[str], start: int) -> list[str]:
    """The tokens before `start` back to the last comma, semicolon or sentence end."""
    kept: list[str] = []
    for token in reversed(tokens[:start]):
        if token.endswith((",", ";", ":", ".", "!", "?")):
            break
        kept.append(token)
    return [bare(t) for t in reversed(kept)]


def _sentence_before(tokens: list[str], start: int) -> list[str]:
    """The tokens of the sentence before `start`."""
    kept: list[str] = []
    for token in reversed(tokens[:start]):
        if token.endswith((".", "!", "?")):
            break
        kept.append(token)
    return [bare(t) for t in reversed(kept)]
