"""The VectorIndex: one Chroma collection bound to one encoder's vector space."""

from __future__ import annotations

import fcntl
import os
import re
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from embeddings.encoder import Encoder

MetadataValue = str | int | float | bool
ID_BATCH = 500
COLLECTION_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")


class EncoderMismatch(RuntimeError):
    """A collection was built with another model or dimension than the encoder given."""


def _chroma_settings() -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=True)


def make_chroma_client(*, url: str | None = None, path: Path | None = None) -> ClientAPI:
    """An HTTP client if url is set, else a persistent client at path, else in-memory.

    A process that shares its data dir with others (a server, the CLI) opens the
    on-disk store as a `LocalStore` instead.
    """
    import chromadb

    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"Chroma URL {url!r} must look like http://host:8000")
        ssl = parsed.scheme == "https"
        return chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=_chroma_settings(),
        )
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
    return chromadb.EphemeralClient(settings=_chroma_settings())


class LocalStore:
    """Chroma's on-disk store, shared by every process of one data dir.

    A running server and a CLI command beside it (`companion kb ingest`) open the
    same directory. Chroma keeps each collection's vector index in memory, so a
    process that opened the store before another one wrote to it answers from a
    stale index ("Error finding id"), and writing from it could overwrite the
    other's work. Here every write takes an exclusive file lock and, when done,
    writes a new generation stamp; every read or write first compares the stamp
    with the one this process last saw and reopens the client if another process
    has written since. Within a process one lock serialises the store's use, so a
    client is never closed under a thread still reading it.
    """

    STAMP = "generation"
    LOCK = "writer.lock"

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._client: ClientAPI | None = None
        self._seen: str | None = None
        self._opened = 0  # how many times a client was opened: collections re-fetch on change
        self._lock = threading.RLock()

    def _stamp(self) -> str:
        try:
            return (self.path / self.STAMP).read_text()
        except FileNotFoundError:
            return ""

    def _current(self) -> ClientAPI:
        stamp = self._stamp()
        if self._client is None or stamp != self._seen:
            import chromadb

            if self._client is not None:
                self._client.close()
            self._client = chromadb.PersistentClient(
                path=str(self.path), settings=_chroma_settings()
            )
            self._seen = stamp
            self._opened += 1
        return self._client

    @contextmanager
    def reading(self) -> Iterator[tuple[ClientAPI, int]]:
        """The client, reopened if another process wrote since; and its opening number."""
        with self._lock, self._file_lock(fcntl.LOCK_SH):
            yield self._current(), self._opened

    @contextmanager
    def writing(self) -> Iterator[tuple[ClientAPI, int]]:
        """As reading, holding every other process's writes off, and stamping the change."""
        with self._lock, self._file_lock(fcntl.LOCK_EX):
            client = self._current()
            try:
                yield client, self._opened
            finally:
                stamp = f"{os.getpid()}-{uuid.uuid4().hex}"
                temporary = self.path / f".{self.STAMP}.{os.getpid()}"
                temporary.write_text(stamp)
                os.replace(temporary, self.path / self.STAMP)
                self._seen = stamp

    @contextmanager
    def _file_lock(self, mode: int) -> Iterator[None]:
        with (self.path / self.LOCK).open("a") as handle:
            fcntl.flock(handle, mode)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def heartbeat(self) -> int:
        with self.reading() as (client, _):
            return int(client.heartbeat())

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


@dataclass(frozen=True)
class IndexHit:
    id: str
    score: float  # cosine similarity, higher is closer
    document: str | None
    metadata: dict[str, MetadataValue]


class VectorIndex:
    """A named collection of unit vectors, refusing vectors from any other model."""

    def __init__(
        self,
        client: ClientAPI | LocalStore,
        name: str,
        *,
        model_name: str,
        dimension: int,
        ef_search: int = 128,
    ) -> None:
        if not COLLECTION_NAME.match(name):
            raise ValueError(
                f"Collection name {name!r} must be 3-512 characters of letters, digits, "
                "'.', '_' or '-', starting and ending with a letter or digit."
            )
        self.name = name
        self.model_name = model_name
        self.dimension = dimension
        self._store: LocalStore | None = None
        self._opened = 0
        if isinstance(client, LocalStore):
            self._store = client
            with client.reading() as (opened_client, _):
                exists = name in {c.name for c in opened_client.list_collections()}
            # Only creating the collection is a write the other processes must see.
            with client.reading() if exists else client.writing() as (opened_client, opened):
                self._open(opened_client, ef_search)
                self._opened = opened
        else:
            self._open(client, ef_search)

    def _open(self, client: ClientAPI, ef_search: int) -> None:
        name, model_name, dimension = self.name, self.model_name, self.dimension
        existing = {c.name for c in client.list_collections()}
        if name in existing:
            collection = client.get_collection(name, embedding_function=None)
            stored = collection.metadata or {}
            stored_model = stored.get("embedding_model")
            stored_dimension = stored.get("dimension")
            if stored_model != model_name or stored_dimension != dimension:
                raise EncoderMismatch(
                    f"Collection {name!r} holds vectors of model {stored_model!r} "
                    f"(dimension {stored_dimension}); the encoder in use is {model_name!r} "
                    f"(dimension {dimension}). Re-index with the new model into a new data "
                    "directory, or set the embedding model back."
                )
        else:
            from chromadb.errors import ChromaError

            try:
                collection = client.create_collection(
                    name,
                    embedding_function=None,
                    metadata={"embedding_model": model_name, "dimension": dimension},
                    configuration={
                        "hnsw": {"space": "cosine", "ef_search": ef_search, "ef_construction": 128}
                    },
                )
            except ChromaError:
                # Another process (an app started beside this one on a shared Chroma
                # server) created it between the look above and this create: open theirs,
                # checking its model like any existing collection.
                if name not in {c.name for c in client.list_collections()}:
                    raise
                self._open(client, ef_search)
                return
        self._collection: Collection = collection
        self._max_batch = max(1, min(int(client.get_max_batch_size()), 5000))

    @contextmanager
    def _use(self, *, write: bool) -> Iterator[Collection]:
        """The collection, fetched again when a shared local store was reopened."""
        if self._store is None:
            yield self._collection
            return
        with self._store.writing() if write else self._store.reading() as (client, opened):
            if opened != self._opened:
                self._collection = client.get_collection(self.name, embedding_function=None)
                self._opened = opened
            yield self._collection

    @classmethod
    def for_encoder(
        cls, client: ClientAPI | LocalStore, name: str, encoder: Encoder
    ) -> VectorIndex:
        return cls(client, name, model_name=encoder.model_name, dimension=encoder.dimension)

    def _check_vectors(self, vectors: np.ndarray) -> np.ndarray:
        array = np.asarray(vectors, dtype=np.float32)
        if array.ndim != 2 or array.shape[1] != self.dimension:
            raise EncoderMismatch(
                f"Vectors of shape {array.shape} do not fit collection {self.name!r} "
                f"(dimension {self.dimension}, model {self.model_name})."
            )
        return array

    def upsert(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        *,
        documents: Sequence[str] | None = None,
        metadatas: Sequence[Mapping[str, MetadataValue]] | None = None,
    ) -> None:
        """Insert or replace vectors by id (content hashes make this idempotent)."""
        array = self._check_vectors(vectors)
        if len(ids) != len(array):
            raise ValueError(f"{len(ids)} ids for {len(array)} vectors")
        with self._use(write=True) as collection:
            for start in range(0, len(ids), self._max_batch):
                stop = start + self._max_batch
                collection.upsert(
                    ids=list(ids[start:stop]),
                    embeddings=array[start:stop],
                    documents=list(documents[start:stop]) if documents is not None else None,
                    metadatas=[dict(m) for m in metadatas[start:stop]] if metadatas else None,
                )

    def query(
        self,
        vector: np.ndarray,
        *,
        top_k: int = 10,
        where: Mapping[str, Any] | None = None,
    ) -> list[IndexHit]:
        """The top_k nearest stored vectors, best first, optionally filtered by metadata."""
        array = self._check_vectors(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        if top_k < 1:
            return []
        with self._use(write=False) as collection:
            result = collection.query(
                query_embeddings=array,
                n_results=top_k,
                where=dict(where) if where else None,
                include=["distances", "documents", "metadatas"],
            )
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        documents = (result.get("documents") or [[None] * len(ids)])[0]
        metadatas = (result.get("metadatas") or [[{}] * len(ids)])[0]
        return [
            IndexHit(id=i, score=1.0 - float(d), document=doc, metadata=dict(meta or {}))
            for i, d, doc, meta in zip(ids, distances, documents, metadatas, strict=True)
        ]

    def get(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by id; ids not in the collection are absent from the result."""
        found: dict[str, np.ndarray] = {}
        # Batched: Chroma's SQLite layer refuses queries with too many variables.
        with self._use(write=False) as collection:
            for start in range(0, len(ids), ID_BATCH):
                result = collection.get(
                    ids=list(ids[start : start + ID_BATCH]), include=["embeddings"]
                )
                embeddings = result.get("embeddings")
                if embeddings is None:
                    continue
                for i, e in zip(result["ids"], embeddings, strict=True):
                    found[i] = np.asarray(e, dtype=np.float32)
        return found

    def ids(self, where: Mapping[str, Any] | None = None) -> list[str]:
        with self._use(write=False) as collection:
            return list(collection.get(where=dict(where) if where else None, include=[])["ids"])

    def delete(
        self, ids: Sequence[str] | None = None, *, where: Mapping[str, Any] | None = None
    ) -> None:
        if ids is None and where is None:
            raise ValueError("delete() needs ids or a where filter; refusing to delete everything")
        with self._use(write=True) as collection:
            if ids is None:
                collection.delete(where=dict(where) if where else None)
                return
            for start in range(0, len(ids), ID_BATCH):
                collection.delete(
                    ids=list(ids[start : start + ID_BATCH]), where=dict(where) if where else None
                )

    def count(self) -> int:
        with self._use(write=False) as collection:
            return int(collection.count())

    def probe(self) -> None:
        """Read one stored vector back through the index: raises if the store cannot serve."""
        with self._use(write=False) as collection:
            sample = collection.get(limit=1, include=["embeddings"])
            embeddings = sample.get("embeddings")
            if sample["ids"] and embeddings is not None:
                collection.query(
                    query_embeddings=np.asarray(embeddings[:1], dtype=np.float32), n_results=1
                )


def encode_cached(encoder: Encoder, index: VectorIndex, texts: Sequence[str]) -> np.ndarray:
    """Encode texts, reusing vectors stored in the index under their content hash.

    The encoder's own cache lasts a process; this one lasts as long as the
    index, so unchanged profiles are not encoded again by the next run.
    """
    from embeddings.encoder import content_hash

    if not texts:
        return np.zeros((0, index.dimension), dtype=np.float32)
    keys = [content_hash(text) for text in texts]
    stored = index.get(sorted(set(keys)))
    missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in stored}
    if missing:
        vectors = encoder.encode(list(missing.values()))
        index.upsert(list(missing), vectors)
        stored.update(zip(missing, vectors, strict=True))
    return np.vstack([stored[k] for k in keys])
