"""Text helpers the drafters share (words, sentences, names, dates), and a draft's
validated content as plain text for the people who review and receive it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
    blocks: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(plain(" ".join(paragraph)))
            paragraph.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            flush()
        elif line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(_TABLE_RULE.fullmatch(c) for c in cells if c):
                blocks.extend(plain(c) for c in cells if c)
        elif _LIST_MARKER.match(line) or line.startswith(">"):
            flush()
            paragraph.append(_LIST_MARKER.sub("", line.lstrip("> ").strip()))
        else:
            paragraph.append(line)
    flush()
    return [b for b in blocks if b]


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


def whole_sentences(text: str) -> list[str]:
    """Sentences that read on their own: a chunk may open mid-sentence (the overlap
    with the chunk before), and a fragment starting in lower case is skipped."""
    return [s for s in sentences_of(text) if s[0].isupper() or s[0] in "\"“'‘(0123456789"]


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


def first_name(person: Person) -> str:
    parts = person.name.split()
    return parts[0] if parts else person.role


def spoken_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


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


def as_sentence(text: str) -> str:
    text = strip_end(text)
    return f"{text[:1].upper()}{text[1:]}." if text else ""


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
