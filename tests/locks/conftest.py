"""A real uvicorn server on loopback, in this process, and a model server that waits."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import uvicorn

import embeddings
from api.app import create_app
from companion.accounts.models import Role
from companion.db import session_scope
from companion.programs import service as programs
from companion.programs.models import ProgramKind
from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import TEST_SYSTEM, chat_completion, free_port, make_user


@dataclass
class SlowModel:
    """An OpenAI-compatible server that holds each request until `release` is set.

    `entered` is set when a request arrives; `calls` counts them. `status`, `headers`
    and `content` say what it answers once released.
    """

    port: int = 0
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    calls: int = 0
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content: str = ""

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


@pytest.fixture
def slow_model() -> Iterator[SlowModel]:
    state = SlowModel()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.calls += 1
            state.entered.set()
            state.release.wait(timeout=60)
            payload = chat_completion(
                state.status, state.content, number=state.calls, model=body["model"]
            )
            data = json.dumps(payload).encode()
            self.send_response(state.status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.port = server.server_address[1]
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


@dataclass
class Served:
    base: str
    services: Services
    admin: str
    coordinator: str
    program_id: int

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )


def serve(services: Services) -> Iterator[str]:
    """Run the app under uvicorn on a loopback port until the test ends."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services=services), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def served(
    request: pytest.FixtureRequest,
    settings: Settings,
    slow_model: SlowModel,
    encoder: embeddings.Encoder,
    tmp_path: Path,
) -> Iterator[Served]:
    """The app with a provider that waits (`slow_model`), an admin and a coordinator.

    Parametrised indirectly, the parameter is a dict of settings to change."""
    configured = settings.model_copy(
        update={
            "llm_model": "openai/slow-model",
            "llm_api_base": slow_model.api_base,
            "llm_retries": 0,
            "llm_timeout_seconds": 60,
            **getattr(request, "param", {}),
        }
    )
    services = Services(
        configured, encoder=encoder, chroma=embeddings.make_chroma_client(path=tmp_path / "c")
    )
    with session_scope(services.sessions) as session:
        program = programs.create(
            session=session,
            name="Locks",
            kind=ProgramKind.one_on_one,
            description="",
            principal=TEST_SYSTEM,
        )
        program_id = program.id
    with services.sessions() as session:
        _, admin = make_user(session, "admin@example.org", (Role.admin, None))
        _, coordinator = make_user(
            session, "coordinator@example.org", (Role.coordinator, program_id)
        )
    try:
        for base in serve(services):
            yield Served(base, services, admin, coordinator, program_id)
    finally:
        services.close()
