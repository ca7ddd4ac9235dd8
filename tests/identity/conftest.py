"""Identity tests: a real OpenID Connect provider process, and an app configured for it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import app_for, free_port

CLIENT_ID = "mentoring-companion"
CLIENT_SECRET = "a-client-secret-for-tests"
PUBLIC_URL = "http://testserver"


@contextmanager
def provider_process(*extra: str) -> Iterator[str]:
    """`oidc-provider-mock` in a process of its own on a loopback port; yields its issuer."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"the provider exited: {process.stderr.read().decode()}")
            time.sleep(0.05)
        else:
            raise RuntimeError("the provider did not start")
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def provider() -> Iterator[str]:
    with provider_process() as issuer:
        yield issuer


@pytest.fixture(scope="session")
def expiring_provider() -> Iterator[str]:
    """A provider whose ID tokens expired ten minutes before they were issued."""
    with provider_process("--token-max-age=-600") as issuer:
        yield issuer


def sso_settings(tmp_path: Path, template: Path, issuer: str, **overrides: object) -> Settings:
    data_dir = tmp_path / f"var-{len(list(tmp_path.iterdir()))}"
    data_dir.mkdir()
    shutil.copy(template, data_dir / "companion.db")
    values: dict[str, object] = {
        "environment": "test",
        "data_dir": data_dir,
        "public_url": PUBLIC_URL,
        "oidc_issuer": issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_provider_name": "Example SSO",
        "oidc_allowed_domains": ["example.org"],
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_services(
    tmp_path: Path, migrated_db_template: Path, encoder, own_chroma
) -> Iterator[Callable[..., Services]]:
    built: list[Services] = []

    def make(issuer: str, **overrides: object) -> Services:
        settings = sso_settings(tmp_path, migrated_db_template, issuer, **overrides)
        services = Services(settings, encoder=encoder, chroma=own_chroma)
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()


@pytest.fixture
def client_for() -> Iterator[Callable[[Services], TestClient]]:
    clients: list[TestClient] = []

    def make(services: Services) -> TestClient:
        client = TestClient(app_for(services))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
