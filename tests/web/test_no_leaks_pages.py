"""Every page, as every role: no unapproved draft text, no AI original, to a non-reviewer.

The same drafts as the API-wide walk (tests/review/test_no_leaks.py): a pending
agenda, a rejected brief, an agenda edited then approved (its AI original is
secret), a delivered nudge and a pending SMART goal.
"""

from __future__ import annotations

import html
import itertools
import re

from tests.relationships.conftest import World
from tests.review.test_no_leaks import EDITED_OBJECTIVE, readable, set_up
from tests.web.test_every_page import page_paths

ROLES = ("lead", "maya", "eli", "nora", "omar", "pia")


def test_no_page_shows_unapproved_text_to_a_non_reviewer(web: World, browser_for) -> None:
    setup = set_up(web)
    browsers = {who: browser_for(who) for who in ROLES}
    eli_inbox = html.unescape(browsers["eli"].get("/inbox").text)
    assert EDITED_OBJECTIVE in eli_inbox  # the walk can see what was delivered

    leaks, seen, checked = [], set(), 0
    # Guides hold no drafted text: one missing id of each is enough for their pages.
    ids = {"doc_id": ["no-such-guide"], "chunk_id": ["no-such-passage"], **setup.ids}
    for path in page_paths():
        names = re.findall(r"\{(\w+)(?::\w+)?\}", path)
        for values in itertools.product(*(ids[name] for name in names)):
            chosen = dict(zip(names, values, strict=True))
            url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m, c=chosen: str(c[m.group(1)]), path)
            for who, browser in browsers.items():
                response = browser.get(url)
                checked += 1
                assert response.status_code < 500, (who, url)
                text = html.unescape(readable(response))
                for secret in setup.secrets:
                    found = [f for f in secret.fragments if f in text]
                    if found and who not in secret.readers:
                        leaks.append((url, who, secret.label, found[0][:60]))
                    if found:
                        seen.add(secret.label)
    assert leaks == []
    # Each kind of secret text was visible to one of its own reviewers somewhere,
    # so the check could have seen a leak.
    assert seen == {s.label for s in setup.secrets}
    assert checked > 100
