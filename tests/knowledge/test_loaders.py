"""Loading Markdown, text, HTML and PDF files into documents, from real files."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from fpdf import FPDF

from knowledge import CORPUS_DIR
from knowledge.documents import AUDIENCES, KINDS, PROGRAM_TYPES, STAGES, LoadError
from knowledge.loaders import (
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    SUPPORTED_SUFFIXES,
    discover,
    load_bytes,
    load_path,
)

GUIDE = """\
---
id: reflecting-back
title: "Reflecting back"
summary: "How mentors paraphrase."
audience: [mentor, mentee]
topics: listening, paraphrasing
program_types: [one_on_one]
stage: ongoing
sources:
  - "Rogers, C. R., & Farson, R. E. (1957). Active Listening."
tags: [Listening]
---

# Reflecting back

Say back what you heard, in your own words.

## Example phrases

- "So what matters most is..."
- "It sounds like..."
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def text_pdf(*, title: str | None, heading: str, paragraphs: list[str]) -> bytes:
    pdf = FPDF()
    if title is not None:
        pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(text=heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, text=paragraph)
        pdf.ln(4)
    return bytes(pdf.output())


class TestLoadMarkdown:
    def test_front_matter_fills_the_document(self, tmp_path: Path) -> None:
        path = write(tmp_path, "reflecting.md", GUIDE)

        doc = load_path(path)

        assert doc.doc_id == "reflecting-back"
        assert doc.title == "Reflecting back"
        assert doc.source == str(path)
        assert doc.summary == "How mentors paraphrase."
        assert doc.audience == ("mentor", "mentee")
        assert doc.topics == ("listening", "paraphrasing")
        assert doc.program_types == ("one_on_one",)
        assert doc.stage == ("ongoing",)
        assert doc.sources == ("Rogers, C. R., & Farson, R. E. (1957). Active Listening.",)
        assert doc.tags == ("listening",)
        assert doc.kind == "guide"
        assert doc.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
        assert doc.text.startswith("# Reflecting back\n\nSay back what you heard")
        assert "## Example phrases" in doc.text
        assert "audience:" not in doc.text

    def test_without_front_matter_id_and_title_come_from_the_file(self, tmp_path: Path) -> None:
        path = write(tmp_path, "My Notes (v2).md", "# Notes on listening\n\nListen first.\n")

        doc = load_path(path)

        assert doc.doc_id == "my-notes-v2"
        assert doc.title == "Notes on listening"
        assert doc.kind == "article"
        assert doc.audience == ()

    def test_without_any_heading_the_title_is_the_prettified_stem(self, tmp_path: Path) -> None:
        doc = load_path(write(tmp_path, "first_session-tips.markdown", "Just text.\n"))

        assert doc.title == "First session tips"
        assert doc.doc_id == "first-session-tips"

    def test_a_hash_line_in_a_code_fence_is_not_the_title(self, tmp_path: Path) -> None:
        text = "```\n# a shell comment\n```\n\n# Real title\n\nBody.\n"

        doc = load_path(write(tmp_path, "fenced.md", text))

        assert doc.title == "Real title"

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ("audience: [mentor, mentors]", "audience 'mentors' is not one of"),
            ("stage: [kickof]", "stage 'kickof' is not one of"),
            ("program_types: one-on-one", "program_types 'one-on-one' is not one of"),
            ("kind: tutorial", "kind 'tutorial' is not one of"),
        ],
    )
    def test_a_value_outside_the_allowed_lists_names_key_and_value(
        self, tmp_path: Path, line: str, message: str
    ) -> None:
        path = write(tmp_path, "bad.md", f"---\ntitle: Bad\n{line}\n---\n\nBody.\n")

        with pytest.raises(LoadError, match="invalid front matter") as raised:
            load_path(path)

        assert message in str(raised.value)

    def test_questions_are_kept_whole_and_tidied(self, tmp_path: Path) -> None:
        questions = 'questions:\n  - "how do I, as a mentor,   repeat   back?"\n  - Is that odd\n'
        doc = load_path(write(tmp_path, "a.md", GUIDE.replace("tags:", questions + "tags:")))

        assert doc.questions == ("how do I, as a mentor, repeat back?", "Is that odd")
        assert load_path(write(tmp_path, "b.md", GUIDE)).questions == ()

    @pytest.mark.parametrize(
        ("questions", "problem"),
        [
            ([f"question {n}?" for n in range(MAX_QUESTIONS + 1)], "at most 30 are indexed"),
            (
                ["why " * (MAX_QUESTION_CHARS // 4 + 1)],
                "question 1 has 303 characters; keep each under 300",
            ),
            ([{"why": "not"}], "questions must be a list of values"),
        ],
    )
    def test_bad_questions_say_what_is_wrong(
        self, tmp_path: Path, questions: list, problem: str
    ) -> None:
        import yaml

        block = yaml.safe_dump({"questions": questions})
        path = write(tmp_path, "a.md", GUIDE.replace("tags:", block + "tags:"))

        with pytest.raises(LoadError, match=problem):
            load_path(path)

    def test_front_matter_that_is_not_yaml_is_reported(self, tmp_path: Path) -> None:
        path = write(tmp_path, "bad.md", "---\nid: bad\ntitle: Bad: worse\n---\n\nBody.\n")

        with pytest.raises(LoadError, match="invalid front matter: not valid YAML") as raised:
            load_path(path)

        assert "on line 3" in str(raised.value)

    def test_unclosed_front_matter_is_reported(self, tmp_path: Path) -> None:
        with pytest.raises(LoadError, match="no closing '---'"):
            load_path(write(tmp_path, "open.md", "---\ntitle: Open\n\nBody.\n"))

    def test_front_matter_without_a_body_is_reported(self, tmp_path: Path) -> None:
        with pytest.raises(LoadError, match="no text after its front matter"):
            load_path(write(tmp_path, "empty.md", "---\ntitle: Only metadata\n---\n"))

    def test_a_byte_order_mark_and_windows_line_ends_are_accepted(self, tmp_path: Path) -> None:
        content = GUIDE.replace("\n", "\r\n").encode("utf-8-sig")

        doc = load_path(write(tmp_path, "bom.md", content))

        assert doc.doc_id == "reflecting-back"
        assert "\r" not in doc.text


class TestLoadText:
    def test_first_short_line_is_the_title(self, tmp_path: Path) -> None:
        text = "Closing a mentoring relationship\n\nThank each other.\n\nPlan what comes next.\n"

        doc = load_path(write(tmp_path, "closing.txt", text))

        assert doc.title == "Closing a mentoring relationship"
        assert doc.doc_id == "closing"
        assert doc.kind == "article"
        assert doc.text == text.strip()

    def test_a_long_first_line_is_not_a_title(self, tmp_path: Path) -> None:
        doc = load_path(write(tmp_path, "long_line.txt", "word " * 40))

        assert doc.title == "Long line"


class TestLoadHtml:
    PAGE = """<!doctype html>
<html><head><title>Giving feedback | Example Org</title>
<style>body { color: red }</style><script>track("page")</script></head>
<body>
<header><a href="/">Example Org</a><nav><ul><li>Home</li><li>Blog</li></ul></nav></header>
<main>
  <article>
    <h1>Giving feedback</h1>
    <div>Feedback works best when it is <b>specific</b> and timely.</div>
    <h2>The situation-behaviour-impact model</h2>
    <p>Describe the situation, then the behaviour.</p>
    <ul>
      <li><p>Situation: when and where.</p></li>
      <li>Behaviour: what you saw.</li>
    </ul>
    <blockquote><p>Feedback is a gift.</p></blockquote>
    <section>Say what the impact was. <p>Then listen.</p></section>
  </article>
  <aside>Related posts: ten tips</aside>
</main>
<form><input name="q"><button>Search</button></form>
<footer>© Example Org. Cookie settings.</footer>
<noscript>Enable JavaScript</noscript>
<script>analytics()</script>
</body></html>
"""

    def test_boilerplate_is_dropped_and_structure_kept(self, tmp_path: Path) -> None:
        doc = load_path(write(tmp_path, "feedback.html", self.PAGE))

        assert doc.title == "Giving feedback | Example Org"
        assert doc.text == (
            "# Giving feedback\n\n"
            "Feedback works best when it is specific and timely.\n\n"
            "## The situation-behaviour-impact model\n\n"
            "Describe the situation, then the behaviour.\n\n"
            "- Situation: when and where.\n- Behaviour: what you saw.\n\n"
            "Feedback is a gift.\n\n"
            "Say what the impact was.\n\n"
            "Then listen."
        )
        for boilerplate in ("track(", "color", "Home", "Related", "Search", "Cookie", "Enable"):
            assert boilerplate not in doc.text

    def test_nested_blocks_are_not_duplicated(self, tmp_path: Path) -> None:
        doc = load_path(write(tmp_path, "feedback.htm", self.PAGE))

        assert doc.text.count("Situation: when and where.") == 1
        assert doc.text.count("Feedback is a gift.") == 1
        assert doc.text.count("Then listen.") == 1

    def test_without_a_title_tag_the_first_h1_is_the_title(self, tmp_path: Path) -> None:
        page = "<html><body><h1>Peer mentoring</h1><p>Peers learn together.</p></body></html>"

        doc = load_path(write(tmp_path, "peer.html", page))

        assert doc.title == "Peer mentoring"

    def test_code_keeps_its_lines_inside_a_fence(self, tmp_path: Path) -> None:
        page = "<p>Run:</p><pre># install\npip install x</pre><p># of mentors: 3</p>"

        doc = load_path(write(tmp_path, "code.html", page))

        assert doc.text == "Run:\n\n```\n# install\npip install x\n```\n\n\\# of mentors: 3"

    def test_a_page_of_only_boilerplate_is_reported(self, tmp_path: Path) -> None:
        page = "<html><body><nav>Home</nav><script>x()</script><footer>©</footer></body></html>"

        with pytest.raises(LoadError, match="no readable text in the HTML"):
            load_path(write(tmp_path, "empty.html", page))


class TestLoadPdf:
    def test_a_text_pdf_loads_with_its_text(self, tmp_path: Path) -> None:
        paragraphs = [
            "A good first session sets expectations on both sides.",
            "Agree how often you will meet and how you will keep in touch between sessions.",
            "Write the goals down so that both of you can come back to them.",
        ]
        data = text_pdf(title="First sessions", heading="Kick-off", paragraphs=paragraphs)
        path = write(tmp_path, "first-sessions.pdf", data)

        doc = load_path(path)

        assert doc.title == "First sessions"
        assert doc.doc_id == "first-sessions"
        assert doc.kind == "article"
        assert doc.content_hash == hashlib.sha256(data).hexdigest()
        words = doc.text.split()
        assert words[0] == "Kick-off"
        for paragraph in paragraphs:
            assert " ".join(paragraph.split()) in " ".join(words)

    def test_without_a_metadata_title_the_title_is_the_stem(self, tmp_path: Path) -> None:
        data = text_pdf(title=None, heading="Notes", paragraphs=["Some text."])

        doc = load_path(write(tmp_path, "session_notes.pdf", data))

        assert doc.title == "Session notes"

    def test_a_corrupt_pdf_is_unreadable(self, tmp_path: Path) -> None:
        junk = random.Random(7).randbytes(4096)

        with pytest.raises(LoadError, match="unreadable PDF"):
            load_path(write(tmp_path, "junk.pdf", junk))

    def test_a_pdf_without_text_asks_for_ocr(self, tmp_path: Path) -> None:
        pdf = FPDF()
        pdf.add_page()
        pdf.rect(20, 20, 100, 60, style="F")

        with pytest.raises(LoadError, match="no text layer"):
            load_path(write(tmp_path, "scan.pdf", bytes(pdf.output())))

    def test_a_password_protected_pdf_is_reported(self, tmp_path: Path) -> None:
        pdf = FPDF()
        pdf.set_encryption(owner_password="owner", user_password="secret")
        pdf.add_page()
        pdf.set_font("Helvetica")
        pdf.cell(text="Confidential notes")

        with pytest.raises(LoadError, match="encrypted with a password"):
            load_path(write(tmp_path, "locked.pdf", bytes(pdf.output())))


class TestLoadErrors:
    @pytest.mark.parametrize("name", ["empty.md", "empty.txt", "empty.html", "empty.pdf"])
    def test_an_empty_file_is_reported(self, tmp_path: Path, name: str) -> None:
        with pytest.raises(LoadError, match="the file is empty"):
            load_path(write(tmp_path, name, b""))

    def test_bytes_that_are_not_utf8_are_reported(self, tmp_path: Path) -> None:
        latin1 = "Café notes: rôle of the mentor".encode("latin-1")

        with pytest.raises(LoadError, match="not UTF-8 text"):
            load_path(write(tmp_path, "cafe.txt", latin1))

    def test_an_unsupported_type_is_reported(self, tmp_path: Path) -> None:
        with pytest.raises(LoadError, match=r"unsupported file type '\.docx'"):
            load_path(write(tmp_path, "notes.docx", b"PK\x03\x04"))

    def test_a_missing_file_is_reported(self, tmp_path: Path) -> None:
        with pytest.raises(LoadError, match="cannot read the file"):
            load_path(tmp_path / "missing.md")

    def test_an_unknown_kind_is_reported(self, tmp_path: Path) -> None:
        with pytest.raises(LoadError, match="unknown kind 'tutorial'"):
            load_path(write(tmp_path, "a.md", "Text."), kind="tutorial")


class TestDiscover:
    def test_folders_expand_sorted_without_hidden_files(self, tmp_path: Path) -> None:
        root = tmp_path / "kb"
        write(root, "b.md", "B")
        write(root, "a/z.txt", "Z")
        write(root, "a/deeper/y.html", "<p>Y</p>")
        write(root, ".git/config.md", "hidden")
        write(root, "a/.draft.md", "hidden")
        write(root, "notes.docx", b"PK")
        single = write(tmp_path, "single.pdf", b"%PDF")

        files, problems = discover([root, single, tmp_path / "missing.md"])

        assert files == [root / "a/deeper/y.html", root / "a/z.txt", root / "b.md", single]
        assert problems == [
            (
                str(root / "notes.docx"),
                "unsupported file type '.docx'; supported: .html, .htm, .md, .markdown, .pdf, .txt",
            ),
            (str(tmp_path / "missing.md"), "no such file or folder"),
        ]

    def test_a_named_file_of_an_unsupported_type_is_a_problem(self, tmp_path: Path) -> None:
        path = write(tmp_path, "sheet.xlsx", b"PK")

        files, problems = discover([path])

        assert files == []
        [(source, reason)] = problems
        assert source == str(path)
        assert reason.startswith("unsupported file type '.xlsx'")

    def test_a_file_named_twice_is_loaded_once(self, tmp_path: Path) -> None:
        path = write(tmp_path, "a.md", "A")

        files, _ = discover([tmp_path, path])

        assert files == [path]

    def test_supported_suffixes_are_the_documented_ones(self) -> None:
        assert {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"} == SUPPORTED_SUFFIXES


class TestLoadBytes:
    def test_an_upload_is_named_by_its_file_name(self) -> None:
        data = GUIDE.encode()

        doc = load_bytes(data, name="reflecting.md", tags=["workshop"])

        assert doc.source == "reflecting.md"
        assert doc.doc_id == "reflecting-back"
        assert doc.tags == ("listening", "workshop")
        assert doc.content_hash == hashlib.sha256(data).hexdigest()

    def test_a_windows_path_from_the_browser_gives_the_stem(self) -> None:
        doc = load_bytes(b"Hello there.", name="C:\\Users\\me\\Team Notes.TXT")

        assert doc.doc_id == "team-notes"

    def test_the_story_tag_makes_a_story(self) -> None:
        transcript = b"How I learned to delegate\n\nWhen I first led a team, I did everything."

        doc = load_bytes(transcript, name="delegation-talk.txt", tags=["story", "leadership"])

        assert doc.kind == "story"
        assert doc.tags == ("story", "leadership")

    def test_the_story_tag_in_front_matter_makes_a_story(self) -> None:
        doc = load_bytes(GUIDE.replace("[Listening]", "[story]").encode(), name="talk.md")

        assert doc.kind == "story"

    def test_an_explicit_kind_wins_over_front_matter(self) -> None:
        doc = load_bytes(GUIDE.encode(), name="reflecting.md", kind="article")

        assert doc.kind == "article"

    def test_an_unknown_type_is_reported(self) -> None:
        with pytest.raises(LoadError, match="unsupported file type"):
            load_bytes(b"data", name="upload")


class TestCorpus:
    CORPUS_FILES = sorted(CORPUS_DIR.glob("*.md"))

    def test_the_corpus_is_there(self) -> None:
        assert len(self.CORPUS_FILES) >= 10

    @pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.stem)
    def test_every_corpus_document_loads_with_valid_metadata(self, path: Path) -> None:
        doc = load_path(path)

        assert doc.doc_id == path.stem
        assert doc.title
        assert doc.summary
        assert doc.audience
        assert set(doc.audience) <= set(AUDIENCES)
        assert set(doc.program_types) <= set(PROGRAM_TYPES)
        assert set(doc.stage) <= set(STAGES)
        assert doc.kind in KINDS
        assert 300 <= len(doc.text.split()) <= 1200
        # Each guide lists the questions it answers (search keys, docs/knowledge.md).
        assert 5 <= len(doc.questions) <= MAX_QUESTIONS
        assert len(set(doc.questions)) == len(doc.questions)
