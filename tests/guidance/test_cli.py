"""The `companion kb` commands: the output and exit codes that scripts depend on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from companion.cli import app
from companion.settings import Settings
from knowledge import CORPUS_DIR
from tests.conftest import Databases
from tests.helpers import cli_env

runner = CliRunner()

HIT_KEYS = {"doc_id", "title", "source", "heading", "text", "snippet", "score"}

GUIDE = """---
id: remote-check-ins
title: Remote check-ins
audience: [mentor]
topics: [remote]
---
# Remote check-ins

## Keeping a rhythm

Agree on a fixed fortnightly slot and protect it like any client meeting. If a slot
is missed, the mentor proposes two alternatives within a day.
"""
BUDGET = (
    "Quarterly budgeting for small teams\n\n"
    "Start from last quarter's actual spend rather than last year's plan. Flag any line "
    "that moved more than ten percent and ask its owner for one sentence of reasoning.\n\n"
    "Close the review by agreeing who signs off on overruns before they happen."
)
WELCOME = (
    "<html><head><title>Welcome week</title></head><body>"
    "<h1>Welcome week for new hires</h1><h2>Day one</h2>"
    "<p>Give the new colleague a laptop that already works and a named buddy who "
    "eats lunch with them.</p></body></html>"
)
STORY = (
    "How our finance director found her first sponsor\n\n"
    "I spent six years in accounts payable before anyone asked what I wanted next. "
    "A regional controller invited me to shadow the budget review, and that single "
    "afternoon changed how I saw my career."
)


def kb(data_dir: Path, *args: str) -> Result:
    """Run `companion kb ARGS` with COMPANION_DATA_DIR pointing at `data_dir`."""
    return runner.invoke(app, ["kb", *args], env=cli_env(data_dir))


def kb_json(data_dir: Path, *args: str) -> dict | list:
    """Run a `--json` command that must succeed; its stdout is exactly one JSON value."""
    result = kb(data_dir, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def new_data_dir(root: Path, databases: Databases) -> Path:
    return databases.new(root / "var").data_dir


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def data_dir(settings: Settings) -> Path:
    """A migrated data dir with an empty knowledge base."""
    return settings.data_dir


@pytest.fixture(scope="module")
def builtin_run(
    tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> tuple[Path, Result]:
    """One `kb ingest --builtin` for the module: later tests only read that data dir."""
    data_dir = new_data_dir(tmp_path_factory.mktemp("cli-corpus"), databases)
    return data_dir, kb(data_dir, "ingest", "--builtin", "--json")


@pytest.fixture
def corpus_dir(builtin_run: tuple[Path, Result]) -> Path:
    data_dir, result = builtin_run
    assert result.exit_code == 0, result.output
    return data_dir


class TestKbIngest:
    def test_reports_one_json_object_and_walks_folders(
        self, data_dir: Path, docs_dir: Path
    ) -> None:
        files = [
            write(docs_dir / "guide.md", GUIDE),
            write(docs_dir / "finance" / "budget.txt", BUDGET),
            write(docs_dir / "finance" / "onboarding" / "welcome.html", WELCOME),
        ]
        report = kb_json(data_dir, "ingest", str(docs_dir))
        assert set(report) == {"ingested", "unchanged", "failed"}
        assert report["failed"] == [] and report["unchanged"] == []
        assert {(i["source"], i["doc_id"]) for i in report["ingested"]} == {
            (str(files[0]), "remote-check-ins"),
            (str(files[1]), "budget"),
            (str(files[2]), "welcome"),
        }
        for item in report["ingested"]:
            assert set(item) == {"source", "doc_id", "chunks"}
            assert item["chunks"] >= 1

        again = kb_json(data_dir, "ingest", str(docs_dir))
        assert again["ingested"] == [] and again["failed"] == []
        assert sorted(again["unchanged"], key=lambda i: i["source"]) == sorted(
            report["ingested"], key=lambda i: i["source"]
        )

    def test_a_bad_file_fails_alone_with_exit_1(self, data_dir: Path, docs_dir: Path) -> None:
        write(docs_dir / "good.md", GUIDE)
        write(docs_dir / "empty.txt", "")
        (docs_dir / "letter.docx").write_bytes(b"PK\x03\x04")
        result = kb(data_dir, "ingest", str(docs_dir), "--json")
        assert result.exit_code == 1
        report = json.loads(result.stdout)
        assert [i["doc_id"] for i in report["ingested"]] == ["remote-check-ins"]
        failed = {Path(f["source"]).name: f["error"] for f in report["failed"]}
        assert set(failed) == {"empty.txt", "letter.docx"}
        assert "empty" in failed["empty.txt"]
        assert "unsupported file type '.docx'" in failed["letter.docx"]

        listing = kb_json(data_dir, "list")
        assert [d["doc_id"] for d in listing["items"]] == ["remote-check-ins"]

    def test_without_json_prints_a_summary_and_the_failures(
        self, data_dir: Path, docs_dir: Path
    ) -> None:
        write(docs_dir / "good.md", GUIDE)
        (docs_dir / "letter.docx").write_bytes(b"PK\x03\x04")
        result = kb(data_dir, "ingest", str(docs_dir))
        assert result.exit_code == 1
        assert result.stdout.strip() == "1 ingested, 0 unchanged, 1 failed."
        assert "letter.docx" in result.stderr
        assert "unsupported file type '.docx'" in result.stderr

    def test_each_failure_is_one_line_of_stderr(self, data_dir: Path, docs_dir: Path) -> None:
        letter = docs_dir / "a-folder-name-long-enough-to-pass-eighty-columns" / "letter.docx"
        letter.parent.mkdir()
        letter.write_bytes(b"PK\x03\x04")
        result = kb(data_dir, "ingest", str(docs_dir))
        assert result.exit_code == 1
        lines = result.stderr.splitlines()
        assert any(line.startswith(f"  failed: {letter}: unsupported file type") for line in lines)

    def test_failed_file_names_are_printed_verbatim(self, data_dir: Path, docs_dir: Path) -> None:
        write(docs_dir / "notes [draft].txt", "")
        result = kb(data_dir, "ingest", str(docs_dir))
        assert result.exit_code == 1
        assert "notes [draft].txt" in result.stderr

    def test_a_missing_path_is_reported(self, data_dir: Path, tmp_path: Path) -> None:
        missing = tmp_path / "nowhere"
        result = kb(data_dir, "ingest", str(missing), "--json")
        assert result.exit_code == 1
        assert json.loads(result.stdout)["failed"] == [
            {"source": str(missing), "error": "no such file or folder"}
        ]

    def test_story_tag_makes_a_story(self, data_dir: Path, docs_dir: Path) -> None:
        write(docs_dir / "guide.md", GUIDE)
        story = write(docs_dir / "cfo-story.txt", STORY)
        kb_json(data_dir, "ingest", str(docs_dir / "guide.md"))
        report = kb_json(data_dir, "ingest", str(story), "--tag", "story")
        assert [i["doc_id"] for i in report["ingested"]] == ["cfo-story"]
        stories = kb_json(data_dir, "list", "--kind", "story")
        assert [(d["doc_id"], d["kind"], d["tags"]) for d in stories["items"]] == [
            ("cfo-story", "story", ["story"])
        ]
        hits = kb_json(data_dir, "search", "a leader's first sponsor", "--kind", "story")
        assert [h["doc_id"] for h in hits["results"]] == ["cfo-story"]

    def test_builtin_ingests_the_corpus(self, builtin_run: tuple[Path, Result]) -> None:
        _, result = builtin_run
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["failed"] == [] and report["unchanged"] == []
        assert len(report["ingested"]) >= 40
        assert all(Path(i["source"]).parent == CORPUS_DIR for i in report["ingested"])

    def test_needs_a_path_or_builtin(self, data_dir: Path) -> None:
        result = kb(data_dir, "ingest", "--json")
        assert result.exit_code == 2
        assert "Name at least one file or folder, or pass --builtin." in result.stderr
        assert result.stdout == ""

    def test_unknown_kind_is_refused(self, data_dir: Path, docs_dir: Path) -> None:
        write(docs_dir / "guide.md", GUIDE)
        result = kb(data_dir, "ingest", str(docs_dir), "--kind", "bogus")
        assert result.exit_code == 2
        assert "--kind must be one of guide, story, article" in result.stderr
        assert kb_json(data_dir, "list")["total"] == 0


class TestKbSearch:
    def test_prints_one_json_object_with_cited_results(self, corpus_dir: Path) -> None:
        query = "my mentee keeps interrupting me before I finish"
        payload = kb_json(corpus_dir, "search", query, "--top-k", "3")
        assert set(payload) == {"query", "results"}
        assert payload["query"] == query
        results = payload["results"]
        assert 1 <= len(results) <= 3
        for hit in results:
            assert set(hit) == HIT_KEYS
            assert hit["title"] and hit["heading"] and hit["text"] and hit["snippet"]
            assert Path(hit["source"]).parent == CORPUS_DIR
        scores = [hit["score"] for hit in results]
        assert scores == sorted(scores, reverse=True)

    def test_honours_the_data_dir(
        self, tmp_path: Path, databases: Databases, docs_dir: Path
    ) -> None:
        finance = new_data_dir(tmp_path / "finance", databases)
        people = new_data_dir(tmp_path / "people", databases)
        kb_json(finance, "ingest", str(write(docs_dir / "budget.txt", BUDGET)))
        kb_json(people, "ingest", str(write(docs_dir / "welcome.html", WELCOME)))
        query = "who approves going over the spending plan"
        assert {h["doc_id"] for h in kb_json(finance, "search", query)["results"]} == {"budget"}
        assert {h["doc_id"] for h in kb_json(people, "search", query)["results"]} == {"welcome"}

    def test_without_json_prints_numbered_citations(self, corpus_dir: Path) -> None:
        result = kb(corpus_dir, "search", "ending a mentoring relationship", "--top-k", "2")
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0].startswith("1. ") and any(line.startswith("2. ") for line in lines)
        assert sum("source: " in line for line in lines) == 2

    def test_without_json_prints_the_passage_verbatim(self, data_dir: Path, docs_dir: Path) -> None:
        linked = "Sign [the mentoring agreement](https://example.org/agreement) in week one."
        kb_json(
            data_dir, "ingest", str(write(docs_dir / "agreement.md", f"# Kick-off\n\n{linked}"))
        )
        result = kb(data_dir, "search", "mentoring agreement")
        assert result.exit_code == 0, result.output
        # Rich must not eat the brackets; query words are bolded, the URL left alone.
        assert "[the **mentoring** **agreement**](https://example.org/agreement)" in result.stdout

    @pytest.mark.parametrize("query", ["", "   "])
    def test_empty_query_fails_with_a_message(self, data_dir: Path, query: str) -> None:
        result = kb(data_dir, "search", query, "--json")
        assert result.exit_code == 1
        assert "The search query is empty" in result.stderr
        assert result.stdout == ""

    @pytest.mark.parametrize("top_k", ["0", "51"])
    def test_top_k_out_of_range_is_a_usage_error(self, data_dir: Path, top_k: str) -> None:
        assert kb(data_dir, "search", "goals", "--top-k", top_k).exit_code == 2


class TestKbList:
    def test_json_page_filtered_by_kind(self, data_dir: Path, docs_dir: Path) -> None:
        write(docs_dir / "guide.md", GUIDE)
        write(docs_dir / "budget.txt", BUDGET)
        kb_json(data_dir, "ingest", str(docs_dir))
        story = write(docs_dir / "stories" / "cfo-story.txt", STORY)
        kb_json(data_dir, "ingest", str(story), "--tag", "story")
        page = kb_json(data_dir, "list")
        assert set(page) == {"items", "total", "limit", "offset"}
        assert page["total"] == 3
        assert [d["doc_id"] for d in page["items"]] == ["budget", "cfo-story", "remote-check-ins"]
        second = kb_json(data_dir, "list", "--limit", "1", "--offset", "1")
        assert (second["total"], second["limit"], second["offset"]) == (3, 1, 1)
        assert [d["doc_id"] for d in second["items"]] == ["cfo-story"]
        guides = kb_json(data_dir, "list", "--kind", "guide")
        assert [d["doc_id"] for d in guides["items"]] == ["remote-check-ins"]
        stories = kb_json(data_dir, "list", "--kind", "story")
        assert [d["doc_id"] for d in stories["items"]] == ["cfo-story"]


class TestKbDelete:
    def test_removes_the_document(self, data_dir: Path, docs_dir: Path) -> None:
        kb_json(data_dir, "ingest", str(write(docs_dir / "guide.md", GUIDE)))
        assert kb_json(data_dir, "search", "fortnightly slot")["results"]
        result = kb(data_dir, "delete", "remote-check-ins")
        assert result.exit_code == 0, result.output
        assert "Deleted remote-check-ins." in result.stdout
        assert kb_json(data_dir, "list")["total"] == 0
        assert kb_json(data_dir, "search", "fortnightly slot")["results"] == []
        again = kb(data_dir, "delete", "remote-check-ins")
        assert again.exit_code == 1
        assert "No knowledge-base document" in again.stderr

    def test_unknown_id_exits_1(self, data_dir: Path) -> None:
        result = kb(data_dir, "delete", "no-such-doc")
        assert result.exit_code == 1
        assert "No knowledge-base document with id 'no-such-doc'" in result.stderr


class TestKbEval:
    def test_reports_dense_lexical_and_hybrid(self, corpus_dir: Path) -> None:
        rows = kb_json(corpus_dir, "eval")
        assert [set(row) for row in rows] == [{"mode", "recall", "mrr"}] * 3
        by_mode = {row["mode"]: row for row in rows}
        assert set(by_mode) == {"dense", "lexical", "hybrid"}
        for row in rows:
            assert set(row["recall"]) == {"1", "3", "5"}
            assert 0 < row["recall"]["1"] <= row["recall"]["3"] <= row["recall"]["5"] <= 1
            assert 0 < row["mrr"] <= 1
        assert by_mode["hybrid"]["mrr"] > max(by_mode["dense"]["mrr"], by_mode["lexical"]["mrr"])

        table = kb(corpus_dir, "eval")
        assert table.exit_code == 0, table.output
        for heading in ("recall@1", "recall@3", "recall@5", "MRR", "dense", "lexical", "hybrid"):
            assert heading in table.stdout

    def test_on_an_empty_knowledge_base_asks_for_the_corpus(self, data_dir: Path) -> None:
        result = kb(data_dir, "eval")
        assert result.exit_code == 1
        assert "run `companion kb ingest --builtin` first" in result.stderr


class TestKbSearchFilters:
    @pytest.mark.parametrize(
        ("option", "value"),
        [("--audience", "mentors"), ("--program-type", "group"), ("--kind", "memo")],
    )
    def test_unknown_filter_values_are_usage_errors(
        self, data_dir: Path, option: str, value: str
    ) -> None:
        result = kb(data_dir, "search", "goals", option, value)
        assert result.exit_code == 2
        assert f"{option} must be one of" in result.stderr
