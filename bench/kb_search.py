"""Knowledge-base query latency at 10,000 and 50,000 chunks, in-process and over HTTP.

Usage: .venv/bin/python bench/kb_search.py [--sizes 10000 50000] [--queries 200]

The synthetic corpus is made from the built-in one: each passage is 4-9
sentences drawn at random from the corpus, grouped ten to a document with
random audiences and topics. Encoding 50,000 passages would take ~10 minutes
on 2 cores, so a passage's vector is the normalised mean of its sentences'
real MiniLM vectors (the ~3,000 distinct sentences are encoded for real).
Query latency does not depend on how the stored vectors were made; every
query is encoded for real, with the encoder cache cleared first.

Passages are written to a real SQLite database and a real persistent Chroma
collection, and searched through the service (`companion.guidance.service.search`)
and through `GET /api/v1/knowledge/search` served by uvicorn on loopback.
Baseline, same run: encoding the query alone.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import numpy as np
import uvicorn
from sqlalchemy import insert

import embeddings
from api.app import create_app
from companion.accounts.models import Role
from companion.accounts.service import onboard
from companion.audit.service import SYSTEM
from companion.db import session_scope, upgrade
from companion.guidance import service as kb
from companion.guidance.models import KbChunk, KbDocument
from companion.runtime import Services
from companion.settings import Settings
from knowledge import CORPUS_DIR, EVAL_QUERIES
from knowledge.documents import AUDIENCES, PROGRAM_TYPES
from knowledge.evaluation import load_queries
from knowledge.loaders import discover, load_path
from knowledge.search import SearchFilters

SENTENCE = re.compile(r"(?<=[.!?])\s+")


def corpus_sentences() -> list[str]:
    files, _ = discover([CORPUS_DIR])
    sentences: set[str] = set()
    for path in files:
        for paragraph in load_path(path).text.split("\n\n"):
            if paragraph.lstrip().startswith("#"):
                continue
            for sentence in SENTENCE.split(" ".join(paragraph.split())):
                if len(sentence.split()) >= 5:
                    sentences.add(sentence)
    return sorted(sentences)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def fill(services: Services, start: int, stop: int, sentences, vectors, rng) -> None:
    """Add passages start..stop-1 (ten per document) to SQLite and Chroma."""
    topics = ["feedback", "goals", "remote", "careers", "leadership", "inclusion", "wellbeing"]
    docs, chunks, ids, matrix, metas = [], [], [], [], []
    with session_scope(services.sessions) as session:
        for doc_start in range(start, stop, 10):
            doc_id = f"synthetic-{doc_start // 10:05d}"
            docs.append(
                {
                    "doc_id": doc_id,
                    "title": f"Synthetic guide {doc_start // 10}",
                    "source": f"bench/{doc_id}.md",
                    "kind": "guide",
                    "content_hash": doc_id,
                    "summary": "",
                    "audience": rng.sample(AUDIENCES, rng.randint(1, 3)),
                    "topics": rng.sample(topics, 2),
                    "program_types": rng.sample(PROGRAM_TYPES, 2),
                    "stage": [],
                    "sources": [],
                    "tags": [],
                    "chunk_count": 10,
                }
            )
        session.execute(insert(KbDocument), docs)
        row_ids = {
            d.doc_id: d.id
            for d in session.query(KbDocument).filter(
                KbDocument.doc_id.in_([d["doc_id"] for d in docs])
            )
        }
        for n in range(start, stop):
            picks = rng.sample(range(len(sentences)), rng.randint(4, 9))
            text = " ".join(sentences[i] for i in picks)
            vector = vectors[picks].mean(axis=0)
            chunk_id = embeddings.content_hash(f"bench\x1f{n}\x1f{text}")
            doc_id = f"synthetic-{n // 10:05d}"
            chunks.append(
                {
                    "chunk_id": chunk_id,
                    "document_id": row_ids[doc_id],
                    "position": n % 10,
                    "heading": f"Synthetic guide {n // 10} > Part {n % 10}",
                    "text": text,
                }
            )
            ids.append(chunk_id)
            matrix.append(vector / np.linalg.norm(vector))
            metas.append({"doc_id": doc_id})
        session.execute(insert(KbChunk), chunks)
    services.knowledge_base.index.upsert(ids, np.vstack(matrix), metadatas=metas)


def serve(services: Services, port: int) -> uvicorn.Server:
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(services=services), host="127.0.0.1", port=port, log_level="error"
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()

    rng = random.Random(11)
    encoder = embeddings.Encoder()
    sentences = corpus_sentences()
    t0 = time.perf_counter()
    vectors = encoder.encode(sentences)
    print(f"{len(sentences)} corpus sentences encoded in {time.perf_counter() - t0:.0f} s")
    base_queries = [q.query for q in load_queries(EVAL_QUERIES)]
    queries = [base_queries[i % len(base_queries)] for i in range(args.queries)]

    data_dir = Path(tempfile.mkdtemp(prefix="kb-bench-")) / "var"
    data_dir.mkdir()
    upgrade(f"sqlite:///{data_dir / 'companion.db'}")
    services = Services(
        Settings(environment="test", data_dir=data_dir),
        encoder=encoder,
        chroma=embeddings.make_chroma_client(path=data_dir / "chroma"),
    )
    with session_scope(services.sessions) as session:
        _, issued = onboard(
            session=session,
            email="bench@example.org",
            display_name="bench",
            roles=[(Role.mentor, None)],
            actor=SYSTEM,
        )
        token = issued.plaintext
    server = serve(services, args.port)
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{args.port}", headers={"Authorization": f"Bearer {token}"}
    )

    filled = 0
    print(
        "\nchunks  | encode only p50/p95 | in-process p50/p95 | filtered p50/p95"
        " | HTTP p50/p95 (ms)"
    )
    for size in sorted(args.sizes):
        t0 = time.perf_counter()
        fill(services, filled, size, sentences, vectors, rng)
        filled = size
        fill_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with services.sessions() as session:
            searcher = services.knowledge_base.searcher(session)
        build_s = time.perf_counter() - t0

        def timed(run) -> list[float]:
            times = []
            for query in queries:
                encoder.clear_cache()
                start = time.perf_counter()
                run(query)
                times.append((time.perf_counter() - start) * 1000)
            return times

        encode = timed(lambda q: encoder.encode_one(q))
        with services.sessions() as session:
            plain = timed(
                lambda q, s=session: kb.search(
                    session=s, kb=services.knowledge_base, query=q, top_k=10
                )
            )
            filtered = timed(
                lambda q, s=session: kb.search(
                    session=s,
                    kb=services.knowledge_base,
                    query=q,
                    top_k=10,
                    filters=SearchFilters(audience="mentor", program_type="circle"),
                )
            )
        http = timed(
            lambda q: client.get(
                "/api/v1/knowledge/search", params={"q": q, "top_k": 10}
            ).raise_for_status()
        )
        print(
            f"{len(searcher):>7} | {percentile(encode, 50):6.1f} / {percentile(encode, 95):6.1f}"
            f"     | {percentile(plain, 50):6.1f} / {percentile(plain, 95):6.1f}"
            f"    | {percentile(filtered, 50):6.1f} / {percentile(filtered, 95):6.1f}"
            f"  | {percentile(http, 50):6.1f} / {percentile(http, 95):6.1f}"
            f"   (fill {fill_s:.0f} s, searcher build {build_s:.1f} s)"
        )
        print(
            f"          ratio in-process / encode-only (p50): "
            f"{statistics.median(plain) / statistics.median(encode):.2f}"
        )
    server.should_exit = True
    services.close()


if __name__ == "__main__":
    main()
