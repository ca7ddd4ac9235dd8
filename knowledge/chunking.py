"""Split a document into passages that follow its headings, sized for embedding."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from knowledge.documents import Chunk, SourceDocument

HEADING_SEPARATOR = " > "

_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)$")
_ATX_CLOSING = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")

# A piece boundary inside a long paragraph: the whitespace after a sentence end (closing
# quotes and brackets stay with their sentence), or the line break before a list item or
# table row, so that long lists and tables are cut between items rather than mid-item.
_PIECE_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*(\s+)|(\n)(?=[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]|\|))")
_LINE_BREAK = re.compile(r"(\n)")


def iter_headings(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (line index, level, heading text) for each ATX heading outside code fences."""
    for index, (line, in_code) in enumerate(_lines_with_code_flags(text.split("\n"))):
        if in_code:
            continue
        heading = _heading(line)
        if heading is not None:
            yield index, heading[0], heading[1]


def chunk_document(
    doc: SourceDocument, *, max_words: int = 200, overlap_words: int = 30
) -> list[Chunk]:
    """Cut `doc.text` into chunks that never cross a heading, each at most
    `max_words` words plus an overlap of at most `overlap_words` from the chunk before."""
    if max_words < 1:
        raise ValueError("max_words must be at least 1")
    if not 0 <= overlap_words < max_words:
        raise ValueError("overlap_words must be at least 0 and less than max_words")

    chunks: list[Chunk] = []
    for heading, lines in _sections(doc.text, doc.title):
        units = [
            unit
            for paragraph, is_code in _paragraphs(lines)
            for unit in _units(paragraph, is_code=is_code, max_words=max_words)
        ]
        previous_body = ""
        for group in _pack(units, max_words):
            body = _join(group)
            text = body
            overlap = _tail(previous_body, min(overlap_words, _count_words(previous_body) // 2))
            if overlap:
                text = overlap + group[0].joiner + body
            chunks.append(_make_chunk(doc.doc_id, len(chunks), heading, text))
            previous_body = body
    return chunks


@dataclass(frozen=True)
class _Unit:
    """The smallest piece the packer moves: a paragraph, a sentence, or a run of words."""

    text: str
    words: int
    # How this unit attaches to the one before it in the same chunk: "\n\n" starts a
    # paragraph; " " or "\n" continues the paragraph it was cut from.
    joiner: str


def _heading(line: str) -> tuple[int, str] | None:
    match = _ATX_HEADING.match(line)
    if match is None:
        return None
    text = _ATX_CLOSING.sub("", match.group(2).strip()).strip()
    if not text:
        # A bare '#' run names nothing; keeping it as text loses less than a nameless section.
        return None
    return len(match.group(1)), text


def _lines_with_code_flags(lines: list[str]) -> Iterator[tuple[str, bool]]:
    """Pair each line with whether it belongs to a fenced code block (fences included)."""
    fence = ""
    for line in lines:
        match = _FENCE.match(line)
        if not fence:
            if match is not None and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                fence = match.group(1)
                yield line, True
                continue
            yield line, False
        else:
            if (
                match is not None
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
                and not match.group(2).strip()
            ):
                fence = ""
            yield line, True


def _same_title(heading: str, title: str) -> bool:
    return " ".join(heading.split()).casefold() == " ".join(title.split()).casefold()


def _sections(text: str, title: str) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Group lines under the heading path that covers them, in document order."""
    lines = list(_lines_with_code_flags(text.replace("\r\n", "\n").split("\n")))
    first_text_line = next((i for i, (line, _) in enumerate(lines) if line.strip()), None)

    sections: list[tuple[str, list[tuple[str, bool]]]] = []
    stack: list[tuple[int, str]] = []
    current: list[tuple[str, bool]] = []
    path = _path(title, stack)
    for index, (line, in_code) in enumerate(lines):
        heading = None if in_code else _heading(line)
        if heading is None:
            current.append((line, in_code))
            continue
        level, name = heading
        if index == first_text_line and level == 1 and _same_title(name, title):
            # The document repeats its own title as its first heading; the path already has it.
            continue
        sections.append((path, current))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, name))
        path = _path(title, stack)
        current = []
    sections.append((path, current))
    return sections


def _path(title: str, stack: list[tuple[int, str]]) -> str:
    return HEADING_SEPARATOR.join(part for part in [title.strip(), *(n for _, n in stack)] if part)


def _paragraphs(lines: list[tuple[str, bool]]) -> Iterator[tuple[str, bool]]:
    """Yield (paragraph, is code) for runs of lines separated by blank lines outside code."""
    run: list[str] = []
    run_is_code = False
    for line, in_code in lines:
        if not in_code and not line.strip():
            if run:
                yield "\n".join(run), run_is_code
            run, run_is_code = [], False
            continue
        run.append(line.rstrip())
        run_is_code = run_is_code or in_code
    if run:
        yield "\n".join(run), run_is_code


def _units(paragraph: str, *, is_code: bool, max_words: int) -> Iterator[_Unit]:
    """A paragraph as one unit if it fits, else cut at sentences (lines, for code), then words."""
    paragraph = paragraph.strip("\n")
    words = _count_words(paragraph)
    if words == 0:
        return
    if words <= max_words:
        yield _Unit(paragraph, words, "\n\n")
        return
    joiner = "\n\n"
    for piece, separator in _pieces(paragraph, _LINE_BREAK if is_code else _PIECE_BOUNDARY):
        piece_words = piece.split()
        if not piece_words:
            continue
        if len(piece_words) <= max_words:
            yield _Unit(piece, len(piece_words), joiner)
        else:
            for start in range(0, len(piece_words), max_words):
                run = piece_words[start : start + max_words]
                yield _Unit(" ".join(run), len(run), joiner if start == 0 else " ")
        joiner = "\n" if "\n" in separator else " "


def _pieces(text: str, boundary: re.Pattern[str]) -> Iterator[tuple[str, str]]:
    """Yield (piece, the whitespace that followed it) for the pieces between boundaries."""
    start = 0
    for match in boundary.finditer(text):
        group = 1 if match.group(1) is not None else 2
        end = match.start(group)
        yield text[start:end].strip(), match.group(group)
        start = match.end(group)
    yield text[start:].strip(), ""


def _pack(units: list[_Unit], max_words: int) -> Iterator[list[_Unit]]:
    group: list[_Unit] = []
    words = 0
    for unit in units:
        if group and words + unit.words > max_words:
            yield group
            group, words = [], 0
        group.append(unit)
        words += unit.words
    if group:
        yield group


def _join(units: list[_Unit]) -> str:
    return units[0].text + "".join(unit.joiner + unit.text for unit in units[1:])


def _tail(text: str, limit: int) -> str:
    """The last whole sentences of `text` within `limit` words, else its last `limit` words."""
    if limit <= 0 or not text:
        return ""
    starts = [0] + [match.end(match.lastindex or 0) for match in _PIECE_BOUNDARY.finditer(text)]
    tail = ""
    for start in reversed(starts):
        candidate = text[start:].strip()
        if _count_words(candidate) > limit:
            break
        tail = candidate
    return tail or " ".join(text.split()[-limit:])


def _count_words(text: str) -> int:
    return len(text.split())


def _make_chunk(doc_id: str, position: int, heading: str, text: str) -> Chunk:
    identity = f"{doc_id}\x1f{position}\x1f{heading}\x1f{text}"
    return Chunk(
        chunk_id=hashlib.sha256(identity.encode("utf-8")).hexdigest(),
        doc_id=doc_id,
        position=position,
        heading=heading,
        text=text,
    )
