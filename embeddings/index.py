"""The VectorIndex: one Chroma collection bound to one encoder's vector space."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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
    """An HTTP client if url is set, else a persistent client at path, else in-memory."""
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
        client: ClientAPI,
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
            collection = client.create_collection(
                name,
                embedding_function=None,
                metadata={"embedding_model": model_name, "dimension": dimension},
                configuration={
                    "hnsw": {"space": "cosine", "ef_search": ef_search, "ef_construction": 128}
                },
            )
        self._collection: Collection = collection
        self._max_batch = max(1, min(int(client.get_max_batch_size()), 5000))

    @classmethod
    def for_encoder(cls, client: ClientAPI, name: str, encoder: Encoder) -> VectorIndex:
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
        for start in range(0, len(ids), self._max_batch):
            stop = start + self._max_batch
            self._collection.upsert(
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
        result = self._collection.query(
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
        for start in range(0, len(ids), ID_BATCH):
            result = self._collection.get(
                ids=list(ids[start : start + ID_BATCH]), include=["embeddings"]
            )
            embeddings = result.get("embeddings")
            if embeddings is None:
                continue
            for i, e in zip(result["ids"], embeddings, strict=True):
                found[i] = np.asarray(e, dtype=np.float32)
        return found

    def ids(self, where: Mapping[str, Any] | None = None) -> list[str]:
        return list(self._collection.get(where=dict(where) if where else None, include=[])["ids"])

    def delete(
        self, ids: Sequence[str] | None = None, *, where: Mapping[str, Any] | None = None
    ) -> None:
        if ids is None and where is None:
            raise ValueError("delete() needs ids or a where filter; refusing to delete everything")
        if ids is None:
            self._collection.delete(where=dict(where) if where else None)
            return
        for start in range(0, len(ids), ID_BATCH):
            self._collection.delete(
                ids=list(ids[start : start + ID_BATCH]), where=dict(where) if where else None
            )

    def count(self) -> int:
        return int(self._collection.count())


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
