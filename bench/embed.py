"""Encoder throughput and query latency against raw SentenceTransformer.encode, same run.

Usage: .venv/bin/python bench/embed.py [--texts 2000] [--repeats 3] [--queries 200]

Baseline: sentence-transformers' own `SentenceTransformer.encode` (batch 32) on the
same texts, in the same process, interleaved with ours run by run so both see the
same machine load. Ours is `embeddings.Encoder` on the ONNX backend (the default)
with a cleared cache; the torch backend is shown too. Prints the ratios against the
targets of docs/performance.md: throughput >= 1.5x raw, query p50 <= 10 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.profiles import profile_texts
from embeddings import Encoder
from embeddings.encoder import packaged_model_path
from knowledge import EVAL_QUERIES
from knowledge.evaluation import load_queries


def rate(encode, texts: list[str]) -> float:
    start = time.perf_counter()
    encode(texts)
    return len(texts) / (time.perf_counter() - start)


def query_ms(encoder: Encoder, queries: list[str]) -> list[float]:
    times = []
    for query in queries:
        encoder.clear_cache()
        start = time.perf_counter()
        encoder.encode_one(query)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    texts = profile_texts(args.texts)
    words = statistics.mean(len(t.split()) for t in texts)
    base = [q.query for q in load_queries(EVAL_QUERIES)]
    queries = [base[i % len(base)] for i in range(args.queries)]

    onnx = Encoder(backend="onnx", batch_size=args.batch_size)
    started = time.perf_counter()
    onnx.load()
    onnx_load = time.perf_counter() - started
    started = time.perf_counter()
    from sentence_transformers import SentenceTransformer

    raw = SentenceTransformer(str(packaged_model_path()), device="cpu", local_files_only=True)
    raw_load = time.perf_counter() - started
    torch = Encoder(backend="torch", batch_size=args.batch_size)
    torch.load()

    def raw_encode(batch: list[str]) -> np.ndarray:
        return raw.encode(batch, batch_size=args.batch_size, normalize_embeddings=True)

    def ours(encoder: Encoder):
        def run(batch: list[str]) -> np.ndarray:
            encoder.clear_cache()
            return encoder.encode(batch)

        return run

    for warm in (raw_encode, ours(onnx), ours(torch)):
        warm(texts[:64])
    rates: dict[str, list[float]] = {"raw": [], "onnx": [], "torch": []}
    for _ in range(args.repeats):
        rates["raw"].append(rate(raw_encode, texts))
        rates["onnx"].append(rate(ours(onnx), texts))
        rates["torch"].append(rate(ours(torch), texts))
    cosines = np.sum(onnx.encode(texts) * raw_encode(texts), axis=1)

    latency = {"onnx": [], "torch": []}
    for _ in range(2):  # interleaved halves, so load changes hit both alike
        half = queries[: len(queries) // 2] if not latency["onnx"] else queries[len(queries) // 2 :]
        latency["onnx"] += query_ms(onnx, half)
        latency["torch"] += query_ms(torch, half)

    median = {name: statistics.median(values) for name, values in rates.items()}
    print(f"{len(texts)} profile texts, {words:.0f} words on average, batch {args.batch_size}")
    print(f"load: onnx {onnx_load:.2f} s; sentence-transformers {raw_load:.1f} s (import included)")
    labels = {
        "raw": "raw SentenceTransformer.encode",
        "onnx": "Encoder, onnx backend",
        "torch": "Encoder, torch backend",
    }
    for name, label in labels.items():
        print(f"{label:<31}: {median[name]:7.1f} texts/s  {_runs(rates[name])}")
    print(f"ratio onnx / raw               : {median['onnx'] / median['raw']:.2f}  (target >= 1.5)")
    print(f"ratio torch / raw              : {median['torch'] / median['raw']:.2f}")
    print(f"cosine onnx vs raw             : min {cosines.min():.6f}, mean {cosines.mean():.6f}")
    for name, values in latency.items():
        print(
            f"one query, {name:<5} p50 / p95     : {np.percentile(values, 50):5.1f} / "
            f"{np.percentile(values, 95):5.1f} ms" + ("  (target p50 <= 10 ms)" * (name == "onnx"))
        )
    print(
        "ratio query p50 onnx / torch   : "
        f"{np.percentile(latency['onnx'], 50) / np.percentile(latency['torch'], 50):.2f}"
    )


def _runs(values: list[float]) -> str:
    return "(runs: " + ", ".join(f"{v:.0f}" for v in values) + ")"


if __name__ == "__main__":
    main()
