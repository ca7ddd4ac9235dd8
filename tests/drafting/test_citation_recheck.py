"""A citation stays only while the draft's text still says what it took from the guide."""

from __future__ import annotations

from companion.drafting.grounding import orphaned_citations

SOURCES = [
    {
        "document_id": "first-session",
        "chunk_id": "first-session#0",
        "title": "The first mentoring session and the mentoring agreement",
        "heading": "What the first session is for",
        "text": "The first meeting sets the pattern for the whole relationship. Do not try to "
        "solve a big problem in this meeting; reserve at least half of it for the agreement.",
    },
    {
        "document_id": "feedback",
        "chunk_id": "feedback#0",
        "title": "Giving feedback",
        "heading": "",
        "text": "Describe what you saw and its effect, then ask what the other person noticed.",
    },
]


def agenda(*notes: str, citations: tuple[str, ...] = ("first-session", "feedback")) -> dict:
    return {
        "objectives": ["Agree how we will work together"],
        "items": [{"minutes": 10, "topic": "Check in", "notes": n} for n in notes],
        "questions": ["What would make this worth your time?", "How do you like feedback?"],
        "preparation": {"mentor": [], "mentee": []},
        "citations": list(citations),
    }


QUOTE = (
    "Do not try to solve a big problem in this meeting; reserve at least half of it for the "
    "agreement. (From 'The first mentoring session and the mentoring agreement'.)"
)


def test_deleting_the_quoting_item_drops_its_citation() -> None:
    before = agenda("Say how the week went.", QUOTE)
    after = agenda("Say how the week went.")
    assert orphaned_citations(before, after, SOURCES) == ["first-session"]


def test_a_quote_kept_in_other_words_around_it_keeps_the_citation() -> None:
    before = agenda(QUOTE)
    shortened = "As the guide says: do not try to solve a big problem in this meeting at all."
    assert orphaned_citations(before, agenda(shortened), SOURCES) == []


def test_naming_the_guide_keeps_the_citation() -> None:
    before = agenda(QUOTE)
    after = agenda("Skim 'The first mentoring session and the mentoring agreement' before.")
    assert orphaned_citations(before, after, SOURCES) == []


def test_a_citation_that_never_stood_on_quoted_text_is_left_alone() -> None:
    # "feedback" was cited for a question it inspired, not for words it gave: an edit of
    # some other line does not drop it.
    before = agenda("Say how the week went.", QUOTE)
    after = agenda("Say how the month went.", QUOTE)
    assert orphaned_citations(before, after, SOURCES) == []


def test_a_brief_keeps_a_guide_while_a_snippet_names_it() -> None:
    before = {
        "last_time": "x",
        "guidance": [{"document_id": "feedback", "snippet": "Describe what you saw."}],
        "citations": ["feedback"],
    }
    kept = {**before, "last_time": "y"}
    removed = {**before, "guidance": []}
    assert orphaned_citations(before, kept, SOURCES) == []
    assert orphaned_citations(before, removed, SOURCES) == ["feedback"]


def test_nothing_cited_nothing_dropped() -> None:
    assert orphaned_citations(agenda(QUOTE), agenda(citations=()), SOURCES) == []
