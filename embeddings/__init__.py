"""Text to normalised vectors (sentence-transformers) and a vector index (Chroma).

Knows nothing of mentoring. Importing this package forces the libraries below it
offline: no model hub, no telemetry.
"""

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from embeddings.encoder import PACKAGED_MODEL_NAME, Encoder, content_hash
from embeddings.index import (
    EncoderMismatch,
    IndexHit,
    LocalStore,
    VectorIndex,
    encode_cached,
    make_chroma_client,
)

__all__ = [
    "PACKAGED_MODEL_NAME",
    "Encoder",
    "EncoderMismatch",
    "IndexHit",
    "LocalStore",
    "VectorIndex",
    "content_hash",
    "encode_cached",
    "make_chroma_client",
]
