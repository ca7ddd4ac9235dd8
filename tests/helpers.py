"""Small builders shared by tests (real rows in a real database)."""

from __future__ import annotations

import json
import socket
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from companion.accounts import service as accounts
from companion.accounts.models import Role, User
from companion.accounts.principal import System
from companion.audit.service import Actor
from companion.settings import Settings

TEST_ACTOR = Actor(id=None, label="test")

# One app per Services: building an app is cheap, but its first requests build the
# state of every route they pass on the way (FastAPI does it lazily, per app), which is
# most of a short test's time. Clients of one test share the app (each with its own
# cookies and its own lifespan); what an app keeps of its own is its metrics registry.
_APPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def app_for(services):
    """The app serving `services`, built once for them (`api.app.create_app`)."""
    from api.app import create_app

    app = _APPS.get(services)
    if app is None:
        app = _APPS[services] = create_app(services=services)
    return app


# Tests set up their world as the server's operator would, at the command line.
TEST_SYSTEM = System("test")


def make_user(session: Session, email: str, *roles: tuple[Role, int | None]) -> tuple[User, str]:
    """Create a user with roles and return it with a fresh API token."""
    user, issued = accounts.onboard(
        session=session, principal=TEST_SYSTEM, email=email, display_name=None, roles=list(roles)
    )
    session.commit()
    return user, issued.plaintext


# The database of each test data dir whose database is not the SQLite file inside it
# (on the PostgreSQL run): filled by the `databases` fixture of tests/conftest.py.
DATABASE_URLS: dict[Path, str] = {}


def cli_env(data_dir: Path) -> dict[str, str]:
    """The variables that point a `companion` command at a test's data dir and database."""
    env = {"COMPANION_DATA_DIR": str(data_dir)}
    if data_dir in DATABASE_URLS:
        env["COMPANION_DATABASE_URL"] = DATABASE_URLS[data_dir]
    return env


def point_cli_at(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Make `companion` commands run in this test use the test's data dir and database."""
    for name, value in cli_env(settings.data_dir).items():
        monkeypatch.setenv(name, value)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    """A loopback port nothing listens on (at the moment of asking)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def json_server(answer: Callable[[dict], tuple[int, dict]]) -> Iterator[int]:
    """A loopback HTTP server answering each POSTed JSON body with answer(body); yields its port."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status, payload = answer(body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def chat_completion(status: int, content: str, *, number: int, model: str | None) -> dict:
    """An OpenAI-compatible chat completion (or error) body, as a provider sends it."""
    if status != 200:
        return {"error": {"message": content, "type": "server_error"}}
    payload = {
        "id": f"chatcmpl-{number}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200},
    }
    if model is not None:
        payload["model"] = model
    return payload
