"""Encoder throughput and query latency against raw SentenceTransformer.encode, same run.

Usage: .venv/bin/python bench/embed.py [--texts 2000] [--repeats 3] [--queries 200]

Baseline: sentence-transformers' own `SentenceTransformer.encode` (batch 32) on the
same texts, in the same process, interleaved with ours run by run so both see the
same machine load. Ours is `embeddings.Encoder` on the ONNX backend (the default)
with a cleared cache; the torch backend is shown too. Prints the ratios against the
targets of docs/performance.md: throughput >= 1.5x raw, query p50 <= 10 ms.

Then the arithmetic ceiling: the floating-point operations the model does for these
texts (counted from the model's configuration and each text's token count), what
each side did per second of CPU time (all its threads), and the fastest fp32 matrix multiply
this machine does in the same run, per second of CPU time (one large product of the
model's own shapes, on onnxruntime and on torch, one thread). A throughput ratio
that would need more arithmetic per CPU second than that is out of reach of any
fp32 engine on the same cores. Read it on a quiet machine: under load, torch's
waiting threads burn CPU and the baseline looks far less efficient than it is.
"""

from __future__ import annotations

import argparse
import json
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

# CPU seconds the process used for each encoder's runs, all its threads counted. On a
# busy machine torch's threads burn CPU waiting for each other, so read this on a quiet one.
cpu_used: dict[str, float] = {}


def rate(encode, texts: list[str], name: str = "") -> float:
    start, cpu = time.perf_counter(), time.process_time()
    encode(texts)
    cpu_used[name] = cpu_used.get(name, 0.0) + time.process_time() - cpu
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
        rates["raw"].append(rate(raw_encode, texts, "raw"))
        rates["onnx"].append(rate(ours(onnx), texts, "onnx"))
        rates["torch"].append(rate(ours(torch), texts, "torch"))
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

    work = model_flops(texts, onnx) / 1e9
    per_cpu = {name: work * args.repeats / cpu_used[name] for name in ("raw", "onnx")}
    peak = matmul_gflops(threads=1)
    best = max(peak.values())
    print(f"arithmetic of one pass         : {work:.0f} GFLOP (a floor: norms, softmax left out)")
    print(
        "GFLOP per CPU second           : "
        + ", ".join(f"{name} {value:.1f}" for name, value in per_cpu.items())
    )
    print(
        "fp32 matrix multiply, 1 thread : "
        + ", ".join(f"{name} {value:.1f}" for name, value in peak.items())
        + " GFLOP per CPU second (best of 20, the model's widest product)"
    )
    print(
        "1.5 x raw on the same cores    : "
        f"{1.5 * per_cpu['raw']:.1f} GFLOP per CPU second, "
        f"{1.5 * per_cpu['raw'] / best:.2f} x the fastest matrix multiply measured"
    )


def model_flops(texts: list[str], encoder: Encoder) -> float:
    """Floating-point operations of one pass over texts: matrix products, attention included.

    Per token and layer: the query, key, value and output projections (4 d^2 multiply-adds)
    and the feed-forward pair (2 d f); per text and layer, attention's two products
    (2 L^2 d). Two operations a multiply-add. Norms, softmax and GELU are left out: they
    are a few per cent, so the figure is a floor.
    """
    config = json.loads((packaged_model_path() / "config.json").read_text())
    d, f = config["hidden_size"], config["intermediate_size"]
    layers = config["num_hidden_layers"]
    model = encoder.load()
    lengths = [len(e.ids) for e in model.tokenizer.encode_batch(texts)]
    per_token = layers * (4 * d * d + 2 * d * f) * 2
    attention = sum(layers * 2 * 2 * n * n * d for n in lengths)
    return per_token * sum(lengths) + attention


def matmul_gflops(threads: int = 1, rows: int = 2048, repeats: int = 20) -> dict[str, float]:
    """The best fp32 rate of one (rows x 384) @ (384 x 1536) product, the model's widest.

    onnxruntime (one MatMul node, the same execution provider as the encoder) and torch,
    each with `threads` threads: the best of `repeats` runs each, in GFLOP per second of
    CPU time (with one thread, the same as per second of wall time on an idle core).
    """
    import onnx
    import onnxruntime
    import torch
    from onnx import TensorProto, helper, numpy_helper

    k, n = 384, 1536
    a = np.random.default_rng(0).standard_normal((rows, k)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((k, n)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["c"])],
        "matmul",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [rows, k])],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [rows, n])],
        initializer=[numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # what onnxruntime reads, whatever onnx writes by default
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    flops = 2 * rows * k * n
    best = {"onnxruntime": 0.0, "torch": 0.0}
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for _ in range(repeats):
            started = time.process_time()
            session.run(None, {"a": a})
            best["onnxruntime"] = max(best["onnxruntime"], flops / (time.process_time() - started))
            started = time.process_time()
            torch.mm(ta, tb)
            best["torch"] = max(best["torch"], flops / (time.process_time() - started))
    finally:
        torch.set_num_threads(previous)
    del onnx
    return {name: value / 1e9 for name, value in best.items()}


def _runs(values: list[float]) -> str:
    return "(runs: " + ", ".join(f"{v:.0f}" for v in values) + ")"


if __name__ == "__main__":
    main()
