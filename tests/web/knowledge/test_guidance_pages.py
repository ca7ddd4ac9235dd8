"""Guidance for everyone: mentors and mentees search and read guides; coordinators curate."""

from __future__ import annotations

import html
import re

from knowledge import CORPUS_DIR
from tests.relationships.conftest import World
from tests.web.jobs.helpers import finished_job

PARTICIPANTS = ("maya", "eli", "nora")
COORDINATORS = ("lead", "org", "elsewhere")

UNSAFE = b"""---
id: unsafe-guide
title: A guide with markup in it
audience: [mentor]
---
# A guide with markup in it

## Opening the session

Start with <script>alert('x')</script> and <b onclick="steal()">bold words</b>.
[A link](javascript:alert(1)) and ![a picture](http://example.com/tracker.png).

## Opening the session

A second section with the same name keeps its own anchor.
"""


def guide_links(page: str) -> list[str]:
    return re.findall(r'href="(/knowledge/guides/[^"]+)"', page)


class TestReading:
    def test_participants_search_and_read_but_see_no_curation(
        self, corpus: World, browser_for
    ) -> None:
        for who in PARTICIPANTS:
            browser = browser_for(who)
            page = browser.get("/knowledge", params={"q": "paraphrasing and open questions"})
            assert page.status_code == 200, who
            assert "Active listening for mentors and mentees" in page.text
            assert 'href="/knowledge"' in browser.get("/").text  # in the navigation
            # Read-only: no upload, no ask, no delete or retire for them.
            for action in ('/knowledge/documents"', "/knowledge/ask", "/delete", "/retire"):
                assert action not in page.text, (who, action)
            assert "Cite as:" not in page.text  # a curator's note, not a reader's
            # Each result opens its guide at the section of the passage found.
            links = guide_links(page.text)
            assert any("#s-" in link for link in links), links
            link = next(link for link in links if "#s-" in link)
            path, anchor = link.split("#")
            guide = browser.get(path)
            assert guide.status_code == 200
            assert f'id="{anchor}"' in guide.text
            title = "Active listening for mentors and mentees"
            assert f'<h1 id="guide-title">{title}</h1>' in guide.text
            assert "/retire" not in guide.text

    def test_every_listed_guide_opens_for_a_mentee(self, corpus: World, browser_for) -> None:
        browser = browser_for("eli")
        listing = browser.get("/knowledge")
        links = sorted(set(guide_links(listing.text)))
        assert links == ["/knowledge/guides/active-listening", "/knowledge/guides/giving-feedback"]
        for link in links:
            page = browser.get(link)
            assert page.status_code == 200
            assert '<h2 id="s-' in page.text  # sections rendered as headings, not raw '##'
            assert "\n## " not in html.unescape(page.text)

    def test_an_unknown_guide_or_passage_is_the_same_404(self, corpus: World, browser_for) -> None:
        browser = browser_for("eli")
        assert browser.get("/knowledge/guides/no-such-guide").status_code == 404
        assert browser.get("/knowledge/passages/0").status_code == 404

    def test_raw_html_in_a_guide_never_reaches_the_page(self, corpus: World, browser_for) -> None:
        lead = browser_for("lead")
        lead.get("/knowledge")
        added = lead.post(
            "/knowledge/documents",
            files=[("files", ("unsafe.md", UNSAFE, "text/markdown"))],
            follow_redirects=False,
        )
        assert added.status_code == 303
        finished_job(lead, corpus.services, added.headers["location"])
        page = browser_for("maya").get("/knowledge/guides/unsafe-guide")
        assert page.status_code == 200
        body = page.text.split('class="guide-body"')[1].split("</article>")[0]
        # The document's markup is shown as text, never as elements of the page.
        assert "<script" not in body and "<b " not in body
        assert "&lt;script&gt;" in body and "&lt;b onclick=" in body
        assert 'href="javascript' not in body and "[A link](javascript:alert(1))" in body
        assert "<img" not in body and "tracker.png" not in body and "a picture" in body
        ids = re.findall(r'<h2 id="([^"]+)"', body)
        assert ids == ["s-opening-the-session", "s-opening-the-session-2"]


class TestCuration:
    def test_only_coordinators_retire_and_a_retired_guide_leaves_search(
        self, corpus: World, browser_for
    ) -> None:
        mentor = browser_for("maya")
        mentor.get("/knowledge/guides/giving-feedback")
        refused = mentor.post("/knowledge/documents/giving-feedback/retire")
        assert refused.status_code == 403
        api = corpus.client.post(
            "/api/v1/knowledge/documents/giving-feedback/retire", headers=corpus.headers("eli")
        )
        assert api.status_code == 403

        query = {"q": "situation behaviour impact feedback"}
        assert "/knowledge/guides/giving-feedback" in mentor.get("/knowledge", params=query).text

        lead = browser_for("elsewhere")  # a coordinator of another program curates too
        lead.get("/knowledge/guides/giving-feedback")
        retired = lead.post("/knowledge/documents/giving-feedback/retire", follow_redirects=False)
        assert retired.status_code == 303
        assert retired.headers["location"] == "/knowledge/guides/giving-feedback"

        # Out of search for everyone, and out of the mentor's list; coordinators still see it.
        for who in ("maya", "lead"):
            found = browser_for(who).get("/knowledge", params=query).text
            assert "/knowledge/guides/giving-feedback" not in found.split("Guides</h2>")[0]
        assert "giving-feedback" not in mentor.get("/knowledge").text
        assert "retired</span>" in lead.get("/knowledge").text
        api_list = corpus.client.get("/api/v1/knowledge/documents", headers=corpus.headers("eli"))
        assert [d["doc_id"] for d in api_list.json()["items"]] == ["active-listening"]
        # A citation already made of it still opens, saying it is retired.
        still = mentor.get("/knowledge/guides/giving-feedback")
        assert still.status_code == 200 and "This guide is retired" in still.text

        restored = lead.post("/knowledge/documents/giving-feedback/restore")
        assert restored.status_code == 200 and "Restored" in restored.text
        assert "/knowledge/guides/giving-feedback" in mentor.get("/knowledge", params=query).text


class TestNoServerPaths:
    def test_no_page_or_answer_names_a_server_path(self, corpus: World, browser_for) -> None:
        secrets = {str(corpus.services.settings.data_dir), str(CORPUS_DIR), str(CORPUS_DIR.parent)}
        answers = []
        for who in ("eli", "lead"):
            browser = browser_for(who)
            for url in (
                "/knowledge",
                "/knowledge?q=active+listening",
                "/knowledge/guides/active-listening",
                "/knowledge/guides/giving-feedback",
            ):
                answers.append((who, url, browser.get(url).text))
            for url in (
                "/api/v1/knowledge/documents",
                "/api/v1/knowledge/documents/active-listening",
                "/api/v1/knowledge/search?q=feedback",
            ):
                response = corpus.client.get(url, headers=corpus.headers(who))
                assert response.status_code == 200, (who, url)
                answers.append((who, url, response.text))
        leaks = [(who, url) for who, url, text in answers for s in secrets if s in text]
        assert leaks == []
        # The answers do say which file a guide came from, by name.
        assert any('"source":"active-listening.md"' in text for _, _, text in answers)


class TestCitations:
    def test_a_drafts_citations_open_the_guide_at_the_cited_section(
        self, corpus: World, browser_for
    ) -> None:
        lead = browser_for("lead")
        lead.get("/knowledge")
        asked = lead.post(
            "/knowledge/ask",
            {"text": "How do I paraphrase what my mentee said?"},
            follow_redirects=False,
        )
        draft_id = int(re.search(r"asked=(\d+)", asked.headers["location"]).group(1))
        review = lead.get(f"/review/{draft_id}").text
        passages = re.findall(r'href="(/knowledge/passages/[^"]+)"', review)
        assert passages, "the answer's claims link to their passages"
        cited = lead.get(passages[0], follow_redirects=False)
        assert cited.status_code == 303
        path, _, anchor = cited.headers["location"].partition("#")
        assert path == "/knowledge/guides/active-listening" and anchor.startswith("s-")
        # The same anchor is on a heading of the guide, for a mentee as for the coordinator.
        assert f'id="{anchor}"' in browser_for("eli").get(path).text
        # The sources it cites link to the guide at their sections too.
        sources = [link for link in guide_links(review) if "#s-" in link]
        assert sources and all(link.startswith("/knowledge/guides/") for link in sources)
