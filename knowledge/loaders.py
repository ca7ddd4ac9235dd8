"""Turn files and uploads (Markdown, plain text, HTML, PDF) into SourceDocuments."""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import frontmatter
import yaml
from pypdf import PasswordType, PdfReader
from selectolax.lexbor import LexborHTMLParser, LexborNode

from knowledge.chunking import iter_headings
from knowledge.documents import AUDIENCES, KINDS, PROGRAM_TYPES, STAGES, LoadError, SourceDocument

# Insertion order is the order the error message lists them in.
_FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".pdf": "pdf",
    ".txt": "text",
}
SUPPORTED_SUFFIXES = frozenset(_FORMATS)

_MAX_TEXT_TITLE = 120

_FRONT_MATTER = frontmatter.YAMLHandler()
# Front matter keys whose values must come from a fixed vocabulary.
_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "audience": AUDIENCES,
    "program_types": PROGRAM_TYPES,
    "stage": STAGES,
}
_LIST_KEYS = ("audience", "topics", "program_types", "stage", "sources", "tags", "questions")
# Citations and questions contain commas, so only the other list keys accept "a, b" as a list.
_COMMA_LISTS = frozenset(_LIST_KEYS) - {"sources", "questions"}
# Each question becomes a search key with a vector of its own; keep them few and short.
MAX_QUESTIONS = 30
MAX_QUESTION_CHARS = 300

_HTML_DROPPED = [
    "script", "style", "noscript", "template", "iframe",
    "nav", "header", "footer", "aside", "form", "svg",
]  # fmt: skip
_HTML_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_HTML_TEXT_BLOCKS = frozenset(
    {"p", "blockquote", "td", "th", "dt", "dd", "caption", "figcaption", "address"}
)
# Elements that flow inside a line of text; every other element breaks the line.
_HTML_INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em",
        "font", "i", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span",
        "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)  # fmt: skip


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand folders into the files to load, and list what cannot be loaded and why."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            candidates = sorted(_walk_visible(path))
        elif path.is_file():
            candidates = [path]
        else:
            problems.append((str(path), "no such file or folder"))
            continue
        for candidate in candidates:
            if candidate.suffix.lower() not in SUPPORTED_SUFFIXES:
                problems.append((str(candidate), _unsupported(candidate.suffix)))
            elif candidate not in seen:
                seen.add(candidate)
                files.append(candidate)
    return files, problems


def load_path(path: Path, *, kind: str | None = None, tags: Sequence[str] = ()) -> SourceDocument:
    """Load one file; `source` is the path as given."""
    fmt = _format_of(path.name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read the file: {exc.strerror or exc}") from exc
    return _load(data, source=str(path), stem=path.stem, fmt=fmt, kind=kind, tags=tags)


def load_bytes(
    data: bytes, *, name: str, kind: str | None = None, tags: Sequence[str] = ()
) -> SourceDocument:
    """Load an upload; its type comes from the suffix of `name`, which is also its `source`."""
    fmt = _format_of(name)
    # Browsers on Windows may send the client-side path; only its last part names the file.
    stem = PurePosixPath(name.replace("\\", "/")).stem
    return _load(data, source=name, stem=stem, fmt=fmt, kind=kind, tags=tags)


def _walk_visible(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not name.startswith("."):
                yield Path(root) / name


def _unsupported(suffix: str) -> str:
    shown = f"'{suffix}'" if suffix else "(no suffix)"
    return f"unsupported file type {shown}; supported: {', '.join(_FORMATS)}"


def _format_of(name: str) -> str:
    suffix = PurePosixPath(name.replace("\\", "/")).suffix
    fmt = _FORMATS.get(suffix.lower())
    if fmt is None:
        raise LoadError(_unsupported(suffix))
    return fmt


def _load(
    data: bytes, *, source: str, stem: str, fmt: str, kind: str | None, tags: Sequence[str]
) -> SourceDocument:
    if not data.strip():
        raise LoadError("the file is empty")
    text, title, front_matter = _parse(data, fmt)
    if not text.strip():
        where = " after its front matter" if front_matter is not None else ""
        raise LoadError(f"the document has no text{where}")
    metadata = front_matter or {}
    content_hash = hashlib.sha256(data).hexdigest()
    fields = {key: _list_field(metadata, key) for key in _LIST_KEYS}
    all_tags = _unique([*fields.pop("tags"), *(_normalise_tag(tag) for tag in _as_list(tags))])
    return SourceDocument(
        doc_id=_text_field(metadata, "id") or _slug(stem) or f"doc-{content_hash[:12]}",
        title=title or _prettify(stem),
        source=source,
        kind=_kind(kind, front_matter, tags=all_tags),
        text=text.strip(),
        content_hash=content_hash,
        summary=_text_field(metadata, "summary"),
        tags=all_tags,
        **fields,
    )


def _parse(data: bytes, fmt: str) -> tuple[str, str, dict[str, Any] | None]:
    """(text, title or "", front matter or None) of a file's bytes."""
    if fmt == "pdf":
        return (*_read_pdf(data), None)
    content = _decode(data)
    if fmt == "html":
        return (*_read_html(content), None)
    if fmt == "text":
        return (*_read_text(content), None)
    front_matter, body = _split_front_matter(content)
    title = _text_field(front_matter or {}, "title") or _first_title_heading(body)
    return body, title, front_matter


def _decode(data: bytes) -> str:
    # utf-8-sig reads plain UTF-8 too, and drops the byte-order mark some editors write.
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_front_matter(content: str) -> tuple[dict[str, Any] | None, str]:
    """(front matter, or None when there is none; body) of a Markdown text."""
    if not _FRONT_MATTER.detect(content):
        return None, content
    try:
        raw, body = _FRONT_MATTER.split(content)
    except ValueError as exc:
        raise LoadError("invalid front matter: the opening '---' has no closing '---'") from exc
    try:
        metadata = _FRONT_MATTER.load(raw)
    except yaml.YAMLError as exc:
        raise LoadError(f"invalid front matter: not valid YAML ({_yaml_problem(exc)})") from exc
    if metadata is None:
        return {}, body
    if not isinstance(metadata, dict):
        raise LoadError("invalid front matter: expected 'key: value' lines")
    return {str(key): value for key, value in metadata.items()}, body


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    # The front matter text starts with the end of the opening '---' line, so the mark's
    # 0-based line within it is the 1-based line within the file.
    return f"{problem} on line {mark.line + 1}" if mark is not None else problem


def _text_field(metadata: Mapping[str, Any], key: str) -> str:
    value = metadata.get(key)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        raise LoadError(f"invalid front matter: {key} must be a single value")
    return " ".join(str(value).split())


def _list_field(metadata: Mapping[str, Any], key: str) -> tuple[str, ...]:
    values: list[str] = []
    for item in _as_list(metadata.get(key)):
        if isinstance(item, list | dict):
            raise LoadError(f"invalid front matter: {key} must be a list of values")
        text = str(item).strip()
        values.extend(text.split(",") if key in _COMMA_LISTS else [text])
    values = [value.strip() for value in values if value.strip()]
    if key == "questions":
        values = [" ".join(value.split()) for value in values]
        _check_questions(values)
    if key == "tags":
        values = [_normalise_tag(value) for value in values]
    allowed = _VOCABULARIES.get(key)
    if allowed is not None:
        values = [value.lower() for value in values]
        for value in values:
            if value not in allowed:
                raise LoadError(
                    f"invalid front matter: {key} '{value}' is not one of {', '.join(allowed)}"
                )
    return _unique(values)


def _check_questions(questions: Sequence[str]) -> None:
    if len(questions) > MAX_QUESTIONS:
        raise LoadError(
            f"invalid front matter: {len(questions)} questions; at most {MAX_QUESTIONS} are indexed"
        )
    for number, question in enumerate(questions, start=1):
        if len(question) > MAX_QUESTION_CHARS:
            raise LoadError(
                f"invalid front matter: question {number} has {len(question)} characters; "
                f"keep each under {MAX_QUESTION_CHARS}"
            )


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | int | float | bool):
        return [value]
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _normalise_tag(tag: str) -> str:
    return " ".join(str(tag).split()).lower()


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _kind(
    requested: str | None, front_matter: Mapping[str, Any] | None, *, tags: Sequence[str]
) -> str:
    declared = _text_field(front_matter or {}, "kind").lower()
    if requested is not None and requested not in KINDS:
        raise LoadError(f"unknown kind '{requested}'; expected one of {', '.join(KINDS)}")
    if declared and declared not in KINDS:
        raise LoadError(f"invalid front matter: kind '{declared}' is not one of {', '.join(KINDS)}")
    if "story" in tags:
        return "story"
    if requested is not None:
        return requested
    if declared:
        return declared
    return "guide" if front_matter is not None and "audience" in front_matter else "article"


def _first_title_heading(markdown: str) -> str:
    return next((text for _, level, text in iter_headings(markdown) if level == 1), "")


def _slug(stem: str) -> str:
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")


def _prettify(stem: str) -> str:
    words = " ".join(re.split(r"[-_\s]+", stem)).strip()
    return words[:1].upper() + words[1:]


def _read_text(content: str) -> tuple[str, str]:
    """(text, title) of a plain-text file: the title is its first line when that is short."""
    first_line = next((line.strip() for line in content.split("\n") if line.strip()), "")
    return content, first_line if len(first_line) < _MAX_TEXT_TITLE else ""


def _read_html(content: str) -> tuple[str, str]:
    """(Markdown-like text, title) of an HTML page, without its navigation and scripts."""
    tree = LexborHTMLParser(content)
    title_node = tree.head.css_first("title") if tree.head is not None else None
    title = _collapse(title_node.text()) if title_node is not None else ""
    if tree.body is None:
        raise LoadError("no readable text in the HTML")
    tree.body.strip_tags(_HTML_DROPPED)
    if not title:
        first_h1 = tree.body.css_first("h1")
        title = _collapse(_inline_text(first_h1)) if first_h1 is not None else ""
    try:
        paragraphs = _HtmlBlocks().collect(tree.body)
    except RecursionError as exc:
        raise LoadError("the HTML is nested too deeply to read") from exc
    if not paragraphs:
        raise LoadError("no readable text in the HTML")
    return "\n\n".join(paragraphs), title


class _HtmlBlocks:
    """Walks an HTML tree in document order and emits one paragraph per block of text.

    Emitted blocks are not descended into, so nested blocks (a <p> in an <li>) are never
    repeated; text that sits directly in a container (a <div> of bare text) is gathered
    into a paragraph of its own; the items of one list stay together as one paragraph.
    """

    def __init__(self) -> None:
        self._paragraphs: list[str] = []
        self._loose_text: list[str] = []
        self._open_list: int | None = None

    def collect(self, body: LexborNode) -> list[str]:
        self._walk(body)
        self._flush()
        return self._paragraphs

    def _walk(self, node: LexborNode) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                self._loose_text.append(child.text_content or "")
            elif tag == "br":
                self._loose_text.append(" ")
            elif tag in _HTML_INLINE:
                self._walk(child)
            elif tag in _HTML_HEADINGS:
                self._flush()
                text = _collapse(_inline_text(child))
                if text:
                    self._add(f"{'#' * _HTML_HEADINGS[tag]} {text}")
            elif tag == "li":
                self._flush()
                self._add_list_item(child)
            elif tag in _HTML_TEXT_BLOCKS:
                self._flush()
                self._add(_escape_heading(_collapse(_inline_text(child))))
            elif tag == "pre":
                self._flush()
                self._add_code(child.text(deep=True))
            elif tag is not None and not tag.startswith("-"):
                self._flush()
                self._walk(child)
                self._flush()

    def _add(self, paragraph: str) -> None:
        if paragraph:
            self._paragraphs.append(paragraph)
            self._open_list = None

    def _add_list_item(self, item: LexborNode) -> None:
        text = _collapse(_inline_text(item))
        if not text:
            return
        parent = item.parent.mem_id if item.parent is not None else None
        if parent is not None and parent == self._open_list:
            self._paragraphs[-1] += f"\n- {text}"
        else:
            self._add(f"- {text}")
            self._open_list = parent

    def _flush(self) -> None:
        text = _collapse("".join(self._loose_text))
        self._loose_text = []
        self._add(_escape_heading(text))

    def _add_code(self, code: str) -> None:
        lines = [line.rstrip() for line in code.replace("\r\n", "\n").split("\n")]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        if lines:
            # A fence longer than any backtick run inside keeps the code block closed.
            longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
            fence = "`" * max(3, longest + 1)
            self._add("\n".join([fence, *lines, fence]))


def _inline_text(node: LexborNode) -> str:
    """All text under `node`, with a space wherever a non-inline element breaks the line."""
    parts: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            parts.append(child.text_content or "")
        elif child.tag in _HTML_INLINE:
            parts.append(_inline_text(child))
        elif child.tag is not None and not child.tag.startswith("-"):
            parts.append(f" {_inline_text(child)} ")
    return "".join(parts)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _escape_heading(text: str) -> str:
    # A paragraph such as "# of mentees per mentor" must not become a heading when chunked.
    return "\\" + text if next(iter_headings(text), None) is not None else text


def _read_pdf(data: bytes) -> tuple[str, str]:
    """(text, title) of a PDF with a text layer, pages separated by blank lines."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise LoadError("the PDF is encrypted with a password; save an unprotected copy")
        pages = [_tidy_pdf_page(page.extract_text() or "") for page in reader.pages]
        title = (reader.metadata.title or "") if reader.metadata is not None else ""
    except LoadError:
        raise
    # A damaged PDF can fail anywhere inside pypdf with almost any exception type
    # (PdfReadError, KeyError, ValueError, struct.error, ...); all mean the same to a user.
    except Exception as exc:
        raise LoadError(f"unreadable PDF: {exc or type(exc).__name__}") from exc
    text = "\n\n".join(page for page in pages if page)
    if not text.strip():
        raise LoadError("the PDF has no text layer (is it a scanned image?); run OCR first")
    return text, _collapse(str(title))


def _tidy_pdf_page(text: str) -> str:
    # pypdf ends most lines with the space that preceded the line break.
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))
