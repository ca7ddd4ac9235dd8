"""Text helpers the drafters share (words, sentences, names, dates), and a draft's
validated content as plain text for the people who review and receive it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from knowledge import tokens
from prompts.schemas import (
    DraftKind,
    Person,
)

# Words nearly every passage of a mentoring corpus contains: sharing them says nothing
# about whether a passage answers a question.
_DOMAIN_WORDS = frozenset(
    "mentor mentors mentee mentees mentoring program programs programme programmes".split()
)
STOP_WORDS = tokens.STOP_WORDS


def words_of(text: str) -> list[str]:
    """Lower-cased words, curly apostrophes straightened, possessives dropped."""
    return tokens.words(text)


def content_words(text: str, *, domain: bool = True) -> set[str]:
    """The terms that carry meaning, as the shared tokenizer stems them: no stop words,
    no one-letter words, and (unless `domain`) none of the words every mentoring passage
    shares."""
    return tokens.terms(text, ignore=frozenset() if domain else _DOMAIN_WORDS)


_EMPHASIS = re.compile(r"\*\*|__|\*|`")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_LIST_MARKER = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r":?-{2,}:?")
# A sentence ends at . ! or ? (closing quotes and brackets stay with it) before
# whitespace and something that can start a sentence.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"“‘'(\[A-Z0-9])")


def plain(text: str) -> str:
    """Markdown emphasis and links removed, whitespace collapsed."""
    text = _LINK.sub(r"\1", text)
    return " ".join(_EMPHASIS.sub("", text).split())


def _blocks(markdown: str) -> list[str]:
    """Paragraphs, list items, quotes and table cells of a markdown text, as plain text."""
    return [text for _, text in marked_blocks(markdown)]


def marked_blocks(markdown: str) -> list[tuple[str, str]]:
    """(kind, plain text) of each paragraph, list item, quote and table row of a
    markdown text, in order; kind is "paragraph", "item", "quote" or "row". A row reads
    as one line, its first cell then the others ("Rescheduling: Chat or email"); a
    table's header row (the one above its rule) is not content."""
    blocks: list[tuple[str, str]] = []
    paragraph: list[str] = []
    kind = "paragraph"
    header = False  # the last block is a table row that may be its table's header

    def flush() -> None:
        if paragraph:
            blocks.append((kind, plain(" ".join(paragraph))))
            paragraph.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            flush()
        elif line.startswith("|"):
            flush()
            cells = [c for c in (plain(c) for c in line.strip("|").split("|")) if c]
            if all(_TABLE_RULE.fullmatch(c) for c in cells):
                if header:
                    blocks.pop()
                header = False
            elif cells:
                header = not blocks or blocks[-1][0] != "row"
                rest = "; ".join(cells[1:])
                blocks.append(("row", f"{cells[0]}: {rest}" if rest else cells[0]))
        elif _LIST_MARKER.match(line) or line.startswith(">"):
            flush()
            kind = "quote" if line.startswith(">") else "item"
            paragraph.append(_LIST_MARKER.sub("", line.lstrip("> ").strip()))
        else:
            if not paragraph:
                kind = "paragraph"
            paragraph.append(line)
    flush()
    return [(kind, text) for kind, text in blocks if text]


def split_sentences(block: str) -> list[str]:
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


def sentences_of(text: str) -> list[str]:
    """The sentences of a (markdown) text, in order, as plain text."""
    return [s for block in _blocks(text) for s in split_sentences(block)]


def whole_sentences(text: str, *, rows: bool = True) -> list[str]:
    """Sentences that read on their own: a chunk may open mid-sentence (the overlap
    with the chunk before), and a fragment starting in lower case is skipped. Without
    `rows`, a table's rows are left out."""
    return [
        s
        for kind, block in marked_blocks(text)
        if rows or kind != "row"
        for s in split_sentences(block)
        if s[0].isupper() or s[0] in "\"“'‘(0123456789"
    ]


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, marked with '…'.
    Text that fits is returned as it is, line breaks and all."""
    if len(text.strip()) <= limit:
        return text.strip()
    text = " ".join(text.split())
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-—")
    return cut + "…"


def first_sentences(text: str, *, limit: int, words: int = 25) -> str:
    """The opening sentence of `text`, and the next one if the first is short."""
    sentences = whole_sentences(text) or sentences_of(text)
    if not sentences:
        return shorten(plain(text), limit)
    picked, rest = sentences[0], sentences[1:]
    while rest and (len(picked.split()) < words or picked.endswith(":")):
        picked, rest = f"{picked} {rest[0]}", rest[1:]
        if not picked.endswith(":"):
            break
    return shorten(picked, limit)


def strip_end(text: str) -> str:
    return text.strip().rstrip(".!?;:,").strip()


# Titles people write before their name: "Dr. Anke Vogel" is Anke.
_TITLES = frozenset(
    "dr dr. prof prof. professor mr mr. mrs mrs. ms ms. mx mx. miss sir dame herr frau "
    "sr sr. sra sra. mme mme. m. dott. ing. mag.".split()
)


def first_name(person: Person) -> str:
    parts = person.name.split()
    while len(parts) > 1 and parts[0].lower() in _TITLES:
        parts = parts[1:]
    return parts[0] if parts else person.role


def spoken_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


# A program named in a sentence ("from the … team") has at most this many words.
SHORT_NAME_WORDS = 5
_NAME_BREAK = re.compile(r"\s*(?::|\s[-–—]\s|\()")


_TITLED = re.compile(r"[A-Z][\w'&-]*(?:\s+(?:[A-Z0-9][\w'&-]*|of|and|for|the|in|&))*")


def short_program_name(name: str) -> str:
    """A program's name as a sentence can carry it: the part before a colon, dash or
    bracket ("Nursing Pathways" of "Nursing Pathways: mentoring for newly qualified
    nurses in their first year"), without a leading "The"; "" when even that is longer
    than `SHORT_NAME_WORDS` words."""
    parts = _NAME_BREAK.split(" ".join(name.split()), maxsplit=1)
    short = parts[0].strip(" ,;.")
    rest = parts[1].strip(" ,;.()") if len(parts) > 1 else ""
    if len(short.split()) == 1 and _TITLED.fullmatch(rest):
        # "Demo: Engineering Growth Mentoring": a one-word label, then the name itself
        # (in title case, not a description such as "mentoring for new nurses").
        short = rest
    short = re.sub(r"^the\s+", "", short, flags=re.IGNORECASE)
    return short if 0 < len(short.split()) <= SHORT_NAME_WORDS else ""


def program_in_prose(name: str) -> str:
    """A program's name inside a sentence: its short form, or "the program"."""
    return short_program_name(name) or "the program"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def day_count(n: int) -> str:
    return plural(n, "day")


def joined(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def quoted(text: str) -> str:
    """A member's words in double quotes, exactly as written (whitespace aside)."""
    return f'"{" ".join(text.split())}"'


def ended(text: str) -> str:
    """`text` with a full stop, unless it (or the quote it ends with) already has one."""
    return text if text.rstrip('"”)').endswith((".", "!", "?")) else f"{text}."


def upper_first(text: str) -> str:
    """`text` with its first letter in capitals, the rest as written ("Open my own place")."""
    return text[:1].upper() + text[1:]


def as_sentence(text: str) -> str:
    text = strip_end(text)
    return f"{upper_first(text)}." if text else ""


def _bullets(items: list[str], indent: str = "- ") -> list[str]:
    return [f"{indent}{item}" for item in items]


def render_text(kind: DraftKind, content: dict[str, Any]) -> str:
    lines: list[str] = []
    if kind == DraftKind.agenda:
        lines += ["Objectives:", *_bullets(content["objectives"]), "", "Plan:"]
        lines += [
            f"- {item['minutes']} min  {item['topic']}"
            + (f" — {item['notes']}" if item["notes"] else "")
            for item in content["items"]
        ]
        lines += ["", "Questions to ask:", *_bullets(content["questions"])]
        prep = content["preparation"]
        lines += ["", "Before the session, the mentor:", *_bullets(prep["mentor"] or ["nothing"])]
        lines += ["The mentee:", *_bullets(prep["mentee"] or ["nothing"])]
    elif kind == DraftKind.brief:
        if content.get("focus"):
            lines += ["What the mentee is working on:", content["focus"], ""]
        lines += ["Last time:", content["last_time"], ""]
        lines += ["Open action items:", *_bullets(content["open_actions"] or ["none"]), ""]
        lines += ["Goals:", *_bullets(content["goal_progress"] or ["none shared yet"])]
        if content["guidance"]:
            lines += ["", "From the knowledge base:"]
            lines += [f"- {g['snippet']} [{g['document_id']}]" for g in content["guidance"]]
    elif kind == DraftKind.smart_goal:
        lines += [content["goal"], ""]
        for part in ("specific", "measurable", "achievable", "relevant", "time_bound"):
            lines.append(f"{part.replace('_', '-').capitalize()}: {content[part]}")
        lines += [f"Target date: {content['target_date']}", "", "Milestones:"]
        lines += [f"- {m['text']} (by {m['due_date']})" for m in content["milestones"]]
    elif kind == DraftKind.smart_check:
        for verdict in content["verdicts"]:
            # Drafts stored before three values carry only `met`.
            mark = verdict.get("status") or ("met" if verdict.get("met") else "missing")
            mark = "cannot tell yet" if mark == "unclear" else mark
            lines.append(f"- {verdict['criterion'].replace('_', '-')}: {mark} — {verdict['why']}")
            if verdict.get("question"):
                lines.append(f"  Question: {verdict['question']}")
        lines += ["", f"Suggested rewrite: {content['suggested_rewrite']}"]
    elif kind == DraftKind.feedback_prompts:
        lines += ["For the mentee:", *_bullets(content["for_mentee"]), ""]
        lines += ["For the mentor:", *_bullets(content["for_mentor"])]
    elif kind == DraftKind.answer:
        lines.append(content["answer"])
        if content["claims"]:
            lines += ["", "Sources:"]
            lines += [f"- {c['text']} [{', '.join(c['citations'])}]" for c in content["claims"]]
    elif kind == DraftKind.nudge:
        lines += [f"Subject: {content['subject']}", "", content["message"], ""]
        lines.append(f"Suggested next step: {content['suggested_next_step']}")
    elif kind == DraftKind.success_story:
        lines += [content["title"], "", content["story"], "", "Takeaways:"]
        lines += _bullets(content["takeaways"])
    citations = content.get("citations") or []
    if citations:
        lines += ["", f"Guidance cited: {', '.join(citations)}"]
    return "\n".join(lines).strip() + "\n"


# Words a clause of someone's own writing opens with that carry none of its point
# ("honestly I'd like to …", "right now I …", "mostly I want to …").
_LEAD_WORDS = frozenset(
    """
    i i'd i'm i'll i've id im we we'd we'll we're honestly basically so well ok okay right
    now mostly also and but or then just really would like love want wanna wish hope
    hoping need think guess suppose to tbh ideally somehow maybe probably plus especially
    currently looking keen eventually someday will should
    """.split()
)
# Lead words that say the clause is something the writer wants, not how things are.
_WANTING = frozenset("like love want wanna wish hope hoping need looking keen".split())
# Lead words that say the writer means to do it: "I'll contribute …", "I should work on
# delegating": as much a wish as "I want to", though nothing is wanted as a thing.
_MEANING_TO = frozenset("i'll will should".split())
# Phrases after the lead words that still carry none of the point ("be the person who
# can own …" is about owning).
_EMPTY_LEAD = re.compile(
    r"^(?:be (?:the|a|someone|somebody) (?:(?:person|one|kind of person) )?(?:who|that) "
    r"(?:can |could |is able to )?|be able to |get better at |get to a point where i can )",
    re.IGNORECASE,
)
# Openings no goal needs even with its verb kept: "be able to run the stand-up" is about
# running it.
_ABLE_LEAD = re.compile(
    r"^(?:be able to |get to a point where i can |be in a position to |finally )",
    re.IGNORECASE,
)
# Clauses that describe how things are, not what the writer wants ("feel like I've been
# doing the same thing for three years").
_NOT_A_GOAL = re.compile(
    r"^(?:to\s+)?be\s+(?:honest|fair|frank|real)$|"
    r"^(?:(?:it\s+)?feels?\s+like|i\s+feel\s+like|i'?ve\s+been|ive\s+been|been\s+doing|"
    r"(?:get|feel|am|i'?m|im)\s+(?:really\s+|very\s+|so\s+|quite\s+|a\s+bit\s+)?"
    r"(?:nervous|anxious|stressed|upset|defensive|angry|overwhelmed|tired|stuck|lost|"
    r"frustrated|burnt\s+out|burned\s+out|scared|afraid))\b",
    re.IGNORECASE,
)
# Words that end a clause and carry nothing of it ("grow honestly", "more visible tbh").
_TRAILING_FILLER = frozenset(
    "honestly tbh lol idk really basically somehow maybe eventually".split()
)
# "My goal is to …": what follows is the point, and it is wanted.
_GOAL_LEAD = re.compile(
    r"^(?:(?:my|the|our|main|big)\s+)*(?:goal|aim|plan|hope|ambition|target)\s+(?:is|would be)"
    r"\s+(?:to\s+)?",
    re.IGNORECASE,
)
# Words a short quote must not end on: it would read as cut off ("own a whole service
# and", "take charge shifts by").
_WEAK_END = frozenset(
    """
    a an the and or but so to of in on at by for from with into about as than that which
    who my our your their his her its this these those some any more most very just not
    is are was be been being i we you he she they next also how what when like
    before after until i'd i'm i'll i've we'd we're
    """.split()
)
# Prepositions a clause may end on as it was written: "something I'm proud of".
STRANDED = frozenset("of about with for on at to from in into".split())
_CLAUSE_BREAK = frozenset("and but so because mostly although though while whereas".split())
# A clause too long to quote is cut before one of these (keeping what comes first), and
# before a subject that opens a clause of its own ("the software | we already pay for").
_CUT_BEFORE = frozenset(
    "by in within before until at for with from so because and but or which who that to "
    "instead without through thru when once unless whenever".split()
)
_SUBJECTS = frozenset("i we they you he she".split())
# Verbs a clause after "and" may open with: "… and prove to my boss", "… and pass ACCA".
# After "and", a word that opens no clause (not one of these, a lead word, a subject, a
# determiner: "… proud of and my behaviour management sorted" may be a second object)
# continues a pair of nouns ("our trust and foundation bids", "my IV and cannulation
# competencies"), which is never split.
CLAUSE_VERBS = frozenset(
    """
    achieve apply ask avoid balance be become book bring build chair change coach complete
    communicate connect convince cope create cut deal delegate deliver design develop do
    draft earn explain explore feel figure find finish fix focus get give go grow halve
    handle have hand help hire hold host improve increase influence interview join juggle
    keep know land launch lead learn leave listen look make manage master meet mentor move
    negotiate network open organise organize own pass persuade pick pitch plan practise
    practice prepare present prioritise prioritize prove publish raise read rebuild recruit
    redesign redo reduce report review run save say secure see set share ship show sit sort
    speak spend stand start stay step stop streamline study submit support switch take talk
    teach tell test track train transition translate try turn understand use win work write
    close hit reach sell sign double migrate automate lower boost supervise mentor observe
    shadow coordinate facilitate assess qualify certify
    """.split()
)
_OPENS_CLAUSE = (
    _LEAD_WORDS
    | _SUBJECTS
    | CLAUSE_VERBS
    | frozenset(
        "to then not never still will can could should must might it they actually actualy "
        "finally properly also just my our your his her their the a an this these those "
        "some more".split()
    )
)
# Verbs that need their preposition: "the software we already pay for" never loses "for".
PREPOSITION_VERBS = {
    "pay": "for",
    "apply": "for",
    "ask": "for",
    "wait": "for",
    "look": "for at after into",
    "care": "about",
    "talk": "about to with",
    "think": "about of",
    "worry": "about",
    "deal": "with",
    "cope": "with",
    "work": "with on",
    "rely": "on",
    "depend": "on",
    "focus": "on",
    "listen": "to",
    "speak": "to with",
    "report": "to",
    "reply": "to",
    "respond": "to",
    "belong": "to",
    "agree": "with to on",
    "struggle": "with",
    "sign": "up off",
    "account": "for",
    "prepare": "for",
    "search": "for",
    "come": "to",
    "turn": "to",
    "refer": "to",
    "go": "to",
    "goes": "to",
    "went": "to",
    # Said of someone trusted or allowed to do something: "be trusted | to draft witness
    # statements" is not "be trusted".
    "trusted": "to",
    "allowed": "to",
    "able": "to",
    "ready": "to",
    "expected": "to",
    "invited": "to",
    "empowered": "to",
    "encouraged": "to",
    "permitted": "to",
    "eligible": "to for",
    # "well enough | to talk with patients": how well is said by what it is enough for.
    "enough": "to for",
}
_IRREGULAR_PAST = {"pay": "paid", "think": "thought", "deal": "dealt", "speak": "spoke"}


def inflections(verb: str) -> tuple[str, str]:
    """A verb's third-person and past forms: "rely" → "relies", "relied"."""
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        third, past = verb[:-1] + "ies", verb[:-1] + "ied"
    else:
        third = verb + ("es" if verb.endswith(("s", "sh", "ch", "x")) else "s")
        past = verb + ("d" if verb.endswith("e") else "ed")
    return third, _IRREGULAR_PAST.get(verb, past)


# Inflected forms that are never nouns, so never end a goal ("… our team relies"):
# "talks", "reports" and "deals" may be what a goal counts.
_NEVER_NOUNS = "pay apply wait care worry cope rely depend listen belong agree struggle"
PREPOSITION_VERB_FORMS = {
    form: frozenset(PREPOSITION_VERBS[verb].split())
    for verb in _NEVER_NOUNS.split()
    for form in inflections(verb)
}
PREPOSITION_VERBS = {verb: frozenset(preps.split()) for verb, preps in PREPOSITION_VERBS.items()}


def joins_nouns(tokens: list[str], index: int) -> bool:
    """Whether the "and" (or "or", "&") at `index` joins two nouns ("our trust and
    foundation bids") rather than two clauses ("… and prove it saves fuel")."""
    if bare(tokens[index]) not in {"and", "or", "&"} or index == 0:
        return False
    if tokens[index - 1].endswith((",", ";", ":", ".", "!", "?", "…")):
        return False
    if index + 1 >= len(tokens):
        return False
    following = bare(tokens[index + 1])
    # "… and getting …" opens a clause; "moving and handling" is one thing.
    gerund = following.endswith("ing") and not bare(tokens[index - 1]).endswith("ing")
    return bool(following) and following not in _OPENS_CLAUSE and not gerund


def strands(tokens: list[str], index: int) -> bool:
    """Whether cutting before `tokens[index]` would leave a verb without the preposition
    it needs ("we already pay | for"): the word before is such a verb, or a verb right
    after its subject ("the software we use | for payroll" is whole; "we pay | for" not)."""
    if index == 0:
        return False
    before, word = bare(tokens[index - 1]), bare(tokens[index])
    needed = PREPOSITION_VERBS.get(before) or PREPOSITION_VERB_FORMS.get(before, frozenset())
    return word in needed


@dataclass(frozen=True)
class Phrase:
    """A short quote of someone's writing: its words, whether its clause said it is
    wanted ("I'd like to …"), and the span of words of the original it covers."""

    text: str
    wanted: bool
    start: int
    end: int
    # Whole: the clause fitted, or was cut before a preposition or conjunction; not
    # whole: cut at the word limit, maybe mid-phrase ("a customer asks a technical").
    whole: bool = True
    # A thing wanted, not an action: "I'd like help with business development" wants
    # help; said as "I will help with …" its meaning would be turned round.
    thing: bool = False


# A short quote is at most this many words: with the "and" that may join it to the next,
# a draft never repeats more than eight words of someone's text in a row.
QUOTE_WORDS = 7


# A goal's action may run this many words past the limit when it ends there, before a
# clause that says when or why ("… midwife post | when my contract is renewed").
OVERRUN = 3
_THEN = frozenset("when if once because so before after until unless while whenever".split())


def phrases_of(text: str, *, most: int = QUOTE_WORDS, verbs: bool = False) -> list[Phrase]:
    """The point of each clause of someone's own writing, in their words and order:
    opening filler ("honestly, I'd like to") dropped, at most `most` words, never ending
    on a word that leaves it hanging. `verbs`: keep an opening such as "get better at"
    (a goal needs its verb; a quote of what someone is about does not)."""
    tokens = (text or "").replace("’", "'").split()
    clauses: list[list[int]] = [[]]
    for index, token in enumerate(tokens):
        if bare(token) in _CLAUSE_BREAK and clauses[-1] and not joins_nouns(tokens, index):
            clauses.append([])
            continue
        clauses[-1].append(index)
        if token.endswith((",", ";", ":", ".", "!", "?", "…")):
            clauses.append([])
    found: list[Phrase] = []
    for clause in clauses:
        words = [tokens[i] for i in clause]
        start = 0
        while start < len(words) and bare(words[start]) in _LEAD_WORDS:
            start += 1
        wanted = any(bare(w) in _WANTING | _MEANING_TO for w in words[:start])
        thing = bool(start) and bare(words[start - 1]) in _WANTING - {"looking", "keen", "wanna"}
        goal_lead = _GOAL_LEAD.match(" ".join(bare(w) for w in words[start:]))
        if goal_lead:
            start += len(goal_lead.group(0).split())
            wanted = True
        rest = " ".join(bare(w) for w in words[start:])
        if _NOT_A_GOAL.match(rest):
            continue
        empty = (_ABLE_LEAD if verbs else _EMPTY_LEAD).match(rest)
        if empty:
            start += len(empty.group(0).split())
        kept = list(range(start, len(words)))
        whole = True
        limit = most
        if len(kept) > most:
            cuts = [
                k
                for k in kept[2 : most + 1]
                if (bare(words[k]) in _CUT_BEFORE or bare(words[k]) in _SUBJECTS)
                and not joins_nouns(words, k)
                and not strands(words, k)
                and not closes_from(words, kept, k)
            ]
            later = [k for k in kept[most + 1 : most + 1 + OVERRUN] if bare(words[k]) in _THEN]
            if verbs and not cuts and later:
                # "Be ready to apply for a band 7 midwife post | when my contract is
                # renewed": no place to stop within the limit, but the action ends a
                # few words after it; never "… for a band 7".
                cuts, limit = later[:1], most + OVERRUN
            whole = bool(cuts)
            # "I want the partners in other groups | to know who I am": what is wanted is
            # what they should do, so the people alone are no goal (a quote of what
            # someone is about may still name them).
            if verbs and thing and cuts and _wants_someone_to(words, cuts[-1]):
                continue
            kept = kept[: kept.index(cuts[-1])] if cuts else kept[:most]
        # Counted as the quality checks count words ("99.5%" is two).
        while kept and len(words_of(" ".join(words[k] for k in kept))) > limit:
            kept.pop()
            whole = False
        # A clause that ends on "of" as its writer ended it ("one unit I'm proud of") is
        # whole; only a cut may leave a word hanging.
        while len(kept) > 1 and bare(words[kept[-1]]) in _TRAILING_FILLER:
            kept.pop()
        ends_clause = kept and kept[-1] == len(words) - 1 and whole
        while kept and bare(words[kept[-1]]) in _WEAK_END:
            if ends_clause and bare(words[kept[-1]]) in STRANDED and len(kept) > 2:
                break
            # "the person everyone goes to": the verb keeps the preposition it needs.
            if whole and len(kept) > 2 and strands(words, kept[-1]):
                break
            kept.pop()
        if len(kept) < 2 or not content_words(" ".join(words[k] for k in kept)):
            continue
        phrase = " ".join(words[k] for k in kept).strip("\"'()[],;:.!?…")
        phrase = re.sub(r"(?<![\w'])i(?=[\s']|$)", "I", phrase)
        found.append(Phrase(phrase, wanted, clause[kept[0]], clause[kept[-1]], whole, thing))
    return found


def closes_from(words: list[str], kept: list[int], index: int) -> bool:
    """Whether `words[index]` is the "to" of "from … to …" ("move from writing code every
    day | to leading a team"): cut there, the quote says the opposite of the wish."""
    return bare(words[index]) == "to" and any(bare(words[k]) == "from" for k in kept if k < index)


def _wants_someone_to(words: list[str], index: int) -> bool:
    """Whether `words[index]` is the "to" of "want <someone> to <do>"."""
    return (
        bare(words[index]) == "to"
        and index + 1 < len(words)
        and bare(words[index + 1]) in CLAUSE_VERBS
    )


def apart(phrases: list[Phrase], limit: int) -> list[Phrase]:
    """Up to `limit` of `phrases`, at least two words of the original between one and
    the next: joined with "and" or "; ", they never repeat more than one phrase's words
    in a row."""
    kept: list[Phrase] = []
    for phrase in phrases:
        if kept and phrase.start <= kept[-1].end + 2:
            continue
        kept.append(phrase)
        if len(kept) == limit:
            break
    return kept


def key_phrases(text: str, *, most: int = QUOTE_WORDS, limit: int = 3) -> list[str]:
    """Short quotes of someone's own writing (`phrases_of`), none adjacent to the last;
    whole phrases only, unless none is."""
    return [p.text for p in apart(whole_first(phrases_of(text, most=most)), limit)]


def whole_first(phrases: list[Phrase]) -> list[Phrase]:
    """The phrases that are whole, or all of them if none is."""
    return [p for p in phrases if p.whole] or phrases


def hangs(token: str) -> bool:
    """Whether a quote ending on `token` would read as cut off ("… present to the")."""
    return bare(token) in _WEAK_END


def bare(token: str) -> str:
    """A token without the punctuation around it, lower case."""
    return token.strip("\"'()[],;:.!?…").lower()


# A mentee's own text up to this many words is quoted whole; longer, the point of each
# clause is quoted (`key_phrases`): the mentor reads what they said, not a wall of it.
WHOLE_QUOTE_WORDS = 8


def in_their_words(text: str, limit: int = 3, *, whole: int = WHOLE_QUOTE_WORDS) -> str:
    """What someone wrote, for a reader who needs its point: whole when `whole` words or
    fewer, else short quotes of its clauses in their order."""
    text = " ".join(text.split())
    if len(text.split()) <= whole:
        return quoted(strip_end(text))
    phrases = key_phrases(text, limit=limit)
    if not phrases:
        return quoted(shorten(text, 60))
    # "handle it gracefully": a point that names what it is about only as "it" is
    # quoted in its sentence, when that is short enough to read at a glance.
    if any(_POINTS_ELSEWHERE.search(p) for p in phrases) and len(text.split()) <= _SHORT_TEXT:
        return quoted(strip_end(text))
    return "; ".join(quoted(p) for p in phrases)


_POINTS_ELSEWHERE = re.compile(r"\b(?:it|them)\b", re.IGNORECASE)
# Words of a sentence or two that a reader takes in at a glance.
_SHORT_TEXT = 30
