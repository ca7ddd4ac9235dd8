"""Follow a long action started from a page to its result, as a reader would."""

from __future__ import annotations

import html
import re

from companion.runtime import Services


def finished_job(browser, services: Services, location: str) -> tuple[str, str]:
    """Wait for the job at `location` (a job page) to finish: its page, and the result's URL
    ("" if it failed)."""
    assert re.fullmatch(r"/jobs/\d+", location), location
    services.jobs.wait()
    page = browser.get(location)
    assert page.status_code == 200, page.text
    link = re.search(r'<a class="button" href="([^"]+)">See the result</a>', page.text)
    return page.text, html.unescape(link.group(1)) if link else ""
