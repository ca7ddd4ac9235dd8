"""The knowledge-base API over real HTTP: search for everyone, curation for coordinators."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from companion.accounts.models import Role
from companion.audit.models import AuditEvent
from companion.programs import service as programs
from companion.runtime import Services
from tests.helpers import TEST_SYSTEM, app_for, bearer, make_user

SEARCH = "/api/v1/knowledge/search"
DOCUMENTS = "/api/v1/knowledge/documents"
HIT_KEYS = {"doc_id", "title", "source", "heading", "text", "snippet", "score"}

GUIDE = b"""---
id: remote-check-ins
title: Remote check-ins
audience: [mentor]
topics: [remote]
---
# Remote check-ins

## Keeping a rhythm

Agree on a fixed fortnightly slot and protect it like any client meeting. If a slot
is missed, the mentor proposes two alternatives within a day.

## When energy drops

Ask what changed since the last conversation. Low energy often means the goal no
longer matters; revisit it together before adding more actions.
"""
BUDGET = (
    b"Quarterly budgeting for small teams\n\n"
    b"Start from last quarter's actual spend rather than last year's plan. Flag any line "
    b"that moved more than ten percent and ask its owner for one sentence of reasoning.\n\n"
    b"Close the review by agreeing who signs off on overruns before they happen."
)
WELCOME = (
    b"<html><head><title>Welcome week</title></head><body><nav>Home | About</nav>"
    b"<h1>Welcome week for new hires</h1><h2>Day one</h2>"
    b"<p>Give the new colleague a laptop that already works and a named buddy who "
    b"eats lunch with them.</p><h2>End of the first week</h2>"
    b"<p>Ask what surprised them and what still confuses them, then fix one thing "
    b"before Friday.</p><footer>Copyright</footer></body></html>"
)
STORY = (
    b"How our finance director found her first sponsor\n\n"
    b"I spent six years in accounts payable before anyone asked what I wanted next. "
    b"A regional controller invited me to shadow the budget review, and that single "
    b"afternoon changed how I saw my career.\n\n"
    b"What I tell people now: ask to sit in on the meeting where decisions are made."
)
BAD_PDF = b"%PDF-1.4 this is not really a pdf"

MIXED = {"guide.md": GUIDE, "budget.txt": BUDGET, "welcome.html": WELCOME, "bad.pdf": BAD_PDF}


def upload(client: TestClient, token: str, files: dict[str, bytes], **form: str) -> Response:
    return client.post(
        DOCUMENTS,
        files=[("files", (name, data)) for name, data in files.items()],
        data=form,
        headers=bearer(token),
    )


def search(client: TestClient, token: str, q: str, **params: object) -> list[dict]:
    response = client.get(SEARCH, params={"q": q, **params}, headers=bearer(token))
    assert response.status_code == 200, response.json()
    return response.json()["results"]


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(app_for(services)) as test_client:
        yield test_client


@pytest.fixture
def people(services: Services) -> dict[str, str]:
    """Tokens for an org coordinator, a program coordinator, a mentor and a mentee."""
    with services.sessions() as session:
        program = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        session.commit()
        _, org = make_user(session, "org@example.org", (Role.coordinator, None))
        _, lead = make_user(session, "lead@example.org", (Role.coordinator, program.id))
        _, mentor = make_user(session, "mentor@example.org", (Role.mentor, program.id))
        _, mentee = make_user(session, "mentee@example.org", (Role.mentee, program.id))
    return {"org": org, "lead": lead, "mentor": mentor, "mentee": mentee}


@pytest.fixture(scope="module")
def corpus_client(corpus_services: Services) -> Iterator[TestClient]:
    with TestClient(app_for(corpus_services)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def readers(corpus_services: Services) -> dict[str, str]:
    """Tokens in the shared corpus database (unique emails: other modules use it too)."""
    suffix = uuid.uuid4().hex[:8]
    with corpus_services.sessions() as session:
        return {
            role.value: make_user(session, f"{role.value}-{suffix}@example.org", (role, None))[1]
            for role in (Role.coordinator, Role.mentor, Role.mentee)
        }


@pytest.fixture(scope="module")
def corpus_documents(corpus_client: TestClient, readers: dict[str, str]) -> dict[str, dict]:
    """The corpus documents' metadata, as a coordinator sees it, by doc_id."""
    page = corpus_client.get(
        DOCUMENTS, params={"limit": 200}, headers=bearer(readers["coordinator"])
    ).json()
    assert page["total"] == len(page["items"])
    return {d["doc_id"]: d for d in page["items"]}


def assert_invalid(response: Response, field: str) -> None:
    assert response.status_code == 422, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert field in {d["field"] for d in error["details"]}, error
    assert field in error["message"]


class TestSearch:
    def test_requires_a_token(self, corpus_client: TestClient) -> None:
        response = corpus_client.get(SEARCH, params={"q": "goals"})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"

    def test_a_refused_token_costs_no_encoding(
        self, corpus_client: TestClient, corpus_services: Services, readers: dict[str, str]
    ) -> None:
        # The token is checked before the query is encoded: a stranger cannot make the
        # server spend its CPU on queries.
        queries = corpus_services.encoder.queries
        query = f"how do I end a mentoring relationship well {uuid.uuid4().hex}"
        before = queries.items
        for headers in ({}, bearer("mc_not-a-token")):
            response = corpus_client.get(SEARCH, params={"q": query}, headers=headers)
            assert response.status_code == 401
        assert queries.items == before
        search(corpus_client, readers["mentee"], query)
        assert queries.items == before + 1

    @pytest.mark.parametrize("role", ["mentee", "mentor"])
    def test_any_signed_in_role_gets_cited_results_best_first(
        self, corpus_client: TestClient, readers: dict[str, str], role: str
    ) -> None:
        query = "my mentee keeps interrupting me before I finish"
        response = corpus_client.get(
            SEARCH, params={"q": query, "top_k": 4}, headers=bearer(readers[role])
        )
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"query", "results"}
        assert body["query"] == query
        results = body["results"]
        assert len(results) == 4
        for hit in results:
            assert set(hit) == HIT_KEYS
            assert hit["title"] and hit["heading"] and hit["text"] and hit["snippet"]
            assert hit["source"].endswith(".md")
            assert hit["score"] > 0
        scores = [hit["score"] for hit in results]
        assert scores == sorted(scores, reverse=True)

    @pytest.mark.parametrize("top_k", [1, 12])
    def test_results_are_limited_to_top_k(
        self, corpus_client: TestClient, readers: dict[str, str], top_k: int
    ) -> None:
        results = search(corpus_client, readers["mentee"], "setting goals", top_k=top_k)
        assert len(results) == top_k

    def test_default_is_five_results(
        self, corpus_client: TestClient, readers: dict[str, str]
    ) -> None:
        assert len(search(corpus_client, readers["mentee"], "setting goals")) == 5

    def test_filters_restrict_results(
        self,
        corpus_client: TestClient,
        readers: dict[str, str],
        corpus_documents: dict[str, dict],
    ) -> None:
        token = readers["mentor"]
        by_audience = search(corpus_client, token, "how to set up a program", audience="mentee")
        assert by_audience
        for hit in by_audience:
            assert "mentee" in corpus_documents[hit["doc_id"]]["audience"]
        by_program = search(corpus_client, token, "running a group", program_type="circle")
        assert by_program
        for hit in by_program:
            assert "circle" in corpus_documents[hit["doc_id"]]["program_types"]
        only = search(corpus_client, token, "feedback", document="giving-feedback", top_k=10)
        assert only and {hit["doc_id"] for hit in only} == {"giving-feedback"}
        guides = search(corpus_client, token, "feedback", kind="guide")
        assert guides
        assert {corpus_documents[hit["doc_id"]]["kind"] for hit in guides} == {"guide"}
        assert {d["kind"] for d in corpus_documents.values()} == {"guide"}
        assert search(corpus_client, token, "feedback", kind="story") == []

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"top_k": 5}, "q"),
            ({"q": ""}, "q"),
            ({"q": "x" * 1001}, "q"),
            ({"q": "goals", "top_k": 0}, "top_k"),
            ({"q": "goals", "top_k": 51}, "top_k"),
            ({"q": "goals", "audience": "bogus"}, "audience"),
            ({"q": "goals", "program_type": "bogus"}, "program_type"),
            ({"q": "goals", "kind": "bogus"}, "kind"),
        ],
    )
    def test_invalid_input_is_422_naming_the_field(
        self,
        corpus_client: TestClient,
        readers: dict[str, str],
        params: dict[str, object],
        field: str,
    ) -> None:
        response = corpus_client.get(SEARCH, params=params, headers=bearer(readers["mentee"]))
        assert_invalid(response, field)

    def test_blank_query_is_422_not_500(
        self, corpus_client: TestClient, readers: dict[str, str]
    ) -> None:
        response = corpus_client.get(SEARCH, params={"q": "   "}, headers=bearer(readers["mentee"]))
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_input"
        assert "empty" in response.json()["error"]["message"]


class TestUploadDocuments:
    @pytest.mark.parametrize("who", ["mentor", "mentee"])
    def test_members_may_not_upload(
        self, client: TestClient, people: dict[str, str], who: str
    ) -> None:
        response = upload(client, people[who], {"guide.md": GUIDE})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        listing = client.get(DOCUMENTS, headers=bearer(people["org"])).json()
        assert listing["total"] == 0

    def test_requires_a_token(self, client: TestClient) -> None:
        response = client.post(DOCUMENTS, files=[("files", ("guide.md", GUIDE))])
        assert response.status_code == 401

    @pytest.mark.parametrize("who", ["org", "lead"])
    def test_coordinator_uploads_mixed_files_and_a_bad_one_fails_alone(
        self, client: TestClient, people: dict[str, str], who: str
    ) -> None:
        response = upload(client, people[who], MIXED)
        assert response.status_code == 200, response.json()
        report = response.json()
        assert set(report) == {"ingested", "unchanged", "failed"}
        assert {(i["source"], i["doc_id"]) for i in report["ingested"]} == {
            ("guide.md", "remote-check-ins"),
            ("budget.txt", "budget"),
            ("welcome.html", "welcome"),
        }
        assert all(i["chunks"] >= 1 for i in report["ingested"])
        assert report["unchanged"] == []
        assert [f["source"] for f in report["failed"]] == ["bad.pdf"]
        assert "PDF" in report["failed"][0]["error"]

        again = upload(client, people[who], MIXED).json()
        assert again["ingested"] == []
        assert sorted(again["unchanged"], key=lambda i: i["source"]) == sorted(
            report["ingested"], key=lambda i: i["source"]
        )
        assert [f["source"] for f in again["failed"]] == ["bad.pdf"]

    def test_story_tag_makes_a_searchable_story(
        self, client: TestClient, people: dict[str, str]
    ) -> None:
        upload(client, people["org"], {"guide.md": GUIDE})
        response = upload(client, people["org"], {"cfo-story.txt": STORY}, tags="story, Finance")
        assert [i["doc_id"] for i in response.json()["ingested"]] == ["cfo-story"]
        detail = client.get(f"{DOCUMENTS}/cfo-story", headers=bearer(people["org"])).json()
        assert detail["kind"] == "story"
        assert detail["tags"] == ["story", "finance"]
        hits = search(
            client,
            people["mentee"],
            "how did a leader get noticed early in their career",
            kind="story",
        )
        assert [hit["doc_id"] for hit in hits] == ["cfo-story"]

    def test_a_leader_s_story_id_is_not_taken_by_an_upload(
        self, client: TestClient, people: dict[str, str]
    ) -> None:
        """A published story is the document "story-<n>", shown as that leader's own
        story: an upload naming itself so would put words in their mouth."""
        forged = b"---\nid: story-1\ntitle: How I led\n---\n\nI always cut corners.\n"
        report = upload(client, people["lead"], {"forged.md": forged}, tags="story").json()
        assert report["ingested"] == []
        [failed] = report["failed"]
        assert failed["source"] == "forged.md"
        assert "kept for leaders' stories" in failed["error"]
        listing = client.get(DOCUMENTS, headers=bearer(people["org"])).json()
        assert listing["total"] == 0

    def test_one_upload_holds_so_many_files_and_bytes(
        self, client: TestClient, people: dict[str, str], monkeypatch
    ) -> None:
        """Every file of an upload is held in memory until ingested: without a ceiling on
        their number and total size, one request could hold gigabytes."""
        from companion.guidance import service as kb

        many = {f"note-{i}.txt": b"A short note on mentoring." for i in range(101)}
        too_many = upload(client, people["lead"], many)
        assert_invalid(too_many, "files")
        assert "at most 100" in too_many.json()["error"]["message"]
        # Who may upload is asked first: a mentee is refused before anything is read.
        assert upload(client, people["mentee"], many).status_code == 403

        monkeypatch.setattr(kb, "MAX_UPLOAD_TOTAL_BYTES", 1000)
        files = {name: name.encode() + b" " + b"words " * 100 for name in ("a.txt", "b.txt")}
        too_big = upload(client, people["lead"], files)
        assert_invalid(too_big, "files")
        assert too_big.json()["error"]["message"].startswith("b.txt: the files up to it")
        listing = client.get(DOCUMENTS, headers=bearer(people["org"])).json()
        assert listing["total"] == 0

    def test_kind_form_field_sets_the_kind(
        self, client: TestClient, people: dict[str, str]
    ) -> None:
        upload(client, people["org"], {"budget.txt": BUDGET}, kind="guide")
        detail = client.get(f"{DOCUMENTS}/budget", headers=bearer(people["org"])).json()
        assert detail["kind"] == "guide"

    def test_unknown_kind_is_422_naming_the_field(
        self, client: TestClient, people: dict[str, str]
    ) -> None:
        assert_invalid(upload(client, people["org"], {"budget.txt": BUDGET}, kind="bogus"), "kind")

    def test_uploaded_material_is_found_by_a_paraphrase(
        self, client: TestClient, people: dict[str, str]
    ) -> None:
        upload(client, people["lead"], {"budget.txt": BUDGET, "welcome.html": WELCOME})
        token = people["mentee"]
        top = search(client, token, "who approves going over the spending plan")[0]
        assert top["doc_id"] == "budget"
        assert "signs off" in top["text"]
        top = search(client, token, "making a newcomer's first days feel less lonely")[0]
        assert top["doc_id"] == "welcome"
        assert top["source"] == "welcome.html"
        assert top["heading"].endswith("Welcome week for new hires > Day one")


class TestListDocuments:
    def test_is_paginated_and_filtered_by_kind(
        self, client: TestClient, people: dict[str, str]
    ) -> None:
        upload(client, people["org"], {"guide.md": GUIDE, "budget.txt": BUDGET})
        upload(client, people["org"], {"cfo-story.txt": STORY}, tags="story")
        headers = bearer(people["lead"])
        first = client.get(DOCUMENTS, params={"limit": 2}, headers=headers).json()
        assert set(first) == {"items", "total", "limit", "offset"}
        assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
        rest = client.get(DOCUMENTS, params={"limit": 2, "offset": 2}, headers=headers).json()
        ids = [d["doc_id"] for d in first["items"] + rest["items"]]
        assert ids == ["budget", "cfo-story", "remote-check-ins"]
        stories = client.get(DOCUMENTS, params={"kind": "story"}, headers=headers).json()
        assert stories["total"] == 1
        assert [d["doc_id"] for d in stories["items"]] == ["cfo-story"]
        guide = next(d for d in first["items"] + rest["items"] if d["doc_id"] == "remote-check-ins")
        assert guide["audience"] == ["mentor"] and guide["topics"] == ["remote"]
        assert guide["kind"] == "guide" and guide["chunk_count"] >= 1

    @pytest.mark.parametrize("who", ["mentor", "mentee"])
    def test_members_read_the_list_without_retired_guides(
        self, client: TestClient, people: dict[str, str], who: str
    ) -> None:
        upload(client, people["org"], {"guide.md": GUIDE, "budget.txt": BUDGET})
        retired = client.post(f"{DOCUMENTS}/budget/retire", headers=bearer(people["org"]))
        assert retired.status_code == 200 and retired.json()["retired_at"]
        response = client.get(DOCUMENTS, headers=bearer(people[who]))
        assert response.status_code == 200
        assert [d["doc_id"] for d in response.json()["items"]] == ["remote-check-ins"]
        curators = client.get(DOCUMENTS, headers=bearer(people["org"])).json()
        assert {d["doc_id"] for d in curators["items"]} == {"remote-check-ins", "budget"}
        refused = client.post(f"{DOCUMENTS}/budget/restore", headers=bearer(people[who]))
        assert refused.status_code == 403

    def test_bad_kind_is_422(self, client: TestClient, people: dict[str, str]) -> None:
        response = client.get(DOCUMENTS, params={"kind": "bogus"}, headers=bearer(people["org"]))
        assert_invalid(response, "kind")


class TestGetDocument:
    def test_shows_the_chunks_in_order(self, client: TestClient, people: dict[str, str]) -> None:
        upload(client, people["org"], {"guide.md": GUIDE})
        response = client.get(f"{DOCUMENTS}/remote-check-ins", headers=bearer(people["lead"]))
        assert response.status_code == 200
        detail = response.json()
        assert detail["title"] == "Remote check-ins"
        assert detail["source"] == "guide.md"
        chunks = detail["chunks"]
        assert len(chunks) == detail["chunk_count"] >= 2
        assert [c["position"] for c in chunks] == sorted(c["position"] for c in chunks)
        assert all(c["chunk_id"] and c["heading"] and c["text"] for c in chunks)
        assert any(
            c["heading"].endswith("Keeping a rhythm") and "fortnightly" in c["text"] for c in chunks
        )

    def test_unknown_document_is_404(self, client: TestClient, people: dict[str, str]) -> None:
        response = client.get(f"{DOCUMENTS}/no-such-doc", headers=bearer(people["org"]))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert "no-such-doc" in response.json()["error"]["message"]

    @pytest.mark.parametrize("who", ["mentor", "mentee"])
    def test_members_read_a_document(
        self, client: TestClient, people: dict[str, str], who: str
    ) -> None:
        upload(client, people["org"], {"guide.md": GUIDE})
        response = client.get(f"{DOCUMENTS}/remote-check-ins", headers=bearer(people[who]))
        assert response.status_code == 200
        assert response.json()["title"] == "Remote check-ins"


class TestDeleteDocument:
    def test_removes_the_document_from_list_search_and_vectors(
        self, client: TestClient, services: Services, people: dict[str, str]
    ) -> None:
        upload(client, people["org"], {"guide.md": GUIDE, "budget.txt": BUDGET})
        headers = bearer(people["lead"])
        chunks = client.get(f"{DOCUMENTS}/remote-check-ins", headers=headers).json()["chunks"]
        chunk_ids = {c["chunk_id"] for c in chunks}
        assert chunk_ids <= set(services.knowledge_base.index.ids())
        query = "protect the fortnightly meeting slot"
        assert search(client, people["mentee"], query)[0]["doc_id"] == "remote-check-ins"

        response = client.delete(f"{DOCUMENTS}/remote-check-ins", headers=headers)
        assert response.status_code == 204
        assert response.content == b""

        listing = client.get(DOCUMENTS, headers=headers).json()
        assert [d["doc_id"] for d in listing["items"]] == ["budget"]
        hits = search(client, people["mentee"], query)
        assert "remote-check-ins" not in {hit["doc_id"] for hit in hits}
        assert not chunk_ids & set(services.knowledge_base.index.ids())
        assert client.get(f"{DOCUMENTS}/remote-check-ins", headers=headers).status_code == 404

        again = client.delete(f"{DOCUMENTS}/remote-check-ins", headers=headers)
        assert again.status_code == 404
        assert again.json()["error"]["code"] == "not_found"

    @pytest.mark.parametrize("who", ["mentor", "mentee"])
    def test_members_may_not_delete(
        self, client: TestClient, people: dict[str, str], who: str
    ) -> None:
        upload(client, people["org"], {"guide.md": GUIDE})
        response = client.delete(f"{DOCUMENTS}/remote-check-ins", headers=bearer(people[who]))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        listing = client.get(DOCUMENTS, headers=bearer(people["org"])).json()
        assert [d["doc_id"] for d in listing["items"]] == ["remote-check-ins"]


class TestAuditOfChanges:
    def test_additions_and_deletions_are_recorded_with_the_coordinator(
        self, client: TestClient, services: Services, people: dict[str, str]
    ) -> None:
        upload(client, people["lead"], {"guide.md": GUIDE, "bad.pdf": BAD_PDF})
        upload(client, people["lead"], {"guide.md": GUIDE})  # unchanged: no event
        client.delete(f"{DOCUMENTS}/remote-check-ins", headers=bearer(people["org"]))
        with services.sessions() as session:
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("kb.%")).order_by(AuditEvent.seq)
            ).all()
        assert [(e.action, e.subject_id, e.actor_label) for e in events] == [
            ("kb.document_added", "remote-check-ins", "lead@example.org"),
            ("kb.document_deleted", "remote-check-ins", "org@example.org"),
        ]
        assert events[0].data["source"] == "guide.md"
        assert events[0].data["chunks"] == events[1].data["chunks"] >= 2
