"""Encoder throughput against raw SentenceTransformer.encode, measured in the same run.

Usage: .venv/bin/python bench/embed.py [--texts 2000] [--repeats 2]
Prints texts/s for both and the ratio ours / raw (target >= 0.9).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.profiles import profile_texts
from embeddings import Encoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    texts = profile_texts(args.texts)
    words = statistics.mean(len(t.split()) for t in texts)
    ours = Encoder(batch_size=args.batch_size)
    t0 = time.perf_counter()
    model = ours.load()
    print(f"model load: {time.perf_counter() - t0:.1f} s (import included)")
    model.encode(texts[:64], batch_size=args.batch_size)  # warm-up, both share this model

    raw_rates, our_rates = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.encode(texts, batch_size=args.batch_size)
        raw_rates.append(len(texts) / (time.perf_counter() - start))
        ours.clear_cache()
        start = time.perf_counter()
        ours.encode(texts)
        our_rates.append(len(texts) / (time.perf_counter() - start))

    start = time.perf_counter()
    ours.encode(texts)
    cached_rate = len(texts) / (time.perf_counter() - start)

    raw, our = statistics.median(raw_rates), statistics.median(our_rates)
    print(f"{len(texts)} profile texts, {words:.0f} words on average, batch {args.batch_size}")
    print(f"raw SentenceTransformer.encode : {raw:8.1f} texts/s  (runs: {raw_rates})")
    print(f"Encoder.encode (cold cache)    : {our:8.1f} texts/s  (runs: {our_rates})")
    print(f"Encoder.encode (all cached)    : {cached_rate:8.0f} texts/s")
    print(f"ratio ours / raw               : {our / raw:.3f}  (target >= 0.9)")


if __name__ == "__main__":
    main()
