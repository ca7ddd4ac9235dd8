"""A document's text as safe HTML for reading, with an anchor on every section heading.

Raw HTML in a document is shown as text, never passed through; links keep only
safe schemes (markdown-it refuses javascript:, vbscript:, file: and data: other
than images), and images are not loaded (the service fetches nothing at run
time): their alternative text stands in their place. Citations link to a
section by `section_anchor` of the passage's heading path, the same slug the
rendered heading carries.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from knowledge.chunking import HEADING_SEPARATOR

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """`Giving feedback: the SBI model` -> `giving-feedback-the-sbi-model`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-") or "section"


def section_anchor(heading_path: str, title: str = "") -> str:
    """The anchor of the section a passage sits under ("" for the top of the guide).

    It is made of every heading below the title, so two sections with the same
    name under different parents ("Worked examples") keep apart."""
    parts = [p.strip() for p in heading_path.split(HEADING_SEPARATOR) if p.strip()]
    if parts and title and _same(parts[0], title):
        parts = parts[1:]
    elif len(parts) > 1:
        parts = parts[1:]  # the first part of a chunk's path is always its document's title
    else:
        return ""
    return "s-" + "--".join(slug(p) for p in parts) if parts else ""


def _same(heading: str, title: str) -> bool:
    return " ".join(heading.split()).casefold() == " ".join(title.split()).casefold()


# Called for every hit a search shows: parsing the path each time was 3 % of a search's Python.
@lru_cache(maxsize=4096)
def public_source(source: str) -> str:
    """What readers are told a document came from: its file name, never a server path."""
    return PurePath(source.replace("\\", "/")).name or source


@dataclass(frozen=True)
class Section:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Rendered:
    html: str
    sections: list[Section]


def _image_as_text(renderer: object, tokens: list, index: int, options: object, env: dict) -> str:
    return escapeHtml(tokens[index].content)


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.add_render_rule("image", _image_as_text)
    return parser


_PARSER = _parser()


def render_markdown(text: str, *, title: str = "") -> Rendered:
    """Render a document's Markdown. A first heading that repeats the title is left out
    (the page shows the title); every other heading gets the anchor `section_anchor`
    gives the passages under it."""
    tokens = _PARSER.parse(text.replace("\r\n", "\n"))
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    drop: set[int] = set()
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        level, heading = int(token.tag[1]), tokens[index + 1].content.strip()
        if index == 0 and level == 1 and title and _same(heading, title):
            drop = {0, 1, 2}
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading))
        anchor = base = "s-" + "--".join(slug(name) for _, name in stack)
        repeat = 1
        while anchor in used:  # the same path twice: citations land on the first
            repeat += 1
            anchor = f"{base}-{repeat}"
        used.add(anchor)
        token.attrSet("id", anchor)
        sections.append(Section(level=level, text=heading, anchor=anchor))
    kept = [t for i, t in enumerate(tokens) if i not in drop]
    return Rendered(html=_PARSER.renderer.render(kept, _PARSER.options, {}), sections=sections)
