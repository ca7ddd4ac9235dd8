"""Does a dynamically quantised (int8) export earn its place? Quality and speed, same run.

Usage: .venv/bin/python bench/int8.py [--texts 1000]

Quantises the installed fp32 export with onnxruntime's `quantize_dynamic` (int8
weights, per channel) into a temporary folder and compares the two on:

- retrieval: recall@3 (and @1, @5, MRR) of the service's hybrid search and of
  dense search alone over the built-in corpus, for the labelled questions
  (knowledge/eval/queries.yaml) and the held-out ones (holdout.yaml);
- planted pairs: 300 mentees, each written around one of ten goals, and ten
  mentors whose offers answer exactly one goal each in other words; recovery is
  the share of mentees whose nearest mentor (cosine) is the planted one;
- vectors: cosine of each int8 vector to its fp32 vector;
- speed: texts/s at batch 32 on profile texts.

The rule of docs/performance.md: int8 is offered only if recall@3 (labelled and
held-out) and planted-pair recovery each drop by no more than 0.01.
Baseline, same run: the fp32 export.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.kb_questions import corpus_passages
from bench.profiles import CHALLENGES, GOALS, ROLES, STYLES, profile_texts
from embeddings import Encoder
from embeddings.encoder import PACKAGED_MODEL_NAME, packaged_model_path
from embeddings.export import MODEL_FILE, export_in_child
from knowledge import EVAL_QUERIES, HOLDOUT_QUERIES
from knowledge.evaluation import CUTOFFS, evaluate, load_queries
from knowledge.search import HybridSearcher, search_text

# One offer per goal of bench/profiles.GOALS, in the same order, in other words.
OFFERS = [
    "I coached engineers through their first year as team leads and helped them delegate.",
    "I have presented to boards for a decade and help people structure a talk and stay calm.",
    "I moved from support into product management and can explain how to make that switch.",
    "I built a network across three countries and can show how to meet people outside your team.",
    "I negotiate scope with demanding stakeholders every week and enjoy teaching it.",
    "I have sat on promotion panels and know what evidence convinces them.",
    "I balance on-call duty with two children and have learned to protect my evenings.",
    "I lead distributed teams across time zones and help new leads run a remote team.",
    "I came back from two parental leaves and helped colleagues return with confidence.",
    "I run budgets for a large department and can demystify how spending decisions are made.",
]


def planted_recovery(encoder: Encoder, mentees: int = 300) -> float:
    rng = random.Random(3)
    planted, needs = [], []
    for _ in range(mentees):
        goal = rng.randrange(len(GOALS))
        planted.append(goal)
        needs.append(
            f"I am a {rng.choice(ROLES)}. I want to {GOALS[goal]}. "
            f"Right now {rng.choice(CHALLENGES)}. {rng.choice(STYLES).capitalize()}."
        )
    nearest = (encoder.encode(needs) @ encoder.encode(OFFERS).T).argmax(axis=1)
    return float(np.mean(nearest == np.array(planted)))


def retrieval(encoder: Encoder, passages, path: Path) -> dict[str, list[float]]:
    vectors = encoder.encode([search_text(p) for p in passages])
    searcher = HybridSearcher(encoder, passages, vectors)
    rows = evaluate(searcher, load_queries(path), modes=("hybrid", "dense"))
    return {row.mode: [*(row.recall[k] for k in CUTOFFS), row.mrr] for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=1000)
    args = parser.parse_args()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32_dir = export_in_child(packaged_model_path(), PACKAGED_MODEL_NAME)
    int8_dir = Path(tempfile.mkdtemp(prefix="int8-"))
    for item in fp32_dir.iterdir():
        if item.name != MODEL_FILE:
            shutil.copy(item, int8_dir / item.name)
    quantize_dynamic(
        fp32_dir / MODEL_FILE,
        int8_dir / MODEL_FILE,
        weight_type=QuantType.QInt8,
        per_channel=True,
    )
    size = {d: (d / MODEL_FILE).stat().st_size / 1e6 for d in (fp32_dir, int8_dir)}
    encoders = {"fp32": Encoder(export=fp32_dir), "int8": Encoder(export=int8_dir)}
    passages, _ = corpus_passages()
    texts = profile_texts(args.texts)

    figures: dict[str, dict] = {}
    for name, encoder in encoders.items():
        encoder.encode(texts[:64])
        encoder.clear_cache()
        started = time.perf_counter()
        encoder.encode(texts)
        rate = len(texts) / (time.perf_counter() - started)
        figures[name] = {
            "rate": rate,
            "labelled": retrieval(encoder, passages, EVAL_QUERIES),
            "held-out": retrieval(encoder, passages, HOLDOUT_QUERIES),
            "planted": planted_recovery(encoder),
        }
    fp32_vectors = encoders["fp32"].encode(texts[:300])
    int8_vectors = encoders["int8"].encode(texts[:300])
    cosines = np.sum(fp32_vectors * int8_vectors, axis=1)
    shutil.rmtree(int8_dir, ignore_errors=True)

    print(f"model file: fp32 {size[fp32_dir]:.0f} MB, int8 {size[int8_dir]:.0f} MB")
    print(f"int8 vs fp32 vectors: cosine mean {cosines.mean():.4f}, min {cosines.min():.4f}")
    header = "".join(f"recall@{k}  " for k in CUTOFFS) + "MRR"
    for queries in ("labelled", "held-out"):
        print(f"\n{queries} questions      {header}")
        for name in encoders:
            for mode, row in figures[name][queries].items():
                print(f"  {name} {mode:<14}" + "".join(f"{v:<10.3f}" for v in row))
    print()
    for name in encoders:
        print(
            f"{name}: planted-pair recovery {figures[name]['planted']:.3f}, "
            f"{figures[name]['rate']:.0f} texts/s"
        )
    drops = {
        "recall@3 labelled (hybrid)": figures["fp32"]["labelled"]["hybrid"][1]
        - figures["int8"]["labelled"]["hybrid"][1],
        "recall@3 held-out (hybrid)": figures["fp32"]["held-out"]["hybrid"][1]
        - figures["int8"]["held-out"]["hybrid"][1],
        "planted-pair recovery": figures["fp32"]["planted"] - figures["int8"]["planted"],
    }
    print(
        f"\nratio int8 / fp32 throughput: {figures['int8']['rate'] / figures['fp32']['rate']:.2f}"
    )
    for label, drop in drops.items():
        print(f"drop in {label}: {drop:+.3f}  (allowed <= 0.01)")
    verdict = "earns" if all(d <= 0.01 for d in drops.values()) else "does not earn"
    print(f"int8 {verdict} its place by the rule of docs/performance.md")


if __name__ == "__main__":
    main()
