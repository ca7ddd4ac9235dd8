"""The vector store as a separate Chroma server (`COMPANION_CHROMA_URL`), as a
deployment with several workers runs it: a real `chroma run` on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from companion.runtime import Services
from embeddings import EncoderMismatch, VectorIndex, content_hash
from tests.conftest import Databases
from tests.guidance.conftest import ingest_paths
from tests.helpers import free_port

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} is missing: chromadb installs it; reinstall with `make install`")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("w")
    server = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(path / "data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to a minute; it starts in about a second
            if server.poll() is not None:
                pytest.fail(f"chroma run exited: {(path / 'server.log').read_text()[-2000:]}")
            try:
                httpx.get(f"{url}/api/v2/heartbeat", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma run did not answer its heartbeat within a minute")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_the_index_works_over_http(chroma_url: str, encoder) -> None:
    from embeddings import make_chroma_client

    client = make_chroma_client(url=chroma_url)
    index = VectorIndex.for_encoder(client, "http-index", encoder)
    texts = ["Preparing a first mentoring session", "Watering the office plants"]
    ids = [content_hash(t) for t in texts]
    index.upsert(ids, encoder.encode(texts), metadatas=[{"kind": "a"}, {"kind": "b"}])
    index.upsert(ids, encoder.encode(texts), metadatas=[{"kind": "a"}, {"kind": "b"}])
    assert index.count() == 2
    assert index.query(encoder.encode_one("getting ready to meet my mentee"))[0].id == ids[0]
    assert set(index.get(ids)) == set(ids)
    index.delete([ids[1]])
    assert sorted(index.ids()) == [ids[0]]
    # The model recorded on the collection is checked by a second client too.
    with pytest.raises(EncoderMismatch):
        VectorIndex(
            make_chroma_client(url=chroma_url), "http-index", model_name="other", dimension=384
        )


def test_the_knowledge_base_ingests_and_searches_through_the_server(
    chroma_url: str, tmp_path: Path, databases: Databases, encoder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "closing.md").write_text(
        "---\nid: closing-well\ntitle: Closing well\n"
        'questions:\n  - "we have nothing left to discuss, should we stop meeting?"\n---\n'
        "# Closing well\n\n## The last session\n\nAgree on a final session in advance and "
        "review the goals you set at the start.\n"
    )
    settings = databases.new(tmp_path / "var", chroma_url=chroma_url)
    services = Services(settings, encoder=encoder)
    try:
        report = ingest_paths(services, docs)
        assert [i["doc_id"] for i in report.ingested] == ["closing-well"]
        assert not (settings.data_dir / "chroma").exists()  # nothing went to a local store
        with services.sessions() as session:
            from companion.guidance import service as kb

            hits = kb.search(
                session=session,
                kb=services.knowledge_base,
                query="we've run out of things to talk about",
                top_k=3,
            )
        assert hits[0].doc_id == "closing-well"
        assert services.knowledge_base.index.count() == 2  # one chunk and one question
    finally:
        services.close()


def test_two_processes_opening_a_new_collection_at_once_both_get_it(
    chroma_url: str, encoder
) -> None:
    """Two app processes started together on a fresh Chroma server both see the
    collection missing; the one that creates it second must open it, not fail."""
    from embeddings import make_chroma_client

    first, second = make_chroma_client(url=chroma_url), make_chroma_client(url=chroma_url)
    create = first.create_collection

    def create_after_the_other_process(*args, **kwargs):
        # The other process wins the race between this one's look and its create.
        VectorIndex.for_encoder(second, "raced-index", encoder)
        return create(*args, **kwargs)

    first.create_collection = create_after_the_other_process  # type: ignore[method-assign]
    index = VectorIndex.for_encoder(first, "raced-index", encoder)
    index.upsert(["a"], encoder.encode(["A first session"]), metadatas=[{"kind": "a"}])
    assert VectorIndex.for_encoder(second, "raced-index", encoder).count() == 1
