"""The ONNX backend: an exported model run with onnxruntime and the fast tokenizer.

Imports neither torch nor sentence-transformers: a process on this backend loads in
well under a second and carries about half the memory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.export import MANIFEST_FILE, MODEL_FILE, TOKENIZER_FILE

# Tokens in one batch at most (32 texts of 128 tokens): batches of long texts get
# fewer rows, so attention's memory, which grows with the square of the length,
# stays bounded (peak resident memory, docs/performance.md).
TOKENS_PER_BATCH = 4096


class OnnxModel:
    """Texts to unit vectors with the graph written by `embeddings.export`."""

    def __init__(self, directory: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        manifest = json.loads((directory / MANIFEST_FILE).read_text())
        self.max_seq_length = int(manifest["max_seq_length"])
        self.tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_seq_length)
        pad = self.tokenizer.token_to_id("[PAD]")
        self.pad_id = 0 if pad is None else pad
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Idle worker threads yield instead of spinning: on a shared machine spinning
        # took the cores from the request threads and from other processes, and
        # halved throughput when other work ran (docs/performance.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # Without the arena, memory taken by a large batch is given back afterwards:
        # a serving process stays small after an ingestion, at no measured cost in speed.
        options.enable_cpu_mem_arena = False
        self.session = onnxruntime.InferenceSession(
            str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._wants_token_types = any(i.name == "token_type_ids" for i in self.session.get_inputs())
        self.dimension = int(self.encode(["dimension"], batch_size=1).shape[1])

    def encode(self, texts: Sequence[str], *, batch_size: int) -> np.ndarray:
        """Unit vectors in the order of texts.

        Texts are batched longest first, so each batch pads to lengths close to its
        own; in arrival order, one long text makes a whole batch pay for its length.
        A batch holds at most `batch_size` texts and `TOKENS_PER_BATCH` tokens.
        """
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        vectors: np.ndarray | None = None
        start = 0
        while start < len(order):
            width = int(lengths[order[start]])  # the longest text left sets the width
            rows = order[start : start + max(1, min(batch_size, TOKENS_PER_BATCH // width))]
            start += len(rows)
            input_ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            attention_mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, index in enumerate(rows):
                ids = encodings[index].ids
                input_ids[row, : len(ids)] = ids
                attention_mask[row, : len(ids)] = 1
            feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
            if self._wants_token_types:
                feeds["token_type_ids"] = np.zeros_like(input_ids)
            batch = self.session.run(None, feeds)[0]
            if vectors is None:
                vectors = np.empty((len(texts), batch.shape[1]), dtype=np.float32)
            vectors[rows] = batch
        assert vectors is not None
        return vectors
