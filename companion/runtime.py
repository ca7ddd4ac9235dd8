"""The expensive objects of a process (engine, encoder, vector store), built once."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from companion.db import (
    make_engine,
    make_quick_read_engine,
    make_quick_read_sessions,
    make_session_factory,
)
from companion.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

    from companion.guidance.service import KnowledgeBase
    from companion.jobs.runner import Runner
    from companion.matching.service import ProfileVectors
    from embeddings import Encoder, LocalStore


class Services:
    """Built at the edges (app lifespan, CLI command) and passed down explicitly.

    The encoder and the Chroma client are created on first use, so commands
    that need neither never import them. Tests pass their own (the shared
    MiniLM encoder, an ephemeral Chroma client).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        encoder: Encoder | None = None,
        chroma: ClientAPI | LocalStore | None = None,
    ) -> None:
        self.settings = settings
        settings.ensure_data_dir()
        # How many quick reads a server process runs at once (`api.deps.run_as_user`):
        # read once, as its default resolves the database's path.
        self.read_threads = settings.resolved_read_threads
        self.engine = make_engine(settings.resolved_database_url)
        # Deferred on SQLite: for reading, and for work that manages its own sessions.
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        # For units of work that write (a POST, a CLI command): they begin IMMEDIATE
        # on SQLite, so they wait their turn instead of failing under contention.
        self.write_sessions: sessionmaker[Session] = make_session_factory(
            self.engine, immediate=True
        )
        # For quick reads (`api.deps.run_as_user`): never write; a pool of their own in
        # autocommit (`companion.db.engine.make_quick_read_engine`).
        self.quick_read_engine = make_quick_read_engine(self.engine, pool_size=self.read_threads)
        self.quick_reads: sessionmaker[Session] = make_quick_read_sessions(self.quick_read_engine)
        self._encoder = encoder
        self._chroma = chroma
        self._own_store: LocalStore | None = None
        self._knowledge_base: KnowledgeBase | None = None
        self._profile_vectors: ProfileVectors | None = None
        self._jobs: Runner | None = None
        self._lock = threading.Lock()

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            from embeddings import Encoder

            with self._lock:
                if self._encoder is None:
                    self._encoder = Encoder.shared(
                        self.settings.embedding_model, backend=self.settings.embedding_backend
                    )
        return self._encoder

    @property
    def chroma(self) -> ClientAPI | LocalStore:
        """A Chroma server's client, or the on-disk store under the data dir, which a
        server and the CLI beside it share (`embeddings.LocalStore`)."""
        if self._chroma is None:
            from embeddings import LocalStore, make_chroma_client

            with self._lock:
                if self._chroma is None:
                    if self.settings.chroma_url:
                        self._chroma = make_chroma_client(url=self.settings.chroma_url)
                    else:
                        self._own_store = LocalStore(self.settings.chroma_path)
                        self._chroma = self._own_store
        return self._chroma

    @property
    def knowledge_base(self) -> KnowledgeBase:
        if self._knowledge_base is None:
            from companion.guidance.service import KnowledgeBase

            encoder = self.encoder
            with self._lock:
                if self._knowledge_base is None:
                    # The store opens on first use: commands that find nothing to
                    # write or read (a second `make run`) never start it.
                    self._knowledge_base = KnowledgeBase(encoder, lambda: self.chroma)
        return self._knowledge_base

    @property
    def profile_vectors(self) -> ProfileVectors:
        if self._profile_vectors is None:
            from companion.matching.service import ProfileVectors

            encoder = self.encoder
            with self._lock:
                if self._profile_vectors is None:
                    self._profile_vectors = ProfileVectors(encoder, lambda: self.chroma)
        return self._profile_vectors

    @property
    def jobs(self) -> Runner:
        """The threads that run long actions (matching, an import, an ingest) in this process."""
        if self._jobs is None:
            from companion.jobs.runner import Runner

            with self._lock:
                if self._jobs is None:
                    self._jobs = Runner(self.write_sessions)
        return self._jobs

    def close(self) -> None:
        if self._jobs is not None:
            self._jobs.shutdown()
        if self._own_store is not None:
            self._own_store.close()
        if self.quick_read_engine is not self.engine:
            self.quick_read_engine.dispose()
        self.engine.dispose()
