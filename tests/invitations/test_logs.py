"""A one-time link's token is never written to the server's log, in either log format."""

from __future__ import annotations

import subprocess
import sys

import pytest

# uvicorn's access logger, called as uvicorn calls it, under the server's log config.
ACCESS_LINE = """
import logging, logging.config, sys
from companion.logs import log_config
logging.config.dictConfig(log_config(json_lines=sys.argv[1] == "json"))
logging.getLogger("uvicorn.access").info(
    '%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "GET", sys.argv[2], "1.1", 200
)
logging.getLogger("uvicorn.access").warning(
    '%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "POST", sys.argv[2], "1.1", 303
)
"""


@pytest.mark.parametrize("kind", ["invite", "reset"])
@pytest.mark.parametrize("form", ["text", "json"])
def test_the_access_line_shows_the_page_but_not_the_token(kind: str, form: str) -> None:
    path = f"/{kind}/SeCrEt-ToKeN_123?x=1"
    done = subprocess.run(
        [sys.executable, "-c", ACCESS_LINE, form, path],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "SeCrEt-ToKeN_123" not in done.stderr + done.stdout
    if form == "text":  # JSON lines silence uvicorn's access line below warnings
        assert f"/{kind}/…?x=1" in done.stderr
    assert f"/{kind}/…" in done.stderr
