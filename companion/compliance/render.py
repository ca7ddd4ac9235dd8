"""The evidence pack as Markdown, HTML (a page of its own, or the body of the web page) or JSON."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from companion.compliance.schemas import EvidencePack

Format = Literal["md", "json", "html"]
TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["share"] = share
    environment.filters["day"] = day
    return environment


def share(value: float | None) -> str:
    return "not shown" if value is None else f"{value:.1%}"


def day(moment: date) -> str:
    """A day as people write it: 5 December 2026."""
    return f"{moment.day} {moment.strftime('%B %Y')}"


def render(pack: EvidencePack, fmt: Format) -> str:
    if fmt == "json":
        return pack.model_dump_json(indent=2) + "\n"
    if fmt == "md":
        return _environment().get_template("pack.md.j2").render(pack=pack)
    return _environment().get_template("page.html.j2").render(pack=pack)


def html_body(pack: EvidencePack) -> str:
    """The pack's sections as HTML, for a page that has its own head and navigation."""
    return _environment().get_template("body.html.j2").render(pack=pack)
