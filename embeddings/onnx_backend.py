"""The ONNX backend: an exported model run with onnxruntime and the fast tokenizer.

Imports neither torch nor sentence-transformers: a process on this backend loads in
well under a second and carries about half the memory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from embeddings.export import MANIFEST_FILE, MODEL_FILE, TOKENIZER_FILE

# Tokens in one batch at most (32 texts of 128 tokens): batches of long texts get
# fewer rows, so attention's memory, which grows with the square of the length,
# stays bounded (peak resident memory, docs/performance.md).
TOKENS_PER_BATCH = 4096
# Each model call runs on one thread (onnxruntime's intra-op pool of one: the caller's
# own). A server's concurrent requests already keep the cores busy, and one thread
# spends less CPU on a short query than two (docs/performance.md, "Throughput"). A
# large encoding (ingestion, matching) instead runs its batches on this many threads
# at once, one session for all of them, so the weights are held once.
BULK_THREADS = max(1, min(4, os.cpu_count() or 1))
# A call over more texts than this is split into at least BULK_THREADS batches.
SPLIT_ABOVE = 16


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
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
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
        A batch holds at most `batch_size` texts and `TOKENS_PER_BATCH` tokens. Padding
        is masked, so a text's vector does not depend on its batch.
        """
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        if len(texts) > SPLIT_ABOVE:
            batch_size = min(batch_size, -(-len(texts) // BULK_THREADS))
        batches = []
        start = 0
        while start < len(order):
            width = int(lengths[order[start]])  # the longest text left sets the width
            rows = order[start : start + max(1, min(batch_size, TOKENS_PER_BATCH // width))]
            start += len(rows)
            batches.append(rows)

        def run(rows: np.ndarray) -> np.ndarray:
            width = int(lengths[rows[0]])
            input_ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            attention_mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, index in enumerate(rows):
                ids = encodings[index].ids
                input_ids[row, : len(ids)] = ids
                attention_mask[row, : len(ids)] = 1
            feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
            if self._wants_token_types:
                feeds["token_type_ids"] = np.zeros_like(input_ids)
            return self.session.run(None, feeds)[0]

        if len(batches) == 1 or BULK_THREADS == 1:
            outputs = [run(rows) for rows in batches]
        else:
            # onnxruntime runs concurrent calls of one session safely, without the GIL.
            with ThreadPoolExecutor(BULK_THREADS, thread_name_prefix="encode") as pool:
                outputs = list(pool.map(run, batches))
        vectors = np.empty((len(texts), outputs[0].shape[1]), dtype=np.float32)
        for rows, batch in zip(batches, outputs, strict=True):
            vectors[rows] = batch
        return vectors
